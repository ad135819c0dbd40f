"""Reads the targets pages need on top of the cascade and plan selectors.

- which cells of a cascade the user may edit, and below which targets they may allocate
  (no query per node);
- the cascade against product lines (computed from the tree already read);
- what the allocation wizard offers for a parent: its children and the
  dimension values it may split into, with their names; and the years of sales a preview
  stands on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q

from salesalign.core.roles import person_of
from salesalign.core.visibility import scope_for
from salesalign.organization.models import OrgUnit, Person, ProductLine
from salesalign.targets.choices import OPEN_PLAN_STATUSES, ProposalStatus, TargetMethod
from salesalign.targets.history import DIMENSION_MODELS, child_token, dimension_values_below
from salesalign.targets.models import Target, TargetPlan, TargetProposal
from salesalign.targets.selectors.cascade import CascadeNode, CascadeTree
from salesalign.targets.selectors.visibility import is_planner
from salesalign.targets.services.allocation import AllocationPreview, salespeople_during


@dataclass(frozen=True)
class CascadePermissions:
    """What the user may do in a cascade: type the number of a target (`editable`: the
    managers of the target it was allocated from, planners for company targets) and allocate
    or publish below it (`manageable`: its own managers). Nothing in a locked plan."""

    editable: frozenset[int]
    manageable: frozenset[int]


def cascade_permissions(user: Any, tree: CascadeTree) -> CascadePermissions:
    """The permissions of every node of the tree, with a bounded number of queries."""
    if tree.plan.is_locked:
        return CascadePermissions(frozenset(), frozenset())
    root = tree.root.target
    ids = frozenset(node.target.pk for node in tree.nodes)
    if is_planner(user):
        return CascadePermissions(ids, ids)
    unit_paths = scope_for(user).unit_paths
    if not unit_paths:
        return CascadePermissions(frozenset(), frozenset())
    path_of_unit = dict(OrgUnit.objects.values_list("pk", "path"))
    person_ids = {node.target.person_id for node in tree.nodes if node.target.person_id}
    above = None
    if root.parent_id is not None:
        above = Target.objects.filter(pk=root.parent_id).values_list("unit_id", "person_id").first()
    if above is not None and above[1] is not None:
        person_ids.add(above[1])
    unit_of_person: dict[int, int] = {}
    if person_ids:
        unit_of_person = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "unit_id"))

    def managed(unit_id: int | None, person_id: int | None) -> bool:
        unit = unit_id if unit_id is not None else unit_of_person.get(person_id or 0)
        path = path_of_unit.get(unit or 0)
        return path is not None and any(path.startswith(prefix) for prefix in unit_paths)

    by_id = {node.target.pk: node.target for node in tree.nodes}
    editable: set[int] = set()
    manageable: set[int] = set()
    for node in tree.nodes:
        target = node.target
        if managed(target.unit_id, target.person_id):
            manageable.add(target.pk)
        if target.pk == root.pk:
            if above is not None and managed(above[0], above[1]):
                editable.add(target.pk)
            continue
        parent = by_id.get(target.parent_id or 0)
        if parent is not None and managed(parent.unit_id, parent.person_id):
            editable.add(target.pk)
    return CascadePermissions(frozenset(editable), frozenset(manageable))


# --- the cascade against product lines --------------------------------------------------------


@dataclass
class GridCell:
    """A subject's target for one product line: the sum below it, editable where it is a target."""

    value: Decimal | None = None
    target_id: int | None = None


@dataclass
class GridRow:
    node: CascadeNode
    cells: list[GridCell]
    split_total: Decimal | None  # the sum of the product-line cells
    unsplit: Decimal | None  # the subject's target less what its product lines carry


@dataclass
class ProductLineGrid:
    columns: list[ProductLine]
    rows: list[GridRow]
    column_totals: list[Decimal] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.columns


def product_line_grid(tree: CascadeTree) -> ProductLineGrid:
    """Rows: the units and people of the tree; columns: the product lines their targets are
    split into. A cell adds up the lowest product-line targets below the row; it is
    editable where the row's own target is split into that product line. No query."""
    if tree.metric.is_level:
        return ProductLineGrid(columns=[], rows=[])
    by_id = {node.target.pk: node for node in tree.nodes}
    lines: dict[int, ProductLine] = {}
    sums: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    direct: dict[int, dict[int, int]] = defaultdict(dict)
    for node in tree.nodes:
        target = node.target
        if target.product_line_id is None:
            continue
        lines[target.product_line_id] = target.product_line  # type: ignore[assignment]
        parent = by_id.get(target.parent_id or 0)
        if (
            parent is not None
            and parent.target.product_line_id is None
            and (parent.target.unit_id, parent.target.person_id)
            == (target.unit_id, target.person_id)
        ):
            direct[parent.target.pk][target.product_line_id] = target.pk
        if node.children:
            continue  # only the lowest product-line targets count, so nothing counts twice
        leaf_value = node.value or Decimal(0)
        above = parent
        while above is not None:
            if above.target.product_line_id is None:
                sums[above.target.pk][target.product_line_id] += leaf_value
            above = by_id.get(above.target.parent_id or 0) if above.depth else None
    columns = sorted(lines.values(), key=lambda line: line.path)
    rows = []
    totals = [Decimal(0)] * len(columns)
    for node in tree.nodes:
        if node.target.product_line_id is not None:
            continue
        own = sums.get(node.target.pk, {})
        cells = []
        for index, line in enumerate(columns):
            value = own.get(line.pk)
            target_id = direct.get(node.target.pk, {}).get(line.pk)
            if target_id is not None:
                value = by_id[target_id].value
            cells.append(GridCell(value=value, target_id=target_id))
            if node.depth == 0 and value is not None:
                totals[index] += value
        split_total = sum((cell.value or Decimal(0) for cell in cells), Decimal(0)) if own else None
        unsplit = (
            (node.value or Decimal(0)) - split_total
            if split_total is not None and node.value is not None
            else None
        )
        rows.append(GridRow(node=node, cells=cells, split_total=split_total, unsplit=unsplit))
    return ProductLineGrid(columns=columns, rows=rows, column_totals=totals)


# --- the allocation wizard --------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """Something a factor can be entered for: its value as the engine names it, and its name."""

    value: str
    label: str


@dataclass
class WizardChoices:
    """What a parent may be split into: its children and, per dimension, the values below it."""

    children: list[Choice]
    dimensions: dict[str, list[Choice]]


def wizard_choices(*, plan: TargetPlan, parent: Target) -> WizardChoices:
    """The children of the parent (units and salespeople directly below its unit) and the
    values of each dimension it may split into, named (a handful of queries)."""
    children: list[Choice] = []
    if parent.unit is not None:
        unit = parent.unit
        children += [
            Choice(child_token(unit_id=child.pk), child.display_name)
            for child in OrgUnit.objects.filter(
                path__startswith=unit.path, depth=unit.depth + 1, is_active=True
            ).order_by("path")
        ]
        children += [
            Choice(child_token(person_id=person.pk), person.display_name)
            for person in Person.objects.filter(salespeople_during(plan), unit=unit).order_by(
                "employee_number"
            )
        ]
    dimensions: dict[str, list[Choice]] = {}
    for axis, model in DIMENSION_MODELS.items():
        ids = dimension_values_below(axis, getattr(parent, f"{axis}_id"))
        nodes = {node.pk: node for node in model.objects.filter(pk__in=ids)}
        dimensions[axis] = [Choice(str(pk), nodes[pk].display_name) for pk in ids if pk in nodes]
    return WizardChoices(children=children, dimensions=dimensions)


#: The methods that split by the sales of past years.
_HISTORY_METHODS = frozenset({TargetMethod.HISTORY, TargetMethod.HISTORY_MARKET})


def preview_history_years(preview: AllocationPreview) -> list[int]:
    """The years whose sales the previewed method splits by, oldest first: the plan's last
    `history_years` years for history and market change (or a blend with one of them), none
    for the other methods. The service reads one more year for the backtest; the method does
    not use it, so the wizard does not show it beside the lines."""
    methods = {preview.method}
    if preview.method == TargetMethod.BLEND:
        methods |= set(preview.params.blend)
    if preview.is_level or not methods & _HISTORY_METHODS:
        return []
    year = preview.plan.fiscal_year
    return list(range(year - preview.params.history_years, year))


# --- what waits for the user (the home page) ------------------------------------------------


def targets_waiting(user: Any) -> int:
    """Proposals waiting for the user's answer and counter-proposals waiting for their
    decision, in the open plans (one query)."""
    person = person_of(user)
    wanted: dict[str, Count] = {}
    if person is not None:
        mine = Q(target__person_id=person.pk) | Q(
            target__person__isnull=True, target__unit__manager_id=person.pk
        )
        wanted["answer"] = Count("pk", filter=mine & Q(status=ProposalStatus.PENDING))
    countered = Q(status=ProposalStatus.COUNTERED)
    unit_paths = scope_for(user).unit_paths
    if is_planner(user):
        wanted["decide"] = Count("pk", filter=countered)
    elif unit_paths:
        managed = Q()
        for path in unit_paths:
            managed |= Q(parent__unit__path__startswith=path) | Q(
                parent__person__unit__path__startswith=path
            )
        wanted["decide"] = Count("pk", filter=managed & countered)
    if not wanted:
        return 0
    counts = TargetProposal.objects.filter(plan__status__in=OPEN_PLAN_STATUSES).aggregate(**wanted)
    return sum(int(value or 0) for value in counts.values())


# --- line of sight -----------------------------------------------------------------------------
