"""Actual values: for units or people, a metric, periods and an optional split — one aggregation.

`actuals()` runs ONE grouped query over the facts (SalesFact, or
SatisfactionResponse for satisfaction) for the whole request — every unit,
person and period at once — and hands the cells to `engines.metrics.roll_up`,
which maps months to periods and rolls units up their subtrees. A few more
queries read the requested units and people (to check that the user may see
them); none is made per person, unit or period.

Visibility (decided here, the same for the page and the API):
- the facts are read through `SalesFact.objects.visible_to(user)`, so nobody
  ever adds up a number they could not see fact by fact;
- a requested unit must lie inside the user's scope (executives, HR and
  admins: the whole company; a manager: the subtrees they manage); a
  salesperson may ask for nobody but themselves; a requested person must be
  in `Person.objects.visible_to(user)`. Anything else is a 404, like a record
  the user may not see;
- with nothing requested, `default_subjects` picks what the user sees first:
  the company roots for company-wide roles, the managed units for a manager,
  themselves for a salesperson, and nothing for a login without a person
  (an empty result, not an error).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any, Final

from django.conf import settings
from django.db import connections
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from salesalign.core.batches import without_cycle_collection
from salesalign.core.choices import Metric
from salesalign.core.exceptions import DomainError
from salesalign.core.visibility import scope_for
from salesalign.engines.metrics import (
    Actuals,
    Cell,
    MetricKey,
    RollUp,
    Subject,
    SubjectKind,
    Tally,
    buckets_by_month,
    metric_definition,
    months_of_periods,
    roll_up,
)
from salesalign.engines.periods import (
    Period,
    PeriodKind,
    months_of,
    periods_of_year,
    year_period,
)
from salesalign.organization.models import CustomerSegment, OrgUnit, Person, ProductLine, Region
from salesalign.sales import totals
from salesalign.sales.models import (
    SalesFact,
    SalesMonthTotal,
    SalesProductLineYearTotal,
    SalesYearTotal,
    SatisfactionResponse,
)

#: What actuals may be split by, and the fact column of each split.
SPLIT_COLUMNS: Final[dict[str, str]] = {
    "product_line": "product_line_id",
    "region": "region_id",
    "segment": "segment_id",
}
#: Satisfaction answers are about a customer, not a product line.
SATISFACTION_SPLIT_COLUMNS: Final[dict[str, str]] = {
    "region": "customer__region_id",
    "segment": "customer__segment_id",
}


@dataclass(frozen=True)
class ActualRow:
    """One value of a result, as the API answers it."""

    unit_id: int | None
    person_id: int | None
    period: str
    value: Decimal | None
    count: int
    product_line_id: int | None = None
    region_id: int | None = None
    segment_id: int | None = None


@dataclass
class ActualsResult:
    """The actual values of one request, with the units and people it is about."""

    metric: MetricKey
    periods: tuple[Period, ...]
    split_by: tuple[str, ...]
    include_subtree: bool
    units: list[OrgUnit]
    person_ids: list[int]
    actuals: Actuals
    members_within: tuple[int, ...] = ()

    @cached_property
    def people(self) -> list[Person]:
        """The requested people, in the requested order, read when first asked for.

        Their visibility was checked with the request; most callers (a close, an
        allocation) want only the values, not thousands of model instances.
        """
        return _people_in_order(self.person_ids)

    def value(
        self,
        *,
        period: Period | str,
        unit: OrgUnit | int | None = None,
        person: Person | int | None = None,
        within: OrgUnit | int | None = None,
        split: Sequence[int | None] = (),
    ) -> Decimal | None:
        """One value: of a unit or a person (optionally only inside `within`), for a period and split."""
        return self.actuals.value(
            _subject(unit=unit, person=person, within=within), _key(period), tuple(split)
        )

    def tally(
        self,
        *,
        period: Period | str,
        unit: OrgUnit | int | None = None,
        person: Person | int | None = None,
        within: OrgUnit | int | None = None,
        split: Sequence[int | None] = (),
    ) -> Tally:
        return self.actuals.tally(
            _subject(unit=unit, person=person, within=within), _key(period), tuple(split)
        )

    def rows(self) -> list[ActualRow]:
        """Every non-empty value, split values named by their dimension."""
        rows = []
        for item in self.actuals.values():
            if item.subject.within is not None:
                continue  # member tables are a page's view, not part of the API's answer
            splits = dict(zip(self.split_by, item.split, strict=True)) if item.split else {}
            if self.split_by and not item.split:
                continue  # the per-subject total is the sum of its split rows; not repeated
            rows.append(
                ActualRow(
                    unit_id=item.subject.id if item.subject.kind == SubjectKind.UNIT else None,
                    person_id=item.subject.id if item.subject.kind == SubjectKind.PERSON else None,
                    period=item.period_key,
                    value=item.value,
                    count=item.count,
                    product_line_id=splits.get("product_line"),
                    region_id=splits.get("region"),
                    segment_id=splits.get("segment"),
                )
            )
        return rows


def _pk(item: Any) -> int:
    return int(item.pk) if hasattr(item, "pk") else int(item)


def _key(period: Period | str) -> str:
    return period.key if isinstance(period, Period) else period


def _subject(*, unit: Any, person: Any, within: Any) -> Subject:
    if person is not None:
        return Subject.person(_pk(person), within=_pk(within) if within is not None else None)
    if unit is None:
        raise ValueError("name a unit or a person")
    return Subject.unit(_pk(unit))


# --- who may be asked about ---------------------------------------------------------------


def first_recorded_month() -> int | None:
    """The first month (yyyymm) of the sales records, whoever they are credited to: before
    it SalesAlign knows nothing, which is not the same as nothing sold (one index seek)."""
    first = SalesFact.objects.aggregate(first=Min("month"))["first"]
    return int(first) if first is not None else None


def visible_units(*, user: Any) -> QuerySet[OrgUnit]:
    """The units whose actuals the user may ask for, in tree order (none for a salesperson)."""
    scope = scope_for(user)
    units = OrgUnit.objects.order_by("path")
    if scope.everything:
        return units
    if not scope.unit_paths:
        return units.none()
    condition = Q(pk__in=[])
    for path in scope.unit_paths:
        condition |= Q(path__startswith=path)
    return units.filter(condition)


def unit_choices(*, user: Any) -> list[tuple[int, str]]:
    """(id, indented name) of the units the user may ask about, in tree order."""
    units = visible_units(user=user).only("pk", "path", "depth", "name", "name_en", "code")
    top = min((unit.depth for unit in units), default=1)
    return [(unit.pk, "\u2003" * (unit.depth - top) + unit.display_name) for unit in units]


def default_subjects(*, user: Any) -> tuple[list[int], list[int]]:
    """(unit ids, person ids) a user sees first: the company, the managed units, or themselves."""
    scope = scope_for(user)
    if scope.everything:
        return list(
            OrgUnit.objects.filter(depth=1).order_by("path").values_list("pk", flat=True)
        ), []
    if scope.unit_paths:
        paths = OrgUnit.objects.filter(path__in=scope.unit_paths).order_by("path")
        return list(paths.values_list("pk", flat=True)), []
    if scope.person_id is not None:
        return [], [scope.person_id]
    return [], []


def _check_units(user: Any, unit_ids: list[int]) -> list[OrgUnit]:
    """The requested units, in the requested order; 404 for one the user may not ask about."""
    if not unit_ids:
        return []
    scope = scope_for(user)
    found = {unit.pk: unit for unit in OrgUnit.objects.filter(pk__in=unit_ids)}
    units = []
    for unit_id in unit_ids:
        unit = found.get(unit_id)
        if unit is None or not scope.covers_unit_path(unit.path):
            raise Http404(_("No such unit."))
        units.append(unit)
    return units


#: The fields of the requested people (and their units) that a result carries.
PERSON_FIELDS: Final[tuple[str, ...]] = (
    "pk",
    "name",
    "name_en",
    "employee_number",
    "role",
    "is_active",
    "user_id",
    "unit__id",
    "unit__name",
    "unit__name_en",
    "unit__code",
    "unit__kind",
    "unit__path",
    "unit__depth",
)


def _check_people(user: Any, person_ids: list[int]) -> None:
    """404 when the user may not see one of the requested people."""
    if not person_ids:
        return
    visible = set(
        Person.objects.visible_to(user).filter(pk__in=person_ids).values_list("pk", flat=True)
    )
    if any(person_id not in visible for person_id in person_ids):
        raise Http404(_("No such person."))


def _people_in_order(person_ids: list[int]) -> list[Person]:
    """The people (already checked), in the given order, with only what pages show of them."""
    if not person_ids:
        return []
    found = {
        person.pk: person
        for person in Person.objects.filter(pk__in=person_ids)
        .select_related("unit")
        .only(*PERSON_FIELDS)
    }
    return [found[person_id] for person_id in person_ids if person_id in found]


def _unique(items: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(items))


# --- the aggregation ----------------------------------------------------------------------


def _measure(metric: MetricKey, split_by: Sequence[str]) -> tuple[Any, Q]:
    """The SUM expression of a metric over SalesFact, and a filter that skips rows adding zero."""
    if metric is MetricKey.REVENUE:
        return Sum("revenue_cents"), Q()
    if metric is MetricKey.GROSS_PROFIT:
        return Sum(F("revenue_cents") - F("cost_cents")), Q()
    if metric is MetricKey.ORDER_COUNT:
        # An order counts once per product line in it when split by product line, else once.
        column = "product_line_order_share" if "product_line" in split_by else "order_share"
        return Sum(column), Q(**{f"{column}__gt": 0})
    if metric is MetricKey.NEW_CUSTOMERS:
        return Sum("new_customer_share"), Q(new_customer_share__gt=0)
    raise ValueError(metric)


def actuals(
    *,
    user: Any,
    metric: MetricKey | str,
    periods: Sequence[Period],
    units: Sequence[OrgUnit | int] = (),
    people: Sequence[Person | int] = (),
    include_subtree: bool = True,
    split_by: Sequence[str] = (),
    members_within: Sequence[OrgUnit | int] = (),
) -> ActualsResult:
    """The actual values of `metric` for the units (with their subtrees, or alone) and people.

    Units count the facts credited to them (the credit keeps the unit of the
    order date, so a transfer moves nothing); people count all their facts the
    user may see. `split_by` adds product line / region / segment values;
    `members_within` adds, for each of those units, one value per person who
    sold inside it. With neither units nor people, `default_subjects(user)`.
    """
    key = _metric_key(metric)
    return actuals_of_metrics(
        user=user,
        metrics=[key],
        periods=periods,
        units=units,
        people=people,
        include_subtree=include_subtree,
        split_by=split_by,
        members_within=members_within,
    )[key]


@without_cycle_collection  # a year of a large company is 100,000s of cells
def actuals_of_metrics(
    *,
    user: Any,
    metrics: Sequence[MetricKey | str],
    periods: Sequence[Period],
    units: Sequence[OrgUnit | int] = (),
    people: Sequence[Person | int] = (),
    include_subtree: bool = True,
    split_by: Sequence[str] = (),
    members_within: Sequence[OrgUnit | int] = (),
) -> dict[MetricKey, ActualsResult]:
    """`actuals` of several metrics for the same subjects and periods, by metric.

    The summed metrics come from ONE aggregation over the facts, one total per
    metric (a period close needs revenue, new customers and more for every person
    and unit); satisfaction, from its own table, adds one more.
    """
    keys = list(dict.fromkeys(_metric_key(metric) for metric in metrics))
    split_by = tuple(dict.fromkeys(split_by))
    for key in keys:
        _check_splits(key, split_by)
    periods = tuple(periods)
    if not periods:
        raise DomainError(_("Choose at least one period."), field="period")

    unit_ids = _unique(_pk(unit) for unit in units)
    person_ids = _unique(_pk(person) for person in people)
    member_unit_ids = _unique(_pk(unit) for unit in members_within)
    if not unit_ids and not person_ids and not member_unit_ids:
        unit_ids, person_ids = default_subjects(user=user)
    unit_objects = _check_units(user, _unique([*unit_ids, *member_unit_ids]))
    by_id = {unit.pk: unit for unit in unit_objects}
    _check_people(user, person_ids)

    results = {
        key: ActualsResult(
            metric=key,
            periods=periods,
            split_by=split_by,
            include_subtree=include_subtree,
            units=[by_id[unit_id] for unit_id in unit_ids],
            person_ids=person_ids,
            actuals=Actuals(metric=key, period_keys=tuple(period.key for period in periods)),
            members_within=tuple(member_unit_ids),
        )
        for key in keys
    }
    if not unit_objects and not person_ids:
        return results

    # Tree paths of every unit a fact may be credited to inside the requested subtrees.
    subtree_roots = [by_id[unit_id] for unit_id in unit_ids] if include_subtree else []
    subtree_roots += [by_id[unit_id] for unit_id in member_unit_ids]
    unit_paths = {unit.pk: unit.path for unit in unit_objects}
    single = {unit_id for unit_id in unit_ids if not include_subtree}
    scope: set[int] | None = single
    outermost = _outermost(subtree_roots)
    if outermost:
        inside, whole_tree = _units_inside(outermost)
        unit_paths.update(inside)
        # Facts are filtered by unit id (no join, no LIKE per row); a request that covers
        # the whole tree needs no filter at all — every fact is credited to some unit.
        scope = None if whole_tree else single | set(inside)

    cells = _cells_of_metrics(
        user=user,
        metrics=keys,
        periods=periods,
        split_by=split_by,
        unit_scope=scope,
        person_ids=person_ids,
        with_person=bool(person_ids or member_unit_ids),
    )
    for key in keys:
        results[key].actuals = roll_up(
            metric=key,
            cells=cells[key],
            periods=periods,
            unit_paths=unit_paths,
            units=unit_ids,
            people=person_ids,
            include_subtree=include_subtree,
            members_within=member_unit_ids,
        )
    return results


def _metric_key(metric: MetricKey | str) -> MetricKey:
    try:
        return MetricKey(metric)
    except ValueError:
        raise DomainError(_("This metric has no actual values."), field="metric") from None


def _split_columns(metric: MetricKey) -> dict[str, str]:
    return (
        SATISFACTION_SPLIT_COLUMNS if metric is MetricKey.CUSTOMER_SATISFACTION else SPLIT_COLUMNS
    )


def _check_splits(metric: MetricKey, split_by: Sequence[str]) -> None:
    split_columns = _split_columns(metric)
    for split in split_by:
        if split not in split_columns:
            if split in SPLIT_COLUMNS:
                raise DomainError(
                    _("Satisfaction answers are about customers, not product lines."),
                    field="split_by",
                )
            raise DomainError(
                _("Actuals cannot be split by “%(split)s”.") % {"split": split}, field="split_by"
            )


def _units_inside(roots: Sequence[OrgUnit]) -> tuple[dict[int, str], bool]:
    """(id → path of every unit in the roots' subtrees, whether that is the whole tree).

    Worked out on the unit list in Python: a request about every team of a large company
    names thousands of roots, and as many OR'ed LIKEs exceed what a database parses.
    """
    root_paths = {unit.path for unit in roots}
    depths = sorted({len(path) for path in root_paths})
    inside: dict[int, str] = {}
    everything = True
    for pk, path in OrgUnit.objects.values_list("pk", "path"):
        if any(path[:depth] in root_paths for depth in depths if depth <= len(path)):
            inside[pk] = path
        else:
            everything = False
    return inside, everything


def _outermost(units: Sequence[OrgUnit]) -> list[OrgUnit]:
    """The units not inside another one of `units` (their subtrees cover the rest)."""
    kept: list[OrgUnit] = []
    for unit in sorted(units, key=lambda unit: unit.path):
        if not kept or not unit.path.startswith(kept[-1].path):
            kept.append(unit)
    return kept


def _cells_of_metrics(
    *,
    user: Any,
    metrics: Sequence[MetricKey],
    periods: Sequence[Period],
    split_by: Sequence[str],
    unit_scope: set[int] | None,
    person_ids: list[int],
    with_person: bool,
) -> dict[MetricKey, list[Cell]]:
    """Each metric's cells. The summed metrics in one aggregation: without a split, of the
    month totals (whole months: a month is a row per person); split, whole fiscal years of
    the yearly totals, anything else of the facts. Satisfaction from its answers."""
    subjects = {
        "user": user,
        "periods": periods,
        "split_by": split_by,
        "unit_scope": unit_scope,
        "person_ids": person_ids,
        "with_person": with_person,
    }
    summed = [metric for metric in metrics if metric is not MetricKey.CUSTOMER_SATISFACTION]
    in_months = bool(summed) and not split_by and _months_in_totals(periods)
    in_totals = bool(summed) and not in_months and _years_in_totals(periods)
    found: dict[MetricKey, list[Cell]] = {}
    if summed and not in_totals:
        found.update(_cells(metrics=summed, month_totals=in_months, **subjects))
    for metric in metrics:
        if metric in found:
            continue
        if in_totals and metric is not MetricKey.CUSTOMER_SATISFACTION:
            found[metric] = _cells_of_years(metric=metric, **subjects)
        else:
            found.update(_cells(metrics=[metric], **subjects))
    return found


def _cells(
    *,
    user: Any,
    metrics: Sequence[MetricKey],
    periods: Sequence[Period],
    split_by: Sequence[str],
    unit_scope: set[int] | None,
    person_ids: list[int],
    with_person: bool,
    month_totals: bool = False,
) -> dict[MetricKey, list[Cell]]:
    """The one aggregation: tallies grouped by time bucket, credit unit, person and split,
    one tally per metric (summed metrics of the facts, or satisfaction alone).

    `unit_scope`: the units whose facts count for the requested units (None: every unit);
    the people's facts count wherever they were credited. `month_totals`: read the summed
    metrics of whole months without a split from `SalesMonthTotal` (the same tallies).
    """
    satisfaction = MetricKey.CUSTOMER_SATISFACTION in metrics
    split_columns = _split_columns(metrics[0])
    facts: QuerySet[Any] = (
        SatisfactionResponse.objects.visible_to(user)
        if satisfaction
        else SalesMonthTotal.objects.visible_to(user)
        if month_totals
        else SalesFact.objects.visible_to(user)
    )
    person_column = "salesperson_id" if satisfaction else "person_id"
    day_column = "responded_on" if satisfaction else "ordered_on"

    by_month = buckets_by_month(periods)
    if by_month:
        months = months_of_periods(periods)
        # A run of consecutive months reads as a range (kinder to the index) rather than a list.
        contiguous = _month_index(months[-1]) - _month_index(months[0]) == len(months) - 1
        time_filter = (
            Q(month__gte=months[0], month__lte=months[-1]) if contiguous else Q(month__in=months)
        )
        bucket_column = "month"
        per_period = [months_of(period) for period in periods]
        if sum(map(len, per_period)) == len(months) and len(months) > len(periods):
            # Periods that share no month (a quarter, a year, the months of a year) are
            # summed by the database: each month counts in its period's first month, so
            # a year is one bucket per subject instead of twelve.
            facts = facts.annotate(
                period_bucket=Case(
                    *(
                        When(month__gte=min(covered), month__lte=max(covered), then=min(covered))
                        for covered in per_period
                    ),
                    output_field=IntegerField(),
                )
            )
            bucket_column = "period_bucket"
    else:
        first = min(period.start for period in periods)
        last = max(period.end for period in periods)
        time_filter = Q(**{f"{day_column}__gte": first, f"{day_column}__lte": last})
        bucket_column = day_column

    if unit_scope is None:
        subjects = Q()
    else:
        subjects = Q(pk__in=[])
        if unit_scope:
            subjects |= Q(unit_id__in=sorted(unit_scope))
        if person_ids:
            subjects |= Q(**{f"{person_column}__in": person_ids})

    # People are grouped on only when someone asked about people; unit totals need no person.
    columns = [bucket_column, "unit_id"]
    if with_person:
        columns.append(person_column)
    split_fields = [split_columns[split] for split in split_by]
    columns += split_fields

    # One total and one count per metric. A metric that skips rows adding nothing (new
    # customers, order counts) filters them out when it is alone, and counts only its own
    # rows beside others; a cell exists for it where it counted some.
    annotations: dict[str, Any] = {}
    skip_zero = Q()
    for index, metric in enumerate(metrics):
        if month_totals:  # the totals count each metric's facts: rows without any add nothing
            total_column, count_column = TOTAL_MEASURES[metric]
            annotations[f"total_{index}"] = Sum(total_column)
            annotations[f"count_{index}"] = Sum(count_column)
            continue
        if satisfaction:
            measure, skip = Sum("score_normalized"), Q()
        else:
            measure, skip = _measure(metric, split_by)
        if len(metrics) == 1:
            skip_zero, skip = skip, Q()
        annotations[f"total_{index}"] = measure
        annotations[f"count_{index}"] = Count("id", filter=skip) if skip else Count("id")
    names = list(annotations)
    rows = (
        facts.filter(time_filter, subjects, skip_zero)
        .values(*columns)
        .annotate(**annotations)
        .order_by()
        .values_list(*columns, *names)
    )
    found: dict[MetricKey, list[Cell]] = {metric: [] for metric in metrics}
    lists = [found[metric] for metric in metrics]
    split_start = 3 if with_person else 2
    split_end = split_start + len(split_fields)
    tallies_start = split_end
    for row in rows:
        bucket, unit_id = row[0], row[1]
        person_id = row[2] if with_person else None
        split = tuple(row[split_start:split_end])
        for index, cells in enumerate(lists):
            count = int(row[tallies_start + 2 * index + 1] or 0)
            if count:
                total = row[tallies_start + 2 * index]
                cells.append(Cell(bucket, unit_id, person_id, Tally(int(total or 0), count), split))
    return found


def _years_in_totals(periods: Sequence[Period]) -> bool:
    """True when every period is a fiscal year the yearly totals are kept for."""
    if not all(period.kind is PeriodKind.YEAR for period in periods):
        return False
    start = totals.in_force()
    return start is not None and all(period.fiscal_start_month == start for period in periods)


def _months_in_totals(periods: Sequence[Period]) -> bool:
    """True when every period is whole months and the month totals are kept."""
    return buckets_by_month(periods) and totals.in_force() is not None


#: Per summed metric: the totals tables' sum and count columns (orders counted once each;
#: split by product line, an order counts once per product line in it instead).
TOTAL_MEASURES: Final[dict[MetricKey, tuple[str, str]]] = {
    MetricKey.REVENUE: ("revenue_cents", "facts_count"),
    MetricKey.GROSS_PROFIT: ("profit_cents", "facts_count"),
    MetricKey.ORDER_COUNT: ("order_share", "order_facts"),
    MetricKey.NEW_CUSTOMERS: ("new_customer_share", "new_customer_facts"),
}


def _cells_of_years(
    *,
    user: Any,
    metric: MetricKey,
    periods: Sequence[Period],
    split_by: Sequence[str],
    unit_scope: set[int] | None,
    person_ids: list[int],
    with_person: bool,
) -> list[Cell]:
    """`_cells` for whole fiscal years, from `SalesYearTotal` instead of the facts.

    The same grouping, filters and visibility; a year is a handful of rows per
    person instead of one per order line. Tallies are the facts' exactly (the
    totals are kept by the facts' triggers), and "no region / segment" is 0 there.
    """
    total_column, count_column = TOTAL_MEASURES[metric]
    if metric is MetricKey.ORDER_COUNT and "product_line" in split_by:
        total_column, count_column = "product_line_order_share", "product_line_order_facts"
    first_months = sorted({int(period.start.strftime("%Y%m")) for period in periods})
    # The years as a range, not a list: an equality on `first_month` makes SQLite (without
    # statistics) seek the slice index and read the whole company's years, where a unit's
    # or a person's own index (with the range) reads only theirs. Years between two asked
    # ones (a rare request) are read and dropped below.
    # Split by product line alone (or not at all), the product-line years: a tenth of the rows.
    table = SalesProductLineYearTotal if set(split_by) <= {"product_line"} else SalesYearTotal
    rows: QuerySet[Any] = table.objects.visible_to(user).filter(
        first_month__gte=first_months[0],
        first_month__lte=first_months[-1],
        **{f"{count_column}__gt": 0},
    )
    wanted = set(first_months)
    if unit_scope is not None:
        subjects = Q(pk__in=[])
        if unit_scope:
            subjects |= Q(unit_id__in=sorted(unit_scope))
        if person_ids:
            subjects |= Q(person_id__in=person_ids)
        rows = rows.filter(subjects)
    columns = ["first_month", "unit_id"]
    if with_person:
        columns.append("person_id")
    columns += [SPLIT_COLUMNS[split] for split in split_by]
    grouped = (
        rows.values(*columns)
        # Cast: PostgreSQL's SUM of a bigint is a numeric; tallies are ints.
        .annotate(
            total=Cast(Sum(total_column), BigIntegerField()),
            count=Cast(Sum(count_column), BigIntegerField()),
        )
        .order_by()
        .values_list(*columns, "total", "count")
    )
    # Read raw: a year of a large company by person and product line is over a hundred
    # thousand rows, and these columns need none of the ORM's converters.
    sql, params = grouped.query.sql_with_params()
    with connections[grouped.db].cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    if with_person and len(split_by) == 1:  # the usual request, spelled out: no inner loop
        return [
            Cell(year, unit_id, person_id, Tally(total, count), (split or None,))
            for year, unit_id, person_id, split, total, count in fetched
            if year in wanted
        ]
    split_start = 3 if with_person else 2
    split_end = split_start + len(split_by)
    return [
        Cell(
            row[0],
            row[1],
            row[2] if with_person else None,
            Tally(row[-2] or 0, row[-1] or 0),
            tuple(value or None for value in row[split_start:split_end]),
        )
        for row in fetched
        if row[0] in wanted
    ]


def _month_index(yyyymm: int) -> int:
    year, month = divmod(yyyymm, 100)
    return year * 12 + month - 1


# --- the actuals page ---------------------------------------------------------------------

#: The metrics with actual values, in the order pages offer them.
ACTUAL_METRICS: Final[tuple[MetricKey, ...]] = tuple(MetricKey)
#: The splits pages offer (the empty split: by member or child unit).
PAGE_SPLITS: Final[tuple[str, ...]] = ("product_line", "region", "segment", "")

SPLIT_MODELS: Final[dict[str, type[Any]]] = {
    "product_line": ProductLine,
    "region": Region,
    "segment": CustomerSegment,
}


def period_label(period: Period) -> str:
    """A short human name for a period: "Mar" / "三月", "Q1", "2026", "FY2026", "W10"."""
    if period.kind is PeriodKind.MONTH:
        return date_format(period.start, "M")
    if period.kind is PeriodKind.QUARTER:
        return _("Q%(number)s") % {"number": period.key[-1]}
    if period.kind is PeriodKind.WEEK:
        return _("W%(number)s") % {"number": period.key[-2:]}
    if period.fiscal_start_month != 1:
        return _("FY%(year)s") % {"year": period.key}
    return period.key


@dataclass
class TableRow:
    """One row of a table on the page: a label (and link), a value per period, the total."""

    label: str
    values: list[Decimal | None]
    total: Decimal | None
    count: int = 0  # satisfaction answers behind the total
    url_query: str = ""  # for a person or a sub-unit: the query string of its own actuals
    key: int | None = None
    group: bool = False  # a top-level product line (region, segment): the sum of its rows below
    depth: int = 0  # 1: a row inside a group


@dataclass
class ActualsPage:
    """Everything the actuals page shows, from one call of `actuals()`."""

    result: ActualsResult
    metric: MetricKey
    year: Period
    periods: list[Period]
    period_labels: list[str]
    split: str
    unit: OrgUnit | None
    person: Person | None
    total: TableRow
    split_rows: list[TableRow]
    #: The split's table: `split_rows`, under the top-level value each belongs to (with its
    #: sum) where the values form a tree, so that product families compare with targets set
    #: on them. The chart stacks `split_rows`.
    split_table_rows: list[TableRow]
    child_rows: list[TableRow]
    member_rows: list[TableRow]
    chart: dict[str, Any]
    decimals: int
    #: The people of a unit too large to list one by one (0: listed, or none).
    members_hidden: int = 0

    @property
    def metric_label(self) -> str:
        return str(Metric(self.metric.value).label)

    @property
    def year_label(self) -> str:
        return period_label(self.year)

    @property
    def subject_name(self) -> str:
        if self.person is not None:
            return self.person.display_name
        return self.unit.display_name if self.unit is not None else ""

    @property
    def is_empty(self) -> bool:
        return self.unit is None and self.person is None


def actuals_page(
    *,
    user: Any,
    metric: MetricKey | str,
    fiscal_year: int,
    period_kind: PeriodKind | str = PeriodKind.MONTH,
    unit_id: int | None = None,
    person_id: int | None = None,
    split: str = "product_line",
    fiscal_start_month: int | None = None,
    today: date | None = None,
) -> ActualsPage:
    """The page of one unit (with its child units and members) or one person, for a fiscal year.

    With neither unit nor person: the user's default (their team, the
    company, themselves). One aggregation for everything on the page. A period that has not
    begun by `today` has no value ("–"), not a zero that reads as nothing sold.
    """
    today = today or timezone.localdate()
    metric = MetricKey(metric)
    start_month = fiscal_start_month or settings.FISCAL_YEAR_START_MONTH
    year = year_period(fiscal_year, start_month)
    periods = periods_of_year(period_kind, fiscal_year, start_month)
    unit: OrgUnit | None = None
    person: Person | None = None
    if person_id is None and unit_id is None:
        unit_ids, person_ids = default_subjects(user=user)
        unit_id = unit_ids[0] if unit_ids else None
        person_id = person_ids[0] if person_ids and unit_id is None else None

    children: list[OrgUnit] = []
    members_hidden = 0
    if person_id is not None:
        subjects: dict[str, Any] = {"people": [person_id]}
    elif unit_id is not None:
        unit = _check_units(user, [unit_id])[0]
        children = list(OrgUnit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1))
        subjects = {"units": [unit.pk, *(child.pk for child in children)]}
        if children:  # a team lists its people whatever their number
            headcount = Person.objects.filter(
                unit__path__startswith=unit.path, is_active=True
            ).count()
            if headcount > MEMBERS_LISTED:
                members_hidden = headcount  # its sub-units are the way down to the people
        if not members_hidden:
            subjects["members_within"] = [unit.pk]
    else:
        subjects = {}
    # With no subject (a login without a person), `actuals` answers an empty result.
    result = actuals(
        user=user,
        metric=metric,
        periods=[*periods, year],
        split_by=[split] if split else [],
        **subjects,
    )
    if person_id is not None and result.people:
        person = result.people[0]

    def row(label: str, **subject: Any) -> TableRow:
        split_key = subject.pop("split", ())
        return TableRow(
            label=label,
            values=[
                result.value(period=period, split=split_key, **subject)
                if period.start <= today
                else None
                for period in periods
            ],
            total=result.value(period=year, split=split_key, **subject),
            count=result.tally(period=year, split=split_key, **subject).count,
        )

    subject: dict[str, Any] = (
        {"person": person} if person is not None else {"unit": unit} if unit is not None else {}
    )
    total = row(_("Total"), **subject) if subject else TableRow(_("Total"), [], None)

    split_rows: list[TableRow] = []
    split_table_rows: list[TableRow] = []
    if split and subject:
        items = _split_items(split, [key[0] for key in result.actuals.splits()])
        for key in result.actuals.splits():
            if result.tally(period=year, split=key, **subject) == Tally() and not any(
                result.tally(period=period, split=key, **subject) != Tally() for period in periods
            ):
                continue
            item = items.get(key[0])
            split_row = row(item.display_name if item else _("(none)"), split=key, **subject)
            split_row.key = key[0]
            split_rows.append(split_row)
        split_rows.sort(key=lambda item: (item.key is None, item.label))
        split_table_rows = split_rows
        if metric_definition(metric).roll_up is RollUp.SUM and metric is not MetricKey.ORDER_COUNT:
            # An order with two lines of one family counts once on each: never summed.
            split_table_rows = _grouped_rows(split, split_rows, items)

    child_rows = []
    for child in children:
        child_row = row(child.display_name, unit=child)
        child_row.url_query = f"unit={child.pk}"  # the way down to its people
        child_rows.append(child_row)
    member_rows: list[TableRow] = []
    if unit is not None and not members_hidden:
        member_rows = _member_rows(user, unit, result, row)

    chart_rows = split_rows or child_rows or member_rows
    definition = metric_definition(metric)
    chart = {
        "periods": [period_label(period) for period in periods],
        "stacked": definition.roll_up is RollUp.SUM,
        "series": [
            {"name": item.label, "data": [_number(value) for value in item.values]}
            for item in chart_rows
        ]
        or [{"name": total.label, "data": [_number(value) for value in total.values]}],
    }
    return ActualsPage(
        result=result,
        metric=metric,
        year=year,
        periods=periods,
        period_labels=[period_label(period) for period in periods],
        split=split,
        unit=unit,
        person=person,
        total=total,
        split_rows=split_rows,
        split_table_rows=split_table_rows,
        child_rows=child_rows,
        member_rows=member_rows,
        chart=chart,
        decimals=definition.decimals,
        members_hidden=members_hidden,
    )


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _split_items(split: str, ids: list[int | None]) -> dict[int | None, Any]:
    """The split's values (a product line, a region, a segment) by id, with names and paths."""
    model = SPLIT_MODELS[split]
    return {
        item.pk: item
        for item in model.objects.filter(pk__in=[pk for pk in ids if pk is not None]).only(
            "pk", "name", "name_en", "path"
        )
    }


def _summed(rows: Sequence[TableRow], index: int | None = None) -> Decimal | None:
    values = [row.total if index is None else row.values[index] for row in rows]
    present = [value for value in values if value is not None]
    return sum(present, Decimal(0)) if present else None


def _grouped_rows(split: str, rows: list[TableRow], items: dict[int | None, Any]) -> list[TableRow]:
    """`rows` under their top-level values, each group with its sum first (a top-level value
    with nothing below it stays one row); `rows` unchanged when nothing lies below the top."""
    model = SPLIT_MODELS[split]
    step = model.steplen
    top_of = {key: item.path[:step] for key, item in items.items()}
    below = {top_of[row.key] for row in rows if len(getattr(items.get(row.key), "path", "")) > step}
    if not below:
        return rows
    tops = {item.path: item for item in model.objects.filter(path__in=below)}
    groups: dict[str, list[TableRow]] = defaultdict(list)
    alone: list[TableRow] = []
    for row in rows:
        top = top_of.get(row.key)
        if top is not None and top in tops:
            row.depth = 1
            if items[row.key].path == top:
                # Booked on the group itself, not on a value below it: under the group's sum
                # its own name alone would read as a second copy of the group.
                row.label = _("%(name)s, booked on it directly") % {"name": row.label}
            groups[top].append(row)
        else:
            alone.append(row)
    heads = [
        (
            TableRow(
                label=tops[path].display_name,
                values=[_summed(members, index) for index in range(len(members[0].values))],
                total=_summed(members),
                key=tops[path].pk,
                group=True,
            ),
            members,
        )
        for path, members in groups.items()
    ]
    named = sorted(
        [*heads, *((row, []) for row in alone if row.key is not None)],
        key=lambda entry: entry[0].label,
    )
    return [row for head, members in named for row in (head, *members)] + [
        row
        for row in alone
        if row.key is None  # "(none)" stays last
    ]


#: Up to this many people in a unit with sub-units, the page lists what each of them sold;
#: above (a company of thousands), the sub-units lead to them.
MEMBERS_LISTED = 200


def _member_rows(user: Any, unit: OrgUnit, result: ActualsResult, row: Any) -> list[TableRow]:
    """Who sold what inside the unit: everyone with facts there, and its current members."""
    sellers = {
        subject.id
        for subject in result.actuals.subjects()
        if subject.kind == SubjectKind.PERSON and subject.within == unit.pk
    }
    people = Person.objects.filter(
        Q(pk__in=sellers)
        | Q(
            pk__in=Person.objects.visible_to(user).filter(
                unit__path__startswith=unit.path, is_active=True
            )
        )
    ).order_by("name")
    rows = []
    for person in people:
        member = row(person.display_name, person=person, within=unit)
        member.key = person.pk
        member.url_query = f"person={person.pk}"
        rows.append(member)
    return rows


# --- the small block other pages include ----------------------------------------------------

#: The metrics the summary block shows.
SUMMARY_METRICS: Final[tuple[MetricKey, ...]] = (
    MetricKey.REVENUE,
    MetricKey.GROSS_PROFIT,
    MetricKey.NEW_CUSTOMERS,
    MetricKey.CUSTOMER_SATISFACTION,
)


@dataclass(frozen=True)
class SummaryValue:
    metric: MetricKey
    value: Decimal | None
    count: int
    decimals: int

    @property
    def label(self) -> str:
        return str(Metric(self.metric.value).label)


@dataclass
class ActualsSummary:
    """A year's headline actuals of one unit or person, for a small block on other pages."""

    year: Period
    unit: OrgUnit | None
    person: Person | None
    values: list[SummaryValue]


def actuals_summary(
    *,
    user: Any,
    fiscal_year: int,
    unit_id: int | None = None,
    person_id: int | None = None,
) -> ActualsSummary:
    """The year's revenue, gross profit, new customers and satisfaction (one aggregation each)."""
    year = year_period(fiscal_year, settings.FISCAL_YEAR_START_MONTH)
    subjects: dict[str, list[int]] = {}
    if person_id is not None:
        subjects["people"] = [person_id]
    elif unit_id is not None:
        subjects["units"] = [unit_id]
    values = []
    unit: OrgUnit | None = None
    person: Person | None = None
    for metric in SUMMARY_METRICS:
        result = actuals(user=user, metric=metric, periods=[year], **subjects)  # type: ignore[arg-type]
        unit = result.units[0] if result.units else None
        person = result.people[0] if result.people and unit is None else None
        if not subjects:  # resolve the default once, then ask the same subject each time
            if unit is not None:
                subjects["units"] = [unit.pk]
            elif person is not None:
                subjects["people"] = [person.pk]
        if unit is None and person is None:
            return ActualsSummary(year=year, unit=None, person=None, values=[])
        tally = result.tally(period=year, unit=unit, person=person)
        values.append(
            SummaryValue(
                metric=metric,
                value=result.value(period=year, unit=unit, person=person),
                count=tally.count,
                decimals=metric_definition(metric).decimals,
            )
        )
    return ActualsSummary(year=year, unit=unit, person=person, values=values)
