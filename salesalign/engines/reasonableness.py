"""Reasonableness checks on targets: against history, the market, peers, the cascade and SMART.

Pure Python: the caller turns its targets into `TargetLine`s, calls the checks
and translates each `Finding` by its code and params (no English here). The
checks never block anything; they say what looks wrong and by how much.

Amounts follow the allocation engine: an `int` is a summing amount in minor
units (cents for money, 1 for counts); a `Decimal` is a *level* that does not
add up (customer satisfaction): it cascades as the same level to every child
and is compared as is, never per head. Keys are `tuple[str | int, ...]`, the
coordinates of the slice, unique within one call.

Every result is sorted the same way — plan-level findings (key None) first,
then by key, then by code (in the order `FindingCode` declares them), then by
params — so the same inputs in any order give the same tuple.

How each check decides (thresholds are in `Thresholds`; "beyond" is strict,
a value exactly at a threshold is not flagged):

- Trend: a least-squares straight line through the line's actuals of the last
  `trend_years` years before the plan year (the years given in that window;
  at least two of them, and last year's actual above zero), projected to the
  plan year. Least squares rather than CAGR because it uses every year, not
  only the two ends, so one odd first or last year moves it less, and it is
  exact in rational arithmetic. Growth is measured from last year's actual
  (the base): target growth = target / base - 1, trend growth = projection /
  base - 1, and the finding fires when target growth - trend growth is above
  `above_trend` or below `below_trend`.
- Market: the expected growth is the product of the market factors entered
  for the line's dimension values (product line × region × segment, as in the
  allocation engine's history-plus-market method) minus 1; the finding fires
  when target growth is further than `market_tolerance` from it, either way.
- Trend and market judge a whole year: a salesperson at work only part of the
  plan year (headcount below 1) is not compared with last year's sales.
- Said once: lines allocated from one parent inherit its growth, so a team far
  above its trend puts each of its people there too. A line off its trend (or
  market) as far as the other lines of its parent together — its target over
  its trend (or last year × market factor), divided by theirs, is within the
  thresholds of 1 — is not flagged again where the parent shows it (for the
  market, the parent is given the finding: its lines' growth against their
  market factors weighted by last year's actuals). A line unlike the rest of its
  family — the one person raised by hand — keeps its finding.
- Peers: amount per head (a level is taken as is) inside each peer group;
  median m and median absolute deviation MAD over the group. A line is far
  from its peers when |x - m| is beyond both `peer_mads` MADs and
  `peer_share_of_median` of |m| — the share keeps a tight group (MAD near 0)
  from flagging small differences, the MADs keep a spread-out group from
  flagging its ordinary spread. Groups smaller than `min_peer_group` are not
  judged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from salesalign.engines.checks import SmartCriterion

Key = tuple[str | int, ...]
Amount = int | Decimal
ParamValue = str | int | Decimal
PersonId = str | int
GoalId = str | int
DimensionValue = str | int


class Severity(StrEnum):
    """How much a finding matters: errors make the plan inconsistent, warnings ask for a look."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class FindingCode(StrEnum):
    """What a check found; the page and the API name findings by these codes, in this order."""

    GROWTH_ABOVE_TREND = "growth_above_trend"
    GROWTH_BELOW_TREND = "growth_below_trend"
    TREND_UNKNOWN = "trend_unknown"
    GROWTH_ABOVE_MARKET = "growth_above_market"
    GROWTH_BELOW_MARKET = "growth_below_market"
    FAR_ABOVE_PEERS = "far_above_peers"
    FAR_BELOW_PEERS = "far_below_peers"
    CHILDREN_BELOW_PARENT = "children_below_parent"
    CHILDREN_ABOVE_PARENT = "children_above_parent"
    LEVEL_DIFFERS_FROM_PARENT = "level_differs_from_parent"
    PERSON_WITHOUT_TARGET = "person_without_target"
    GOAL_NOT_COVERED = "goal_not_covered"
    TARGET_NO_METRIC = "target_no_metric"
    TARGET_NO_OWNER = "target_no_owner"
    TARGET_NO_AMOUNT = "target_no_amount"
    TARGET_NEGATIVE_AMOUNT = "target_negative_amount"
    TARGET_NOT_LINKED = "target_not_linked"
    TARGET_NO_PERIOD = "target_no_period"
    TARGET_PERIOD_OUTSIDE_PLAN = "target_period_outside_plan"


SEVERITY_OF: dict[FindingCode, Severity] = {
    FindingCode.GROWTH_ABOVE_TREND: Severity.WARNING,
    FindingCode.GROWTH_BELOW_TREND: Severity.WARNING,
    FindingCode.TREND_UNKNOWN: Severity.INFO,
    FindingCode.GROWTH_ABOVE_MARKET: Severity.WARNING,
    FindingCode.GROWTH_BELOW_MARKET: Severity.WARNING,
    FindingCode.FAR_ABOVE_PEERS: Severity.WARNING,
    FindingCode.FAR_BELOW_PEERS: Severity.WARNING,
    FindingCode.CHILDREN_BELOW_PARENT: Severity.ERROR,
    FindingCode.CHILDREN_ABOVE_PARENT: Severity.ERROR,
    FindingCode.LEVEL_DIFFERS_FROM_PARENT: Severity.WARNING,
    FindingCode.PERSON_WITHOUT_TARGET: Severity.WARNING,
    FindingCode.GOAL_NOT_COVERED: Severity.WARNING,
    FindingCode.TARGET_NO_METRIC: Severity.ERROR,
    FindingCode.TARGET_NO_OWNER: Severity.ERROR,
    FindingCode.TARGET_NO_AMOUNT: Severity.ERROR,
    FindingCode.TARGET_NEGATIVE_AMOUNT: Severity.ERROR,
    FindingCode.TARGET_NOT_LINKED: Severity.WARNING,
    FindingCode.TARGET_NO_PERIOD: Severity.ERROR,
    FindingCode.TARGET_PERIOD_OUTSIDE_PLAN: Severity.ERROR,
}

# The SMART letter each target-level gap offends (the same letters as the goal check).
SMART_CRITERION_OF: dict[FindingCode, SmartCriterion] = {
    FindingCode.TARGET_NO_METRIC: SmartCriterion.SPECIFIC,
    FindingCode.TARGET_NO_OWNER: SmartCriterion.SPECIFIC,
    FindingCode.TARGET_NO_AMOUNT: SmartCriterion.MEASURABLE,
    FindingCode.TARGET_NEGATIVE_AMOUNT: SmartCriterion.MEASURABLE,
    FindingCode.TARGET_NOT_LINKED: SmartCriterion.RELEVANT,
    FindingCode.TARGET_NO_PERIOD: SmartCriterion.TIME_BOUND,
    FindingCode.TARGET_PERIOD_OUTSIDE_PLAN: SmartCriterion.TIME_BOUND,
}


@dataclass(frozen=True)
class Finding:
    """One thing a check found about a slice (or about the plan when `key` is None)."""

    code: FindingCode
    key: Key | None
    params: Mapping[str, ParamValue] = field(default_factory=dict)

    @property
    def severity(self) -> Severity:
        return SEVERITY_OF[self.code]


@dataclass(frozen=True)
class TargetLine:
    """One target as the checks see it.

    - `amount`: None when no number is set yet (a SMART gap).
    - `parent`: the key of the target it was allocated from (the sum check
      compares a parent with the lines that name it).
    - `history`: year → actual of the same metric and slice; None means "not
      judged against history" (e.g. not loaded); an empty mapping means "no
      history" and gives TREND_UNKNOWN.
    - `headcount`: full-time people carrying the line over the year (a person
      there half the year is 0.5); a line with no heads is not compared with peers.
    - `peer_group`: lines doing the same job share one (e.g. ("account_manager",
      "revenue")); None means not compared with peers.
    - `dimensions`: the line's value on each axis that can carry a market factor,
      e.g. {"product_line": 3, "region": "north"}.
    - `person` / `unit`: whom the target is for (the SMART owner); `person` also
      says which active salespeople have a target.
    - `metric`: the metric key or the custom metric's name; blank is a gap.
    - `fiscal_year`: the period of the target; `tactical_goal`: the goal it
      serves — when None, the goal of its parent chain is used.
    - `unseen_children`: (total, count) of the children not among the lines (a
      reader sees part of the tree): the sum check counts them with the others.
    """

    key: Key
    amount: Amount | None
    parent: Key | None = None
    history: Mapping[int, Amount] | None = None
    headcount: Decimal = Decimal(1)
    peer_group: Key | None = None
    dimensions: Mapping[str, DimensionValue] = field(default_factory=dict)
    person: PersonId | None = None
    unit: str | int | None = None
    metric: str | None = None
    fiscal_year: int | None = None
    tactical_goal: GoalId | None = None
    unseen_children: tuple[Amount, int] = (0, 0)


@dataclass(frozen=True)
class Thresholds:
    """Where a difference becomes a finding; the defaults suit a yearly sales plan."""

    trend_years: int = 3
    above_trend: Decimal = Decimal("0.30")
    below_trend: Decimal = Decimal("-0.10")
    market_tolerance: Decimal = Decimal("0.10")
    peer_mads: Decimal = Decimal(3)
    peer_share_of_median: Decimal = Decimal("0.50")
    min_peer_group: int = 3

    def __post_init__(self) -> None:
        if self.trend_years < 2:
            raise ValueError("a trend needs at least two years (trend_years)")
        if self.below_trend > self.above_trend:
            raise ValueError("below_trend must not be above above_trend")
        if self.market_tolerance < 0:
            raise ValueError("market_tolerance cannot be negative")
        if self.peer_mads < 0 or self.peer_share_of_median < 0:
            raise ValueError("peer_mads and peer_share_of_median cannot be negative")
        if self.min_peer_group < 2:
            raise ValueError("a peer group needs at least two members (min_peer_group)")


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class ReasonablenessInputs:
    """Everything `check_targets` needs about one plan (or one preview of an allocation)."""

    plan_year: int
    lines: Sequence[TargetLine]
    market_factors: Mapping[tuple[str, DimensionValue], Decimal] = field(default_factory=dict)
    active_people: Iterable[PersonId] = ()
    tactical_goals: Iterable[GoalId] = ()
    thresholds: Thresholds = DEFAULT_THRESHOLDS
    check_smart: bool = True


# ---------------------------------------------------------------- ordering and numbers


#: Findings of one key sort by code in the order `FindingCode` declares them.
_CODE_ORDER: dict[FindingCode, int] = {code: index for index, code in enumerate(FindingCode)}


def _sortable_part(value: str | int | Decimal) -> tuple[int, int | Decimal, str]:
    # Keys and params mix ints and strings; numbers sort before text and never compare with it.
    if isinstance(value, str):
        return (1, 0, value)
    return (0, value, "")


def _params_order(finding: Finding) -> tuple[object, ...]:
    return tuple((name, _sortable_part(value)) for name, value in sorted(finding.params.items()))


def _sorted(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """By (plan-level first, key, code, params). Params only decide between findings of the
    same key and code, which are rare: they are compared only there."""
    key_orders: dict[Key | None, tuple[object, ...]] = {}

    def first_order(finding: Finding) -> tuple[object, ...]:
        key = finding.key
        order = key_orders.get(key)
        if order is None:
            parts = () if key is None else tuple(_sortable_part(part) for part in key)
            order = key_orders[key] = (key is not None, parts)
        return (*order, _CODE_ORDER[finding.code])

    decorated = sorted(((first_order(finding), finding) for finding in findings), key=_first)
    result: list[Finding] = []
    start = 0
    while start < len(decorated):
        end = start + 1
        while end < len(decorated) and decorated[end][0] == decorated[start][0]:
            end += 1
        tied = [finding for _order, finding in decorated[start:end]]
        result.extend(sorted(tied, key=_params_order) if len(tied) > 1 else tied)
        start = end
    return tuple(result)


def _first(decorated: tuple[tuple[object, ...], Finding]) -> tuple[object, ...]:
    return decorated[0]


def _decimal(value: Fraction, places: int) -> Decimal:
    """`value` rounded half away from zero to `places` decimals, in integers: exact, and several
    times faster than a wide decimal context (a cascade page writes a thousand of them)."""
    units, remainder = divmod(abs(value.numerator) * 10**places, value.denominator)
    if 2 * remainder >= value.denominator:
        units += 1
    return Decimal((value.numerator < 0 and units != 0, tuple(map(int, str(units))), -places))


def _rate(value: Fraction) -> Decimal:
    return _decimal(value, 4)


def _number(value: Fraction) -> Decimal:
    return _decimal(value, 2)


def _median(values: Sequence[Fraction]) -> Fraction:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _check_unique_keys(lines: Sequence[TargetLine]) -> None:
    seen: set[Key] = set()
    for line in lines:
        if line.key in seen:
            raise ValueError(f"the key {line.key!r} is given twice")
        seen.add(line.key)


def _part_of_the_year(line: TargetLine) -> bool:
    """A salesperson at work only part of the plan year (joining or leaving): their target
    covers those months, so it is not compared with a whole year's sales."""
    return line.person is not None and line.headcount < 1


def _base_of(line: TargetLine, plan_year: int) -> Fraction | None:
    """Last year's actual when it is there and above zero: what growth is measured from."""
    if line.history is None or line.amount is None:
        return None
    base = line.history.get(plan_year - 1)
    if base is None or base <= 0:
        return None
    return Fraction(base)


# ---------------------------------------------------------------- history


def trend_projection(
    history: Mapping[int, Amount], *, plan_year: int, years: int
) -> Fraction | None:
    """The least-squares line through the actuals of the `years` years before `plan_year`, at `plan_year`.

    Only the years present in `history` count; None when fewer than two are.
    """
    points = [
        (year, Fraction(value))
        for year, value in history.items()
        if plan_year - years <= year < plan_year
    ]
    if len(points) < 2:
        return None
    count = len(points)
    mean_year = Fraction(sum(year for year, _ in points), count)
    mean_value = sum((value for _, value in points), Fraction(0)) / count
    spread = sum(((year - mean_year) * (year - mean_year) for year, _ in points), Fraction(0))
    covariance = sum(
        ((year - mean_year) * (value - mean_value) for year, value in points), Fraction(0)
    )
    slope = covariance / spread
    return mean_value + slope * (plan_year - mean_year)


def check_growth_against_trend(
    lines: Iterable[TargetLine],
    *,
    plan_year: int,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> tuple[Finding, ...]:
    """Targets growing much faster or slower than the line's own trend; TREND_UNKNOWN when it cannot tell."""
    return _sorted(_trend_findings(lines, plan_year, thresholds))


def _trend_findings(
    lines: Iterable[TargetLine], plan_year: int, thresholds: Thresholds
) -> list[Finding]:
    first_year = plan_year - thresholds.trend_years
    above = Fraction(thresholds.above_trend)
    below = Fraction(thresholds.below_trend)
    findings = []
    parents: dict[Key, Key | None] = {}
    families: dict[Key, _Family] = defaultdict(_Family)  # the lines with a trend, by parent
    for line in lines:
        parents[line.key] = line.parent
        history, amount = line.history, line.amount
        if history is None or amount is None or _part_of_the_year(line):
            continue
        points = [
            (year, value) for year, value in history.items() if first_year <= year < plan_year
        ]
        base = history.get(plan_year - 1)
        if base is None or base <= 0 or len(points) < 2:
            findings.append(Finding(FindingCode.TREND_UNKNOWN, line.key, {"years": len(points)}))
            continue
        whole = [(year, value) for year, value in points if isinstance(value, int)]
        if isinstance(amount, int) and isinstance(base, int) and len(whole) == len(points):
            # Whole numbers (the usual case): the same exact comparison without a Fraction
            # until something is found. The projection is numerator / scale, see below.
            numerator, scale = _projection_ratio(whole, plan_year)
            if line.parent is not None:
                families[line.parent].add(line.key, amount, base, Fraction(numerator, scale))
            excess = amount * scale - numerator  # (target − projection) · scale
            scaled_base = scale * base  # difference = excess / scaled_base
            if excess * above.denominator > above.numerator * scaled_base:
                code = FindingCode.GROWTH_ABOVE_TREND
            elif excess * below.denominator < below.numerator * scaled_base:
                code = FindingCode.GROWTH_BELOW_TREND
            else:
                continue
            projection = Fraction(numerator, scale)
            target_growth = Fraction(amount - base, base)
            trend_growth = Fraction(numerator - scaled_base, scaled_base)
            difference = Fraction(excess, scaled_base)
        else:
            exact = trend_projection(history, plan_year=plan_year, years=thresholds.trend_years)
            assert exact is not None  # two points or more
            projection = exact
            if line.parent is not None:
                families[line.parent].add(line.key, amount, base, projection)
            target_growth = Fraction(amount) / Fraction(base) - 1
            trend_growth = projection / Fraction(base) - 1
            difference = target_growth - trend_growth
            if difference > above:
                code = FindingCode.GROWTH_ABOVE_TREND
            elif difference < below:
                code = FindingCode.GROWTH_BELOW_TREND
            else:
                continue
        findings.append(
            Finding(
                code,
                line.key,
                {
                    "base_year": plan_year - 1,
                    "base": history[plan_year - 1],
                    "trend_value": _number(projection),
                    "target_growth": _rate(target_growth),
                    "trend_growth": _rate(trend_growth),
                    "difference": _rate(difference),
                    "threshold": thresholds.above_trend
                    if code is FindingCode.GROWTH_ABOVE_TREND
                    else thresholds.below_trend,
                },
            )
        )
    codes = {finding.key: finding.code for finding in findings}
    return [
        finding
        for finding in findings
        if not _repeats_parent(finding, parents, codes, families, above, below)
    ]


class _Family:
    """The lines of one parent measured against the same kind of expectation (their trend,
    or their market): the sums of their targets, bases and expectations."""

    __slots__ = ("base", "expected", "members", "target")

    def __init__(self) -> None:
        self.target = self.base = self.expected = Fraction(0)
        self.members: dict[Key, tuple[Fraction, Fraction, Fraction]] = {}

    def add(self, key: Key, target: Amount, base: Amount | Fraction, expected: Fraction) -> None:
        member = (Fraction(target), Fraction(base), expected)
        self.members[key] = member
        self.target += member[0]
        self.base += member[1]
        self.expected += expected

    def deviation(self) -> Fraction | None:
        """(Σ target − Σ expected) / Σ base: how far the lines together are from what was
        expected of them, as a growth rate; None without a base."""
        if self.base <= 0:
            return None
        return (self.target - self.expected) / self.base

    def like_the_others(self, key: Key, above: Fraction, below: Fraction) -> bool:
        """Whether the line `key` is about as far from what was expected of it as the other
        lines together: (its target ÷ its expectation) ÷ (theirs ÷ theirs) − 1 between
        `below` and `above`. A ratio, so that a newcomer's lines, each growing some 1,500 %,
        are alike. False when there is nothing to compare with."""
        target, _base, expected = self.members[key]
        others_target = self.target - target
        others_expected = self.expected - expected
        if expected <= 0 or others_expected <= 0 or others_target <= 0:
            return False
        return below <= (target * others_expected) / (expected * others_target) - 1 <= above


def _repeats_parent(
    finding: Finding,
    parents: Mapping[Key, Key | None],
    codes: Mapping[Key | None, FindingCode],
    families: Mapping[Key, _Family],
    above: Fraction,
    below: Fraction,
) -> bool:
    """A line off its trend the way the rest of its family is, which its parent's finding
    says already (or without a trend, like its parent).

    Allocated top down, a team 50 % above its trend makes each of its people about that far
    above theirs too, and each of their product lines: the parent's finding says it once.
    A line is shown again when it is further from its trend than the other lines of its
    parent, or nearer, by more than the threshold (as a ratio of target to trend): the one
    person raised by hand, whose raise lifts the team; the one whose target is off for a
    reason of its own; the only line with a trend, whose number makes its parent's.
    """
    key = finding.key
    parent = parents.get(key) if key is not None else None
    if key is None or parent is None or codes.get(parent) is not finding.code:
        return False
    if finding.code is FindingCode.TREND_UNKNOWN:
        return True  # a newcomer's product lines are as new as the newcomer
    return families[parent].like_the_others(key, above, below)


def _projection_ratio(points: Sequence[tuple[int, int]], plan_year: int) -> tuple[int, int]:
    """`trend_projection` of whole-number points as (numerator, scale): projection = n / s.

    With n points, sums Sy, Sv, Syy, Syv and D = n·Syy − Sy² (> 0 for two distinct
    years): projection = (Sv·D + (n·Syv − Sy·Sv)·(n·P − Sy)) / (n·D).
    """
    count = len(points)
    sum_years = sum(year for year, _ in points)
    sum_values = sum(value for _, value in points)
    sum_squares = sum(year * year for year, _ in points)
    sum_products = sum(year * value for year, value in points)
    spread = count * sum_squares - sum_years * sum_years
    numerator = sum_values * spread + (count * sum_products - sum_years * sum_values) * (
        count * plan_year - sum_years
    )
    return numerator, count * spread


# ---------------------------------------------------------------- market


def market_factor_of(
    line: TargetLine, market_factors: Mapping[tuple[str, DimensionValue], Decimal]
) -> tuple[Decimal, tuple[str, ...]] | None:
    """The product of the market factors for the line's dimension values, with the axes used."""
    factor = Decimal(1)
    axes = []
    for axis, value in sorted(line.dimensions.items()):
        entered = market_factors.get((axis, value))
        if entered is not None:
            factor *= entered
            axes.append(axis)
    if not axes:
        return None
    return factor, tuple(axes)


def check_growth_against_market(
    lines: Iterable[TargetLine],
    *,
    plan_year: int,
    market_factors: Mapping[tuple[str, DimensionValue], Decimal],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> tuple[Finding, ...]:
    """Targets growing further from the market factor of their product line / region than the tolerance."""
    return _sorted(_market_findings(lines, plan_year, market_factors, thresholds))


def _market_findings(
    lines: Iterable[TargetLine],
    plan_year: int,
    market_factors: Mapping[tuple[str, DimensionValue], Decimal],
    thresholds: Thresholds,
) -> list[Finding]:
    tolerance = Fraction(thresholds.market_tolerance)
    findings = []
    families: dict[Key, _Family] = defaultdict(_Family)  # the lines with a market, by parent
    axes_of: dict[Key, set[str]] = defaultdict(set)
    for line in lines:
        if not line.dimensions or not market_factors:
            continue
        amount = line.amount
        base = _base_of(line, plan_year)
        market = market_factor_of(line, market_factors)
        if base is None or market is None or amount is None or _part_of_the_year(line):
            continue
        factor, axes = market
        if line.parent is not None:
            families[line.parent].add(line.key, amount, base, base * Fraction(factor))
            axes_of[line.parent].update(axes)
        if type(amount) is int and base.denominator == 1:
            # Whole numbers: difference = amount / base − factor = excess / (base · q)
            # with factor = p / q, compared without a Fraction until something is found.
            whole_base = base.numerator
            top, bottom = factor.as_integer_ratio()
            excess = amount * bottom - top * whole_base
            limit = tolerance.numerator * whole_base * bottom
            if excess * tolerance.denominator > limit:
                code = FindingCode.GROWTH_ABOVE_MARKET
            elif excess * tolerance.denominator < -limit:
                code = FindingCode.GROWTH_BELOW_MARKET
            else:
                continue
            target_growth = Fraction(amount - whole_base, whole_base)
            market_growth = Fraction(top - bottom, bottom)
            difference = Fraction(excess, whole_base * bottom)
        else:
            target_growth = Fraction(amount) / base - 1
            market_growth = Fraction(factor) - 1
            difference = target_growth - market_growth
            found_code = _market_code(difference, tolerance)
            if found_code is None:
                continue
            code = found_code
        findings.append(
            Finding(
                code,
                line.key,
                {
                    "base_year": plan_year - 1,
                    "target_growth": _rate(target_growth),
                    "market_growth": _rate(market_growth),
                    "difference": _rate(difference),
                    "tolerance": thresholds.market_tolerance,
                    "axes": ",".join(axes),
                },
            )
        )
    if not families:
        return findings
    return _market_by_family(findings, families, axes_of, plan_year, thresholds)


def _market_code(difference: Fraction, tolerance: Fraction) -> FindingCode | None:
    """Above or below the market by more than the tolerance (None within it)."""
    if difference > tolerance:
        return FindingCode.GROWTH_ABOVE_MARKET
    if difference < -tolerance:
        return FindingCode.GROWTH_BELOW_MARKET
    return None


def _market_by_family(
    findings: list[Finding],
    families: Mapping[Key, _Family],
    axes_of: Mapping[Key, set[str]],
    plan_year: int,
    thresholds: Thresholds,
) -> list[Finding]:
    """Say once, on the parent, that all its lines together grow away from their markets.

    A person whose target grows 100 % makes every product line of theirs grow about that
    much, far above any market: that is one finding about the person (their growth
    against the market change of their lines, weighted by last year's sales), not one
    per line. A line is still shown when it is further from its market than the other lines
    of its family, or nearer, by more than the tolerance (as a ratio of target to last year
    × market factor, see `_Family.like_the_others`; when no line repeats the others,
    the parent says nothing: the lines off their market say it). A family of one line says
    nothing its line does not.
    """
    tolerance = Fraction(thresholds.market_tolerance)
    flagged = {finding.key: finding.code for finding in findings}
    dropped: set[Key | None] = set()
    added = []
    for parent, family in families.items():
        deviation = family.deviation()
        if len(family.members) < 2 or deviation is None:
            continue
        code = _market_code(deviation, tolerance)
        if code is None:
            continue
        repeated = []
        for key in family.members:
            if flagged.get(key) is not code:
                continue  # within its market, or off it the other way: its own finding stays
            if family.like_the_others(key, tolerance, -tolerance):
                repeated.append(key)
        if not repeated:
            continue  # one line off its market alone: its own finding says it
        dropped.update(repeated)
        if parent in flagged:
            continue  # the parent has a market of its own, and its own finding
        added.append(
            Finding(
                code,
                parent,
                {
                    "base_year": plan_year - 1,
                    "target_growth": _rate(family.target / family.base - 1),
                    "market_growth": _rate(family.expected / family.base - 1),
                    "difference": _rate(deviation),
                    "tolerance": thresholds.market_tolerance,
                    "axes": ",".join(sorted(axes_of[parent])),
                },
            )
        )
    kept = [finding for finding in findings if finding.key not in dropped]
    return kept + added


# ---------------------------------------------------------------- peers


def check_peers(
    lines: Iterable[TargetLine], *, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> tuple[Finding, ...]:
    """Targets per head far from the median of the peers doing the same job (median and MAD)."""
    return _sorted(_peer_findings(lines, thresholds))


def _per_head(line: TargetLine) -> Fraction:
    assert line.amount is not None
    if isinstance(line.amount, Decimal):
        return Fraction(line.amount)  # a level is the same for every head
    return Fraction(line.amount) / Fraction(line.headcount)


def _peer_findings(lines: Iterable[TargetLine], thresholds: Thresholds) -> list[Finding]:
    groups: dict[Key, list[TargetLine]] = defaultdict(list)
    for line in lines:
        if line.peer_group is None or line.amount is None:
            continue
        if isinstance(line.amount, Decimal) or line.headcount > 0:
            groups[line.peer_group].append(line)
    findings = []
    for group, lines_of_group in groups.items():
        if len(lines_of_group) < thresholds.min_peer_group:
            continue  # per-head numbers only for the groups that are judged
        members = [(line, _per_head(line)) for line in lines_of_group]
        median = _median([per_head for _, per_head in members])
        mad = _median([abs(per_head - median) for _, per_head in members])
        limit = max(
            Fraction(thresholds.peer_mads) * mad,
            Fraction(thresholds.peer_share_of_median) * abs(median),
        )
        for line, per_head in members:
            difference = per_head - median
            if abs(difference) <= limit:
                continue
            code = FindingCode.FAR_ABOVE_PEERS if difference > 0 else FindingCode.FAR_BELOW_PEERS
            findings.append(
                Finding(
                    code,
                    line.key,
                    {
                        "per_head": _number(per_head),
                        "median": _number(median),
                        "mad": _number(mad),
                        "difference": _number(abs(difference)),
                        "group_size": len(members),
                        "peer_group": "/".join(str(part) for part in group),
                        # One head (a salesperson all year): the amount is the target itself.
                        "one_head": not isinstance(line.amount, Decimal) and line.headcount == 1,
                    },
                )
            )
    return findings


# ---------------------------------------------------------------- the cascade


def check_children_add_up(lines: Iterable[TargetLine]) -> tuple[Finding, ...]:
    """Parents whose children do not add up to them (summing amounts), or children off a parent's level.

    Only parents present among `lines` are judged; a parent with no child lines (and no
    `unseen_children`) is a leaf.
    """
    lines = list(lines)
    by_key = {line.key: line for line in lines}
    children: dict[Key, list[TargetLine]] = defaultdict(list)
    for line in lines:
        if line.unseen_children[1]:
            children.setdefault(line.key, [])  # judged even with no child among the lines
    for line in lines:
        if line.parent is not None and line.parent in by_key:
            children[line.parent].append(line)
    findings: list[Finding] = []
    for parent_key, kids in children.items():
        parent = by_key[parent_key]
        if parent.amount is None:
            continue
        if isinstance(parent.amount, Decimal):
            for kid in kids:
                if kid.amount is not None and kid.amount != parent.amount:
                    findings.append(
                        Finding(
                            FindingCode.LEVEL_DIFFERS_FROM_PARENT,
                            kid.key,
                            {"parent": parent.amount, "amount": kid.amount},
                        )
                    )
            continue
        total, unseen = parent.unseen_children
        for kid in kids:
            if kid.amount is not None:
                total += kid.amount
        remainder: Amount = parent.amount - total
        if remainder == 0:
            continue
        code = (
            FindingCode.CHILDREN_BELOW_PARENT
            if remainder > 0
            else FindingCode.CHILDREN_ABOVE_PARENT
        )
        findings.append(
            Finding(
                code,
                parent_key,
                {
                    "parent": parent.amount,
                    "children": total,
                    "difference": remainder if remainder > 0 else -remainder,
                    "child_count": len(kids) + unseen,
                },
            )
        )
    return _sorted(findings)


def check_people_without_target(
    lines: Iterable[TargetLine], *, active_people: Iterable[PersonId]
) -> tuple[Finding, ...]:
    """Active salespeople for whom no line has a target; the key is the person's own slice `(person,)`."""
    with_target = {line.person for line in lines if line.person is not None}
    return _sorted(
        Finding(FindingCode.PERSON_WITHOUT_TARGET, (person,), {"person": person})
        for person in set(active_people)
        if person not in with_target
    )


def check_goals_covered(
    lines: Iterable[TargetLine], *, tactical_goals: Iterable[GoalId]
) -> tuple[Finding, ...]:
    """Tactical goals that no target serves (plan-level findings)."""
    linked = {line.tactical_goal for line in lines if line.tactical_goal is not None}
    return _sorted(
        Finding(FindingCode.GOAL_NOT_COVERED, None, {"goal": goal})
        for goal in set(tactical_goals)
        if goal not in linked
    )


# ---------------------------------------------------------------- SMART


def _goal_through_parents(line: TargetLine, by_key: Mapping[Key, TargetLine]) -> GoalId | None:
    seen: set[Key] = set()
    current: TargetLine | None = line
    while current is not None and current.key not in seen:
        if current.tactical_goal is not None:
            return current.tactical_goal
        seen.add(current.key)
        current = by_key.get(current.parent) if current.parent is not None else None
    return None


def _smart_codes(
    line: TargetLine, plan_year: int, goal: GoalId | None
) -> Iterable[tuple[FindingCode, dict[str, ParamValue]]]:
    if line.metric is None or not line.metric.strip():
        yield FindingCode.TARGET_NO_METRIC, {}
    if line.person is None and line.unit is None:
        yield FindingCode.TARGET_NO_OWNER, {}
    if line.amount is None:
        yield FindingCode.TARGET_NO_AMOUNT, {}
    elif line.amount < 0:
        yield FindingCode.TARGET_NEGATIVE_AMOUNT, {"amount": line.amount}
    if goal is None:
        yield FindingCode.TARGET_NOT_LINKED, {}
    if line.fiscal_year is None:
        yield FindingCode.TARGET_NO_PERIOD, {}
    elif line.fiscal_year != plan_year:
        yield (
            FindingCode.TARGET_PERIOD_OUTSIDE_PLAN,
            {"year": line.fiscal_year, "plan_year": plan_year},
        )


def check_target_smart(
    line: TargetLine, *, plan_year: int, goal: GoalId | None = None
) -> tuple[Finding, ...]:
    """The SMART gaps of one target: metric, owner, number, link to a tactical goal, period.

    `goal` is the tactical goal reached through the parent chain, used when the
    line names none itself. A target-specific variant of `checks.check_goal_smart`:
    a target's period is a fiscal year (not a calendar deadline) and its link is
    to a tactical goal, so the goal check's facts do not fit it; the SMART
    letters are the same and come with each finding as `criterion`.
    """
    linked = line.tactical_goal if line.tactical_goal is not None else goal
    return _sorted(
        Finding(code, line.key, {**params, "criterion": SMART_CRITERION_OF[code].value})
        for code, params in _smart_codes(line, plan_year, linked)
    )


def check_targets_smart(lines: Iterable[TargetLine], *, plan_year: int) -> tuple[Finding, ...]:
    """The SMART check of every line, a line's link inherited from its parents when it has none."""
    return _sorted(_smart_findings(list(lines), plan_year))


def _smart_findings(lines: Sequence[TargetLine], plan_year: int) -> list[Finding]:
    by_key = {line.key: line for line in lines}
    criterion = {code: letter.value for code, letter in SMART_CRITERION_OF.items()}
    findings = []
    for line in lines:
        linked = line.tactical_goal
        if linked is None:
            linked = _goal_through_parents(line, by_key)
        for code, params in _smart_codes(line, plan_year, linked):
            findings.append(Finding(code, line.key, {**params, "criterion": criterion[code]}))
    return findings


# ---------------------------------------------------------------- all of them


def check_targets(inputs: ReasonablenessInputs) -> tuple[Finding, ...]:
    """Every reasonableness check on one plan, in one deterministic order (key, then code)."""
    lines = list(inputs.lines)
    _check_unique_keys(lines)
    thresholds = inputs.thresholds
    findings = [
        *_trend_findings(lines, inputs.plan_year, thresholds),
        *_market_findings(lines, inputs.plan_year, inputs.market_factors, thresholds),
        *_peer_findings(lines, thresholds),
        *check_children_add_up(lines),
        *check_people_without_target(lines, active_people=inputs.active_people),
        *check_goals_covered(lines, tactical_goals=inputs.tactical_goals),
    ]
    if inputs.check_smart:
        findings.extend(_smart_findings(lines, inputs.plan_year))
    return _sorted(findings)
