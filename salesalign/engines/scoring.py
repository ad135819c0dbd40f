"""Scorecards: targets and actuals in; attainment, scores, a rating and ranks out, every figure explained.

A scorecard template (`ScorecardTemplate`) lists KPIs with weights that total
exactly 100 %, one scoring rule per KPI, rating bands and, optionally, a forced
distribution. `score_scorecards` scores a whole set of people in one call (the
period close calls it once for everyone) and answers one `Scorecard` per
person, in the order given: per KPI the target, actual, attainment, score,
weight and weighted score; the total score, the rating, and the rank in the
team and in the department. Every figure comes with its explanation — `Step`s,
each a code and its numbers, never English — which the page words and
translates ("how was this computed"). Nothing here reads a clock, a database
or a setting.

A worked card
-------------
Template: revenue 60 % (linear, floor 0, cap 120) and new customers 40 %
(bands: from 80 % → 60 points, from 100 % → 100, from 120 % → 120); rating
bands S ≥ 120, A ≥ 100, B ≥ 80, C ≥ 60, D below.

======================  ===============  ==============  =========  =============
KPI                     target / actual  attainment      score      weighted
======================  ===============  ==============  =========  =============
revenue                 1,000,000.00 /   115.00 %        115.00     115 × 60 / 100
                        1,150,000.00                                = 69.00
new customers           10 / 9           90.00 %         60.00      60 × 40 / 100
                                         (band 80–100)              = 24.00
======================  ===============  ==============  =========  =============

Total 69.00 + 24.00 = 93.00 → B. If the new-customer target were missing,
that KPI would be left out and revenue would count alone: 115 × 60 / 60 =
115.00 → A.

KPIs
----
A `KpiDefinition` is plain data: a key, a kind, a direction (higher or lower
is better) and a unit (for display only). `STANDARD_KPIS` holds the
ready-made ones.

METRIC
    The actual is a metric's value, computed from facts by the caller:
    ``actuals[kpi.metric]`` (the metric defaults to the KPI's key).
FORMULA
    The actual is computed here from metric values by a small arithmetic
    expression — metric keys, numbers, ``+ - * /``, parentheses and unary
    minus, e.g. ``gross_profit / revenue * 100``. `Formula.parse` is a
    recursive-descent parser (never ``eval``); the value is computed in exact
    integer fractions and rounded half away from zero to the KPI's
    ``decimals``. A division by zero or a missing operand leaves the actual
    missing (below), with a step that names the denominator or the operand.
RATING
    A number a manager enters on the KPI's scale (``scale_min`` to
    ``scale_max``, e.g. 1–5), in ``ratings[kpi.key]``. A rating outside the
    scale is an error, not a score.

Numbers are ``int`` or ``Decimal``. A KPI's target and actual are in the same
unit, whatever unit the caller keeps (cents for money, a tally, a level such
as 4.5): attainment is their ratio, so the unit cancels. The engine computes
with exact integer fractions and rounds only where this page says so.

Attainment — percent, rounded half away from zero to 0.01 %
-------------------------------------------------------------
Higher is better: ``attainment = actual / target × 100``.

Lower is better (complaints, days to close), by the line's ``inverse``:

RATIO (default)
    ``target / actual × 100``, never above ``max_attainment`` (default
    200 %). An actual of 0 or below is the best possible result and gets
    ``max_attainment``; without that ceiling the attainment would leap to
    infinity as the actual nears 0.
MIRROR
    ``(2 − actual / target) × 100``, never above ``max_attainment``: every
    1 % under the target adds 1 % (actual 0 → 200 %), every 1 % over it takes
    1 % off.

A target must be above 0; a target of 0 or less cannot be attained and is
treated as missing. The rounded attainment is the one shown, and every later
decision (bands, clamps, ``zero_below``) uses it: the page never shows
100.00 % beside a "below 100 %" band.

Scoring rules — points, 100 = on target, held in hundredths of a point
----------------------------------------------------------------------
LinearRule
    ``score = attainment`` read as points (105.34 % → 105.34), clamped to
    ``[floor, cap]`` (default 0 and 120). With ``zero_below``, an attainment
    below it scores 0 whatever the floor (at exactly ``zero_below`` the line
    is scored normally).
BandRule
    Step bands. Each band starts at its ``from_attainment``, *inclusive*, and
    runs to the next band's start, *exclusive*: with bands starting at 80 and
    100, 99.99 % is in the 80 band and exactly 100.00 % in the 100 band. An
    attainment below the first band scores 0.

Missing target or actual
------------------------
"Missing" means not measured: no target (and no ``default_target`` on the
template line), a target of 0 or less, an actual or rating of None, or a
formula that cannot be computed. It is not a zero: a salesperson who sold
nothing has a revenue actual of 0 (the metrics engine gives 0 for a sum over
no facts) and scores it. The template's ``missing`` policy decides:

EXCLUDE (default)
    The KPI gets no score and its weight leaves the card; the other KPIs'
    weights are renormalised to the weights still counted. This is the fair
    default: a missing target or an unentered rating is the company's
    omission, not the person's result, and scoring it 0 would punish them for
    it. A card with nothing measured has no total, no rating and no rank.
SCORE_ZERO
    The KPI scores 0 — not the rule's floor: nothing was measured — and keeps
    its weight (for companies that want a missing rating to hurt, so that
    managers enter them).

Weights and the total
---------------------
Weights are percent with at most two decimals, each above 0, and must total
exactly 100.00 (`validate_template` says by how much they miss). For each
counted KPI ``weighted score = score × weight / weights counted``, rounded
half away from zero to 0.01 point — ``weights counted`` is 100 unless a KPI
was excluded. The total score is the sum of the weighted scores as shown, so
a person can add up their card to the hundredth.

Rating
------
Rating bands go from best to worst, each with the lowest total score it
takes (inclusive): S ≥ 120, A ≥ 100, B ≥ 80, C ≥ 60, and the worst band (D)
without a minimum, taking every score below. A total of exactly 100.00 is an
A.

Forced distribution
-------------------
Optional caps on how many people of a group may hold a rating, in percent of
the group's rated people: "S at most 10 %, A at most 20 %". The allowed count
is ``floor(group size × percent / 100)`` — "at most" never rounds up. The
group is everyone scored with the template in the call (scope ALL), or those
of one department or one team; people without a team (or department) form
one group. People are placed best score first. A person whose band is full
moves down to the next band with room; the worst band cannot be capped, so
everyone lands somewhere. People with the same total score are never split:
when a tie group does not fit in what is left of a band, the whole group
moves down together, and that band closes — nobody scoring less takes the
place they could not have (a lower score never gets a better rating). That
keeps the caps exact and gives equal scores equal ratings, with no arbitrary
tie-break (by name, id or input order); the price is that a tie at the edge
can leave a place unused. The distribution only lowers ratings; it never
raises one, and it leaves the scores alone. Both the band rating
(``natural_rating``) and the final one are reported, with a step when they
differ.

Ranks
-----
Competition ranking ("1224"): ties share a rank and the next rank skips, so a
rank always says "how many people scored strictly more, plus one". Ranks are
within the team and within the department, among the people of the call that
have a total score; ``team_size`` and ``department_size`` count them.

Explanations
------------
Each KPI's steps, in order: where the target came from (TARGET_FROM_TEMPLATE, or for a
unit TARGET_FROM_TEMPLATE_FOR_PEOPLE),
how the actual was made (FORMULA), what was missing and what was done about it
(TARGET_MISSING, TARGET_NOT_POSITIVE, ACTUAL_MISSING, RATING_MISSING,
FORMULA_OPERAND_MISSING, FORMULA_ZERO_DENOMINATOR, then MISSING_EXCLUDED or
MISSING_SCORED_ZERO), the attainment (ATTAINMENT with its method,
ATTAINMENT_CAPPED, ATTAINMENT_AT_MAXIMUM), the rule (LINEAR, ZERO_BELOW,
CLAMPED_TO_FLOOR, CLAMPED_TO_CAP, BAND, BELOW_ALL_BANDS) and the weighting
(WEIGHTED). The card's steps: TOTAL or NOTHING_MEASURED, RATING, and
FORCED_DISTRIBUTION when it moved the rating. `StepCode` lists every param;
`Step.as_json` gives the form to store beside the figures, so a closed period
keeps its explanation as it was computed.

Errors
------
A template that cannot be scored (weights not totalling 100 %, a broken
formula, bands out of order, a capped worst rating, …) and an input that
cannot be (a rating outside its scale, a person twice, an unknown template)
raise `ScorecardError` with an `ErrorCode`, the field, the template, KPI or
person at fault and the numbers (``params``) — the caller words it.

Bulk
----
The work is linear in people × KPIs plus one sort per ranking group. Per KPI
it is integer arithmetic (no Decimal context, no ``localcontext``); Decimals
are built only for the output. Templates are validated and compiled once per
call, formulas parsed once per text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise

from salesalign.engines.metrics import MetricKey, RollUp, metric_definition

Number = int | Decimal
ParamValue = str | int | Decimal
PersonId = int | str
GroupId = int | str

#: Attainment, scores and weights are held as integers in hundredths (10,000 = 100.00 %).
HUNDREDTHS = 100
FULL_WEIGHT = 100 * HUNDREDTHS
_DECIMALS = Context(prec=80)  # wide enough that building an output Decimal never rounds


# --- exact numbers -----------------------------------------------------------------------


def round_half_away_from_zero(numerator: int, denominator: int) -> int:
    """numerator / denominator as a whole number, halves rounded away from zero."""
    if denominator == 0:
        raise ZeroDivisionError("round_half_away_from_zero: the denominator is 0")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def as_fraction(value: Number) -> tuple[int, int]:
    """A number as an exact (numerator, denominator > 0) pair; ValueError when not finite."""
    if isinstance(value, int):
        return value, 1
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return value.as_integer_ratio()


def in_hundredths(value: Number) -> int:
    """A number with at most two decimal places, times 100 (12.5 → 1250); ValueError otherwise."""
    numerator, denominator = as_fraction(value)
    scaled, left = divmod(numerator * HUNDREDTHS, denominator)
    if left:
        raise ValueError(f"{value} has more than two decimal places")
    return scaled


_FIXED: dict[int, Decimal] = {}  # hundredths already built: scores and attainments repeat a lot
_FIXED_LIMIT = 100_000


def fixed(number: int, places: int = 2) -> Decimal:
    """An integer in units of 10^-places as a Decimal with that many places (10534 → 105.34)."""
    if places != 2:
        return Decimal(number).scaleb(-places, _DECIMALS)
    found = _FIXED.get(number)
    if found is None:
        if len(_FIXED) >= _FIXED_LIMIT:
            _FIXED.clear()
        found = _FIXED[number] = Decimal(number).scaleb(-2, _DECIMALS)
    return found


def ratio_in_hundredths(numerator: Number, denominator: Number) -> int:
    """numerator / denominator × 100 in hundredths (a percent to 0.01), half away from zero."""
    if type(numerator) is int and type(denominator) is int:  # the common case: two tallies
        return round_half_away_from_zero(numerator * FULL_WEIGHT, denominator)
    top, top_denominator = as_fraction(numerator)
    bottom, bottom_denominator = as_fraction(denominator)
    return round_half_away_from_zero(
        top * bottom_denominator * FULL_WEIGHT, top_denominator * bottom
    )


# --- explanations ------------------------------------------------------------------------


class StepCode(StrEnum):
    """What a step of an explanation did; the caller words it from the code and params."""

    TARGET_FROM_TEMPLATE = "target_from_template"  # target: no target of its own, the template's
    # target, people, total: a unit without a target of its own, whose KPI sums over its
    # people: the template's (per person) target once for each of them
    TARGET_FROM_TEMPLATE_FOR_PEOPLE = "target_from_template_for_people"
    TARGET_MISSING = "target_missing"  # (no target)
    TARGET_NOT_POSITIVE = "target_not_positive"  # target: 0 or less cannot be attained
    ACTUAL_MISSING = "actual_missing"  # metric: no value for it
    RATING_MISSING = "rating_missing"  # (no rating entered)
    FORMULA = "formula"  # formula, value, and one "operand:<metric>" per operand
    FORMULA_OPERAND_MISSING = "formula_operand_missing"  # formula, operand
    FORMULA_ZERO_DENOMINATOR = "formula_zero_denominator"  # formula, denominator (its text)
    MISSING_EXCLUDED = "missing_excluded"  # weight: left out, the other weights renormalised
    MISSING_SCORED_ZERO = "missing_scored_zero"  # weight: scored 0, weight kept
    # method (actual_over_target | target_over_actual | mirror), actual, target, attainment
    ATTAINMENT = "attainment"
    ATTAINMENT_CAPPED = "attainment_capped"  # uncapped, maximum
    ATTAINMENT_AT_MAXIMUM = "attainment_at_maximum"  # actual (≤ 0), maximum: lower is better
    LINEAR = "linear"  # attainment, score: the attainment read as points
    ZERO_BELOW = "zero_below"  # attainment, zero_below: scored 0
    CLAMPED_TO_FLOOR = "clamped_to_floor"  # unclamped, floor
    CLAMPED_TO_CAP = "clamped_to_cap"  # unclamped, cap
    BAND = "band"  # attainment, band (1 = lowest), from, to ("" when open), score
    BELOW_ALL_BANDS = "below_all_bands"  # attainment, lowest: scored 0
    WEIGHTED = "weighted"  # score, weight, weights_counted, weighted_score
    TOTAL = "total"  # total_score, weights_counted, kpis_counted, kpis
    NOTHING_MEASURED = "nothing_measured"  # kpis: no KPI could be scored, no total
    RATING = "rating"  # total_score, rating, min_score ("" for the lowest band)
    # natural, rating, max_percent, allowed, group_size, scope
    FORCED_DISTRIBUTION = "forced_distribution"


@dataclass(frozen=True, slots=True)
class Step:
    """One step of how a figure was made: a code and its numbers (no English)."""

    code: StepCode
    params: Mapping[str, ParamValue] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        """The step as JSON-ready data (Decimals as strings), e.g. to store beside the score."""
        return {
            "code": str(self.code),
            "params": {
                name: str(value) if isinstance(value, Decimal) else value
                for name, value in self.params.items()
            },
        }


class ErrorCode(StrEnum):
    """Why a template or an input was refused; the caller words (and translates) it."""

    NO_KPIS = "no_kpis"
    DUPLICATE_KPI = "duplicate_kpi"
    WEIGHT_NOT_POSITIVE = "weight_not_positive"
    WEIGHT_TOO_PRECISE = "weight_too_precise"
    WEIGHTS_NOT_100 = "weights_not_100"  # total
    BAD_NUMBER = "bad_number"
    BAD_FORMULA = "bad_formula"
    BAD_SCALE = "bad_scale"
    BAD_RULE = "bad_rule"
    BAD_BANDS = "bad_bands"
    BAD_RATING_BANDS = "bad_rating_bands"
    BAD_DISTRIBUTION = "bad_distribution"
    UNKNOWN_TEMPLATE = "unknown_template"
    DUPLICATE_PERSON = "duplicate_person"
    RATING_OUTSIDE_SCALE = "rating_outside_scale"


class ScorecardError(ValueError):
    """A template or an input the engine refuses, naming the problem, the field and where."""

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode,
        field: str,
        template: str | None = None,
        kpi: str | None = None,
        person: PersonId | None = None,
        params: Mapping[str, ParamValue] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.template = template
        self.kpi = kpi
        self.person = person
        self.params: Mapping[str, ParamValue] = params or {}


# --- formulas ----------------------------------------------------------------------------


class FormulaError(ValueError):
    """A formula text that does not parse."""


class FormulaUndefined(ArithmeticError):
    """A formula without a value for these inputs: a missing operand or a zero denominator."""

    def __init__(self, code: StepCode, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class _Constant:
    numerator: int
    denominator: int


@dataclass(frozen=True, slots=True)
class _Operand:
    key: str


@dataclass(frozen=True, slots=True)
class _Negate:
    operand: _Node


@dataclass(frozen=True, slots=True)
class _Binary:
    operator: str
    left: _Node
    right: _Node
    right_text: str  # the denominator's text, for the explanation of a division by zero


_Node = _Constant | _Operand | _Negate | _Binary

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<operator>[-+*/()]))"
)
_MAX_FORMULA_LENGTH = 500
_MAX_FORMULA_DEPTH = 40


class _Parser:
    """expression := term (("+" | "-") term)*;  term := unary (("*" | "/") unary)*;
    unary := "-" unary | "+" unary | primary;  primary := number | name | "(" expression ")"."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int, int]] = []
        position = 0
        stripped_end = len(text.rstrip())
        while position < stripped_end:
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise FormulaError(f"unexpected {text[position:].strip()[:1]!r} in {text!r}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind), match.start(kind), match.end()))
            position = match.end()
        self.index = 0
        self.depth = 0

    def peek(self) -> str | None:
        if self.index < len(self.tokens):
            kind, value, _start, _end = self.tokens[self.index]
            return value if kind == "operator" else None
        return None

    def start(self) -> int:
        return self.tokens[self.index][2] if self.index < len(self.tokens) else len(self.text)

    def parse(self) -> _Node:
        if not self.tokens:
            raise FormulaError("the formula is empty")
        node = self.expression()
        if self.index != len(self.tokens):
            raise FormulaError(f"unexpected {self.tokens[self.index][1]!r} in {self.text!r}")
        return node

    def expression(self) -> _Node:
        node = self.term()
        while self.peek() in ("+", "-"):
            operator = self.tokens[self.index][1]
            self.index += 1
            begin = self.start()
            right = self.term()
            node = _Binary(operator, node, right, self._text(begin))
        return node

    def term(self) -> _Node:
        node = self.unary()
        while self.peek() in ("*", "/"):
            operator = self.tokens[self.index][1]
            self.index += 1
            begin = self.start()
            right = self.unary()
            node = _Binary(operator, node, right, self._text(begin))
        return node

    def unary(self) -> _Node:
        self.depth += 1
        if self.depth > _MAX_FORMULA_DEPTH:
            raise FormulaError(f"the formula nests too deeply: {self.text!r}")
        try:
            if self.peek() == "-":
                self.index += 1
                return _Negate(self.unary())
            if self.peek() == "+":
                self.index += 1
                return self.unary()
            return self.primary()
        finally:
            self.depth -= 1

    def primary(self) -> _Node:
        if self.index >= len(self.tokens):
            raise FormulaError(f"the formula ends too early: {self.text!r}")
        kind, value, _start, _end = self.tokens[self.index]
        self.index += 1
        if kind == "number":
            numerator, denominator = Decimal(value).as_integer_ratio()
            return _Constant(numerator, denominator)
        if kind == "name":
            return _Operand(value)
        if value == "(":
            node = self.expression()
            if self.peek() != ")":
                raise FormulaError(f"a parenthesis is not closed in {self.text!r}")
            self.index += 1
            return node
        raise FormulaError(f"unexpected {value!r} in {self.text!r}")

    def _text(self, begin: int) -> str:
        end = self.tokens[self.index - 1][3] if self.index else begin
        return self.text[begin:end].strip()


def _operands(node: _Node) -> list[str]:
    if isinstance(node, _Operand):
        return [node.key]
    if isinstance(node, _Negate):
        return _operands(node.operand)
    if isinstance(node, _Binary):
        return _operands(node.left) + _operands(node.right)
    return []


def _evaluate(node: _Node, values: Mapping[str, Number | None]) -> tuple[int, int]:
    """The exact value of a node as (numerator, denominator > 0)."""
    if isinstance(node, _Operand):
        value = values.get(node.key)
        if value is None:
            raise FormulaUndefined(StepCode.FORMULA_OPERAND_MISSING, node.key)
        return as_fraction(value)
    if isinstance(node, _Constant):
        return node.numerator, node.denominator
    if isinstance(node, _Negate):
        numerator, denominator = _evaluate(node.operand, values)
        return -numerator, denominator
    left_n, left_d = _evaluate(node.left, values)
    right_n, right_d = _evaluate(node.right, values)
    operator = node.operator
    if operator == "+":
        return left_n * right_d + right_n * left_d, left_d * right_d
    if operator == "-":
        return left_n * right_d - right_n * left_d, left_d * right_d
    if operator == "*":
        return left_n * right_n, left_d * right_d
    if right_n == 0:
        raise FormulaUndefined(StepCode.FORMULA_ZERO_DENOMINATOR, node.right_text)
    if right_n < 0:
        return -left_n * right_d, left_d * -right_n
    return left_n * right_d, left_d * right_n


@dataclass(frozen=True)
class Formula:
    """A parsed formula over metric keys: ``+ - * /``, parentheses, unary minus, numbers."""

    text: str
    operands: tuple[str, ...]
    _root: _Node = field(repr=False, compare=False)

    @staticmethod
    def parse(text: str) -> Formula:
        """The formula a text describes; FormulaError when it does not parse."""
        return _parse_formula(text)

    def value(self, values: Mapping[str, Number | None]) -> tuple[int, int]:
        """The exact value as (numerator, denominator > 0); FormulaUndefined when there is none."""
        return _evaluate(self._root, values)


@lru_cache(maxsize=256)
def _parse_formula(text: str) -> Formula:
    if len(text) > _MAX_FORMULA_LENGTH:
        raise FormulaError(f"a formula has at most {_MAX_FORMULA_LENGTH} characters")
    root = _Parser(text).parse()
    operands = tuple(dict.fromkeys(_operands(root)))
    if not operands:
        raise FormulaError(f"the formula uses no metric: {text!r}")
    return Formula(text=text.strip(), operands=operands, _root=root)


# --- KPIs, rules and templates -----------------------------------------------------------


class KpiKind(StrEnum):
    """Where a KPI's actual comes from."""

    METRIC = "metric"
    FORMULA = "formula"
    RATING = "rating"


class Direction(StrEnum):
    """Whether more is better (revenue) or less (complaints, days to close)."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class Unit(StrEnum):
    """How a KPI's values read (display only; the engine compares like with like)."""

    CURRENCY = "currency"  # minor units (cents)
    COUNT = "count"
    PERCENT = "percent"
    RATING = "rating"  # a level on a scale (satisfaction, a manager's rating)
    DAYS = "days"
    NUMBER = "number"


class InverseAttainment(StrEnum):
    """How attainment is computed when lower is better."""

    RATIO = "ratio"  # target / actual
    MIRROR = "mirror"  # 2 − actual / target


class MissingPolicy(StrEnum):
    """What a KPI without a target or an actual does to the card."""

    EXCLUDE = "exclude"  # no score, weight renormalised over the rest (default)
    SCORE_ZERO = "score_zero"  # scores 0, keeps its weight


class DistributionScope(StrEnum):
    """The group a forced distribution is applied in."""

    ALL = "all"  # everyone scored with the template in the call
    DEPARTMENT = "department"
    TEAM = "team"


@dataclass(frozen=True, kw_only=True)
class KpiDefinition:
    """What a KPI measures and how its actual is obtained."""

    key: str
    kind: KpiKind = KpiKind.METRIC
    direction: Direction = Direction.HIGHER_IS_BETTER
    unit: Unit = Unit.NUMBER
    metric: str | None = None  # METRIC: the metric key in `actuals` (default: the KPI key)
    formula: str | None = None  # FORMULA: e.g. "gross_profit / revenue * 100"
    decimals: int = 2  # FORMULA: places the computed actual is rounded to
    scale_min: Decimal | None = None  # RATING: the lowest rating
    scale_max: Decimal | None = None  # RATING: the highest rating

    @property
    def source_metric(self) -> str:
        """The metric a METRIC KPI reads."""
        return self.metric or self.key


#: The ready-made KPIs: the metrics with actuals, and gross margin as a formula.
STANDARD_KPIS: dict[str, KpiDefinition] = {
    MetricKey.REVENUE: KpiDefinition(key=MetricKey.REVENUE, unit=Unit.CURRENCY),
    MetricKey.GROSS_PROFIT: KpiDefinition(key=MetricKey.GROSS_PROFIT, unit=Unit.CURRENCY),
    MetricKey.ORDER_COUNT: KpiDefinition(key=MetricKey.ORDER_COUNT, unit=Unit.COUNT),
    MetricKey.NEW_CUSTOMERS: KpiDefinition(key=MetricKey.NEW_CUSTOMERS, unit=Unit.COUNT),
    MetricKey.CUSTOMER_SATISFACTION: KpiDefinition(
        key=MetricKey.CUSTOMER_SATISFACTION, unit=Unit.RATING
    ),
    "gross_margin": KpiDefinition(
        key="gross_margin",
        kind=KpiKind.FORMULA,
        unit=Unit.PERCENT,
        formula="gross_profit / revenue * 100",
        decimals=2,
    ),
}


@dataclass(frozen=True)
class LinearRule:
    """Score = attainment read as points, clamped to [floor, cap]; 0 below `zero_below` (percent)."""

    floor: Decimal = Decimal(0)
    cap: Decimal = Decimal(120)
    zero_below: Decimal | None = None


@dataclass(frozen=True)
class ScoreBand:
    """From this attainment (percent, inclusive) up to the next band's start: this score."""

    from_attainment: Decimal
    score: Decimal


@dataclass(frozen=True)
class BandRule:
    """Step bands, lowest first; below the first band the score is 0."""

    bands: tuple[ScoreBand, ...]


ScoringRule = LinearRule | BandRule


@dataclass(frozen=True, kw_only=True)
class ScorecardLine:
    """One KPI on a template: its weight (percent), rule and optional target for everyone."""

    kpi: KpiDefinition
    weight: Decimal
    rule: ScoringRule = LinearRule()
    default_target: Number | None = None  # used when a person has no target of their own
    inverse: InverseAttainment = InverseAttainment.RATIO  # lower is better only
    max_attainment: Decimal = Decimal(200)  # percent; lower is better only


@dataclass(frozen=True)
class RatingBand:
    """A rating and the lowest total score that earns it (None: every score below the band above)."""

    code: str
    min_score: Decimal | None


DEFAULT_RATING_BANDS: tuple[RatingBand, ...] = (
    RatingBand("S", Decimal(120)),
    RatingBand("A", Decimal(100)),
    RatingBand("B", Decimal(80)),
    RatingBand("C", Decimal(60)),
    RatingBand("D", None),
)


@dataclass(frozen=True)
class ForcedDistribution:
    """At most `max_percent[rating]` percent of each group's rated people may hold the rating."""

    max_percent: Mapping[str, Decimal]
    scope: DistributionScope = DistributionScope.ALL


@dataclass(frozen=True, kw_only=True)
class ScorecardTemplate:
    """KPIs with weights totalling 100 %, rating bands (best first) and an optional distribution."""

    key: str
    lines: tuple[ScorecardLine, ...]
    rating_bands: tuple[RatingBand, ...] = DEFAULT_RATING_BANDS
    forced_distribution: ForcedDistribution | None = None
    missing: MissingPolicy = MissingPolicy.EXCLUDE


# --- inputs and results ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ScorecardInput:
    """One person's numbers for one period.

    `targets` and `ratings` are keyed by KPI key; `actuals` by metric key (the
    metric KPIs and the formulas' operands read them). None means not measured.
    """

    person_id: PersonId
    template: str
    team: GroupId | None = None
    department: GroupId | None = None
    targets: Mapping[str, Number | None] = field(default_factory=dict)
    #: A unit's card: the salespeople it stands for. A template's default target is a
    #: person's, so for a KPI whose metric sums it counts once for each of them.
    people: int | None = None
    actuals: Mapping[str, Number | None] = field(default_factory=dict)
    ratings: Mapping[str, Number | None] = field(default_factory=dict)


@dataclass(frozen=True)
class KpiScore:
    """One KPI of a card: figures as shown (percent and points to 0.01) and how they were made."""

    kpi: str
    target: Number | None
    actual: Number | None
    attainment: Decimal | None  # percent
    score: Decimal | None  # points; None when the KPI was left out
    weight: Decimal  # the template's weight, percent
    weighted_score: Decimal | None  # points
    explanation: tuple[Step, ...]

    @property
    def counted(self) -> bool:
        """True when the KPI counts in the total."""
        return self.score is not None


@dataclass(frozen=True)
class Scorecard:
    """One person's card: KPIs, total, rating (after any forced distribution) and ranks."""

    person_id: PersonId
    template: str
    kpis: tuple[KpiScore, ...]
    weights_counted: Decimal  # percent: 100 unless KPIs were left out
    total_score: Decimal | None
    natural_rating: str | None  # by the rating bands alone
    rating: str | None
    team_rank: int | None
    team_size: int
    department_rank: int | None
    department_size: int
    explanation: tuple[Step, ...]


# --- validation and compilation ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Line:
    """A template line with its numbers turned into integers once."""

    line: ScorecardLine
    key: str
    kind: KpiKind
    metric: str
    formula: Formula | None
    decimals: int
    scale: tuple[Decimal, Decimal] | None
    lower_is_better: bool
    inverse: InverseAttainment
    max_attainment: int  # hundredths of a percent
    weight: int  # hundredths of a percent
    weight_shown: Decimal
    linear: tuple[int, int, int | None] | None  # floor, cap (hundredths of a point), zero_below
    band_starts: tuple[int, ...]  # hundredths of a percent
    band_scores: tuple[int, ...]  # hundredths of a point


@dataclass(frozen=True, slots=True)
class _Template:
    template: ScorecardTemplate
    lines: tuple[_Line, ...]
    rating_codes: tuple[str, ...]
    rating_minimums: tuple[int | None, ...]  # hundredths of a point, best first
    caps: dict[int, int]  # rating index → max percent in hundredths


def _error(
    message: str,
    code: ErrorCode,
    field: str,
    template: ScorecardTemplate,
    kpi: str | None = None,
    **params: ParamValue,
) -> ScorecardError:
    return ScorecardError(
        message, code=code, field=field, template=template.key, kpi=kpi, params=params
    )


def _hundredths_of(
    value: Number, *, field: str, template: ScorecardTemplate, kpi: str | None = None
) -> int:
    try:
        return in_hundredths(value)
    except (ValueError, TypeError) as problem:
        raise _error(
            f"{field} must be a number with at most two decimal places, not {value!r}",
            ErrorCode.BAD_NUMBER,
            field,
            template,
            kpi,
        ) from problem


def _compile_line(line: ScorecardLine, template: ScorecardTemplate) -> _Line:
    kpi = line.kpi
    key = kpi.key

    def fail(message: str, code: ErrorCode, field: str) -> ScorecardError:
        return _error(message, code, field, template, key)

    weight = _hundredths_of(line.weight, field="weight", template=template, kpi=key)
    if weight <= 0:
        raise fail(f"the weight of {key} must be above 0", ErrorCode.WEIGHT_NOT_POSITIVE, "weight")
    formula = None
    if kpi.kind == KpiKind.FORMULA:
        try:
            formula = Formula.parse(kpi.formula or "")
        except FormulaError as problem:
            raise fail(
                f"the formula of {key}: {problem}", ErrorCode.BAD_FORMULA, "formula"
            ) from None
        if not 0 <= kpi.decimals <= 8:
            raise fail("a formula's decimals are 0–8", ErrorCode.BAD_FORMULA, "decimals")
    scale = None
    if kpi.kind == KpiKind.RATING:
        if kpi.scale_min is None or kpi.scale_max is None or not kpi.scale_min < kpi.scale_max:
            raise fail(
                f"the rating {key} needs a scale with scale_min below scale_max",
                ErrorCode.BAD_SCALE,
                "scale",
            )
        scale = (kpi.scale_min, kpi.scale_max)
    if line.default_target is not None:
        try:
            as_fraction(line.default_target)
        except ValueError:
            raise fail(
                f"the default target of {key} is not a number",
                ErrorCode.BAD_NUMBER,
                "default_target",
            ) from None
    max_attainment = _hundredths_of(
        line.max_attainment, field="max_attainment", template=template, kpi=key
    )
    if max_attainment < FULL_WEIGHT:
        raise fail("max_attainment cannot be below 100 %", ErrorCode.BAD_RULE, "max_attainment")
    linear = None
    band_starts: tuple[int, ...] = ()
    band_scores: tuple[int, ...] = ()
    rule = line.rule
    if isinstance(rule, LinearRule):
        floor = _hundredths_of(rule.floor, field="floor", template=template, kpi=key)
        cap = _hundredths_of(rule.cap, field="cap", template=template, kpi=key)
        if floor > cap:
            raise fail(f"the floor of {key} is above its cap", ErrorCode.BAD_RULE, "floor")
        zero_below = (
            None
            if rule.zero_below is None
            else _hundredths_of(rule.zero_below, field="zero_below", template=template, kpi=key)
        )
        linear = (floor, cap, zero_below)
    elif isinstance(rule, BandRule):
        if not rule.bands:
            raise fail(f"the bands of {key} are empty", ErrorCode.BAD_BANDS, "bands")
        band_starts = tuple(
            _hundredths_of(
                band.from_attainment, field="from_attainment", template=template, kpi=key
            )
            for band in rule.bands
        )
        band_scores = tuple(
            _hundredths_of(band.score, field="score", template=template, kpi=key)
            for band in rule.bands
        )
        if any(later <= earlier for earlier, later in pairwise(band_starts)):
            raise fail(
                f"the bands of {key} must start at strictly increasing attainments",
                ErrorCode.BAD_BANDS,
                "bands",
            )
    else:
        raise fail(f"unknown rule {rule!r}", ErrorCode.BAD_RULE, "rule")
    return _Line(
        line=line,
        key=key,
        kind=KpiKind(kpi.kind),
        metric=kpi.source_metric,
        formula=formula,
        decimals=kpi.decimals,
        scale=scale,
        lower_is_better=Direction(kpi.direction) is Direction.LOWER_IS_BETTER,
        inverse=InverseAttainment(line.inverse),
        max_attainment=max_attainment,
        weight=weight,
        weight_shown=fixed(weight),
        linear=linear,
        band_starts=band_starts,
        band_scores=band_scores,
    )


def _compile(template: ScorecardTemplate) -> _Template:
    if not template.lines:
        raise _error(
            f"the template {template.key} has no KPIs", ErrorCode.NO_KPIS, "lines", template
        )
    seen: set[str] = set()
    lines = []
    for line in template.lines:
        if line.kpi.key in seen:
            raise _error(
                f"the KPI {line.kpi.key} is on the template twice",
                ErrorCode.DUPLICATE_KPI,
                "lines",
                template,
                line.kpi.key,
            )
        seen.add(line.kpi.key)
        lines.append(_compile_line(line, template))
    total = sum(line.weight for line in lines)
    if total != FULL_WEIGHT:
        raise _error(
            f"the weights of {template.key} total {fixed(total)} %, not 100 %",
            ErrorCode.WEIGHTS_NOT_100,
            "weight",
            template,
            total=fixed(total),
        )
    bands = template.rating_bands
    codes = tuple(band.code for band in bands)
    if not bands or len(set(codes)) != len(codes) or not all(codes):
        raise _error(
            "the rating bands need distinct, non-empty codes",
            ErrorCode.BAD_RATING_BANDS,
            "rating_bands",
            template,
        )
    if bands[-1].min_score is not None or any(band.min_score is None for band in bands[:-1]):
        raise _error(
            "only the last (worst) rating band has no minimum score, and it must have none",
            ErrorCode.BAD_RATING_BANDS,
            "rating_bands",
            template,
        )
    minimums: tuple[int | None, ...] = tuple(
        None
        if band.min_score is None
        else _hundredths_of(band.min_score, field="min_score", template=template)
        for band in bands
    )
    known = [minimum for minimum in minimums if minimum is not None]
    if any(later >= earlier for earlier, later in pairwise(known)):
        raise _error(
            "rating bands go from best to worst with strictly decreasing minimum scores",
            ErrorCode.BAD_RATING_BANDS,
            "rating_bands",
            template,
        )
    caps: dict[int, int] = {}
    distribution = template.forced_distribution
    if distribution is not None:
        DistributionScope(distribution.scope)
        for code, percent in distribution.max_percent.items():
            if code not in codes:
                raise _error(
                    f"the forced distribution names an unknown rating {code!r}",
                    ErrorCode.BAD_DISTRIBUTION,
                    "forced_distribution",
                    template,
                    problem="unknown_rating",
                    rating=code,
                )
            if code == codes[-1]:
                raise _error(
                    "the worst rating cannot be capped: everyone must land somewhere",
                    ErrorCode.BAD_DISTRIBUTION,
                    "forced_distribution",
                    template,
                    problem="worst_capped",
                    rating=code,
                )
            share = _hundredths_of(percent, field="max_percent", template=template)
            if not 0 <= share <= FULL_WEIGHT:
                raise _error(
                    f"a forced-distribution share is 0–100 %, not {percent}",
                    ErrorCode.BAD_DISTRIBUTION,
                    "forced_distribution",
                    template,
                    problem="share_out_of_range",
                    rating=code,
                )
            caps[codes.index(code)] = share
    return _Template(
        template=template,
        lines=tuple(lines),
        rating_codes=codes,
        rating_minimums=minimums,
        caps=caps,
    )


def validate_template(template: ScorecardTemplate) -> None:
    """Check a template (weights total exactly 100 %, rules, bands); ScorecardError naming the problem."""
    _compile(template)


# --- one KPI -----------------------------------------------------------------------------


def _sums(line: _Line) -> bool:
    """A KPI measuring a metric that adds up over people (revenue, orders, new customers)."""
    if line.kind is not KpiKind.METRIC:
        return False
    try:
        return metric_definition(line.metric).roll_up is RollUp.SUM
    except ValueError:
        return False


def _score_line(
    line: _Line, person: ScorecardInput, policy: MissingPolicy
) -> tuple[Number | None, Number | None, int | None, int | None, list[Step]]:
    """target, actual, attainment and score (hundredths; score None when left out), steps."""
    steps: list[Step] = []
    missing = False
    target = person.targets.get(line.key)
    if target is None and line.line.default_target is not None:
        target = line.line.default_target
        if person.people is not None and _sums(line):
            each = target
            target = each * person.people
            steps.append(
                Step(
                    StepCode.TARGET_FROM_TEMPLATE_FOR_PEOPLE,
                    {"target": each, "people": person.people, "total": target},
                )
            )
        else:
            steps.append(Step(StepCode.TARGET_FROM_TEMPLATE, {"target": target}))

    actual: Number | None
    kind = line.kind
    if kind is KpiKind.METRIC:
        actual = person.actuals.get(line.metric)
        if actual is None:
            steps.append(Step(StepCode.ACTUAL_MISSING, {"metric": line.metric}))
            missing = True
    elif kind is KpiKind.FORMULA:
        assert line.formula is not None
        formula = line.formula
        try:
            numerator, denominator = formula.value(person.actuals)
        except FormulaUndefined as undefined:
            actual = None
            name = (
                "operand" if undefined.code is StepCode.FORMULA_OPERAND_MISSING else "denominator"
            )
            steps.append(Step(undefined.code, {"formula": formula.text, name: undefined.detail}))
            missing = True
        else:
            places = line.decimals
            actual = fixed(round_half_away_from_zero(numerator * 10**places, denominator), places)
            params: dict[str, ParamValue] = {"formula": formula.text, "value": actual}
            for operand in formula.operands:
                value = person.actuals.get(operand)
                if value is not None:
                    params[f"operand:{operand}"] = value
            steps.append(Step(StepCode.FORMULA, params))
    else:
        actual = person.ratings.get(line.key)
        if actual is None:
            steps.append(Step(StepCode.RATING_MISSING))
            missing = True
        else:
            assert line.scale is not None
            low, high = line.scale
            if not low <= actual <= high:
                raise ScorecardError(
                    f"the rating {actual} of {line.key} is outside its scale {low}–{high}",
                    code=ErrorCode.RATING_OUTSIDE_SCALE,
                    field="ratings",
                    kpi=line.key,
                    person=person.person_id,
                    params={"rating": actual, "scale_min": low, "scale_max": high},
                )

    if target is None:
        steps.append(Step(StepCode.TARGET_MISSING))
        missing = True
    elif target <= 0:
        steps.append(Step(StepCode.TARGET_NOT_POSITIVE, {"target": target}))
        missing = True

    if missing or actual is None or target is None:
        if policy == MissingPolicy.SCORE_ZERO:
            steps.append(Step(StepCode.MISSING_SCORED_ZERO, {"weight": line.line.weight}))
            return target, actual, None, 0, steps
        steps.append(Step(StepCode.MISSING_EXCLUDED, {"weight": line.line.weight}))
        return target, actual, None, None, steps

    # attainment, in hundredths of a percent
    if not line.lower_is_better:
        attainment = ratio_in_hundredths(actual, target)
        method = "actual_over_target"
    elif line.inverse is InverseAttainment.RATIO:
        method = "target_over_actual"
        if actual <= 0:
            attainment = line.max_attainment
            steps.append(
                Step(
                    StepCode.ATTAINMENT_AT_MAXIMUM,
                    {"actual": actual, "maximum": fixed(line.max_attainment)},
                )
            )
        else:
            attainment = ratio_in_hundredths(target, actual)
    else:
        method = "mirror"
        attainment = 2 * FULL_WEIGHT - ratio_in_hundredths(actual, target)
    shown = fixed(attainment)
    steps.append(
        Step(
            StepCode.ATTAINMENT,
            {"method": method, "actual": actual, "target": target, "attainment": shown},
        )
    )
    if line.lower_is_better and attainment > line.max_attainment:
        attainment = line.max_attainment
        steps.append(
            Step(StepCode.ATTAINMENT_CAPPED, {"uncapped": shown, "maximum": fixed(attainment)})
        )
        shown = fixed(attainment)

    # score, in hundredths of a point
    if line.linear is not None:
        floor, cap, zero_below = line.linear
        if zero_below is not None and attainment < zero_below:
            score = 0
            steps.append(
                Step(StepCode.ZERO_BELOW, {"attainment": shown, "zero_below": fixed(zero_below)})
            )
        else:
            score = attainment
            steps.append(Step(StepCode.LINEAR, {"attainment": shown, "score": shown}))
            if score < floor:
                steps.append(
                    Step(StepCode.CLAMPED_TO_FLOOR, {"unclamped": shown, "floor": fixed(floor)})
                )
                score = floor
            elif score > cap:
                steps.append(Step(StepCode.CLAMPED_TO_CAP, {"unclamped": shown, "cap": fixed(cap)}))
                score = cap
    else:
        starts = line.band_starts
        index = bisect_right(starts, attainment) - 1
        if index < 0:
            score = 0
            steps.append(
                Step(StepCode.BELOW_ALL_BANDS, {"attainment": shown, "lowest": fixed(starts[0])})
            )
        else:
            score = line.band_scores[index]
            steps.append(
                Step(
                    StepCode.BAND,
                    {
                        "attainment": shown,
                        "band": index + 1,
                        "from": fixed(starts[index]),
                        "to": fixed(starts[index + 1]) if index + 1 < len(starts) else "",
                        "score": fixed(score),
                    },
                )
            )
    return target, actual, attainment, score, steps


# --- cards, ratings, distribution, ranks -------------------------------------------------


@dataclass(slots=True)
class _Card:
    person: ScorecardInput
    template: _Template
    kpis: tuple[KpiScore, ...]
    weights_counted: int
    total: int | None
    natural: int | None  # index into the template's rating bands
    rating: int | None
    steps: list[Step]


def _score_card(person: ScorecardInput, template: _Template) -> _Card:
    policy = template.template.missing
    results = [_score_line(line, person, policy) for line in template.lines]
    weights_counted = sum(
        line.weight
        for line, result in zip(template.lines, results, strict=True)
        if result[3] is not None
    )
    counted_shown = fixed(weights_counted)
    total = 0
    kpis = []
    for line, (target, actual, attainment, score, steps) in zip(
        template.lines, results, strict=True
    ):
        score_shown: Decimal | None = None
        weighted_shown: Decimal | None = None
        if score is not None:
            weighted = round_half_away_from_zero(score * line.weight, weights_counted)
            total += weighted
            score_shown = fixed(score)
            weighted_shown = fixed(weighted)
            steps.append(
                Step(
                    StepCode.WEIGHTED,
                    {
                        "score": score_shown,
                        "weight": line.weight_shown,
                        "weights_counted": counted_shown,
                        "weighted_score": weighted_shown,
                    },
                )
            )
        kpis.append(
            KpiScore(
                kpi=line.key,
                target=target,
                actual=actual,
                attainment=None if attainment is None else fixed(attainment),
                score=score_shown,
                weight=line.weight_shown,
                weighted_score=weighted_shown,
                explanation=tuple(steps),
            )
        )
    card = _Card(person, template, tuple(kpis), weights_counted, None, None, None, [])
    if weights_counted == 0:
        card.steps.append(Step(StepCode.NOTHING_MEASURED, {"kpis": len(kpis)}))
        return card
    card.total = total
    card.steps.append(
        Step(
            StepCode.TOTAL,
            {
                "total_score": fixed(total),
                "weights_counted": fixed(weights_counted),
                "kpis_counted": sum(1 for result in results if result[3] is not None),
                "kpis": len(kpis),
            },
        )
    )
    for index, minimum in enumerate(template.rating_minimums):
        if minimum is None or total >= minimum:
            card.natural = card.rating = index
            card.steps.append(
                Step(
                    StepCode.RATING,
                    {
                        "total_score": fixed(total),
                        "rating": template.rating_codes[index],
                        "min_score": "" if minimum is None else fixed(minimum),
                    },
                )
            )
            break
    return card


def _apply_forced_distributions(cards: Iterable[_Card]) -> None:
    """Lower ratings so that no group holds more of a capped rating than its share allows."""
    groups: dict[tuple[str, DistributionScope, GroupId | None], list[_Card]] = defaultdict(list)
    for card in cards:
        distribution = card.template.template.forced_distribution
        if distribution is None or card.total is None:
            continue
        scope = DistributionScope(distribution.scope)
        member_of = (
            None
            if scope is DistributionScope.ALL
            else card.person.department
            if scope is DistributionScope.DEPARTMENT
            else card.person.team
        )
        groups[(card.person.template, scope, member_of)].append(card)
    for (_template, scope, _group), members in groups.items():
        template = members[0].template
        size = len(members)
        allowed = {index: size * share // FULL_WEIGHT for index, share in template.caps.items()}
        used: dict[int, int] = defaultdict(int)
        members.sort(key=lambda card: -(card.total or 0))
        start = 0
        while start < size:
            score = members[start].total
            end = start + 1
            while end < size and members[end].total == score:
                end += 1
            count = end - start
            natural = members[start].natural
            assert natural is not None
            index = natural
            while index in allowed and used[index] + count > allowed[index]:
                # The group moves past this band, and the band closes behind it: nobody
                # scoring less may take a place it could not have.
                allowed[index] = used[index]
                index += 1  # the worst band is never capped, so this stops
            used[index] += count
            for card in members[start:end]:
                card.rating = index
                if index != natural:
                    card.steps.append(
                        Step(
                            StepCode.FORCED_DISTRIBUTION,
                            {
                                "natural": template.rating_codes[natural],
                                "rating": template.rating_codes[index],
                                "max_percent": fixed(template.caps[natural]),
                                "allowed": allowed[natural],
                                "group_size": size,
                                "scope": scope,
                            },
                        )
                    )
            start = end


def competition_ranks(scores: Sequence[int]) -> list[int]:
    """Rank of each score, highest first; ties share a rank and the next rank skips (1, 2, 2, 4)."""
    order = sorted(range(len(scores)), key=lambda index: -scores[index])
    ranks = [0] * len(scores)
    for position, index in enumerate(order):
        if position and scores[index] == scores[order[position - 1]]:
            ranks[index] = ranks[order[position - 1]]
        else:
            ranks[index] = position + 1
    return ranks


def _ranks(cards: Sequence[_Card], team: bool) -> dict[int, tuple[int, int]]:
    """Card index → (rank, group size) within the team (or department), for cards with a total."""
    groups: dict[GroupId, list[int]] = defaultdict(list)
    for index, card in enumerate(cards):
        group = card.person.team if team else card.person.department
        if group is not None and card.total is not None:
            groups[group].append(index)
    found: dict[int, tuple[int, int]] = {}
    for members in groups.values():
        ranks = competition_ranks([cards[index].total or 0 for index in members])
        for index, rank in zip(members, ranks, strict=True):
            found[index] = (rank, len(members))
    return found


def score_scorecards(
    *, templates: Mapping[str, ScorecardTemplate], people: Sequence[ScorecardInput]
) -> tuple[Scorecard, ...]:
    """Score everyone in one call: one card per person, in the order given, every figure explained.

    Each person names their template by its key in `templates`; ranks and
    forced distributions are computed over the people of this call.
    """
    compiled: dict[str, _Template] = {}
    seen: set[PersonId] = set()
    cards: list[_Card] = []
    for person in people:
        if person.person_id in seen:
            raise ScorecardError(
                f"the person {person.person_id!r} is given twice",
                code=ErrorCode.DUPLICATE_PERSON,
                field="people",
                person=person.person_id,
            )
        seen.add(person.person_id)
        template = compiled.get(person.template)
        if template is None:
            definition = templates.get(person.template)
            if definition is None:
                raise ScorecardError(
                    f"unknown scorecard template {person.template!r}",
                    code=ErrorCode.UNKNOWN_TEMPLATE,
                    field="template",
                    template=person.template,
                    person=person.person_id,
                )
            template = compiled[person.template] = _compile(definition)
        cards.append(_score_card(person, template))
    _apply_forced_distributions(cards)
    team_ranks = _ranks(cards, team=True)
    department_ranks = _ranks(cards, team=False)
    scorecards = []
    for index, card in enumerate(cards):
        codes = card.template.rating_codes
        team_rank, team_size = team_ranks.get(index, (None, 0))
        department_rank, department_size = department_ranks.get(index, (None, 0))
        scorecards.append(
            Scorecard(
                person_id=card.person.person_id,
                template=card.person.template,
                kpis=card.kpis,
                weights_counted=fixed(card.weights_counted),
                total_score=None if card.total is None else fixed(card.total),
                natural_rating=None if card.natural is None else codes[card.natural],
                rating=None if card.rating is None else codes[card.rating],
                team_rank=team_rank,
                team_size=team_size,
                department_rank=department_rank,
                department_size=department_size,
                explanation=tuple(card.steps),
            )
        )
    return tuple(scorecards)
