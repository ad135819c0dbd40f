"""The targets API with the permission cast: who reads, who writes, another team's targets 404,
errors name the field, and the whole journey works through HTTP."""

from __future__ import annotations

import json

import pytest

from conftest import MEMBERS
from salesalign.targets.choices import PlanStatus, ProposalStatus
from salesalign.targets.models import Target, TargetPlan, TargetProposal
from salesalign.targets.services import allocation, plans
from salesalign.targets.tests.conftest import YEAR

pytestmark = pytest.mark.django_db

API = "/api/v1/targets"
#: The cast of conftest, with the other team's manager too.
EVERYONE = [*MEMBERS, "other_manager"]
PLANNERS = {"admin", "executive"}
#: Who sees the other team's salesperson's target (as the person, their manager, or company-wide).
SEES_OTHER_TEAM = {"admin", "executive", "hr", "other_salesperson", "other_manager"}


def send(client, method, url, body=None):
    return getattr(client, method)(
        url, data=json.dumps(body) if body is not None else None, content_type="application/json"
    )


@pytest.fixture
def approved(world):
    """An approved plan cascaded to every salesperson of both teams."""
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    _department, team, other = world.cascade_to_teams(plan, root)
    allocation.allocation_apply(
        actor=cast.manager.user, plan=plan, parent=team, axes=["child"], method="history"
    )
    allocation.allocation_apply(
        actor=cast.other_manager.user, plan=plan, parent=other, axes=["child"], method="history"
    )
    plans.plan_submit_for_negotiation(actor=cast.executive.user, plan=plan)
    plans.plan_approve(actor=cast.executive.user, plan=plan)
    return plan, team, other


@pytest.mark.parametrize("who", EVERYONE)
def test_another_teams_target_is_404_for_everyone_who_may_not_see_it(world, approved, who):
    cast = world.cast
    plan, _team, _other = approved
    foreign = Target.objects.get(plan=plan, person=cast.other_salesperson)
    client = cast.client_for(who)
    response = client.get(f"{API}/targets/{foreign.pk}")
    if who == "outsider":
        assert response.status_code == 404
        return
    assert response.status_code == (200 if who in SEES_OTHER_TEAM else 404)
    listed = client.get(f"{API}/plans/{plan.pk}/targets", {"limit": 1000}).json()
    assert listed["count"] == len(listed["items"])
    assert (foreign.pk in {row["id"] for row in listed["items"]}) is (who in SEES_OTHER_TEAM)
    sight = client.get(f"{API}/line-of-sight", {"person": cast.other_salesperson.pk, "year": YEAR})
    assert sight.status_code == (200 if who in SEES_OTHER_TEAM else 404)


@pytest.mark.parametrize("who", EVERYONE)
def test_everyone_with_a_login_reads_the_approved_plan_and_their_own_line_of_sight(
    world, approved, who
):
    cast = world.cast
    plan, _team, _other = approved
    client = cast.client_for(who)
    listed = client.get(f"{API}/plans").json()
    assert [row["id"] for row in listed] == ([] if who == "outsider" else [plan.pk])
    if who == "outsider":
        assert client.get(f"{API}/plans/{plan.pk}").status_code == 404
        return
    detail = client.get(f"{API}/plans/{plan.pk}").json()
    assert detail["status"] == PlanStatus.APPROVED
    assert [row["value"] for row in detail["company_targets"]] == ["1000000.00"]
    sight = client.get(f"{API}/line-of-sight", {"year": YEAR}).json()
    if who in {"salesperson", "salesperson2", "other_salesperson"}:
        [revenue] = sight["metrics"]
        assert revenue["chain"][-1]["value"] == "1000000.00"
        assert revenue["tactical_goal"]["id"] == world.goal.pk
    else:
        assert sight["metrics"] == []


@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_teams_manager_and_planners_preview_an_allocation_of_the_team(
    world, approved, who
):
    cast = world.cast
    plan, _team, _other = approved
    second = plans.plan_replan(actor=cast.executive.user, plan=plan, reason="New market data")
    copied_team = Target.objects.get(plan=second, unit=cast.team)
    response = send(
        cast.client_for(who),
        "post",
        f"{API}/targets/{copied_team.pk}/allocation/preview",
        {"axes": ["child", "product_line"], "method": "history"},
    )
    allowed = who in PLANNERS | {"manager"}
    sees = allowed or who == "hr"
    expected = 200 if allowed else (403 if sees else 404)
    assert response.status_code == expected, response.content
    if allowed:
        body = response.json()
        assert len(body["lines"]) == 4
        assert body["backtest"]["wape"] == "0.0000"
        assert sum(float(line["value"]) for line in body["lines"]) == pytest.approx(
            float(copied_team.value)
        )


@pytest.mark.parametrize("who", EVERYONE)
def test_only_planners_create_submit_and_approve_plans(world, who):
    client = world.cast.client_for(who)
    created = send(client, "post", f"{API}/plans", {"fiscal_year": YEAR})
    if who not in PLANNERS:
        assert created.status_code == 403
        assert created.json()["detail"]
        assert not TargetPlan.objects.exists()
        return
    assert created.status_code == 201
    plan_id = created.json()["id"]
    target = send(
        client,
        "post",
        f"{API}/plans/{plan_id}/company-targets",
        {"metric": "revenue", "value": "500000.00", "tactical_goal_id": world.goal.pk},
    )
    assert target.status_code == 201 and target.json()["value"] == "500000.00"
    assert send(client, "post", f"{API}/plans/{plan_id}/submit").json()["status"] == "negotiation"
    assert send(client, "post", f"{API}/plans/{plan_id}/approve").json()["status"] == "approved"
    locked = send(
        client,
        "post",
        f"{API}/plans/{plan_id}/company-targets",
        {"metric": "revenue", "value": "1"},
    )
    assert locked.status_code == 400
    replan = send(client, "post", f"{API}/plans/{plan_id}/replan", {"reason": "Reorganisation"})
    assert replan.status_code == 201 and replan.json()["version"] == 2
    diff = client.get(f"{API}/plans/{replan.json()['id']}/diff", {"other": plan_id}).json()
    assert (diff["count"], diff["items"]) == (0, [])


def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(world):
    client = world.cast.client_for("executive")
    plan = world.plan()
    negative = send(
        client,
        "post",
        f"{API}/plans/{plan.pk}/company-targets",
        {"metric": "revenue", "value": "-5"},
    )
    assert negative.status_code == 400
    assert negative.json()["errors"] == [
        {"field": "value", "reason": "A target cannot be negative."}
    ]
    weights = send(
        client, "post", f"{API}/plans/{plan.pk}/seasonality", {"percentages": ["10"] * 12}
    )
    assert weights.status_code == 400
    assert weights.json()["errors"][0]["field"] == "percentages"
    assert "120" in weights.json()["detail"]
    not_a_number = send(
        client,
        "post",
        f"{API}/plans/{plan.pk}/company-targets",
        {"metric": "revenue", "value": "x"},
    )
    assert not_a_number.status_code == 422
    assert not Target.objects.exists()


def test_the_negotiation_journey_through_the_api(world, approved):
    cast = world.cast
    plan, _team, _other = approved
    executive = cast.client_for("executive")
    second = send(
        executive, "post", f"{API}/plans/{plan.pk}/replan", {"reason": "Q2 review"}
    ).json()
    team = Target.objects.get(plan_id=second["id"], unit=cast.team)
    assert send(executive, "post", f"{API}/plans/{second['id']}/submit").status_code == 200

    manager = cast.client_for("manager")
    published = send(manager, "post", f"{API}/targets/{team.pk}/publish", {"note": "Please answer"})
    assert published.status_code == 201 and len(published.json()) == 2

    salesperson = cast.client_for("salesperson")
    inbox = salesperson.get(f"{API}/negotiation/inbox").json()
    [proposal] = inbox["to_answer"]
    assert (
        send(
            cast.client_for("salesperson2"),
            "post",
            f"{API}/proposals/{proposal['id']}/counter",
            {"value": "1", "reason": "not mine"},
        ).status_code
        == 404
    )
    counter = send(
        salesperson,
        "post",
        f"{API}/proposals/{proposal['id']}/counter",
        {"value": "400000.00", "reason": "A key account closes its plant"},
    )
    assert counter.status_code == 201 and counter.json()["value"] == "400000.00"

    decisions = manager.get(f"{API}/negotiation/inbox").json()
    [group] = decisions["to_decide"]
    assert group["parent"]["id"] == team.pk
    assert decisions["count"] == 1
    refused = send(executive, "post", f"{API}/plans/{second['id']}/approve")
    assert refused.status_code == 400

    resolved = send(manager, "post", f"{API}/proposals/{proposal['id']}/resolve", {"note": "OK"})
    assert resolved.json()["status"] == ProposalStatus.RESOLVED
    children = Target.objects.filter(parent=team)
    other_child = children.exclude(pk=proposal["target"]["id"]).get()
    placed = (team.amount or 0) - (children.get(pk=proposal["target"]["id"]).amount or 0)
    manual = send(
        manager,
        "put",
        f"{API}/targets/{team.pk}/children",
        {"amounts": [{"target_id": other_child.pk, "value": str(placed / 100)}]},
    )
    assert manual.status_code == 200 and manual.json()["remainder"] == "0.00"
    approved_now = send(executive, "post", f"{API}/plans/{second['id']}/approve")
    assert approved_now.json()["status"] == "approved"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUPERSEDED
    detail = salesperson.get(f"{API}/targets/{proposal['target']['id']}").json()
    assert [message["kind"] for message in detail["thread"]] == [
        "published",
        "countered",
        "resolved",
    ]
    assert sum(float(month["value"]) for month in detail["months"]) == pytest.approx(400000)
    assert TargetProposal.objects.filter(status=ProposalStatus.COUNTERED).count() == 0


def test_the_allocation_is_applied_and_the_cascade_answers_through_the_api(world):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    executive = cast.client_for("executive")
    applied = send(
        executive,
        "post",
        f"{API}/targets/{root.pk}/allocation/apply",
        {
            "axes": ["product_line"],
            "method": "history_market",
            "params": {
                "growth_factors": [
                    {"axis": "product_line", "value": world.software.pk, "factor": "1.2"}
                ]
            },
        },
    )
    assert applied.status_code == 201, applied.content
    body = applied.json()
    assert body["line_count"] == 2 and body["method"] == "history_market"
    cascade = executive.get(f"{API}/plans/{plan.pk}/cascade", {"metric": "revenue"}).json()
    assert [node["depth"] for node in cascade["nodes"]] == [0, 1, 1]
    assert cascade["nodes"][0]["remainder"] == "0.00"
    assert len(cascade["nodes"][1]["months"]) == 12
    salesperson = cast.client_for("salesperson")
    assert salesperson.get(f"{API}/plans/{plan.pk}/cascade").status_code == 404


def test_a_team_target_is_linked_to_its_teams_goal_through_the_api(world):
    plan = world.plan()
    _department, team, other = world.cascade_to_teams(plan, world.company_target(plan))
    goal = world.unit_goal("East Team sells 500,000")
    client = world.cast.client_for("manager")
    linked = send(client, "put", f"{API}/targets/{team.pk}/goal", {"tactical_goal_id": goal.pk})
    assert linked.status_code == 200, linked.content
    assert linked.json()["tactical_goal_id"] == goal.pk
    # The other team's target cannot serve the East Team's goal: a 400 naming the field.
    executive = world.cast.client_for("executive")
    refused = send(
        executive, "put", f"{API}/targets/{other.pk}/goal", {"tactical_goal_id": goal.pk}
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "tactical_goal_id"
    assert Target.objects.get(pk=other.pk).tactical_goal_id is None
    unlinked = send(client, "put", f"{API}/targets/{team.pk}/goal", {"tactical_goal_id": None})
    assert unlinked.status_code == 200 and unlinked.json()["tactical_goal_id"] is None
