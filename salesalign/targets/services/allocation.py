"""Allocation: a target split into the targets below it — previewed, then applied in bulk.

`allocation_preview` and `allocation_apply` take the same arguments: the parent
target, the axes to split along ("child" — the units and salespeople directly
below the parent's unit — and any of "product_line", "region", "segment"), a
method of `salesalign.engines.allocation` and its parameters. The preview
answers the engine's lines with their explanations, the backtest of the same
method on last year and the reasonableness findings, writing nothing; the
apply writes the child targets and their months in bulk (one transaction, a
bounded number of queries whatever the number of people) and records the run.

`allocation_apply_many` allocates many parents the same way at once (every
team's target to its people by product line, say): history comes from ONE
call of the sales app's actuals aggregation for every child of every parent
and every year (`salesalign.targets.history.allocation_history`), then one
engine call per parent and bulk writes.
Metrics that do not add up (satisfaction) are not split: every child gets the
parent's level.

`target_set_manual` sets children's numbers by hand; the remainder (parent
minus the children) is reported and stays visible in the cascade until it is 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from salesalign.core.batches import refresh_statistics, without_cycle_collection
from salesalign.core.bulk import chunks, db_datetime, insert_rows, json_text, update_rows
from salesalign.core.choices import Role
from salesalign.core.exceptions import DomainError
from salesalign.engines.allocation import (
    DEFAULT_RAMP,
    AllocationError,
    AllocationInput,
    AllocationRequest,
    AllocationResult,
    Backtest,
    Method,
    Step,
    allocate,
    backtest,
    backtest_request,
)
from salesalign.engines.metrics import metric_definition
from salesalign.engines.periods import year_period
from salesalign.engines.phasing import active_months, fiscal_months
from salesalign.engines.reasonableness import (
    Finding,
    ReasonablenessInputs,
    TargetLine,
    check_targets,
)
from salesalign.organization.models import OrgUnit, Person
from salesalign.targets.choices import TargetMethod
from salesalign.targets.history import (
    DIMENSION_MODELS,
    DimensionFold,
    KeyHistory,
    allocation_history,
    child_token,
    complete_years_only,
    dimension_values_below,
    first_complete_year,
    years_at_work,
)
from salesalign.targets.metrics import TargetMetric
from salesalign.targets.models import AllocationRun, Target, TargetPeriod, TargetPlan
from salesalign.targets.selectors.visibility import ancestor_paths
from salesalign.targets.services.common import (
    DIMENSIONS,
    MonthRow,
    Phasing,
    Slice,
    actor_or_none,
    lock_plan,
    month_rows,
    phase_targets,
    require_manager_of,
    require_open,
    roll_up_months,
    write_months,
)
from salesalign.targets.services.plans import parse_value

#: The axes an allocation may split along, in the order keys list them.
AXES = ("child", *DIMENSIONS)
Key = tuple[str | int, ...]


# --- parameters --------------------------------------------------------------------------


@dataclass(frozen=True)
class GrowthFactor:
    """A market change the user expects for one value of an axis (1.08 = +8 %)."""

    axis: str
    value: str | int
    factor: Decimal


@dataclass(frozen=True)
class AllocationParams:
    """What a method needs besides the history, as the user chose it."""

    history_years: int = 3
    year_weights: tuple[Decimal, ...] | None = None  # oldest first
    prior_strength: Decimal = Decimal(10)
    growth_factors: tuple[GrowthFactor, ...] = ()
    ramp: tuple[Decimal, ...] = DEFAULT_RAMP
    blend: Mapping[str, Decimal] = field(default_factory=dict)  # method → percent
    manual_amounts: Mapping[str, Decimal] = field(default_factory=dict)  # key text → value
    axis_values: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The parameters as stored with the run (numbers as text, so nothing is lost)."""
        return {
            "history_years": self.history_years,
            "year_weights": [str(weight) for weight in self.year_weights]
            if self.year_weights is not None
            else None,
            "prior_strength": str(self.prior_strength),
            "growth_factors": [
                {"axis": item.axis, "value": item.value, "factor": str(item.factor)}
                for item in self.growth_factors
            ],
            "ramp": [str(percent) for percent in self.ramp],
            "blend": {method: str(weight) for method, weight in sorted(self.blend.items())},
            "manual_amounts": {
                key: str(value) for key, value in sorted(self.manual_amounts.items())
            },
            "axis_values": {
                axis: list(values) for axis, values in sorted(self.axis_values.items())
            },
        }


def key_text(key: Key) -> str:
    """A key as text, e.g. "p12:3" (person 12, product line 3), for forms and the API."""
    return ":".join(str(part) for part in key)


# --- results -----------------------------------------------------------------------------


@dataclass
class PreviewLine:
    """One child slice as the method would make it."""

    key: Key
    key_text: str
    slice: Slice
    label: str
    amount: int | None  # minor units (None for a level)
    level: Decimal | None
    value: Decimal  # in the metric's unit
    share: Decimal
    explanation: tuple[Step, ...]
    history: dict[int, Decimal] = field(default_factory=dict)  # year → actual, in the unit
    existing_id: int | None = None
    pending: _PendingFindings | None = field(default=None, repr=False, compare=False)
    found: list[Finding] | None = field(default=None, repr=False)

    @property
    def findings(self) -> list[Finding]:
        """The reasonableness findings of this line (worked out when first read)."""
        if self.found is None and self.pending is not None:
            self.pending.resolve()
        return self.found or []


@dataclass(frozen=True)
class BacktestRow:
    """What the method would have given a child last year, against what it sold."""

    key_text: str
    label: str
    target: Decimal
    actual: Decimal
    error: Decimal
    abs_pct_error: Decimal | None


@dataclass(frozen=True)
class BacktestView:
    """The backtest in the metric's unit, per child and overall."""

    plan_year: int
    wape: Decimal | None
    total_target: Decimal
    total_actual: Decimal
    rows: tuple[BacktestRow, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "plan_year": self.plan_year,
            "wape": str(self.wape) if self.wape is not None else None,
            "total_target": str(self.total_target),
            "total_actual": str(self.total_actual),
        }


@dataclass
class AllocationPreview:
    """Everything the allocation wizard shows before anything is written."""

    plan: TargetPlan
    parent: Target
    axes: tuple[str, ...]
    method: str
    params: AllocationParams
    lines: list[PreviewLine]
    total: Decimal
    remainder: Decimal
    inputs_digest: str
    backtest: BacktestView | None
    is_level: bool
    names: dict[Any, str] = field(default_factory=dict)  # (axis, value) → name, for the texts
    pending: _PendingFindings | None = field(default=None, repr=False, compare=False)
    found: tuple[Finding, ...] | None = field(default=None, repr=False)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The reasonableness findings of the allocation (worked out when first read)."""
        if self.found is None and self.pending is not None:
            self.pending.resolve()
        return self.found or ()

    @property
    def parent_findings(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.key == PARENT_KEY]


class _PendingFindings:
    """The findings of the previews of one call, worked out for all their parents in one pass
    when the first of them is read: an allocation of many parents that nobody previews does
    not check them."""

    def __init__(self, setups: Sequence[_Setup], previews: Sequence[AllocationPreview]) -> None:
        self.setups: Sequence[_Setup] | None = setups
        self.previews = previews
        # as allocated, whatever becomes of the parent objects before the findings are read
        self.parent_amounts = [_parent_amount(setup) for setup in setups]

    def resolve(self) -> None:
        if self.setups is None:
            return
        setups, self.setups = self.setups, None
        found = _findings(setups, [preview.lines for preview in self.previews], self.parent_amounts)
        for preview, of_preview in zip(self.previews, found, strict=True):
            preview.found = of_preview
            by_key: dict[Key, list[Finding]] = {}
            for finding in of_preview:
                if finding.key is not None:
                    by_key.setdefault(finding.key, []).append(finding)
            for line in preview.lines:
                line.found = by_key.get(line.key, [])


PARENT_KEY: Key = ("parent",)


# --- children of a parent ----------------------------------------------------------------


@dataclass(frozen=True)
class Child:
    """A unit or salesperson directly below the parent (or the parent's own subject)."""

    token: str
    unit_id: int | None
    person_id: int | None
    label: str
    headcount: Decimal
    start_on: date | None = None
    left_on: date | None = None
    job: str = ""


def _months_fraction(months: Sequence[int], hired: date | None, left: date | None) -> Decimal:
    return Decimal(sum(active_months(months, hired, left))) / 12


def salespeople_during(plan: TargetPlan) -> Q:
    """Salespeople employed at some day of the plan year (leavers of the year included)."""
    year = year_period(plan.fiscal_year, plan.fiscal_start_month)
    return (
        Q(role=Role.SALESPERSON)
        & (Q(left_on__isnull=True, is_active=True) | Q(left_on__gte=year.start))
        & (Q(hire_date__isnull=True) | Q(hire_date__lte=year.end))
    )


def _person_child(person: Person, months: Sequence[int]) -> Child:
    return Child(
        token=child_token(person_id=person.pk),
        unit_id=None,
        person_id=person.pk,
        label=person.display_name,
        headcount=_months_fraction(months, person.hire_date, person.left_on),
        start_on=person.hire_date,
        left_on=person.left_on,
        job=person.title,
    )


def _common_path(paths: Sequence[str]) -> str:
    """The deepest unit path above all of `paths` ("" when they share no unit)."""
    if not paths:
        return ""
    first, last = min(paths), max(paths)  # the shared start of all is that of these two
    length = 0
    while length < min(len(first), len(last)) and first[length] == last[length]:
        length += 1
    return first[: length - length % OrgUnit.steplen]


def _unit_headcounts(
    plan: TargetPlan, months: Sequence[int], within: Sequence[str]
) -> dict[str, Decimal]:
    """By unit path: the salespeople in the unit's subtree, each counted by the share of the
    plan year they work (one query for the subtree that holds every unit in `within`)."""
    counts: dict[str, Decimal] = defaultdict(Decimal)
    rows = Person.objects.filter(
        salespeople_during(plan), unit__path__startswith=_common_path(within)
    ).values_list("unit__path", "hire_date", "left_on")
    for path, hired, left in rows:
        share = _months_fraction(months, hired, left)
        for prefix in ancestor_paths(path):
            counts[prefix] += share
    return counts


def _children_of_parents(
    plan: TargetPlan, parents: Sequence[Target], *, with_children: bool
) -> dict[int, list[Child]]:
    """The subjects each allocation splits into: the units and salespeople directly below the
    parent's unit, or — without the "child" axis — the parent's own unit or person.

    A bounded number of queries for any number of parents.
    """
    months = fiscal_months(plan.fiscal_year, plan.fiscal_start_month)
    needs_units = with_children or any(parent.person_id is None for parent in parents)
    headcounts = (
        _unit_headcounts(plan, months, [parent.own_unit.path for parent in parents])
        if needs_units
        else {}
    )
    if not with_children:
        result: dict[int, list[Child]] = {}
        for parent in parents:
            if parent.person is not None:
                result[parent.pk] = [_person_child(parent.person, months)]
                continue
            unit = parent.own_unit
            result[parent.pk] = [
                Child(
                    token=child_token(unit_id=unit.pk),
                    unit_id=unit.pk,
                    person_id=None,
                    label=unit.display_name,
                    headcount=headcounts.get(unit.path, Decimal(0)),
                    job=unit.kind,
                )
            ]
        return result
    for parent in parents:
        if parent.unit is None:
            raise DomainError(
                _(
                    "A person's target can be split by product line, region or segment, "
                    "not by child."
                ),
                field="axes",
            )
    parent_units: dict[int, OrgUnit] = {
        parent.unit.pk: parent.unit for parent in parents if parent.unit is not None
    }
    by_parent_path: dict[str, list[OrgUnit]] = defaultdict(list)
    for unit in OrgUnit.objects.filter(is_active=True).order_by("path"):
        by_parent_path[unit.path[: -OrgUnit.steplen]].append(unit)
    people: dict[int, list[Person]] = defaultdict(list)
    for batch in chunks(sorted(parent_units)):
        for person in Person.objects.filter(salespeople_during(plan), unit_id__in=batch).order_by(
            "employee_number"
        ):
            people[person.unit_id].append(person)
    result = {}
    for parent in parents:
        unit = parent_units[int(parent.unit_id or 0)]
        children = [
            Child(
                token=child_token(unit_id=child.pk),
                unit_id=child.pk,
                person_id=None,
                label=child.display_name,
                headcount=headcounts.get(child.path, Decimal(0)),
                job=child.kind,
            )
            for child in by_parent_path.get(unit.path, [])
        ]
        children += [_person_child(person, months) for person in people.get(unit.pk, [])]
        if not children:
            raise DomainError(
                _("%(unit)s has no units or salespeople below it.") % {"unit": unit.display_name},
                field="axes",
            )
        result[parent.pk] = children
    return result


# --- building the request ----------------------------------------------------------------


def _clean_axes(axes: Sequence[str]) -> tuple[str, ...]:
    wanted = list(dict.fromkeys(axes))
    unknown = [axis for axis in wanted if axis not in AXES]
    if unknown or not wanted:
        raise DomainError(
            _("Split along the child units and people, product line, region or segment."),
            field="axes",
        )
    return tuple(axis for axis in AXES if axis in wanted)


def _method(value: str) -> Method:
    try:
        return Method(value)
    except ValueError:
        raise DomainError(_("Choose an allocation method from the list."), field="method") from None


def _needs_history(method: Method, params: AllocationParams) -> bool:
    if method in (Method.HISTORY, Method.HISTORY_MARKET):
        return True
    if method is Method.BLEND:
        return any(name in (Method.HISTORY, Method.HISTORY_MARKET) for name in params.blend)
    return False


@dataclass
class _Setup:
    """One parent's allocation, ready for the engine."""

    plan: TargetPlan
    parent: Target
    kind: TargetMetric
    axes: tuple[str, ...]
    method: Method
    params: AllocationParams
    children: list[Child]
    axis_values: dict[str, list[int]]
    keys: list[Key]
    slices: dict[Key, Slice]
    names: dict[tuple[str, int], str]
    existing: dict[str, Target] = field(default_factory=dict)
    goal_id: int | None = None
    history: KeyHistory = field(default_factory=lambda: KeyHistory({}, {}))
    by_token: dict[str, Child] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_token = {child.token: child for child in self.children}

    @property
    def folds(self) -> tuple[DimensionFold, ...]:
        """The dimensions the history is split by: the axes, and those the parent fixes."""
        return tuple(
            DimensionFold(
                name,
                tuple(self.axis_values[name]) if name in self.axis_values else None,
                getattr(self.parent, f"{name}_id"),
            )
            for name in DIMENSIONS
            if name in self.axis_values or getattr(self.parent, f"{name}_id") is not None
        )


class _Lookups:
    """Dimension values and names read once for all the parents of one call."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, int | None], list[int]] = {}
        self.names: dict[tuple[str, int], str] = {}

    def values_below(self, axis: str, within: int | None) -> list[int]:
        key = (axis, within)
        if key not in self.values:
            self.values[key] = dimension_values_below(axis, within)
        return self.values[key]

    def load_names(self, axis_values: Mapping[str, Sequence[int]]) -> None:
        missing: dict[str, list[int]] = defaultdict(list)
        for axis, ids in axis_values.items():
            unknown = [pk for pk in ids if (axis, pk) not in self.names]
            if unknown:
                missing[axis] += unknown
        for axis, ids in missing.items():
            for node in DIMENSION_MODELS[axis].objects.filter(pk__in=ids):
                self.names[(axis, node.pk)] = node.display_name


def _axis_values(
    parent: Target, axes: Sequence[str], params: AllocationParams, lookups: _Lookups
) -> dict[str, list[int]]:
    values: dict[str, list[int]] = {}
    for axis in axes:
        if axis == "child":
            continue
        below = lookups.values_below(axis, getattr(parent, f"{axis}_id"))
        chosen = params.axis_values.get(axis)
        if chosen:
            unknown = sorted(set(chosen) - set(below))
            if unknown:
                raise DomainError(
                    _("These values cannot be split into here: %(ids)s.")
                    % {"ids": ", ".join(str(pk) for pk in unknown)},
                    field=f"axis_values.{axis}",
                )
            below = [pk for pk in below if pk in set(chosen)]
        if not below:
            raise DomainError(
                _("There is nothing to split into along %(axis)s.")
                % {"axis": DIMENSION_MODELS[axis]._meta.verbose_name},
                field="axes",
            )
        values[axis] = below
    return values


def _goal_ids(parents: Sequence[Target]) -> dict[int, int | None]:
    """The tactical goal each parent serves: its own link or the nearest above (one query a level)."""
    known: dict[int, Target] = {parent.pk: parent for parent in parents}
    wanted = {parent.parent_id for parent in parents if parent.parent_id is not None}
    for _level in range(20):
        wanted -= set(known)
        if not wanted:
            break
        level = list(
            Target.objects.filter(pk__in=wanted).only("pk", "parent_id", "tactical_goal_id")
        )
        known.update({target.pk: target for target in level})
        wanted = {target.parent_id for target in level if target.parent_id is not None}
    result: dict[int, int | None] = {}
    for parent in parents:
        current: Target | None = parent
        goal = None
        for _step in range(20):
            if current is None:
                break
            if current.tactical_goal_id is not None:
                goal = current.tactical_goal_id
                break
            current = known.get(current.parent_id) if current.parent_id else None
        result[parent.pk] = goal
    return result


def root_goal_id(target: Target) -> int | None:
    """The tactical goal a target serves: its own link, or the nearest one above it."""
    return _goal_ids([target])[target.pk]


def _prepare(
    *,
    actor: Any,
    plan: TargetPlan,
    parents: Sequence[Target],
    axes: Sequence[str],
    method: str,
    params: AllocationParams,
) -> list[_Setup]:
    """Check and lay out the allocation of each parent, then read the history of all of them."""
    clean_axes = _clean_axes(axes)
    engine_method = _method(method)
    for parent in parents:
        if parent.plan_id != plan.pk:
            raise DomainError(_("This target belongs to another plan."), field="parent")
        require_manager_of(actor, parent)
        kind = parent.kind
        if not kind.is_level and _needs_history(engine_method, params) and not kind.has_history:
            raise DomainError(
                _("%(metric)s has no history; choose equal, capacity or manual.")
                % {"metric": parent.metric_label},
                field="method",
            )
    children = _children_of_parents(plan, parents, with_children="child" in clean_axes)
    lookups = _Lookups()
    existing: dict[int, dict[str, Target]] = defaultdict(dict)
    for batch in chunks([parent.pk for parent in parents]):
        for target in Target.objects.filter(parent_id__in=batch):
            existing[target.parent_id][target.slice_key] = target  # type: ignore[index]
    goals = _goal_ids(parents)
    setups = []
    for parent in parents:
        kind = parent.kind
        own = children[parent.pk]
        axis_values = _axis_values(parent, clean_axes, params, lookups)
        lookups.load_names(axis_values)
        keys: list[Key] = [()]
        for axis in clean_axes:
            options: list[str | int] = (
                [child.token for child in own] if axis == "child" else list(axis_values[axis])
            )
            keys = [(*key, option) for key in keys for option in options]
        by_token = {child.token: child for child in own}
        slices: dict[Key, Slice] = {}
        for key in keys:
            coordinates = dict(zip(clean_axes, key, strict=True))
            child = by_token[str(coordinates["child"])] if "child" in coordinates else own[0]
            slices[key] = Slice(
                unit_id=child.unit_id,
                person_id=child.person_id,
                **{
                    f"{name}_id": int(coordinates[name])
                    if name in coordinates
                    else getattr(parent, f"{name}_id")
                    for name in DIMENSIONS
                },
            )
        setups.append(
            _Setup(
                plan=plan,
                parent=parent,
                kind=kind,
                axes=clean_axes,
                method=Method.EQUAL if kind.is_level else engine_method,
                params=params,
                children=own,
                axis_values=axis_values,
                keys=keys,
                slices=slices,
                names=lookups.names,
                existing=existing.get(parent.pk, {}),
                goal_id=goals.get(parent.pk),
            )
        )
    _attach_history(actor, plan, setups)
    return setups


def _attach_history(actor: Any, plan: TargetPlan, setups: Sequence[_Setup]) -> None:
    """ONE actuals aggregation per metric and split for every child of every parent and every
    year (the plan's history years, and one more for the backtest)."""
    groups: dict[tuple[Any, ...], list[_Setup]] = defaultdict(list)
    for setup in setups:
        if setup.kind.actual_key is None or setup.kind.is_level:
            continue
        groups[(setup.kind.actual_key, setup.folds)].append(setup)
    for (metric, folds), members in groups.items():
        history_years = members[0].params.history_years
        history = allocation_history(
            user=actor,
            metric=metric,
            fiscal_years=range(plan.fiscal_year - history_years - 1, plan.fiscal_year),
            fiscal_start_month=plan.fiscal_start_month,
            unit_ids=sorted(
                {c.unit_id for s in members for c in s.children if c.unit_id is not None}
            ),
            person_ids=sorted(
                {c.person_id for s in members for c in s.children if c.person_id is not None}
            ),
            axes=("child", *[fold.name for fold in folds if fold.values is not None]),
            folds=folds,
        )
        # Each child's keys once (not every key for every parent: linear in the children).
        totals_of: dict[str, dict[Key, dict[int, int]]] = defaultdict(dict)
        counts_of: dict[str, dict[Key, dict[int, int]]] = defaultdict(dict)
        for key, years in history.totals.items():
            totals_of[str(key[0])][key] = years
        for key, years in history.counts.items():
            counts_of[str(key[0])][key] = years
        for setup in members:
            if "child" in setup.axes:
                totals: dict[Key, dict[int, int]] = {}
                counts: dict[Key, dict[int, int]] = {}
                for token in setup.by_token:
                    totals.update(totals_of.get(token, {}))
                    counts.update(counts_of.get(token, {}))
                setup.history = KeyHistory(totals=totals, counts=counts)
            else:
                token = setup.children[0].token
                setup.history = KeyHistory(
                    totals={key[1:]: years for key, years in totals_of.get(token, {}).items()},
                    counts={key[1:]: years for key, years in counts_of.get(token, {}).items()},
                )


def _label(setup: _Setup, key: Key) -> str:
    parts = []
    for axis, value in zip(setup.axes, key, strict=True):
        if axis == "child":
            parts.append(setup.by_token[str(value)].label)
        else:
            parts.append(setup.names.get((axis, int(value)), str(value)))
    return " · ".join(parts)


def _child_of_key(setup: _Setup, key: Key) -> Child:
    if "child" in setup.axes:
        return setup.by_token[str(key[setup.axes.index("child")])]
    return setup.children[0]


def _manual_amount(setup: _Setup, key: Key) -> int | None:
    value = setup.params.manual_amounts.get(key_text(key))
    if value is None:
        return None
    return setup.kind.to_minor(
        parse_value(value, field=f"manual_amounts.{key_text(key)}", kind=setup.kind)
    )


def _request(setup: _Setup, *, total: int) -> AllocationRequest:
    inputs = []
    for key in setup.keys:
        child = _child_of_key(setup, key)
        inputs.append(
            AllocationInput(
                key=key,
                history=setup.history.totals.get(key, {}),
                history_counts=setup.history.counts.get(key, {}),
                headcount=child.headcount if child.unit_id is not None else Decimal(1),
                start_on=child.start_on,
                left_on=child.left_on,
                manual_amount=_manual_amount(setup, key)
                if setup.method in (Method.MANUAL, Method.BLEND)
                else None,
            )
        )
    params = setup.params
    try:
        blend = {Method(name): weight for name, weight in params.blend.items()}
    except ValueError:
        raise DomainError(_("Choose the blended methods from the list."), field="blend") from None
    return AllocationRequest(
        method=setup.method,
        total=total,
        plan_year=setup.plan.fiscal_year,
        inputs=inputs,
        axes=setup.axes,
        fiscal_start_month=setup.plan.fiscal_start_month,
        history_years=params.history_years,
        year_weights=params.year_weights,
        prior_strength=params.prior_strength,
        growth_factors={(item.axis, item.value): item.factor for item in params.growth_factors},
        ramp=params.ramp,
        blend=blend,
    )


def _engine(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except AllocationError as error:
        raise DomainError(str(error), field=error.field) from None


# --- preview -----------------------------------------------------------------------------


def _minor_of_history(kind: TargetMetric) -> Any:
    """A function from an actual tally to the metric's minor units (the identity for money)."""
    if kind.actual_key is not None and metric_definition(kind.actual_key).divisor == kind.scale:
        return lambda raw: raw  # cents are cents
    return kind.history_to_minor


def _from_minor(kind: TargetMetric) -> Any:
    """`kind.from_minor` for many amounts: whole minor units in the metric's unit, to its places.

    Cents become yuan by moving the point two places (exact, and the same number with the same
    places as dividing by 100 and quantizing to 0.01); a count is the integer itself.
    """
    if kind.scale == 100 and kind.decimals == 2:
        return lambda amount: Decimal(amount).scaleb(-2)
    if kind.scale == 1 and kind.decimals == 0:
        return Decimal
    return kind.from_minor


def _lines(setup: _Setup) -> tuple[list[PreviewLine], str, Decimal, bool]:
    """One parent's lines as the method makes them (no findings yet), its digest, remainder and
    whether the engine ran."""
    parent = setup.parent
    kind = setup.kind
    lines: list[PreviewLine] = []
    if kind.is_level:
        level = parent.level if parent.level is not None else Decimal(0)
        for key in setup.keys:
            slice_ = setup.slices[key]
            existing = setup.existing.get(slice_.key)
            lines.append(
                PreviewLine(
                    key=key,
                    key_text=key_text(key),
                    slice=slice_,
                    label=_label(setup, key),
                    amount=None,
                    level=level,
                    value=level,
                    share=Decimal(1),
                    explanation=(),
                    existing_id=existing.pk if existing else None,
                )
            )
        return lines, "", Decimal(0), False
    result: AllocationResult = _engine(allocate, _request(setup, total=int(parent.amount or 0)))
    to_minor = _minor_of_history(kind)
    from_minor = _from_minor(kind)
    totals = setup.history.totals
    for made in result.lines:
        slice_ = setup.slices[made.key]
        existing = setup.existing.get(slice_.key)
        lines.append(
            PreviewLine(
                key=made.key,
                key_text=key_text(made.key),
                slice=slice_,
                label=_label(setup, made.key),
                amount=made.amount,
                level=None,
                value=from_minor(made.amount),
                share=made.share,
                explanation=made.explanation,
                history={
                    year: from_minor(to_minor(raw))
                    for year, raw in sorted(totals.get(made.key, {}).items())
                },
                existing_id=existing.pk if existing else None,
            )
        )
    return lines, result.inputs_digest, kind.from_minor(result.remainder), True


def _previews(setups: Sequence[_Setup], *, with_backtest: bool) -> list[AllocationPreview]:
    """Every parent's preview: one engine call per parent; the findings of all of them in one
    pass, once one is read."""
    previews = []
    for setup in setups:
        lines, digest, remainder, has_result = _lines(setup)
        parent = setup.parent
        kind = setup.kind
        previews.append(
            AllocationPreview(
                plan=setup.plan,
                parent=parent,
                axes=setup.axes,
                method=TargetMethod.LEVEL if kind.is_level else setup.method.value,
                params=setup.params,
                lines=lines,
                total=parent.value or Decimal(0),
                remainder=remainder,
                inputs_digest=digest,
                backtest=_backtest(setup) if has_result and with_backtest else None,
                is_level=kind.is_level,
                names={
                    **setup.names,
                    **{("child", child.token): child.label for child in setup.children},
                },
            )
        )
    pending = _PendingFindings(setups, previews)
    for preview in previews:
        preview.pending = pending
        for line in preview.lines:
            line.pending = pending
    return previews


def _backtest(setup: _Setup) -> BacktestView | None:
    """The same method on last year, for what the children sold then (not for MANUAL)."""
    if setup.method is Method.MANUAL or not setup.kind.has_history:
        return None
    last_year = setup.plan.fiscal_year - 1
    actual = {
        key: years[last_year] for key, years in setup.history.totals.items() if last_year in years
    }
    request = _request(setup, total=0)
    result: Backtest = _engine(backtest, backtest_request(request, actual), actual)
    kind = setup.kind

    def value(raw: int) -> Decimal:
        return kind.from_minor(kind.history_to_minor(raw))

    rows = tuple(
        BacktestRow(
            key_text=key_text(line.key),
            label=_label(setup, line.key),
            target=value(line.target),
            actual=value(line.actual),
            error=value(line.error) if line.error >= 0 else -value(-line.error),
            abs_pct_error=line.abs_pct_error,
        )
        for line in result.lines
    )
    return BacktestView(
        plan_year=result.plan_year,
        wape=result.wape,
        total_target=value(result.total_target),
        total_actual=value(result.total_actual),
        rows=rows,
    )


def _parent_amount(setup: _Setup) -> int | Decimal | None:
    return setup.parent.level if setup.kind.is_level else setup.parent.amount


def _findings(
    setups: Sequence[_Setup],
    lines_of: Sequence[Sequence[PreviewLine]],
    parent_amounts: Sequence[int | Decimal | None],
) -> list[tuple[Finding, ...]]:
    """The reasonableness findings of every parent's lines, from ONE call of the checks.

    Each parent's keys (and peer groups) are put behind its position, so that parents are
    judged apart as if checked one by one; the findings come back without it, in the same
    order a call per parent gives.
    """
    target_lines: list[TargetLine] = []
    market_factors: dict[tuple[str, str | int], Decimal] = {}
    # Trends only from the years the records cover whole (one query for the call).
    first_complete = first_complete_year(setups[0].plan.fiscal_start_month) if setups else None
    for position, (setup, lines) in enumerate(zip(setups, lines_of, strict=True)):
        kind = setup.kind
        parent = setup.parent
        metric = parent.custom_metric_name or parent.metric
        plan_year = setup.plan.fiscal_year
        parent_key: Key = (position, *PARENT_KEY)
        target_lines.append(
            TargetLine(
                key=parent_key,
                amount=parent_amounts[position],
                person=parent.person_id,
                unit=parent.unit_id,
                metric=metric,
                fiscal_year=plan_year,
                tactical_goal=setup.goal_id,
            )
        )
        with_history = kind.has_history and not kind.is_level
        to_minor = _minor_of_history(kind)
        totals = setup.history.totals
        dimension_axes = [(index, axis) for index, axis in enumerate(setup.axes) if axis != "child"]
        for line in lines:
            child = _child_of_key(setup, line.key)
            dims = {axis: line.key[index] for index, axis in dimension_axes}
            history = None
            if with_history:
                years = complete_years_only(totals.get(line.key, {}), first_complete)
                if child.person_id is not None:
                    years = years_at_work(years, child.start_on, setup.plan.fiscal_start_month)
                history = {year: to_minor(raw) for year, raw in years.items()}
            target_lines.append(
                TargetLine(
                    key=(position, *line.key),
                    amount=line.level if kind.is_level else line.amount,
                    parent=parent_key,
                    history=history,
                    headcount=child.headcount,
                    peer_group=(
                        position,
                        "person" if child.person_id is not None else "unit",
                        child.job,
                        *[str(value) for value in dims.values()],
                    ),
                    dimensions=dims,
                    person=child.person_id,
                    unit=child.unit_id,
                    metric=metric,
                    fiscal_year=plan_year,
                )
            )
        market_factors.update(
            {(item.axis, item.value): item.factor for item in setup.params.growth_factors}
        )
    found: list[list[Finding]] = [[] for _setup in setups]
    plan_level: list[Finding] = []
    for finding in check_targets(
        ReasonablenessInputs(
            plan_year=setups[0].plan.fiscal_year if setups else 0,
            lines=target_lines,
            market_factors=market_factors,
        )
    ):
        if finding.key is None:
            plan_level.append(finding)
            continue
        position = int(finding.key[0])
        params = finding.params
        if "peer_group" in params:
            # the group as the page shows it: without the parent's position
            params = {**params, "peer_group": str(params["peer_group"]).split("/", 1)[1]}
        found[position].append(Finding(finding.code, finding.key[1:], params))
    return [(*plan_level, *of_setup) for of_setup in found]


def _with_related(parents: Sequence[Target], plan: TargetPlan) -> list[Target]:
    """The parents again, with what an allocation reads of them, in one query (the plan is the
    one already read, not one copy per parent)."""
    by_id: dict[int, Target] = {}
    for batch in chunks([parent.pk for parent in parents]):
        for target in Target.objects.filter(pk__in=batch).select_related(
            "unit", "person", "person__unit"
        ):
            if target.plan_id == plan.pk:
                target.plan = plan
            by_id[target.pk] = target
    return [by_id[parent.pk] for parent in parents]


def allocation_preview(
    *,
    actor: Any,
    plan: TargetPlan,
    parent: Target,
    axes: Sequence[str],
    method: str,
    params: AllocationParams | None = None,
) -> AllocationPreview:
    """What an allocation would give, its backtest on last year and its findings; no write."""
    [setup] = _prepare(
        actor=actor,
        plan=plan,
        parents=_with_related([parent], plan),
        axes=axes,
        method=method,
        params=params or AllocationParams(),
    )
    [preview] = _previews([setup], with_backtest=True)
    return preview


# --- apply -------------------------------------------------------------------------------

#: Fields an allocation rewrites on a child target that already exists.
WRITTEN_FIELDS = [
    "amount",
    "level",
    "method",
    "inputs",
    "explanation",
    "allocation_run",
    "created_by",
    "updated_at",
]


@transaction.atomic
def allocation_apply(
    *,
    actor: Any,
    plan: TargetPlan,
    parent: Target,
    axes: Sequence[str],
    method: str,
    params: AllocationParams | None = None,
) -> tuple[AllocationRun, AllocationPreview]:
    """Write what `allocation_preview` shows: the parent's children (created, updated, or —
    when no longer part of the split — removed with what was allocated below them), their
    months, and the run with its method, parameters and backtest."""
    [(run, preview)] = allocation_apply_many(
        actor=actor, plan=plan, parents=[parent], axes=axes, method=method, params=params
    )
    return run, preview


@transaction.atomic
@without_cycle_collection
def allocation_apply_many(
    *,
    actor: Any,
    plan: TargetPlan,
    parents: Sequence[Target],
    axes: Sequence[str],
    method: str,
    params: AllocationParams | None = None,
) -> list[tuple[AllocationRun, AllocationPreview]]:
    """Allocate many targets the same way at once (e.g. every team's target to its people by
    product line): one history aggregation, one engine call per parent, bulk writes."""
    plan = lock_plan(plan)
    require_open(plan)
    if not parents:
        return []
    chosen = params or AllocationParams()
    setups = _prepare(
        actor=actor,
        plan=plan,
        parents=_with_related(parents, plan),
        axes=axes,
        method=method,
        params=chosen,
    )
    author = actor_or_none(actor)
    previews = _previews(setups, with_backtest=len(setups) == 1)
    stored_params = chosen.as_json()  # the same for every run of the call: spelled once
    now = timezone.now()
    runs = [
        AllocationRun(
            plan=plan,
            parent=setup.parent,
            axes=list(setup.axes),
            method=preview.method,
            params=stored_params,
            inputs_digest=preview.inputs_digest,
            backtest=preview.backtest.as_json() if preview.backtest is not None else {},
            line_count=len(preview.lines),
            created_by=author,
            created_at=now,
        )
        for setup, preview in zip(setups, previews, strict=True)
    ]
    _write_runs(plan, runs)
    stale = []
    for setup, preview in zip(setups, previews, strict=True):
        kept = {line.slice.key for line in preview.lines}
        stale += [target.pk for key, target in setup.existing.items() if key not in kept]
    for batch in chunks(stale):
        Target.objects.filter(pk__in=batch).delete()
    _write_children(plan, setups, previews, runs, author)
    return list(zip(runs, previews, strict=True))


#: The columns of a run, in the order `_write_runs` lays out its values.
RUN_COLUMNS = [
    "plan_id",
    "parent_id",
    "axes",
    "method",
    "params",
    "inputs_digest",
    "backtest",
    "line_count",
    "created_by_id",
    "created_at",
]


def _write_runs(plan: TargetPlan, runs: Sequence[AllocationRun]) -> None:
    """Insert the runs as plain rows (COPY on PostgreSQL), then give each its id: the ids of a
    plan's runs grow in the order they are written, and the plan is locked meanwhile."""
    if not runs:
        return
    last = AllocationRun.objects.filter(plan=plan).aggregate(last=Max("pk"))["last"] or 0
    spelled: dict[int, str] = {}  # every run of a call shares its parameters: spelled once

    def text(value: Any) -> str:
        found = spelled.get(id(value))
        if found is None:
            found = spelled[id(value)] = json_text(value)
        return found

    stamp = db_datetime(AllocationRun, runs[0].created_at)
    insert_rows(
        AllocationRun,
        RUN_COLUMNS,
        [
            (
                plan.pk,
                run.parent_id,
                json_text(run.axes),
                run.method,
                text(run.params),
                run.inputs_digest,
                json_text(run.backtest),
                run.line_count,
                run.created_by_id,
                stamp,
            )
            for run in runs
        ],
    )
    written = list(
        AllocationRun.objects.filter(plan=plan, pk__gt=last)
        .order_by("pk")
        .values_list("pk", "parent_id")
    )
    if [parent_id for _pk, parent_id in written] != [run.parent_id for run in runs]:
        raise RuntimeError("the allocation runs were not written in order")  # never: plan locked
    for run, (pk, _parent_id) in zip(runs, written, strict=True):
        run.pk = pk
        run._state.adding = False
        run._state.db = router.db_for_write(AllocationRun)


#: The columns of a new child target, in the order `_write_children` lays out its values.
NEW_TARGET_COLUMNS = [
    "plan_id",
    "metric",
    "custom_metric_name",
    "unit_id",
    "person_id",
    "product_line_id",
    "region_id",
    "segment_id",
    "parent_id",
    "slice_key",
    "amount",
    "level",
    "method",
    "inputs",
    "explanation",
    "allocation_run_id",
    "created_by_id",
    "created_at",
    "updated_at",
]


class _JsonText:
    """Explanations as the JSON text a JSONField stores (`json_text` of the steps' JSON): one
    encoding per explanation, and each step that keys share (an equal share, a growth factor)
    turned into JSON data once."""

    def __init__(self) -> None:
        self.data: dict[int, dict[str, object]] = {}
        self.kept: list[Step] = []  # the steps seen stay alive, so no id is reused

    def steps(self, steps: Sequence[Step]) -> str:
        data = self.data
        parts = []
        for step in steps:
            found = data.get(id(step))
            if found is None:
                found = data[id(step)] = step.as_json()
                self.kept.append(step)
            parts.append(found)
        return json_text(parts)


def _write_children(
    plan: TargetPlan,
    setups: Sequence[_Setup],
    previews: Sequence[AllocationPreview],
    runs: Sequence[AllocationRun],
    author: Any,
) -> None:
    """Write every parent's children and their months in bulk: new targets as plain rows (COPY
    on PostgreSQL), existing ones updated in place; then each parent's months from its
    children's, and on up the tree. A bounded number of queries for any number of parents."""
    now = timezone.now()
    stamp = db_datetime(Target, now)
    author_id = author.pk if author is not None else None
    explanations = _JsonText()
    new_rows: list[tuple[Any, ...]] = []
    updated: list[Target] = []
    items: list[Phasing] = []
    waiting: dict[tuple[int, str], int] = {}  # (run, slice key) → position of a new target
    for setup, preview, run in zip(setups, previews, runs, strict=True):
        parent = setup.parent
        method_of_targets = TargetMethod.LEVEL if setup.kind.is_level else setup.method.value
        for line in preview.lines:
            child = _child_of_key(setup, line.key)
            slice_ = line.slice
            inputs: dict[str, Any] = {
                "key": line.key_text,
                "headcount": str(child.headcount),
                "history": {str(year): str(value) for year, value in line.history.items()},
            }
            if child.start_on:
                inputs["start_on"] = child.start_on.isoformat()
            if child.left_on:
                inputs["left_on"] = child.left_on.isoformat()
            target = setup.existing.get(slice_.key)
            if target is None:
                waiting[(run.pk, slice_.key)] = len(items)
                new_rows.append(
                    (
                        plan.pk,
                        parent.metric,
                        parent.custom_metric_name,
                        slice_.unit_id,
                        slice_.person_id,
                        slice_.product_line_id,
                        slice_.region_id,
                        slice_.segment_id,
                        parent.pk,
                        slice_.key,
                        line.amount,
                        line.level,
                        method_of_targets,
                        json_text(inputs),
                        explanations.steps(line.explanation),
                        run.pk,
                        author_id,
                        stamp,
                        stamp,
                    )
                )
            else:
                target.amount = line.amount
                target.level = line.level
                target.method = method_of_targets
                target.inputs = inputs
                target.explanation = [step.as_json() for step in line.explanation]
                target.allocation_run = run
                target.created_by = author
                target.updated_at = now
                updated.append(target)
            items.append(
                Phasing(
                    target_id=target.pk if target is not None else 0,  # new: known once written
                    parent_id=parent.pk,
                    metric=parent.metric,
                    slice_key=slice_.key,
                    amount=line.amount,
                    level=line.level,
                    product_line_id=slice_.product_line_id,
                    person_id=slice_.person_id,
                    hired=child.start_on,
                    left=child.left_on,
                )
            )
    insert_rows(Target, NEW_TARGET_COLUMNS, new_rows)
    _write_updates(updated)
    if waiting:
        run_ids = [run.pk for run in runs]
        for run_id, key, pk in Target.objects.filter(
            plan=plan, allocation_run_id__gte=min(run_ids), allocation_run_id__lte=max(run_ids)
        ).values_list("allocation_run_id", "slice_key", "pk"):
            position = waiting.get((run_id, key))
            if position is not None:
                items[position] = items[position]._replace(target_id=pk)
    rows = month_rows(plan, items)
    write_months(rows, replacing=[target.pk for target in updated])
    _roll_up_parents(setups, previews, items, rows)
    # The editor and the close plan their queries on these tables next (a company's year
    # is tens of thousands of targets and hundreds of thousands of months).
    refresh_statistics({AllocationRun: len(runs), Target: len(new_rows), TargetPeriod: len(rows)})


def _roll_up_parents(
    setups: Sequence[_Setup],
    previews: Sequence[AllocationPreview],
    items: Sequence[Phasing],
    rows: Sequence[MonthRow],
) -> None:
    """Each parent whose children add up to it takes their monthly sums (known here, so not
    read back), then the targets above it theirs (`roll_up_months`)."""
    sums: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    parent_of = {item.target_id: item.parent_id for item in items}
    for target_id, month, amount, _level in rows:
        if amount is not None:
            sums[int(parent_of[target_id] or 0)][month] += amount
    rolled: list[Target] = []
    for setup, preview in zip(setups, previews, strict=True):
        parent = setup.parent
        if setup.kind.is_level or parent.amount is None:
            continue
        if sum(int(line.amount or 0) for line in preview.lines) == parent.amount:
            rolled.append(parent)
    write_months(
        [
            (parent.pk, month, amount, None)
            for parent in rolled
            for month, amount in sorted(sums[parent.pk].items())
        ],
        replacing=[parent.pk for parent in rolled],
    )
    roll_up_months({parent.parent_id for parent in rolled if parent.parent_id is not None})


def _write_updates(targets: Sequence[Target]) -> None:
    """Rewrite the allocated fields of existing targets with one prepared statement."""
    if not targets:
        return
    connection = connections[router.db_for_write(Target)]
    fields = [Target._meta.get_field(name) for name in WRITTEN_FIELDS]
    rows = [
        (
            *(
                model_field.get_db_prep_save(getattr(target, model_field.attname), connection)  # type: ignore[union-attr]
                for model_field in fields
            ),
            target.pk,
        )
        for target in targets
    ]
    update_rows(Target, [model_field.attname for model_field in fields], rows)  # type: ignore[union-attr]


# --- manual ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ManualAmount:
    """A number typed for one child: an existing child target, or a new slice below the parent."""

    value: Decimal | int | str
    target_id: int | None = None
    unit_id: int | None = None
    person_id: int | None = None
    product_line_id: int | None = None
    region_id: int | None = None
    segment_id: int | None = None


@dataclass
class ManualResult:
    """The children after a manual edit, and what is still to be placed (parent − children)."""

    parent: Target
    children: list[Target]
    remainder: Decimal | None  # None for levels


def _shape(parent: Target, slice_: Slice) -> tuple[bool, ...]:
    """Which coordinates a child adds to its parent: its subject, and each dimension."""
    own_subject = slice_.unit_id == parent.unit_id and slice_.person_id == parent.person_id
    return (
        not own_subject,
        *[slice_.dimension(name) != getattr(parent, f"{name}_id") for name in DIMENSIONS],
    )


def _check_new_slice(
    plan: TargetPlan,
    parent: Target,
    slice_: Slice,
    *,
    allowed_units: set[int],
    allowed_people: set[int],
    position: int,
) -> None:
    field_name = f"amounts.{position}"
    own = slice_.unit_id == parent.unit_id and slice_.person_id == parent.person_id
    if (slice_.unit_id is None) == (slice_.person_id is None):
        raise DomainError(_("Name a unit or a person for each new target."), field=field_name)
    if not own and slice_.unit_id is not None and slice_.unit_id not in allowed_units:
        raise DomainError(
            _("Unit %(id)s is not directly below this target's unit.") % {"id": slice_.unit_id},
            field=field_name,
        )
    if not own and slice_.person_id is not None and slice_.person_id not in allowed_people:
        raise DomainError(
            _("Person %(id)s is not a salesperson of this target's unit in %(year)s.")
            % {"id": slice_.person_id, "year": plan.fiscal_year},
            field=field_name,
        )
    for name in DIMENSIONS:
        fixed = getattr(parent, f"{name}_id")
        value = slice_.dimension(name)
        if fixed is not None and value is not None and value != fixed:
            below = dimension_values_below(name, fixed)
            if value not in below:
                raise DomainError(
                    _("The %(dimension)s of a target must lie within its parent's.")
                    % {"dimension": DIMENSION_MODELS[name]._meta.verbose_name},
                    field=field_name,
                )
        if fixed is not None and value is None:
            raise DomainError(
                _("The %(dimension)s of a target must lie within its parent's.")
                % {"dimension": DIMENSION_MODELS[name]._meta.verbose_name},
                field=field_name,
            )
        if value is not None and not DIMENSION_MODELS[name].objects.filter(pk=value).exists():
            raise DomainError(
                _("There is no such %(dimension)s.")
                % {"dimension": DIMENSION_MODELS[name]._meta.verbose_name},
                field=field_name,
            )


def _check_employed(plan: TargetPlan, carriers: Mapping[int, int], months: Sequence[int]) -> None:
    """Nobody gets an amount in a year they do not work (one query for all of them)."""
    for person in Person.objects.filter(pk__in=list(carriers)):
        if not any(active_months(months, person.hire_date, person.left_on)):
            raise DomainError(
                _("%(name)s does not work here in %(year)s and gets no target.")
                % {"name": person.display_name, "year": plan.fiscal_year},
                field=f"amounts.{carriers[person.pk]}",
            )


@transaction.atomic
def target_set_manual(
    *, actor: Any, plan: TargetPlan, parent: Target, amounts: Sequence[ManualAmount]
) -> ManualResult:
    """Type the numbers of some children of a target; the others keep theirs.

    Every number is checked first (a number, not negative, a slice below the
    parent and inside the manager's units); one bad row changes nothing. The
    remainder is reported, not forced to zero.
    """
    plan = lock_plan(plan)
    require_open(plan)
    if parent.plan_id != plan.pk:
        raise DomainError(_("This target belongs to another plan."), field="parent")
    require_manager_of(actor, parent)
    kind = parent.kind
    children = {target.pk: target for target in parent.children.all()}
    by_key = {target.slice_key: target for target in children.values()}
    shapes = {_shape(parent, Slice.of(target)) for target in children.values()}
    allowed_units: set[int] = set()
    allowed_people: set[int] = set()
    if parent.unit is not None:
        unit = parent.unit
        allowed_units = set(
            OrgUnit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).values_list(
                "pk", flat=True
            )
        )
        allowed_people = set(
            Person.objects.filter(salespeople_during(plan), unit=unit).values_list("pk", flat=True)
        )
    months = fiscal_months(plan.fiscal_year, plan.fiscal_start_month)
    author = actor_or_none(actor)
    changed: list[Target] = []
    created: list[Target] = []
    seen: set[str] = set()
    carriers: dict[int, int] = {}  # person id → the row that gives them an amount
    for position, item in enumerate(amounts):
        number = parse_value(item.value, field=f"amounts.{position}", kind=kind)
        if item.target_id is not None:
            target = children.get(item.target_id)
            if target is None:
                raise DomainError(
                    _("Target %(id)s is not directly below this one.") % {"id": item.target_id},
                    field=f"amounts.{position}",
                )
        else:
            slice_ = Slice(
                unit_id=item.unit_id,
                person_id=item.person_id,
                **{
                    f"{name}_id": getattr(item, f"{name}_id") or getattr(parent, f"{name}_id")
                    for name in DIMENSIONS
                },
            )
            target = by_key.get(slice_.key)
            if target is None:
                _check_new_slice(
                    plan,
                    parent,
                    slice_,
                    allowed_units=allowed_units,
                    allowed_people=allowed_people,
                    position=position,
                )
                shape = _shape(parent, slice_)
                if not any(shape):
                    raise DomainError(
                        _(
                            "A target below another must differ from it in unit, person or a dimension."
                        ),
                        field=f"amounts.{position}",
                    )
                if shapes and shape not in shapes:
                    raise DomainError(
                        _("The targets below one target must all be split the same way."),
                        field=f"amounts.{position}",
                    )
                shapes.add(shape)
                target = Target(
                    plan=plan,
                    metric=parent.metric,
                    custom_metric_name=parent.custom_metric_name,
                    unit_id=slice_.unit_id,
                    person_id=slice_.person_id,
                    product_line_id=slice_.product_line_id,
                    region_id=slice_.region_id,
                    segment_id=slice_.segment_id,
                    parent=parent,
                    slice_key=slice_.key,
                )
                created.append(target)
                by_key[slice_.key] = target
        if target.slice_key in seen:
            raise DomainError(_("The same target is given twice."), field=f"amounts.{position}")
        seen.add(target.slice_key)
        if kind.is_level:
            target.level, target.amount = kind.level(number), None
        else:
            target.amount, target.level = kind.to_minor(number), None
            if target.person_id is not None and target.amount:
                carriers[target.person_id] = position
        target.method = TargetMethod.MANUAL
        target.inputs = {"value": str(number)}
        typed = str(target.level) if kind.is_level else target.amount
        target.explanation = [{"code": "manual", "params": {"amount": typed}}]
        target.allocation_run = None
        target.created_by = author
        if target.pk is not None:
            changed.append(target)
    _check_employed(plan, carriers, months)
    Target.objects.bulk_create(created)
    for target in changed:
        target.save()  # one by one: the audit trail records each hand-made change
    phase_targets(plan, [*created, *changed])
    all_children = list(
        parent.children.select_related(
            "unit", "person", "product_line", "region", "segment"
        ).order_by("slice_key")
    )
    remainder = None
    if not kind.is_level:
        placed = sum(int(target.amount or 0) for target in all_children)
        remainder = kind.from_minor(int(parent.amount or 0) - placed)
    return ManualResult(parent=parent, children=all_children, remainder=remainder)
