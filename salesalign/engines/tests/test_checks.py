"""The SMART check on goals: plain facts in, named gaps out."""

from __future__ import annotations

import ast
import dataclasses
from datetime import date
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from salesalign.engines.checks import (
    CRITERION_OF,
    GoalFacts,
    GoalKind,
    SmartCriterion,
    SmartGapCode,
    check_goal_smart,
    check_goals_smart,
)

COMPLETE_STRATEGIC = GoalFacts(
    kind=GoalKind.STRATEGIC,
    has_metric=True,
    has_target_value=True,
    has_owner=True,
    has_baseline=True,
    baseline_year=2024,
    horizon_year=2028,
)
COMPLETE_TACTICAL = GoalFacts(
    kind=GoalKind.TACTICAL,
    has_metric=True,
    has_target_value=True,
    has_owner=True,
    year=2025,
    deadline=date(2025, 12, 31),
    linked_strategic_goal_count=1,
)

# Taking one fact away from a complete goal, and the one gap that must then appear.
STRATEGIC_REMOVALS = {
    "has_metric": (False, SmartGapCode.NO_METRIC),
    "has_target_value": (False, SmartGapCode.NO_TARGET_VALUE),
    "has_owner": (False, SmartGapCode.NO_OWNER),
    "has_baseline": (False, SmartGapCode.NO_BASELINE),
    "horizon_year": (None, SmartGapCode.NO_DEADLINE),
}
TACTICAL_REMOVALS = {
    "has_metric": (False, SmartGapCode.NO_METRIC),
    "has_target_value": (False, SmartGapCode.NO_TARGET_VALUE),
    "has_owner": (False, SmartGapCode.NO_OWNER),
    "deadline": (None, SmartGapCode.NO_DEADLINE),
    "linked_strategic_goal_count": (0, SmartGapCode.NOT_LINKED),
}


def codes(facts: GoalFacts) -> list[SmartGapCode]:
    return [gap.code for gap in check_goal_smart(facts)]


def test_a_complete_strategic_goal_has_no_gaps():
    assert check_goal_smart(COMPLETE_STRATEGIC) == ()


def test_a_complete_tactical_goal_has_no_gaps():
    assert check_goal_smart(COMPLETE_TACTICAL) == ()


def test_an_empty_tactical_goal_misses_everything_in_smart_order():
    facts = GoalFacts(kind=GoalKind.TACTICAL, has_metric=False)
    assert codes(facts) == [
        SmartGapCode.NO_METRIC,
        SmartGapCode.NO_OWNER,
        SmartGapCode.NO_TARGET_VALUE,
        SmartGapCode.NOT_LINKED,
        SmartGapCode.NO_DEADLINE,
    ]


def test_a_strategic_goal_needs_no_link_and_no_deadline_date():
    facts = dataclasses.replace(COMPLETE_STRATEGIC, linked_strategic_goal_count=0)
    assert codes(facts) == []


def test_a_custom_metric_without_a_name_is_not_specific():
    facts = dataclasses.replace(COMPLETE_TACTICAL, metric_is_custom=True, custom_metric_name="  ")
    gaps = check_goal_smart(facts)
    assert [gap.code for gap in gaps] == [SmartGapCode.CUSTOM_METRIC_UNNAMED]
    assert gaps[0].criterion is SmartCriterion.SPECIFIC


def test_a_named_custom_metric_is_fine():
    facts = dataclasses.replace(
        COMPLETE_TACTICAL, metric_is_custom=True, custom_metric_name="Demo visits"
    )
    assert codes(facts) == []


def test_a_deadline_in_another_year_is_flagged():
    facts = dataclasses.replace(COMPLETE_TACTICAL, deadline=date(2026, 1, 15))
    assert codes(facts) == [SmartGapCode.DEADLINE_OUTSIDE_YEAR]


def test_a_horizon_not_after_the_baseline_is_flagged():
    facts = dataclasses.replace(COMPLETE_STRATEGIC, horizon_year=2024)
    assert codes(facts) == [SmartGapCode.HORIZON_NOT_AFTER_BASELINE]


def test_the_list_check_answers_each_goal_in_order():
    no_owner = dataclasses.replace(COMPLETE_TACTICAL, has_owner=False)
    results = check_goals_smart([COMPLETE_STRATEGIC, no_owner])
    assert [[gap.code for gap in gaps] for gaps in results] == [[], [SmartGapCode.NO_OWNER]]


def test_every_gap_code_names_the_smart_criterion_it_offends():
    assert set(CRITERION_OF) == set(SmartGapCode)


@given(
    kind=st.sampled_from(list(GoalKind)),
    missing=st.sets(st.sampled_from(sorted(set(STRATEGIC_REMOVALS) | set(TACTICAL_REMOVALS)))),
)
def test_each_missing_fact_produces_exactly_its_gap(kind, missing):
    complete, removals = (
        (COMPLETE_STRATEGIC, STRATEGIC_REMOVALS)
        if kind is GoalKind.STRATEGIC
        else (COMPLETE_TACTICAL, TACTICAL_REMOVALS)
    )
    applicable = {name: removals[name] for name in missing if name in removals}
    facts = dataclasses.replace(
        complete, **{name: value for name, (value, _) in applicable.items()}
    )
    assert sorted(codes(facts)) == sorted(code for _, code in applicable.values())


@given(
    kind=st.sampled_from(list(GoalKind)),
    has_metric=st.booleans(),
    metric_is_custom=st.booleans(),
    custom_metric_name=st.text(max_size=5),
    has_target_value=st.booleans(),
    has_owner=st.booleans(),
    has_baseline=st.booleans(),
    baseline_year=st.none() | st.integers(2000, 2040),
    horizon_year=st.none() | st.integers(2000, 2040),
    year=st.none() | st.integers(2000, 2040),
    deadline=st.none() | st.dates(date(2000, 1, 1), date(2040, 12, 31)),
    linked=st.integers(0, 3),
)
def test_gaps_are_never_repeated_and_always_in_smart_order(**facts_kwargs):
    linked = facts_kwargs.pop("linked")
    facts = GoalFacts(**facts_kwargs, linked_strategic_goal_count=linked)
    gaps = check_goal_smart(facts)
    order = list(SmartCriterion)
    assert len({gap.code for gap in gaps}) == len(gaps)
    assert [order.index(gap.criterion) for gap in gaps] == sorted(
        order.index(gap.criterion) for gap in gaps
    )
    if facts.kind is GoalKind.STRATEGIC:
        assert SmartGapCode.NOT_LINKED not in {gap.code for gap in gaps}


def test_the_checks_engine_imports_nothing_from_django():
    source = Path(__file__).resolve().parents[1] / "checks.py"
    tree = ast.parse(source.read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name.split(".")[0] == "django" for name in imported)
