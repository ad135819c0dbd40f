"""Reads: the cascade with sums, remainders and findings; the line of sight; who sees what;
query counts that stay the same as the team grows."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from salesalign.core.choices import Role
from salesalign.organization.tests.factories import PersonFactory
from salesalign.targets.models import Target
from salesalign.targets.selectors.cascade import cascade_tree
from salesalign.targets.selectors.line_of_sight import line_of_sight
from salesalign.targets.selectors.plans import plan_list, target_list
from salesalign.targets.services import allocation, negotiation, plans
from salesalign.targets.services.allocation import ManualAmount
from salesalign.targets.tests.conftest import YEAR

pytestmark = pytest.mark.django_db

TODAY = datetime.date(YEAR, 3, 15)


@pytest.fixture
def allocated(world):
    """Company → department → teams → the team's people by product line; approved."""
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    department, team, other = world.cascade_to_teams(plan, root)
    allocation.allocation_apply(
        actor=cast.manager.user,
        plan=plan,
        parent=team,
        axes=["child", "product_line"],
        method="history",
    )
    allocation.allocation_apply(
        actor=cast.other_manager.user, plan=plan, parent=other, axes=["child"], method="history"
    )
    return plan, root, department, team, other


def test_the_cascade_has_months_quarters_sums_and_no_remainder_when_allocated(world, allocated):
    plan, root, _department, team, _other = allocated
    tree = cascade_tree(user=world.cast.executive.user, plan=plan)
    assert tree.root.target == root
    assert [node.depth for node in tree.nodes[:3]] == [0, 1, 2]
    assert len(tree.nodes) == 1 + 1 + 2 + 4 + 1
    for node in tree.nodes:
        assert sum(value for value in node.months if value is not None) == node.value
        assert sum(node.quarters) == node.value
        if node.children_count:
            assert node.children_total == node.value and node.remainder == 0
    team_node = next(node for node in tree.nodes if node.target == team)
    assert len(team_node.children) == 4
    assert not [f for node in tree.nodes for f in node.findings if f.code.startswith("children")]


def test_the_cascade_shows_a_remainder_and_its_finding(world, allocated):
    cast = world.cast
    plan, _root, _department, team, _other = allocated
    child = team.children.first()
    allocation.target_set_manual(
        actor=cast.manager.user,
        plan=plan,
        parent=team,
        amounts=[ManualAmount(value=child.value - 100, target_id=child.pk)],
    )
    tree = cascade_tree(user=cast.manager.user, plan=plan, root_id=team.pk)
    assert tree.root.remainder == Decimal("100.00")
    # The team's share of 1,000,000 is far above its own ~24,000 a year: the trend says so too.
    assert [finding.code for finding in tree.root.findings] == [
        "growth_above_trend",
        "children_below_parent",
    ]
    assert tree.can_manage


def test_a_salesperson_sees_the_chain_above_and_only_their_own_slices(world, allocated):
    cast = world.cast
    plan, root, department, team, other = allocated
    plans.plan_submit_for_negotiation(actor=cast.executive.user, plan=plan)
    plans.plan_approve(actor=cast.executive.user, plan=plan)
    tree = cascade_tree(user=cast.salesperson.user, plan=plan)
    shown = {node.target.pk for node in tree.nodes}
    mine = set(Target.objects.filter(person=cast.salesperson).values_list("pk", flat=True))
    assert shown == {root.pk, department.pk, team.pk} | mine
    assert other.pk not in shown
    assert not tree.can_manage
    assert tree.plan_findings == [], "no colleague shows up as 'without a target'"


def test_drafts_are_for_planners_and_managers(world, allocated):
    cast = world.cast
    plan, *_rest = allocated
    assert list(plan_list(user=cast.manager.user)) == [plan]
    assert list(plan_list(user=cast.salesperson.user)) == []
    assert list(target_list(user=cast.salesperson.user, plan=plan)) == []
    mine = target_list(user=cast.manager.user, plan=plan, person_id=cast.salesperson.pk)
    assert mine.count() == 2


def test_the_company_targets_are_the_plans_roots_found_through_the_parent_index(world, allocated):
    cast = world.cast
    plan, root, *_rest = allocated
    other_plan = plans.plan_create(actor=cast.executive.user, fiscal_year=YEAR + 1)
    world.company_target(other_plan, tactical_goal_id=None)
    roots = target_list(user=cast.executive.user, plan=plan, roots_only=True)
    assert list(roots) == [root]
    assert list(target_list(user=cast.salesperson.user, plan=plan, roots_only=True)) == []
    if connection.vendor == "sqlite":
        # Not by walking every target of the plan (the plan's unique index), as SQLite
        # without statistics chose to when the plan and the order were in one query.
        assert "sqlite_autoindex_targets_target" not in roots.explain()


def test_a_salesperson_sees_a_target_proposed_to_them_before_approval(world, allocated):
    cast = world.cast
    plan, _root, _department, team, _other = allocated
    plans.plan_submit_for_negotiation(actor=cast.executive.user, plan=plan)
    assert not target_list(user=cast.salesperson.user, plan=plan, person_id=cast.salesperson.pk)
    negotiation.proposal_publish(actor=cast.manager.user, plan=plan, parent=team)
    visible = target_list(user=cast.salesperson.user, plan=plan, person_id=cast.salesperson.pk)
    assert visible.count() == 2
    assert not target_list(user=cast.salesperson.user, plan=plan, person_id=cast.salesperson2.pk)


def test_line_of_sight_shows_the_year_the_month_the_chain_and_the_share_carried(world, allocated):
    cast = world.cast
    plan, root, department, team, _other = allocated
    plans.plan_submit_for_negotiation(actor=cast.executive.user, plan=plan)
    plans.plan_approve(actor=cast.executive.user, plan=plan)

    sight = line_of_sight(user=cast.salesperson.user, today=TODAY)

    assert sight.plan == plan and sight.person == cast.salesperson
    [revenue] = sight.metrics
    mine = Target.objects.filter(plan=plan, person=cast.salesperson)
    total = sum(target.amount for target in mine)
    assert revenue.year_value == Decimal(total) / 100
    assert sum(revenue.month_values) == revenue.year_value
    assert revenue.this_month == revenue.month_values[2]
    assert [link.target for link in revenue.chain] == [team, department, root]
    assert revenue.company_share == (Decimal(total) / root.amount).quantize(Decimal("0.0001"))
    assert revenue.chain[0].share == (Decimal(total) / team.amount).quantize(Decimal("0.0001"))
    assert revenue.tactical_goal == world.goal
    assert revenue.strategic_goals == list(world.goal.strategic_goals.all())


def test_line_of_sight_of_another_teams_person_is_not_found(world, allocated):
    cast = world.cast
    with pytest.raises(Http404):
        line_of_sight(user=cast.salesperson.user, today=TODAY, person_id=cast.other_salesperson.pk)
    sight = line_of_sight(user=cast.manager.user, today=TODAY, person_id=cast.salesperson.pk)
    assert sight.metrics and (sight.metrics[0].year_value or 0) > 0


def _grow_team(cast, count):
    for _number in range(count):
        PersonFactory(unit=cast.team, role=Role.SALESPERSON, title="Sales representative")


def _allocate_and_count(world, plan, team, *, cascade_limit=None, sight_limit=None):
    """Allocate the team to everyone, then count the queries of the two reads."""
    cast = world.cast
    allocation.allocation_apply(
        actor=cast.manager.user,
        plan=plan,
        parent=team,
        axes=["child", "product_line"],
        method="equal",
    )
    user = cast.manager.user
    with CaptureQueriesContext(connection) as cascade_queries:
        tree = cascade_tree(user=user, plan=plan, root_id=team.pk)
    with CaptureQueriesContext(connection) as sight_queries:
        sight = line_of_sight(user=user, today=TODAY, person_id=cast.salesperson.pk, plan=plan)
    assert (sight.metrics[0].year_value or 0) > 0
    return len(cascade_queries), len(sight_queries), len(tree.nodes)


def test_the_cascade_and_the_line_of_sight_read_a_constant_number_of_queries(
    world, allocated, django_assert_max_num_queries
):
    cast = world.cast
    plan, _root, _department, team, _other = allocated
    _grow_team(cast, 2)
    cascade_small, sight_small, nodes_small = _allocate_and_count(world, plan, team)
    _grow_team(cast, 10)
    cascade_large, sight_large, nodes_large = _allocate_and_count(world, plan, team)
    assert nodes_large == nodes_small + 10 * 2  # ten more people, two product lines each
    assert cascade_large <= cascade_small
    assert sight_large <= sight_small
    with django_assert_max_num_queries(cascade_small):
        cascade_tree(user=cast.manager.user, plan=plan, root_id=team.pk)
