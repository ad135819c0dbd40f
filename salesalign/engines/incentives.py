"""Incentive plans and statements: what each person earns for a period, line by line, to the cent.

An `IncentivePlan` has components — commission on credited revenue, or a
bonus — each with tiers by attainment, optional accelerators and
decelerators, a threshold, a cap and KPI gates; the plan may add a cap on the
whole statement and a draw or guarantee for new hires. `compute_statements`
takes every person of one period in one call and answers one `Statement` per
person, in the order given. A statement is a list of `StatementLine`s —
code, base, rate, amount, and the data that explain it (tier bounds,
attainment, multiplier, the orders counted) — and a total that is the sum of
the lines, exactly. Nothing here reads a clock or a database: the period and
the hire dates are passed in.

Money is integer cents. Rates are percent (``Decimal("3.5")`` is 3.5 %);
multipliers are plain factors (``Decimal("1.5")``); attainment is percent to
0.01, computed and rounded as in `scoring` (half away from zero).

Rounding: every line's amount is computed exactly (integer fractions) and
rounded half away from zero to the cent, once, on that line. The total is the
sum of the rounded lines, so it always equals what the statement shows; it may
differ by a cent or two from rounding the unrounded sum, and that is the
point: nobody has to trust a figure they cannot add up.

A worked statement
------------------
Plan: a monthly commission with marginal tiers 0 % → 2 %, 80 % → 4 %,
100 % → 6 %, an accelerator ×1.5 from 120 %, and a gate "customer
satisfaction ≥ 3.5". Target for March: 100,000.00. Credited order lines in
date order: A 70,000.00; B 20,000.00 (40 % of a 50,000.00 order, shared with
a colleague); C 35,000.00; a return of Z, an order of February, −10,000.00.
Net 115,000.00 → attainment 115.00 %; satisfaction 3.8, so the gate passes.

=========================  ============================  ============  =========
slice (revenue)            orders counted                base × rate   amount
=========================  ============================  ============  =========
0 – 80,000.00              A 70,000.00, B 10,000.00      80,000 × 2 %   1,600.00
80,000.00 – 100,000.00     B 10,000.00, C 10,000.00      20,000 × 4 %     800.00
100,000.00 – 120,000.00    C 20,000.00, Z −5,000.00      15,000 × 6 %     900.00
120,000.00 –               C 5,000.00, Z −5,000.00       0 × 9 %            0.00
=========================  ============================  ============  =========

Total 3,300.00. The return came after C had reached the accelerated slice, so
it first takes back that slice's 5,000.00, then 5,000.00 of the one below —
the running total walks back down the slices it climbed.

Components
----------
COMMISSION
    The base is the person's credited revenue in the period: the sum of
    their `CreditedOrderLine`s (credit share already applied — a person
    credited 40 % of a 10,000.00 order has a line of 4,000.00). A return is a
    negative line in the period it is recorded, which may be later than its
    order: it lowers that period's revenue, and with it the attainment and
    the commission, at that period's tiers. Attainment is the net revenue
    over the person's target for the component's ``measure`` (``revenue``)
    — or, for a TEAM component, the team's actual over the team's target.
BONUS
    The base is a target bonus: the amount paid at 100 % attainment
    (``target_amount`` on the component, or the person's own in
    ``target_amounts``). The earned base is ``target bonus × attainment``,
    rounded to the cent, where attainment is ``actuals[measure] /
    targets[measure]`` (the person's, or the team's for a TEAM component).
    A bonus on the scorecard passes the total score as the actual and 100 as
    the target. A bonus is never negative.

A commission with one tier, no multiplier and no threshold pays its rate
whatever the attainment, so it needs no target. Any other component needs a
target above 0 (and a bonus an actual); without one it pays 0 on a NO_TARGET
line that says what was missing. A TEAM commission pays the tier the team
reached on the person's own revenue, so its tiers must be FLAT: the person's
revenue cannot be cut at the team's bounds.

A component pays only on statements of its ``period_kind`` (month, quarter or
year): a plan with a monthly commission and a quarterly bonus gets the
commission on the month's statement and the bonus on the quarter's.

Tiers, accelerators and decelerators
------------------------------------
Tiers are bands of attainment, each with a rate; the first starts at 0 %
and each runs from its start (inclusive) to the next start (exclusive).
Multipliers are bands of attainment with a factor on the rate: above 1 an
accelerator (×1.5 from 100 %), below 1 a decelerator (×0.5 from 0 % to 80 %).
Below the first multiplier band the factor is 1.

MARGINAL (the default)
    Like tax brackets: the base is cut at the band bounds and each slice
    earns its own rate × factor. Commission bounds are the target × the
    bound, rounded to the cent (target 100,000.00: the 100 % tier starts at
    100,000.00 of revenue). Bonus bounds are the target bonus × the bound.
    Orders fill the slices in date order (then by order id, then amount);
    an order that crosses a bound is shown in both slices with the part in
    each. The default because one more order never changes what the earlier
    ones earned: there is no cliff to argue about at a boundary.
FLAT
    The whole base earns the rate (× factor) of the band the attainment
    reached. Exactly 100.00 % reaches the band that starts at 100 %.

Every decision by attainment (the tier reached, the multiplier, the
threshold) uses the attainment as shown, rounded to 0.01 %.

Threshold, gates and caps
-------------------------
Threshold
    Below this attainment the component pays nothing (one line says so);
    at exactly the threshold it pays normally, from the first tier.
Gates
    A gate names a measure in the person's ``actuals`` and a minimum, e.g.
    customer satisfaction ≥ 3.5. When a gate fails, the component's lines
    stay on the statement (so the person sees what was at stake) and a
    GATE_FAILED line takes the component back to 0, naming the measure, the
    value and the minimum; further failed gates each get a line of 0. A
    missing value passes (``when_missing=PASSES``, the default: no survey
    answers is not poor satisfaction) or fails (FAILS). A gate withholds a
    payout; it never cancels a clawback.
Component cap
    A COMPONENT_CAP line brings a component above its ``cap`` back to it.
Plan cap
    After the components, a PLAN_CAP line brings the statement's earnings
    back to the plan's ``cap``. A guarantee or draw never takes the total
    above the plan cap either.

Returns and clawback: what the plan allows
------------------------------------------
Returns net against the period's sales. When the net base is zero or below
(returns larger than the sales of the period):

- without ``clawback_rate`` (the default) the component pays 0 — a
  NOTHING_EARNED line — and the excess is forgiven: a period's commission is
  never below 0;
- with ``clawback_rate`` the negative net base is charged at that rate (a
  CLAWBACK line), and the statement may be negative. This is the only way a
  payout goes below 0.

Draws and guarantees for new hires
----------------------------------
``Draw(kind, amount_per_month, months)``: during the first ``months`` months
after the hire date (the hire month is month 1, paid in full), a statement of
the draw's ``period_kind`` is topped up to ``amount_per_month`` × the covered
months of its period (never above the plan cap).

GUARANTEE
    Non-recoverable: the GUARANTEE line tops the earnings up; nothing is owed.
RECOVERABLE
    A draw against future earnings: the DRAW line tops up and adds to the
    person's draw balance. On later statements of that kind, earnings above
    what is guaranteed then (0 once the months are over) first repay the
    balance, up to ``recovery_percent`` of them (DRAW_RECOVERY, negative). The
    balance is passed in (``draw_balance``) and out (``draw_balance_after``);
    recovery never takes a statement below its guarantee.

Not modelled here (the caller's, or later): a negative balance carried to
the next period instead of being forgiven or clawed back, prorating a bonus
for a partial period, splitting a draw month by the hire day, and manual
adjustments (the service adds those as audited lines of its own).

Lines, in order
---------------
Per component (in plan order): TIER lines, or one of NO_TARGET,
NO_TARGET_AMOUNT, THRESHOLD_NOT_MET, NOTHING_EARNED, CLAWBACK; then
COMPONENT_CAP and GATE_FAILED. Then PLAN_CAP, and GUARANTEE, DRAW or
DRAW_RECOVERY. `LineCode` lists each line's params. A COMMISSION line lists
the order lines it counted (``orders``); every credited order line of the
period appears on the statement, and a TIER line's order parts add up to its
base. `StatementLine.as_json` gives the form to store with a closed period.

Errors
------
A plan that cannot be paid (the first tier not at 0 %, bands out of order, a
negative rate, a marginal team commission, …) and an input that cannot be (an
order line outside the period or not in whole cents, a person twice, an
unknown plan, a negative draw balance) raise `IncentiveError` with an
`ErrorCode`, the field and the plan, component or person at fault.

Bulk
----
One call for all people of a period; plans are validated and compiled once.
Per person the work is a sort of their order lines and integer arithmetic;
an order line that lies inside one slice is shown as the input object itself,
only the few that cross a bound are split into new ones.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Context, Decimal
from enum import StrEnum
from itertools import pairwise
from operator import itemgetter
from typing import NamedTuple

from salesalign.engines.periods import Period, PeriodKind, month_number, months_of
from salesalign.engines.scoring import (
    FULL_WEIGHT,
    GroupId,
    Number,
    ParamValue,
    PersonId,
    as_fraction,
    fixed,
    in_hundredths,
    ratio_in_hundredths,
    round_half_away_from_zero,
)

OrderRef = int | str
_DECIMALS = Context(prec=80)
_PERIOD_KINDS = (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)
_BELOW_ALL = -(10**30)  # cents beyond any statement: the open ends of the first and last slice
_ABOVE_ALL = 10**30


class ComponentKind(StrEnum):
    """What a component pays on."""

    COMMISSION = "commission"  # a rate on credited revenue
    BONUS = "bonus"  # a share of a target bonus


class Scope(StrEnum):
    """Whose attainment a component reads."""

    INDIVIDUAL = "individual"
    TEAM = "team"


class TierMode(StrEnum):
    """How tiers apply: slice by slice (like tax brackets) or the reached tier's rate on all."""

    MARGINAL = "marginal"
    FLAT = "flat"


class GateMissing(StrEnum):
    """What a gate does when the person has no value for its measure."""

    PASSES = "passes"
    FAILS = "fails"


class DrawKind(StrEnum):
    """A recoverable draw (an advance) or a non-recoverable guarantee."""

    RECOVERABLE = "recoverable"
    GUARANTEE = "guarantee"


class LineCode(StrEnum):
    """What a statement line is; the caller words it from the code and params."""

    # base × rate: tier, tier_from, tier_to ("" when open), tier_rate, multiplier,
    # multiplier_from ("" when none), attainment, mode, orders (count); MARGINAL adds
    # base_from, base_to ("" when open): the slice in cents; BONUS adds target_amount
    TIER = "tier"
    NO_TARGET = "no_target"  # amount 0; missing (target | actual | team), measure
    NO_TARGET_AMOUNT = "no_target_amount"  # amount 0: a bonus with no amount at 100 %
    THRESHOLD_NOT_MET = "threshold_not_met"  # amount 0; attainment, threshold, orders
    NOTHING_EARNED = "nothing_earned"  # amount 0; sales, returns, orders: net base ≤ 0
    CLAWBACK = "clawback"  # net base × clawback rate (negative); sales, returns, orders
    COMPONENT_CAP = "component_cap"  # cap − uncapped; cap, uncapped
    GATE_FAILED = "gate_failed"  # −payout (then 0); measure, value ("" if none), minimum, forfeited
    PLAN_CAP = "plan_cap"  # cap − uncapped; cap, uncapped
    GUARANTEE = "guarantee"  # guaranteed − earned; guaranteed, earned, months, hire_date
    DRAW = "draw"  # guaranteed − earned, added to the balance; same params + balance_after
    DRAW_RECOVERY = "draw_recovery"  # −recovered; balance_before, excess, recovery_percent


class ErrorCode(StrEnum):
    """Why a plan or an input was refused; the caller words (and translates) it."""

    NO_COMPONENTS = "no_components"
    DUPLICATE_COMPONENT = "duplicate_component"
    BAD_TIERS = "bad_tiers"
    BAD_MULTIPLIERS = "bad_multipliers"
    BAD_NUMBER = "bad_number"
    BAD_AMOUNT = "bad_amount"
    BAD_PERIOD_KIND = "bad_period_kind"
    BAD_OPTION = "bad_option"
    BAD_DRAW = "bad_draw"
    UNKNOWN_PLAN = "unknown_plan"
    DUPLICATE_PERSON = "duplicate_person"
    ORDER_OUTSIDE_PERIOD = "order_outside_period"


class IncentiveError(ValueError):
    """A plan or an input the engine refuses, naming the problem, the field and where."""

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode,
        field: str,
        plan: str | None = None,
        component: str | None = None,
        person: PersonId | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.plan = plan
        self.component = component
        self.person = person


# --- plans -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    """From this attainment (percent, inclusive) to the next tier's start: this rate (percent)."""

    from_attainment: Decimal
    rate: Decimal


@dataclass(frozen=True)
class Multiplier:
    """From this attainment (percent, inclusive) to the next band's start: the rate × `factor`."""

    from_attainment: Decimal
    factor: Decimal


@dataclass(frozen=True)
class Gate:
    """The component pays only when `actuals[measure]` ≥ `minimum`."""

    measure: str
    minimum: Decimal
    when_missing: GateMissing = GateMissing.PASSES


@dataclass(frozen=True, kw_only=True)
class Component:
    """One part of a plan: commission or bonus, individual or team, with its tiers and limits."""

    key: str
    kind: ComponentKind
    tiers: tuple[Tier, ...]
    measure: str = "revenue"  # the key in targets / actuals that attainment is measured on
    scope: Scope = Scope.INDIVIDUAL
    period_kind: PeriodKind = PeriodKind.MONTH
    mode: TierMode = TierMode.MARGINAL
    multipliers: tuple[Multiplier, ...] = ()
    threshold: Decimal | None = None  # attainment percent; below it nothing is paid
    cap: int | None = None  # cents
    gates: tuple[Gate, ...] = ()
    target_amount: int | None = None  # BONUS: cents paid at 100 % (people may have their own)
    clawback_rate: Decimal | None = None  # COMMISSION: percent charged on a negative net base
    name_en: str = ""  # what English pages call it (the key is its name in the plan's language)


@dataclass(frozen=True, kw_only=True)
class Draw:
    """A draw or guarantee of `amount_per_month` for the first `months` months after hiring."""

    kind: DrawKind
    amount_per_month: int  # cents
    months: int
    period_kind: PeriodKind = PeriodKind.MONTH  # the statements it tops up (and recovers from)
    recovery_percent: Decimal = Decimal(100)  # RECOVERABLE: most of the excess taken per statement


@dataclass(frozen=True, kw_only=True)
class IncentivePlan:
    """Components, an optional cap on each statement, an optional draw for new hires."""

    key: str
    components: tuple[Component, ...]
    cap: int | None = None  # cents, per statement
    draw: Draw | None = None


# --- inputs and results ------------------------------------------------------------------


class CreditedOrderLine(NamedTuple):
    """An order's credit to one person: the credited cents (negative for a return).

    On a statement line, `amount` is the part of the order line counted there. The
    engine reads order lines as plain ``(order, day, amount)`` tuples (`OrderLine`), so a
    caller with hundreds of thousands of them (a large company's quarter) may pass bare
    tuples straight from its rows; this named form is the same tuple, for readers.
    """

    order: OrderRef
    day: date
    amount: int


#: An order line as the engine reads it: (order, day, amount), a `CreditedOrderLine` or not.
OrderLine = tuple[OrderRef, date, int]


@dataclass(frozen=True, kw_only=True)
class TeamMeasures:
    """A team's targets and actuals, by measure, for TEAM components."""

    targets: Mapping[str, Number | None] = field(default_factory=dict)
    actuals: Mapping[str, Number | None] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class StatementInput:
    """One person's numbers for the period.

    `targets` and `actuals` are keyed by measure (a commission's actual is its
    order lines; gates read `actuals`); `target_amounts` by component key;
    `draw_balance` is what the person still owes on a recoverable draw.
    """

    person_id: PersonId
    plan: str
    team: GroupId | None = None
    hire_date: date | None = None
    order_lines: Sequence[OrderLine] = ()
    targets: Mapping[str, Number | None] = field(default_factory=dict)
    actuals: Mapping[str, Number | None] = field(default_factory=dict)
    target_amounts: Mapping[str, int] = field(default_factory=dict)
    draw_balance: int = 0


@dataclass(frozen=True)
class StatementLine:
    """One line: amount = base × rate, rounded half away from zero (or an adjustment)."""

    component: str | None  # None for the plan's own lines (plan cap, draw)
    code: LineCode
    base: int  # cents the rate applies to (0 when none)
    rate: Decimal | None  # percent, the multiplier included
    amount: int  # cents
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    orders: tuple[OrderLine, ...] = ()

    def as_json(self, *, compact: bool = False) -> dict[str, object]:
        """The line as JSON-ready data (Decimals as strings, dates ISO), each order as
        ``{"order", "day", "amount"}``.

        `compact=True` gives the form a close stores, for an encoder that writes tuples
        as arrays and dates as ISO itself (orjson): the orders as they are, each an
        ``(order, day, amount)`` array. At L a close lists some 660,000 orders; a dict
        and a formatted day for each were most of the time of its statements' JSON, and
        the keys a third of its size.
        """
        return {
            "component": self.component,
            "code": str(self.code),
            "base": self.base,
            "rate": None if self.rate is None else str(self.rate),
            "amount": self.amount,
            "params": {
                name: str(value) if isinstance(value, Decimal) else value
                for name, value in self.params.items()
            },
            "orders": self.orders
            if compact
            else [
                {"order": order, "day": day.isoformat(), "amount": amount}
                for order, day, amount in self.orders
            ],
        }


@dataclass(frozen=True)
class GateCheck:
    """How a gate went: the value read, the minimum, passed or not."""

    measure: str
    value: Number | None
    minimum: Decimal
    passed: bool


@dataclass(frozen=True)
class ComponentResult:
    """A component's figures on the statement: attainment, what was sold, what it paid."""

    key: str
    kind: ComponentKind
    scope: Scope
    measure: str
    actual: Number | None  # individual commission: net credited cents; otherwise as given
    target: Number | None
    attainment: Decimal | None  # percent
    sales: int  # commission: credited cents of the period's positive lines
    returns: int  # commission: cents of its negative lines (≤ 0)
    order_lines: int
    gates: tuple[GateCheck, ...]
    payout: int  # the sum of the component's lines


@dataclass(frozen=True)
class Statement:
    """One person's statement for one period; `total` is the sum of the lines, exactly."""

    person_id: PersonId
    plan: str
    period_key: str
    lines: tuple[StatementLine, ...]
    total: int
    earned: int  # before the draw or guarantee lines
    draw_balance_before: int
    draw_balance_after: int
    components: tuple[ComponentResult, ...]


# --- validation and compilation ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Segment:
    """A slice of attainment where one tier and one multiplier apply."""

    start: int  # hundredths of a percent (the first slice also takes everything below)
    end: int | None  # None: no upper bound
    tier: int
    multiplier: int | None  # None: factor 1
    rate: Decimal  # percent, tier rate × factor
    rate_numerator: int  # rate / 100 as an exact fraction
    rate_denominator: int


@dataclass(frozen=True, slots=True)
class _Component:
    component: Component
    tier_starts: tuple[int, ...]
    multiplier_starts: tuple[int, ...]
    segments: tuple[_Segment, ...]
    threshold: int | None
    needs_attainment: bool
    clawback: tuple[int, int] | None


def _plan_error(
    message: str, code: ErrorCode, field: str, plan: IncentivePlan, component: str | None = None
) -> IncentiveError:
    return IncentiveError(message, code=code, field=field, plan=plan.key, component=component)


def _percent_hundredths(
    value: Decimal, *, field: str, plan: IncentivePlan, component: str | None
) -> int:
    try:
        return in_hundredths(value)
    except (TypeError, ValueError):
        raise _plan_error(
            f"{field} must be a percent with at most two decimal places, not {value!r}",
            ErrorCode.BAD_NUMBER,
            field,
            plan,
            component,
        ) from None


def _non_negative(
    value: Decimal, *, field: str, plan: IncentivePlan, component: str | None
) -> tuple[int, int]:
    try:
        numerator, denominator = as_fraction(value)
    except (TypeError, ValueError):
        numerator, denominator = -1, 1
    if numerator < 0:
        raise _plan_error(
            f"{field} must be a number ≥ 0, not {value!r}",
            ErrorCode.BAD_NUMBER,
            field,
            plan,
            component,
        )
    return numerator, denominator


def _check_amount(value: object, *, field: str, plan: IncentivePlan, component: str | None) -> None:
    if type(value) is not int or value < 0:
        raise _plan_error(
            f"{field} must be a whole number of cents ≥ 0, not {value!r}",
            ErrorCode.BAD_AMOUNT,
            field,
            plan,
            component,
        )


def _compile_component(component: Component, plan: IncentivePlan) -> _Component:
    key = component.key

    def fail(message: str, code: ErrorCode, field: str) -> IncentiveError:
        return _plan_error(message, code, field, plan, key)

    try:
        kind = ComponentKind(component.kind)
        scope = Scope(component.scope)
        mode = TierMode(component.mode)
    except ValueError as problem:
        raise fail(str(problem), ErrorCode.BAD_OPTION, "kind") from None
    if component.period_kind not in _PERIOD_KINDS:
        raise fail(
            f"a component is paid monthly, quarterly or yearly, not {component.period_kind!r}",
            ErrorCode.BAD_PERIOD_KIND,
            "period_kind",
        )
    if not component.tiers:
        raise fail(f"the component {key} has no tiers", ErrorCode.BAD_TIERS, "tiers")
    # Fields named as the definition names them (tiers[1].rate), so the error sits on its box.
    tier_starts = tuple(
        _percent_hundredths(
            tier.from_attainment, field=f"tiers[{index}].from", plan=plan, component=key
        )
        for index, tier in enumerate(component.tiers)
    )
    if tier_starts[0] != 0:
        raise fail(
            "the first tier must start at 0 %; use the threshold to pay nothing below an attainment",
            ErrorCode.BAD_TIERS,
            "tiers",
        )
    if any(later <= earlier for earlier, later in pairwise(tier_starts)):
        raise fail(
            "tiers must start at strictly increasing attainments", ErrorCode.BAD_TIERS, "tiers"
        )
    tier_rates = [
        _non_negative(tier.rate, field=f"tiers[{index}].rate", plan=plan, component=key)
        for index, tier in enumerate(component.tiers)
    ]
    multiplier_starts = tuple(
        _percent_hundredths(
            band.from_attainment, field=f"multipliers[{index}].from", plan=plan, component=key
        )
        for index, band in enumerate(component.multipliers)
    )
    if any(start < 0 for start in multiplier_starts) or any(
        later <= earlier for earlier, later in pairwise(multiplier_starts)
    ):
        raise fail(
            "multiplier bands must start at strictly increasing attainments ≥ 0",
            ErrorCode.BAD_MULTIPLIERS,
            "multipliers",
        )
    factors = [
        _non_negative(band.factor, field=f"multipliers[{index}].factor", plan=plan, component=key)
        for index, band in enumerate(component.multipliers)
    ]
    threshold = None
    if component.threshold is not None:
        threshold = _percent_hundredths(
            component.threshold, field="threshold", plan=plan, component=key
        )
        if threshold < 0:
            raise fail("the threshold cannot be below 0 %", ErrorCode.BAD_NUMBER, "threshold")
    if component.cap is not None:
        _check_amount(component.cap, field="cap", plan=plan, component=key)
    if component.target_amount is not None:
        if kind is not ComponentKind.BONUS:
            raise fail("only a bonus has a target amount", ErrorCode.BAD_OPTION, "target_amount")
        _check_amount(component.target_amount, field="target_amount", plan=plan, component=key)
    clawback = None
    if component.clawback_rate is not None:
        if kind is not ComponentKind.COMMISSION:
            raise fail("only a commission can claw back", ErrorCode.BAD_OPTION, "clawback_rate")
        numerator, denominator = _non_negative(
            component.clawback_rate, field="clawback_rate", plan=plan, component=key
        )
        clawback = (numerator, denominator * 100)
    if kind is ComponentKind.COMMISSION and scope is Scope.TEAM and mode is TierMode.MARGINAL:
        raise fail(
            "a team commission pays the tier the team reached on the person's own revenue: "
            "use FLAT tiers (the person's revenue cannot be sliced by the team's attainment)",
            ErrorCode.BAD_OPTION,
            "mode",
        )
    for gate in component.gates:
        try:
            as_fraction(gate.minimum)
            GateMissing(gate.when_missing)
        except (TypeError, ValueError):
            raise fail(
                f"the gate on {gate.measure} needs a numeric minimum",
                ErrorCode.BAD_NUMBER,
                "gates",
            ) from None
    # Slices: cut at every tier and multiplier start above 0.
    cuts = sorted({start for start in (*tier_starts, *multiplier_starts) if start > 0})
    segments = []
    for start, end in zip([0, *cuts], [*cuts, None], strict=True):
        tier = bisect_right(tier_starts, start) - 1
        multiplier = bisect_right(multiplier_starts, start) - 1
        rate_numerator, rate_denominator = tier_rates[tier]
        rate = component.tiers[tier].rate
        if multiplier >= 0:
            factor_numerator, factor_denominator = factors[multiplier]
            rate_numerator *= factor_numerator
            rate_denominator *= factor_denominator
            rate = _DECIMALS.multiply(rate, component.multipliers[multiplier].factor)
        segments.append(
            _Segment(
                start=start,
                end=end,
                tier=tier,
                multiplier=multiplier if multiplier >= 0 else None,
                rate=rate,
                rate_numerator=rate_numerator,
                rate_denominator=rate_denominator * 100,
            )
        )
    return _Component(
        component=component,
        tier_starts=tier_starts,
        multiplier_starts=multiplier_starts,
        segments=tuple(segments),
        threshold=threshold,
        needs_attainment=len(tier_starts) > 1 or bool(multiplier_starts) or threshold is not None,
        clawback=clawback,
    )


def _compile(plan: IncentivePlan) -> tuple[_Component, ...]:
    if not plan.components:
        raise _plan_error(
            f"the plan {plan.key} has no components", ErrorCode.NO_COMPONENTS, "components", plan
        )
    keys = [component.key for component in plan.components]
    if len(set(keys)) != len(keys):
        raise _plan_error(
            f"the plan {plan.key} names a component twice",
            ErrorCode.DUPLICATE_COMPONENT,
            "components",
            plan,
        )
    if plan.cap is not None:
        _check_amount(plan.cap, field="cap", plan=plan, component=None)
    draw = plan.draw
    if draw is not None:
        _check_amount(draw.amount_per_month, field="amount_per_month", plan=plan, component=None)
        if type(draw.months) is not int or draw.months < 1:
            raise _plan_error("a draw lasts at least one month", ErrorCode.BAD_DRAW, "months", plan)
        if draw.period_kind not in _PERIOD_KINDS:
            raise _plan_error(
                "a draw tops up monthly, quarterly or yearly statements",
                ErrorCode.BAD_PERIOD_KIND,
                "period_kind",
                plan,
            )
        if draw.kind not in tuple(DrawKind):
            raise _plan_error(
                f"a draw is recoverable or a guarantee, not {draw.kind!r}",
                ErrorCode.BAD_DRAW,
                "kind",
                plan,
            )
        try:
            recovery = in_hundredths(draw.recovery_percent)
        except (TypeError, ValueError):
            recovery = -1
        if not 0 <= recovery <= FULL_WEIGHT:
            raise _plan_error(
                "recovery_percent is 0–100 with at most two decimals",
                ErrorCode.BAD_DRAW,
                "recovery_percent",
                plan,
            )
    return tuple(_compile_component(component, plan) for component in plan.components)


def validate_plan(plan: IncentivePlan) -> None:
    """Check a plan (tiers, bands, amounts, draw); IncentiveError naming the problem."""
    _compile(plan)


# --- one component -----------------------------------------------------------------------


_BY_DAY_ORDER_AMOUNT = itemgetter(1, 0, 2)  # an OrderLine's (day, order, amount)


def _order_key(line: OrderLine) -> tuple[date, int, int, str, int]:
    order, day, amount = line
    if isinstance(order, int):
        return (day, 0, order, "", amount)
    return (day, 1, 0, order, amount)


def _clamp(value: int, low: int, high: int) -> int:
    return low if value < low else high if value > high else value


def _bound(base_at_100: tuple[int, int], attainment: int) -> int:
    """The base at an attainment (hundredths of a percent), in cents, half away from zero."""
    numerator, denominator = base_at_100
    return round_half_away_from_zero(numerator * attainment, denominator * FULL_WEIGHT)


def _tier_params(
    compiled: _Component, segment: _Segment, attainment: int | None
) -> dict[str, ParamValue]:
    component = compiled.component
    tier = segment.tier
    multiplier = segment.multiplier
    return {
        "tier": tier + 1,
        "tier_from": fixed(compiled.tier_starts[tier]),
        "tier_to": fixed(compiled.tier_starts[tier + 1])
        if tier + 1 < len(compiled.tier_starts)
        else "",
        "tier_rate": component.tiers[tier].rate,
        "multiplier": Decimal(1)
        if multiplier is None
        else component.multipliers[multiplier].factor,
        "multiplier_from": ""
        if multiplier is None
        else fixed(compiled.multiplier_starts[multiplier]),
        "attainment": "" if attainment is None else fixed(attainment),
        "mode": str(component.mode),
    }


def _flat_segment(compiled: _Component, attainment: int | None) -> _Segment:
    """The slice holding the attainment (the first when attainment does not matter)."""
    if attainment is None:
        return compiled.segments[0]
    index = 0
    for position, segment in enumerate(compiled.segments):
        if segment.start <= attainment:
            index = position
    return compiled.segments[index]


def _tier_lines(
    compiled: _Component,
    value: int,
    attainment: int | None,
    base_at_100: tuple[int, int] | None,
    orders: Sequence[OrderLine] | None,
    extra: Mapping[str, ParamValue],
) -> list[StatementLine]:
    """TIER lines for a base `value` > 0 (cents): one per slice it reaches, or one when FLAT."""
    component = compiled.component
    key = component.key
    if component.mode == TierMode.FLAT or base_at_100 is None:
        segment = _flat_segment(compiled, attainment)
        params = _tier_params(compiled, segment, attainment)
        params.update(extra)
        counted: tuple[OrderLine, ...] = ()
        if orders is not None:
            counted = tuple(orders)
            params["orders"] = len(counted)
        amount = round_half_away_from_zero(value * segment.rate_numerator, segment.rate_denominator)
        return [StatementLine(key, LineCode.TIER, value, segment.rate, amount, params, counted)]

    # MARGINAL: cut the base at each slice's bound in cents.
    segments = compiled.segments
    cuts = [_bound(base_at_100, segment.start) for segment in segments[1:]]
    portions: list[list[OrderLine]] = [[] for _ in segments]
    if orders is not None:
        bounds = [_BELOW_ALL, *cuts, _ABOVE_ALL]  # slice i is [bounds[i], bounds[i + 1])
        index = bisect_right(cuts, 0)
        low, high = bounds[index], bounds[index + 1]
        running = 0
        for line in orders:
            amount = line[2]
            before = running
            running += amount
            if low <= running < high:  # still inside the slice: the order line as it is
                portions[index].append(line)
                continue
            reached = bisect_right(cuts, running)
            for crossed in range(min(index, reached), max(index, reached) + 1):
                lower, upper = bounds[crossed], bounds[crossed + 1]
                part = _clamp(running, lower, upper) - _clamp(before, lower, upper)
                if part:
                    portions[crossed].append(CreditedOrderLine(line[0], line[1], part))
            index = reached
            low, high = bounds[index], bounds[index + 1]
    lines = []
    for index, segment in enumerate(segments):
        lower = cuts[index - 1] if index else _BELOW_ALL
        upper = cuts[index] if index < len(cuts) else _ABOVE_ALL
        base = _clamp(value, lower, upper) - _clamp(0, lower, upper)
        if base == 0 and not portions[index]:
            continue  # a slice the base never reached (a return may leave one at 0: shown)
        params = _tier_params(compiled, segment, attainment)
        params["base_from"] = 0 if index == 0 else lower
        params["base_to"] = "" if upper == _ABOVE_ALL else upper
        params.update(extra)
        counted = tuple(portions[index])
        if orders is not None:
            params["orders"] = len(counted)
        amount = round_half_away_from_zero(base * segment.rate_numerator, segment.rate_denominator)
        lines.append(StatementLine(key, LineCode.TIER, base, segment.rate, amount, params, counted))
    return lines


def _gate_checks(component: Component, person: StatementInput) -> tuple[GateCheck, ...]:
    checks = []
    for gate in component.gates:
        value = person.actuals.get(gate.measure)
        passed = gate.when_missing == GateMissing.PASSES if value is None else value >= gate.minimum
        checks.append(GateCheck(gate.measure, value, gate.minimum, passed))
    return tuple(checks)


def _component_lines(
    compiled: _Component,
    person: StatementInput,
    teams: Mapping[GroupId, TeamMeasures],
    orders: Sequence[OrderLine],
    sales: int,
    returns: int,
) -> tuple[list[StatementLine], ComponentResult]:
    component = compiled.component
    key = component.key
    measure = component.measure
    is_commission = component.kind == ComponentKind.COMMISSION
    net = sales + returns

    target: Number | None
    actual: Number | None
    if component.scope == Scope.TEAM:
        team = teams.get(person.team) if person.team is not None else None
        target = None if team is None else team.targets.get(measure)
        actual = None if team is None else team.actuals.get(measure)
        missing = "team" if team is None else "target" if target is None else "actual"
    else:
        target = person.targets.get(measure)
        actual = net if is_commission else person.actuals.get(measure)
        missing = "target" if target is None else "actual"
    attainment = None
    if target is not None and actual is not None and target > 0:
        attainment = ratio_in_hundredths(actual, target)
    elif target is not None and target <= 0:
        missing = "target"

    all_orders = tuple(orders) if is_commission else ()
    counted_orders = {"orders": len(all_orders)} if is_commission else {}
    lines: list[StatementLine] = []

    def single(code: LineCode, base: int, params: dict[str, ParamValue]) -> None:
        params.update(counted_orders)
        lines.append(StatementLine(key, code, base, None, 0, params, all_orders))

    if is_commission and net <= 0:
        if net < 0 and compiled.clawback is not None:
            numerator, denominator = compiled.clawback
            amount = round_half_away_from_zero(net * numerator, denominator)
            params: dict[str, ParamValue] = {"sales": sales, "returns": returns}
            params.update(counted_orders)
            lines.append(
                StatementLine(
                    key, LineCode.CLAWBACK, net, component.clawback_rate, amount, params, all_orders
                )
            )
        else:
            single(LineCode.NOTHING_EARNED, net, {"sales": sales, "returns": returns})
    elif attainment is None and (compiled.needs_attainment or not is_commission):
        single(
            LineCode.NO_TARGET,
            net if is_commission else 0,
            {"missing": missing, "measure": measure},
        )
    elif (
        compiled.threshold is not None
        and attainment is not None
        and attainment < compiled.threshold
    ):
        single(
            LineCode.THRESHOLD_NOT_MET,
            net if is_commission else 0,
            {"attainment": fixed(attainment), "threshold": fixed(compiled.threshold)},
        )
    elif is_commission:
        base_at_100 = None
        if target is not None and component.scope == Scope.INDIVIDUAL and attainment is not None:
            base_at_100 = as_fraction(target)
        lines.extend(_tier_lines(compiled, net, attainment, base_at_100, all_orders, {}))
    else:
        target_amount = person.target_amounts.get(key, component.target_amount)
        if target_amount is None:
            single(LineCode.NO_TARGET_AMOUNT, 0, {})
        else:
            assert attainment is not None
            value = _bound((target_amount, 1), attainment)
            if value <= 0:
                single(LineCode.NOTHING_EARNED, value, {"attainment": fixed(attainment)})
            else:
                lines.extend(
                    _tier_lines(
                        compiled,
                        value,
                        attainment,
                        (target_amount, 1),
                        None,
                        {"target_amount": target_amount},
                    )
                )

    subtotal = sum(line.amount for line in lines)
    if component.cap is not None and subtotal > component.cap:
        lines.append(
            StatementLine(
                key,
                LineCode.COMPONENT_CAP,
                0,
                None,
                component.cap - subtotal,
                {"cap": component.cap, "uncapped": subtotal},
            )
        )
        subtotal = component.cap
    checks = _gate_checks(component, person)
    if subtotal > 0:
        forfeited = subtotal
        for check in checks:
            if check.passed:
                continue
            lines.append(
                StatementLine(
                    key,
                    LineCode.GATE_FAILED,
                    0,
                    None,
                    -subtotal,
                    {
                        "measure": check.measure,
                        "value": "" if check.value is None else check.value,
                        "minimum": check.minimum,
                        "forfeited": forfeited,
                    },
                )
            )
            subtotal = 0
    result = ComponentResult(
        key=key,
        kind=ComponentKind(component.kind),
        scope=Scope(component.scope),
        measure=measure,
        actual=actual,
        target=target,
        attainment=None if attainment is None else fixed(attainment),
        sales=sales if is_commission else 0,
        returns=returns if is_commission else 0,
        order_lines=len(all_orders),
        gates=checks,
        payout=sum(line.amount for line in lines),
    )
    return lines, result


# --- one statement -----------------------------------------------------------------------


def _covered_months(hire_date: date, months: int, period: Period) -> int:
    """How many months of the period fall within the first `months` months from the hire month."""
    first = month_number(hire_date)
    first_index = (first // 100) * 12 + first % 100 - 1
    covered = 0
    for month in months_of(period):
        index = (month // 100) * 12 + month % 100 - 1
        if first_index <= index < first_index + months:
            covered += 1
    return covered


def _draw_lines(
    plan: IncentivePlan, person: StatementInput, period: Period, earned: int
) -> tuple[list[StatementLine], int]:
    """The draw or guarantee lines, and the draw balance after them."""
    draw = plan.draw
    balance = person.draw_balance
    if draw is None or draw.period_kind != period.kind:
        return [], balance
    covered = (
        0 if person.hire_date is None else _covered_months(person.hire_date, draw.months, period)
    )
    guaranteed = draw.amount_per_month * covered
    if plan.cap is not None:
        guaranteed = min(guaranteed, plan.cap)
    hire = "" if person.hire_date is None else person.hire_date.isoformat()
    if covered and earned < guaranteed:
        top_up = guaranteed - earned
        params: dict[str, ParamValue] = {
            "guaranteed": guaranteed,
            "earned": earned,
            "months": covered,
            "hire_date": hire,
        }
        if draw.kind == DrawKind.GUARANTEE:
            return [StatementLine(None, LineCode.GUARANTEE, 0, None, top_up, params)], balance
        balance += top_up
        params["balance_after"] = balance
        return [StatementLine(None, LineCode.DRAW, 0, None, top_up, params)], balance
    if draw.kind == DrawKind.RECOVERABLE and balance > 0 and earned > guaranteed:
        excess = earned - guaranteed
        percent = in_hundredths(draw.recovery_percent)
        recovered = min(balance, round_half_away_from_zero(excess * percent, FULL_WEIGHT))
        if recovered > 0:
            line = StatementLine(
                None,
                LineCode.DRAW_RECOVERY,
                0,
                None,
                -recovered,
                {
                    "balance_before": balance,
                    "excess": excess,
                    "recovery_percent": draw.recovery_percent,
                    "balance_after": balance - recovered,
                },
            )
            return [line], balance - recovered
    return [], balance


def _statement(
    plan: IncentivePlan,
    compiled: tuple[_Component, ...],
    person: StatementInput,
    period: Period,
    teams: Mapping[GroupId, TeamMeasures],
) -> Statement:
    orders = person.order_lines
    first_day, last_day = period.start, period.end
    sales = returns = 0
    for order, day, amount in orders:
        if type(amount) is not int or not first_day <= day <= last_day:
            raise IncentiveError(
                f"the order line {order!r} of {day} ({amount!r}) is not "
                f"a whole number of cents within {period.key}",
                code=ErrorCode.ORDER_OUTSIDE_PERIOD,
                field="order_lines",
                plan=plan.key,
                person=person.person_id,
            )
        if amount > 0:
            sales += amount
        else:
            returns += amount
    try:
        ordered = sorted(orders, key=_BY_DAY_ORDER_AMOUNT)
    except TypeError:  # order ids that mix numbers and text
        ordered = sorted(orders, key=_order_key)
    lines: list[StatementLine] = []
    results = []
    for component in compiled:
        if component.component.period_kind != period.kind:
            continue
        component_lines, result = _component_lines(
            component, person, teams, ordered, sales, returns
        )
        lines.extend(component_lines)
        results.append(result)
    earned = sum(line.amount for line in lines)
    if plan.cap is not None and earned > plan.cap:
        lines.append(
            StatementLine(
                None,
                LineCode.PLAN_CAP,
                0,
                None,
                plan.cap - earned,
                {"cap": plan.cap, "uncapped": earned},
            )
        )
        earned = plan.cap
    draw_lines, balance_after = _draw_lines(plan, person, period, earned)
    lines.extend(draw_lines)
    return Statement(
        person_id=person.person_id,
        plan=plan.key,
        period_key=period.key,
        lines=tuple(lines),
        total=sum(line.amount for line in lines),
        earned=earned,
        draw_balance_before=person.draw_balance,
        draw_balance_after=balance_after,
        components=tuple(results),
    )


def compute_statements(
    *,
    plans: Mapping[str, IncentivePlan],
    people: Sequence[StatementInput],
    period: Period,
    teams: Mapping[GroupId, TeamMeasures] | None = None,
) -> tuple[Statement, ...]:
    """Every person's statement for the period in one call, in the order given.

    Each person names their plan by its key in `plans`; only the components
    paid on statements of `period.kind` are computed. `teams` holds the
    measures of the teams that TEAM components read.
    """
    team_measures: Mapping[GroupId, TeamMeasures] = teams or {}
    compiled: dict[str, tuple[_Component, ...]] = {}
    seen: set[PersonId] = set()
    statements = []
    for person in people:
        if person.person_id in seen:
            raise IncentiveError(
                f"the person {person.person_id!r} is given twice",
                code=ErrorCode.DUPLICATE_PERSON,
                field="people",
                person=person.person_id,
            )
        seen.add(person.person_id)
        plan = plans.get(person.plan)
        if plan is None:
            raise IncentiveError(
                f"unknown incentive plan {person.plan!r}",
                code=ErrorCode.UNKNOWN_PLAN,
                field="plan",
                plan=person.plan,
                person=person.person_id,
            )
        components = compiled.get(person.plan)
        if components is None:
            components = compiled[person.plan] = _compile(plan)
        if type(person.draw_balance) is not int or person.draw_balance < 0:
            raise IncentiveError(
                f"the draw balance must be whole cents ≥ 0, not {person.draw_balance!r}",
                code=ErrorCode.BAD_AMOUNT,
                field="draw_balance",
                plan=plan.key,
                person=person.person_id,
            )
        for component_key, amount in person.target_amounts.items():
            if type(amount) is not int or amount < 0:
                raise IncentiveError(
                    f"the target amount of {component_key} must be whole cents ≥ 0",
                    code=ErrorCode.BAD_AMOUNT,
                    field="target_amounts",
                    plan=plan.key,
                    component=component_key,
                    person=person.person_id,
                )
        statements.append(_statement(plan, components, person, period, team_measures))
    return tuple(statements)
