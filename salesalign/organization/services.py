"""Writes of the organisation app: units, people, logins and the three dimensions.

Every write is done by an admin (`actor`), inside one transaction, validated
with `full_clean()` and saved object by object so django-auditlog records it.
Tree moves rewrite paths with bulk updates that auditlog does not see, so a
move writes its own log entry ("parent: old → new").
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from enum import Enum
from typing import Any, Final, Literal, TypeAlias, TypeVar

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from salesalign.core.choices import Role
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.models import User
from salesalign.core.roles import is_admin
from salesalign.organization.choices import UnitKind
from salesalign.organization.models import Dimension, OrgUnit, Person, UnitAssignment
from salesalign.organization.selectors import DIMENSION_MODELS


class Unset(Enum):
    """Marks a keyword argument that was not given: the field keeps its value."""

    TOKEN = 0


UNSET: Final = Unset.TOKEN
_T = TypeVar("_T")
Maybe: TypeAlias = _T | Literal[Unset.TOKEN]

# Tree bookkeeping fields: never written by `save()` of a possibly stale instance.
_TREE_FIELDS = ("path", "depth", "numchild")


def _require_admin(actor: Any) -> None:
    if not is_admin(actor):
        raise NotAllowed(_("Only administrators may change the organisation."))


def _set_fields(instance: Any, changes: Mapping[str, Any]) -> list[str]:
    """Apply the given (not UNSET) values; return the names of the fields that changed."""
    changed = []
    for field, value in changes.items():
        if value is UNSET:
            continue
        if isinstance(value, str):
            value = value.strip()
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed.append(field)
    return changed


def _save_changed(instance: Any, changed: list[str]) -> None:
    """Validate and save only the changed fields (keeps stale tree paths out of the row)."""
    instance.full_clean(exclude=list(_TREE_FIELDS))
    if changed:
        instance.save(update_fields=[*changed, "updated_at"])


def _parent_of(node: Any) -> Any:
    return type(node).objects.get_parent(node, update=True)


def _check_parent(node: Any, parent: Any) -> None:
    """A node cannot move under itself or under one of its own descendants."""
    if parent is None:
        return
    if type(parent) is not type(node):
        raise DomainError(_("The parent must be of the same kind of list."), field="parent")
    parent.refresh_from_db(fields=list(_TREE_FIELDS))
    if parent.pk == node.pk or parent.path.startswith(node.path):
        raise DomainError(
            _("“%(name)s” cannot be moved under itself or under one of its own sub-units.")
            % {"name": node.name},
            field="parent",
        )


def _move(node: Any, parent: Any) -> None:
    """Move a node (with its subtree) under `parent`, or to the top level; log the move."""
    old_parent = _parent_of(node)
    old_pk = old_parent.pk if old_parent else None
    new_pk = parent.pk if parent else None
    if old_pk == new_pk:
        return
    _check_parent(node, parent)
    manager = type(node).objects
    if parent is None:
        root = manager.get_root_nodes().exclude(pk=node.pk).first() or node
        manager.move(node, root, "sorted-sibling")
    else:
        manager.move(node, parent, "sorted-child")
    node.refresh_from_db()
    LogEntry.objects.log_create(
        node,
        action=LogEntry.Action.UPDATE,
        changes={
            "parent": [
                f"{old_parent.name} ({old_parent.code})" if old_parent else "—",
                f"{parent.name} ({parent.code})" if parent else "—",
            ]
        },
    )


def _add_node(model: Any, node: Any, parent: Any) -> Any:
    """Insert a validated, unsaved node under `parent` (or as a root)."""
    if parent is None:
        return model.objects.add_root(instance=node)
    parent.refresh_from_db(fields=list(_TREE_FIELDS))
    return model.objects.add_child(parent, instance=node)


def _check_manager(manager: Person | None) -> None:
    if manager is not None and not manager.is_active:
        raise DomainError(_("A person who has left cannot manage a unit."), field="manager")


def _check_top_level(parent: OrgUnit | None, kind: str) -> None:
    if parent is None and kind != UnitKind.COMPANY:
        raise DomainError(
            _("Only a company can stand at the top of the tree; choose a parent unit."),
            field="parent",
        )


# --- org units ---------------------------------------------------------------------------


@transaction.atomic
def unit_create(
    *,
    actor: Any,
    code: str,
    name: str,
    kind: str,
    parent: OrgUnit | None = None,
    name_en: str = "",
    manager: Person | None = None,
    is_active: bool = True,
) -> OrgUnit:
    """Add an org unit at the top level or under `parent`."""
    _require_admin(actor)
    _check_manager(manager)
    _check_top_level(parent, kind)
    unit = OrgUnit(
        code=code.strip(),
        name=name.strip(),
        name_en=name_en.strip(),
        kind=kind,
        manager=manager,
        is_active=is_active,
    )
    unit.full_clean(exclude=list(_TREE_FIELDS))
    return _add_node(OrgUnit, unit, parent)  # type: ignore[no-any-return]


@transaction.atomic
def unit_update(
    *,
    actor: Any,
    unit: OrgUnit,
    code: Maybe[str] = UNSET,
    name: Maybe[str] = UNSET,
    name_en: Maybe[str] = UNSET,
    kind: Maybe[str] = UNSET,
    manager: Maybe[Person | None] = UNSET,
    is_active: Maybe[bool] = UNSET,
    parent: Maybe[OrgUnit | None] = UNSET,
) -> OrgUnit:
    """Change a unit's fields and, when `parent` is given, move it (with its subtree)."""
    _require_admin(actor)
    unit.refresh_from_db(fields=list(_TREE_FIELDS))
    if manager is not UNSET:
        _check_manager(manager)
    if parent is not UNSET:
        _check_parent(unit, parent)
        _check_top_level(parent, unit.kind if kind is UNSET else kind)
    changed = _set_fields(
        unit,
        {
            "code": code,
            "name": name,
            "name_en": name_en,
            "kind": kind,
            "manager": manager,
            "is_active": is_active,
        },
    )
    _save_changed(unit, changed)
    if parent is not UNSET:
        _move(unit, parent)
    elif "code" in changed:
        # Siblings are kept sorted by code; put the unit back in its place.
        _move_in_place(unit)
    return unit


def _move_in_place(node: Any) -> None:
    """Re-sort a node among its siblings after its code changed."""
    manager = type(node).objects
    parent = _parent_of(node)
    if parent is None:
        manager.move(node, node, "sorted-sibling")
    else:
        manager.move(node, parent, "sorted-child")
    node.refresh_from_db()


@transaction.atomic
def unit_delete(*, actor: Any, unit: OrgUnit) -> None:
    """Delete an empty unit: one without people (current or former) and without sub-units."""
    _require_admin(actor)
    unit.refresh_from_db(fields=list(_TREE_FIELDS))
    if OrgUnit.objects.get_children(unit).exists():
        raise DomainError(
            _("“%(name)s” has sub-units; move or delete them first.") % {"name": unit.name}
        )
    members = unit.members.count()
    if members:
        raise DomainError(
            _(
                "“%(name)s” still has %(count)s people (including those who left); "
                "move them to another unit first, or mark the unit inactive."
            )
            % {"name": unit.name, "count": members}
        )
    try:
        # Treebeard fixes the parent's child count before Django may refuse a protected
        # delete; the savepoint undoes that fix with it.
        with transaction.atomic():
            unit.delete()
    except ProtectedError as error:
        raise DomainError(
            _("“%(name)s” is used by other records; mark it inactive instead.")
            % {"name": unit.name}
        ) from error


# --- people ------------------------------------------------------------------------------


@transaction.atomic
def person_create(
    *,
    actor: Any,
    employee_number: str,
    name: str,
    unit: OrgUnit,
    name_en: str = "",
    email: str = "",
    phone: str = "",
    wecom_id: str = "",
    dingtalk_id: str = "",
    feishu_id: str = "",
    title: str = "",
    level: str = "",
    role: str = Role.SALESPERSON,
    hire_date: datetime.date | None = None,
) -> Person:
    """Add a person to a unit (without a login; see `person_login_set`)."""
    _require_admin(actor)
    person = Person(
        employee_number=employee_number.strip(),
        name=name.strip(),
        name_en=name_en.strip(),
        email=email.strip(),
        phone=phone.strip(),
        wecom_id=wecom_id.strip(),
        dingtalk_id=dingtalk_id.strip(),
        feishu_id=feishu_id.strip(),
        unit=unit,
        title=title.strip(),
        level=level.strip(),
        role=role,
        hire_date=hire_date,
    )
    person.full_clean()
    person.save()
    unit_assignment_record(person=person, previous_unit_id=None)
    return person


@transaction.atomic
def person_update(
    *,
    actor: Any,
    person: Person,
    employee_number: Maybe[str] = UNSET,
    name: Maybe[str] = UNSET,
    name_en: Maybe[str] = UNSET,
    email: Maybe[str] = UNSET,
    phone: Maybe[str] = UNSET,
    wecom_id: Maybe[str] = UNSET,
    dingtalk_id: Maybe[str] = UNSET,
    feishu_id: Maybe[str] = UNSET,
    unit: Maybe[OrgUnit] = UNSET,
    title: Maybe[str] = UNSET,
    level: Maybe[str] = UNSET,
    role: Maybe[str] = UNSET,
    hire_date: Maybe[datetime.date | None] = UNSET,
) -> Person:
    """Change a person's details (leaving and logins have their own services)."""
    _require_admin(actor)
    previous_unit_id = person.unit_id
    changed = _set_fields(
        person,
        {
            "employee_number": employee_number,
            "name": name,
            "name_en": name_en,
            "email": email,
            "phone": phone,
            "wecom_id": wecom_id,
            "dingtalk_id": dingtalk_id,
            "feishu_id": feishu_id,
            "unit": unit,
            "title": title,
            "level": level,
            "role": role,
            "hire_date": hire_date,
        },
    )
    _save_changed(person, changed)
    if "unit" in changed:
        unit_assignment_record(person=person, previous_unit_id=previous_unit_id)
    return person


@transaction.atomic
def person_leave(*, actor: Any, person: Person, left_on: datetime.date | None = None) -> Person:
    """Mark a person as having left on `left_on` (today by default); their login stops working."""
    _require_admin(actor)
    if not person.is_active:
        raise DomainError(_("This person has already left."), field="left_on")
    person.is_active = False
    person.left_on = left_on or timezone.localdate()
    _save_changed(person, ["is_active", "left_on"])
    if person.user_id is not None and person.user.is_active:  # type: ignore[union-attr]
        person.user.is_active = False  # type: ignore[union-attr]
        person.user.save(update_fields=["is_active"])  # type: ignore[union-attr]
    return person


@transaction.atomic
def person_rejoin(*, actor: Any, person: Person) -> Person:
    """Undo a leaving: the person is active again and their login works again."""
    _require_admin(actor)
    if person.is_active:
        raise DomainError(_("This person is active."))
    person.is_active = True
    person.left_on = None
    _save_changed(person, ["is_active", "left_on"])
    if person.user_id is not None and not person.user.is_active:  # type: ignore[union-attr]
        person.user.is_active = True  # type: ignore[union-attr]
        person.user.save(update_fields=["is_active"])  # type: ignore[union-attr]
    return person


@transaction.atomic
def person_login_set(
    *,
    actor: Any,
    person: Person,
    username: str = "",
    password: str = "",
    remove: bool = False,
) -> User | None:
    """Give a person a login (new or an existing unlinked one), change it, or remove it.

    Removing unlinks the login and disables it; the account is kept so the
    audit trail still names who did what.
    """
    _require_admin(actor)
    user_model = get_user_model()
    current: User | None = person.user
    if remove:
        if current is None:
            raise DomainError(_("This person has no login."))
        person.user = None
        _save_changed(person, ["user"])
        current.is_active = False
        current.save(update_fields=["is_active"])
        return None

    username = username.strip()
    if not username:
        raise DomainError(_("Enter a username."), field="username")
    taken = user_model.objects.filter(username__iexact=username).first()
    if taken is not None and (current is None or taken.pk != current.pk):
        if Person.objects.filter(user=taken).exclude(pk=person.pk).exists():
            raise DomainError(
                _("The username “%(username)s” belongs to another person.")
                % {"username": username},
                field="username",
            )
        current = taken  # an existing login without a person: link it
    elif current is None:
        if not password:
            raise DomainError(_("Enter an initial password."), field="password")
        current = user_model(username=username, email=person.email)
    else:
        current.username = username

    previous = person.user
    if password:
        try:
            validate_password(password, current)
        except ValidationError as error:
            raise DomainError(" ".join(error.messages), field="password") from error
        current.set_password(password)
    current.is_active = person.is_active
    current.full_clean(exclude=["password"])
    current.save()
    if person.user_id != current.pk:
        person.user = current
        _save_changed(person, ["user"])
        if previous is not None and previous.is_active:
            # The login the person had before is replaced: it must not keep working.
            previous.is_active = False
            previous.save(update_fields=["is_active"])
    return current


# --- dimensions --------------------------------------------------------------------------


def dimension_model(kind: str) -> type[Dimension]:
    """The model of a dimension kind ("productline", "region", "customersegment")."""
    try:
        return DIMENSION_MODELS[kind]
    except KeyError:
        raise DomainError(
            _("Unknown list “%(kind)s”.") % {"kind": kind}, field="kind", code="not_found"
        ) from None


@transaction.atomic
def dimension_create(
    *,
    actor: Any,
    kind: str,
    code: str,
    name: str,
    parent: Dimension | None = None,
    name_en: str = "",
    description: str = "",
    is_active: bool = True,
) -> Dimension:
    """Add a product line, region or customer segment, at the top level or under `parent`."""
    _require_admin(actor)
    model = dimension_model(kind)
    if parent is not None and not isinstance(parent, model):
        raise DomainError(_("The parent must be of the same kind of list."), field="parent")
    node = model(
        code=code.strip(),
        name=name.strip(),
        name_en=name_en.strip(),
        description=description.strip(),
        is_active=is_active,
    )
    node.full_clean(exclude=list(_TREE_FIELDS))
    return _add_node(model, node, parent)  # type: ignore[no-any-return]


@transaction.atomic
def dimension_update(
    *,
    actor: Any,
    node: Dimension,
    code: Maybe[str] = UNSET,
    name: Maybe[str] = UNSET,
    name_en: Maybe[str] = UNSET,
    description: Maybe[str] = UNSET,
    is_active: Maybe[bool] = UNSET,
    parent: Maybe[Dimension | None] = UNSET,
) -> Dimension:
    """Change a dimension entry and, when `parent` is given, move it with its children."""
    _require_admin(actor)
    node.refresh_from_db(fields=list(_TREE_FIELDS))
    if parent is not UNSET:
        _check_parent(node, parent)
    changed = _set_fields(
        node,
        {
            "code": code,
            "name": name,
            "name_en": name_en,
            "description": description,
            "is_active": is_active,
        },
    )
    _save_changed(node, changed)
    if parent is not UNSET:
        _move(node, parent)
    elif "code" in changed:
        _move_in_place(node)
    return node


@transaction.atomic
def dimension_delete(*, actor: Any, node: Dimension) -> None:
    """Delete an entry without children that nothing refers to (else: mark it inactive)."""
    _require_admin(actor)
    node.refresh_from_db(fields=list(_TREE_FIELDS))
    if type(node).objects.get_children(node).exists():
        raise DomainError(
            _("“%(name)s” has entries under it; move or delete them first.") % {"name": node.name}
        )
    try:
        with transaction.atomic():
            node.delete()
    except ProtectedError as error:
        raise DomainError(
            _("“%(name)s” is used by other records; mark it inactive instead.")
            % {"name": node.name}
        ) from error


def unit_assignment_record(
    *, person: Person, previous_unit_id: int | None, on: datetime.date | None = None
) -> None:
    """Note that `person` is in their current unit from `on` (today; a new person: hire date).

    Sales are credited to the unit on the order date (UnitAssignment). On a
    person's first transfer their former unit is recorded too (from the hire
    date), so that earlier sales stay with it.
    """
    today = timezone.localdate()
    if previous_unit_id is None:
        start = on or person.hire_date or today
    else:
        start = on or today
        if previous_unit_id != person.unit_id and not person.unit_assignments.exists():
            before = person.hire_date if person.hire_date and person.hire_date < start else None
            UnitAssignment.objects.create(
                person=person,
                unit_id=previous_unit_id,
                valid_from=before or start - datetime.timedelta(days=1),
            )
    UnitAssignment.objects.update_or_create(
        person=person, valid_from=start, defaults={"unit_id": person.unit_id}
    )
