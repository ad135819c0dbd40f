"""Plans: each transition, the lock of an approved version, re-planning into a new version."""

from __future__ import annotations

from decimal import Decimal

import pytest
from auditlog.models import LogEntry

from salesalign.core.choices import Metric
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.targets.choices import PlanStatus, TargetMethod
from salesalign.targets.models import SeasonalityProfile, Target, TargetPeriod, TargetPlan
from salesalign.targets.selectors.plans import version_diff
from salesalign.targets.services import allocation, negotiation, plans, seasonality
from salesalign.targets.tests.conftest import YEAR

pytestmark = pytest.mark.django_db


def approved_plan(world):
    """Version 1 with the company target allocated to the teams, negotiated and approved."""
    actor = world.cast.executive.user
    plan = world.plan()
    root = world.company_target(plan)
    world.cascade_to_teams(plan, root)
    plans.plan_submit_for_negotiation(actor=actor, plan=plan)
    return plans.plan_approve(actor=actor, plan=plan), root


def test_a_plan_starts_as_a_draft_version_one_and_a_year_has_one_first_version(world):
    plan = world.plan()
    assert (plan.fiscal_year, plan.version, plan.status) == (YEAR, 1, PlanStatus.DRAFT)
    with pytest.raises(DomainError) as refused:
        world.plan()
    assert refused.value.field == "fiscal_year"
    assert TargetPlan.objects.count() == 1


@pytest.mark.parametrize("who", ["manager", "salesperson", "hr"])
def test_only_executives_and_admins_create_plans(world, who):
    with pytest.raises(NotAllowed):
        plans.plan_create(actor=getattr(world.cast, who).user, fiscal_year=YEAR)
    assert not TargetPlan.objects.exists()


def test_a_company_target_is_kept_in_cents_phased_into_months_and_linked_to_its_goal(world):
    plan = world.plan()
    root = world.company_target(plan, value="1234567.89")
    assert root.amount == 123456789
    assert root.value == Decimal("1234567.89")
    assert root.tactical_goal == world.goal
    assert root.unit == world.cast.company
    months = list(root.periods.order_by("month").values_list("month", "amount"))
    assert [month for month, _amount in months] == [YEAR * 100 + m for m in range(1, 13)]
    assert sum(amount for _month, amount in months) == root.amount
    # The history has sales in four months only; the derived profile follows them.
    assert SeasonalityProfile.objects.get(plan=plan).source == "history"
    assert dict(months)[YEAR * 100 + 1] == 0
    assert dict(months)[YEAR * 100 + 2] > 0


def test_a_goal_of_another_year_or_measure_is_refused(world, cast):
    plan = world.plan()
    with pytest.raises(DomainError) as wrong_metric:
        world.company_target(plan, metric=Metric.NEW_CUSTOMERS)
    assert wrong_metric.value.field == "metric"
    world.goal.year = YEAR + 1
    world.goal.save()
    with pytest.raises(DomainError) as wrong_year:
        world.company_target(plan)
    assert wrong_year.value.field == "tactical_goal_id"
    assert not Target.objects.exists()


def test_submit_needs_a_target_and_approve_needs_negotiation(world):
    actor = world.cast.executive.user
    plan = world.plan()
    with pytest.raises(DomainError):
        plans.plan_submit_for_negotiation(actor=actor, plan=plan)
    world.company_target(plan)
    with pytest.raises(DomainError) as not_negotiated:
        plans.plan_approve(actor=actor, plan=plan)
    assert not_negotiated.value.code == "not_negotiated"
    plan = plans.plan_submit_for_negotiation(actor=actor, plan=plan)
    assert plan.status == PlanStatus.NEGOTIATION and plan.submitted_at is not None
    plan = plans.plan_approve(actor=actor, plan=plan)
    assert plan.status == PlanStatus.APPROVED
    assert plan.approved_by == actor and plan.is_locked


def test_an_approved_plan_is_locked_against_every_change(world):
    plan, root = approved_plan(world)
    actor = world.cast.executive.user
    before = list(Target.objects.values_list("pk", "amount"))
    attempts = [
        lambda: world.company_target(plan, value="5"),
        lambda: allocation.allocation_apply(
            actor=actor, plan=plan, parent=root, axes=["child"], method="equal"
        ),
        lambda: allocation.target_set_manual(
            actor=actor,
            plan=plan,
            parent=root,
            amounts=[allocation.ManualAmount(value="1", target_id=root.children.get().pk)],
        ),
        lambda: seasonality.seasonality_enter(actor=actor, plan=plan, percentages=["8.5"] * 12),
        lambda: negotiation.proposal_publish(actor=actor, plan=plan, parent=root),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.code == "locked"
    assert list(Target.objects.values_list("pk", "amount")) == before


def test_approval_is_refused_while_children_do_not_add_up(world):
    actor = world.cast.executive.user
    plan = world.plan()
    root = world.company_target(plan)
    department, _team, _other = world.cascade_to_teams(plan, root)
    allocation.target_set_manual(
        actor=actor,
        plan=plan,
        parent=root,
        amounts=[allocation.ManualAmount(value="999999.00", target_id=department.pk)],
    )
    plans.plan_submit_for_negotiation(actor=actor, plan=plan)
    with pytest.raises(DomainError) as refused:
        plans.plan_approve(actor=actor, plan=plan)
    assert refused.value.code == "remainder"
    assert TargetPlan.objects.get().status == PlanStatus.NEGOTIATION


def test_replan_copies_the_approved_version_into_a_new_draft_and_keeps_the_old_one(world):
    plan, _root = approved_plan(world)
    actor = world.cast.executive.user
    with pytest.raises(DomainError) as no_reason:
        plans.plan_replan(actor=actor, plan=plan, reason="  ")
    assert no_reason.value.field == "reason"

    second = plans.plan_replan(actor=actor, plan=plan, reason="A big customer went bankrupt")

    assert (second.version, second.status, second.based_on) == (2, PlanStatus.DRAFT, plan)
    assert second.reason == "A big customer went bankrupt"
    old = {t.slice_key: (t.amount, t.method) for t in Target.objects.filter(plan=plan)}
    new = {t.slice_key: (t.amount, t.method) for t in Target.objects.filter(plan=second)}
    assert new == old and len(new) == 4
    copied_root = Target.objects.get(plan=second, parent__isnull=True)
    assert copied_root.tactical_goal == world.goal
    assert {child.plan_id for child in copied_root.children.all()} == {second.pk}
    assert TargetPeriod.objects.filter(target__plan=second).count() == 4 * 12
    assert SeasonalityProfile.objects.filter(plan=second).count() == 1
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED, "the old version stays in force until replaced"
    with pytest.raises(DomainError) as twice:
        plans.plan_replan(actor=actor, plan=plan, reason="again")
    assert twice.value.code == "open_version"


def test_approving_the_new_version_supersedes_the_old_and_the_diff_shows_the_change(world):
    plan, _root = approved_plan(world)
    actor = world.cast.executive.user
    second = plans.plan_replan(actor=actor, plan=plan, reason="Market grows faster")
    root = world.company_target(second, value="1200000.00")
    allocation.allocation_apply(
        actor=actor, plan=second, parent=root, axes=["child"], method="history"
    )
    department = root.children.get()
    allocation.allocation_apply(
        actor=actor, plan=second, parent=department, axes=["child"], method="history"
    )
    plans.plan_submit_for_negotiation(actor=actor, plan=second)
    plans.plan_approve(actor=actor, plan=second)

    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUPERSEDED
    rows = version_diff(user=actor, before=plan, after=second)
    changes = {row.label: (row.before, row.after) for row in rows}
    assert changes[world.cast.company.display_name] == (
        Decimal("1000000.00"),
        Decimal("1200000.00"),
    )
    assert len(rows) == 4
    assert all(row.change == (row.after or 0) - (row.before or 0) for row in rows)
    # In the order of the cascade: the company, its department, then the department's
    # teams in the organisation's order, each a level further in; the change as a share
    # of version 1.
    cast = world.cast
    assert [(row.label, row.depth) for row in rows] == [
        (cast.company.display_name, 0),
        (cast.department.display_name, 1),
        (cast.team.display_name, 2),
        (cast.other_team.display_name, 2),
    ]
    assert rows[0].change_share == Decimal("0.2")


def test_only_an_approved_version_is_replanned(world):
    plan = world.plan()
    with pytest.raises(DomainError) as refused:
        plans.plan_replan(actor=world.cast.executive.user, plan=plan, reason="why not")
    assert refused.value.code == "not_approved"
    assert TargetPlan.objects.count() == 1


def test_a_manual_company_target_records_how_it_was_made(world):
    plan = world.plan()
    root = world.company_target(plan, value="10")
    assert root.method == TargetMethod.SET
    assert root.inputs == {"value": "10"}
    assert root.created_by == world.cast.executive.user


# --- a target below the company serving its unit's tactical goal -------------------------


def test_the_manager_links_the_team_target_to_the_goal_the_team_owns(world, as_admin):
    plan = world.plan()
    _department, team, other = world.cascade_to_teams(plan, world.company_target(plan))
    goal = world.unit_goal("East Team sells 500,000")
    linked = plans.target_goal_link(
        actor=world.cast.manager.user, target=team, tactical_goal_id=goal.pk
    )
    assert linked.tactical_goal == goal
    assert Target.objects.get(pk=team.pk).tactical_goal_id == goal.pk
    # The change is audited like every change of a target.
    entry = LogEntry.objects.get_for_object(team).latest("timestamp")
    assert "tactical_goal" in entry.changes_dict
    # Unlinking leaves the target serving the goal above it again.
    plans.target_goal_link(actor=world.cast.manager.user, target=team, tactical_goal_id=None)
    assert Target.objects.get(pk=team.pk).tactical_goal_id is None
    assert Target.objects.get(pk=other.pk).tactical_goal_id is None


def test_a_goal_owned_by_another_unit_of_another_metric_or_by_someone_elses_team_is_refused(
    world,
):
    plan = world.plan()
    _department, team, other = world.cascade_to_teams(plan, world.company_target(plan))
    goal = world.unit_goal("East Team sells 500,000")
    executive = world.cast.executive.user
    with pytest.raises(DomainError) as elsewhere:
        plans.target_goal_link(actor=executive, target=other, tactical_goal_id=goal.pk)
    assert elsewhere.value.field == "tactical_goal_id"
    assert "East Team" in elsewhere.value.message
    customers_goal = world.unit_goal("East Team wins 5", metric=Metric.NEW_CUSTOMERS)
    with pytest.raises(DomainError) as wrong_metric:
        plans.target_goal_link(actor=executive, target=team, tactical_goal_id=customers_goal.pk)
    assert wrong_metric.value.field == "metric"
    with pytest.raises(NotAllowed):
        plans.target_goal_link(
            actor=world.cast.other_manager.user, target=team, tactical_goal_id=goal.pk
        )
    with pytest.raises(DomainError):
        plans.target_goal_link(actor=executive, target=team, tactical_goal_id=999_999)
    assert not Target.objects.filter(tactical_goal__in=[goal, customers_goal]).exists()


def test_a_locked_version_keeps_its_links(world):
    plan, _root = approved_plan(world)
    team = Target.objects.get(plan=plan, unit=world.cast.team)
    goal = world.unit_goal("East Team sells 500,000")
    with pytest.raises(DomainError) as locked:
        plans.target_goal_link(
            actor=world.cast.executive.user, target=team, tactical_goal_id=goal.pk
        )
    assert locked.value.code == "locked"
    assert Target.objects.get(pk=team.pk).tactical_goal_id is None
