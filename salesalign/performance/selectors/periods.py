"""Reads of evaluation periods: the list, one period with its reopenings and feedback counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from salesalign.core.visibility import scope_for
from salesalign.performance.choices import FeedbackKind, FeedbackStatus, PeriodKind, PeriodStatus
from salesalign.performance.models import EvaluationPeriod, Feedback, PeriodReopening
from salesalign.performance.selectors.access import can_manage_periods

PERIOD_RELATED = ("opened_by__person", "closed_by__person", "published_by__person")


@dataclass(frozen=True)
class NothingOfYours:
    """Why a user's own list (scorecards, statements) is empty: whether any period is
    published yet, and whether they see units' results instead (managers, HR)."""

    published: bool
    sees_units: bool


def nothing_of_yours(*, user: Any) -> NothingOfYours:
    scope = scope_for(user)
    return NothingOfYours(
        published=EvaluationPeriod.objects.filter(status=PeriodStatus.PUBLISHED).exists(),
        sees_units=scope.everything or bool(scope.unit_paths),
    )


def period_list(
    *, user: Any, kind: str | None = None, status: str | None = None
) -> QuerySet[EvaluationPeriod]:
    """The periods (every employee reads them), newest first."""
    periods = EvaluationPeriod.objects.visible_to(user).select_related(*PERIOD_RELATED)
    if kind:
        periods = periods.filter(kind=kind)
    if status:
        periods = periods.filter(status=status)
    return periods.order_by("-start", "-end", "kind")


def period_get(*, user: Any, pk: int) -> EvaluationPeriod:
    """One period; "not found" for a login without a person or an unknown id."""
    period = EvaluationPeriod.objects.visible_to(user).select_related(*PERIOD_RELATED)
    found = period.filter(pk=pk).first()
    if found is None:
        raise Http404("No such period.")
    return found


def closed_periods(*, user: Any, kind: str | None = None) -> list[EvaluationPeriod]:
    """Closed and published periods, newest first (what feedback and retrospectives are about)."""
    periods = EvaluationPeriod.objects.visible_to(user).closed()
    if kind:
        periods = periods.filter(kind=kind)
    return list(periods.order_by("-start", "-end", "kind"))


def latest_closed_period(*, user: Any) -> EvaluationPeriod | None:
    """The closed period that ended last (quarters before months and years on the same day)."""
    periods = closed_periods(user=user)
    if not periods:
        return None
    order: dict[str, int] = {PeriodKind.QUARTERLY: 0, PeriodKind.MONTHLY: 1, PeriodKind.ANNUAL: 2}
    return min(periods, key=lambda period: (-period.end.toordinal(), order.get(period.kind, 3)))


@dataclass
class PeriodDetail:
    """A period's page: who may run it, its reopenings, and how far feedback has come."""

    period: EvaluationPeriod
    can_manage: bool
    reopenings: list[PeriodReopening]
    manager_feedback_submitted: int
    self_assessments_submitted: int


def period_detail(*, user: Any, period: EvaluationPeriod) -> PeriodDetail:
    """What the period page shows; a fixed number of queries. Feedback counts cover only the
    feedback the user may see."""
    counts = (
        Feedback.objects.visible_to(user)
        .filter(period=period, status=FeedbackStatus.SUBMITTED)
        .aggregate(
            manager=Count("pk", filter=Q(kind=FeedbackKind.MANAGER)),
            own=Count("pk", filter=Q(kind=FeedbackKind.SELF)),
        )
    )
    return PeriodDetail(
        period=period,
        can_manage=can_manage_periods(user),
        reopenings=list(
            period.reopenings.select_related("reopened_by__person").order_by("-reopened_at")
        ),
        manager_feedback_submitted=counts["manager"],
        self_assessments_submitted=counts["own"],
    )
