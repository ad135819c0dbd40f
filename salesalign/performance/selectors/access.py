"""Who may do what in the performance app — decided here for pages, API and services.

- Evaluation periods are opened, closed, published and reopened by executives,
  HR and admins (`can_manage_periods`).
- A person's *managers* are the managers of their unit and of every unit above
  it (never the person themselves): they write the person's manager feedback,
  open 360° rounds about them and set improvement actions (`manager_ids_of`).
- HR opens and runs 360° rounds about anyone (`can_run_round`).
- A unit's retrospective is written by the managers of the unit or of a unit
  above it, and by executives and admins (`can_write_retrospective`).

Seeing is `visible_to(user)` on each model's queryset (see models.py).
"""

from __future__ import annotations

from typing import Any

from salesalign.core.choices import Role
from salesalign.core.roles import person_of, role_of
from salesalign.organization.models import OrgUnit, Person

#: Roles that run evaluation periods for the whole company.
PERIOD_MANAGER_ROLES = frozenset({Role.ADMIN, Role.EXECUTIVE, Role.HR})
#: Roles that write any unit's retrospective.
RETROSPECTIVE_ROLES = frozenset({Role.ADMIN, Role.EXECUTIVE})


def can_manage_periods(user: Any) -> bool:
    """Executives, HR and admins open, close, publish and reopen evaluation periods."""
    return role_of(user) in PERIOD_MANAGER_ROLES


def is_hr(user: Any) -> bool:
    return role_of(user) == Role.HR


def ancestor_paths(path: str, steplen: int = OrgUnit.steplen) -> list[str]:
    """The tree paths of a unit and of every unit above it."""
    return [path[:end] for end in range(steplen, len(path) + 1, steplen)]


def managers_by_person(people: list[Person]) -> dict[int, list[int]]:
    """For each person (their unit loaded), the ids of their managers, nearest first; one query.

    A person's managers manage their unit or a unit above it; nobody is their own manager.
    """
    paths = {path for person in people for path in ancestor_paths(person.unit.path)}
    managed = dict(
        OrgUnit.objects.filter(path__in=sorted(paths), manager__isnull=False).values_list(
            "path", "manager_id"
        )
    )
    result: dict[int, list[int]] = {}
    for person in people:
        chain = reversed(ancestor_paths(person.unit.path))
        ids = [managed[path] for path in chain if path in managed]
        result[person.pk] = [pk for pk in dict.fromkeys(ids) if pk != person.pk]
    return result


def manager_ids_of(person: Person) -> list[int]:
    """The person's managers, nearest first (the manager of their team, then above)."""
    return managers_by_person([person])[person.pk]


def direct_manager_ids(person: Person) -> list[int]:
    """The nearest manager (the one told when the person's self-assessment is ready)."""
    managers = manager_ids_of(person)
    return managers[:1]


def manages(user: Any, person: Person) -> bool:
    """Is the user one of the person's managers?"""
    me = person_of(user)
    return me is not None and me.pk in manager_ids_of(person)


def can_run_round(user: Any, person: Person) -> bool:
    """HR, or one of the person's managers, opens a 360° round about them and runs it."""
    return is_hr(user) or manages(user, person)


def may_act_for_person(user: Any, person: Person) -> bool:
    """The person, their managers and HR set (and close) improvement actions about the person."""
    me = person_of(user)
    if me is not None and (me.pk == person.pk or me.pk in manager_ids_of(person)):
        return True
    return is_hr(user)


def manages_unit(user: Any, unit: OrgUnit) -> bool:
    """Does the user manage this unit or one above it?"""
    me = person_of(user)
    if me is None:
        return False
    return OrgUnit.objects.filter(path__in=ancestor_paths(unit.path), manager_id=me.pk).exists()


def can_write_retrospective(user: Any, unit: OrgUnit) -> bool:
    """The managers of the unit (or above), executives and admins write its retrospective."""
    return role_of(user) in RETROSPECTIVE_ROLES or manages_unit(user, unit)


def department_path(unit_path: str, steplen: int = OrgUnit.steplen) -> str:
    """The path of the department a unit belongs to (the unit below the company), or the
    company itself for people who sit at the top."""
    return unit_path[: 2 * steplen] if len(unit_path) >= 2 * steplen else unit_path
