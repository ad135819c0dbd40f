"""Reads of promotion and improvement: candidates, who is flagged, plans.

A flag is worked out when asked, never stored: for each active improvement rule,
the last `consecutive` closed periods of its kind must each have put the person
below the rule's score (or on one of its ratings), and the person must have no
running plan. Reading the scorecards of those periods is one query whatever
the number of people.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from salesalign.core.roles import person_of
from salesalign.organization.models import OrgUnit, Person, in_name_order
from salesalign.performance.choices import (
    CLOSED_STATUSES,
    CandidateStatus,
    PlanOutcome,
    SessionState,
)
from salesalign.performance.models import (
    CoachingSession,
    EvaluationPeriod,
    ImprovementPlan,
    ImprovementRule,
    PromotionCandidate,
    Scorecard,
)
from salesalign.performance.selectors.access import can_manage_periods
from salesalign.performance.services.development import closed_periods_up_to


def promotion_candidates(*, user: Any, status: str | None = None) -> QuerySet[PromotionCandidate]:
    """The candidates the user may see (managers: their units'; HR and leaders: all)."""
    candidates = PromotionCandidate.objects.visible_to(user).select_related(
        "person__unit", "rule", "period", "decided_by__person"
    )
    if status in CandidateStatus.values:
        candidates = candidates.filter(status=status)
    return candidates.order_by("status", "-period__start", "person__name", "pk")


def promotion_candidate_get(*, user: Any, pk: int) -> PromotionCandidate:
    candidate = promotion_candidates(user=user).filter(pk=pk).first()
    if candidate is None:
        raise Http404("No such candidate.")
    return candidate


@dataclass
class Flag:
    """Someone an improvement rule flags, with the periods that did it."""

    person: Person
    rule: ImprovementRule
    evidence: list[dict[str, str]] = field(default_factory=list)


def _below(rule: ImprovementRule, score: Decimal | None, rating: str) -> bool:
    if rating and rating in (rule.ratings or []):
        return True
    return rule.below_score is not None and score is not None and score < rule.below_score


def improvement_flags(*, user: Any) -> list[Flag]:
    """People in the user's scope that a rule flags and who have no running plan; someone
    several rules flag is listed once, with the first of them (the oldest rule)."""
    me = person_of(user)
    visible = Person.objects.visible_to(user)
    if me is not None:
        visible = visible.exclude(pk=me.pk)  # nobody is flagged to themselves
    flags: list[Flag] = []
    flagged_already: set[int] = set()  # a person several rules flag is listed once, by the first
    for rule in ImprovementRule.objects.filter(is_active=True).order_by("pk"):
        latest = (
            EvaluationPeriod.objects.filter(kind=rule.period_kind, status__in=CLOSED_STATUSES)
            .order_by("-start")
            .first()
        )
        if latest is None:
            continue
        window = closed_periods_up_to(latest, rule.consecutive)
        if len(window) < rule.consecutive:
            continue  # not enough closed periods yet to be "in a row"
        versions = {period.pk: period.version for period in window}
        cards: dict[int, dict[int, tuple[Decimal | None, str]]] = defaultdict(dict)
        for person_id, period_id, version, total, override, rating in Scorecard.objects.filter(
            period__in=list(versions), person__in=visible
        ).values_list(
            "person_id", "period_id", "version", "total_score", "override_score", "rating"
        ):
            if version == versions[period_id]:
                cards[person_id][period_id] = (override if override is not None else total, rating)
        flagged = [
            person_id
            for person_id, by_period in cards.items()
            if all(
                period.pk in by_period and _below(rule, *by_period[period.pk]) for period in window
            )
        ]
        running = set(
            ImprovementPlan.objects.filter(
                person_id__in=flagged, outcome__in=[PlanOutcome.OPEN, PlanOutcome.EXTENDED]
            ).values_list("person_id", flat=True)
        )
        # Nobody who has left is flagged for a plan.
        people = (
            Person.objects.filter(is_active=True)
            .select_related("unit")
            .in_bulk([pk for pk in flagged if pk not in running and pk not in flagged_already])
        )
        flagged_already.update(people)
        for person_id in sorted(people, key=lambda pk: people[pk].name):
            evidence = [
                {
                    "period": period.key,
                    "score": str(cards[person_id][period.pk][0] or ""),
                    "rating": cards[person_id][period.pk][1],
                }
                for period in window
            ]
            flags.append(Flag(person=people[person_id], rule=rule, evidence=evidence))
    return flags


def improvement_plans(
    *, user: Any, running_only: bool = False, today: date | None = None
) -> QuerySet[ImprovementPlan]:
    """The plans the user may read: their own, their units' people's, or all; each with the
    date of its next planned session (`next_session`) and how many held sessions still wait
    for their notes (`sessions_to_record`)."""
    today = today or timezone.localdate()
    unrecorded = CoachingSession.objects.filter(plan=OuterRef("pk"), notes="").order_by()
    plans = (
        ImprovementPlan.objects.visible_to(user)
        .select_related("person__unit", "opened_by__person")
        .annotate(
            next_session=Subquery(
                unrecorded.filter(held_on__gte=today).order_by("held_on").values("held_on")[:1]
            ),
            sessions_to_record=Coalesce(
                Subquery(
                    unrecorded.filter(held_on__lt=today)
                    .values("plan")
                    .annotate(count=Count("pk"))
                    .values("count")
                ),
                0,
            ),
        )
    )
    if running_only:
        plans = plans.filter(outcome__in=[PlanOutcome.OPEN, PlanOutcome.EXTENDED])
    return plans.order_by("-starts_on", "-pk")


def improvement_plan_get(*, user: Any, pk: int) -> ImprovementPlan:
    plan = (
        improvement_plans(user=user)
        .prefetch_related(
            Prefetch("sessions", queryset=CoachingSession.objects.select_related("coach__person"))
        )
        .filter(pk=pk)
        .first()
    )
    if plan is None:
        raise Http404("No such plan.")
    return plan


@dataclass(frozen=True)
class SessionRow:
    """A coaching session as a plan's page shows it: where it stands, and whether its notes
    may be written now (it has taken place, or takes place today, on a running plan)."""

    session: CoachingSession
    state: str
    state_label: str
    recordable: bool


@dataclass(frozen=True)
class PlanSessions:
    """A plan's sessions: those still to come (soonest first), then the rest, in date order."""

    upcoming: list[SessionRow]
    past: list[SessionRow]

    @property
    def next(self) -> SessionRow | None:
        return self.upcoming[0] if self.upcoming else None


def plan_sessions(*, plan: ImprovementPlan, today: date | None = None) -> PlanSessions:
    """The sessions of a plan read with `improvement_plan_get` (already loaded), sorted out."""
    today = today or timezone.localdate()
    upcoming: list[SessionRow] = []
    past: list[SessionRow] = []
    for session in sorted(plan.sessions.all(), key=lambda item: (item.held_on, item.pk)):
        session.plan = plan
        state = session.state_on(today)
        row = SessionRow(
            session=session,
            state=state,
            state_label=str(SessionState(state).label),
            recordable=state in (SessionState.PLANNED, SessionState.TO_RECORD)
            and session.held_on <= today,
        )
        (upcoming if state == SessionState.PLANNED else past).append(row)
    return PlanSessions(upcoming=upcoming, past=past)


def coaching_session_get(*, user: Any, pk: int) -> CoachingSession:
    """A coaching session of a plan the user may read; "not found" otherwise."""
    session = (
        CoachingSession.objects.filter(plan__in=ImprovementPlan.objects.visible_to(user))
        .select_related("plan__person__unit")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404("No such session.")
    return session


def can_run_plans(user: Any) -> bool:
    """Does the user open plans and decide on candidates: HR and leaders, or a manager?"""
    if can_manage_periods(user):
        return True
    me = person_of(user)
    return me is not None and OrgUnit.objects.filter(manager_id=me.pk).exists()


def plan_people_choices(*, user: Any) -> list[tuple[int, str]]:
    """The people the user may open a plan for: everyone they see but themselves.

    Whom a manager sees are the people of the units they manage, whom they manage.
    """
    me = person_of(user)
    people = Person.objects.visible_to(user).filter(is_active=True).select_related("unit")
    if me is not None:
        people = people.exclude(pk=me.pk)
    return [
        (person.pk, f"{person.display_name} · {person.unit.display_name}")
        for person in in_name_order(people)
    ]
