"""The allocation engine: a parent total split into child targets, every number explained.

A request names the total (an integer in minor units: cents for money, 1 for
counts), the plan year, the axes of the split (e.g. ``("child",)`` or
``("child", "product_line", "region")``) and one `AllocationInput` per key — the
key being the child's coordinates along those axes. `allocate` answers one line
per key with its amount, its share and the steps that made it.

Invariants (property-tested): the amounts add up to the total exactly (largest
remainder, `shares.split_cents`; a tie goes to the key that sorts first); no
amount is negative; a key whose person left before the plan year (or starts
after it) gets 0 in every method; the same request gives the same result, in
whatever order its inputs come. MANUAL is the one method whose amounts need not
add up: its `remainder` (total − sum of the manual amounts) is reported, not
forced to zero.

Methods
-------
EQUAL
    Every active key gets the same share.
HISTORY
    Share of the last ``history_years`` years before the plan year with year
    weights (default 1, 2, …, N: recent years count more). For each year y
    with sales, the key's share of that year is s[k,y] = a[k,y] / Σ_j a[j,y]
    (negative actuals count as 0); the observed share is the weighted mean
    p[k] = Σ_y w[y]·s[k,y] / Σ_y w[y] over the years with sales. With no sales
    in any of those years the keys share equally.

    With more than one axis, each cell's observed share is then shrunk toward
    the product of its axis-marginal shares, so a cell with little history
    borrows strength from its row and column totals (empirical Bayes,
    Bühlmann credibility):

    - marginal share of value v on axis i: m_i(v) = Σ_{k: k_i = v} p[k];
    - so that a cell does not vouch for itself, its marginal on axis i is
      taken over the cells that differ from it on some other axis:
      m_i⁻ᵏ = (m_i(k_i) − p[k]) / (1 − F_i[k]), F_i[k] being the share of the
      cells equal to k on every axis but i (the plain m_i(k_i) when no other
      cells exist). Under independence of the axes this estimates the same
      marginal, but one lucky order in k does not raise it;
    - prior q[k] = Π_i m_i⁻ᵏ, renormalised over the request's keys (not every
      combination need exist; when every prior is 0, q = p);
    - evidence n[k] = the number of facts (orders) behind the cell's actuals
      in those years (`history_counts`); when no input gives counts, the
      number of those years in which the cell sold;
    - credibility Z[k] = n[k] / (n[k] + κ), κ = `prior_strength` (in facts,
      default 10): the size of the evidence the prior is worth;
    - shrunk share = Z[k]·p[k] + (1 − Z[k])·q[k], then renormalised so the
      shares add up to 1.

    One large order in a thin cell (n = 1) moves its share little from the
    prior (Z = 1/11); a cell with hundreds of orders keeps nearly its own
    share. With one axis the prior is the observed share itself, so nothing
    changes.
HISTORY_MARKET
    The HISTORY share times the growth factor the user entered for each of the
    key's axis values (1 where none was entered), renormalised to the total.
CAPACITY
    Headcount × active months in the plan year, a month being active when the
    person works at least one day of it. New hires ramp up: months 1..R after
    the hire month (the hire month is month 1) count at the `ramp` percentages
    (default 25 %, 50 %, 75 %). A leaver's active months stop with the leaving
    month. With no capacity at all the active keys share equally.
MANUAL
    The amounts entered (a key without one gets 0); `remainder` shows what is
    still to be placed (negative when the amounts exceed the total).
BLEND
    A weighted mean of the shares of other methods, the weights (percent)
    totalling 100, e.g. 70 % HISTORY + 30 % CAPACITY.

A key active for only part of the plan year (hired or leaving during it) has
its EQUAL / HISTORY / HISTORY_MARKET weight multiplied by its active months /
12 (`prorate_partial_year`, on by default), so phasing it over its active
months does not crowd a whole year's target into them. CAPACITY counts
months by construction.

Explanations are `Step`s — a code and parameters, never English — which the
caller translates. Shares in steps are rounded to 8 places, credibility
weights to 4; amounts are computed from the unrounded values.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from enum import StrEnum
from functools import lru_cache

from salesalign.engines.periods import year_period
from salesalign.engines.phasing import MONTHS_IN_YEAR, active_months, fiscal_months
from salesalign.engines.shares import split_cents

#: Changes whenever the same inputs would give other numbers; part of every digest.
ALGORITHM_VERSION = "allocation/1"

Key = tuple[str | int, ...]
AxisValue = tuple[str, str | int]
ParamValue = str | int | Decimal

SHARE_QUANTUM = Decimal("0.00000001")
WEIGHT_QUANTUM = Decimal("0.0001")
AMOUNT_QUANTUM = Decimal("0.0001")
_INTEGER_SHARE_SCALE = 10**24  # shares become integers at this scale for split_cents
_PRECISION = 34  # decimal128: shares exact far beyond any cent
_ZERO = Decimal(0)
DEFAULT_RAMP: tuple[Decimal, ...] = (Decimal(25), Decimal(50), Decimal(75))


class Method(StrEnum):
    """How a total is split."""

    EQUAL = "equal"
    HISTORY = "history"
    HISTORY_MARKET = "history_market"
    CAPACITY = "capacity"
    MANUAL = "manual"
    BLEND = "blend"


class StepCode(StrEnum):
    """What a step of an explanation did; the caller words it from the code and params."""

    LEFT_BEFORE_YEAR = "left_before_year"  # left_on: the key gets 0
    STARTS_AFTER_YEAR = "starts_after_year"  # start_on: the key gets 0
    EQUAL_SHARE = "equal_share"  # count: keys sharing equally
    NO_HISTORY = "no_history"  # years: no sales then, so equal shares
    HISTORY_SHARE = "history_share"  # share, years, weights, actuals
    SHRUNK_TOWARD_MARGINALS = (
        "shrunk_toward_marginals"  # observed, prior, weight, evidence, strength
    )
    GROWTH = "growth"  # axis, value, factor
    CAPACITY = "capacity"  # headcount, active_months, ramped_months, capacity
    RAMP = "ramp"  # start_on, percents: the ramp percentages of the months in the year
    LEFT_DURING_YEAR = "left_during_year"  # left_on, active_months
    NO_CAPACITY = "no_capacity"  # nobody has capacity, so equal shares
    PRORATED = "prorated"  # active_months, months
    MANUAL = "manual"  # amount
    NO_MANUAL_AMOUNT = "no_manual_amount"  # nothing entered: 0
    BLEND_PART = "blend_part"  # method, weight (percent); the method's steps follow
    SHARE = "share"  # share: the final share of the total
    BLENDED_SHARE = "blended_share"  # share: a blend's final share, its parts' shares weighted
    ROUNDED = "rounded"  # delta: the amount less total × share (in minor units, 4 places)


@dataclass(frozen=True)
class Step:
    """One step of how a number was made: a code and its parameters (no English)."""

    code: StepCode
    params: Mapping[str, ParamValue] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        """The step as JSON-ready data (Decimals as strings), e.g. to store beside a target."""
        return {
            "code": str(self.code),
            "params": {
                name: str(value) if isinstance(value, Decimal) else value
                for name, value in self.params.items()
            },
        }


class AllocationError(ValueError):
    """A request the engine cannot allocate, naming the field (and key) at fault."""

    def __init__(self, message: str, *, field: str, key: Key | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.key = key


@dataclass(frozen=True)
class AllocationInput:
    """What is known about one child (one key)."""

    key: Key
    history: Mapping[int, int] = field(default_factory=dict)  # year → actual (minor units)
    history_counts: Mapping[int, int] = field(default_factory=dict)  # year → facts behind it
    headcount: Decimal = Decimal(1)
    start_on: date | None = None  # hire date: first day at work
    left_on: date | None = None  # leaving date: last day at work
    manual_amount: int | None = None


@dataclass(frozen=True, kw_only=True)
class AllocationRequest:
    """A total to split among keys, by one method, for one plan (fiscal) year."""

    method: Method
    total: int
    plan_year: int
    inputs: Sequence[AllocationInput]
    axes: tuple[str, ...] = ("child",)
    fiscal_start_month: int = 1
    history_years: int = 3
    year_weights: Sequence[Decimal | int] | None = None  # oldest first; default 1, 2, …, N
    prior_strength: Decimal = Decimal(10)
    growth_factors: Mapping[AxisValue, Decimal] = field(default_factory=dict)
    ramp: Sequence[Decimal | int] = DEFAULT_RAMP  # percent of full capacity, month 1 first
    blend: Mapping[Method, Decimal | int] = field(default_factory=dict)  # percent, total 100
    prorate_partial_year: bool = True


@dataclass(frozen=True)
class AllocationLine:
    """One key's amount, its share of the total and how it was made."""

    key: Key
    amount: int
    share: Decimal
    explanation: tuple[Step, ...]


@dataclass(frozen=True)
class AllocationResult:
    """Every key's line (sorted by key), the total, and what is left to place (MANUAL only)."""

    method: Method
    axes: tuple[str, ...]
    total: int
    lines: tuple[AllocationLine, ...]
    remainder: int
    inputs_digest: str

    def amounts(self) -> dict[Key, int]:
        """Amount by key."""
        return {line.key: line.amount for line in self.lines}


@dataclass(frozen=True)
class BacktestLine:
    """What a method would have given one key, against what it sold."""

    key: Key
    target: int
    actual: int
    error: int  # target − actual
    abs_pct_error: Decimal | None  # |error| / actual; None when it sold nothing


@dataclass(frozen=True)
class Backtest:
    """A method tried on last year: per key and overall (weighted absolute percentage error)."""

    method: Method
    plan_year: int
    lines: tuple[BacktestLine, ...]
    total_target: int
    total_actual: int
    wape: Decimal | None  # Σ|target − actual| / Σ actual; None when nothing was sold
    allocation: AllocationResult
    actual_outside: int = 0  # sold by keys that are not in the request (not in the WAPE)


# --- keys, validation, digest ------------------------------------------------------------


def key_order(key: Key) -> tuple[tuple[int, int, str], ...]:
    """A total order on keys: numbers before text at each position, then by value."""
    return tuple((0, value, "") if isinstance(value, int) else (1, 0, value) for value in key)


def _is_int(value: object) -> bool:
    return type(value) is int  # not bool, which is an int too


def _number(value: Decimal | int, *, field: str) -> Decimal:
    number = Decimal(value)
    if not number.is_finite():
        raise AllocationError(f"{field} must be a number, not {value}", field=field)
    return number


def _validate(request: AllocationRequest) -> list[AllocationInput]:
    """The inputs sorted by key; AllocationError naming the field when the request is wrong."""
    if not isinstance(request.method, Method):
        raise AllocationError(f"unknown method {request.method!r}", field="method")
    if not _is_int(request.total) or request.total < 0:
        raise AllocationError(
            f"the total must be a whole non-negative number of minor units, not {request.total!r}",
            field="total",
        )
    if not 1 <= request.fiscal_start_month <= MONTHS_IN_YEAR:
        raise AllocationError(
            f"the fiscal year must start in a month 1–12, not {request.fiscal_start_month}",
            field="fiscal_start_month",
        )
    axes = request.axes
    if not axes or len(set(axes)) != len(axes) or not all(isinstance(a, str) for a in axes):
        raise AllocationError(f"the axes must be distinct names, not {axes!r}", field="axes")
    seen: set[Key] = set()
    axes_count = len(axes)
    for item in request.inputs:
        key = item.key
        if type(key) is not tuple or len(key) != axes_count:
            raise AllocationError(
                f"the key {key!r} does not have one value per axis {axes!r}", field="inputs"
            )
        for value in key:
            if type(value) is not int and not isinstance(value, str):
                raise AllocationError(
                    f"the key {key!r} may hold only text and whole numbers",
                    field="inputs",
                    key=key,
                )
        if key in seen:
            raise AllocationError(f"the key {key!r} is given twice", field="inputs", key=key)
        seen.add(key)
        for year, amount in item.history.items():
            if type(year) is not int or type(amount) is not int:
                raise AllocationError(
                    f"history of {key!r} maps years to whole numbers, not {year!r}: {amount!r}",
                    field="history",
                    key=key,
                )
        for year, count in item.history_counts.items():
            if type(year) is not int or type(count) is not int or count < 0:
                raise AllocationError(
                    f"history_counts of {key!r} maps years to whole numbers ≥ 0, "
                    f"not {year!r}: {count!r}",
                    field="history_counts",
                    key=key,
                )
        headcount = item.headcount
        if type(headcount) is not Decimal:
            headcount = Decimal(headcount)
        if not headcount.is_finite() or headcount < 0:
            raise AllocationError(
                f"the headcount of {key!r} must be a number ≥ 0, not {item.headcount}",
                field="headcount",
                key=key,
            )
        if item.manual_amount is not None and (
            not _is_int(item.manual_amount) or item.manual_amount < 0
        ):
            raise AllocationError(
                f"the manual amount of {key!r} must be a whole number ≥ 0, not {item.manual_amount!r}",
                field="manual_amount",
                key=key,
            )
        if item.start_on is not None and item.left_on is not None and item.left_on < item.start_on:
            raise AllocationError(
                f"{key!r} leaves ({item.left_on}) before starting ({item.start_on})",
                field="left_on",
                key=key,
            )
    if not _is_int(request.history_years) or request.history_years < 1:
        raise AllocationError(
            f"at least one year of history is needed, not {request.history_years!r}",
            field="history_years",
        )
    weights = _year_weights(request)
    if any(weight < 0 for weight in weights) or not any(weight > 0 for weight in weights):
        raise AllocationError("the year weights must be ≥ 0 and not all 0", field="year_weights")
    strength = _number(request.prior_strength, field="prior_strength")
    if strength < 0:
        raise AllocationError("the prior strength cannot be negative", field="prior_strength")
    for (axis, value), factor in request.growth_factors.items():
        if axis not in axes:
            raise AllocationError(
                f"a growth factor for {axis!r}, which is not an axis of {axes!r}",
                field="growth_factors",
            )
        if _number(factor, field="growth_factors") < 0:
            raise AllocationError(
                f"the growth factor of {axis} {value!r} cannot be negative",
                field="growth_factors",
            )
    for percent in request.ramp:
        if not 0 <= _number(percent, field="ramp") <= 100:
            raise AllocationError(
                f"a ramp percentage must lie in 0–100, not {percent}", field="ramp"
            )
    if request.method is Method.BLEND:
        _validate_blend(request.blend)
    return sorted(request.inputs, key=lambda item: key_order(item.key))


def _year_weights(request: AllocationRequest) -> list[Decimal]:
    if request.year_weights is None:
        return [Decimal(index) for index in range(1, request.history_years + 1)]
    if len(request.year_weights) != request.history_years:
        raise AllocationError(
            f"{len(request.year_weights)} year weights for {request.history_years} years",
            field="year_weights",
        )
    return [_number(weight, field="year_weights") for weight in request.year_weights]


def _validate_blend(blend: Mapping[Method, Decimal | int]) -> None:
    if not blend:
        raise AllocationError("a blend needs at least one method", field="blend")
    total = Decimal(0)
    for method, weight in blend.items():
        if not isinstance(method, Method) or method is Method.BLEND:
            raise AllocationError(f"a blend cannot contain {method!r}", field="blend")
        percent = _number(weight, field="blend")
        if percent < 0:
            raise AllocationError(f"the weight of {method} is negative", field="blend")
        total += percent
    if total != 100:
        raise AllocationError(f"the blend weights total {total} %, not 100 %", field="blend")


@lru_cache(maxsize=4096)
def _canonical_decimal(value: Decimal | int) -> str:
    """One spelling per number, without exponent: 10, 10.0 and 1E+1 are all "10"."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in {"-0", "0"} else text


def inputs_digest(request: AllocationRequest) -> str:
    """A stable hash of everything that decides the result (input order does not matter)."""
    return _digest(request, sorted(request.inputs, key=lambda item: key_order(item.key)))


@lru_cache(maxsize=256)
def _header_text(
    method: Method,
    plan_year: int,
    axes: tuple[str, ...],
    fiscal_start_month: int,
    history_years: int,
    year_weights: tuple[Decimal | int, ...] | None,
    prior_strength: Decimal,
    growth_factors: tuple[tuple[AxisValue, Decimal], ...],
    ramp: tuple[Decimal | int, ...],
    blend: tuple[tuple[Method, Decimal | int], ...],
    prorate_partial_year: bool,
) -> tuple[str, str]:
    """The digest's header as JSON (sorted keys, no spaces) before and after the total's value.

    Everything but the total is the same for the many parents of one allocation, so it is
    spelled once; the total goes between the two parts.
    """
    header = {
        "algorithm": ALGORITHM_VERSION,
        "method": str(method),
        "plan_year": plan_year,
        "axes": list(axes),
        "fiscal_start_month": fiscal_start_month,
        "history_years": history_years,
        "prior_strength": _canonical_decimal(prior_strength),
        "growth_factors": sorted(
            repr((axis, value, _canonical_decimal(factor)))
            for (axis, value), factor in growth_factors
        ),
        "ramp": [_canonical_decimal(percent) for percent in ramp],
        "blend": sorted([str(name), _canonical_decimal(weight)] for name, weight in blend),
        "prorate_partial_year": prorate_partial_year,
    }
    # "total" and then "year_weights" are the last keys in sorted order
    head = json.dumps(header, sort_keys=True, separators=(",", ":"))
    weights = None if year_weights is None else [_canonical_decimal(w) for w in year_weights]
    tail = json.dumps(weights, separators=(",", ":"))
    return f'{head[:-1]},"total":', f',"year_weights":{tail}}}'


def _digest(request: AllocationRequest, inputs: Sequence[AllocationInput]) -> str:
    """The digest of a request whose inputs are already sorted by key."""
    before_total, after_total = _header_text(
        request.method,
        request.plan_year,
        tuple(request.axes),
        request.fiscal_start_month,
        request.history_years,
        None if request.year_weights is None else tuple(request.year_weights),
        request.prior_strength,
        tuple(request.growth_factors.items()),
        tuple(request.ramp),
        tuple(request.blend.items()),
        request.prorate_partial_year,
    )
    header = f"{before_total}{json.dumps(request.total)}{after_total}"
    hasher = hashlib.sha256(header.encode())
    for item in inputs:
        # repr of ints, strings, None and tuples of them is stable, and tells 1 from "1"
        line = repr(
            (
                item.key,
                sorted(item.history.items()),
                sorted(item.history_counts.items()),
                _canonical_decimal(item.headcount),
                item.start_on.isoformat() if item.start_on else None,
                item.left_on.isoformat() if item.left_on else None,
                item.manual_amount,
            )
        )
        hasher.update(b"\n" + line.encode())
    return hasher.hexdigest()


# --- the methods: weights per active key -------------------------------------------------


@dataclass
class _Context:
    """What every method needs: the active inputs (sorted), their active months, the steps so far."""

    request: AllocationRequest
    inputs: list[AllocationInput]
    active: dict[Key, tuple[bool, ...]]
    months: tuple[int, ...]


Weights = dict[Key, Decimal]
Steps = dict[Key, list[Step]]


def _share(value: Decimal) -> Decimal:
    """A share as shown: 8 places (0 as plain 0, not 0E-8)."""
    return value.quantize(SHARE_QUANTUM, rounding=ROUND_HALF_EVEN) if value else Decimal(0)


def _normalised(weights: Weights) -> Weights:
    whole = sum(weights.values(), Decimal(0))
    if whole == 0:
        raise AllocationError("the method gives every key a weight of 0", field="method")
    return {key: weight / whole for key, weight in weights.items()}


def _equal(context: _Context, steps: Steps) -> Weights:
    equal_share = Step(StepCode.EQUAL_SHARE, {"count": len(context.inputs)})  # one for all keys
    for item in context.inputs:
        steps[item.key].append(equal_share)
    return dict.fromkeys((item.key for item in context.inputs), Decimal(1))


def _history(context: _Context, steps: Steps) -> Weights:
    """Observed weighted-year shares, shrunk toward the product of marginals (see the module doc)."""
    request = context.request
    first_year = request.plan_year - request.history_years
    years = list(range(first_year, request.plan_year))
    year_weights = dict(zip(years, _year_weights(request), strict=True))
    year_totals = {
        year: sum(max(0, item.history.get(year, 0)) for item in context.inputs) for year in years
    }
    used = [year for year in years if year_totals[year] > 0 and year_weights[year] > 0]
    if not used:
        for item in context.inputs:
            steps[item.key].append(
                Step(StepCode.NO_HISTORY, {"years": ",".join(str(year) for year in years)})
            )
        return _equal(context, steps)
    weight_sum = sum((year_weights[year] for year in used), Decimal(0))
    # p[k] = Σ_y a[k,y] · w[y] / (T[y] · Σw): one factor per year for every key
    factors = [(year, year_weights[year] / (year_totals[year] * weight_sum)) for year in used]
    years_text = ",".join(str(year) for year in used)
    weights_text = ",".join(_canonical_decimal(year_weights[year]) for year in used)
    observed: Weights = {}
    shown: Weights = {}
    for item in context.inputs:
        history = item.history
        share = Decimal(0)
        for year, factor in factors:
            amount = history.get(year, 0)
            if amount > 0:
                share += factor * amount
        observed[item.key] = share
        shown[item.key] = _share(share)
        steps[item.key].append(
            Step(
                StepCode.HISTORY_SHARE,
                {
                    "share": shown[item.key],
                    "years": years_text,
                    "weights": weights_text,
                    "actuals": ",".join(str(history.get(year, 0)) for year in used),
                },
            )
        )
    if len(request.axes) == 1:
        return observed
    return _shrunk(context, observed, shown, years, steps)


def _prior(observed: Weights, axes_count: int) -> Weights:
    """The product of each cell's axis-marginal shares, estimated away from the cell itself.

    For axis i the marginal of k's value is taken over the cells that differ
    from k on some other axis: (m_i(k_i) − p[k]) / (1 − F_i[k]), where F_i[k]
    is the share of the cells equal to k on every axis but i. So a cell's
    lucky order does not raise the marginals it is shrunk toward. When no
    such cells exist (1 − F_i[k] = 0) the plain marginal m_i(k_i) is used.
    """
    marginals: list[dict[str | int, Decimal]] = [defaultdict(Decimal) for _ in range(axes_count)]
    fibres: list[dict[Key, Decimal]] = [defaultdict(Decimal) for _ in range(axes_count)]
    others = {key: [key[:axis] + key[axis + 1 :] for axis in range(axes_count)] for key in observed}
    for key, share in observed.items():
        for axis, (value, rest) in enumerate(zip(key, others[key], strict=True)):
            marginals[axis][value] += share
            fibres[axis][rest] += share
    raw: Weights = {}
    for key, share in observed.items():
        product = Decimal(1)
        for axis, (value, rest) in enumerate(zip(key, others[key], strict=True)):
            outside = 1 - fibres[axis][rest]
            if outside > 0:
                product *= max(_ZERO, marginals[axis][value] - share) / outside
            else:
                product *= marginals[axis][value]
        raw[key] = product
    if sum(raw.values(), Decimal(0)) == 0:
        return dict(observed)  # no cell says anything about another: nothing to borrow
    return _normalised(raw)


def _shrunk(
    context: _Context, observed: Weights, shown: Weights, years: list[int], steps: Steps
) -> Weights:
    prior = _prior(observed, len(context.request.axes))
    with_counts = any(item.history_counts for item in context.inputs)
    strength = Decimal(context.request.prior_strength)
    shrunk: Weights = {}
    for item in context.inputs:
        if with_counts:
            evidence = sum(max(0, item.history_counts.get(year, 0)) for year in years)
        else:
            evidence = sum(1 for year in years if item.history.get(year, 0) > 0)
        # κ = 0: the prior is worth no evidence, so a cell keeps its own share (even one
        # with no facts counted — else every share could be 0 and nothing allocated).
        credibility = (
            Decimal(evidence) / (evidence + strength) if evidence + strength > 0 else Decimal(1)
        )
        key = item.key
        shrunk[key] = credibility * observed[key] + (1 - credibility) * prior[key]
        steps[key].append(
            Step(
                StepCode.SHRUNK_TOWARD_MARGINALS,
                {
                    "observed": shown[key],
                    "prior": _share(prior[key]),
                    "weight": credibility.quantize(WEIGHT_QUANTUM, rounding=ROUND_HALF_EVEN),
                    "evidence": evidence,
                    "strength": strength,
                },
            )
        )
    return shrunk


def _history_market(context: _Context, steps: Steps) -> Weights:
    weights = _normalised(_history(context, steps))
    factors = context.request.growth_factors
    grown: Weights = {}
    for key, share in weights.items():
        value = share
        for axis_name, axis_value in zip(context.request.axes, key, strict=True):
            factor = factors.get((axis_name, axis_value))
            if factor is None:
                continue
            value *= Decimal(factor)
            steps[key].append(
                Step(
                    StepCode.GROWTH,
                    {"axis": axis_name, "value": axis_value, "factor": Decimal(factor)},
                )
            )
        grown[key] = value
    if sum(grown.values(), Decimal(0)) == 0:
        raise AllocationError(
            "the growth factors leave nothing to allocate to", field="growth_factors"
        )
    return grown


def _capacity(context: _Context, steps: Steps) -> Weights:
    request = context.request
    ramp = [Decimal(percent) for percent in request.ramp]
    year = year_period(request.plan_year, request.fiscal_start_month)
    weights: Weights = {}
    for item in context.inputs:
        flags = context.active[item.key]
        hire_index = (
            item.start_on.year * 12 + item.start_on.month - 1 if item.start_on is not None else None
        )
        ramp_percents: list[str] = []
        if hire_index is None:
            effective = Decimal(sum(flags))
        else:
            effective = Decimal(0)
            for month, flag in zip(context.months, flags, strict=True):
                if not flag:
                    continue
                factor = Decimal(1)
                year_number, month_number = divmod(month, 100)
                ramp_month = year_number * 12 + month_number - 1 - hire_index + 1
                if 1 <= ramp_month <= len(ramp):
                    factor = ramp[ramp_month - 1] / 100
                    ramp_percents.append(_canonical_decimal(ramp[ramp_month - 1]))
                effective += factor
        headcount = Decimal(item.headcount)
        weights[item.key] = headcount * effective
        key_steps = steps[item.key]
        if ramp_percents and item.start_on is not None:
            key_steps.append(
                Step(
                    StepCode.RAMP,
                    {"start_on": item.start_on.isoformat(), "percents": ",".join(ramp_percents)},
                )
            )
        if item.left_on is not None and item.left_on <= year.end:
            key_steps.append(
                Step(
                    StepCode.LEFT_DURING_YEAR,
                    {"left_on": item.left_on.isoformat(), "active_months": sum(flags)},
                )
            )
        key_steps.append(
            Step(
                StepCode.CAPACITY,
                {
                    "headcount": headcount,
                    "active_months": sum(flags),
                    "ramped_months": effective,
                    "capacity": headcount * effective,
                },
            )
        )
    if sum(weights.values(), Decimal(0)) == 0:
        for item in context.inputs:
            steps[item.key].append(Step(StepCode.NO_CAPACITY))
        return _equal(context, steps)
    return weights


def _manual_shares(context: _Context, steps: Steps) -> Weights:
    """MANUAL inside a blend: the entered amounts as shares of their sum."""
    weights: Weights = {}
    for item in context.inputs:
        amount = item.manual_amount or 0
        weights[item.key] = Decimal(amount)
        steps[item.key].append(Step(StepCode.MANUAL, {"amount": amount}))
    if sum(weights.values(), Decimal(0)) == 0:
        raise AllocationError(
            "a blend with MANUAL needs manual amounts that are not all 0", field="manual_amount"
        )
    return weights


def _prorated(context: _Context, weights: Weights, steps: Steps) -> Weights:
    if not context.request.prorate_partial_year:
        return weights
    prorated: Weights = {}
    for key, weight in weights.items():
        months = sum(context.active[key])
        if months < MONTHS_IN_YEAR:
            steps[key].append(
                Step(StepCode.PRORATED, {"active_months": months, "months": MONTHS_IN_YEAR})
            )
            weight = weight * months / MONTHS_IN_YEAR
        prorated[key] = weight
    if sum(prorated.values(), Decimal(0)) == 0:
        return weights
    return prorated


def _method_shares(method: Method, context: _Context, steps: Steps) -> tuple[Weights, Weights]:
    """The shares (adding up to 1) one method gives the active keys, as computed and as shown."""
    if method is Method.EQUAL:
        weights = _prorated(context, _equal(context, steps), steps)
    elif method is Method.HISTORY:
        weights = _prorated(context, _history(context, steps), steps)
    elif method is Method.HISTORY_MARKET:
        weights = _prorated(context, _history_market(context, steps), steps)
    elif method is Method.CAPACITY:
        weights = _capacity(context, steps)
    elif method is Method.MANUAL:
        weights = _manual_shares(context, steps)
    else:
        weights = _blend(context, steps)
    shares = _normalised(weights)
    shown: Weights = {}
    share_steps: dict[Decimal, Step] = {}  # keys with the same share share the step
    # A blend's own share follows its parts' shares: named so that it reads as their result.
    code = StepCode.BLENDED_SHARE if method is Method.BLEND else StepCode.SHARE
    for key, share in shares.items():
        rounded = shown[key] = _share(share)
        share_step = share_steps.get(rounded)
        if share_step is None:
            share_step = share_steps[rounded] = Step(code, {"share": rounded})
        steps[key].append(share_step)
    return shares, shown


def _blend(context: _Context, steps: Steps) -> Weights:
    blended: Weights = {item.key: Decimal(0) for item in context.inputs}
    for method in Method:  # a fixed order, whatever the order of the mapping
        if method not in context.request.blend:
            continue
        weight = Decimal(context.request.blend[method])
        for item in context.inputs:
            steps[item.key].append(
                Step(StepCode.BLEND_PART, {"method": str(method), "weight": weight})
            )
        for key, share in _method_shares(method, context, steps)[0].items():
            blended[key] += share * weight / 100
    return blended


# --- allocate and backtest ---------------------------------------------------------------


def _excluded_step(item: AllocationInput, year_start: date) -> Step:
    if item.left_on is not None and item.left_on < year_start:
        return Step(StepCode.LEFT_BEFORE_YEAR, {"left_on": item.left_on.isoformat()})
    start_on = item.start_on.isoformat() if item.start_on is not None else ""
    return Step(StepCode.STARTS_AFTER_YEAR, {"start_on": start_on})


def allocate(request: AllocationRequest) -> AllocationResult:
    """Split the request's total among its keys by its method; every line explained."""
    with localcontext() as decimal_context:
        decimal_context.prec = _PRECISION
        return _allocate(request)


def _allocate(request: AllocationRequest) -> AllocationResult:
    inputs = _validate(request)
    year = year_period(request.plan_year, request.fiscal_start_month)
    months = fiscal_months(request.plan_year, request.fiscal_start_month)
    flags = {item.key: active_months(months, item.start_on, item.left_on) for item in inputs}
    eligible = [item for item in inputs if any(flags[item.key])]
    steps: Steps = {item.key: [] for item in inputs}
    for item in inputs:
        if not any(flags[item.key]):
            steps[item.key].append(_excluded_step(item, year.start))
    context = _Context(request=request, inputs=eligible, active=flags, months=months)
    digest = _digest(request, inputs)
    if request.method is Method.MANUAL:
        return _manual(request, inputs, eligible, steps, digest)
    amounts: dict[Key, int] = dict.fromkeys((item.key for item in inputs), 0)
    shares: Weights = {}
    shown: Weights = {}
    if eligible:
        shares, shown = _method_shares(request.method, context, steps)
        integer_shares = [
            int((shares[item.key] * _INTEGER_SHARE_SCALE).to_integral_value(ROUND_HALF_EVEN))
            for item in eligible
        ]
        if request.total > 0:
            parts = split_cents(request.total, integer_shares)
            for item, part in zip(eligible, parts, strict=True):
                amounts[item.key] = part
                delta = (part - shares[item.key] * request.total).quantize(
                    AMOUNT_QUANTUM, rounding=ROUND_HALF_EVEN
                )
                if delta:
                    steps[item.key].append(Step(StepCode.ROUNDED, {"delta": delta}))
    elif request.total > 0:
        raise AllocationError(
            f"nobody is active in {request.plan_year}, so the total cannot be allocated",
            field="inputs",
        )
    lines = tuple(
        AllocationLine(
            key=item.key,
            amount=amounts[item.key],
            share=shown.get(item.key, _ZERO),
            explanation=tuple(steps[item.key]),
        )
        for item in inputs
    )
    return AllocationResult(
        method=request.method,
        axes=request.axes,
        total=request.total,
        lines=lines,
        remainder=0,
        inputs_digest=digest,
    )


def _manual(
    request: AllocationRequest,
    inputs: list[AllocationInput],
    eligible: list[AllocationInput],
    steps: Steps,
    digest: str,
) -> AllocationResult:
    eligible_keys = {item.key for item in eligible}
    amounts: dict[Key, int] = {}
    for item in inputs:
        amount = item.manual_amount if item.key in eligible_keys else 0
        if item.key in eligible_keys:
            if item.manual_amount is None:
                steps[item.key].append(Step(StepCode.NO_MANUAL_AMOUNT))
            else:
                steps[item.key].append(Step(StepCode.MANUAL, {"amount": item.manual_amount}))
        amounts[item.key] = amount or 0
    lines = tuple(
        AllocationLine(
            key=item.key,
            amount=amounts[item.key],
            share=_share(Decimal(amounts[item.key]) / request.total)
            if request.total
            else Decimal(0),
            explanation=tuple(steps[item.key]),
        )
        for item in inputs
    )
    return AllocationResult(
        method=request.method,
        axes=request.axes,
        total=request.total,
        lines=lines,
        remainder=request.total - sum(amounts.values()),
        inputs_digest=digest,
    )


def backtest_request(request: AllocationRequest, actual: Mapping[Key, int]) -> AllocationRequest:
    """The same request one year earlier, for the total its keys actually sold then.

    Taking last year's actual total means the backtest judges how the method
    splits, not the level of the total (a choice of the company, not of a method).
    """
    keys = {item.key for item in request.inputs}
    sold = sum(amount for key, amount in actual.items() if key in keys)
    return replace(request, plan_year=request.plan_year - 1, total=max(0, sold))


def backtest(request: AllocationRequest, actual: Mapping[Key, int]) -> Backtest:
    """Allocate a request built for last year and compare each key with what it sold.

    The request's history must stop before its plan year (the engine reads
    only the `history_years` years before it). Per key: target, actual, error
    and absolute percentage error; overall the weighted absolute percentage
    error WAPE = Σ|target − actual| / Σ actual (None when nothing was sold).
    Actuals of keys outside the request are reported apart, not in the WAPE.
    """
    result = allocate(request)
    lines = []
    for line in result.lines:
        sold = actual.get(line.key, 0)
        error = line.amount - sold
        lines.append(
            BacktestLine(
                key=line.key,
                target=line.amount,
                actual=sold,
                error=error,
                abs_pct_error=_ratio(abs(error), sold) if sold > 0 else None,
            )
        )
    keys = {line.key for line in result.lines}
    total_actual = sum(line.actual for line in lines)
    absolute_errors = sum(abs(line.error) for line in lines)
    return Backtest(
        method=request.method,
        plan_year=request.plan_year,
        lines=tuple(lines),
        total_target=sum(line.target for line in lines),
        total_actual=total_actual,
        wape=_ratio(absolute_errors, total_actual) if total_actual > 0 else None,
        allocation=result,
        actual_outside=sum(amount for key, amount in actual.items() if key not in keys),
    )


def _ratio(numerator: int, denominator: int) -> Decimal:
    with localcontext() as decimal_context:
        decimal_context.prec = _PRECISION
        return (Decimal(numerator) / Decimal(denominator)).quantize(
            WEIGHT_QUANTUM, rounding=ROUND_HALF_EVEN
        )
