"""The one visibility rule set (DESIGN.md, "visible_to").

A salesperson sees their own records, a manager the subtrees of the units they
manage (and their own records), executives, HR and admins the whole company.
Every view, API endpoint, export and notification filters through
`VisibleQuerySet.visible_to(user)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps
from django.db import models
from django.db.models import Q

from salesalign.core.choices import COMPANY_WIDE_ROLES

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from salesalign.core.models import User

_M = TypeVar("_M", bound=models.Model)


@dataclass(frozen=True)
class Scope:
    """What one user may see: everything, or their own records plus unit subtrees."""

    everything: bool
    person_id: int | None
    unit_paths: tuple[str, ...]
    #: The subtrees are the whole organisation (a manager of every top-level unit, as a head
    #: of sales with a manager's role is): every unit-owned row is in scope, so a read need
    #: not filter by unit at all.
    whole_tree: bool = False

    @property
    def nothing(self) -> bool:
        return not self.everything and self.person_id is None and not self.unit_paths

    def covers_unit_path(self, path: str) -> bool:
        """True when a unit with this tree path lies inside the scope."""
        return self.everything or any(path.startswith(prefix) for prefix in self.unit_paths)

    def q(self, *, person_field: str | None, unit_field: str | None) -> Q:
        """A filter for rows owned by a person (`person_field`) in a unit (`unit_field`)."""
        if self.everything:
            return Q()
        condition = Q(pk__in=[])
        if person_field is not None and self.person_id is not None:
            condition |= Q(**{person_field: self.person_id})
        if unit_field is not None and self.whole_tree:
            condition |= Q(**{f"{unit_field}__isnull": False})  # no join with the units
        elif unit_field is not None:
            for path in self.unit_paths:
                condition |= Q(**{f"{unit_field}__path__startswith": path})
        return condition

    def units(self) -> Any:
        """The ids of the units of the scope's subtrees, as a subquery (none: no subtree)."""
        org_unit = apps.get_model("organization", "OrgUnit")
        condition = Q(pk__in=[])
        for path in self.unit_paths:
            condition |= Q(path__startswith=path)
        return org_unit.objects.filter(condition).values("pk")


NO_SCOPE = Scope(everything=False, person_id=None, unit_paths=())


def _collapse(paths: list[str]) -> tuple[str, ...]:
    """Drop paths that lie inside another path of the list."""
    kept: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(prefix) for prefix in kept):
            kept.append(path)
    return tuple(kept)


def _manages_every_root(org_unit: Any, paths: tuple[str, ...]) -> bool:
    """True when the collapsed `paths` hold every top-level unit (a query only when they hold
    one: a top-level path is one step long)."""
    tops = {path for path in paths if len(path) == org_unit.steplen}
    if not tops:
        return False
    return set(org_unit.objects.get_root_nodes().values_list("path", flat=True)) <= tops


def scope_for(user: User | AnonymousUser | None) -> Scope:
    """Compute (once per user object) what `user` may see."""
    if user is None or not user.is_authenticated:
        return NO_SCOPE
    cached: Scope | None = getattr(user, "_salesalign_scope", None)
    if cached is not None:
        return cached
    person = getattr(user, "person", None)
    if user.is_superuser or (person is not None and person.role in COMPANY_WIDE_ROLES):
        scope = Scope(everything=True, person_id=person.pk if person else None, unit_paths=())
    elif person is None:
        scope = NO_SCOPE
    else:
        org_unit = apps.get_model("organization", "OrgUnit")
        paths = _collapse(
            list(org_unit.objects.filter(manager_id=person.pk).values_list("path", flat=True))
        )
        scope = Scope(
            everything=False,
            person_id=person.pk,
            unit_paths=paths,
            whole_tree=_manages_every_root(org_unit, paths),
        )
    setattr(user, "_salesalign_scope", scope)  # noqa: B010 - a per-request cache on the user object
    return scope


def forget_scope(user: Any) -> None:
    """Drop the cached scope (after a change of role or of managed units)."""
    if hasattr(user, "_salesalign_scope"):
        del user._salesalign_scope


class VisibleQuerySet(models.QuerySet[_M]):
    """Base queryset for models that carry people's data.

    Subclasses name the field that points to the owning person and the field
    that points to the owning org unit (either may be None).
    """

    person_field: str | None = None
    unit_field: str | None = None

    def visible_to(self, user: User | AnonymousUser | None) -> VisibleQuerySet[_M]:
        scope = scope_for(user)
        if scope.nothing:
            return self.none()
        return self.filter(scope.q(person_field=self.person_field, unit_field=self.unit_field))
