"""Reads of feedback: a person's own, the people a manager or HR sees, one person's page.

Everything goes through `Feedback.objects.visible_to(user)`: a salesperson
never reads another person's feedback, and reads their manager's only once it
is submitted and the period published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404

from salesalign.core.roles import person_of
from salesalign.organization.models import Person
from salesalign.performance.choices import FeedbackKind
from salesalign.performance.models import EvaluationPeriod, Feedback, ImprovementAction
from salesalign.performance.selectors.access import managers_by_person

#: People per page on the feedback overview of managers and HR.
PEOPLE_PER_PAGE = 50


def feedback_list(
    *,
    user: Any,
    period: EvaluationPeriod | None = None,
    person_id: int | None = None,
    kind: str | None = None,
) -> QuerySet[Feedback]:
    """The feedback the user may read, filtered; by period (newest first), person and kind."""
    rows = Feedback.objects.visible_to(user).select_related("period", "person", "author")
    if period is not None:
        rows = rows.filter(period=period)
    if person_id is not None:
        rows = rows.filter(person_id=person_id)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-period__start", "person__employee_number", "kind")


@dataclass
class FeedbackPair:
    """A person's two pieces of feedback on a period, as far as the reader may see them."""

    person: Person
    manager: Feedback | None = None
    own: Feedback | None = None
    can_write_manager: bool = False


@dataclass
class FeedbackOverview:
    """The feedback page of a period: the reader's own pair, then the people they see."""

    period: EvaluationPeriod
    mine: FeedbackPair | None
    people: Page[Person] | None
    rows: list[FeedbackPair] = field(default_factory=list)


def _pairs(user: Any, period: EvaluationPeriod, people: list[Person]) -> dict[int, FeedbackPair]:
    """The visible feedback of `people` on `period` (one query), and whether the reader writes
    their manager feedback (one more)."""
    pairs = {person.pk: FeedbackPair(person=person) for person in people}
    if not pairs:
        return pairs
    rows = Feedback.objects.visible_to(user).filter(period=period, person_id__in=list(pairs))
    for feedback in rows.select_related("author"):
        pair = pairs[feedback.person_id]
        if feedback.kind == FeedbackKind.MANAGER:
            pair.manager = feedback
        else:
            pair.own = feedback
    me = person_of(user)
    if me is not None and period.is_closed:
        managers = managers_by_person(people)
        for person in people:
            pairs[person.pk].can_write_manager = me.pk in managers[person.pk]
    return pairs


def feedback_overview(
    *, user: Any, period: EvaluationPeriod, page: int | str | None = 1
) -> FeedbackOverview:
    """The reader's own feedback on the period, and the people they see (a page of them) with
    where their feedback stands. A fixed number of queries, however many people."""
    me = person_of(user)
    mine = None
    if me is not None:
        mine = _pairs(user, period, [me])[me.pk]
        mine.can_write_manager = False
    others = (
        Person.objects.visible_to(user)
        .filter(is_active=True)
        .select_related("unit")
        .order_by("unit__path", "employee_number")
    )
    if me is not None:
        others = others.exclude(pk=me.pk)
    paginator = Paginator(others, PEOPLE_PER_PAGE)
    people = paginator.get_page(page)
    pairs = _pairs(user, period, list(people.object_list))
    return FeedbackOverview(
        period=period,
        mine=mine,
        people=people if paginator.count else None,
        rows=[pairs[person.pk] for person in people.object_list],
    )


@dataclass
class FeedbackPage:
    """One person's feedback on one period: what the reader sees, and what they may write."""

    period: EvaluationPeriod
    person: Person
    manager: Feedback | None
    own: Feedback | None
    can_write_manager: bool
    can_write_self: bool
    actions: list[ImprovementAction]


def feedback_page(*, user: Any, period: EvaluationPeriod, person_id: int) -> FeedbackPage:
    """A person's feedback page; "not found" for a person the reader may not see."""
    person = person_get(user=user, pk=person_id)
    pair = _pairs(user, period, [person])[person.pk]
    me = person_of(user)
    sources = [feedback.pk for feedback in (pair.manager, pair.own) if feedback is not None]
    actions = list(
        ImprovementAction.objects.visible_to(user)
        .filter(feedback_id__in=sources)
        .select_related("owner")
        .order_by("status", "due_on", "pk")
    )
    return FeedbackPage(
        period=period,
        person=person,
        manager=pair.manager,
        own=pair.own,
        can_write_manager=pair.can_write_manager and (me is None or me.pk != person.pk),
        can_write_self=me is not None and me.pk == person.pk and period.is_closed,
        actions=actions,
    )


def feedback_get(*, user: Any, pk: int) -> Feedback:
    """One piece of feedback the user may read; "not found" otherwise."""
    found = (
        Feedback.objects.visible_to(user)
        .select_related("period", "person", "author")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No such feedback.")
    return found


def person_get(*, user: Any, pk: int) -> Person:
    """A person the user may see (their unit loaded); "not found" otherwise."""
    person = Person.objects.visible_to(user).select_related("unit").filter(pk=pk).first()
    if person is None:
        raise Http404("No such person.")
    return person
