"""Reads of 360° feedback: rounds, their results as aggregates only, one's own invitations.

No function here returns an answer row or anything that names who answered
what. Results are computed by `salesalign.performance.anonymity` from the
answers of a closed round (group, scores, comment — there is nothing else),
and shown only when at least three people answered. Who was invited (not who
answered) is shown only to those who run the round; the person it is about
sees the aggregates. How many answered is never shown, not even per group: beside
the list of invitees, a group of one invited person who "answered 1" is named. A
round tells only whether it has enough answers (at least three) to show results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from salesalign.core.exceptions import DomainError
from salesalign.core.roles import person_of
from salesalign.engines.metrics import MetricKey
from salesalign.organization.models import OrgUnit, Person, in_name_order
from salesalign.performance.anonymity import (
    MIN_ANSWERS,
    Answer,
    GroupResult,
    RoundResult,
    aggregate_round,
)
from salesalign.performance.choices import INVITED_RELATIONSHIPS, Relationship, RoundStatus
from salesalign.performance.models import (
    FeedbackRound,
    ImprovementAction,
    RoundAnswer,
    RoundInvitation,
    RoundQuestion,
)
from salesalign.performance.selectors.access import (
    can_run_round,
    department_path,
    is_hr,
    manager_ids_of,
)
from salesalign.sales.selectors.actuals import actuals


def round_list(*, user: Any) -> QuerySet[FeedbackRound]:
    """The rounds the user may see (their own and those of people in scope), newest period
    first, each with how many were invited and whether enough answered to show results
    (`enough_answers`; never how many)."""
    return (
        FeedbackRound.objects.visible_to(user)
        .select_related("person", "person__unit", "period")
        .annotate(
            invited_count=Count("invitations", distinct=True),
            enough_answers=Case(
                When(
                    pk__in=RoundInvitation.objects.filter(answered=True)
                    .values("round_id")
                    .annotate(answers=Count("pk"))
                    .filter(answers__gte=MIN_ANSWERS)
                    .values("round_id"),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .order_by("-period__start", "person__employee_number", "pk")
    )


def round_get(*, user: Any, pk: int) -> FeedbackRound:
    """One round the user may see; "not found" otherwise."""
    found = (
        FeedbackRound.objects.visible_to(user)
        .select_related("person", "person__unit", "period", "opened_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No such round.")
    return found


@dataclass(frozen=True)
class GroupProgress:
    """How many of a relationship group were invited (never how many answered)."""

    relationship: str
    label: str
    invited: int


@dataclass(frozen=True)
class Invitee:
    """Someone invited to a round (never whether they answered)."""

    person_id: int
    name: str
    relationship: str
    relationship_label: str


@dataclass(frozen=True)
class CustomerAggregate:
    """The person's customer satisfaction average for the round's period (surveys)."""

    mean: Decimal | None
    count: int

    @property
    def shown(self) -> bool:
        return self.mean is not None and self.count >= MIN_ANSWERS


@dataclass(frozen=True)
class ShownMean:
    question: str
    mean: Decimal
    count: int


@dataclass(frozen=True)
class ShownGroup:
    """One row of the results: a group (or everybody) with a mean per question."""

    relationship: str
    label: str
    count: int
    means: tuple[ShownMean, ...]


@dataclass(frozen=True)
class ResultRow:
    """One question across the table: the overall mean and the mean of each shown group."""

    question: str
    overall: Decimal
    groups: tuple[Decimal | None, ...]


@dataclass
class RoundResults:
    """What may be shown of a round: nothing (with the reason) or aggregates only."""

    closed: bool
    enough: bool
    minimum: int = MIN_ANSWERS
    overall: ShownGroup | None = None
    groups: list[ShownGroup] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    customers: CustomerAggregate | None = None

    @property
    def shown(self) -> bool:
        return self.closed and self.enough and self.overall is not None

    @property
    def rows(self) -> list[ResultRow]:
        """The results as a table: a row per question, a column per shown group."""
        if self.overall is None:
            return []
        by_group = [{mean.question: mean.mean for mean in group.means} for group in self.groups]
        return [
            ResultRow(
                question=mean.question,
                overall=mean.mean,
                groups=tuple(means.get(mean.question) for means in by_group),
            )
            for mean in self.overall.means
        ]


@dataclass
class RoundDetail:
    """A round's page: its questions, results, and — for those who run it — its invitees."""

    round: FeedbackRound
    questions: list[RoundQuestion]
    can_run: bool
    is_subject: bool
    results: RoundResults
    progress: list[GroupProgress]
    #: For those who run the round: at least MIN_ANSWERS answered (closing shows results).
    enough_answers: bool
    invitees: list[Invitee]
    actions: list[ImprovementAction]


def _label(relationship: str) -> str:
    return str(Relationship(relationship).label) if relationship in Relationship.values else ""


def _shown(group: GroupResult, relationship: str, questions: dict[int, str]) -> ShownGroup:
    return ShownGroup(
        relationship=relationship,
        label=_label(relationship),
        count=group.count,
        means=tuple(
            ShownMean(
                question=questions.get(mean.question_id, ""), mean=mean.mean, count=mean.count
            )
            for mean in group.means
        ),
    )


def _customers(user: Any, feedback_round: FeedbackRound) -> CustomerAggregate:
    """The satisfaction average of the person's customers in the round's period (read through
    the sales app's actuals, with the reader's own visibility)."""
    period = feedback_round.period.engine_period
    try:
        result = actuals(
            user=user,
            metric=MetricKey.CUSTOMER_SATISFACTION,
            periods=[period],
            people=[feedback_round.person_id],
        )
    except Http404:
        return CustomerAggregate(mean=None, count=0)
    tally = result.tally(period=period, person=feedback_round.person_id)
    return CustomerAggregate(
        mean=result.value(period=period, person=feedback_round.person_id), count=tally.count
    )


def round_results(
    *, user: Any, feedback_round: FeedbackRound, questions: list[RoundQuestion] | None = None
) -> RoundResults:
    """The round's results as aggregates, under the anonymity rule; nothing while it is open."""
    if feedback_round.is_open:
        return RoundResults(closed=False, enough=False)
    if questions is None:
        questions = list(feedback_round.questions.order_by("position"))
    texts = {question.pk: question.text for question in questions}
    answers = [
        Answer(
            key=str(answer_id),
            group=relationship,
            scores={int(key): int(value) for key, value in (scores or {}).items()},
            comment=comment,
        )
        for answer_id, relationship, scores, comment in RoundAnswer.objects.filter(
            round=feedback_round
        )
        .order_by("id")
        .values_list("id", "relationship", "scores", "comment")
    ]
    result: RoundResult | None = aggregate_round(
        answers,
        [question.pk for question in questions],
        salt=f"round:{feedback_round.pk}",
        group_order=[str(relationship) for relationship in INVITED_RELATIONSHIPS],
    )
    customers = _customers(user, feedback_round)
    if result is None:
        return RoundResults(closed=True, enough=False, customers=customers)
    return RoundResults(
        closed=True,
        enough=True,
        overall=_shown(result.overall, "", texts),
        groups=[_shown(group, group.group, texts) for group in result.groups],
        comments=list(result.comments),
        customers=customers,
    )


def round_detail(*, user: Any, feedback_round: FeedbackRound) -> RoundDetail:
    """A round's page; a fixed number of queries. Invitees and progress only for its runners."""
    questions = list(feedback_round.questions.order_by("position"))
    can_run = can_run_round(user, feedback_round.person)
    me = person_of(user)
    progress: list[GroupProgress] = []
    invitees: list[Invitee] = []
    enough_answers = False
    if can_run:
        counts = {
            row["relationship"]: row
            for row in RoundInvitation.objects.filter(round=feedback_round)
            .values("relationship")
            .annotate(invited=Count("pk"), answered=Count("pk", filter=Q(answered=True)))
            .order_by()
        }
        enough_answers = sum(row["answered"] for row in counts.values()) >= MIN_ANSWERS
        progress = [
            GroupProgress(
                relationship=str(relationship),
                label=str(relationship.label),
                invited=counts[relationship]["invited"],
            )
            for relationship in INVITED_RELATIONSHIPS
            if relationship in counts
        ]
        invitees = [
            Invitee(
                person_id=invitation.respondent_id,
                name=invitation.respondent.display_name,
                relationship=invitation.relationship,
                relationship_label=_label(invitation.relationship),
            )
            for invitation in RoundInvitation.objects.filter(round=feedback_round)
            .select_related("respondent")
            .order_by("relationship", "respondent__name", "pk")
        ]
    return RoundDetail(
        round=feedback_round,
        questions=questions,
        can_run=can_run,
        is_subject=me is not None and me.pk == feedback_round.person_id,
        results=round_results(user=user, feedback_round=feedback_round, questions=questions),
        progress=progress,
        enough_answers=enough_answers,
        invitees=invitees,
        actions=list(
            ImprovementAction.objects.visible_to(user)
            .filter(round=feedback_round)
            .select_related("owner")
            .order_by("status", "due_on", "pk")
        ),
    )


def my_invitations(*, user: Any, pending_only: bool = False) -> QuerySet[RoundInvitation]:
    """The user's own invitations to answer (nobody else's), newest first."""
    me = person_of(user)
    if me is None:
        return RoundInvitation.objects.none()
    invitations = RoundInvitation.objects.filter(respondent=me).select_related(
        "round", "round__person", "round__period"
    )
    if pending_only:
        invitations = invitations.filter(answered=False, round__status=RoundStatus.OPEN)
    return invitations.order_by("answered", "-invited_at", "-pk")


def invitation_get(*, user: Any, pk: int) -> RoundInvitation:
    """One of the user's own invitations; "not found" for anybody else's."""
    found = my_invitations(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such invitation.")
    return found


def _person_label(person: Person) -> str:
    return f"{person.display_name} · {person.unit.display_name}"


def round_subject_choices(*, user: Any) -> list[tuple[int, str]]:
    """People the user may open a 360° round about: anyone for HR, the people of the units
    they manage for a manager (never themselves)."""
    me = person_of(user)
    people = Person.objects.filter(is_active=True).select_related("unit")
    if not is_hr(user):
        if me is None:
            return []
        paths = list(OrgUnit.objects.filter(manager_id=me.pk).values_list("path", flat=True))
        if not paths:
            return []
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(unit__path__startswith=path)
        people = people.filter(condition)
    if me is not None:
        people = people.exclude(pk=me.pk)
    return [(person.pk, _person_label(person)) for person in in_name_order(people, "unit__path")]


def _invitable(feedback_round: FeedbackRound) -> tuple[QuerySet[Person], Any]:
    """Everyone who may still be invited to the round (active, not the person, not invited
    already), in name order, and how each relates to the round's person: their managers;
    the others of the person's department (peers); everyone else (colleagues from other
    departments). A manager is offered as a manager only. The person comes with their unit."""
    subject = feedback_round.person
    managers = set(manager_ids_of(subject))
    home = department_path(subject.unit.path)
    invited = RoundInvitation.objects.filter(round=feedback_round).values("respondent_id")
    people = in_name_order(
        Person.objects.filter(is_active=True)
        .exclude(pk=subject.pk)
        .exclude(pk__in=invited)
        .select_related("unit"),
        "unit__path",
    )

    def relationship_of(person: Person) -> str:
        if person.pk in managers:
            return str(Relationship.MANAGER)
        if department_path(person.unit.path) == home:
            return str(Relationship.PEER)
        return str(Relationship.OTHER_DEPARTMENT)

    return people, relationship_of


def respondent_groups(*, feedback_round: FeedbackRound) -> dict[str, list[tuple[int, str]]]:
    """Who may still be invited, by the relationship they may be invited as (`_invitable`)."""
    people, relationship_of = _invitable(feedback_round)
    groups: dict[str, list[tuple[int, str]]] = {str(item): [] for item in INVITED_RELATIONSHIPS}
    for person in people:
        groups[relationship_of(person)].append((person.pk, _person_label(person)))
    return groups


#: How many people a search for respondents answers.
RESPONDENT_SEARCH_LIMIT = 20


def respondent_search(
    *, feedback_round: FeedbackRound, relationship: str, query: str
) -> list[tuple[int, str]]:
    """The people who may still be invited as `relationship` whose name, English name or
    employee number has every word of `query` (the first `RESPONDENT_SEARCH_LIMIT`), for
    the invite lists of a large company: anyone of the company may be invited, whatever the
    inviter may otherwise see."""
    words = query.split()
    if not words or relationship not in {str(item) for item in INVITED_RELATIONSHIPS}:
        return []
    people, relationship_of = _invitable(feedback_round)
    for word in words:
        people = people.filter(
            Q(name__icontains=word)
            | Q(name_en__icontains=word)
            | Q(employee_number__icontains=word)
        )
    found: list[tuple[int, str]] = []
    for person in people.iterator(chunk_size=200):
        if relationship_of(person) == relationship:
            # The number in the label too: the select keeps only suggestions that show what
            # was typed (as `organization:person_search` answers).
            found.append(
                (
                    person.pk,
                    f"{person.display_name} ({person.employee_number}) · "
                    f"{person.unit.display_name}",
                )
            )
            if len(found) == RESPONDENT_SEARCH_LIMIT:
                break
    return found


def respondents_by_relationship(ids: Mapping[str, Sequence[int]]) -> dict[str, list[Person]]:
    """The people chosen under each relationship, in the order chosen; an id that names
    nobody is refused with the relationship it was chosen under."""
    found = Person.objects.select_related("unit").in_bulk(
        sorted({pk for chosen in ids.values() for pk in chosen})
    )
    people: dict[str, list[Person]] = {}
    for relationship, chosen in ids.items():
        missing = [pk for pk in chosen if pk not in found]
        if missing:
            raise DomainError(_("No such person."), field=relationship)
        people[relationship] = [found[pk] for pk in chosen]
    return people


def respondent_get(*, pk: int) -> Person:
    """Anyone of the company may be invited (colleagues from other departments too)."""
    person = Person.objects.select_related("unit").filter(pk=pk).first()
    if person is None:
        raise Http404("No such person.")
    return person
