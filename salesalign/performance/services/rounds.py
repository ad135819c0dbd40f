"""Writes of 360° feedback: open a round, invite respondents, answer, close.

A manager of the person, or HR, opens a round about the person for a period
with a few rating questions (1–5) and invites respondents by relationship:
peers (the person's department), managers (the person's managers) and
colleagues from other departments, one at a time or several at once (all of
them, or none when one breaks a rule). Customers are not invited: their part is
the person's satisfaction survey average for the period (see the selectors).

Anonymity is kept by what is stored, not only by what is shown:

- an answer (`RoundAnswer`) is written without respondent, time or sequential
  id; the invitation only turns `answered`, and neither is audited;
- nothing is told to anybody when someone answers;
- results exist only once the round is closed (so no one can watch them move
  as answers come in), and closing rewrites the groups too small to be shown
  to "others" (see `salesalign.performance.anonymity`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.services import name_params, notify, notify_each, settle_notifications
from salesalign.organization.models import Person
from salesalign.performance.anonymity import OTHERS, shown_groups
from salesalign.performance.choices import INVITED_RELATIONSHIPS, Relationship, RoundStatus
from salesalign.performance.links import invitation_url, round_url
from salesalign.performance.models import (
    EvaluationPeriod,
    FeedbackRound,
    RoundAnswer,
    RoundInvitation,
    RoundQuestion,
)
from salesalign.performance.selectors.access import (
    can_run_round,
    department_path,
    manager_ids_of,
)
from salesalign.performance.services.common import (
    actor_or_none,
    check_rating,
    clean_text,
    require_person,
)

MAX_QUESTIONS = 10
NOTIFY_INVITED = "performance_360_invitation"
NOTIFY_RESULTS = "performance_360_results"


def default_questions() -> list[str]:
    """The questionnaire a new round starts from, in the language of the person opening it."""
    return [
        _("Communicates clearly and keeps others informed."),
        _("Helps colleagues and shares what they know."),
        _("Knows our products and our customers' needs."),
        _("Keeps promises made to customers and colleagues."),
    ]


def require_round_runner(actor: Any, person: Person) -> None:
    if not can_run_round(actor, person):
        raise NotAllowed(_("Only HR and the person's managers run a 360° round about them."))


def require_open_round(feedback_round: FeedbackRound) -> None:
    if not feedback_round.is_open:
        raise DomainError(_("This 360° round is closed."), code="closed")


def _clean_questions(questions: Sequence[str]) -> list[str]:
    cleaned = [" ".join(str(text).split()) for text in questions]
    cleaned = [text for text in cleaned if text]
    if not cleaned:
        raise DomainError(_("Ask at least one question."), field="questions")
    if len(cleaned) > MAX_QUESTIONS:
        raise DomainError(
            _("Ask at most %(count)s questions.") % {"count": MAX_QUESTIONS}, field="questions"
        )
    if any(len(text) > 300 for text in cleaned):
        raise DomainError(_("Keep each question under 300 characters."), field="questions")
    return cleaned


@transaction.atomic
def round_open(
    *,
    actor: Any,
    person: Person,
    period: EvaluationPeriod,
    questions: Sequence[str] | None = None,
) -> FeedbackRound:
    """Open a 360° round about a person for a period, with its rating questions."""
    require_round_runner(actor, person)
    if not person.is_active:
        raise DomainError(_("This person has left."), field="person")
    texts = _clean_questions(default_questions() if questions is None else questions)
    if FeedbackRound.objects.filter(person=person, period=period).exists():
        raise DomainError(
            _("There is already a 360° round about %(name)s for %(period)s.")
            % {"name": person.display_name, "period": period.key},
            field="period",
            code="exists",
        )
    feedback_round = FeedbackRound(
        person=person, period=period, status=RoundStatus.OPEN, opened_by=actor_or_none(actor)
    )
    feedback_round.full_clean()
    feedback_round.save()
    for position, text in enumerate(texts, start=1):
        question = RoundQuestion(round=feedback_round, position=position, text=text)
        question.full_clean()
        question.save()
    return feedback_round


def _check_respondent(
    subject: Person,
    respondent: Person,
    relationship: str,
    *,
    manager_ids: Sequence[int],
    person_field: str,
    relationship_field: str,
) -> None:
    """What every invitation follows: not the person, nobody who has left, and the right
    relationship (a manager manages the person; a peer works in their department; a colleague
    from another department works elsewhere). Errors name `person_field` or
    `relationship_field`."""
    if respondent.pk == subject.pk:
        raise DomainError(_("Nobody answers a 360° round about themselves."), field=person_field)
    if not respondent.is_active:
        raise DomainError(
            _("%(name)s has left.") % {"name": respondent.display_name}, field=person_field
        )
    if relationship not in INVITED_RELATIONSHIPS:
        raise DomainError(
            _("Choose peer, manager or colleague from another department."),
            field=relationship_field,
        )
    is_manager = respondent.pk in manager_ids
    same_department = department_path(respondent.unit.path) == department_path(subject.unit.path)
    if relationship == Relationship.MANAGER and not is_manager:
        raise DomainError(
            _("%(name)s is not one of this person's managers.") % {"name": respondent.display_name},
            field=relationship_field,
        )
    if relationship == Relationship.PEER and (is_manager or not same_department):
        raise DomainError(
            _("%(name)s is not a peer in this person's department.")
            % {"name": respondent.display_name},
            field=relationship_field,
        )
    if relationship == Relationship.OTHER_DEPARTMENT and same_department:
        raise DomainError(
            _("%(name)s works in the same department.") % {"name": respondent.display_name},
            field=relationship_field,
        )


def _already_invited(respondent: Person, *, field: str) -> DomainError:
    return DomainError(
        _("%(name)s is invited already.") % {"name": respondent.display_name},
        field=field,
        code="exists",
    )


def _create_invitations(
    feedback_round: FeedbackRound, respondents: Sequence[tuple[Person, str]]
) -> list[RoundInvitation]:
    """Write checked invitations in one insert and tell each respondent, with a link to their
    own invitation."""
    invitations = [
        RoundInvitation(round=feedback_round, respondent=respondent, relationship=relationship)
        for respondent, relationship in respondents
    ]
    for invitation in invitations:
        # The round and the people were just read, and uniqueness was checked under the
        # round's lock (the table's constraint holds it too): no query per invitation.
        invitation.full_clean(
            exclude=["round", "respondent"], validate_unique=False, validate_constraints=False
        )
    RoundInvitation.objects.bulk_create(invitations)
    notify_each(
        kind=NOTIFY_INVITED,
        subject=gettext_noop("You are invited to give 360° feedback on %(name)s for %(period)s."),
        notices=[
            (
                invitation.respondent,
                invitation_url(invitation.pk),
                {**name_params(feedback_round.person), "period": feedback_round.period.key},
            )
            for invitation in invitations
        ],
    )
    return invitations


@transaction.atomic
def round_invite(
    *, actor: Any, feedback_round: FeedbackRound, respondent: Person, relationship: str
) -> RoundInvitation:
    """Invite one respondent to an open round; they are told inside SalesAlign."""
    subject = feedback_round.person
    require_round_runner(actor, subject)
    feedback_round = FeedbackRound.objects.select_for_update().get(pk=feedback_round.pk)
    require_open_round(feedback_round)
    _check_respondent(
        subject,
        respondent,
        relationship,
        manager_ids=manager_ids_of(subject),
        person_field="respondent",
        relationship_field="relationship",
    )
    if RoundInvitation.objects.filter(round=feedback_round, respondent=respondent).exists():
        raise _already_invited(respondent, field="respondent")
    [invitation] = _create_invitations(feedback_round, [(respondent, relationship)])
    return invitation


@transaction.atomic
def round_invite_many(
    *,
    actor: Any,
    feedback_round: FeedbackRound,
    respondents: Mapping[str, Sequence[Person]],
) -> list[RoundInvitation]:
    """Invite several respondents to an open round at once, by relationship (`peer`,
    `manager`, `other_department` → the people invited as such), with the rules of a single
    invitation: everyone is invited, or nobody when one of them breaks a rule (the error names
    the relationship they were chosen under). Each is told, as by a single invitation."""
    subject = feedback_round.person
    require_round_runner(actor, subject)
    feedback_round = FeedbackRound.objects.select_for_update().get(pk=feedback_round.pk)
    require_open_round(feedback_round)
    for relationship in respondents:
        if relationship not in INVITED_RELATIONSHIPS:
            raise DomainError(
                _("Choose peer, manager or colleague from another department."),
                field=relationship,
            )
    if not any(respondents.values()):
        raise DomainError(_("Choose at least one person to invite."))
    manager_ids = manager_ids_of(subject)
    invited = set(
        RoundInvitation.objects.filter(round=feedback_round).values_list("respondent_id", flat=True)
    )
    chosen: list[tuple[Person, str]] = []
    seen: set[int] = set()
    for relationship in INVITED_RELATIONSHIPS:  # a fixed order: the same input, the same error
        for respondent in respondents.get(relationship, ()):
            if respondent.pk in seen:
                raise DomainError(
                    _("%(name)s is chosen twice: invite each person once.")
                    % {"name": respondent.display_name},
                    field=relationship,
                )
            seen.add(respondent.pk)
            _check_respondent(
                subject,
                respondent,
                relationship,
                manager_ids=manager_ids,
                person_field=relationship,
                relationship_field=relationship,
            )
            if respondent.pk in invited:
                raise _already_invited(respondent, field=relationship)
            chosen.append((respondent, relationship))
    return _create_invitations(feedback_round, chosen)


@transaction.atomic
def round_answer(
    *, actor: Any, invitation: RoundInvitation, scores: Mapping[int, int], comment: str = ""
) -> None:
    """Answer one's own invitation, once: a score 1–5 for every question and a comment.

    Returns nothing on purpose: the stored answer has no link back to its respondent,
    and its key is not handed out either.
    """
    me = require_person(actor)
    invitation = RoundInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.respondent_id != me.pk:
        raise NotAllowed(_("This invitation is someone else's."))
    # The round's lock orders answers and closing: no answer lands after the groups are pooled.
    feedback_round = FeedbackRound.objects.select_for_update().get(pk=invitation.round_id)
    require_open_round(feedback_round)
    if invitation.answered:
        raise DomainError(_("You have answered this round already."), code="answered")
    question_ids = list(
        RoundQuestion.objects.filter(round=feedback_round).values_list("pk", flat=True)
    )
    given = {int(key): value for key, value in scores.items()}
    unknown = set(given) - set(question_ids)
    if unknown:
        raise DomainError(_("Answer the questions of this round."), field="scores")
    checked: dict[str, int] = {}
    for question_id in question_ids:
        score = check_rating(given.get(question_id), field=f"question_{question_id}", required=True)
        assert score is not None  # required=True
        checked[str(question_id)] = score
    answer = RoundAnswer(
        round=feedback_round,
        relationship=invitation.relationship,
        scores=checked,
        comment=clean_text(comment, field="comment", max_length=2000),
    )
    answer.full_clean()
    answer.save()
    invitation.answered = True
    invitation.save(update_fields=["answered"])
    # Answered: the invitation no longer waits for its respondent.
    settle_notifications(kind=NOTIFY_INVITED, people=[me], url=invitation_url(invitation.pk))


@transaction.atomic
def round_close(*, actor: Any, feedback_round: FeedbackRound) -> FeedbackRound:
    """Close a round: no more answers; groups too small to show are pooled for good.

    The person is told when there are enough answers to show.
    """
    require_round_runner(actor, feedback_round.person)
    feedback_round = FeedbackRound.objects.select_for_update().get(pk=feedback_round.pk)
    require_open_round(feedback_round)
    answers = RoundAnswer.objects.filter(round=feedback_round)
    counts: dict[str, int] = {}
    for relationship in answers.values_list("relationship", flat=True):
        counts[relationship] = counts.get(relationship, 0) + 1
    mapping = shown_groups(counts)
    pooled = sorted(
        group
        for group in counts
        if group != OTHERS and (mapping is None or mapping[group] == OTHERS)
    )
    if pooled:
        answers.filter(relationship__in=pooled).update(relationship=Relationship.OTHERS)
    feedback_round.status = RoundStatus.CLOSED
    feedback_round.closed_at = timezone.now()
    feedback_round.closed_by = actor_or_none(actor)
    feedback_round.full_clean()
    feedback_round.save()
    # Closed: the invitations nobody answered cannot be answered any more.
    settle_notifications(
        kind=NOTIFY_INVITED,
        urls=[
            invitation_url(pk)
            for pk in RoundInvitation.objects.filter(round=feedback_round).values_list(
                "pk", flat=True
            )
        ],
    )
    if mapping is not None:
        notify(
            people=[feedback_round.person_id],
            kind=NOTIFY_RESULTS,
            subject=gettext_noop("The results of your 360° feedback for %(period)s are ready."),
            params={"period": feedback_round.period.key},
            url=round_url(feedback_round.pk),
        )
    return feedback_round
