"""Reads of the organisation app: the org tree, people search, dimension trees.

The structure (units, their managers' names, headcounts) is visible to every
employee; people's records always start from `Person.objects.visible_to(user)`.
Every function here runs a fixed number of queries, whatever the size of the tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from django.db.models import Case, Count, F, Q, QuerySet, When
from django.http import Http404
from django.shortcuts import get_object_or_404

from salesalign.core.languages import in_english
from salesalign.organization.models import (
    CustomerSegment,
    Dimension,
    OrgUnit,
    Person,
    ProductLine,
    Region,
    in_name_order,
)

#: The dimension kinds, by the key used in URLs and the API.
DIMENSION_MODELS: Final[dict[str, type[Dimension]]] = {
    "productline": ProductLine,
    "region": Region,
    "customersegment": CustomerSegment,
}


@dataclass
class TreeNode:
    """One unit (or dimension entry) of a tree, with its children and counts."""

    item: Any
    parent_id: int | None = None
    children: list[TreeNode] = field(default_factory=list)
    headcount: int = 0  # active people in the unit and every unit below it
    own_headcount: int = 0  # active people directly in the unit

    @property
    def depth(self) -> int:
        return int(self.item.depth)


def _parent_path(path: str, steplen: int) -> str:
    return path[:-steplen]


def build_tree(nodes: list[Any]) -> tuple[list[TreeNode], dict[int, TreeNode]]:
    """Link nodes read in path order into a forest; also return the nodes by id."""
    by_path: dict[str, TreeNode] = {}
    by_id: dict[int, TreeNode] = {}
    roots: list[TreeNode] = []
    for item in nodes:
        node = TreeNode(item=item)
        by_path[item.path] = node
        by_id[item.pk] = node
        parent = by_path.get(_parent_path(item.path, item.steplen))
        if parent is None:
            roots.append(node)
        else:
            node.parent_id = parent.item.pk
            parent.children.append(node)
    return roots, by_id


# --- org units ---------------------------------------------------------------------------


def units_with_managers() -> QuerySet[OrgUnit]:
    """Every unit in tree order, with its manager loaded."""
    return OrgUnit.objects.select_related("manager").order_by("path")


def org_tree(*, include_inactive: bool = True) -> list[TreeNode]:
    """The whole org tree with managers and active headcounts per subtree (two queries)."""
    units = units_with_managers()
    if not include_inactive:
        units = units.filter(is_active=True)
    roots, by_id = build_tree(list(units))
    _fill_headcounts(by_id)
    return roots


def _fill_headcounts(by_id: dict[int, TreeNode], people: QuerySet[Person] | None = None) -> None:
    """Set each node's active headcount, own and of its whole subtree (one query)."""
    people = Person.objects.all() if people is None else people
    direct = dict(
        people.filter(is_active=True)
        .values_list("unit_id")
        .annotate(total=Count("id"))
        .values_list("unit_id", "total")
    )
    # Deepest first, so every child has its total before its parent adds it up.
    for node in sorted(by_id.values(), key=lambda n: n.depth, reverse=True):
        node.own_headcount = direct.get(node.item.pk, 0)
        node.headcount = node.own_headcount + sum(child.headcount for child in node.children)


def units_flat() -> list[OrgUnit]:
    """Every unit in tree order, each with `parent_id` set (for the API and choice lists)."""
    units = list(units_with_managers())
    _roots, by_id = build_tree(units)
    for unit in units:
        unit.parent_id = by_id[unit.pk].parent_id  # type: ignore[attr-defined]
    return units


def unit_get(*, unit_id: int) -> OrgUnit:
    """One unit with its manager and `parent_id`; 404 when there is none."""
    unit = get_object_or_404(units_with_managers(), pk=unit_id)
    parent = OrgUnit.objects.get_parent(unit)
    unit.parent_id = parent.pk if parent else None  # type: ignore[attr-defined]
    return unit


@dataclass
class UnitPage:
    """What the unit page shows."""

    unit: OrgUnit
    ancestors: list[OrgUnit]
    children: list[TreeNode]
    members: list[Person]
    headcount: int


def unit_page(*, user: Any, unit_id: int) -> UnitPage:
    """A unit, its ancestors, its child units with headcounts and its members the user may see."""
    unit = get_object_or_404(units_with_managers(), pk=unit_id)
    ancestors = list(OrgUnit.objects.get_ancestors(unit))
    subtree = list(units_with_managers().filter(path__startswith=unit.path))
    _roots, by_id = build_tree(subtree)
    _fill_headcounts(by_id, Person.objects.filter(unit__path__startswith=unit.path))
    members = list(
        Person.objects.visible_to(user)
        .filter(unit=unit)
        .select_related("unit")
        .order_by("-is_active", "name")
    )
    node = by_id[unit.pk]
    return UnitPage(
        unit=unit,
        ancestors=ancestors,
        children=node.children,
        members=members,
        headcount=node.headcount,
    )


def unit_choices() -> list[tuple[int, str]]:
    """(id, indented name) for every unit, in tree order, for select boxes."""
    return [
        (unit.pk, "\u2003" * (unit.depth - 1) + f"{unit.display_name} ({unit.code})")
        for unit in OrgUnit.objects.order_by("path").only(
            "id", "path", "depth", "name", "name_en", "code"
        )
    ]


# --- people ------------------------------------------------------------------------------

#: Sort keys offered to users, and the ordering each one means.
PERSON_SORTS: Final[dict[str, tuple[str, ...]]] = {
    "name": ("name", "employee_number"),
    "-name": ("-name", "employee_number"),
    "employee_number": ("employee_number",),
    "-employee_number": ("-employee_number",),
    "unit": ("unit__path", "name"),
    "-unit": ("-unit__path", "name"),
    "title": ("title", "name"),
    "-title": ("-title", "name"),
    "level": ("level", "name"),
    "-level": ("-level", "name"),
    "role": ("role", "name"),
    "-role": ("-role", "name"),
    "hire_date": ("hire_date", "name"),
    "-hire_date": ("-hire_date", "name"),
}

STATUS_ACTIVE: Final = "active"
STATUS_LEFT: Final = "left"
STATUS_ALL: Final = "all"


def person_search(
    *,
    user: Any,
    query: str = "",
    unit: OrgUnit | None = None,
    role: str = "",
    status: str = STATUS_ACTIVE,
    level: str = "",
    title: str = "",
    sort: str = "name",
) -> QuerySet[Person]:
    """People the user may see, matching a free-text query and filters, sorted.

    `query` matches name, English name, employee number, email and phone;
    `unit` includes the people of every unit below it.
    """
    people = Person.objects.visible_to(user).select_related("unit")
    for word in query.split():
        people = people.filter(
            Q(name__icontains=word)
            | Q(name_en__icontains=word)
            | Q(employee_number__icontains=word)
            | Q(email__icontains=word)
            | Q(phone__icontains=word)
        )
    if unit is not None:
        people = people.filter(unit__path__startswith=unit.path)
    if role:
        people = people.filter(role=role)
    if status == STATUS_ACTIVE:
        people = people.filter(is_active=True)
    elif status == STATUS_LEFT:
        people = people.filter(is_active=False)
    if level:
        people = people.filter(level=level)
    if title:
        people = people.filter(title=title)
    ordering = PERSON_SORTS.get(sort, PERSON_SORTS["name"])
    if ordering[0].lstrip("-") == "name":
        # Sort by the name the page shows: the English one when the page is in English.
        people = people.alias(shown_name=_shown_name())  # type: ignore[assignment]
        ordering = (ordering[0].replace("name", "shown_name"), *ordering[1:])
    return people.order_by(*ordering)


def _shown_name() -> Any:
    if in_english():
        return Case(When(name_en="", then=F("name")), default=F("name_en"))
    return F("name")


def person_filter_values(*, user: Any) -> dict[str, list[str]]:
    """The levels and titles in use among the people the user may see (for filter menus)."""
    visible = Person.objects.visible_to(user)
    levels = visible.exclude(level="").values_list("level", flat=True).distinct().order_by("level")
    titles = visible.exclude(title="").values_list("title", flat=True).distinct().order_by("title")
    return {"levels": list(levels), "titles": list(titles)}


def person_for_user(*, user: Any, person_id: int) -> Person:
    """A person the user may see, with unit and login loaded; 404 otherwise."""
    return get_object_or_404(
        Person.objects.visible_to(user).select_related("unit", "user"), pk=person_id
    )


def person_get(*, person_id: int) -> Person:
    """A person regardless of visibility: only for admin pages, which check the role first."""
    return get_object_or_404(Person.objects.select_related("unit", "user"), pk=person_id)


def units_managed_by(*, person: Person) -> list[OrgUnit]:
    """The units a person manages, in tree order."""
    return list(OrgUnit.objects.filter(manager=person).order_by("path"))


def manager_choices() -> QuerySet[Person]:
    """People who may be named manager of a unit: everyone still active."""
    return in_name_order(Person.objects.filter(is_active=True))


# --- dimensions --------------------------------------------------------------------------


def dimension_model_or_404(kind: str) -> type[Dimension]:
    try:
        return DIMENSION_MODELS[kind]
    except KeyError:
        raise Http404(kind) from None


def dimension_tree(*, kind: str, active_only: bool = False) -> list[Any]:
    """Every entry of one dimension in tree order, each with `parent_id` set."""
    model = dimension_model_or_404(kind)
    entries = model.objects.order_by("path")
    if active_only:
        entries = entries.filter(is_active=True)
    nodes = list(entries)
    _roots, by_id = build_tree(nodes)
    for node in nodes:
        node.parent_id = by_id[node.pk].parent_id
    return nodes


def dimension_get(*, kind: str, pk: int) -> Any:
    """One entry of one dimension with `parent` and `children` read; 404 when there is none."""
    model = dimension_model_or_404(kind)
    node = get_object_or_404(model.objects.all(), pk=pk)
    parent = model.objects.get_parent(node)
    node.parent_id = parent.pk if parent else None
    return node


def dimension_page(*, kind: str, pk: int) -> dict[str, Any]:
    """An entry, its ancestors and its children, for the detail page."""
    model = dimension_model_or_404(kind)
    node = get_object_or_404(model.objects.all(), pk=pk)
    return {
        "node": node,
        "ancestors": list(model.objects.get_ancestors(node)),
        "children": list(model.objects.get_children(node)),
    }


def dimension_choices(*, kind: str) -> list[tuple[int, str]]:
    """(id, indented name) for every entry of one dimension, for select boxes."""
    model = dimension_model_or_404(kind)
    return [
        (node.pk, "\u2003" * (node.depth - 1) + f"{node.display_name} ({node.code})")
        for node in model.objects.order_by("path")
    ]
