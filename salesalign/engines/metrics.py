"""Metrics: what is counted, how a raw total becomes a value, and how values roll up.

The aggregation in the database produces *cells*: integer tallies for one
time bucket (a yyyymm month or a date), one credit unit, one person (or none)
and optional split coordinates (product line, region, segment). This engine
maps buckets to the requested periods and rolls cells up to the requested
subjects — units (alone or with their subtree, by the unit each fact was
credited to) and people.

How metrics combine:
- revenue, gross profit, order count and new customers are *additive*: a
  group's value is the sum of its members' (a department's revenue is the sum
  of its teams').
- customer satisfaction is a *weighted average*: the sum of the normalized
  scores divided by the number of responses, over every response in the
  group. It never sums, and a unit's value is not the average of its teams'
  averages.

Numbers come in as integers — cents, basis points of an order (10,000 = one
order), normalized scores ×100 — so nothing is lost before the last step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import NamedTuple

from salesalign.engines.periods import Period, months_of


class MetricKey(StrEnum):
    """The metrics with actual values computed from facts."""

    REVENUE = "revenue"
    GROSS_PROFIT = "gross_profit"
    ORDER_COUNT = "order_count"
    NEW_CUSTOMERS = "new_customers"
    CUSTOMER_SATISFACTION = "customer_satisfaction"


class RollUp(StrEnum):
    """How values of members make the value of a group."""

    SUM = "sum"
    WEIGHTED_AVERAGE = "weighted_average"


@dataclass(frozen=True)
class MetricDefinition:
    """How a metric's integer tally turns into a value, and how it rolls up."""

    key: MetricKey
    roll_up: RollUp
    divisor: int  # raw units per value unit: 100 cents, 10,000 basis points, 100 score points
    decimals: int  # places of the value
    is_money: bool = False


METRICS: dict[MetricKey, MetricDefinition] = {
    MetricKey.REVENUE: MetricDefinition(
        MetricKey.REVENUE, RollUp.SUM, divisor=100, decimals=2, is_money=True
    ),
    MetricKey.GROSS_PROFIT: MetricDefinition(
        MetricKey.GROSS_PROFIT, RollUp.SUM, divisor=100, decimals=2, is_money=True
    ),
    # Split credits give fractions of an order: 2,500 basis points is a quarter of one.
    MetricKey.ORDER_COUNT: MetricDefinition(
        MetricKey.ORDER_COUNT, RollUp.SUM, divisor=10_000, decimals=4
    ),
    MetricKey.NEW_CUSTOMERS: MetricDefinition(
        MetricKey.NEW_CUSTOMERS, RollUp.SUM, divisor=10_000, decimals=4
    ),
    # Scores are normalized to the 1–5 scale ×100, so a 4.5 is 450.
    MetricKey.CUSTOMER_SATISFACTION: MetricDefinition(
        MetricKey.CUSTOMER_SATISFACTION, RollUp.WEIGHTED_AVERAGE, divisor=100, decimals=2
    ),
}


def metric_definition(metric: MetricKey | str) -> MetricDefinition:
    """The definition of a metric; ValueError for a metric without actuals."""
    return METRICS[MetricKey(metric)]


class Tally(NamedTuple):
    """An integer total and how many facts (or responses) made it; tallies add up exactly.

    A named tuple (made once per aggregated row, hundreds of thousands per request);
    `+` adds totals and counts, it does not concatenate.
    """

    total: int = 0
    count: int = 0  # type: ignore[assignment]  # the field hides tuple.count, unused here

    def __add__(self, other: object) -> Tally:  # type: ignore[override]
        if not isinstance(other, Tally):
            return NotImplemented
        return Tally(self.total + other.total, self.count + other.count)


ZERO = Tally()


def value_of(metric: MetricKey | str, tally: Tally) -> Decimal | None:
    """The value of a tally: a sum scaled to its unit, or a weighted average.

    An average over no responses is None (no value), not zero; a sum over no
    facts is zero.
    """
    definition = metric_definition(metric)
    quantum = Decimal(1).scaleb(-definition.decimals)
    if definition.roll_up is RollUp.WEIGHTED_AVERAGE:
        if tally.count == 0:
            return None
        raw = Decimal(tally.total) / (Decimal(tally.count) * definition.divisor)
    else:
        raw = Decimal(tally.total) / definition.divisor
    return raw.quantize(quantum, rounding=ROUND_HALF_UP)


def combine(tallies: Iterable[Tally]) -> Tally:
    """The tally of a group: totals and counts add (an average is taken only at the end)."""
    total = 0
    count = 0
    for tally in tallies:
        total += tally.total
        count += tally.count
    return Tally(total, count)


# --- subjects and cells -------------------------------------------------------------------


class SubjectKind(StrEnum):
    UNIT = "unit"
    PERSON = "person"


@dataclass(frozen=True, order=True)
class Subject:
    """Whose value: a unit, a person, or a person counted only within a unit's subtree."""

    kind: SubjectKind
    id: int
    within: int | None = None  # for a person: only the facts credited inside this unit's subtree

    @classmethod
    def unit(cls, unit_id: int) -> Subject:
        return cls(SubjectKind.UNIT, unit_id)

    @classmethod
    def person(cls, person_id: int, *, within: int | None = None) -> Subject:
        return cls(SubjectKind.PERSON, person_id, within)


SplitKey = tuple[int | None, ...]
Bucket = int | date  # a yyyymm month, or a day when some period is not whole months


class Cell(NamedTuple):
    """One row of the aggregation: a tally for a bucket, a credit unit, a person and a split.

    A named tuple, not a dataclass: a year of a large company is hundreds of
    thousands of cells, made and read once each.
    """

    bucket: Bucket
    unit_id: int
    person_id: int | None
    tally: Tally
    split: SplitKey = ()


@dataclass(frozen=True)
class ActualValue:
    """One value of the result: subject × period × split."""

    subject: Subject
    period_key: str
    split: SplitKey
    value: Decimal | None
    count: int


@dataclass
class Actuals:
    """The rolled-up tallies of one request, addressed by (subject, period key, split).

    The split () is the total over every split value, so a page can show the
    rows of a split and their total from the same result.
    """

    metric: MetricKey
    period_keys: tuple[str, ...]
    tallies: dict[tuple[Subject, str, SplitKey], Tally] = field(default_factory=dict)

    def tally(self, subject: Subject, period_key: str, split: SplitKey = ()) -> Tally:
        return self.tallies.get((subject, period_key, split), ZERO)

    def value(self, subject: Subject, period_key: str, split: SplitKey = ()) -> Decimal | None:
        """The value of one slice (zero for sums with no facts; None for an empty average)."""
        return value_of(self.metric, self.tally(subject, period_key, split))

    def subjects(self) -> list[Subject]:
        return sorted({subject for subject, _period, _split in self.tallies})

    def splits(self) -> list[SplitKey]:
        """The split values seen in the result (without the total ()), in a stable order."""
        found = {split for _subject, _period, split in self.tallies if split}
        return sorted(found, key=lambda key: tuple((value is None, value or 0) for value in key))

    def values(self) -> list[ActualValue]:
        """Every non-empty slice, ordered by subject, period (as requested) and split."""
        order = {key: index for index, key in enumerate(self.period_keys)}
        rows = [
            ActualValue(subject, period_key, split, value_of(self.metric, tally), tally.count)
            for (subject, period_key, split), tally in self.tallies.items()
        ]
        rows.sort(
            key=lambda row: (
                row.subject,
                order.get(row.period_key, len(order)),
                tuple((value is None, value or 0) for value in row.split),
            )
        )
        return rows


def bucket_periods(buckets: Iterable[Bucket], periods: Sequence[Period]) -> dict[Bucket, list[str]]:
    """For each bucket, the keys of the requested periods it belongs to (periods may overlap).

    A month bucket belongs to every period that covers the whole month; only
    whole-month periods may be asked of month buckets.
    """
    month_periods: dict[int, list[str]] = defaultdict(list)
    for period in periods:
        if period.is_month_aligned:
            for month in months_of(period):
                month_periods[month].append(period.key)
    mapping: dict[Bucket, list[str]] = {}
    for bucket in buckets:
        if isinstance(bucket, date):
            mapping[bucket] = [period.key for period in periods if period.contains(bucket)]
        else:
            mapping[bucket] = month_periods.get(bucket, [])
    return mapping


def buckets_by_month(periods: Sequence[Period]) -> bool:
    """True when every period is whole months, so monthly facts answer them exactly."""
    return all(period.is_month_aligned for period in periods)


def months_of_periods(periods: Sequence[Period]) -> list[int]:
    """Every month (yyyymm) any of the periods touches, in order, once."""
    return sorted({month for period in periods for month in months_of(period)})


class _Covering:
    """Which of the requested units count a credit unit's cells: the unit itself and, with
    subtrees, every requested unit whose path is a prefix of its path (in requested order)."""

    def __init__(self, requested: Sequence[int], paths: Mapping[int, str], *, subtree: bool):
        self.requested = list(dict.fromkeys(requested))  # a unit asked for twice counts once
        self.by_id: dict[int, list[int]] = {}
        self.by_path: dict[str, list[int]] = {}
        for position, unit_id in enumerate(self.requested):
            self.by_id.setdefault(unit_id, []).append(position)
            path = paths.get(unit_id)
            if subtree and path is not None:
                self.by_path.setdefault(path, []).append(position)
        self.lengths = sorted({len(path) for path in self.by_path})

    def of(self, unit_id: int, path: str | None) -> list[int]:
        positions = set(self.by_id.get(unit_id, ()))
        if path is not None:
            for length in self.lengths:
                if length > len(path):
                    break
                positions.update(self.by_path.get(path[:length], ()))
        return [self.requested[position] for position in sorted(positions)]


def roll_up(
    *,
    metric: MetricKey | str,
    cells: Iterable[Cell],
    periods: Sequence[Period],
    unit_paths: Mapping[int, str],
    units: Sequence[int] = (),
    people: Sequence[int] = (),
    include_subtree: bool = True,
    members_within: Sequence[int] = (),
) -> Actuals:
    """Roll cells up to the requested subjects and periods.

    - `units`: each unit's value is the tally of the cells credited to it, and
      with `include_subtree` to every unit below it (`unit_paths` gives each
      unit's tree path; a cell whose unit has no path counts for no unit).
    - `people`: each person's value is the tally of all their cells, whatever
      unit they were credited in.
    - `members_within`: for each of these units, one value per person with
      cells credited inside its subtree (`Subject.person(id, within=unit)`):
      who sold what in that unit, transfers included.
    Every value exists for split () (the total) and, when cells carry a
    split, per split value.
    """
    metric = MetricKey(metric)
    actuals = Actuals(metric=metric, period_keys=tuple(period.key for period in periods))
    cell_list = list(cells)
    bucket_map = bucket_periods({cell.bucket for cell in cell_list}, periods)
    wanted_people = set(people)

    # Which requested units (and member tables) a credit unit counts for, worked out once per
    # unit by looking up the prefixes of its path: thousands of requested teams would make a
    # comparison with each of them quadratic in the size of the company.
    covering_units = _Covering(units, unit_paths, subtree=include_subtree)
    covering_members = _Covering(members_within, unit_paths, subtree=True)
    unit_subjects: dict[int, list[Subject]] = {}
    member_scopes: dict[int, list[int]] = {}

    def subjects_of_unit(unit_id: int) -> list[Subject]:
        found = unit_subjects.get(unit_id)
        if found is None:
            found = unit_subjects[unit_id] = [
                Subject.unit(requested)
                for requested in covering_units.of(unit_id, unit_paths.get(unit_id))
            ]
        return found

    def member_units_of(unit_id: int) -> list[int]:
        found = member_scopes.get(unit_id)
        if found is None:
            found = member_scopes[unit_id] = covering_members.of(unit_id, unit_paths.get(unit_id))
        return found

    # Subjects are numbered while adding up: an int key hashes in C, a Subject in Python.
    numbered: dict[Subject, int] = {}
    subject_list: list[Subject] = []

    def number(subject: Subject) -> int:
        found = numbered.get(subject)
        if found is None:
            found = numbered[subject] = len(subject_list)
            subject_list.append(subject)
        return found

    credit_numbers: dict[int, tuple[int, ...]] = {}
    person_numbers: dict[tuple[int, int], tuple[int, ...]] = {}

    def unit_numbers(unit_id: int) -> tuple[int, ...]:
        found = credit_numbers.get(unit_id)
        if found is None:
            found = credit_numbers[unit_id] = tuple(
                number(subject) for subject in subjects_of_unit(unit_id)
            )
        return found

    def person_numbers_of(unit_id: int, person_id: int) -> tuple[int, ...]:
        key = (unit_id, person_id)
        found = person_numbers.get(key)
        if found is None:
            people_found = [Subject.person(person_id)] if person_id in wanted_people else []
            people_found += [
                Subject.person(person_id, within=within) for within in member_units_of(unit_id)
            ]
            found = person_numbers[key] = tuple(map(number, people_found))
        return found

    sums: dict[tuple[int, str, SplitKey], list[int]] = {}

    def add(
        numbers: tuple[int, ...], period_key: str, split: SplitKey, total: int, count: int
    ) -> None:
        splits: tuple[SplitKey, ...] = ((), split) if split else ((),)
        for subject_number in numbers:
            for split_key in splits:
                key = (subject_number, period_key, split_key)
                found = sums.get(key)
                if found is None:
                    sums[key] = [total, count]
                else:
                    found[0] += total
                    found[1] += count

    # Two stages: the cells of a credit unit are first added up across its people (a year of a
    # large company is a hundred thousand cells but a few thousand units), and each unit's sums
    # then go to the requested units that cover it; people take their cells directly.
    by_credit_unit: dict[tuple[int, str, SplitKey], list[int]] = {}
    for bucket, unit_id, person_id, tally, split in cell_list:
        period_keys = bucket_map[bucket]
        if not period_keys:
            continue
        total, count = tally.total, tally.count
        people = person_numbers_of(unit_id, person_id) if person_id is not None else ()
        for period_key in period_keys:
            unit_key = (unit_id, period_key, split)
            found = by_credit_unit.get(unit_key)
            if found is None:
                by_credit_unit[unit_key] = [total, count]
            else:
                found[0] += total
                found[1] += count
            if people:
                add(people, period_key, split, total, count)
    for (unit_id, period_key, split), (total, count) in by_credit_unit.items():
        numbers = unit_numbers(unit_id)
        if numbers:
            add(numbers, period_key, split, total, count)
    actuals.tallies = {
        (subject_list[subject_number], period_key, split_key): Tally(total, count)
        for (subject_number, period_key, split_key), (total, count) in sums.items()
    }
    return actuals
