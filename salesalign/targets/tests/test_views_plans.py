"""Plan pages: the list, a plan with its actions by status, company targets, version diffs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import MEMBERS
from salesalign.core.choices import Metric
from salesalign.targets.choices import PlanStatus
from salesalign.targets.models import Target, TargetPlan
from salesalign.targets.services import plans
from salesalign.targets.tests.conftest import YEAR
from salesalign.targets.tests.pages_world import allocate_down, negotiate

pytestmark = pytest.mark.django_db

PLANNERS = ["admin", "executive"]
NOT_PLANNERS = [who for who in MEMBERS if who not in PLANNERS]
#: Who reads a draft: planners and managers (and HR, who sees the whole company).
DRAFT_READERS = ["admin", "executive", "hr", "manager"]


@pytest.mark.parametrize("who", MEMBERS)
def test_the_plan_list_shows_drafts_to_planners_and_managers_only(world, who):
    draft = world.plan()
    response = world.cast.client_for(who).get(reverse("targets:plan_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert (f'data-plan="{draft.pk}"' in page) == (who in DRAFT_READERS)
    assert ('id="plan-create-form"' in page) == (who in PLANNERS)


@pytest.mark.parametrize("who", NOT_PLANNERS)
def test_only_planners_start_a_year(world, who):
    response = world.cast.client_for(who).post(
        reverse("targets:plan_create"), {"fiscal_year": YEAR}
    )
    assert response.status_code == 403
    assert not TargetPlan.objects.exists()


def test_an_executive_starts_a_year_and_a_second_start_is_refused_naming_the_year(world):
    client = world.cast.client_for("executive")
    response = client.post(reverse("targets:plan_create"), {"fiscal_year": YEAR})
    plan = TargetPlan.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("targets:plan_detail", args=[plan.pk])
    again = client.post(reverse("targets:plan_create"), {"fiscal_year": YEAR})
    assert again.status_code == 200
    assert "already targets for 2026" in again.context["form"].errors["fiscal_year"][0]
    assert TargetPlan.objects.count() == 1


@pytest.mark.parametrize("who", MEMBERS)
def test_a_plan_in_negotiation_is_read_by_the_company_and_only_planners_get_actions(world, who):
    allocated = allocate_down(world)
    negotiate(world, allocated)
    response = world.cast.client_for(who).get(
        reverse("targets:plan_detail", args=[allocated.plan.pk])
    )
    if who == "outsider":
        assert response.status_code == 404
        return
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-target="{allocated.root.pk}"' in page
    assert world.goal.title in page  # the company target says which tactical goal it serves
    assert ('id="approve-plan"' in page) == (who in PLANNERS)
    assert ('id="company-target-form"' in page) == (who in PLANNERS)


@pytest.mark.parametrize("who", ["salesperson", "other_salesperson", "outsider"])
def test_a_draft_is_not_found_for_those_who_do_not_plan_or_manage(world, who):
    plan = world.plan()
    response = world.cast.client_for(who).get(reverse("targets:plan_detail", args=[plan.pk]))
    assert response.status_code == 404


def test_the_plan_moves_draft_negotiation_approved_then_replan_with_a_reason(world):
    allocated = allocate_down(world)
    plan = allocated.plan
    client = world.cast.client_for("executive")
    client.post(reverse("targets:plan_submit", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.NEGOTIATION
    client.post(reverse("targets:plan_approve", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    page = client.get(reverse("targets:plan_detail", args=[plan.pk])).content.decode()
    assert 'id="replan-form"' in page and 'id="company-target-form"' not in page
    # The company's target is owned by the company: not a "Unit" beside "Metric".
    assert "<th>Metric</th><th>Owner</th>" in page

    empty = client.post(reverse("targets:plan_replan", args=[plan.pk]), {"reason": "  "})
    assert empty.status_code == 200
    assert empty.context["replan_form"].errors["reason"]
    assert TargetPlan.objects.count() == 1

    response = client.post(
        reverse("targets:plan_replan", args=[plan.pk]), {"reason": "A new key account"}
    )
    copy = TargetPlan.objects.get(version=2)
    assert response.url == reverse("targets:plan_detail", args=[copy.pk])
    assert copy.reason == "A new key account" and copy.status == PlanStatus.DRAFT
    page = client.get(response.url).content.decode()
    assert "A new key account" in page and 'id="replan-reason"' in page


def test_approving_with_an_open_counter_says_why_and_changes_nothing(world):
    from salesalign.targets.services import negotiation

    allocated = allocate_down(world)
    [first, _second] = sorted(negotiate(world, allocated), key=lambda p: p.target.person_id)
    proposal = next(p for p in (first, _second) if p.target.person_id == world.cast.salesperson.pk)
    negotiation.proposal_counter(
        actor=world.cast.salesperson.user, proposal=proposal, value="1000", reason="Too high"
    )
    client = world.cast.client_for("executive")
    # The page says so before anyone presses: no live button, a way to the counter-proposal.
    page = client.get(reverse("targets:plan_detail", args=[allocated.plan.pk])).content.decode()
    assert 'id="approve-plan" disabled' in page
    negotiation_url = reverse("targets:plan_negotiation", args=[allocated.plan.pk])
    assert f'<a href="{negotiation_url}" id="decide-counters">' in page
    assert reverse("targets:plan_approve", args=[allocated.plan.pk]) not in page
    # A request sent anyway (an old tab) is still refused.
    response = client.post(reverse("targets:plan_approve", args=[allocated.plan.pk]), follow=True)
    assert "1 counter-proposal still waits for a decision." in response.content.decode()
    allocated.plan.refresh_from_db()
    assert allocated.plan.status == PlanStatus.NEGOTIATION


@pytest.mark.parametrize("who", NOT_PLANNERS)
def test_only_planners_move_a_plan_or_set_company_targets(world, who):
    plan = world.plan()
    world.company_target(plan)
    client = world.cast.client_for(who)
    for name in ("plan_submit", "plan_approve", "plan_replan"):
        assert client.post(reverse(f"targets:{name}", args=[plan.pk])).status_code == 403
    response = client.post(
        reverse("targets:company_target_set", args=[plan.pk]),
        {"metric": Metric.REVENUE, "value": "5"},
    )
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    assert Target.objects.get().amount == 100_000_000


def test_a_company_target_linked_to_its_goal_and_a_bad_number_named_on_its_field(world):
    plan = world.plan()
    client = world.cast.client_for("executive")
    url = reverse("targets:company_target_set", args=[plan.pk])
    bad = client.post(
        url, {"metric": Metric.REVENUE, "value": "-5", "tactical_goal": world.goal.pk}
    )
    assert bad.status_code == 200
    assert bad.context["target_form"].errors["value"] == ["A target cannot be negative."]
    words = client.post(url, {"metric": Metric.REVENUE, "value": "lots"})
    assert "is not a number" in words.context["target_form"].errors["value"][0]
    commas = client.post(url, {"metric": Metric.REVENUE, "value": "1,2,3"})
    assert "is not a number" in commas.context["target_form"].errors["value"][0]
    huge = client.post(url, {"metric": Metric.REVENUE, "value": "1e30"})
    assert huge.status_code == 200
    assert "at most 15 digits" in huge.context["target_form"].errors["value"][0]
    assert not Target.objects.exists()
    client.post(
        url, {"metric": Metric.REVENUE, "value": "2,500,000", "tactical_goal": world.goal.pk}
    )
    target = Target.objects.get()
    assert target.value == Decimal("2500000.00") and target.tactical_goal == world.goal


def test_a_locked_plan_refuses_a_company_target_with_the_reason(world):
    allocated = allocate_down(world)
    plans.plan_submit_for_negotiation(actor=world.cast.executive.user, plan=allocated.plan)
    plans.plan_approve(actor=world.cast.executive.user, plan=allocated.plan)
    response = world.cast.client_for("executive").post(
        reverse("targets:company_target_set", args=[allocated.plan.pk]),
        {"metric": Metric.REVENUE, "value": "5"},
    )
    assert "locked" in str(response.context["target_form"].non_field_errors())
    allocated.root.refresh_from_db()
    assert allocated.root.amount == 100_000_000


def test_the_diff_shows_each_changed_slice_between_two_versions(world):
    allocated = allocate_down(world)
    executive = world.cast.executive.user
    plans.plan_submit_for_negotiation(actor=executive, plan=allocated.plan)
    plans.plan_approve(actor=executive, plan=allocated.plan)
    second = plans.plan_replan(actor=executive, plan=allocated.plan, reason="More")
    world.company_target(second, value="1200000.00")
    client = world.cast.client_for("manager")
    response = client.get(reverse("targets:plan_diff", args=[second.pk]))
    assert response.context["before"] == allocated.plan
    rows = response.context["rows"]
    assert [(row.before, row.after) for row in rows] == [
        (Decimal("1000000.00"), Decimal("1200000.00"))
    ]
    page = response.content.decode()
    assert "+200,000.00" in page
    everything = client.get(
        reverse("targets:plan_diff", args=[second.pk]),
        {"other": allocated.plan.pk, "all": "1"},
    )
    # Every slice the manager may see; the other team's salesperson is not one of them.
    visible = Target.objects.visible_to(world.cast.manager.user).filter(plan=second)
    assert len(everything.context["rows"]) == visible.count() == 5
    assert world.cast.other_salesperson.display_name not in everything.content.decode()


def test_the_plan_list_reads_a_constant_number_of_queries(world, django_assert_max_num_queries):
    client = world.cast.client_for("executive")
    for year in range(2030, 2033):
        plans.plan_create(actor=world.cast.executive.user, fiscal_year=year)
    client.get(reverse("targets:plan_list"))
    for year in range(2040, 2050):
        plans.plan_create(actor=world.cast.executive.user, fiscal_year=year)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("targets:plan_list"))
    assert len(response.context["plans"]) == 13


def test_plan_pages_name_who_started_and_approved_by_their_names_not_their_logins(world):
    allocated = allocate_down(world)
    plans.plan_submit_for_negotiation(actor=world.cast.executive.user, plan=allocated.plan)
    plans.plan_approve(actor=world.cast.executive.user, plan=allocated.plan)
    executive = world.cast.executive
    client = world.cast.client_for("manager")
    detail = client.get(reverse("targets:plan_detail", args=[allocated.plan.pk])).content.decode()
    assert f"Started by {executive.name_en} on" in detail
    assert f"by {executive.name_en}." in detail
    assert f"Started by {executive.user.username} on" not in detail
    listing = client.get(reverse("targets:plan_list")).content.decode()
    assert f" · {executive.name_en}</td>" in listing


def test_a_goal_no_target_serves_is_offered_to_its_units_target_and_linked_in_one_click(world):
    plan = world.plan()
    _department, team, other = world.cascade_to_teams(plan, world.company_target(plan))
    goal = world.unit_goal("East Team sells 500,000")
    url = reverse("targets:plan_detail", args=[plan.pk])
    link_url = reverse("targets:target_goal_link", args=[team.pk])

    def goal_item(who):
        page = world.cast.client_for(who).get(url).content.decode()
        start = page.index(f'data-goal="{goal.pk}"')
        return page[start : page.index("</li>", start)]

    item = goal_item("manager")
    assert "East Team · Revenue" in item  # the team's target, not the other team's
    assert "North Team" not in item
    assert link_url in item  # the team's manager may link it
    assert link_url not in goal_item("other_manager")

    # Another team's manager does not even see the target; HR, who reads it, may not link it;
    # a goal that is not a number is refused by name.
    assert (
        world.cast.client_for("other_manager").post(link_url, {"goal": goal.pk}).status_code == 404
    )
    assert world.cast.client_for("hr").post(link_url, {"goal": goal.pk}).status_code == 403
    client = world.cast.client_for("manager")
    bad = client.post(link_url, {"goal": "east", "next": url}, follow=True)
    assert "There is no such tactical goal." in bad.content.decode()
    assert Target.objects.get(pk=team.pk).tactical_goal_id is None

    response = client.post(link_url, {"goal": goal.pk, "next": url})
    assert response.status_code == 302 and response.url == url
    assert Target.objects.get(pk=team.pk).tactical_goal_id == goal.pk
    page = client.get(url).content.decode()
    assert f'data-goal="{goal.pk}"' not in page  # served now: no longer listed
    assert Target.objects.get(pk=other.pk).tactical_goal_id is None


def test_a_targets_page_offers_the_goals_its_unit_may_serve_to_its_managers_only(world):
    plan = world.plan()
    _department, team, other = world.cascade_to_teams(plan, world.company_target(plan))
    own = world.unit_goal("East Team sells 500,000")
    world.unit_goal("North Team sells 400,000", world.cast.other_team)
    world.unit_goal("East Team wins 5 customers", metric=Metric.NEW_CUSTOMERS)
    url = reverse("targets:target_detail", args=[team.pk])
    page = world.cast.client_for("manager").get(url).content.decode()
    form = page[
        page.index('id="goal-link-form"') : page.index("</form>", page.index('id="goal-link-form"'))
    ]
    # Its own team's revenue goal and the company's; not another team's, not another metric.
    assert "East Team sells 500,000" in form and world.goal.title in form
    assert "North Team" not in form and "wins 5 customers" not in form
    assert 'id="goal-link-form"' not in world.cast.client_for("hr").get(url).content.decode()

    client = world.cast.client_for("manager")
    client.post(reverse("targets:target_goal_link", args=[team.pk]), {"goal": own.pk, "next": url})
    page = client.get(url).content.decode()
    assert 'id="target-goal"' in page and "East Team sells 500,000" in page
    assert f'<option value="{own.pk}" selected>' in page
    assert Target.objects.get(pk=other.pk).tactical_goal_id is None


def test_a_split_that_no_longer_adds_up_is_named_with_its_cascade_before_approval(world):
    from salesalign.targets.services import negotiation

    allocated = allocate_down(world)
    proposals = negotiate(world, allocated)
    mine = next(p for p in proposals if p.target.person_id == world.cast.salesperson.pk)
    negotiation.proposal_counter(
        actor=world.cast.salesperson.user, proposal=mine, value="1000", reason="Too high"
    )
    negotiation.proposal_resolve(actor=world.cast.manager.user, proposal=mine)
    url = reverse("targets:plan_detail", args=[allocated.plan.pk])
    page = world.cast.client_for("executive").get(url).content.decode()
    block = page[page.index('id="unbalanced"') :].split("</div>", 1)[0]
    team = allocated.team
    assert f"?root={team.pk}&amp;view=months" in block and "East Team · Revenue" in block
    assert "North Team" not in block  # the other team still adds up
    refused = world.cast.client_for("executive").post(
        reverse("targets:plan_approve", args=[allocated.plan.pk]), follow=True
    )
    assert "Place the remainder in the cascade" in refused.content.decode()
    assert TargetPlan.objects.get(pk=allocated.plan.pk).status == PlanStatus.NEGOTIATION
