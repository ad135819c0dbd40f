"""Writes of promotion and improvement: candidates from rating history, decisions, and plans.

- `promotion_candidates_refresh(period)` runs when a period closes (after the
  scorecards): every active rule of that kind of period looks at the last
  `of_last` closed periods' ratings of each person and puts forward those with
  at least `required` ratings that count. One read of the rating history, one
  bulk insert; a candidate already put forward for the period stays as it is.
- Managers of the person, HR, executives and admins decide (`promotion_decide`).
- The same people open an improvement plan for someone (usually someone the
  improvement rules flag: `selectors.development.improvement_flags`), plan
  coaching sessions ahead (a date, an agenda) and record what was said once each
  is held (or record one that was never planned), move the review date, and
  close it with an outcome. The person reads their plan, with the sessions to
  come, and is told when a plan is opened and when a session is planned or
  called off.

Every write here is audited (the models are registered with auditlog).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.roles import person_of
from salesalign.core.services import notify, settle_notifications
from salesalign.organization.models import Person
from salesalign.performance.choices import (
    CLOSED_STATUSES,
    PLAN_CLOSED,
    CandidateStatus,
    PlanOutcome,
)
from salesalign.performance.links import improvement_plan_url
from salesalign.performance.models import (
    CoachingSession,
    EvaluationPeriod,
    ImprovementPlan,
    PromotionCandidate,
    PromotionRule,
    Scorecard,
)
from salesalign.performance.selectors.access import can_manage_periods, manages
from salesalign.performance.services.common import actor_or_none, clean_text

NOTIFY_PLAN = "performance_improvement_plan"
NOTIFY_SESSION = "performance_coaching_session"
NOTIFY_SESSION_CANCELLED = "performance_coaching_session_cancelled"


def rating_history(periods: list[EvaluationPeriod]) -> dict[int, dict[int, str]]:
    """person id → {period id: rating} of the current version of each period; one query."""
    versions = {period.pk: period.version for period in periods}
    history: dict[int, dict[int, str]] = defaultdict(dict)
    rows = Scorecard.objects.filter(period__in=list(versions), person__isnull=False).values_list(
        "person_id", "period_id", "version", "rating"
    )
    for person_id, period_id, version, rating in rows:
        if version == versions[period_id]:
            history[person_id][period_id] = rating
    return history


def closed_periods_up_to(period: EvaluationPeriod, count: int) -> list[EvaluationPeriod]:
    """`period` and the closed periods of its kind before it, newest first, at most `count`."""
    earlier = list(
        EvaluationPeriod.objects.filter(
            kind=period.kind, start__lt=period.start, status__in=CLOSED_STATUSES
        ).order_by("-start")[: max(count - 1, 0)]
    )
    return [period, *earlier]


def promotion_candidates_refresh(*, period: EvaluationPeriod) -> list[PromotionCandidate]:
    """Put forward everyone the active rules of this kind of period find; the new candidates."""
    rules = list(PromotionRule.objects.filter(is_active=True, period_kind=period.kind))
    if not rules:
        return []
    window = closed_periods_up_to(period, max(rule.of_last for rule in rules))
    history = rating_history(window)
    # Only people still here are put forward (a leaver's last period is scored, too).
    roles = dict(
        Person.objects.filter(pk__in=list(history), is_active=True).values_list("pk", "role")
    )
    # Put forward once: not again for this period (a recalculation), nor while an earlier
    # candidacy under the same rule still waits for a decision.
    existing = set(
        PromotionCandidate.objects.filter(
            Q(period=period) | Q(status=CandidateStatus.PENDING), rule__in=rules
        ).values_list("rule_id", "person_id")
    )
    new = []
    for rule in rules:
        counted = set(rule.ratings)
        looked_at = window[: rule.of_last]
        for person_id, ratings in history.items():
            if (
                period.pk not in ratings
                or person_id not in roles
                or (rule.role and roles[person_id] != rule.role)
            ):
                continue
            evidence = [
                {"period": item.key, "rating": ratings.get(item.pk, "")} for item in looked_at
            ]
            hits = sum(1 for entry in evidence if entry["rating"] in counted)
            if hits >= rule.required and (rule.pk, person_id) not in existing:
                new.append(
                    PromotionCandidate(
                        rule=rule, person_id=person_id, period=period, evidence=evidence
                    )
                )
    PromotionCandidate.objects.bulk_create(new, batch_size=1000)
    return new


def may_decide(actor: Any, person: Person) -> bool:
    """HR, executives and admins, and the person's managers; never the person themselves."""
    me = person_of(actor)
    if me is not None and me.pk == person.pk:
        return False
    return can_manage_periods(actor) or manages(actor, person)


@transaction.atomic
def promotion_decide(
    *, actor: Any, candidate: PromotionCandidate, status: str, note: str = ""
) -> PromotionCandidate:
    """Record the decision on a candidate (promoted, or not now) with a note."""
    candidate = (
        PromotionCandidate.objects.select_for_update(of=("self",))
        .select_related("person__unit")
        .get(pk=candidate.pk)
    )
    if not may_decide(actor, candidate.person):
        raise NotAllowed(_("Only the person's managers and HR decide on a promotion."))
    if status not in (CandidateStatus.PROMOTED, CandidateStatus.NOT_NOW):
        raise DomainError(_("Choose promoted or not now."), field="status")
    person = candidate.person
    if status == CandidateStatus.PROMOTED and not person.is_active:
        raise DomainError(
            _("%(name)s has left (on %(date)s) and cannot be promoted: decide “not now”.")
            % {
                "name": person.display_name,
                "date": person.left_on.isoformat() if person.left_on else "—",
            },
            field="status",
        )
    candidate.status = status
    candidate.note = clean_text(note, field="note")
    candidate.decided_by = actor_or_none(actor)
    candidate.decided_at = timezone.now()
    candidate.save()
    return candidate


# --- improvement plans -------------------------------------------------------------------------


def may_manage_plan(actor: Any, person: Person) -> bool:
    """The person's managers, HR and admins (executives too) open and run their plan."""
    return may_decide(actor, person)


def _check_dates(starts_on: date, review_on: date) -> None:
    if review_on < starts_on:
        raise DomainError(
            _("The review cannot come before the start of the plan."), field="review_on"
        )


@transaction.atomic
def improvement_plan_open(
    *,
    actor: Any,
    person: Person,
    goals: str,
    review_on: date,
    starts_on: date,
    training: str = "",
    reason: str = "",
    evidence: list[dict[str, Any]] | None = None,
) -> ImprovementPlan:
    """Open a plan for a person and tell them; one running plan per person at a time."""
    if not may_manage_plan(actor, person):
        raise NotAllowed(_("Only the person's managers and HR open an improvement plan."))
    goals = clean_text(goals, field="goals")
    if not goals:
        raise DomainError(_("Write the goals of the plan."), field="goals")
    _check_dates(starts_on, review_on)
    running = ImprovementPlan.objects.select_for_update().filter(
        person=person, outcome__in=[PlanOutcome.OPEN, PlanOutcome.EXTENDED]
    )
    if running.exists():
        raise DomainError(
            _("%(name)s already has a running improvement plan.") % {"name": person.display_name},
            field="person",
        )
    plan = ImprovementPlan.objects.create(
        person=person,
        opened_by=actor_or_none(actor),
        goals=goals,
        training=clean_text(training, field="training"),
        reason=clean_text(reason, field="reason"),
        evidence=evidence or [],
        starts_on=starts_on,
        review_on=review_on,
    )
    notify(
        people=[person],
        kind=NOTIFY_PLAN,
        subject=gettext_noop("An improvement plan was opened for you; review on %(date)s."),
        url=improvement_plan_url(plan.pk),
        params={"date": review_on.isoformat()},
    )
    return plan


def _running_plan_for_update(actor: Any, plan: ImprovementPlan) -> ImprovementPlan:
    plan = (
        ImprovementPlan.objects.select_for_update(of=("self",))
        .select_related("person__unit")
        .get(pk=plan.pk)
    )
    if not may_manage_plan(actor, plan.person):
        raise NotAllowed(_("Only the person's managers and HR run an improvement plan."))
    if not plan.is_running:
        raise DomainError(_("This plan is closed."), code="closed")
    return plan


def _check_within_plan(plan: ImprovementPlan, held_on: date) -> None:
    """A session is not before the start of its plan."""
    if held_on < plan.starts_on:
        raise DomainError(_("The session is before the start of the plan."), field="held_on")


def _check_held_on(plan: ImprovementPlan, held_on: date) -> None:
    """A session is recorded once held: not before the plan, not in the future."""
    _check_within_plan(plan, held_on)
    if held_on > timezone.localdate():
        raise DomainError(
            _("A session is recorded once it is held: this date is in the future."),
            field="held_on",
        )


@transaction.atomic
def coaching_session_add(
    *, actor: Any, plan: ImprovementPlan, held_on: date, notes: str
) -> CoachingSession:
    """Record a coaching session of a running plan that was held without being planned."""
    plan = _running_plan_for_update(actor, plan)
    notes = clean_text(notes, field="notes")
    if not notes:
        raise DomainError(_("Write what the session covered."), field="notes")
    _check_held_on(plan, held_on)
    session = CoachingSession(plan=plan, held_on=held_on, notes=notes, coach=actor_or_none(actor))
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def coaching_session_plan(
    *, actor: Any, plan: ImprovementPlan, held_on: date, agenda: str = ""
) -> CoachingSession:
    """Plan a coaching session of a running plan ahead (a date, an optional agenda); the
    person is told, and sees it on their plan until it is held."""
    plan = _running_plan_for_update(actor, plan)
    if held_on < timezone.localdate():
        raise DomainError(
            _("This date is past: record the session with what it covered instead."),
            field="held_on",
        )
    _check_within_plan(plan, held_on)
    session = CoachingSession(
        plan=plan,
        held_on=held_on,
        agenda=clean_text(agenda, field="agenda", max_length=2000),
        coach=actor_or_none(actor),
    )
    session.full_clean()
    session.save()
    notify(
        people=[plan.person],
        kind=NOTIFY_SESSION,
        subject=gettext_noop("A coaching session is planned with you on %(date)s."),
        url=improvement_plan_url(plan.pk),
        params={"date": held_on.isoformat()},
    )
    return session


def _planned_session_for_update(actor: Any, session: CoachingSession) -> CoachingSession:
    """The session, locked, of a running plan the actor runs, and not recorded yet."""
    plan = _running_plan_for_update(actor, session.plan)
    locked = CoachingSession.objects.select_for_update().filter(pk=session.pk, plan=plan).first()
    if locked is None:
        raise DomainError(_("This session is no longer on the plan."), code="not_found")
    session = locked
    session.plan = plan
    if session.notes:
        raise DomainError(_("This session is recorded already."), code="recorded")
    return session


def _settle_planned(session: CoachingSession) -> None:
    """The notice of a planned session no longer waits once it is recorded or cancelled."""
    settle_notifications(
        kind=NOTIFY_SESSION,
        people=[session.plan.person_id],
        url=improvement_plan_url(session.plan_id),
        date=session.held_on.isoformat(),
    )


@transaction.atomic
def coaching_session_record(
    *, actor: Any, session: CoachingSession, notes: str, held_on: date | None = None
) -> CoachingSession:
    """Record what was said at a planned session once it is held: on its date, or on the
    day it really took place (`held_on`)."""
    session = _planned_session_for_update(actor, session)
    notes = clean_text(notes, field="notes")
    if not notes:
        raise DomainError(_("Write what the session covered."), field="notes")
    held_on = held_on or session.held_on
    _check_held_on(session.plan, held_on)
    _settle_planned(session)
    session.held_on = held_on
    session.notes = notes
    session.coach = session.coach or actor_or_none(actor)  # who planned it coaches it
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def coaching_session_cancel(*, actor: Any, session: CoachingSession) -> None:
    """Take a session that was not (or will not be) held off the plan; a session still to
    come is called off with the person. A recorded session stays."""
    session = _planned_session_for_update(actor, session)
    _settle_planned(session)
    if session.held_on >= timezone.localdate():
        notify(
            people=[session.plan.person],
            kind=NOTIFY_SESSION_CANCELLED,
            subject=gettext_noop("The coaching session of %(date)s is called off."),
            url=improvement_plan_url(session.plan_id),
            params={"date": session.held_on.isoformat()},
        )
    session.delete()


@transaction.atomic
def improvement_plan_review(
    *,
    actor: Any,
    plan: ImprovementPlan,
    outcome: str,
    note: str = "",
    review_on: date | None = None,
) -> ImprovementPlan:
    """At a review: extend the plan to a new review date, or close it (completed, ended)."""
    plan = _running_plan_for_update(actor, plan)
    if outcome == PlanOutcome.EXTENDED:
        if review_on is None or review_on <= plan.review_on:
            raise DomainError(
                _("An extended plan needs a review date after %(date)s.")
                % {"date": plan.review_on.isoformat()},
                field="review_on",
            )
        plan.review_on = review_on
    elif outcome in PLAN_CLOSED:
        plan.closed_at = timezone.now()
    else:
        raise DomainError(_("Choose extended, completed or ended."), field="outcome")
    plan.outcome = outcome
    plan.outcome_note = clean_text(note, field="note")
    plan.save()
    return plan
