"""Closing a large company's period on a worker: requested from the page, closed by the task,
refused while one runs, and a failure kept as the reason with the period still open."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from salesalign.core.exceptions import DomainError
from salesalign.performance.choices import PeriodKind, PeriodStatus
from salesalign.performance.models import EvaluationPeriod
from salesalign.performance.services import periods as services
from salesalign.performance.tests.conftest import YEAR

pytestmark = pytest.mark.django_db


def _open_q1(cast):
    return services.period_open(
        actor=cast.hr.user, kind=PeriodKind.QUARTERLY, fiscal_year=YEAR, number=1
    )


def test_a_large_company_closes_on_a_worker_and_the_page_shows_it(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.CLOSE_BACKGROUND_PEOPLE = 0  # every company is "large" here
    period = _open_q1(cast)
    client = cast.client_for("hr")
    # The task is queued when the request's transaction commits; here it is kept back.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("performance:period_close", args=[period.pk]))
    assert response.status_code == 302
    period.refresh_from_db()
    assert period.status == PeriodStatus.OPEN and period.closing_since is not None
    page = client.get(reverse("performance:period_detail", args=[period.pk])).content.decode()
    assert 'id="period-closing"' in page
    assert "close-period" not in page  # no second close while one runs
    with pytest.raises(DomainError, match="being closed"):  # the service refuses it too
        services.period_close_request(
            actor=cast.hr.user, period=period, today=datetime.date(2026, 11, 28)
        )

    assert len(queued) == 1
    queued[0]()  # the worker runs (tasks run inline in tests)
    period.refresh_from_db()
    assert period.status == PeriodStatus.CLOSED
    assert (period.closing_since, period.close_error) == (None, "")
    assert period.closed_by == cast.hr.user


def test_a_close_that_fails_on_the_worker_leaves_the_period_open_with_the_reason(cast):
    period = _open_q1(cast)
    EvaluationPeriod.objects.filter(pk=period.pk).update(
        closing_since=datetime.datetime(2026, 4, 2, 9, 0, tzinfo=datetime.UTC)
    )
    # The worker's day is before the quarter's end: the close is refused.
    services.run_background_close(period.pk, cast.hr.user.pk, datetime.date(2026, 3, 1))
    period.refresh_from_db()
    assert period.status == PeriodStatus.OPEN
    assert period.closing_since is None
    assert "runs until 2026-03-31" in period.close_error
    page = cast.client_for("hr").get(reverse("performance:period_detail", args=[period.pk]))
    assert 'id="period-close-error"' in page.content.decode()


def test_a_small_company_closes_in_the_request(cast, settings):
    settings.CLOSE_BACKGROUND_PEOPLE = 10_000
    period = _open_q1(cast)
    cast.client_for("hr").post(reverse("performance:period_close", args=[period.pk]))
    period.refresh_from_db()
    assert period.status == PeriodStatus.CLOSED
