"""History for allocation and phasing, read through the sales app's one actuals aggregation.

`allocation_history` makes ONE call of `salesalign.sales.selectors.actuals.actuals`
for every child and every year, split by the dimensions the allocation needs,
and folds dimension values (leaf product lines, provinces) into the values the
allocation uses (product lines, regions one level up). `monthly_history` reads
one subject's months for seasonality. The user's visibility applies: nobody
allocates on numbers they could not see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from salesalign.engines.metrics import MetricKey, SubjectKind
from salesalign.engines.periods import fiscal_year_of, months_of, periods_of_year, year_period
from salesalign.organization.models import CustomerSegment, OrgUnit, ProductLine, Region
from salesalign.sales.selectors.actuals import actuals, first_recorded_month

#: The model of each dimension axis.
DIMENSION_MODELS: dict[str, Any] = {
    "product_line": ProductLine,
    "region": Region,
    "segment": CustomerSegment,
}

Key = tuple[str | int, ...]


@dataclass(frozen=True)
class KeyHistory:
    """Per allocation key: year → raw tally, and year → the number of facts behind it."""

    totals: dict[Key, dict[int, int]]
    counts: dict[Key, dict[int, int]]


@dataclass(frozen=True)
class DimensionFold:
    """How the raw values of one dimension count for an allocation.

    `values` are the ids the allocation splits into (None when the dimension is
    not an axis); `within` is the id fixed by the parent slice (None if none).
    """

    name: str
    values: tuple[int, ...] | None
    within: int | None


def _fold_maps(folds: Sequence[DimensionFold]) -> dict[str, dict[int, int | None]]:
    """For each dimension: raw node id → the allocation value it counts for (None: not counted).

    A node counts when it lies under `within` (if any) and, for an axis, under
    one of its values.
    """
    maps: dict[str, dict[int, int | None]] = {}
    for fold in folds:
        nodes = list(DIMENSION_MODELS[fold.name].objects.values_list("pk", "path"))
        path_of = dict(nodes)
        within = path_of.get(fold.within) if fold.within is not None else None
        value_paths = {path_of[pk]: pk for pk in fold.values or () if pk in path_of}
        mapping: dict[int, int | None] = {}
        for pk, path in nodes:
            if within is not None and not path.startswith(within):
                mapping[pk] = None
                continue
            if fold.values is None:
                mapping[pk] = fold.within if fold.within is not None else 0
                continue
            mapping[pk] = next(
                (value for prefix, value in value_paths.items() if path.startswith(prefix)), None
            )
        maps[fold.name] = mapping
    return maps


def _folded(
    split: Sequence[int | None],
    folds: Sequence[DimensionFold],
    maps: Mapping[str, Mapping[int, int | None]],
    axes: Sequence[str],
) -> tuple[int, ...] | None:
    """The values a raw split counts for along `axes` (None when it does not count)."""
    folded: dict[str, int] = {}
    for fold, raw in zip(folds, split, strict=True):
        value = maps[fold.name].get(raw) if raw is not None else None
        if value is None:
            return None
        folded[fold.name] = value
    return tuple(folded[axis] for axis in axes)


def first_complete_year(fiscal_start_month: int) -> int | None:
    """The first fiscal year the sales records cover from its first month (None: no records).

    A company that brought in its history from, say, November 2023 has only two months of
    that year: counted as a year, it reads as a leap in every unit's trend."""
    first = first_recorded_month()
    if first is None:
        return None
    year, month = divmod(first, 100)
    fiscal_year = fiscal_year_of(date(year, month, 1), fiscal_start_month)
    start = year_period(fiscal_year, fiscal_start_month).start
    return fiscal_year if (start.year, start.month) == (year, month) else fiscal_year + 1


def complete_years_only(history: Mapping[int, int], first_complete: int | None) -> dict[int, int]:
    """`history` (year → value) without the years the records cover only in part."""
    if first_complete is None:
        return dict(history)
    return {year: value for year, value in history.items() if year >= first_complete}


def years_at_work(
    history: Mapping[int, int], hired: date | None, fiscal_start_month: int
) -> dict[int, int]:
    """`history` of a person without the fiscal years they joined during: half a year's sales
    read as a year's make next year's target look like +1,500 %."""
    if hired is None:
        return dict(history)
    return {
        year: value for year, value in history.items() if date(year, fiscal_start_month, 1) >= hired
    }


def child_token(*, unit_id: int | None = None, person_id: int | None = None) -> str:
    """How a child unit or person is named in allocation keys: "u12" or "p7"."""
    return f"u{unit_id}" if unit_id is not None else f"p{person_id}"


def allocation_history(
    *,
    user: Any,
    metric: MetricKey,
    fiscal_years: Iterable[int],
    fiscal_start_month: int,
    unit_ids: Sequence[int],
    person_ids: Sequence[int],
    axes: Sequence[str],
    folds: Sequence[DimensionFold],
) -> KeyHistory:
    """Actual tallies (and how many facts made them) per allocation key and fiscal year,
    from one aggregation.

    Keys follow `axes`: "child" is the child token, a dimension its folded
    value. Raw tallies are the metric's integers (cents, basis points of an order).
    """
    years = sorted(set(fiscal_years))
    history: dict[Key, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    counts: dict[Key, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    if not years or (not unit_ids and not person_ids):
        return KeyHistory({}, {})
    periods = [year_period(year, fiscal_start_month) for year in years]
    year_of = {period.key: year for period, year in zip(periods, years, strict=True)}
    split_by = [fold.name for fold in folds]
    result = actuals(
        user=user,
        metric=metric,
        periods=periods,
        units=list(unit_ids),
        people=list(person_ids),
        include_subtree=True,
        split_by=split_by,
    )
    maps = _fold_maps(folds)
    # Tens of thousands of tallies name a few thousand subjects and a few dozen splits: each
    # subject's token and each split's place in the keys is worked out once.
    child_at = list(axes).index("child") if "child" in axes else None
    dimension_axes = [axis for axis in axes if axis != "child"]
    unit_tokens: dict[int, str] = {}
    person_tokens: dict[int, str] = {}
    rest_of: dict[Any, tuple[int, ...] | None] = {}
    for (subject, period_key, split), tally in result.actuals.tallies.items():
        if subject.within is not None or bool(split) != bool(split_by):
            continue
        if split in rest_of:
            rest = rest_of[split]
        else:
            rest = rest_of[split] = _folded(split, folds, maps, dimension_axes)
        if rest is None:
            continue
        is_unit = subject.kind == SubjectKind.UNIT
        tokens = unit_tokens if is_unit else person_tokens
        token = tokens.get(subject.id)
        if token is None:
            token = tokens[subject.id] = (
                child_token(unit_id=subject.id) if is_unit else child_token(person_id=subject.id)
            )
        key: Key = rest
        if child_at is not None:
            key = (*rest[:child_at], token, *rest[child_at:])
        year = year_of[period_key]
        history[key][year] += tally.total
        counts[key][year] += tally.count
    return KeyHistory(
        totals={key: dict(years_of) for key, years_of in history.items()},
        counts={key: dict(years_of) for key, years_of in counts.items()},
    )


def monthly_history(
    *,
    user: Any,
    metric: MetricKey,
    fiscal_years: Iterable[int],
    fiscal_start_month: int,
    product_line: ProductLine | None = None,
    unit: OrgUnit | None = None,
) -> dict[int, int]:
    """A unit's (default: the company's) monthly tallies (yyyymm → raw) over whole fiscal years,
    only of one product line (and the lines below it) when given."""
    months = [
        period
        for year in sorted(set(fiscal_years))
        for period in periods_of_year("month", year, fiscal_start_month)
    ]
    if not months:
        return {}
    root = unit or OrgUnit.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return {}
    folds = [DimensionFold("product_line", None, product_line.pk)] if product_line else []
    result = actuals(
        user=user,
        metric=metric,
        periods=months,
        units=[root.pk],
        split_by=[fold.name for fold in folds],
    )
    maps = _fold_maps(folds)
    monthly: dict[int, int] = {months_of(period)[0]: 0 for period in months}
    month_of = {period.key: months_of(period)[0] for period in months}
    for (subject, period_key, split), tally in result.actuals.tallies.items():
        if subject.kind != SubjectKind.UNIT or subject.within is not None:
            continue
        if folds:
            if not split or maps["product_line"].get(split[0]) is None:  # type: ignore[arg-type]
                continue
        elif split:
            continue
        monthly[month_of[period_key]] += tally.total
    return monthly


def dimension_values_below(name: str, within: int | None) -> list[int]:
    """The values a dimension splits into: the children of `within`, or else the first level of
    the tree that branches (a single country splits into its regions)."""
    model = DIMENSION_MODELS[name]
    nodes = list(model.objects.filter(is_active=True).values_list("pk", "path", "depth"))
    if within is not None:
        parent = next((node for node in nodes if node[0] == within), None)
        if parent is None:
            return []
        return [
            pk for pk, path, depth in nodes if path.startswith(parent[1]) and depth == parent[2] + 1
        ]
    level = [node for node in nodes if node[2] == 1]
    while len(level) == 1:
        below = [
            node for node in nodes if node[1].startswith(level[0][1]) and node[2] == level[0][2] + 1
        ]
        if not below:
            break
        level = below
    return [pk for pk, _path, _depth in level]


def history_in_minor_units(
    history: Mapping[Key, Mapping[int, int]], convert: Any
) -> dict[Key, dict[int, int]]:
    """The same history with every tally converted (e.g. basis points of an order → orders)."""
    return {
        key: {year: convert(value) for year, value in years.items()}
        for key, years in history.items()
    }
