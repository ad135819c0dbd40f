"""Reasonableness checks on targets: history, market, peers, the cascade and SMART."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesalign.engines.checks import SmartCriterion
from salesalign.engines.reasonableness import (
    SEVERITY_OF,
    SMART_CRITERION_OF,
    Amount,
    Finding,
    FindingCode,
    Key,
    ReasonablenessInputs,
    Severity,
    TargetLine,
    Thresholds,
    check_children_add_up,
    check_goals_covered,
    check_growth_against_market,
    check_growth_against_trend,
    check_peers,
    check_people_without_target,
    check_target_smart,
    check_targets,
    check_targets_smart,
    market_factor_of,
    trend_projection,
)

PLAN_YEAR = 2026
STEADY = {2023: 100, 2024: 110, 2025: 120}  # the least-squares line reaches 130 in 2026


def line(key: Key, amount: Amount | None, **fields: Any) -> TargetLine:
    return TargetLine(key=key, amount=amount, **fields)


def codes(findings: Iterable[Finding]) -> list[tuple[Key | None, FindingCode]]:
    return [(finding.key, finding.code) for finding in findings]


def trend(
    amount: Amount, history: Mapping[int, Amount] = STEADY, **thresholds: Any
) -> tuple[Finding, ...]:
    return check_growth_against_trend(
        [line(("p",), amount, history=history)],
        plan_year=PLAN_YEAR,
        thresholds=Thresholds(**thresholds),
    )


# ---------------------------------------------------------------- trend


def test_the_trend_is_the_least_squares_line_projected_to_the_plan_year():
    assert trend_projection(STEADY, plan_year=PLAN_YEAR, years=3) == 130
    # Least squares uses the middle year too; CAGR from 100 to 120 would ignore the 160.
    assert trend_projection(
        {2023: 100, 2024: 160, 2025: 120}, plan_year=PLAN_YEAR, years=3
    ) == Fraction(440, 3)


def test_the_trend_only_uses_the_years_of_its_window():
    noisy = {**STEADY, 2019: 5_000_000, 2026: 1, 2027: 9}
    assert trend_projection(noisy, plan_year=PLAN_YEAR, years=3) == 130
    assert trend_projection(STEADY, plan_year=PLAN_YEAR, years=2) == 130
    assert trend_projection({2025: 120}, plan_year=PLAN_YEAR, years=3) is None


def test_growth_exactly_thirty_points_over_the_trend_is_not_flagged():
    # base 120, trend 130: 166 is (166 - 130) / 120 = 0.30 over the trend growth.
    assert trend(166) == ()


def test_growth_just_over_thirty_points_above_the_trend_is_flagged_with_its_numbers():
    assert trend(167) == (
        Finding(
            FindingCode.GROWTH_ABOVE_TREND,
            ("p",),
            {
                "base_year": 2025,
                "base": 120,
                "trend_value": Decimal("130.00"),
                "target_growth": Decimal("0.3917"),
                "trend_growth": Decimal("0.0833"),
                "difference": Decimal("0.3083"),
                "threshold": Decimal("0.30"),
            },
        ),
    )


def test_growth_exactly_ten_points_under_the_trend_is_not_flagged():
    assert trend(118) == ()


def test_growth_just_under_ten_points_below_the_trend_is_flagged():
    (finding,) = trend(117)
    assert finding.code is FindingCode.GROWTH_BELOW_TREND
    assert finding.params["difference"] == Decimal("-0.1083")
    assert finding.params["threshold"] == Decimal("-0.10")


def test_the_trend_thresholds_are_parameters():
    assert trend(150, above_trend=Decimal("0.10")) != ()
    assert trend(150) == ()
    assert trend(100, below_trend=Decimal("-0.50")) == ()


def test_a_target_flat_on_a_falling_trend_is_above_it():
    (finding,) = trend(100, history={2023: 300, 2024: 200, 2025: 100})
    assert finding.code is FindingCode.GROWTH_ABOVE_TREND
    assert finding.params["trend_growth"] == Decimal("-1.0000")


@pytest.mark.parametrize(
    ("history", "years"),
    [
        ({}, 0),
        ({2025: 120}, 1),
        ({2023: 100, 2024: 110}, 2),  # no base: last year is missing
        ({2024: 100, 2025: 0}, 2),  # no base: nothing sold last year
        ({2019: 100, 2020: 100, 2025: 120}, 1),  # old years are outside the window
    ],
)
def test_without_a_trend_and_a_base_the_line_is_only_marked_unknown(history, years):
    assert trend(500, history=history) == (
        Finding(FindingCode.TREND_UNKNOWN, ("p",), {"years": years}),
    )
    assert trend(500, history=history)[0].severity is Severity.INFO


def test_lines_without_history_given_or_without_a_number_are_not_judged_on_trend():
    lines = [line(("a",), 900), line(("b",), None, history=STEADY)]
    assert check_growth_against_trend(lines, plan_year=PLAN_YEAR) == ()


def test_a_satisfaction_level_is_judged_against_its_own_trend():
    history = {2023: Decimal("4.0"), 2024: Decimal("4.1"), 2025: Decimal("4.2")}
    assert trend(Decimal("4.3"), history=history) == ()
    (finding,) = trend(Decimal("3.5"), history=history)
    assert finding.code is FindingCode.GROWTH_BELOW_TREND


WHOLE_HISTORIES = st.dictionaries(
    st.integers(2019, 2027), st.integers(-5_000, 10**12) | st.integers(-3, 3), max_size=6
)


@settings(max_examples=300)
@given(
    amount=st.integers(0, 10**12) | st.integers(0, 300),
    history=WHOLE_HISTORIES,
    years=st.integers(2, 5),
    above=st.decimals("0", "2", places=3),
    below=st.decimals("-1", "0", places=3),
)
def test_whole_numbers_are_judged_on_trend_exactly_as_fractions_are(
    amount, history, years, above, below
):
    # Whole numbers take a faster path than Decimals; both must find the same, to the digit.
    limits = Thresholds(trend_years=years, above_trend=above, below_trend=below)
    whole = check_growth_against_trend(
        [line(("p",), amount, history=history)], plan_year=PLAN_YEAR, thresholds=limits
    )
    exact = check_growth_against_trend(
        [line(("p",), Decimal(amount), history=history)], plan_year=PLAN_YEAR, thresholds=limits
    )
    assert whole == exact


def test_a_salesperson_at_work_part_of_the_plan_year_is_not_compared_with_a_whole_year():
    factors = {("product_line", "A"): Decimal("1.10")}
    leaving = [
        line(("p",), 30, history=STEADY, person=1, headcount=Decimal("0.25")),
        line(
            ("p", "A"),
            30,
            history={2025: 120},
            person=1,
            headcount=Decimal("0.25"),
            dimensions={"product_line": "A"},
        ),
    ]
    assert check_growth_against_trend(leaving, plan_year=PLAN_YEAR) == ()
    assert check_growth_against_market(leaving, plan_year=PLAN_YEAR, market_factors=factors) == ()
    # The same target for someone there all year is a fall of 75 %.
    whole = [dataclasses.replace(item, headcount=Decimal(1)) for item in leaving]
    assert codes(check_growth_against_trend(whole, plan_year=PLAN_YEAR)) == [
        (("p",), FindingCode.GROWTH_BELOW_TREND),
        (("p", "A"), FindingCode.TREND_UNKNOWN),
    ]


# ---------------------------------------------------------------- said once, on the parent

FAMILY_YEARS = {2023: 80, 2024: 90, 2025: 100}  # trend: 110 in 2026, +10 %


def family(amounts: Mapping[str, Amount], parent_amount: Amount, **fields: Any) -> list[TargetLine]:
    """A person and their product lines, each with the same steady history."""
    children = [
        line(("p", name), amount, parent=("p",), history=FAMILY_YEARS, **fields)
        for name, amount in amounts.items()
    ]
    parent_history = {year: value * len(amounts) for year, value in FAMILY_YEARS.items()}
    return [line(("p",), parent_amount, history=parent_history), *children]


def test_lines_above_their_trend_as_their_parent_is_are_not_flagged_again():
    # The person grows +100 % on a +10 % trend, and so does each product line: said once.
    lines = family({"a": 200, "b": 200, "c": 190}, 590)
    assert codes(check_growth_against_trend(lines, plan_year=PLAN_YEAR)) == [
        (("p",), FindingCode.GROWTH_ABOVE_TREND)
    ]


def test_a_line_unlike_the_rest_of_its_family_is_still_flagged():
    # One raised by hand, the others on their trend: the raise is where it was typed.
    lines = family({"a": 300, "b": 110, "c": 110}, 520)
    assert codes(check_growth_against_trend(lines, plan_year=PLAN_YEAR)) == [
        (("p",), FindingCode.GROWTH_ABOVE_TREND),
        (("p", "a"), FindingCode.GROWTH_ABOVE_TREND),
    ]
    # Off the other way from a parent above its trend: below its own, shown.
    lines = family({"a": 300, "b": 300, "c": 60}, 660)
    assert (("p", "c"), FindingCode.GROWTH_BELOW_TREND) in codes(
        check_growth_against_trend(lines, plan_year=PLAN_YEAR)
    )


def test_a_newcomers_lines_do_not_each_say_the_trend_is_unknown():
    lines = [
        line(("p",), 500, history={2025: 40}),
        line(("p", "a"), 300, parent=("p",), history={2025: 30}),
        line(("p", "b"), 200, parent=("p",), history={2025: 10}),
    ]
    assert codes(check_growth_against_trend(lines, plan_year=PLAN_YEAR)) == [
        (("p",), FindingCode.TREND_UNKNOWN)
    ]


def test_lines_off_their_market_as_their_family_is_are_said_once_on_the_parent():
    factors = {("product_line", "a"): Decimal("1.10"), ("product_line", "b"): Decimal("1.30")}

    def lines_for(a: int, b: int) -> list[TargetLine]:
        return [
            line(("p",), a + b),
            line(
                ("p", "a"), a, parent=("p",), history={2025: 100}, dimensions={"product_line": "a"}
            ),
            line(
                ("p", "b"), b, parent=("p",), history={2025: 300}, dimensions={"product_line": "b"}
            ),
        ]

    # Both product lines grow 75 points above their markets: one finding on the person,
    # +100 % against their markets weighted by last year's sales:
    # (100 × 1.10 + 300 × 1.30) / 400 = 1.25, +25 %.
    found = check_growth_against_market(
        lines_for(185, 615), plan_year=PLAN_YEAR, market_factors=factors
    )
    assert codes(found) == [(("p",), FindingCode.GROWTH_ABOVE_MARKET)]
    assert found[0].params["target_growth"] == Decimal("1.0000")
    assert found[0].params["market_growth"] == Decimal("0.2500")
    assert found[0].params["difference"] == Decimal("0.7500")
    # Only "a" far above its market, "b" at it: "a" is flagged, and nothing on the person.
    found = check_growth_against_market(
        lines_for(200, 390), plan_year=PLAN_YEAR, market_factors=factors
    )
    assert codes(found) == [(("p", "a"), FindingCode.GROWTH_ABOVE_MARKET)]
    # Both at their markets: nothing at all.
    assert (
        check_growth_against_market(
            lines_for(110, 390), plan_year=PLAN_YEAR, market_factors=factors
        )
        == ()
    )


# ---------------------------------------------------------------- market

FACTORS = {("product_line", "A"): Decimal("1.10"), ("region", "north"): Decimal("1.05")}


def market(
    amount: Amount,
    dimensions: Mapping[str, str | int] | None = None,
    base: int = 120,
    **thresholds: Any,
) -> tuple[Finding, ...]:
    return check_growth_against_market(
        [
            line(
                ("p", "A"),
                amount,
                history={2025: base},
                dimensions=dimensions if dimensions is not None else {"product_line": "A"},
            )
        ],
        plan_year=PLAN_YEAR,
        market_factors=FACTORS,
        thresholds=Thresholds(**thresholds),
    )


@pytest.mark.parametrize("amount", [120, 132, 144])
def test_growth_within_ten_points_of_the_market_factor_is_fine(amount):
    # base 120, market +10 %: target growth from 0 % to 20 % is within the tolerance.
    assert market(amount) == ()


def test_growth_just_over_the_market_tolerance_is_flagged():
    assert market(145) == (
        Finding(
            FindingCode.GROWTH_ABOVE_MARKET,
            ("p", "A"),
            {
                "base_year": 2025,
                "target_growth": Decimal("0.2083"),
                "market_growth": Decimal("0.1000"),
                "difference": Decimal("0.1083"),
                "tolerance": Decimal("0.10"),
                "axes": "product_line",
            },
        ),
    )


def test_growth_just_under_the_market_tolerance_is_flagged():
    (finding,) = market(119)
    assert finding.code is FindingCode.GROWTH_BELOW_MARKET
    assert finding.params["difference"] == Decimal("-0.1083")


@settings(max_examples=300)
@given(
    amount=st.integers(0, 10**12) | st.integers(0, 300),
    base=st.integers(-3, 10**12) | st.integers(1, 300),
    factors=st.lists(st.decimals("0", "3", places=4), min_size=1, max_size=2),
    tolerance=st.decimals("0", "1", places=3),
)
def test_whole_numbers_are_judged_on_the_market_exactly_as_fractions_are(
    amount, base, factors, tolerance
):
    market_factors = dict(zip([("product_line", "A"), ("region", "B")], factors, strict=False))
    dimensions = {"product_line": "A", "region": "B"}

    def judged(value: Amount) -> tuple[Finding, ...]:
        return check_growth_against_market(
            [line(("p",), value, history={2025: base}, dimensions=dimensions)],
            plan_year=PLAN_YEAR,
            market_factors=market_factors,
            thresholds=Thresholds(market_tolerance=tolerance),
        )

    assert judged(amount) == judged(Decimal(amount))


def test_the_factors_of_each_dimension_multiply():
    dimensions = {"product_line": "A", "region": "north", "segment": "smb"}
    assert market_factor_of(line(("x",), 1, dimensions=dimensions), FACTORS) == (
        Decimal("1.1550"),
        ("product_line", "region"),
    )
    # base 1,000 and +15.5 %: 1,255 is exactly 10 points over, 1,256 is beyond.
    assert market(1255, dimensions, base=1000) == ()
    (finding,) = market(1256, dimensions, base=1000)
    assert finding.params["axes"] == "product_line,region"
    assert finding.params["market_growth"] == Decimal("0.1550")


def test_the_market_tolerance_is_a_parameter():
    assert market(132, market_tolerance=Decimal(0)) == ()
    assert market(133, market_tolerance=Decimal(0)) != ()


def test_no_market_finding_without_a_factor_or_without_last_year():
    assert market(1_000_000, {"product_line": "B"}) == ()
    assert market(1_000_000, {}) == ()
    assert market(1_000_000, base=0) == ()


# ---------------------------------------------------------------- peers


def peers(
    amounts: Sequence[Amount],
    headcounts: Sequence[int | Decimal] | None = None,
    group: Key = ("account_manager",),
    **thresholds: Any,
) -> tuple[Finding, ...]:
    headcounts = headcounts or [Decimal(1)] * len(amounts)
    lines = [
        line((index,), amount, headcount=Decimal(heads), peer_group=group)
        for index, (amount, heads) in enumerate(zip(amounts, headcounts, strict=True))
    ]
    return check_peers(lines, thresholds=Thresholds(**thresholds))


def test_a_target_exactly_half_the_median_away_is_not_flagged():
    # median 100, MAD 0: the limit is 50 % of the median.
    assert peers([100, 100, 100, 100, 150]) == ()
    assert peers([100, 100, 100, 100, 50]) == ()


def test_a_target_just_beyond_half_the_median_is_flagged_either_way():
    assert peers([100, 100, 100, 100, 151]) == (
        Finding(
            FindingCode.FAR_ABOVE_PEERS,
            (4,),
            {
                "per_head": Decimal("151.00"),
                "median": Decimal("100.00"),
                "mad": Decimal("0.00"),
                "difference": Decimal("51.00"),
                "group_size": 5,
                "peer_group": "account_manager",
                "one_head": True,
            },
        ),
    )
    assert codes(peers([100, 100, 100, 100, 49])) == [((4,), FindingCode.FAR_BELOW_PEERS)]


def test_in_a_spread_out_group_the_mads_set_the_limit():
    # median 500, MAD 200, 50 % of the median is 250.
    spread = [100, 300, 500, 700, 900]
    assert peers(spread) == ()  # 3 MADs = 600
    assert peers(spread, peer_mads=Decimal(2)) == ()  # 2 MADs = 400: exactly at the limit
    assert codes(peers(spread, peer_mads=Decimal("1.5"))) == [
        ((0,), FindingCode.FAR_BELOW_PEERS),
        ((4,), FindingCode.FAR_ABOVE_PEERS),
    ]


def test_targets_are_compared_per_head():
    # a team of three with 330 is 110 a head, like its peers.
    assert peers([100, 110, 120, 330], headcounts=[1, 1, 1, 3]) == ()
    assert codes(peers([100, 110, 120, 330])) == [((3,), FindingCode.FAR_ABOVE_PEERS)]


def test_groups_smaller_than_three_are_not_judged():
    loose = {"peer_mads": Decimal("0.5"), "peer_share_of_median": Decimal("0.1")}
    assert peers([100, 1000], **loose) == ()
    assert codes(peers([100, 1000], **loose, min_peer_group=2)) == [
        ((0,), FindingCode.FAR_BELOW_PEERS),
        ((1,), FindingCode.FAR_ABOVE_PEERS),
    ]
    assert codes(peers([100, 100, 1000])) == [((2,), FindingCode.FAR_ABOVE_PEERS)]
    assert peers([100, 100, 1000], min_peer_group=4) == ()


def test_lines_without_heads_or_without_a_group_are_left_out():
    lines = [
        line((0,), 100, peer_group=("am",)),
        line((1,), 100, peer_group=("am",)),
        line((2,), 900, peer_group=("am",), headcount=Decimal(0)),
        line((3,), 900),
    ]
    assert check_peers(lines) == ()


def test_peers_are_grouped_by_job():
    lines = [
        *(line(("am", index), 100, peer_group=("am",)) for index in range(3)),
        *(line(("kam", index), 1000, peer_group=("kam",)) for index in range(3)),
    ]
    assert check_peers(lines) == ()


def test_satisfaction_levels_are_compared_as_they_are_not_per_head():
    amounts = [Decimal("4.5"), Decimal("4.4"), Decimal("4.6")]
    assert peers(amounts, headcounts=[1, 5, 10]) == ()


# ---------------------------------------------------------------- the cascade


def cascade(parent_amount: Amount, child_amounts: Sequence[Amount | None]) -> list[TargetLine]:
    return [
        line(("team",), parent_amount),
        *(
            line(("team", index), amount, parent=("team",))
            for index, amount in enumerate(child_amounts)
        ),
    ]


def test_children_adding_up_exactly_are_fine():
    assert check_children_add_up(cascade(1000, [400, 600])) == ()


def test_children_short_of_the_parent_show_what_is_left():
    assert check_children_add_up(cascade(1000, [400, 599])) == (
        Finding(
            FindingCode.CHILDREN_BELOW_PARENT,
            ("team",),
            {"parent": 1000, "children": 999, "difference": 1, "child_count": 2},
        ),
    )


def test_children_the_reader_does_not_see_count_in_the_sum():
    parent, *children = cascade(1000, [400])
    seen_in_part = [dataclasses.replace(parent, unseen_children=(600, 2)), *children]
    assert check_children_add_up(seen_in_part) == ()
    short = [dataclasses.replace(parent, unseen_children=(500, 2)), *children]
    assert check_children_add_up(short) == (
        Finding(
            FindingCode.CHILDREN_BELOW_PARENT,
            ("team",),
            {"parent": 1000, "children": 900, "difference": 100, "child_count": 3},
        ),
    )
    # None of its children among the lines: judged on the unseen ones alone.
    alone = [dataclasses.replace(parent, unseen_children=(999, 1))]
    assert [f.params["difference"] for f in check_children_add_up(alone)] == [1]


def test_children_over_the_parent_show_the_excess():
    (finding,) = check_children_add_up(cascade(1000, [400, 700]))
    assert finding.code is FindingCode.CHILDREN_ABOVE_PARENT
    assert finding.params["difference"] == 100
    assert finding.severity is Severity.ERROR


def test_a_child_without_a_number_counts_as_nothing():
    assert check_children_add_up(cascade(1000, [600, None])) == (
        Finding(
            FindingCode.CHILDREN_BELOW_PARENT,
            ("team",),
            {"parent": 1000, "children": 600, "difference": 400, "child_count": 2},
        ),
    )


def test_parents_outside_the_lines_and_leaves_are_not_judged():
    lines = [line(("a",), 5, parent=("elsewhere",)), line(("b",), 7)]
    assert check_children_add_up(lines) == ()


def test_a_level_cascades_as_the_same_level():
    lines = cascade(Decimal("4.5"), [Decimal("4.5"), Decimal("4.50"), Decimal("4.2")])
    assert check_children_add_up(lines) == (
        Finding(
            FindingCode.LEVEL_DIFFERS_FROM_PARENT,
            ("team", 2),
            {"parent": Decimal("4.5"), "amount": Decimal("4.2")},
        ),
    )


def test_active_people_without_a_target_are_named():
    lines = [line(("a",), 1, person=1), line(("b",), 0, person=3)]
    assert check_people_without_target(lines, active_people=[3, 2, 1, 4]) == (
        Finding(FindingCode.PERSON_WITHOUT_TARGET, (2,), {"person": 2}),
        Finding(FindingCode.PERSON_WITHOUT_TARGET, (4,), {"person": 4}),
    )
    assert check_people_without_target(lines, active_people=[1, 3]) == ()


def test_tactical_goals_no_target_serves_are_named_at_plan_level():
    lines = [line(("company",), 1, tactical_goal=10)]
    assert check_goals_covered(lines, tactical_goals=[12, 10, 11]) == (
        Finding(FindingCode.GOAL_NOT_COVERED, None, {"goal": 11}),
        Finding(FindingCode.GOAL_NOT_COVERED, None, {"goal": 12}),
    )
    assert check_goals_covered(lines, tactical_goals=[10]) == ()


# ---------------------------------------------------------------- SMART

COMPLETE = TargetLine(
    key=("p",),
    amount=1000,
    person=7,
    metric="revenue",
    fiscal_year=PLAN_YEAR,
    tactical_goal=3,
)

# Taking one fact away from a complete target, and the one finding that must then appear.
SMART_REMOVALS = {
    "metric": ("  ", FindingCode.TARGET_NO_METRIC),
    "person": (None, FindingCode.TARGET_NO_OWNER),
    "amount": (None, FindingCode.TARGET_NO_AMOUNT),
    "tactical_goal": (None, FindingCode.TARGET_NOT_LINKED),
    "fiscal_year": (None, FindingCode.TARGET_NO_PERIOD),
}


def test_a_complete_target_is_smart():
    assert check_target_smart(COMPLETE, plan_year=PLAN_YEAR) == ()
    unit_target = dataclasses.replace(COMPLETE, person=None, unit="team-1", metric="Demo visits")
    assert check_target_smart(unit_target, plan_year=PLAN_YEAR) == ()


def test_an_empty_target_misses_everything_in_smart_order():
    empty = TargetLine(key=("p",), amount=None)
    findings = check_target_smart(empty, plan_year=PLAN_YEAR)
    assert [finding.code for finding in findings] == [
        FindingCode.TARGET_NO_METRIC,
        FindingCode.TARGET_NO_OWNER,
        FindingCode.TARGET_NO_AMOUNT,
        FindingCode.TARGET_NOT_LINKED,
        FindingCode.TARGET_NO_PERIOD,
    ]
    assert [finding.params["criterion"] for finding in findings] == [
        "specific",
        "specific",
        "measurable",
        "relevant",
        "time_bound",
    ]


def test_a_target_for_another_year_or_below_zero_is_flagged():
    odd = dataclasses.replace(COMPLETE, fiscal_year=2025, amount=-1)
    assert check_target_smart(odd, plan_year=PLAN_YEAR) == (
        Finding(
            FindingCode.TARGET_NEGATIVE_AMOUNT, ("p",), {"amount": -1, "criterion": "measurable"}
        ),
        Finding(
            FindingCode.TARGET_PERIOD_OUTSIDE_PLAN,
            ("p",),
            {"year": 2025, "plan_year": PLAN_YEAR, "criterion": "time_bound"},
        ),
    )


def test_a_target_serves_the_goal_of_its_parent_chain():
    company = dataclasses.replace(COMPLETE, key=("company",), person=None, unit="co")
    team = dataclasses.replace(
        COMPLETE, key=("team",), parent=("company",), person=None, unit="t", tactical_goal=None
    )
    person = dataclasses.replace(COMPLETE, parent=("team",), tactical_goal=None)
    assert check_targets_smart([company, team, person], plan_year=PLAN_YEAR) == ()
    orphan = dataclasses.replace(person, parent=("gone",))
    assert codes(check_targets_smart([company, team, orphan], plan_year=PLAN_YEAR)) == [
        (("p",), FindingCode.TARGET_NOT_LINKED)
    ]


def test_a_loop_of_parents_does_not_hang_the_link_check():
    first = dataclasses.replace(COMPLETE, key=("a",), parent=("b",), tactical_goal=None)
    second = dataclasses.replace(COMPLETE, key=("b",), parent=("a",), tactical_goal=None)
    assert codes(check_targets_smart([first, second], plan_year=PLAN_YEAR)) == [
        (("a",), FindingCode.TARGET_NOT_LINKED),
        (("b",), FindingCode.TARGET_NOT_LINKED),
    ]


@given(missing=st.sets(st.sampled_from(sorted(SMART_REMOVALS))))
def test_each_missing_smart_fact_produces_exactly_its_finding(missing):
    target = dataclasses.replace(COMPLETE, **{name: SMART_REMOVALS[name][0] for name in missing})
    found = [finding.code for finding in check_target_smart(target, plan_year=PLAN_YEAR)]
    assert sorted(found) == sorted(SMART_REMOVALS[name][1] for name in missing)


# ---------------------------------------------------------------- codes and severities


def test_every_code_has_a_severity_and_every_smart_code_its_letter():
    assert set(SEVERITY_OF) == set(FindingCode)
    assert {code for code in FindingCode if code.value.startswith("target_")} == set(
        SMART_CRITERION_OF
    )
    assert set(SMART_CRITERION_OF.values()) <= set(SmartCriterion)
    assert {str(severity) for severity in Severity} == {"error", "warning", "info"}


@pytest.mark.parametrize(
    "values",
    [
        {"trend_years": 1},
        {"below_trend": Decimal("0.5"), "above_trend": Decimal("0.1")},
        {"market_tolerance": Decimal("-0.1")},
        {"peer_mads": Decimal(-1)},
        {"min_peer_group": 1},
    ],
)
def test_thresholds_that_make_no_sense_are_refused(values):
    with pytest.raises(ValueError):
        Thresholds(**values)


# ---------------------------------------------------------------- the whole plan

PEOPLE = range(1, 7)
PERSON_HISTORY = {2023: 90_000, 2024: 100_000, 2025: 110_000}  # trend: 120,000 in 2026


def consistent_plan() -> ReasonablenessInputs:
    """A company of two teams of three people: targets on trend, at market, like their peers."""

    def team_of(person: int) -> int:
        return 1 if person <= 3 else 2

    people = [
        TargetLine(
            key=("person", person),
            amount=120_000,
            parent=("team", team_of(person)),
            history=PERSON_HISTORY,
            peer_group=("account_manager",),
            dimensions={"product_line": "A"},
            person=person,
            metric="revenue",
            fiscal_year=PLAN_YEAR,
        )
        for person in PEOPLE
    ]
    teams = [
        TargetLine(
            key=("team", team),
            amount=360_000,
            parent=("company",),
            history={year: 3 * amount for year, amount in PERSON_HISTORY.items()},
            peer_group=("team",),
            unit=team,
            metric="revenue",
            fiscal_year=PLAN_YEAR,
        )
        for team in (1, 2)
    ]
    company = TargetLine(
        key=("company",),
        amount=720_000,
        history={year: 6 * amount for year, amount in PERSON_HISTORY.items()},
        unit="company",
        metric="revenue",
        fiscal_year=PLAN_YEAR,
        tactical_goal=7,
    )
    return ReasonablenessInputs(
        plan_year=PLAN_YEAR,
        lines=[company, *teams, *people],
        market_factors={("product_line", "A"): Decimal("1.09")},
        active_people=list(PEOPLE),
        tactical_goals=[7],
    )


def test_a_consistent_plan_has_no_findings():
    assert check_targets(consistent_plan()) == ()


def test_one_target_out_of_line_is_caught_by_every_check_it_offends_in_order():
    plan = consistent_plan()
    lines = [
        dataclasses.replace(target, amount=240_000) if target.key == ("person", 6) else target
        for target in plan.lines
    ]
    plan = dataclasses.replace(plan, lines=lines, active_people=[*PEOPLE, 8], tactical_goals=[7, 9])
    assert codes(check_targets(plan)) == [
        (None, FindingCode.GOAL_NOT_COVERED),
        ((8,), FindingCode.PERSON_WITHOUT_TARGET),
        (("person", 6), FindingCode.GROWTH_ABOVE_TREND),
        (("person", 6), FindingCode.GROWTH_ABOVE_MARKET),
        (("person", 6), FindingCode.FAR_ABOVE_PEERS),
        (("team", 2), FindingCode.CHILDREN_ABOVE_PARENT),
    ]


def test_numbers_sort_before_text_in_keys():
    lines = [line(("b",), None), line((2,), None), line((10,), None), line(("a", 1), None)]
    found = check_targets(ReasonablenessInputs(plan_year=PLAN_YEAR, lines=lines))
    assert list(dict.fromkeys(finding.key for finding in found)) == [
        (2,),
        (10,),
        ("a", 1),
        ("b",),
    ]


def test_the_smart_check_can_be_left_out():
    plan = dataclasses.replace(consistent_plan(), check_smart=False)
    lines = [dataclasses.replace(target, metric=None) for target in plan.lines]
    assert check_targets(dataclasses.replace(plan, lines=lines)) == ()


def test_a_key_given_twice_is_refused():
    plan = ReasonablenessInputs(plan_year=PLAN_YEAR, lines=[line(("a",), 1), line(("a",), 2)])
    with pytest.raises(ValueError, match="given twice"):
        check_targets(plan)


# ---------------------------------------------------------------- order never matters

KEY_PARTS = st.integers(0, 4) | st.sampled_from(["a", "b"])
AMOUNTS = st.none() | st.integers(-10, 3000) | st.decimals("0", "5", places=1)


@st.composite
def plans(draw: st.DrawFn) -> ReasonablenessInputs:
    keys = draw(st.lists(st.tuples(KEY_PARTS) | st.tuples(KEY_PARTS, KEY_PARTS), unique=True))
    lines = [
        TargetLine(
            key=key,
            amount=draw(AMOUNTS),
            parent=draw(st.none() | st.sampled_from(keys)),
            history=draw(
                st.none() | st.dictionaries(st.integers(2021, 2026), st.integers(0, 3000))
            ),
            headcount=draw(st.sampled_from([Decimal(0), Decimal(1), Decimal("2.5")])),
            peer_group=draw(st.sampled_from([None, ("am",), ("kam",)])),
            dimensions=draw(
                st.dictionaries(
                    st.sampled_from(["product_line", "region"]), st.sampled_from(["A", "B"])
                )
            ),
            person=draw(st.none() | st.integers(0, 6)),
            unit=draw(st.none() | st.just("u")),
            metric=draw(st.sampled_from([None, "", "revenue"])),
            fiscal_year=draw(st.sampled_from([None, 2025, PLAN_YEAR])),
            tactical_goal=draw(st.none() | st.integers(0, 3)),
        )
        for key in keys
    ]
    return ReasonablenessInputs(
        plan_year=PLAN_YEAR,
        lines=lines,
        market_factors={
            ("product_line", "A"): Decimal("1.10"),
            ("region", "B"): Decimal("0.95"),
        },
        active_people=draw(st.lists(st.integers(0, 8), unique=True)),
        tactical_goals=draw(st.lists(st.integers(0, 5), unique=True)),
        thresholds=Thresholds(min_peer_group=draw(st.integers(2, 4))),
    )


def reordered(plan: ReasonablenessInputs, data: st.DataObject) -> ReasonablenessInputs:
    lines = [
        dataclasses.replace(
            target,
            history=None
            if target.history is None
            else dict(reversed(list(target.history.items()))),
            dimensions=dict(reversed(list(target.dimensions.items()))),
        )
        for target in data.draw(st.permutations(plan.lines))
    ]
    return dataclasses.replace(
        plan,
        lines=lines,
        active_people=data.draw(st.permutations(list(plan.active_people))),
        tactical_goals=data.draw(st.permutations(list(plan.tactical_goals))),
        market_factors=dict(reversed(list(plan.market_factors.items()))),
    )


@settings(max_examples=200)
@given(plan=plans(), data=st.data())
def test_findings_never_depend_on_the_order_of_the_inputs(plan, data):
    assert check_targets(reordered(plan, data)) == check_targets(plan)


@given(plan=plans())
def test_the_whole_check_is_every_single_check_together(plan):
    lines = plan.lines
    singles = [
        *check_growth_against_trend(lines, plan_year=PLAN_YEAR, thresholds=plan.thresholds),
        *check_growth_against_market(
            lines,
            plan_year=PLAN_YEAR,
            market_factors=plan.market_factors,
            thresholds=plan.thresholds,
        ),
        *check_peers(lines, thresholds=plan.thresholds),
        *check_children_add_up(lines),
        *check_people_without_target(lines, active_people=plan.active_people),
        *check_goals_covered(lines, tactical_goals=plan.tactical_goals),
        *check_targets_smart(lines, plan_year=PLAN_YEAR),
    ]
    found = check_targets(plan)
    assert len(found) == len(singles)
    assert all(finding in singles for finding in found)
    plan_level = [finding for finding in found if finding.key is None]
    assert found[: len(plan_level)] == tuple(plan_level)
