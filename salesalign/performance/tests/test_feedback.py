"""Feedback after a closed period: who writes it, who reads it and when — through the services,
the pages, the API and the notifications."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import MEMBERS
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.models import Notification
from salesalign.performance.choices import FeedbackKind, FeedbackStatus, PeriodKind
from salesalign.performance.models import Feedback
from salesalign.performance.services import feedback as services

pytestmark = pytest.mark.django_db

SECRET = "Needs to follow up on the Acme renewal"


def manager_feedback(world, *, person=None, submit=True, text=SECRET):
    cast = world.cast
    return services.feedback_save(
        actor=cast.manager.user,
        period=world.quarter,
        person=person or cast.salesperson,
        kind=FeedbackKind.MANAGER,
        rating=4,
        went_well="Good pipeline work",
        to_improve=text,
        submit=submit,
    )


def test_only_the_persons_managers_write_their_manager_feedback(world):
    cast = world.cast
    for outsider in (cast.other_manager, cast.salesperson2, cast.hr, cast.salesperson):
        with pytest.raises(NotAllowed):
            services.feedback_save(
                actor=outsider.user,
                period=world.quarter,
                person=cast.salesperson,
                kind=FeedbackKind.MANAGER,
                rating=3,
                went_well="x",
            )
    # the department head manages the team's people too
    written = services.feedback_save(
        actor=world.head.user,
        period=world.quarter,
        person=cast.salesperson,
        kind=FeedbackKind.MANAGER,
        rating=3,
        went_well="x",
    )
    assert written.author == world.head
    with pytest.raises(NotAllowed):
        services.feedback_save(
            actor=cast.manager.user,
            period=world.quarter,
            person=cast.manager,
            kind=FeedbackKind.MANAGER,
            rating=5,
            went_well="I am great",
        )


def test_one_of_each_per_person_and_period_and_final_once_submitted(world):
    cast = world.cast
    draft = manager_feedback(world, submit=False, text="first draft")
    again = manager_feedback(world, submit=False, text="second draft")
    assert draft.pk == again.pk and again.to_improve == "second draft"
    submitted = manager_feedback(world, submit=True)
    assert submitted.pk == draft.pk and submitted.status == FeedbackStatus.SUBMITTED
    with pytest.raises(DomainError) as error:
        manager_feedback(world, submit=False)
    assert error.value.code == "submitted"
    assert Feedback.objects.filter(person=cast.salesperson, kind=FeedbackKind.MANAGER).count() == 1
    with pytest.raises(DomainError, match="rating"):
        services.feedback_save(
            actor=cast.salesperson.user,
            period=world.quarter,
            person=cast.salesperson,
            kind=FeedbackKind.SELF,
            went_well="Self",
            submit=True,
        )


def test_feedback_waits_for_the_period_to_close(world):
    open_period = world.open_period()
    with pytest.raises(DomainError) as error:
        services.feedback_save(
            actor=world.cast.salesperson.user,
            period=open_period,
            person=world.cast.salesperson,
            kind=FeedbackKind.SELF,
            went_well="Early",
        )
    assert error.value.code == "period_open"


def test_the_person_reads_their_managers_feedback_only_once_submitted_and_published(world):
    cast = world.cast
    feedback = manager_feedback(world, submit=False)
    client = cast.client_for("salesperson")
    url = reverse("performance:feedback_detail", args=[world.quarter.pk, cast.salesperson.pk])
    assert SECRET not in client.get(url).content.decode()
    assert client.get(f"/api/v1/performance/feedback/{feedback.pk}").status_code == 404
    manager_feedback(world, submit=True)
    assert SECRET not in client.get(url).content.decode(), "not before the period is published"
    assert client.get("/api/v1/performance/feedback").json() == []
    world.publish()
    page = client.get(url).content.decode()
    assert SECRET in page
    listed = client.get("/api/v1/performance/feedback").json()
    assert [row["id"] for row in listed] == [feedback.pk]
    assert Notification.objects.get(recipient=cast.salesperson).url.endswith(
        f"?period={world.quarter.pk}"
    )


@pytest.mark.parametrize("member", [m for m in MEMBERS if m != "salesperson"])
def test_nobody_outside_scope_reads_a_salespersons_feedback(world, member):
    cast = world.cast
    feedback = manager_feedback(world)
    own = services.feedback_save(
        actor=cast.salesperson.user,
        period=world.quarter,
        person=cast.salesperson,
        kind=FeedbackKind.SELF,
        rating=4,
        went_well="My own words",
        submit=True,
    )
    world.publish()
    client = cast.client_for(member)
    sees = member in {"admin", "executive", "hr", "manager"}
    page = client.get(
        reverse("performance:feedback_detail", args=[world.quarter.pk, cast.salesperson.pk])
    )
    assert page.status_code == (200 if sees else 404)
    for pk in (feedback.pk, own.pk):
        api = client.get(f"/api/v1/performance/feedback/{pk}")
        assert api.status_code == (200 if sees else 404)
    listed = client.get(f"/api/v1/performance/feedback?person={cast.salesperson.pk}")
    assert (listed.status_code == 200 and len(listed.json()) == 2) is sees
    overview = client.get(reverse("performance:feedback_list")).content.decode()
    assert (f'data-person="{cast.salesperson.pk}"' in overview) is sees
    person = getattr(cast, member)
    if member != "outsider":
        texts = " ".join(n.text for n in Notification.objects.filter(recipient=person))
        assert SECRET not in texts and "My own words" not in texts
        assert (
            not Notification.objects.filter(
                recipient=person, url__contains=f"/people/{cast.salesperson.pk}/"
            )
            .exclude(recipient=cast.manager)
            .exists()
        )


def test_a_self_assessment_is_read_by_the_manager_once_submitted_and_tells_them(world):
    cast = world.cast
    services.feedback_save(
        actor=cast.salesperson.user,
        period=world.quarter,
        person=cast.salesperson,
        kind=FeedbackKind.SELF,
        rating=4,
        went_well="Beat my target",
    )
    manager = cast.client_for("manager")
    url = reverse("performance:feedback_detail", args=[world.quarter.pk, cast.salesperson.pk])
    assert "Beat my target" not in manager.get(url).content.decode(), "a draft is the person's"
    assert not Notification.objects.exists()
    services.feedback_save(
        actor=cast.salesperson.user,
        period=world.quarter,
        person=cast.salesperson,
        kind=FeedbackKind.SELF,
        rating=4,
        went_well="Beat my target",
        submit=True,
    )
    assert "Beat my target" in manager.get(url).content.decode()
    told = Notification.objects.get()
    assert told.recipient == cast.manager, "the nearest manager is told, not the department head"
    assert told.url == url
    assert told.read_at is None
    services.feedback_save(
        actor=cast.manager.user,
        period=world.quarter,
        person=cast.salesperson,
        kind=FeedbackKind.MANAGER,
        rating=4,
        went_well="Well done",
        submit=True,
    )
    told.refresh_from_db()
    assert told.read_at is not None, "answered with the manager's feedback, it waits no more"


def test_a_manager_does_not_read_their_own_manager_feedback_before_it_is_published(world):
    cast = world.cast
    services.feedback_save(
        actor=world.head.user,
        period=world.quarter,
        person=cast.manager,
        kind=FeedbackKind.MANAGER,
        rating=2,
        to_improve="Coach the team more",
        submit=True,
    )
    client = cast.client_for("manager")
    url = reverse("performance:feedback_detail", args=[world.quarter.pk, cast.manager.pk])
    assert "Coach the team more" not in client.get(url).content.decode()
    assert client.get("/api/v1/performance/feedback").json() == []
    world.publish()
    assert "Coach the team more" in client.get(url).content.decode()


def test_writing_from_the_page_saves_a_draft_then_submits(world):
    cast = world.cast
    client = cast.client_for("manager")
    base = [world.quarter.pk, cast.salesperson.pk]
    url = reverse("performance:feedback_save", args=[*base, "manager"])
    data = {"rating": "5", "went_well": "Great quarter", "to_improve": ""}
    response = client.post(url, {**data, "save": "1"})
    assert response.status_code == 302
    feedback = Feedback.objects.get(kind=FeedbackKind.MANAGER)
    assert feedback.status == FeedbackStatus.DRAFT
    client.post(url, {**data, "submit": "1"})
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.SUBMITTED
    refused = cast.client_for("other_salesperson").post(
        reverse("performance:feedback_save", args=[*base, "self"]), {**data, "submit": "1"}
    )
    assert refused.status_code == 404, "another team's person is not even found"
    wrong = cast.client_for("salesperson2").post(
        reverse(
            "performance:feedback_save", args=[world.quarter.pk, cast.salesperson2.pk, "manager"]
        ),
        {**data, "submit": "1"},
    )
    assert wrong.status_code == 403


def test_the_api_writes_a_self_assessment(world):
    cast = world.cast
    client = cast.client_for("salesperson")
    url = (
        f"/api/v1/performance/periods/{world.quarter.pk}/people/{cast.salesperson.pk}/feedback/self"
    )
    response = client.put(
        url,
        {"rating": 4, "went_well": "Two new customers", "submit": True},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    bad = client.put(url, {"rating": 9}, content_type="application/json")
    assert bad.status_code == 400
    other = cast.client_for("salesperson2").put(
        url, {"rating": 3, "went_well": "x"}, content_type="application/json"
    )
    assert other.status_code == 404


def test_feedback_pages_list_the_people_a_manager_sees_and_not_other_teams(world):
    cast = world.cast
    month = world.open_period(kind=PeriodKind.MONTHLY, number=1)
    page = cast.client_for("manager").get(reverse("performance:feedback_list")).content.decode()
    assert f'data-person="{cast.salesperson2.pk}"' in page
    assert f'data-person="{cast.other_salesperson.pk}"' not in page
    assert f'data-person="{cast.manager.pk}"' not in page, "their own is on top, not in the list"
    assert 'id="my-feedback"' in page
    chosen = cast.client_for("manager").get(
        reverse("performance:feedback_list") + f"?period={month.pk}"
    )
    assert chosen.context["period"] == world.quarter, "an open period has no feedback to show"
