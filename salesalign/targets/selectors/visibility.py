"""Who sees which targets and who may change them — decided here for pages, API and services.

Seeing (`visible_targets`, behind `Target.objects.visible_to(user)`):
- executives, HR and admins: every target;
- a manager: the targets of the units they manage and of everyone in them
  (their subtree), and the unit targets above them (the chain up to the company);
- a salesperson: their own targets and the unit targets of the chain above
  them (team → department → company) — never a colleague's;
- drafts are the managers' work in progress: someone who manages no unit sees a
  plan's targets only once it is in negotiation, and their own targets only
  once something of that plan was proposed to them, or it is approved.

Changing (`can_manage_target`): allocating, publishing and deciding on a
target's children is for the managers of the target's unit (or of the unit of
its person) and of the units above, and for executives and admins.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from salesalign.core.choices import Role
from salesalign.core.roles import person_of, role_of
from salesalign.core.visibility import scope_for
from salesalign.organization.models import OrgUnit
from salesalign.targets.choices import PlanStatus, ProposalStatus
from salesalign.targets.models import Target, TargetProposal

#: Roles that allocate, publish and approve anywhere in the company.
PLANNER_ROLES = frozenset({Role.ADMIN, Role.EXECUTIVE})


def is_planner(user: Any) -> bool:
    """Executives and admins plan the whole company (HR reads, but does not set targets)."""
    return role_of(user) in PLANNER_ROLES


def ancestor_paths(path: str, steplen: int = OrgUnit.steplen) -> list[str]:
    """The tree paths of a unit and of every unit above it."""
    return [path[:end] for end in range(steplen, len(path) + 1, steplen)]


def _own_unit_path(user: Any) -> str | None:
    """The tree path of the user's own unit (read once per user object)."""
    cached: tuple[str | None] | None = getattr(user, "_salesalign_unit_path", None)
    if cached is not None:
        return cached[0]
    person = person_of(user)
    path = None
    if person is not None:
        path = OrgUnit.objects.filter(pk=person.unit_id).values_list("path", flat=True).first()
    setattr(user, "_salesalign_unit_path", (path,))  # noqa: B010 - a per-request cache
    return path


def visible_targets(targets: QuerySet[Target], user: Any) -> Any:
    """`targets` narrowed to those `user` may see (see the module docstring)."""
    scope = scope_for(user)
    if scope.nothing:
        return targets.none()
    if scope.everything:
        return targets
    own_path = _own_unit_path(user)
    chain: set[str] = set()
    for path in [*scope.unit_paths, *([own_path] if own_path else [])]:
        chain.update(ancestor_paths(path))
    subtree = Q(pk__in=[])
    for path in scope.unit_paths:
        subtree |= Q(unit__path__startswith=path) | Q(person__unit__path__startswith=path)
    above = Q(unit__path__in=sorted(chain)) if chain else Q(pk__in=[])
    if scope.unit_paths:
        # A manager sees their subtree and the chain above in every version, drafts included.
        return targets.filter(Q(person_id=scope.person_id) | subtree | above)
    if scope.person_id is None:
        return targets.none()
    # Once something was proposed to the person in a plan, all their slices of it show.
    proposed = Exists(
        TargetProposal.objects.filter(
            plan_id=OuterRef("plan_id"), target__person_id=scope.person_id
        ).exclude(status=ProposalStatus.WITHDRAWN)
    )
    settled = Q(plan__status__in=[PlanStatus.APPROVED, PlanStatus.SUPERSEDED])
    own = Q(person_id=scope.person_id) & (settled | proposed)
    return targets.filter(own | (above & ~Q(plan__status=PlanStatus.DRAFT)))


def can_see_drafts(user: Any) -> bool:
    """Planners and managers work on drafts; others see a plan once it is negotiated."""
    scope = scope_for(user)
    return scope.everything or bool(scope.unit_paths)


def subject_path(target: Target) -> str:
    """The tree path of the unit a target belongs to (its unit, or its person's unit)."""
    return str(target.own_unit.path)


def can_manage_target(user: Any, target: Target) -> bool:
    """May `user` allocate, publish and decide on the children of `target`?

    Executives and admins anywhere; a manager for targets of the units they
    manage (and below) and of the people in them.
    """
    if is_planner(user):
        return True
    if role_of(user) != Role.MANAGER:
        return False
    scope = scope_for(user)
    path = subject_path(target)
    return any(path.startswith(prefix) for prefix in scope.unit_paths)
