"""Evaluation periods: fiscal-year-aware spans, open → closed → published, reopening with a
reason (kept and audited), who may run them — through the services, the pages and the API."""

from __future__ import annotations

import datetime

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.urls import reverse

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.models import Notification
from salesalign.performance.choices import PeriodKind, PeriodStatus
from salesalign.performance.models import EvaluationPeriod, PeriodReopening
from salesalign.performance.services import periods as services
from salesalign.performance.tests.conftest import TODAY, YEAR

pytestmark = pytest.mark.django_db


def test_a_quarter_follows_the_fiscal_year_and_a_month_its_calendar(cast, settings):
    settings.FISCAL_YEAR_START_MONTH = 4
    hr = cast.hr.user
    quarter = services.period_open(actor=hr, kind=PeriodKind.QUARTERLY, fiscal_year=2026, number=4)
    assert (quarter.key, quarter.start, quarter.end) == (
        "2026-Q4",
        datetime.date(2027, 1, 1),
        datetime.date(2027, 3, 31),
    )
    assert quarter.fiscal_start_month == 4
    month = services.period_open(actor=hr, kind=PeriodKind.MONTHLY, fiscal_year=2026, number=2)
    assert (month.key, month.start, month.end) == (
        "2027-02",
        datetime.date(2027, 2, 1),
        datetime.date(2027, 2, 28),
    )
    year = services.period_open(actor=hr, kind=PeriodKind.ANNUAL, fiscal_year=2026)
    assert (year.start, year.end) == (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))
    assert quarter.engine_period.key == "2026-Q4"


def test_a_period_is_opened_once_per_kind_and_start(cast):
    services.period_open(actor=cast.hr.user, kind=PeriodKind.QUARTERLY, fiscal_year=YEAR, number=1)
    with pytest.raises(DomainError) as error:
        services.period_open(
            actor=cast.executive.user, kind=PeriodKind.QUARTERLY, fiscal_year=YEAR, number=1
        )
    assert error.value.code == "exists"
    assert EvaluationPeriod.objects.filter(kind=PeriodKind.QUARTERLY).count() == 1
    with pytest.raises(DomainError, match="quarter from 1 to 4"):
        services.period_open(
            actor=cast.hr.user, kind=PeriodKind.QUARTERLY, fiscal_year=YEAR, number=5
        )


@pytest.mark.parametrize("member", ["manager", "salesperson", "other_salesperson"])
def test_only_executives_hr_and_admins_run_periods(cast, member):
    with pytest.raises(NotAllowed):
        services.period_open(
            actor=getattr(cast, member).user, kind=PeriodKind.ANNUAL, fiscal_year=YEAR
        )
    period = services.period_open(actor=cast.admin.user, kind=PeriodKind.ANNUAL, fiscal_year=2025)
    with pytest.raises(NotAllowed):
        services.period_close(actor=getattr(cast, member).user, period=period, today=TODAY)


def test_the_lifecycle_opens_closes_after_the_end_and_publishes(cast, monkeypatch):
    computed = []
    monkeypatch.setattr(services, "_compute_close", lambda period: computed.append(period.version))
    period = services.period_open(
        actor=cast.hr.user, kind=PeriodKind.QUARTERLY, fiscal_year=YEAR, number=1
    )
    assert (period.status, period.version) == (PeriodStatus.OPEN, 1)
    with pytest.raises(DomainError) as early:
        services.period_close(actor=cast.hr.user, period=period, today=datetime.date(2026, 3, 31))
    assert early.value.code == "not_ended"
    with pytest.raises(DomainError, match="closed period can be published"):
        services.period_publish(actor=cast.hr.user, period=period)
    period = services.period_close(actor=cast.hr.user, period=period, today=TODAY)
    assert period.status == PeriodStatus.CLOSED
    assert period.closed_by == cast.hr.user and period.closed_at is not None
    assert computed == [1], "closing is where the results of this version are computed"
    period = services.period_publish(actor=cast.executive.user, period=period)
    assert period.status == PeriodStatus.PUBLISHED
    assert period.published_by == cast.executive.user


def test_reopening_needs_a_reason_keeps_it_bumps_the_version_and_is_audited(cast):
    period = services.period_open(
        actor=cast.hr.user, kind=PeriodKind.QUARTERLY, fiscal_year=YEAR, number=1
    )
    period = services.period_close(actor=cast.hr.user, period=period, today=TODAY)
    period = services.period_publish(actor=cast.hr.user, period=period)
    with pytest.raises(DomainError) as missing:
        services.period_reopen(actor=cast.executive.user, period=period, reason="  ")
    assert missing.value.field == "reason"
    with set_actor(cast.executive.user):
        period = services.period_reopen(
            actor=cast.executive.user, period=period, reason="Orders of March came in late."
        )
    assert (period.status, period.version) == (PeriodStatus.OPEN, 2)
    assert period.published_at is None and period.closed_at is None
    reopening = PeriodReopening.objects.get(period=period)
    assert (reopening.version, reopening.previous_status, reopening.reason) == (
        1,
        PeriodStatus.PUBLISHED,
        "Orders of March came in late.",
    )
    assert reopening.reopened_by == cast.executive.user
    entry = (
        LogEntry.objects.get_for_object(period)
        .filter(action=LogEntry.Action.UPDATE)
        .order_by("-timestamp", "-pk")
        .first()
    )
    assert entry.actor == cast.executive.user
    assert entry.changes_dict["status"] == ["published", "open"]
    assert entry.changes_dict["version"] == ["1", "2"]
    assert LogEntry.objects.get_for_object(reopening).get().actor == cast.executive.user
    with pytest.raises(DomainError, match="open already"):
        services.period_reopen(actor=cast.executive.user, period=period, reason="again")


def test_the_pages_show_the_periods_and_only_runners_get_their_actions(world):
    cast = world.cast
    hr_page = cast.client_for("hr").get(reverse("performance:period_list")).content.decode()
    assert 'id="period-open-form"' in hr_page
    assert (
        f'class="btn btn-sm btn-success publish-period" data-period="{world.quarter.pk}"' in hr_page
    )
    sales_page = (
        cast.client_for("salesperson").get(reverse("performance:period_list")).content.decode()
    )
    assert "2026-Q1" in sales_page
    assert 'id="period-open-form"' not in sales_page
    assert "publish-period" not in sales_page
    response = cast.client_for("manager").post(
        reverse("performance:period_publish", args=[world.quarter.pk])
    )
    assert response.status_code == 403
    world.quarter.refresh_from_db()
    assert world.quarter.status == PeriodStatus.CLOSED


def test_a_period_not_over_offers_no_close_but_says_from_when(cast):
    today = datetime.date.today()
    running = services.period_open(
        actor=cast.hr.user, kind=PeriodKind.ANNUAL, fiscal_year=today.year + 1
    )
    over = services.period_open(
        actor=cast.hr.user, kind=PeriodKind.ANNUAL, fiscal_year=today.year - 2
    )
    client = cast.client_for("hr")
    page = client.get(reverse("performance:period_list")).content.decode()
    assert f'close-period" data-period="{running.pk}"' not in page
    assert (
        f'closes-from" data-period="{running.pk}">Can be closed from {running.end + datetime.timedelta(days=1):%Y-%m-%d}'
        in page
    )
    assert f'close-period" data-period="{over.pk}"' in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("performance:period_list")).content.decode()
    assert f"自 {running.end + datetime.timedelta(days=1):%Y-%m-%d} 起可关闭" in page


def test_reopening_from_the_page_records_the_reason_and_the_actor(world):
    client = world.cast.client_for("hr")
    url = reverse("performance:period_reopen", args=[world.quarter.pk])
    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 200
    assert PeriodReopening.objects.count() == 0
    response = client.post(url, {"reason": "A return of February was missed."})
    assert response.status_code == 302
    world.quarter.refresh_from_db()
    assert (world.quarter.status, world.quarter.version) == (PeriodStatus.OPEN, 2)
    entry = LogEntry.objects.get_for_object(world.quarter).order_by("-timestamp", "-pk").first()
    assert entry.actor == world.cast.hr.user
    page = client.get(reverse("performance:period_detail", args=[world.quarter.pk]))
    assert "A return of February was missed." in page.content.decode()


def test_the_api_runs_the_lifecycle_and_refuses_a_salesperson(cast, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    hr = cast.client_for("hr")
    created = hr.post(
        "/api/v1/performance/periods",
        {"kind": "quarterly", "fiscal_year": YEAR, "number": 1},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    period_id = created.json()["id"]
    assert created.json()["key"] == "2026-Q1"
    refused = cast.client_for("salesperson").post(f"/api/v1/performance/periods/{period_id}/close")
    assert refused.status_code == 403
    closed = hr.post(f"/api/v1/performance/periods/{period_id}/close")
    assert closed.json()["status"] == "closed"
    reopened = hr.post(
        f"/api/v1/performance/periods/{period_id}/reopen",
        {"reason": ""},
        content_type="application/json",
    )
    assert reopened.status_code == 400
    assert reopened.json()["errors"][0]["field"] == "reason"
    reopened = hr.post(
        f"/api/v1/performance/periods/{period_id}/reopen",
        {"reason": "Late orders"},
        content_type="application/json",
    )
    assert reopened.json()["version"] == 2
    detail = cast.client_for("salesperson").get(f"/api/v1/performance/periods/{period_id}")
    assert detail.json()["reopenings"][0]["reason"] == "Late orders"
    assert cast.client_for("outsider").get("/api/v1/performance/periods").json() == []


def test_publishing_tells_only_the_people_whose_manager_feedback_is_submitted(world):
    from salesalign.performance.services import feedback

    cast = world.cast
    feedback.feedback_save(
        actor=cast.manager.user,
        period=world.quarter,
        person=cast.salesperson,
        kind="manager",
        rating=4,
        went_well="Closed the Acme deal.",
        submit=True,
    )
    feedback.feedback_save(
        actor=cast.manager.user,
        period=world.quarter,
        person=cast.salesperson2,
        kind="manager",
        rating=3,
        went_well="Draft only",
    )
    assert not Notification.objects.exists(), "nothing is told before the period is published"
    world.publish()
    told = Notification.objects.filter(kind=services.NOTIFY_FEEDBACK_READY)
    assert list(told.values_list("recipient_id", flat=True)) == [cast.salesperson.pk]
    assert "Acme" not in told.get().text, "a notification carries no feedback text"


def test_the_period_list_names_who_closed_a_period_by_name_not_login(world):
    world.quarter.refresh_from_db()
    closer = world.quarter.closed_by
    assert closer is not None and closer.person.name_en != closer.username
    page = world.cast.client_for("hr").get(reverse("performance:period_list")).content.decode()
    assert f" · {closer.person.name_en}</td>" in page
    assert f" · {closer.username}</td>" not in page
