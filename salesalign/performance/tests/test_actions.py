"""Improvement actions: set from feedback, a 360° round or a retrospective, owned by the right
people, seen by the right people, and reminded of once when they fall due."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.models import Notification
from salesalign.performance.choices import ActionStatus, FeedbackKind
from salesalign.performance.models import ImprovementAction
from salesalign.performance.services import actions as services
from salesalign.performance.services import feedback as feedback_services
from salesalign.performance.services import retrospectives as retrospective_services
from salesalign.performance.services import rounds as round_services
from salesalign.performance.tests.conftest import TODAY

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 4, 30)


def feedback_of(world, person=None):
    cast = world.cast
    return feedback_services.feedback_save(
        actor=cast.manager.user,
        period=world.quarter,
        person=person or cast.salesperson,
        kind=FeedbackKind.MANAGER,
        rating=3,
        to_improve="Follow up faster",
        submit=True,
    )


def test_an_action_from_feedback_is_owned_by_the_person_or_a_manager(world):
    cast = world.cast
    feedback = feedback_of(world)
    action = services.action_create(
        actor=cast.manager.user,
        title="Call back within a day",
        owner=cast.salesperson,
        due_on=DUE,
        feedback=feedback,
    )
    assert (action.person, action.status) == (cast.salesperson, ActionStatus.OPEN)
    with pytest.raises(DomainError) as wrong_owner:
        services.action_create(
            actor=cast.manager.user,
            title="x",
            owner=cast.salesperson2,
            due_on=DUE,
            feedback=feedback,
        )
    assert wrong_owner.value.field == "owner"
    with pytest.raises(NotAllowed):
        services.action_create(
            actor=cast.salesperson2.user,
            title="x",
            owner=cast.salesperson,
            due_on=DUE,
            feedback=feedback,
        )
    with pytest.raises(DomainError, match="one feedback"):
        services.action_create(actor=cast.manager.user, title="x", owner=cast.manager, due_on=DUE)


def test_a_salesperson_sees_their_actions_and_not_a_colleagues(world):
    cast = world.cast
    mine = services.action_create(
        actor=cast.manager.user,
        title="Visit three key accounts",
        owner=cast.salesperson,
        due_on=DUE,
        feedback=feedback_of(world),
    )
    theirs = services.action_create(
        actor=cast.manager.user,
        title="Prepare the Beta demo",
        owner=cast.salesperson2,
        due_on=DUE,
        feedback=feedback_of(world, person=cast.salesperson2),
    )
    page = cast.client_for("salesperson").get(reverse("performance:action_list")).content.decode()
    assert "Visit three key accounts" in page and "Prepare the Beta demo" not in page
    api = cast.client_for("salesperson").get("/api/v1/performance/actions").json()
    assert [row["id"] for row in api] == [mine.pk]
    manager = cast.client_for("manager").get("/api/v1/performance/actions").json()
    assert {row["id"] for row in manager} == {mine.pk, theirs.pk}
    assert cast.client_for("other_salesperson").get("/api/v1/performance/actions").json() == []
    refused = cast.client_for("salesperson").post(
        reverse("performance:action_status", args=[theirs.pk]), {"done": "1"}
    )
    assert refused.status_code == 404


def test_the_owner_marks_an_action_done_and_open_again(world):
    cast = world.cast
    action = services.action_create(
        actor=cast.manager.user,
        title="Update the CRM",
        owner=cast.salesperson,
        due_on=DUE,
        feedback=feedback_of(world),
    )
    client = cast.client_for("salesperson")
    client.post(reverse("performance:action_status", args=[action.pk]), {"done": "1"})
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.done_at is not None
    response = client.post(
        f"/api/v1/performance/actions/{action.pk}/status",
        {"done": False},
        content_type="application/json",
    )
    assert response.json()["status"] == "open"


def test_owners_are_reminded_once_when_an_action_falls_due(world):
    cast = world.cast
    feedback = feedback_of(world)
    soon = services.action_create(
        actor=cast.manager.user,
        title="Soon",
        owner=cast.salesperson,
        due_on=TODAY,
        feedback=feedback,
    )
    services.action_create(
        actor=cast.manager.user,
        title="Later",
        owner=cast.manager,
        due_on=TODAY + datetime.timedelta(days=30),
        feedback=feedback,
    )
    assert services.actions_notify_due(today=TODAY) == 1
    told = Notification.objects.get(kind=services.NOTIFY_DUE)
    assert told.recipient == cast.salesperson
    assert "Soon" not in told.text
    assert services.actions_notify_due(today=TODAY) == 0, "once per action"
    soon.refresh_from_db()
    assert soon.due_notified_on == TODAY


def test_actions_from_a_round_and_a_retrospective(world):
    cast = world.cast
    feedback_round = round_services.round_open(
        actor=cast.hr.user, person=cast.salesperson, period=world.quarter
    )
    from_round = services.action_create(
        actor=cast.salesperson.user,
        title="Ask for feedback after each demo",
        owner=cast.salesperson,
        due_on=DUE,
        feedback_round=feedback_round,
    )
    assert from_round.person == cast.salesperson
    retrospective = retrospective_services.retrospective_save(
        actor=cast.manager.user, unit=cast.team, period=world.quarter, what_worked="Demos"
    )
    from_retro = services.action_create(
        actor=cast.manager.user,
        title="Weekly pipeline review",
        owner=cast.salesperson2,
        due_on=DUE,
        retrospective=retrospective,
    )
    assert (from_retro.unit, from_retro.person) == (cast.team, None)
    with pytest.raises(DomainError):
        services.action_create(
            actor=cast.manager.user,
            title="x",
            owner=cast.other_salesperson,
            due_on=DUE,
            retrospective=retrospective,
        )
    with pytest.raises(NotAllowed):
        services.action_create(
            actor=cast.salesperson.user,
            title="x",
            owner=cast.salesperson,
            due_on=DUE,
            retrospective=retrospective,
        )
    assert ImprovementAction.objects.visible_to(cast.salesperson2.user).get() == from_retro
    assert not ImprovementAction.objects.visible_to(cast.other_salesperson.user).exists()
