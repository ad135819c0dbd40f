"""Writes of evaluation periods: open, close, publish, reopen (with a reason).

Executives, HR and admins run periods. A period goes open → closed → published;
closing is where every scorecard of the period will be computed and frozen
(`_compute_close`), publishing shows the results (and the managers' feedback)
to employees. A closed period never changes silently: reopening needs a
reason, is kept as a `PeriodReopening` (and in the audit trail, like every
status change) and bumps the version the next close computes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from salesalign.core.batches import without_cycle_collection
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.services import notify
from salesalign.engines.periods import Period, month_period, quarter_period, year_period
from salesalign.performance.choices import (
    CLOSED_STATUSES,
    FeedbackKind,
    FeedbackStatus,
    PeriodKind,
    PeriodStatus,
)
from salesalign.performance.links import my_feedback_url
from salesalign.performance.models import EvaluationPeriod, Feedback, PeriodReopening
from salesalign.performance.selectors.access import can_manage_periods
from salesalign.performance.services.common import actor_or_none, clean_text

MIN_YEAR = 1990
MAX_YEAR = 2200

NOTIFY_FEEDBACK_READY = "performance_feedback_ready"
FEEDBACK_READY_SUBJECT = gettext_noop("Your manager's feedback for %(period)s is waiting for you.")


def require_period_manager(actor: Any) -> None:
    if not can_manage_periods(actor):
        raise NotAllowed(_("Only executives, HR and administrators run evaluation periods."))


def lock_period(period: EvaluationPeriod) -> EvaluationPeriod:
    """Re-read the period under a row lock, so that two writers take turns."""
    return EvaluationPeriod.objects.select_for_update().get(pk=period.pk)


def period_span(
    *, kind: str, fiscal_year: int, number: int | None, fiscal_start_month: int
) -> Period:
    """The days of a period: a fiscal year, quarter 1–4 of it, or a calendar month 1–12 of it
    (with a fiscal year from April, month 2 of fiscal 2026 is February 2027)."""
    if kind not in PeriodKind.values:
        raise DomainError(_("Choose monthly, quarterly or annual."), field="kind")
    if not MIN_YEAR <= fiscal_year <= MAX_YEAR:
        raise DomainError(
            _("Give a year between %(low)s and %(high)s.") % {"low": MIN_YEAR, "high": MAX_YEAR},
            field="fiscal_year",
        )
    if kind == PeriodKind.ANNUAL:
        return year_period(fiscal_year, fiscal_start_month)
    if kind == PeriodKind.QUARTERLY:
        if number is None or not 1 <= number <= 4:
            raise DomainError(_("Give a quarter from 1 to 4."), field="number")
        return quarter_period(fiscal_year, number, fiscal_start_month)
    if number is None or not 1 <= number <= 12:
        raise DomainError(_("Give a month from 1 to 12."), field="number")
    calendar_year = fiscal_year if number >= fiscal_start_month else fiscal_year + 1
    return month_period(calendar_year, number)


@transaction.atomic
def period_open(
    *, actor: Any, kind: str, fiscal_year: int, number: int | None = None
) -> EvaluationPeriod:
    """Open an evaluation period: a month, a fiscal quarter or a fiscal year (one of each)."""
    require_period_manager(actor)
    start_month = settings.FISCAL_YEAR_START_MONTH
    span = period_span(
        kind=kind, fiscal_year=fiscal_year, number=number, fiscal_start_month=start_month
    )
    if EvaluationPeriod.objects.filter(kind=kind, start=span.start).exists():
        raise DomainError(
            _("The period %(period)s is already there.") % {"period": span.key},
            field="number" if kind != PeriodKind.ANNUAL else "fiscal_year",
            code="exists",
        )
    period = EvaluationPeriod(
        kind=kind,
        key=span.key,
        fiscal_year=fiscal_year,
        fiscal_start_month=span.fiscal_start_month if kind != PeriodKind.MONTHLY else start_month,
        start=span.start,
        end=span.end,
        status=PeriodStatus.OPEN,
        version=1,
        opened_by=actor_or_none(actor),
    )
    period.full_clean()
    period.save()
    return period


@without_cycle_collection
def _compute_close(period: EvaluationPeriod) -> None:
    """Compute and freeze the period's results (version `period.version`), in one run each:

    every scorecard (targets from step 2, actuals from the sales records, the scoring
    engine), then every bonus statement (the incentive engine, reading those cards), then
    the promotion candidates the rules find in the rating history.
    """
    from salesalign.performance.services.development import promotion_candidates_refresh
    from salesalign.performance.services.period_actuals import PeriodActuals
    from salesalign.performance.services.scorecards import scorecards_compute
    from salesalign.performance.services.statements import statements_compute

    # The period's sales are read once for both: the metrics of the cards and of the plans.
    actuals = PeriodActuals(period)
    scorecards_compute(period, actuals=actuals)
    statements_compute(period, actuals=actuals)
    promotion_candidates_refresh(period=period)


def _check_closable(period: EvaluationPeriod, today: date) -> None:
    if period.status != PeriodStatus.OPEN:
        raise DomainError(
            _("Only an open period can be closed; %(period)s is %(status)s.")
            % {"period": period.key, "status": period.get_status_display().lower()},
            code="not_open",
        )
    if today <= period.end:
        raise DomainError(
            _("%(period)s runs until %(end)s; close it after that.")
            % {"period": period.key, "end": period.end.isoformat()},
            code="not_ended",
        )


@transaction.atomic
def period_close(*, actor: Any, period: EvaluationPeriod, today: date) -> EvaluationPeriod:
    """Close an open period once it has ended: its results are computed and frozen."""
    require_period_manager(actor)
    period = lock_period(period)
    _check_closable(period, today)
    _compute_close(period)
    period.status = PeriodStatus.CLOSED
    period.closed_at = timezone.now()
    period.closed_by = actor_or_none(actor)
    period.closing_since = None
    period.close_error = ""
    period.full_clean()
    period.save()
    return period


def closes_in_background(period: EvaluationPeriod) -> bool:
    """A close of more people than CLOSE_BACKGROUND_PEOPLE runs on a worker, not in a request."""
    from salesalign.organization.models import Person

    people = Person.objects.filter(is_active=True).count()
    return people > settings.CLOSE_BACKGROUND_PEOPLE


@transaction.atomic
def period_close_request(*, actor: Any, period: EvaluationPeriod, today: date) -> EvaluationPeriod:
    """Ask a worker to close the period (the same checks first); the page shows it closing.

    A second request while one is running is refused; a worker that failed leaves its
    reason in `close_error`, and the period open, to be closed again.
    """
    from salesalign.performance.tasks import close_period_task

    require_period_manager(actor)
    period = lock_period(period)
    _check_closable(period, today)
    if period.closing_since is not None:
        raise DomainError(
            _("%(period)s is being closed since %(since)s.")
            % {
                "period": period.key,
                "since": timezone.localtime(period.closing_since).strftime("%H:%M"),
            },
            code="closing",
        )
    period.closing_since = timezone.now()
    period.close_error = ""
    period.save(update_fields=["closing_since", "close_error", "updated_at"])
    user_id = getattr(actor, "pk", None)
    transaction.on_commit(lambda: close_period_task(period.pk, user_id, today.isoformat()))
    return period


def run_background_close(period_id: int, user_id: int | None, today: date) -> None:
    """The worker's side of `period_close_request`: close, or keep why it could not."""
    from salesalign.core.models import User

    period = EvaluationPeriod.objects.get(pk=period_id)
    actor = User.objects.filter(pk=user_id).first() if user_id is not None else None
    try:
        period_close(actor=actor, period=period, today=today)
    except DomainError as error:
        EvaluationPeriod.objects.filter(pk=period_id).update(
            closing_since=None, close_error=error.message
        )
    except Exception:
        EvaluationPeriod.objects.filter(pk=period_id).update(
            closing_since=None,
            close_error=gettext_noop("The close failed on the worker; see its log."),
        )
        raise


@transaction.atomic
def period_publish(*, actor: Any, period: EvaluationPeriod) -> EvaluationPeriod:
    """Publish a closed period: employees see their results and their manager's feedback."""
    require_period_manager(actor)
    period = lock_period(period)
    if period.status != PeriodStatus.CLOSED:
        raise DomainError(
            _("Only a closed period can be published; %(period)s is %(status)s.")
            % {"period": period.key, "status": period.get_status_display().lower()},
            code="not_closed",
        )
    period.status = PeriodStatus.PUBLISHED
    period.published_at = timezone.now()
    period.published_by = actor_or_none(actor)
    period.full_clean()
    period.save()
    notify(
        people=Feedback.objects.filter(
            period=period, kind=FeedbackKind.MANAGER, status=FeedbackStatus.SUBMITTED
        )
        .order_by("person_id")
        .values_list("person_id", flat=True),
        kind=NOTIFY_FEEDBACK_READY,
        subject=FEEDBACK_READY_SUBJECT,
        params={"period": period.key},
        url=my_feedback_url(period.pk),
    )
    return period


@transaction.atomic
def period_reopen(*, actor: Any, period: EvaluationPeriod, reason: str) -> EvaluationPeriod:
    """Reopen a closed or published period, with the reason; the next close is a new version.

    The reopening (version, status before, who, when, why) is kept, and the status
    change is in the audit trail. Employees no longer see the period's results
    until it is published again.
    """
    require_period_manager(actor)
    period = lock_period(period)
    reason = clean_text(reason, field="reason", max_length=2000)
    if not reason:
        raise DomainError(_("Say why the period is reopened."), field="reason")
    if period.status not in CLOSED_STATUSES:
        raise DomainError(
            _("%(period)s is open already.") % {"period": period.key}, code="not_closed"
        )
    reopening = PeriodReopening(
        period=period,
        version=period.version,
        previous_status=period.status,
        reason=reason,
        reopened_by=actor_or_none(actor),
    )
    reopening.full_clean()
    reopening.save()
    period.status = PeriodStatus.OPEN
    period.version += 1
    period.closed_at = None
    period.closed_by = None
    period.published_at = None
    period.published_by = None
    period.full_clean()
    period.save()
    return period
