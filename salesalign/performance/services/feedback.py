"""Writes of feedback after a closed period: the manager's feedback and the self-assessment.

One of each per person and period, written once the period is closed. The
manager feedback is written by one of the person's managers (the managers of
their unit and of the units above); the self-assessment by the person. Both
are drafts until submitted; a submitted one no longer changes. The person is
told when their manager's feedback can be read (submitted, period published),
the nearest manager when a self-assessment is submitted.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.services import name_params, notify, settle_notifications
from salesalign.organization.models import Person
from salesalign.performance.choices import FeedbackKind, FeedbackStatus
from salesalign.performance.links import feedback_url, my_feedback_url
from salesalign.performance.models import EvaluationPeriod, Feedback
from salesalign.performance.selectors.access import direct_manager_ids, manager_ids_of
from salesalign.performance.services.common import check_rating, clean_text, require_person
from salesalign.performance.services.periods import (
    FEEDBACK_READY_SUBJECT,
    NOTIFY_FEEDBACK_READY,
)

NOTIFY_SELF_ASSESSMENT = "performance_self_assessment"


def require_writer(actor: Any, *, person: Person, kind: str) -> Person:
    """The author: one of the person's managers (manager feedback), or the person (self)."""
    author = require_person(actor)
    if kind == FeedbackKind.SELF:
        if author.pk != person.pk:
            raise NotAllowed(_("Only the person writes their self-assessment."))
    elif kind == FeedbackKind.MANAGER:
        if author.pk not in manager_ids_of(person):
            raise NotAllowed(_("Only the person's managers write their manager feedback."))
    else:
        raise DomainError(_("Choose manager feedback or self-assessment."), field="kind")
    return author


@transaction.atomic
def feedback_save(
    *,
    actor: Any,
    period: EvaluationPeriod,
    person: Person,
    kind: str,
    rating: int | None = None,
    went_well: str = "",
    to_improve: str = "",
    submit: bool = False,
) -> Feedback:
    """Write (or rewrite) a draft of manager feedback or of a self-assessment; `submit` sends it.

    A submitted one is final. Submitting needs a rating and at least one of the two texts.
    """
    author = require_writer(actor, person=person, kind=kind)
    if not period.is_closed:
        raise DomainError(
            _("Feedback on %(period)s is written once the period is closed.")
            % {"period": period.key},
            code="period_open",
        )
    rating = check_rating(rating)
    went_well = clean_text(went_well, field="went_well")
    to_improve = clean_text(to_improve, field="to_improve")
    feedback = (
        Feedback.objects.select_for_update().filter(period=period, person=person, kind=kind).first()
    ) or Feedback(period=period, person=person, kind=kind)
    if feedback.is_submitted:
        raise DomainError(_("This feedback was submitted and no longer changes."), code="submitted")
    feedback.author = author
    feedback.rating = rating
    feedback.went_well = went_well
    feedback.to_improve = to_improve
    if submit:
        if rating is None:
            raise DomainError(_("Give a rating from 1 to 5."), field="rating")
        if not (went_well or to_improve):
            raise DomainError(
                _("Write what went well or what to improve before submitting."),
                field="went_well",
            )
        feedback.status = FeedbackStatus.SUBMITTED
        feedback.submitted_at = timezone.now()
    feedback.full_clean()
    feedback.save()
    if submit:
        _tell_on_submit(feedback, period=period, person=person)
    return feedback


def _tell_on_submit(feedback: Feedback, *, period: EvaluationPeriod, person: Person) -> None:
    if feedback.kind == FeedbackKind.MANAGER:
        # The manager has answered: the person's self-assessment no longer waits for them.
        settle_notifications(
            kind=NOTIFY_SELF_ASSESSMENT,
            people=direct_manager_ids(person),
            url=feedback_url(period.pk, person.pk),
        )
        if period.is_published:
            notify(
                people=[person],
                kind=NOTIFY_FEEDBACK_READY,
                subject=FEEDBACK_READY_SUBJECT,
                params={"period": period.key},
                url=my_feedback_url(period.pk),
            )
        return
    notify(
        people=direct_manager_ids(person),
        kind=NOTIFY_SELF_ASSESSMENT,
        subject=gettext_noop("%(name)s's self-assessment for %(period)s is waiting for you."),
        params={**name_params(person), "period": period.key},
        url=feedback_url(period.pk, person.pk),
    )
