"""Reads for the home page: what each role sees first, composed from the apps' selectors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from salesalign.core.choices import Role
from salesalign.core.models import Notification
from salesalign.core.roles import person_of, role_of
from salesalign.core.selectors import notification_list, notification_unread_count
from salesalign.core.visibility import scope_for
from salesalign.organization.models import OrgUnit, Person
from salesalign.performance.selectors.scorecards import CardView, my_open_cards
from salesalign.performance.selectors.standing import PeriodStanding, units_standing
from salesalign.strategy.models import StrategyDocument
from salesalign.strategy.selectors import documents as document_selectors
from salesalign.targets.selectors.pages import targets_waiting

#: How many open questions a manager's home page lists (the rest are on the questions page).
OPEN_QUESTIONS_SHOWN = 10
#: How many unread notifications the home page lists (the rest are on the notifications page).
NOTIFICATIONS_SHOWN = 8


@dataclass(frozen=True)
class OrganisationCounts:
    """What an administrator keeps an eye on."""

    units: int
    active_people: int
    people_without_login: int


@dataclass
class HomePage:
    """Everything the home page shows; sections a role does not get stay empty (None)."""

    person: Person | None
    role: str | None
    pending: list[StrategyDocument] = field(default_factory=list)
    announcements: list[StrategyDocument] = field(default_factory=list)
    teams: list[document_selectors.TeamConfirmation] | None = None
    open_questions: list[Any] | None = None
    open_question_count: int | None = None
    departments: list[document_selectors.DepartmentConfirmation] | None = None
    #: What the department rates count: every published document that asks for confirmation.
    confirmation_documents: list[StrategyDocument] = field(default_factory=list)
    organisation: OrganisationCounts | None = None
    may_write_documents: bool = False
    notifications: list[Notification] = field(default_factory=list)
    #: Every unread notification, as the bell counts them (the list shows the latest few).
    unread_count: int = 0
    targets_waiting: int = 0
    #: The person's cards of the open periods so far: where they stand against the target
    #: to date (none for someone no scorecard template covers).
    standing: list[CardView] = field(default_factory=list)
    #: For a leader, their units' revenue so far against the revenue due by today.
    units_standing: list[PeriodStanding] = field(default_factory=list)

    @property
    def linked(self) -> bool:
        """False for a login that is not linked to an employee record (and is not an admin)."""
        return self.person is not None or self.role is not None


def organisation_counts() -> OrganisationCounts:
    """Active units, active people and active people without a login (two queries)."""
    people = Person.objects.aggregate(
        active=Count("pk", filter=Q(is_active=True)),
        without_login=Count("pk", filter=Q(is_active=True, user__isnull=True)),
    )
    return OrganisationCounts(
        units=OrgUnit.objects.filter(is_active=True).count(),
        active_people=people["active"],
        people_without_login=people["without_login"],
    )


def home_page(user: Any) -> HomePage:
    """Compose the home page for `user`'s role; a constant number of queries for every role."""
    person = person_of(user)
    role = role_of(user)
    page = HomePage(person=person, role=role)
    if person is None and role is None:
        return page
    page.may_write_documents = document_selectors.may_write_documents(user)
    if person is not None:
        page.pending = list(document_selectors.pending_confirmations(person))
        page.announcements = document_selectors.latest_announcements(person)
        page.notifications = notification_list(
            user=user, unread_only=True, limit=NOTIFICATIONS_SHOWN
        )
        page.unread_count = (
            len(page.notifications)
            if len(page.notifications) < NOTIFICATIONS_SHOWN
            else notification_unread_count(user=user)
        )
        page.standing = my_open_cards(user=user, today=timezone.localdate())
    page.targets_waiting = targets_waiting(user)
    scope = scope_for(user)
    if scope.everything or scope.unit_paths:
        page.units_standing = units_standing(user=user, today=timezone.localdate())
    if scope.everything:
        page.confirmation_documents = document_selectors.documents_to_confirm()
        page.departments = document_selectors.confirmation_by_department(
            user, page.confirmation_documents
        )
        page.open_question_count = document_selectors.open_questions(user).count()
    elif scope.unit_paths:
        page.teams = document_selectors.team_confirmation(user)
        questions = document_selectors.open_questions(user)
        page.open_question_count = questions.count()
        page.open_questions = document_selectors.open_questions_for_answering(
            user, limit=OPEN_QUESTIONS_SHOWN
        )
    if role == Role.ADMIN:
        page.organisation = organisation_counts()
    return page
