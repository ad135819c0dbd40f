"""Reads: the edition in force, drafts hidden from readers, the goal tree and its SMART check."""

from __future__ import annotations

from datetime import date

import pytest
from django.http import Http404

from salesalign.engines.checks import SmartGapCode
from salesalign.strategy.choices import GoalStatus
from salesalign.strategy.selectors import goals as selectors
from salesalign.strategy.tests.goals_fixtures import (
    new_edition,
    new_strategic_goal,
    new_tactical_goal,
)

pytestmark = pytest.mark.django_db


def test_the_current_edition_is_that_years_published_one(cast):
    new_edition(cast, year=2024)
    edition_2025 = new_edition(cast, year=2025)
    assert selectors.edition_current(on=date(2025, 6, 1)) == edition_2025


def test_without_an_edition_for_the_year_the_latest_earlier_one_is_in_force(cast):
    edition_2024 = new_edition(cast, year=2024)
    new_edition(cast, year=2026)
    assert selectors.edition_current(on=date(2025, 6, 1)) == edition_2024


def test_a_draft_is_never_the_edition_in_force(cast):
    published = new_edition(cast, year=2024)
    new_edition(cast, year=2025, publish=False)
    assert selectors.edition_current(on=date(2025, 6, 1)) == published
    assert selectors.edition_current(on=date(2023, 6, 1)) is None


def test_drafts_are_invisible_to_salespeople_but_listed_for_executives(cast):
    published = new_edition(cast, year=2024)
    draft = new_edition(cast, year=2025, publish=False)
    assert list(selectors.edition_list(user=cast.salesperson.user)) == [published]
    assert list(selectors.edition_list(user=cast.executive.user)) == [draft, published]
    with pytest.raises(Http404):
        selectors.edition_get(user=cast.salesperson.user, pk=draft.pk)
    assert selectors.edition_get(user=cast.admin.user, pk=draft.pk) == draft


def test_the_tree_puts_a_goal_under_every_strategic_goal_it_serves(cast):
    share = new_strategic_goal(cast)
    growth = new_strategic_goal(cast, title="Revenue growth")
    both = new_tactical_goal(cast, serves=[share, growth], title="Both")
    lonely = new_tactical_goal(cast, title="Lonely")
    new_tactical_goal(cast, serves=[share], year=2026, deadline=date(2026, 6, 30))
    tree = selectors.goal_tree(year=2025)
    assert [(b.goal, b.tactical_goals) for b in tree.branches] == [
        (share, [both]),
        (growth, [both]),
    ]
    assert tree.unlinked == [lonely]
    assert {goal.pk for goal in tree.tactical_goals} == {both.pk, lonely.pk}


def test_the_tree_leaves_out_strategic_goals_outside_the_year(cast):
    finished = new_strategic_goal(cast, baseline_year=2019, horizon_year=2022)
    future = new_strategic_goal(cast, baseline_year=2027, horizon_year=2030)
    open_ended = new_strategic_goal(cast, baseline_year=None, horizon_year=None)
    tree = selectors.goal_tree(year=2025)
    assert tree.strategic_goals == [open_ended]
    assert finished not in tree.strategic_goals and future not in tree.strategic_goals


def test_a_goal_of_the_year_brings_in_the_strategic_goal_it_serves_even_outside_its_span(cast):
    finished = new_strategic_goal(cast, baseline_year=2019, horizon_year=2022)
    tactical = new_tactical_goal(cast, serves=[finished])
    tree = selectors.goal_tree(year=2025)
    assert [(b.goal, b.tactical_goals) for b in tree.branches] == [(finished, [tactical])]


def test_the_tree_of_stated_goals_drops_proposals_and_cancelled_goals(cast):
    active = new_strategic_goal(cast)
    new_strategic_goal(cast, title="Maybe", status=GoalStatus.PROPOSED)
    new_strategic_goal(cast, title="Dropped", status=GoalStatus.CANCELLED)
    tree = selectors.goal_tree(year=2025, statuses=selectors.STATED_GOAL_STATUSES)
    assert tree.strategic_goals == [active]


def test_every_goal_in_the_tree_carries_what_it_misses(cast):
    share = new_strategic_goal(cast, owner_id=None)
    complete = new_tactical_goal(cast, serves=[share])
    vague = new_tactical_goal(cast, title="Do better", metric="", target_value=None)
    tree = selectors.goal_tree(year=2025)
    assert [gap.code for gap in tree.branches[0].goal.smart_gaps] == [SmartGapCode.NO_OWNER]
    assert complete.pk == tree.branches[0].tactical_goals[0].pk
    assert tree.branches[0].tactical_goals[0].smart_gaps == ()
    assert [gap.code for gap in tree.unlinked[0].smart_gaps] == [
        SmartGapCode.NO_METRIC,
        SmartGapCode.NO_TARGET_VALUE,
        SmartGapCode.NOT_LINKED,
    ]
    assert tree.unlinked[0].pk == vague.pk


def test_the_tree_costs_the_same_queries_for_many_goals(cast, django_assert_max_num_queries):
    share = new_strategic_goal(cast)
    new_tactical_goal(cast, serves=[share])
    with django_assert_max_num_queries(3):
        selectors.goal_tree(year=2025)
    for index in range(8):
        extra = new_strategic_goal(cast, title=f"Goal {index}")
        new_tactical_goal(cast, serves=[extra, share], title=f"Tactic {index}")
        new_tactical_goal(cast, title=f"Unlinked {index}")
    with django_assert_max_num_queries(3):
        tree = selectors.goal_tree(year=2025)
    assert len(tree.branches) == 9


def test_the_goal_lists_compute_smart_gaps_without_a_query_per_goal(
    cast, django_assert_max_num_queries
):
    share = new_strategic_goal(cast)
    for index in range(6):
        new_tactical_goal(cast, serves=[share], title=f"Tactic {index}")
    with django_assert_max_num_queries(2):
        goals = selectors.tactical_goal_list(year=2025)
        assert all(goal.smart_gaps == () for goal in goals)
    with django_assert_max_num_queries(1):
        assert selectors.strategic_goal_list(year=2025)[0].smart_gaps == ()


def test_our_strategy_shows_no_draft_to_a_salesperson_but_points_an_editor_to_it(cast):
    published = new_edition(cast, year=2024)
    draft = new_edition(cast, year=2025, publish=False)
    for_salesperson = selectors.our_strategy(
        user=cast.salesperson.user, year=2025, today=date(2025, 3, 1)
    )
    assert for_salesperson.edition == published
    assert for_salesperson.draft is None
    for_executive = selectors.our_strategy(
        user=cast.executive.user, year=2025, today=date(2025, 3, 1)
    )
    assert for_executive.edition == published
    assert for_executive.draft == draft
    assert 2024 in for_salesperson.years and 2025 in for_salesperson.years
