"""The REST API for editions and goals: everyone reads, admins and executives write, errors name fields."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from conftest import MEMBERS
from salesalign.strategy.api.goals import router as goals_router
from salesalign.strategy.choices import PublicationStatus
from salesalign.strategy.models import StrategicGoal, StrategyEdition, TacticalGoal
from salesalign.strategy.tests.goals_fixtures import (
    new_edition,
    new_strategic_goal,
    new_tactical_goal,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/strategy"
EDITORS = ["admin", "executive"]
READERS = [who for who in MEMBERS if who not in EDITORS]
THIS_YEAR = timezone.localdate().year


def send(client, method, url, body=None):
    return getattr(client, method)(
        url, data=json.dumps(body) if body is not None else None, content_type="application/json"
    )


@pytest.mark.parametrize("who", MEMBERS)
def test_everyone_reads_our_strategy_as_statement_and_tree(cast, who):
    new_edition(cast, year=THIS_YEAR, vision="Be first")
    share = new_strategic_goal(
        cast, baseline_year=THIS_YEAR - 1, horizon_year=THIS_YEAR + 2, owner_id=None
    )
    tactical = new_tactical_goal(cast, serves=[share], year=THIS_YEAR, deadline=None)
    response = cast.client_for(who).get(f"{API}/our-strategy", {"year": THIS_YEAR})
    assert response.status_code == 200
    body = response.json()
    assert body["edition"]["vision"] == "Be first"
    assert [v["name"] for v in body["edition"]["values"]] == ["客户第一", "Integrity"]
    [branch] = body["strategic_goals"]
    assert branch["id"] == share.pk and branch["smart_gaps"] == ["no_owner"]
    assert [(t["id"], t["smart_gaps"]) for t in branch["tactical_goals"]] == [
        (tactical.pk, ["no_deadline"])
    ]
    assert body["unlinked_tactical_goals"] == []


def test_our_strategy_without_a_published_edition_has_no_statement(cast):
    new_edition(cast, year=THIS_YEAR, publish=False)
    body = cast.client_for("salesperson").get(f"{API}/our-strategy").json()
    assert body["edition"] is None and body["year"] == THIS_YEAR


@pytest.mark.parametrize("who", MEMBERS)
def test_drafts_are_listed_and_fetched_only_by_editors(cast, who):
    published = new_edition(cast, year=THIS_YEAR - 1)
    draft = new_edition(cast, year=THIS_YEAR, publish=False)
    client = cast.client_for(who)
    years = [edition["year"] for edition in client.get(f"{API}/editions").json()]
    assert years == ([THIS_YEAR, THIS_YEAR - 1] if who in EDITORS else [THIS_YEAR - 1])
    assert client.get(f"{API}/editions/{published.pk}").status_code == 200
    draft_response = client.get(f"{API}/editions/{draft.pk}")
    assert draft_response.status_code == (200 if who in EDITORS else 404)
    if who not in EDITORS:
        assert draft_response.json()["detail"]


def test_the_api_refuses_without_a_login(client):
    assert client.get(f"{API}/editions").status_code == 401


@pytest.mark.parametrize("who", EDITORS)
def test_an_editor_writes_an_edition_with_its_values_and_publishes_it(cast, who):
    client = cast.client_for(who)
    created = send(
        client,
        "post",
        f"{API}/editions",
        {"year": THIS_YEAR, "vision": "V", "mission": "M", "values": [{"name": "Speed"}]},
    )
    assert created.status_code == 201
    edition_id = created.json()["id"]
    updated = send(
        client,
        "put",
        f"{API}/editions/{edition_id}",
        {
            "year": THIS_YEAR,
            "vision": "V2",
            "mission": "M",
            "values": [{"name": "Trust", "explanation": "Keep promises"}, {"name": "Speed"}],
        },
    )
    assert [v["name"] for v in updated.json()["values"]] == ["Trust", "Speed"]
    published = send(client, "post", f"{API}/editions/{edition_id}/publish")
    assert published.json()["status"] == "published"
    assert published.json()["published_by"] == getattr(cast, who).user.username
    locked = send(
        client,
        "put",
        f"{API}/editions/{edition_id}",
        {"year": THIS_YEAR, "vision": "V3", "mission": "M"},
    )
    assert locked.status_code == 400
    assert StrategyEdition.objects.get().vision == "V2"


def test_a_duplicate_year_is_a_400_naming_the_year(cast):
    new_edition(cast, year=THIS_YEAR)
    response = send(
        cast.client_for("admin"),
        "post",
        f"{API}/editions",
        {"year": THIS_YEAR, "vision": "V", "mission": "M"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "year"


def test_a_goal_crud_round_trip_with_smart_gaps(cast):
    client = cast.client_for("executive")
    strategic = send(
        client,
        "post",
        f"{API}/strategic-goals",
        {
            "title": "Share",
            "metric": "market_share",
            "target_value": "15",
            "horizon_year": THIS_YEAR + 3,
        },
    )
    assert strategic.status_code == 201
    strategic_id = strategic.json()["id"]
    assert strategic.json()["smart_gaps"] == ["no_owner", "no_baseline"]
    tactical = send(
        client,
        "post",
        f"{API}/tactical-goals",
        {
            "title": "Win accounts",
            "year": THIS_YEAR,
            "strategic_goal_ids": [strategic_id],
            "metric": "new_customers",
            "target_value": "40",
            "deadline": f"{THIS_YEAR}-12-31",
            "owning_unit_id": cast.team.pk,
        },
    )
    assert tactical.status_code == 201
    assert tactical.json()["strategic_goal_ids"] == [strategic_id]
    assert tactical.json()["smart_gaps"] == []
    tactical_id = tactical.json()["id"]
    updated = send(
        client,
        "put",
        f"{API}/tactical-goals/{tactical_id}",
        {"title": "Win accounts", "year": THIS_YEAR, "strategic_goal_ids": []},
    )
    assert updated.json()["smart_gaps"] == [
        "no_metric",
        "no_owner",
        "no_target_value",
        "not_linked",
        "no_deadline",
    ]
    listed = client.get(f"{API}/tactical-goals", {"year": THIS_YEAR}).json()
    assert [goal["id"] for goal in listed] == [tactical_id]
    assert client.delete(f"{API}/tactical-goals/{tactical_id}").status_code == 204
    assert client.delete(f"{API}/strategic-goals/{strategic_id}").status_code == 204
    assert not StrategicGoal.objects.exists() and not TacticalGoal.objects.exists()


def test_a_deadline_outside_the_year_is_a_400_naming_the_deadline(cast):
    response = send(
        cast.client_for("admin"),
        "post",
        f"{API}/tactical-goals",
        {"title": "Late", "year": THIS_YEAR, "deadline": f"{THIS_YEAR + 1}-02-01"},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "deadline", "reason": f"The deadline must fall within {THIS_YEAR}."}
    ]


def test_an_unknown_metric_is_a_422_naming_the_metric(cast):
    response = send(
        cast.client_for("admin"),
        "post",
        f"{API}/strategic-goals",
        {"title": "X", "metric": "vibes"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "metric"


def test_an_unknown_owner_is_a_400_naming_the_owner(cast):
    response = send(
        cast.client_for("admin"), "post", f"{API}/strategic-goals", {"title": "X", "owner_id": 9999}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "owner_id"


def test_missing_goals_are_404_in_json(cast):
    response = cast.client_for("admin").get(f"{API}/strategic-goals/9999")
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("who", READERS)
def test_a_reader_cannot_write_through_the_api_and_nothing_changes(cast, who):
    draft = new_edition(cast, year=THIS_YEAR, vision="Draft", publish=False)
    strategic = new_strategic_goal(cast)
    tactical = new_tactical_goal(cast, serves=[strategic])
    client = cast.client_for(who)
    attempts = [
        send(
            client,
            "post",
            f"{API}/editions",
            {"year": THIS_YEAR + 1, "vision": "V", "mission": "M"},
        ),
        send(
            client,
            "put",
            f"{API}/editions/{draft.pk}",
            {"year": THIS_YEAR, "vision": "X", "mission": "M"},
        ),
        send(client, "post", f"{API}/editions/{draft.pk}/publish"),
        send(client, "post", f"{API}/strategic-goals", {"title": "Mine"}),
        send(client, "put", f"{API}/strategic-goals/{strategic.pk}", {"title": "X"}),
        send(client, "delete", f"{API}/strategic-goals/{strategic.pk}"),
        send(client, "post", f"{API}/tactical-goals", {"title": "Mine", "year": THIS_YEAR}),
        send(
            client, "put", f"{API}/tactical-goals/{tactical.pk}", {"title": "X", "year": THIS_YEAR}
        ),
        send(client, "delete", f"{API}/tactical-goals/{tactical.pk}"),
    ]
    assert {response.status_code for response in attempts} <= {403, 404}
    assert all("detail" in response.json() for response in attempts)
    draft.refresh_from_db()
    assert (draft.vision, draft.status) == ("Draft", PublicationStatus.DRAFT)
    assert StrategyEdition.objects.count() == 1
    assert list(StrategicGoal.objects.values_list("title", flat=True)) == [strategic.title]
    assert list(TacticalGoal.objects.values_list("title", flat=True)) == [tactical.title]


def test_every_goal_endpoint_has_a_summary_and_a_documentable_schema():
    operations = [
        operation
        for path_view in goals_router.path_operations.values()
        for operation in path_view.operations
    ]
    assert len(operations) >= 15
    assert all(operation.summary for operation in operations)
    for operation in operations:
        for model in operation.models:
            assert model.model_json_schema()["type"] == "object"
