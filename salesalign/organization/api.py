"""API endpoints of the organisation app (thin: parse, call a service or selector, answer).

Reads of the structure (units, dimensions) are open to every logged-in user;
people follow `visible_to` (an invisible person is a 404). Writes need an
admin (403). Errors are JSON naming the field, as everywhere in the API.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import field_validator

from salesalign.core.choices import Role
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.roles import is_admin
from salesalign.organization import selectors, services
from salesalign.organization.choices import UnitKind
from salesalign.organization.models import OrgUnit, Person

router = Router(tags=["organization"])

# Services name model fields; the API's inputs carry ids. Errors use the API's names.
_API_FIELD_NAMES = {"parent": "parent_id", "manager": "manager_id", "unit": "unit_id"}


@contextmanager
def _api_field_names() -> Iterator[None]:
    try:
        yield
    except NotAllowed:
        raise
    except DomainError as error:
        error.field = _API_FIELD_NAMES.get(error.field or "", error.field)
        raise
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            raise DjangoValidationError(
                {_API_FIELD_NAMES.get(key, key): value for key, value in error.error_dict.items()}
            ) from error
        raise


def _require_admin(request: HttpRequest) -> None:
    """Checked before ids are looked up, so a non-admin learns nothing from the answer."""
    if not is_admin(request.user):
        raise NotAllowed(_("Only administrators may change the organisation."))


def _unit(unit_id: int | None, field: str) -> OrgUnit | None:
    if unit_id is None:
        return None
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise DomainError(_("There is no unit with id %(id)s.") % {"id": unit_id}, field=field)
    return unit


def _person(person_id: int | None, field: str) -> Person | None:
    if person_id is None:
        return None
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise DomainError(_("There is no person with id %(id)s.") % {"id": person_id}, field=field)
    return person


# --- org units ---------------------------------------------------------------------------


class OrgUnitOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    kind: UnitKind
    parent_id: int | None = Field(None, description="The parent unit; null at the top.")
    path: str = Field(description="Tree path: a unit's path starts with its parent's.")
    depth: int = Field(description="1 for the top of the tree.")
    manager_id: int | None
    manager_name: str | None = None
    is_active: bool

    @staticmethod
    def resolve_manager_name(obj: OrgUnit) -> str | None:
        return obj.manager.name if obj.manager else None


class OrgUnitIn(Schema):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field("", max_length=200)
    kind: UnitKind
    parent_id: int | None = Field(None, description="Null only for a company at the top.")
    manager_id: int | None = None
    is_active: bool = True


class OrgUnitPatchIn(Schema):
    """Only the fields sent are changed; a new `parent_id` moves the unit with its subtree."""

    code: str | None = Field(None, min_length=1, max_length=40)
    name: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    kind: UnitKind | None = None
    parent_id: int | None = None
    manager_id: int | None = None
    is_active: bool | None = None


def _unit_changes(payload: Schema) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=True)
    changes = {key: value for key, value in data.items() if key not in ("parent_id", "manager_id")}
    for key in ("code", "name", "kind", "is_active"):
        if key in changes and changes[key] is None:
            raise DomainError(_("This field cannot be null."), field=key)
    if "name_en" in changes and changes["name_en"] is None:
        changes["name_en"] = ""
    if "parent_id" in data:
        changes["parent"] = _unit(data["parent_id"], "parent_id")
    if "manager_id" in data:
        changes["manager"] = _person(data["manager_id"], "manager_id")
    return changes


@router.get(
    "/units",
    response=list[OrgUnitOut],
    summary="List all org units",
    description="Every unit in tree order, flat, each with its parent id, path and depth.",
)
def unit_list(request: HttpRequest) -> Any:
    return selectors.units_flat()


@router.get("/units/{unit_id}", response=OrgUnitOut, summary="Get an org unit")
def unit_get(request: HttpRequest, unit_id: int) -> Any:
    return selectors.unit_get(unit_id=unit_id)


@router.post("/units", response={201: OrgUnitOut}, summary="Create an org unit (admins)")
def unit_create(request: HttpRequest, payload: OrgUnitIn) -> Any:
    _require_admin(request)
    with _api_field_names():
        changes = _unit_changes(payload)
        unit = services.unit_create(actor=request.user, **changes)
    return Status(201, selectors.unit_get(unit_id=unit.pk))


@router.patch(
    "/units/{unit_id}",
    response=OrgUnitOut,
    summary="Change or move an org unit (admins)",
)
def unit_update(request: HttpRequest, unit_id: int, payload: OrgUnitPatchIn) -> Any:
    _require_admin(request)
    unit = selectors.unit_get(unit_id=unit_id)
    with _api_field_names():
        services.unit_update(actor=request.user, unit=unit, **_unit_changes(payload))
    return selectors.unit_get(unit_id=unit_id)


@router.delete(
    "/units/{unit_id}",
    response={204: None},
    summary="Delete an empty org unit (admins)",
    description="Refused (400) while the unit has people, former ones included, or sub-units.",
)
def unit_delete(request: HttpRequest, unit_id: int) -> Any:
    _require_admin(request)
    services.unit_delete(actor=request.user, unit=selectors.unit_get(unit_id=unit_id))
    return Status(204, None)


# --- people ------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    employee_number: str
    name: str
    name_en: str
    email: str
    phone: str
    wecom_id: str
    dingtalk_id: str
    feishu_id: str
    unit_id: int
    unit_code: str
    title: str
    level: str
    role: Role
    hire_date: datetime.date | None
    is_active: bool
    left_on: datetime.date | None
    has_login: bool

    @staticmethod
    def resolve_unit_code(obj: Person) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_has_login(obj: Person) -> bool:
        return obj.user_id is not None


class PersonPageOut(Schema):
    count: int = Field(description="How many people match, over all pages.")
    limit: int
    offset: int
    items: list[PersonOut]


class PersonIn(Schema):
    employee_number: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    unit_id: int
    name_en: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    wecom_id: str = Field("", max_length=100)
    dingtalk_id: str = Field("", max_length=100)
    feishu_id: str = Field("", max_length=100)
    title: str = Field("", max_length=100)
    level: str = Field("", max_length=20)
    role: Role = Role.SALESPERSON
    hire_date: datetime.date | None = None


class PersonPatchIn(Schema):
    """Only the fields sent are changed. Leaving has its own endpoint."""

    employee_number: str | None = Field(None, min_length=1, max_length=40)
    name: str | None = Field(None, min_length=1, max_length=200)
    unit_id: int | None = None
    name_en: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    wecom_id: str | None = Field(None, max_length=100)
    dingtalk_id: str | None = Field(None, max_length=100)
    feishu_id: str | None = Field(None, max_length=100)
    title: str | None = Field(None, max_length=100)
    level: str | None = Field(None, max_length=20)
    role: Role | None = None
    hire_date: datetime.date | None = None


class PersonLeaveIn(Schema):
    left_on: datetime.date | None = Field(None, description="Defaults to today.")


class PersonFilterIn(Schema):
    q: str = Field("", description="Matches name, English name, employee number, email, phone.")
    unit_id: int | None = Field(None, description="This unit and every unit below it.")
    role: Role | None = None
    status: Literal["active", "left", "all"] = "active"
    level: str = ""
    title: str = ""
    sort: str = Field("name", description="A field, or -field for descending order.")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)

    @field_validator("sort")
    @classmethod
    def known_sort(cls, value: str) -> str:
        if value not in selectors.PERSON_SORTS:
            raise ValueError("sort by one of: " + ", ".join(selectors.PERSON_SORTS))
        return value


def _person_changes(payload: Schema) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=True)
    required = ("employee_number", "name", "role")
    for key in required:
        if key in data and data[key] is None:
            raise DomainError(_("This field cannot be null."), field=key)
    changes = {
        key: ("" if value is None and key != "hire_date" else value)
        for key, value in data.items()
        if key != "unit_id"
    }
    if "unit_id" in data:
        unit = _unit(data["unit_id"], "unit_id")
        if unit is None:
            raise DomainError(_("This field cannot be null."), field="unit_id")
        changes["unit"] = unit
    return changes


@router.get(
    "/people",
    response=PersonPageOut,
    summary="Search people",
    description="People you may see, filtered and sorted, `limit` at a time from `offset`.",
)
def person_list(request: HttpRequest, filters: Query[PersonFilterIn]) -> Any:
    unit = _unit(filters.unit_id, "unit_id")
    people = selectors.person_search(
        user=request.user,
        query=filters.q,
        unit=unit,
        role=filters.role or "",
        status=filters.status,
        level=filters.level,
        title=filters.title,
        sort=filters.sort,
    )
    return {
        "count": people.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": list(people[filters.offset : filters.offset + filters.limit]),
    }


@router.get("/people/{person_id}", response=PersonOut, summary="Get a person")
def person_get(request: HttpRequest, person_id: int) -> Any:
    return selectors.person_for_user(user=request.user, person_id=person_id)


@router.post("/people", response={201: PersonOut}, summary="Create a person (admins)")
def person_create(request: HttpRequest, payload: PersonIn) -> Any:
    _require_admin(request)
    with _api_field_names():
        person = services.person_create(actor=request.user, **_person_changes(payload))
    return Status(201, selectors.person_get(person_id=person.pk))


@router.patch("/people/{person_id}", response=PersonOut, summary="Change a person (admins)")
def person_update(request: HttpRequest, person_id: int, payload: PersonPatchIn) -> Any:
    _require_admin(request)
    person = selectors.person_get(person_id=person_id)
    with _api_field_names():
        services.person_update(actor=request.user, person=person, **_person_changes(payload))
    return selectors.person_get(person_id=person_id)


@router.post(
    "/people/{person_id}/leave",
    response=PersonOut,
    summary="Record that a person left (admins)",
    description="The person is kept, marked as left; their login stops working.",
)
def person_leave(request: HttpRequest, person_id: int, payload: PersonLeaveIn) -> Any:
    _require_admin(request)
    person = selectors.person_get(person_id=person_id)
    services.person_leave(actor=request.user, person=person, left_on=payload.left_on)
    return selectors.person_get(person_id=person_id)


# --- dimensions: product lines, regions, customer segments -------------------------------


class DimensionOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    description: str
    is_active: bool
    parent_id: int | None = None
    path: str
    depth: int


class DimensionIn(Schema):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field("", max_length=200)
    description: str = ""
    parent_id: int | None = Field(None, description="The entry above this one; null at the top.")
    is_active: bool = True


class DimensionPatchIn(Schema):
    """Only the fields sent are changed; a new `parent_id` moves the entry with its children."""

    code: str | None = Field(None, min_length=1, max_length=40)
    name: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    description: str | None = None
    parent_id: int | None = None
    is_active: bool | None = None


class ProductLineOut(DimensionOut):
    pass


class ProductLineIn(DimensionIn):
    pass


class ProductLinePatchIn(DimensionPatchIn):
    pass


class RegionOut(DimensionOut):
    pass


class RegionIn(DimensionIn):
    pass


class RegionPatchIn(DimensionPatchIn):
    pass


class CustomerSegmentOut(DimensionOut):
    pass


class CustomerSegmentIn(DimensionIn):
    pass


class CustomerSegmentPatchIn(DimensionPatchIn):
    pass


def _dimension_changes(kind: str, payload: Schema) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=True)
    for key in ("code", "name", "is_active"):
        if key in data and data[key] is None:
            raise DomainError(_("This field cannot be null."), field=key)
    changes = {
        key: ("" if value is None else value) for key, value in data.items() if key != "parent_id"
    }
    if "parent_id" in data:
        parent = None
        if data["parent_id"] is not None:
            model = selectors.DIMENSION_MODELS[kind]
            parent = model.objects.filter(pk=data["parent_id"]).first()
            if parent is None:
                raise DomainError(
                    _("There is no entry with id %(id)s.") % {"id": data["parent_id"]},
                    field="parent_id",
                )
        changes["parent"] = parent
    return changes


def _add_dimension_endpoints(
    prefix: str,
    kind: str,
    label: str,
    schema_in: type[Schema],
    schema_patch: type[Schema],
    schema_out: type[Schema],
) -> None:
    """List, get, create, change and delete for one dimension."""

    @router.get(
        f"/{prefix}",
        response=list[schema_out],  # type: ignore[valid-type]
        summary=f"List {label}s",
        description=f"Every {label} in tree order, flat, with parent id, path and depth.",
        operation_id=f"organization_{kind}_list",
    )
    def dimension_list(request: HttpRequest) -> Any:
        return selectors.dimension_tree(kind=kind)

    @router.get(
        f"/{prefix}/{{entry_id}}",
        response=schema_out,
        summary=f"Get a {label}",
        operation_id=f"organization_{kind}_get",
    )
    def dimension_get(request: HttpRequest, entry_id: int) -> Any:
        return selectors.dimension_get(kind=kind, pk=entry_id)

    def dimension_create(request: HttpRequest, payload: Schema) -> Any:
        _require_admin(request)
        with _api_field_names():
            node = services.dimension_create(
                actor=request.user, kind=kind, **_dimension_changes(kind, payload)
            )
        return Status(201, selectors.dimension_get(kind=kind, pk=node.pk))

    # The payload schema differs per dimension: set the real annotation before registering.
    dimension_create.__annotations__["payload"] = schema_in
    router.post(
        f"/{prefix}",
        response={201: schema_out},
        summary=f"Create a {label} (admins)",
        operation_id=f"organization_{kind}_create",
    )(dimension_create)

    def dimension_update(request: HttpRequest, entry_id: int, payload: Schema) -> Any:
        _require_admin(request)
        node = selectors.dimension_get(kind=kind, pk=entry_id)
        with _api_field_names():
            services.dimension_update(
                actor=request.user, node=node, **_dimension_changes(kind, payload)
            )
        return selectors.dimension_get(kind=kind, pk=entry_id)

    dimension_update.__annotations__["payload"] = schema_patch
    router.patch(
        f"/{prefix}/{{entry_id}}",
        response=schema_out,
        summary=f"Change or move a {label} (admins)",
        operation_id=f"organization_{kind}_update",
    )(dimension_update)

    @router.delete(
        f"/{prefix}/{{entry_id}}",
        response={204: None},
        summary=f"Delete a {label} (admins)",
        description="Refused (400) while entries sit below it or other records use it.",
        operation_id=f"organization_{kind}_delete",
    )
    def dimension_delete(request: HttpRequest, entry_id: int) -> Any:
        _require_admin(request)
        services.dimension_delete(
            actor=request.user, node=selectors.dimension_get(kind=kind, pk=entry_id)
        )
        return Status(204, None)


_add_dimension_endpoints(
    "product-lines",
    "productline",
    "product line",
    ProductLineIn,
    ProductLinePatchIn,
    ProductLineOut,
)
_add_dimension_endpoints("regions", "region", "region", RegionIn, RegionPatchIn, RegionOut)
_add_dimension_endpoints(
    "customer-segments",
    "customersegment",
    "customer segment",
    CustomerSegmentIn,
    CustomerSegmentPatchIn,
    CustomerSegmentOut,
)
