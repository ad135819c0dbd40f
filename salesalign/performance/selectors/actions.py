"""Reads of improvement actions: those the user owns, is the subject of, or sees in scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from salesalign.core.choices import Role
from salesalign.core.roles import person_of, role_of
from salesalign.organization.models import OrgUnit, Person, in_name_order
from salesalign.performance.models import ImprovementAction
from salesalign.performance.selectors.access import (
    RETROSPECTIVE_ROLES,
    ancestor_paths,
    manager_ids_of,
    managers_by_person,
)

ACTION_RELATED = (
    "owner",
    "person",
    "person__unit",
    "unit",
    "feedback__period",
    "round__period",
    "retrospective__period",
    "retrospective__unit",
)


def action_list(
    *,
    user: Any,
    status: str | None = None,
    owner_id: int | None = None,
    person_id: int | None = None,
    mine_only: bool = False,
) -> QuerySet[ImprovementAction]:
    """The actions the user may see, open ones first by due date; `mine_only`: owned by them."""
    actions = ImprovementAction.objects.visible_to(user).select_related(*ACTION_RELATED)
    if status:
        actions = actions.filter(status=status)
    if owner_id is not None:
        actions = actions.filter(owner_id=owner_id)
    if person_id is not None:
        actions = actions.filter(person_id=person_id)
    if mine_only:
        person = getattr(user, "person", None)
        actions = actions.filter(owner_id=getattr(person, "pk", None)) if person else actions.none()
    return actions.order_by("status", "due_on", "pk")


def action_get(*, user: Any, pk: int) -> ImprovementAction:
    """One action the user may see; "not found" otherwise."""
    found = (
        ImprovementAction.objects.visible_to(user)
        .select_related(*ACTION_RELATED)
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No such action.")
    return found


def owner_choices_for_person(*, person: Person) -> list[tuple[int, str]]:
    """Who may own an action about a person: the person and their managers."""
    ids = [person.pk, *manager_ids_of(person)]
    found = {candidate.pk: candidate for candidate in Person.objects.filter(pk__in=ids)}
    return [(pk, found[pk].display_name) for pk in ids if pk in found]


def owner_choices_for_unit(*, unit: OrgUnit) -> list[tuple[int, str]]:
    """Who may own an action from a unit's retrospective: its managers (and those above), then
    the active people of the unit."""
    managers = list(
        OrgUnit.objects.filter(path__in=ancestor_paths(unit.path), manager__isnull=False)
        .order_by("-path")
        .values_list("manager_id", flat=True)
    )
    members = Person.objects.filter(is_active=True, unit__path__startswith=unit.path)
    people = {person.pk: person for person in Person.objects.filter(pk__in=managers)}
    choices = [(pk, people[pk].display_name) for pk in dict.fromkeys(managers) if pk in people]
    seen = {pk for pk, _name in choices}
    choices += [
        (person.pk, person.display_name)
        for person in in_name_order(members)
        if person.pk not in seen
    ]
    return choices


def editable_action_ids(*, user: Any, actions: list[ImprovementAction]) -> set[int]:
    """Which of `actions` the user may mark done or open again (the rule of
    `services.actions.may_edit_action`), for a whole list in at most two queries."""
    me = person_of(user)
    role = role_of(user)
    people = list({action.person.pk: action.person for action in actions if action.person}.values())
    managers = managers_by_person(people) if people and me is not None else {}
    managed_paths: list[str] = []
    if me is not None and any(action.unit_id for action in actions):
        managed_paths = list(
            OrgUnit.objects.filter(manager_id=me.pk).values_list("path", flat=True)
        )
    editable: set[int] = set()
    for action in actions:
        if me is not None and action.owner_id == me.pk:
            editable.add(action.pk)
        elif action.person is not None:
            if role == Role.HR or (
                me is not None
                and (me.pk == action.person.pk or me.pk in managers.get(action.person.pk, []))
            ):
                editable.add(action.pk)
        elif action.unit is not None and (
            role in RETROSPECTIVE_ROLES
            or any(action.unit.path.startswith(path) for path in managed_paths)
        ):
            editable.add(action.pk)
    return editable
