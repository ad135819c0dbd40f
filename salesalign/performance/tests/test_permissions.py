"""The fixed cast against every performance page and endpoint, with another team's data present:
nobody outside the other team's scope sees its person's feedback, 360° results or actions."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from conftest import MEMBERS
from salesalign.performance.choices import FeedbackKind, Relationship
from salesalign.performance.services import actions, feedback, rounds

pytestmark = pytest.mark.django_db

SECRETS = ("Manager words for sales3", "Self words of sales3", "Round comment on sales3")
ACTION = "Action title for sales3"


@pytest.fixture
def other_team_data(world):
    cast = world.cast
    person = cast.other_salesperson
    written = feedback.feedback_save(
        actor=cast.other_manager.user,
        period=world.quarter,
        person=person,
        kind=FeedbackKind.MANAGER,
        rating=4,
        went_well=SECRETS[0],
        submit=True,
    )
    feedback.feedback_save(
        actor=person.user,
        period=world.quarter,
        person=person,
        kind=FeedbackKind.SELF,
        rating=4,
        went_well=SECRETS[1],
        submit=True,
    )
    world.publish()
    feedback_round = rounds.round_open(
        actor=cast.hr.user, person=person, period=world.quarter, questions=["Q1", "Q2"]
    )
    for respondent in (cast.salesperson, cast.salesperson2, cast.manager):
        invitation = rounds.round_invite(
            actor=cast.hr.user,
            feedback_round=feedback_round,
            respondent=respondent,
            relationship=Relationship.PEER,
        )
        rounds.round_answer(
            actor=respondent.user,
            invitation=invitation,
            scores={pk: 4 for pk in feedback_round.questions.values_list("pk", flat=True)},
            comment=SECRETS[2],
        )
    rounds.round_close(actor=cast.hr.user, feedback_round=feedback_round)
    action = actions.action_create(
        actor=cast.other_manager.user,
        title=ACTION,
        owner=person,
        due_on=datetime.date(2026, 5, 1),
        feedback=written,
    )
    return world, written, feedback_round, action


@pytest.mark.parametrize("member", MEMBERS)
def test_another_teams_performance_data_stays_in_its_scope(other_team_data, member):
    world, written, feedback_round, action = other_team_data
    cast = world.cast
    client = cast.client_for(member)
    sees = member in {"admin", "executive", "hr", "other_salesperson"}
    pages = [
        reverse("performance:period_list"),
        reverse("performance:feedback_list"),
        reverse("performance:round_list"),
        reverse("performance:action_list"),
        reverse("performance:retrospective_list"),
        reverse("performance:period_detail", args=[world.quarter.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code < 500, url
        content = response.content.decode()
        if not sees and response.status_code == 200:
            assert not any(secret in content for secret in SECRETS), url
            assert ACTION not in content, url
    detail_pages = [
        reverse("performance:feedback_detail", args=[world.quarter.pk, cast.other_salesperson.pk]),
        reverse("performance:round_detail", args=[feedback_round.pk]),
    ]
    for url in detail_pages:
        assert client.get(url).status_code == (200 if sees else 404), url
    endpoints = [
        f"/api/v1/performance/feedback/{written.pk}",
        f"/api/v1/performance/rounds/{feedback_round.pk}",
    ]
    for url in endpoints:
        assert client.get(url).status_code == (200 if sees else 404), url
    listed = {
        "/api/v1/performance/feedback": written.pk,
        "/api/v1/performance/rounds": feedback_round.pk,
        "/api/v1/performance/actions": action.pk,
    }
    for url, pk in listed.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert any(row["id"] == pk for row in response.json()) is sees, url
