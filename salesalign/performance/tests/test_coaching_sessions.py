"""Coaching sessions of an improvement plan: planned ahead with an agenda, shown to the person
as coming up, "to record" once their day has passed, recorded with what was said, or called
off. The clock is moved with `timezone.localdate`, which the services read."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.models import Notification
from salesalign.performance.choices import PlanOutcome, SessionState
from salesalign.performance.models import CoachingSession
from salesalign.performance.selectors import development as selectors
from salesalign.performance.services import development as services

pytestmark = pytest.mark.django_db

STARTS = datetime.date(2026, 3, 2)
SESSION_DAY = datetime.date(2026, 3, 16)
AGENDA = "Go through the open opportunities of the East region"


@pytest.fixture
def clock(monkeypatch):
    """Set "today" for the services, selectors and pages: `clock(day)`."""

    def set_today(day: datetime.date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    set_today(STARTS)
    return set_today


@pytest.fixture
def plan(cast, clock):
    return services.improvement_plan_open(
        actor=cast.manager.user,
        person=cast.salesperson,
        goals="Two qualified opportunities a month",
        starts_on=STARTS,
        review_on=STARTS + datetime.timedelta(days=90),
    )


def plan_url(plan):
    return reverse("performance:improvement_plan", args=[plan.pk])


def planned_notices(person):
    return Notification.objects.filter(recipient=person, kind=services.NOTIFY_SESSION)


def test_a_manager_plans_a_session_and_the_person_sees_it_coming(cast, plan):
    response = cast.client_for("manager").post(
        reverse("performance:improvement_session_plan", args=[plan.pk]),
        {"plan-held_on": SESSION_DAY.isoformat(), "plan-agenda": AGENDA},
    )
    assert response.status_code == 302
    session = CoachingSession.objects.get(plan=plan)
    assert (session.held_on, session.agenda, session.notes) == (SESSION_DAY, AGENDA, "")
    assert session.coach == cast.manager.user
    assert session.state_on(STARTS) == SessionState.PLANNED
    notice = planned_notices(cast.salesperson).get()
    assert notice.url == plan_url(plan)
    with translation.override("zh-hans"):
        assert "2026-03-16" in notice.text and "辅导面谈" in notice.text

    own = cast.client_for("salesperson").get(plan_url(plan)).content.decode()
    upcoming = own[own.index('id="upcoming-sessions"') : own.index("</ol>", own.index("upcoming"))]
    assert f'data-session="{session.pk}" data-state="planned"' in upcoming
    assert AGENDA in upcoming and "Planned" in upcoming
    assert 'id="plan-next-session">2026-03-16' in own
    # The person reads their sessions; only those who run the plan plan, record or call off.
    for control in ("session-plan-form", "session-record", "session-cancel"):
        assert control not in own

    managed = cast.client_for("manager").get(plan_url(plan)).content.decode()
    assert 'id="session-plan-form"' in managed
    assert "session-cancel" in managed
    assert "session-record" not in managed, "a session to come has nothing to record yet"
    assert cast.client_for("salesperson2").get(plan_url(plan)).status_code == 404


def test_a_sessions_agenda_is_labelled_with_the_colon_of_the_page_language(cast, plan):
    services.coaching_session_plan(
        actor=cast.manager.user, plan=plan, held_on=SESSION_DAY, agenda=AGENDA
    )
    client = cast.client_for("salesperson")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(plan_url(plan)).content.decode()
    assert f"议程：</span>{AGENDA}" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(plan_url(plan)).content.decode()
    assert f"Agenda: </span>{AGENDA}" in page


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2026-03-01", "This date is past: record the session with what it covered instead."),
        ("", "This field is required."),
        ("16/03/2026", "Enter a valid date."),
    ],
)
def test_a_session_planned_on_a_past_or_missing_date_is_refused_and_nothing_is_written(
    cast, plan, day, message
):
    response = cast.client_for("manager").post(
        reverse("performance:improvement_session_plan", args=[plan.pk]),
        {"plan-held_on": day, "plan-agenda": AGENDA},
    )
    assert response.status_code == 400
    form = response.context["plan_form"]
    assert form.errors["held_on"] == [message]
    assert message in response.content.decode()
    assert not CoachingSession.objects.exists()
    assert not planned_notices(cast.salesperson).exists()


def test_a_session_before_the_plan_starts_is_refused(cast, plan, clock):
    clock(STARTS - datetime.timedelta(days=10))
    with pytest.raises(DomainError, match="before the start of the plan") as refused:
        services.coaching_session_plan(
            actor=cast.manager.user, plan=plan, held_on=STARTS - datetime.timedelta(days=1)
        )
    assert refused.value.field == "held_on"
    assert not CoachingSession.objects.exists()


def test_only_those_who_run_the_plan_plan_its_sessions(cast, plan):
    refused = cast.client_for("salesperson").post(
        reverse("performance:improvement_session_plan", args=[plan.pk]),
        {"plan-held_on": SESSION_DAY.isoformat()},
    )
    assert refused.status_code == 403
    with pytest.raises(NotAllowed):
        services.coaching_session_plan(
            actor=cast.other_manager.user, plan=plan, held_on=SESSION_DAY
        )
    hr = services.coaching_session_plan(actor=cast.hr.user, plan=plan, held_on=SESSION_DAY)
    assert CoachingSession.objects.get() == hr


def test_a_planned_session_is_to_record_once_its_day_has_passed_then_recorded(cast, plan, clock):
    session = services.coaching_session_plan(
        actor=cast.manager.user, plan=plan, held_on=SESSION_DAY, agenda=AGENDA
    )
    clock(SESSION_DAY + datetime.timedelta(days=2))
    client = cast.client_for("manager")
    page = client.get(plan_url(plan)).content.decode()
    assert f'data-session="{session.pk}" data-state="to_record"' in page
    assert "To record" in page and 'id="upcoming-sessions"' not in page
    listing = client.get(reverse("performance:improvement_list"))
    row = next(item for item in listing.context["plans"] if item.pk == plan.pk)
    assert (row.next_session, row.sessions_to_record) == (None, 1)
    assert "1 to record" in listing.content.decode()

    record = reverse("performance:improvement_session_record", args=[session.pk])
    prefix = f"record-{session.pk}"
    empty = client.post(record, {f"{prefix}-held_on": SESSION_DAY.isoformat()})
    assert empty.status_code == 400
    assert "This field is required." in empty.content.decode()
    future = client.post(
        record,
        {f"{prefix}-held_on": "2026-03-20", f"{prefix}-notes": "Too early"},
    )
    assert future.status_code == 400
    assert "this date is in the future" in future.content.decode()
    session.refresh_from_db()
    assert (session.held_on, session.notes) == (SESSION_DAY, "")

    # It took place a day late: the day it was held is kept, the agenda stays.
    done = client.post(
        record,
        {f"{prefix}-held_on": "2026-03-17", f"{prefix}-notes": "Two deals moved to proposal"},
    )
    assert done.status_code == 302
    session.refresh_from_db()
    assert (session.held_on, session.notes, session.agenda) == (
        datetime.date(2026, 3, 17),
        "Two deals moved to proposal",
        AGENDA,
    )
    assert session.state_on(timezone.localdate()) == SessionState.HELD
    # The notice that it was planned no longer waits.
    assert planned_notices(cast.salesperson).get().read_at is not None
    entry = LogEntry.objects.get_for_object(session).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == cast.manager.user and "notes" in entry.changes_dict
    with pytest.raises(DomainError, match="recorded already"):
        services.coaching_session_record(actor=cast.manager.user, session=session, notes="Again")
    own = cast.client_for("salesperson").get(plan_url(plan)).content.decode()
    assert "Two deals moved to proposal" in own and "To record" not in own


def test_a_session_planned_for_today_is_coming_up_and_may_be_recorded(cast, plan, clock):
    clock(SESSION_DAY)
    session = services.coaching_session_plan(
        actor=cast.manager.user, plan=plan, held_on=SESSION_DAY
    )
    sessions = selectors.plan_sessions(
        plan=selectors.improvement_plan_get(user=cast.manager.user, pk=plan.pk)
    )
    assert [(row.session.pk, row.state, row.recordable) for row in sessions.upcoming] == [
        (session.pk, SessionState.PLANNED, True)
    ]
    page = cast.client_for("manager").get(plan_url(plan)).content.decode()
    assert f'id="id_record-{session.pk}-notes"' in page


def test_a_session_called_off_leaves_the_plan_and_the_person_is_told(cast, plan, clock):
    session = services.coaching_session_plan(
        actor=cast.manager.user, plan=plan, held_on=SESSION_DAY, agenda=AGENDA
    )
    session_pk = session.pk
    cancel = reverse("performance:improvement_session_cancel", args=[session_pk])
    assert cast.client_for("salesperson").post(cancel).status_code == 403
    assert CoachingSession.objects.filter(pk=session_pk).exists()

    response = cast.client_for("manager").post(cancel)
    assert response.status_code == 302
    assert not CoachingSession.objects.filter(pk=session_pk).exists()
    told = Notification.objects.get(
        recipient=cast.salesperson, kind=services.NOTIFY_SESSION_CANCELLED
    )
    assert told.params == {"date": "2026-03-16"} and told.url == plan_url(plan)
    assert planned_notices(cast.salesperson).get().read_at is not None
    deleted = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(CoachingSession),
        object_pk=str(session_pk),
        action=LogEntry.Action.DELETE,
    )
    assert deleted.actor == cast.manager.user


def test_a_recorded_session_stays_and_a_missed_one_is_removed_without_a_notice(cast, plan, clock):
    clock(SESSION_DAY)
    held = services.coaching_session_add(
        actor=cast.manager.user, plan=plan, held_on=SESSION_DAY, notes="Held"
    )
    missed = services.coaching_session_plan(
        actor=cast.manager.user, plan=plan, held_on=SESSION_DAY + datetime.timedelta(days=7)
    )
    with pytest.raises(DomainError, match="recorded already"):
        services.coaching_session_cancel(actor=cast.manager.user, session=held)
    clock(SESSION_DAY + datetime.timedelta(days=10))
    page = cast.client_for("manager").get(plan_url(plan)).content.decode()
    assert "It did not take place" in page
    services.coaching_session_cancel(actor=cast.manager.user, session=missed)
    assert list(CoachingSession.objects.all()) == [held]
    assert not Notification.objects.filter(kind=services.NOTIFY_SESSION_CANCELLED).exists()


def test_a_closed_plan_shows_its_unrecorded_sessions_as_not_held_and_takes_no_more(
    cast, plan, clock
):
    session = services.coaching_session_plan(
        actor=cast.manager.user, plan=plan, held_on=SESSION_DAY
    )
    services.improvement_plan_review(
        actor=cast.manager.user, plan=plan, outcome=PlanOutcome.COMPLETED
    )
    client = cast.client_for("manager")
    page = client.get(plan_url(plan)).content.decode()
    assert f'data-session="{session.pk}" data-state="not_held"' in page
    assert "Not held" in page and "session-cancel" not in page
    refused = client.post(
        reverse("performance:improvement_session_plan", args=[plan.pk]),
        {"plan-held_on": "2026-04-01"},
    )
    assert refused.status_code == 400
    assert "This plan is closed." in refused.content.decode()  # shown though no form is
    assert CoachingSession.objects.count() == 1
    with pytest.raises(DomainError, match="This plan is closed"):
        services.coaching_session_record(actor=cast.manager.user, session=session, notes="Late")


def test_the_plan_page_reads_sessions_in_a_constant_number_of_queries(cast, plan, clock):
    client = cast.client_for("manager")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(plan_url(plan)).status_code == 200
        return len(captured)

    services.coaching_session_plan(actor=cast.manager.user, plan=plan, held_on=SESSION_DAY)
    one = queries()
    for days in (1, 2, 3, 4):
        services.coaching_session_plan(
            actor=cast.manager.user,
            plan=plan,
            held_on=SESSION_DAY + datetime.timedelta(days=days),
            agenda=f"Week {days}",
        )
    clock(SESSION_DAY + datetime.timedelta(days=2))
    assert queries() == one


def test_the_api_plans_records_and_calls_off_sessions(cast, plan, clock):
    manager = cast.client_for("manager")
    base = f"/api/v1/performance/improvement/plans/{plan.pk}"
    past = manager.post(
        f"{base}/sessions/planned",
        {"held_on": "2026-03-01", "agenda": AGENDA},
        content_type="application/json",
    )
    assert past.status_code == 400
    assert past.json()["errors"] == [
        {
            "field": "held_on",
            "reason": "This date is past: record the session with what it covered instead.",
        }
    ]
    assert not CoachingSession.objects.exists()
    planned = manager.post(
        f"{base}/sessions/planned",
        {"held_on": SESSION_DAY.isoformat(), "agenda": AGENDA},
        content_type="application/json",
    )
    assert planned.status_code == 201
    assert {key: planned.json()[key] for key in ("agenda", "notes", "state")} == {
        "agenda": AGENDA,
        "notes": "",
        "state": "planned",
    }
    session_id = planned.json()["id"]
    second = manager.post(
        f"{base}/sessions/planned",
        {"held_on": "2026-03-30"},
        content_type="application/json",
    ).json()["id"]
    own = cast.client_for("salesperson").get(base).json()
    assert [(item["id"], item["state"]) for item in own["sessions"]] == [
        (session_id, "planned"),
        (second, "planned"),
    ]
    clock(datetime.date(2026, 3, 18))
    assert [item["state"] for item in manager.get(base).json()["sessions"]] == [
        "to_record",
        "planned",
    ]
    refused = cast.client_for("salesperson").post(
        f"/api/v1/performance/improvement/sessions/{session_id}/record",
        {"notes": "Self-made"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    recorded = manager.post(
        f"/api/v1/performance/improvement/sessions/{session_id}/record",
        {"notes": "Reviewed the East region"},
        content_type="application/json",
    )
    assert recorded.status_code == 200
    assert (recorded.json()["state"], recorded.json()["held_on"]) == ("held", "2026-03-16")
    gone = manager.delete(f"/api/v1/performance/improvement/sessions/{second}")
    assert gone.status_code == 204
    assert list(CoachingSession.objects.values_list("pk", flat=True)) == [session_id]
    hidden = cast.client_for("salesperson2").delete(
        f"/api/v1/performance/improvement/sessions/{session_id}"
    )
    assert hidden.status_code == 404
