"""The scorecard engine: each rule by hand, missing values, ratings, distribution, ranks, invariants."""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesalign.engines.scoring import (
    STANDARD_KPIS,
    BandRule,
    Direction,
    DistributionScope,
    ErrorCode,
    ForcedDistribution,
    Formula,
    FormulaError,
    FormulaUndefined,
    InverseAttainment,
    KpiDefinition,
    KpiKind,
    KpiScore,
    LinearRule,
    MissingPolicy,
    RatingBand,
    ScoreBand,
    Scorecard,
    ScorecardError,
    ScorecardInput,
    ScorecardLine,
    ScorecardTemplate,
    Step,
    StepCode,
    competition_ranks,
    round_half_away_from_zero,
    score_scorecards,
    validate_template,
)

D = Decimal
REVENUE = STANDARD_KPIS["revenue"]
NEW_CUSTOMERS = STANDARD_KPIS["new_customers"]
GROSS_MARGIN = STANDARD_KPIS["gross_margin"]
COMPLAINTS = KpiDefinition(key="complaints", direction=Direction.LOWER_IS_BETTER)
TEAMWORK = KpiDefinition(
    key="teamwork", kind=KpiKind.RATING, scale_min=D(1), scale_max=D(5), decimals=1
)
STEPS_80_100_120 = BandRule(
    (ScoreBand(D(80), D(60)), ScoreBand(D(100), D(100)), ScoreBand(D(120), D(120)))
)


def template(*lines: ScorecardLine, **options: Any) -> ScorecardTemplate:
    return ScorecardTemplate(key="t", lines=lines, **options)


def only(kpi: KpiDefinition, **options: Any) -> ScorecardTemplate:
    """A template with one KPI weighing 100 %."""
    return template(ScorecardLine(kpi=kpi, weight=D(100), **options))


def person(person_id: int = 1, **fields: Any) -> ScorecardInput:
    fields.setdefault("template", "t")
    return ScorecardInput(person_id=person_id, **fields)


def score_one(tpl: ScorecardTemplate, **fields: Any) -> Scorecard:
    return score_scorecards(templates={"t": tpl}, people=[person(**fields)])[0]


def kpi_of(card: Scorecard, key: str = "revenue") -> KpiScore:
    return next(kpi for kpi in card.kpis if kpi.kpi == key)


def codes(steps: tuple[Step, ...]) -> list[StepCode]:
    return [step.code for step in steps]


def step(steps: tuple[Step, ...], code: StepCode) -> Step:
    return next(item for item in steps if item.code is code)


# --- the worked card of the module docstring ---------------------------------------------


def test_the_worked_card_of_the_module_docstring():
    tpl = template(
        ScorecardLine(kpi=REVENUE, weight=D(60)),
        ScorecardLine(kpi=NEW_CUSTOMERS, weight=D(40), rule=STEPS_80_100_120),
    )
    card = score_one(
        tpl,
        targets={"revenue": 100_000_000, "new_customers": 10},
        actuals={"revenue": 115_000_000, "new_customers": 9},
    )
    assert [(kpi.attainment, kpi.score, kpi.weighted_score) for kpi in card.kpis] == [
        (D("115.00"), D("115.00"), D("69.00")),
        (D("90.00"), D("60.00"), D("24.00")),
    ]
    assert (card.total_score, card.rating) == (D("93.00"), "B")
    without_target = score_one(
        tpl, targets={"revenue": 100_000_000}, actuals={"revenue": 115_000_000, "new_customers": 9}
    )
    assert (without_target.total_score, without_target.rating) == (D("115.00"), "A")


# --- attainment and the linear rule ------------------------------------------------------


def test_a_linear_score_is_the_attainment_read_as_points_with_the_weighting_explained():
    # 10,534 / 10,000 = 105.34 % → 105.34 points × 100 / 100 = 105.34.
    card = score_one(only(REVENUE), targets={"revenue": 10_000}, actuals={"revenue": 10_534})
    kpi = kpi_of(card)
    assert (kpi.attainment, kpi.score, kpi.weighted_score) == (
        D("105.34"),
        D("105.34"),
        D("105.34"),
    )
    assert codes(kpi.explanation) == [StepCode.ATTAINMENT, StepCode.LINEAR, StepCode.WEIGHTED]
    assert step(kpi.explanation, StepCode.ATTAINMENT).params == {
        "method": "actual_over_target",
        "actual": 10_534,
        "target": 10_000,
        "attainment": D("105.34"),
    }
    assert card.total_score == D("105.34")


def test_attainment_rounds_half_away_from_zero_to_a_hundredth_of_a_percent():
    # 2 / 3 = 66.666… % → 66.67; 1 / 8 = 12.5 % exactly; 1 / 16 = 6.25 %; 1 / 32 = 3.125 → 3.13.
    assert kpi_of(
        score_one(only(REVENUE), targets={"revenue": 3}, actuals={"revenue": 2})
    ).attainment == D("66.67")
    assert kpi_of(
        score_one(only(REVENUE), targets={"revenue": 32}, actuals={"revenue": 1})
    ).attainment == D("3.13")
    assert round_half_away_from_zero(-5, 2) == -3
    assert round_half_away_from_zero(5, -2) == -3
    assert round_half_away_from_zero(-4, 3) == -1


def test_the_linear_rule_clamps_to_its_cap_and_says_so():
    # 150 % → 150 points → cap 120.
    card = score_one(only(REVENUE), targets={"revenue": 100}, actuals={"revenue": 150})
    kpi = kpi_of(card)
    assert kpi.score == D("120.00")
    assert step(kpi.explanation, StepCode.CLAMPED_TO_CAP).params == {
        "unclamped": D("150.00"),
        "cap": D("120.00"),
    }


def test_the_linear_rule_lifts_a_low_score_to_its_floor():
    card = score_one(
        only(REVENUE, rule=LinearRule(floor=D(20), cap=D(150))),
        targets={"revenue": 100},
        actuals={"revenue": 5},
    )
    kpi = kpi_of(card)
    assert kpi.score == D("20.00")
    assert step(kpi.explanation, StepCode.CLAMPED_TO_FLOOR).params == {
        "unclamped": D("5.00"),
        "floor": D("20.00"),
    }


def test_below_zero_below_the_score_is_zero_whatever_the_floor_and_at_it_the_line_is_scored():
    rule = LinearRule(floor=D(30), cap=D(120), zero_below=D(50))
    below = kpi_of(
        score_one(only(REVENUE, rule=rule), targets={"revenue": 10_000}, actuals={"revenue": 4_999})
    )
    assert below.score == D("0.00")
    assert step(below.explanation, StepCode.ZERO_BELOW).params == {
        "attainment": D("49.99"),
        "zero_below": D("50.00"),
    }
    at = kpi_of(
        score_one(only(REVENUE, rule=rule), targets={"revenue": 10_000}, actuals={"revenue": 5_000})
    )
    assert at.score == D("50.00")


def test_negative_actuals_give_negative_attainment_that_the_floor_catches():
    # Returns larger than sales: −2,000 / 10,000 = −20 % → floor 0.
    kpi = kpi_of(score_one(only(REVENUE), targets={"revenue": 10_000}, actuals={"revenue": -2_000}))
    assert (kpi.attainment, kpi.score) == (D("-20.00"), D("0.00"))


# --- step bands --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "attainment", "score", "band"),
    [
        (10_000, D("100.00"), D("100.00"), 2),  # exactly 100 %: the band that starts there
        (9_999, D("99.99"), D("60.00"), 1),  # just below: the band below
        (12_000, D("120.00"), D("120.00"), 3),  # exactly 120 %
        (8_000, D("80.00"), D("60.00"), 1),  # exactly at the first band's start
    ],
)
def test_band_starts_are_inclusive_and_band_ends_exclusive(actual, attainment, score, band):
    kpi = kpi_of(
        score_one(
            only(REVENUE, rule=STEPS_80_100_120),
            targets={"revenue": 10_000},
            actuals={"revenue": actual},
        )
    )
    assert (kpi.attainment, kpi.score) == (attainment, score)
    assert step(kpi.explanation, StepCode.BAND).params["band"] == band


def test_a_band_step_names_its_bounds():
    kpi = kpi_of(
        score_one(
            only(REVENUE, rule=STEPS_80_100_120),
            targets={"revenue": 10_000},
            actuals={"revenue": 10_500},
        )
    )
    assert step(kpi.explanation, StepCode.BAND).params == {
        "attainment": D("105.00"),
        "band": 2,
        "from": D("100.00"),
        "to": D("120.00"),
        "score": D("100.00"),
    }


def test_bands_compare_the_attainment_as_shown_so_99_995_percent_is_in_the_100_band():
    # 199,990 / 200,000 = 99.995 % → shown 100.00 % → the 100 band (the page never disagrees).
    kpi = kpi_of(
        score_one(
            only(REVENUE, rule=STEPS_80_100_120),
            targets={"revenue": 200_000},
            actuals={"revenue": 199_990},
        )
    )
    assert (kpi.attainment, kpi.score) == (D("100.00"), D("100.00"))


def test_below_every_band_the_score_is_zero():
    kpi = kpi_of(
        score_one(
            only(REVENUE, rule=STEPS_80_100_120), targets={"revenue": 100}, actuals={"revenue": 79}
        )
    )
    assert kpi.score == D("0.00")
    assert step(kpi.explanation, StepCode.BELOW_ALL_BANDS).params == {
        "attainment": D("79.00"),
        "lowest": D("80.00"),
    }


# --- lower is better ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "attainment"),
    [
        (4, D("125.00")),  # 5 / 4
        (5, D("100.00")),
        (10, D("50.00")),  # 5 / 10
        (2, D("200.00")),  # 5 / 2 = 250 % → at most 200 %
        (0, D("200.00")),  # none at all: the best, the maximum
    ],
)
def test_lower_is_better_by_ratio_is_target_over_actual_capped_at_the_maximum(actual, attainment):
    kpi = kpi_of(
        score_one(
            only(COMPLAINTS, rule=LinearRule(cap=D(300))),
            targets={"complaints": 5},
            actuals={"complaints": actual},
        ),
        "complaints",
    )
    assert kpi.attainment == attainment
    assert kpi.score == attainment


def test_an_actual_of_zero_when_lower_is_better_says_it_took_the_maximum():
    kpi = kpi_of(
        score_one(only(COMPLAINTS), targets={"complaints": 5}, actuals={"complaints": 0}),
        "complaints",
    )
    assert step(kpi.explanation, StepCode.ATTAINMENT_AT_MAXIMUM).params == {
        "actual": 0,
        "maximum": D("200.00"),
    }
    assert kpi.score == D("120.00")  # 200 points, the linear cap 120


def test_a_ratio_capped_below_zero_actual_says_it_was_capped():
    kpi = kpi_of(
        score_one(only(COMPLAINTS), targets={"complaints": 5}, actuals={"complaints": 1}),
        "complaints",
    )
    assert step(kpi.explanation, StepCode.ATTAINMENT_CAPPED).params == {
        "uncapped": D("500.00"),
        "maximum": D("200.00"),
    }


@pytest.mark.parametrize(
    ("actual", "attainment", "score"),
    [
        (4, D("120.00"), D("120.00")),  # (2 − 4/5) = 1.2
        (6, D("80.00"), D("80.00")),  # (2 − 6/5) = 0.8
        (0, D("200.00"), D("120.00")),
        (12, D("-40.00"), D("0.00")),  # (2 − 12/5) = −0.4 → floor 0
    ],
)
def test_lower_is_better_by_mirror_adds_a_point_per_percent_under_target(actual, attainment, score):
    kpi = kpi_of(
        score_one(
            only(COMPLAINTS, inverse=InverseAttainment.MIRROR),
            targets={"complaints": 5},
            actuals={"complaints": actual},
        ),
        "complaints",
    )
    assert (kpi.attainment, kpi.score) == (attainment, score)
    assert step(kpi.explanation, StepCode.ATTAINMENT).params["method"] == "mirror"


# --- formulas ----------------------------------------------------------------------------


def test_a_formula_kpi_computes_its_actual_and_shows_the_operands():
    # 3,000 / 9,000 × 100 = 33.333… → 33.33 %; target 30 % → 33.33 / 30 = 111.1 % → 111.10.
    card = score_one(
        only(GROSS_MARGIN),
        targets={"gross_margin": D(30)},
        actuals={"gross_profit": 3_000, "revenue": 9_000},
    )
    kpi = kpi_of(card, "gross_margin")
    assert (kpi.actual, kpi.attainment, kpi.score) == (D("33.33"), D("111.10"), D("111.10"))
    assert step(kpi.explanation, StepCode.FORMULA).params == {
        "formula": "gross_profit / revenue * 100",
        "value": D("33.33"),
        "operand:gross_profit": 3_000,
        "operand:revenue": 9_000,
    }


def test_a_formula_with_a_zero_denominator_leaves_the_kpi_out_and_renormalises_the_weights():
    # Weights: revenue 40, new customers 20, gross margin 40. With no revenue the margin
    # cannot be computed, so it is left out and 40 + 20 = 60 % counts.
    # Revenue 0 / 10,000 = 0 % → 0 points → 0 × 40 / 60 = 0.
    # New customers 12 / 10 = 120 % → 120 points → 120 × 20 / 60 = 40.00. Total 40.00.
    tpl = template(
        ScorecardLine(kpi=REVENUE, weight=D(40)),
        ScorecardLine(kpi=NEW_CUSTOMERS, weight=D(20)),
        ScorecardLine(kpi=GROSS_MARGIN, weight=D(40), default_target=D(30)),
    )
    card = score_one(
        tpl,
        targets={"revenue": 10_000, "new_customers": 10},
        actuals={"revenue": 0, "gross_profit": 0, "new_customers": 12},
    )
    margin = kpi_of(card, "gross_margin")
    assert (margin.actual, margin.score, margin.weighted_score) == (None, None, None)
    assert codes(margin.explanation) == [
        StepCode.TARGET_FROM_TEMPLATE,
        StepCode.FORMULA_ZERO_DENOMINATOR,
        StepCode.MISSING_EXCLUDED,
    ]
    assert step(margin.explanation, StepCode.FORMULA_ZERO_DENOMINATOR).params == {
        "formula": "gross_profit / revenue * 100",
        "denominator": "revenue",
    }
    assert card.weights_counted == D("60.00")
    assert kpi_of(card, "new_customers").weighted_score == D("40.00")
    assert card.total_score == D("40.00")


def test_a_formula_with_a_missing_operand_names_it():
    card = score_one(only(GROSS_MARGIN), targets={"gross_margin": 30}, actuals={"revenue": 100})
    kpi = kpi_of(card, "gross_margin")
    assert step(kpi.explanation, StepCode.FORMULA_OPERAND_MISSING).params == {
        "formula": "gross_profit / revenue * 100",
        "operand": "gross_profit",
    }
    assert card.total_score is None


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("a + b * c", {"a": 1, "b": 2, "c": 3}, (7, 1)),
        ("(a + b) * c", {"a": 1, "b": 2, "c": 3}, (9, 1)),
        ("a - b - c", {"a": 10, "b": 2, "c": 3}, (5, 1)),  # left to right
        ("a / b / c", {"a": 12, "b": 2, "c": 3}, (2, 1)),
        ("-a + 2.5", {"a": D("0.5")}, (2, 1)),
        ("a / -b", {"a": 1, "b": 4}, (-1, 4)),
    ],
)
def test_formulas_follow_the_usual_precedence_exactly(text, values, expected):
    numerator, denominator = Formula.parse(text).value(values)
    assert denominator > 0
    assert numerator * expected[1] == expected[0] * denominator


@pytest.mark.parametrize(
    "text",
    ["", "revenue +", "(revenue", "revenue ** 2", "__import__('os')", "revenue; 1", "2 * 3", "a b"],
)
def test_formulas_that_are_not_plain_arithmetic_over_metrics_are_refused(text):
    with pytest.raises(FormulaError):
        Formula.parse(text)


def test_a_division_by_a_sub_expression_that_is_zero_names_that_sub_expression():
    formula = Formula.parse("gross_profit / (revenue - returns)")
    with pytest.raises(FormulaUndefined) as raised:
        formula.value({"gross_profit": 1, "revenue": 5, "returns": 5})
    assert raised.value.code is StepCode.FORMULA_ZERO_DENOMINATOR
    assert raised.value.detail == "(revenue - returns)"
    assert formula.operands == ("gross_profit", "revenue", "returns")


def test_a_template_with_a_broken_formula_is_refused():
    broken = KpiDefinition(key="margin", kind=KpiKind.FORMULA, formula="gross_profit //")
    with pytest.raises(ScorecardError) as raised:
        validate_template(only(broken))
    assert raised.value.code is ErrorCode.BAD_FORMULA
    assert raised.value.kpi == "margin"


# --- ratings entered by a manager ---------------------------------------------------------


def test_a_manager_rating_is_scored_against_the_templates_target():
    # 3.5 / 4 = 87.5 %.
    card = score_one(only(TEAMWORK, default_target=D(4)), ratings={"teamwork": D("3.5")})
    kpi = kpi_of(card, "teamwork")
    assert (kpi.actual, kpi.target, kpi.attainment) == (D("3.5"), D(4), D("87.50"))
    assert step(kpi.explanation, StepCode.TARGET_FROM_TEMPLATE).params == {"target": D(4)}


def test_a_rating_outside_its_scale_is_refused_naming_the_person():
    with pytest.raises(ScorecardError) as raised:
        score_one(only(TEAMWORK, default_target=D(4)), ratings={"teamwork": D(6)})
    assert raised.value.code is ErrorCode.RATING_OUTSIDE_SCALE
    assert (raised.value.person, raised.value.kpi) == (1, "teamwork")


# --- missing values ----------------------------------------------------------------------


def two_kpis(**options: Any) -> ScorecardTemplate:
    return template(
        ScorecardLine(kpi=REVENUE, weight=D(60)),
        ScorecardLine(kpi=TEAMWORK, weight=D(40), default_target=D(4)),
        **options,
    )


def test_a_rating_not_entered_is_left_out_and_the_other_weights_renormalised():
    # Revenue 110 % → 110 points × 60 / 60 = 110.00; teamwork left out.
    card = score_one(two_kpis(), targets={"revenue": 1_000}, actuals={"revenue": 1_100})
    teamwork = kpi_of(card, "teamwork")
    assert teamwork.score is None
    assert not teamwork.counted
    assert codes(teamwork.explanation) == [
        StepCode.TARGET_FROM_TEMPLATE,
        StepCode.RATING_MISSING,
        StepCode.MISSING_EXCLUDED,
    ]
    assert card.weights_counted == D("60.00")
    assert card.total_score == D("110.00")
    assert step(card.explanation, StepCode.TOTAL).params == {
        "total_score": D("110.00"),
        "weights_counted": D("60.00"),
        "kpis_counted": 1,
        "kpis": 2,
    }


def test_with_score_zero_a_missing_kpi_scores_zero_and_keeps_its_weight():
    # 110 × 60 / 100 = 66.00; teamwork 0 × 40 / 100 = 0.
    card = score_one(
        two_kpis(missing=MissingPolicy.SCORE_ZERO),
        targets={"revenue": 1_000},
        actuals={"revenue": 1_100},
    )
    assert kpi_of(card, "teamwork").score == D("0.00")
    assert StepCode.MISSING_SCORED_ZERO in codes(kpi_of(card, "teamwork").explanation)
    assert card.total_score == D("66.00")


def test_a_missing_or_zero_target_is_not_attainable_and_is_left_out():
    tpl = template(
        ScorecardLine(kpi=REVENUE, weight=D(50)), ScorecardLine(kpi=NEW_CUSTOMERS, weight=D(50))
    )
    card = score_one(tpl, targets={"new_customers": 0}, actuals={"revenue": 5, "new_customers": 3})
    assert codes(kpi_of(card, "revenue").explanation) == [
        StepCode.TARGET_MISSING,
        StepCode.MISSING_EXCLUDED,
    ]
    assert step(kpi_of(card, "new_customers").explanation, StepCode.TARGET_NOT_POSITIVE).params == {
        "target": 0
    }
    assert card.total_score is None
    assert card.rating is None
    assert codes(card.explanation) == [StepCode.NOTHING_MEASURED]


def test_an_actual_of_zero_is_a_result_not_a_missing_value():
    card = score_one(only(REVENUE), targets={"revenue": 1_000}, actuals={"revenue": 0})
    assert card.total_score == D("0.00")
    assert card.rating == "D"


# --- weights -----------------------------------------------------------------------------


def test_weights_that_do_not_total_100_are_refused_with_their_total():
    tpl = template(
        ScorecardLine(kpi=REVENUE, weight=D(60)), ScorecardLine(kpi=NEW_CUSTOMERS, weight=D(30))
    )
    with pytest.raises(ScorecardError) as raised:
        validate_template(tpl)
    assert raised.value.code is ErrorCode.WEIGHTS_NOT_100
    assert raised.value.params == {"total": D("90.00")}
    assert "90.00 %" in str(raised.value)


@pytest.mark.parametrize(
    ("weight", "code"),
    [(D(0), ErrorCode.WEIGHT_NOT_POSITIVE), (D("33.333"), ErrorCode.BAD_NUMBER)],
)
def test_weights_are_positive_hundredths_of_a_percent(weight, code):
    tpl = template(
        ScorecardLine(kpi=REVENUE, weight=D(100) - weight),
        ScorecardLine(kpi=NEW_CUSTOMERS, weight=weight),
    )
    with pytest.raises(ScorecardError) as raised:
        validate_template(tpl)
    assert raised.value.code is code


def test_the_total_is_the_sum_of_the_weighted_scores_as_shown():
    # Weights 33.33 / 33.33 / 33.34. Scores 100.01, 100.01, 100.01:
    # 100.01 × 33.33 / 100 = 33.333333 → 33.33 (twice); × 33.34 = 33.343334 → 33.34.
    # Total 100.00, not the 100.01 of the unrounded sum.
    tpl = template(
        ScorecardLine(kpi=REVENUE, weight=D("33.33")),
        ScorecardLine(kpi=NEW_CUSTOMERS, weight=D("33.33")),
        ScorecardLine(kpi=STANDARD_KPIS["order_count"], weight=D("33.34")),
    )
    card = score_one(
        tpl,
        targets={"revenue": 10_000, "new_customers": 10_000, "order_count": 10_000},
        actuals={"revenue": 10_001, "new_customers": 10_001, "order_count": 10_001},
    )
    assert [kpi.weighted_score for kpi in card.kpis] == [D("33.33"), D("33.33"), D("33.34")]
    assert card.total_score == D("100.00")


def test_a_kpi_twice_on_a_template_is_refused():
    tpl = template(
        ScorecardLine(kpi=REVENUE, weight=D(50)), ScorecardLine(kpi=REVENUE, weight=D(50))
    )
    with pytest.raises(ScorecardError) as raised:
        validate_template(tpl)
    assert raised.value.code is ErrorCode.DUPLICATE_KPI


# --- rating bands ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "rating"),
    [
        (12_000, "S"),  # 120.00 exactly
        (11_999, "A"),
        (10_000, "A"),  # 100.00 exactly
        (9_999, "B"),
        (8_000, "B"),
        (6_000, "C"),
        (5_999, "D"),
    ],
)
def test_rating_bands_take_their_minimum_score_inclusively(actual, rating):
    card = score_one(only(REVENUE), targets={"revenue": 10_000}, actuals={"revenue": actual})
    assert card.rating == card.natural_rating == rating


def test_the_rating_step_names_the_band_minimum():
    card = score_one(only(REVENUE), targets={"revenue": 10_000}, actuals={"revenue": 10_000})
    assert step(card.explanation, StepCode.RATING).params == {
        "total_score": D("100.00"),
        "rating": "A",
        "min_score": D("100.00"),
    }
    worst = score_one(only(REVENUE), targets={"revenue": 10_000}, actuals={"revenue": 1})
    assert step(worst.explanation, StepCode.RATING).params["min_score"] == ""


@pytest.mark.parametrize(
    "bands",
    [
        (RatingBand("A", D(100)), RatingBand("B", D(80))),  # the last has a minimum
        (RatingBand("A", None), RatingBand("B", None)),  # only the last may lack one
        (RatingBand("A", D(80)), RatingBand("B", D(100)), RatingBand("C", None)),  # not decreasing
        (RatingBand("A", D(100)), RatingBand("A", None)),  # the same code twice
    ],
)
def test_rating_bands_go_best_first_and_only_the_last_has_no_minimum(bands):
    with pytest.raises(ScorecardError) as raised:
        validate_template(replace(only(REVENUE), rating_bands=bands))
    assert raised.value.code is ErrorCode.BAD_RATING_BANDS


# --- forced distribution -----------------------------------------------------------------


def distributed(
    scores: list[int], *, distribution: ForcedDistribution, teams: list[int] | None = None
) -> tuple[Scorecard, ...]:
    """One person per score (revenue attainment = score, cap high enough to keep it)."""
    tpl = only(REVENUE, rule=LinearRule(cap=D(500)))
    tpl = replace(tpl, forced_distribution=distribution)
    people = [
        person(
            index,
            team=(teams[index] if teams else 1),
            department=1,
            targets={"revenue": 100},
            actuals={"revenue": score},
        )
        for index, score in enumerate(scores)
    ]
    return score_scorecards(templates={"t": tpl}, people=people)


SA_CAPS = ForcedDistribution({"S": D(10), "A": D(20)})


def test_a_forced_distribution_moves_people_down_in_score_order_when_a_band_is_full():
    # Ten people: S at most 10 % → 1, A at most 20 % → 2.
    # Natural: S S S A A A A B B D. 130 keeps S; 125 and 121 fill A; 110 (A) and the rest → B.
    cards = distributed([130, 125, 121, 110, 105, 104, 103, 90, 80, 50], distribution=SA_CAPS)
    assert [card.natural_rating for card in cards] == list("SSSAAAABBD")
    assert [card.rating for card in cards] == list("SAABBBBBBD")
    assert step(cards[1].explanation, StepCode.FORCED_DISTRIBUTION).params == {
        "natural": "S",
        "rating": "A",
        "max_percent": D("10.00"),
        "allowed": 1,
        "group_size": 10,
        "scope": DistributionScope.ALL,
    }
    assert StepCode.FORCED_DISTRIBUTION not in codes(cards[0].explanation)
    assert [card.total_score for card in cards][:2] == [D("130.00"), D("125.00")]  # scores stay


def test_a_tie_group_that_does_not_fit_moves_down_together():
    # Ten people, one S allowed; two tie at 130 → neither gets S, both get A (two A allowed).
    # The next, 125, finds A full and gets B.
    cards = distributed([130, 130, 125, 100, 90, 90, 90, 90, 90, 90], distribution=SA_CAPS)
    assert [card.rating for card in cards[:3]] == ["A", "A", "B"]


def test_the_allowed_count_rounds_down():
    # Five people: 10 % of 5 = 0.5 → no S at all; 20 % of 5 = 1 A.
    cards = distributed([130, 125, 110, 105, 50], distribution=SA_CAPS)
    assert [card.rating for card in cards] == ["A", "B", "B", "B", "D"]


def test_a_distribution_by_team_caps_each_team_on_its_own():
    by_team = ForcedDistribution({"S": D(50)}, scope=DistributionScope.TEAM)
    cards = distributed([130, 125, 130, 121], distribution=by_team, teams=[1, 1, 2, 2])
    assert [card.rating for card in cards] == ["S", "A", "S", "A"]


def test_the_worst_rating_cannot_be_capped():
    tpl = replace(only(REVENUE), forced_distribution=ForcedDistribution({"D": D(10)}))
    with pytest.raises(ScorecardError) as raised:
        validate_template(tpl)
    assert raised.value.code is ErrorCode.BAD_DISTRIBUTION


# --- ranks -------------------------------------------------------------------------------


def test_ranks_are_competition_ranks_within_the_team_and_the_department():
    # Team 1: 90, 80, 80, 70 → 1, 2, 2, 4. Team 2: 85 → 1.
    # Department (all five): 90, 85, 80, 80, 70 → 1, 3, 3, 5 for team 1 and 2 for 85.
    scores = [90, 80, 80, 70, 85]
    cards = distributed(scores, distribution=ForcedDistribution({}), teams=[1, 1, 1, 1, 2])
    assert [card.team_rank for card in cards] == [1, 2, 2, 4, 1]
    assert [card.team_size for card in cards] == [4, 4, 4, 4, 1]
    assert [card.department_rank for card in cards] == [1, 3, 3, 5, 2]
    assert {card.department_size for card in cards} == {5}


def test_people_without_a_total_are_not_ranked_and_do_not_count_in_the_size():
    tpl = only(REVENUE)
    people = [
        person(1, team=7, targets={"revenue": 100}, actuals={"revenue": 90}),
        person(2, team=7, targets={}, actuals={"revenue": 50}),
        person(3, targets={"revenue": 100}, actuals={"revenue": 100}),  # no team
    ]
    cards = score_scorecards(templates={"t": tpl}, people=people)
    assert [(card.team_rank, card.team_size) for card in cards] == [(1, 1), (None, 0), (None, 0)]


def test_competition_ranks_skip_after_ties():
    assert competition_ranks([5, 9, 5, 1, 9]) == [3, 1, 3, 5, 1]
    assert competition_ranks([]) == []


# --- plain text options ------------------------------------------------------------------


def test_options_given_as_plain_text_work_like_the_enums():
    # What a service reads from model fields: "rating" rather than KpiKind.RATING.
    kpi = KpiDefinition(
        key="teamwork", kind="rating", direction="lower_is_better", scale_min=D(1), scale_max=D(5)
    )
    tpl = template(
        ScorecardLine(kpi=kpi, weight=D(100), default_target=D(4), inverse="mirror"),
        missing="score_zero",
        forced_distribution=ForcedDistribution({}, scope="team"),
    )
    # Lower is better, mirrored: 2 − 3 / 4 = 125 % → capped at 120.
    assert kpi_of(score_one(tpl, ratings={"teamwork": 3}), "teamwork").attainment == D("125.00")
    assert score_one(tpl).total_score == D("0.00")  # no rating: scored 0


# --- the call ----------------------------------------------------------------------------


def test_each_person_is_scored_with_their_own_template_in_the_order_given():
    other = template(ScorecardLine(kpi=NEW_CUSTOMERS, weight=D(100)))
    cards = score_scorecards(
        templates={"t": only(REVENUE), "hunters": other},
        people=[
            person(
                2, template="hunters", targets={"new_customers": 4}, actuals={"new_customers": 5}
            ),
            person(1, targets={"revenue": 4}, actuals={"revenue": 3}),
        ],
    )
    assert [(card.person_id, card.template, card.total_score) for card in cards] == [
        (2, "hunters", D("120.00")),  # 125 % capped at 120
        (1, "t", D("75.00")),
    ]


def test_a_person_twice_or_an_unknown_template_is_refused():
    with pytest.raises(ScorecardError) as twice:
        score_scorecards(templates={"t": only(REVENUE)}, people=[person(1), person(1)])
    assert twice.value.code is ErrorCode.DUPLICATE_PERSON
    with pytest.raises(ScorecardError) as unknown:
        score_scorecards(templates={}, people=[person(1)])
    assert unknown.value.code is ErrorCode.UNKNOWN_TEMPLATE


def test_steps_turn_into_json_with_decimals_as_text():
    card = score_one(only(REVENUE), targets={"revenue": 3}, actuals={"revenue": 2})
    assert kpi_of(card).explanation[0].as_json() == {
        "code": "attainment",
        "params": {
            "method": "actual_over_target",
            "actual": 2,
            "target": 3,
            "attainment": "66.67",
        },
    }


# --- invariants --------------------------------------------------------------------------

RULES = st.one_of(
    st.builds(
        lambda floor, width, zero_below: LinearRule(
            floor=D(floor), cap=D(floor + width), zero_below=zero_below
        ),
        st.integers(0, 80),
        st.integers(0, 100),
        st.none() | st.integers(0, 100).map(D),
    ),
    st.lists(st.integers(0, 200), min_size=1, max_size=4, unique=True).map(
        lambda starts: BandRule(
            tuple(ScoreBand(D(start), D(start // 2 + 10)) for start in sorted(starts))
        )
    ),
)
VALUES = (
    st.none()
    | st.integers(-1_000, 100_000)
    | st.decimals(min_value=-10, max_value=1_000, places=2, allow_nan=False, allow_infinity=False)
)


@st.composite
def scoring_cases(draw: st.DrawFn) -> tuple[ScorecardTemplate, list[ScorecardInput]]:
    kpis = [REVENUE, NEW_CUSTOMERS, COMPLAINTS, GROSS_MARGIN]
    chosen = draw(
        st.lists(st.sampled_from(kpis), min_size=1, max_size=4, unique_by=lambda k: k.key)
    )
    cuts = sorted(
        draw(
            st.lists(
                st.integers(1, 99), min_size=len(chosen) - 1, max_size=len(chosen) - 1, unique=True
            )
        )
    )
    weights = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    lines = tuple(
        ScorecardLine(
            kpi=kpi,
            weight=D(weight),
            rule=draw(RULES),
            inverse=draw(st.sampled_from(list(InverseAttainment))),
        )
        for kpi, weight in zip(chosen, weights, strict=True)
    )
    tpl = ScorecardTemplate(
        key="t",
        lines=lines,
        forced_distribution=draw(st.none() | st.just(SA_CAPS)),
        missing=draw(st.sampled_from(list(MissingPolicy))),
    )
    metrics = ["revenue", "new_customers", "complaints", "gross_profit"]
    people = [
        ScorecardInput(
            person_id=index,
            template="t",
            team=draw(st.integers(1, 3)),
            department=1,
            targets={kpi.key: draw(VALUES) for kpi in chosen},
            actuals={metric: draw(VALUES) for metric in metrics},
        )
        for index in range(draw(st.integers(1, 12)))
    ]
    return tpl, people


@settings(max_examples=150, deadline=None)
@given(case=scoring_cases(), seed=st.integers(0, 1_000))
def test_scores_stay_in_their_rule_and_the_total_adds_up_in_any_input_order(case, seed):
    tpl, people = case
    cards = score_scorecards(templates={"t": tpl}, people=people)
    for card in cards:
        for line, kpi in zip(tpl.lines, card.kpis, strict=True):
            if kpi.score is None:
                continue
            if kpi.attainment is None:  # not measured, and the template scores that 0
                assert tpl.missing is MissingPolicy.SCORE_ZERO
                assert kpi.score == 0
            elif isinstance(line.rule, LinearRule):
                assert kpi.score == 0 or line.rule.floor <= kpi.score <= line.rule.cap
                if line.rule.zero_below is None:
                    assert line.rule.floor <= kpi.score <= line.rule.cap
            else:
                assert kpi.score in {D(0)} | {band.score for band in line.rule.bands}
        counted = [kpi.weighted_score for kpi in card.kpis if kpi.weighted_score is not None]
        if card.total_score is not None:
            assert card.total_score == sum(counted, D(0))
        else:
            assert counted == [] and card.rating is None and card.team_rank is None
    shuffled = list(people)
    random.Random(seed).shuffle(shuffled)
    again = {
        card.person_id: card for card in score_scorecards(templates={"t": tpl}, people=shuffled)
    }
    assert all(again[card.person_id] == card for card in cards)


@settings(max_examples=150, deadline=None)
@given(scores=st.lists(st.integers(0, 200), min_size=1, max_size=40))
def test_a_forced_distribution_never_exceeds_a_cap_and_gives_equal_scores_equal_ratings(scores):
    cards = distributed(scores, distribution=SA_CAPS)
    size = len(cards)
    assert sum(card.rating == "S" for card in cards) <= size * 10 // 100
    assert sum(card.rating == "A" for card in cards) <= size * 20 // 100
    order = "SABCD"
    by_score: dict[Decimal | None, set[str | None]] = {}
    for card in cards:
        by_score.setdefault(card.total_score, set()).add(card.rating)
        assert order.index(card.rating) >= order.index(card.natural_rating)  # only ever lowered
    assert all(len(ratings) == 1 for ratings in by_score.values())
    totals = [card.total_score or D(0) for card in cards]  # everyone has one here
    for card, total in zip(cards, totals, strict=True):  # a better score never rates worse
        assert all(
            order.index(other.rating) >= order.index(card.rating)
            for other, other_total in zip(cards, totals, strict=True)
            if other_total < total
        )


@given(scores=st.lists(st.integers(-50, 50), max_size=30))
def test_a_competition_rank_is_one_plus_the_number_of_strictly_higher_scores(scores):
    ranks = competition_ranks(scores)
    assert ranks == [1 + sum(other > score for other in scores) for score in scores]


def test_a_units_default_target_of_a_summing_kpi_counts_once_per_salesperson():
    # New customers: the template's 2 is a salesperson's; a team of 11 has 22 to reach.
    # Gross margin is a rate: the template's 30 % is the team's too.
    tpl = template(
        ScorecardLine(kpi=NEW_CUSTOMERS, weight=D(50), default_target=D(2)),
        ScorecardLine(kpi=GROSS_MARGIN, weight=D(50), default_target=D(30)),
    )
    actuals = {"new_customers": 11, "revenue": 1_000, "gross_profit": 300}
    team = score_one(tpl, people=11, actuals=actuals)
    new = kpi_of(team, "new_customers")
    assert (new.target, new.attainment) == (D(22), D("50.00"))
    assert step(new.explanation, StepCode.TARGET_FROM_TEMPLATE_FOR_PEOPLE).params == {
        "target": D(2),
        "people": 11,
        "total": D(22),
    }
    margin = kpi_of(team, "gross_margin")
    assert margin.target == D(30)
    assert codes(margin.explanation)[0] is StepCode.TARGET_FROM_TEMPLATE
    # A salesperson's own card: the template's target as it is.
    one = kpi_of(score_one(tpl, actuals=actuals), "new_customers")
    assert (one.target, codes(one.explanation)[0]) == (D(2), StepCode.TARGET_FROM_TEMPLATE)
