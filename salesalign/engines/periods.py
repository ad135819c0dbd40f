"""Periods: years, quarters, months and weeks, with a configurable first month of the fiscal year.

The one module that knows period boundaries. Everything is pure: dates in,
periods out; "today" is whatever date the caller passes.

Conventions (chosen once, used everywhere):

- A **fiscal year** starts on the first day of `fiscal_start_month` and is
  named by the calendar year it *starts* in. With the first month April,
  fiscal year 2026 runs from 2026-04-01 to 2027-03-31 (the Japanese and
  Indian convention; the US federal government names its years by the end
  year instead — we do not). With the first month January (the default, and
  the Chinese statutory year) the fiscal year is the calendar year.
- **Quarters** are fiscal: Q1 is the first three months of the fiscal year.
- **Months** are calendar months; their key never depends on the fiscal year.
- **Weeks** are ISO 8601 weeks (Monday to Sunday) keyed by the ISO year; a
  week may straddle two months and two years.

Keys: ``"2026"`` (fiscal year), ``"2026-Q1"`` (fiscal quarter), ``"2026-03"``
(calendar month), ``"2026-W10"`` (ISO week). Months are also written as
integers ``yyyymm`` (202603) — the form the facts tables store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class PeriodKind(StrEnum):
    """How long a period is."""

    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"
    WEEK = "week"


#: Calendar months in one period of each kind (weeks are not made of months).
MONTHS_IN: dict[PeriodKind, int] = {
    PeriodKind.YEAR: 12,
    PeriodKind.QUARTER: 3,
    PeriodKind.MONTH: 1,
}


@dataclass(frozen=True, order=True)
class Period:
    """A span of days, both ends included, with its key (e.g. "2026-Q1").

    Periods sort by start, then end (a year sorts before its first quarter).
    `fiscal_start_month` matters for years and quarters only; it is 1 for
    months and weeks.
    """

    start: date
    end: date
    kind: PeriodKind
    key: str
    fiscal_start_month: int = 1

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period {self.key} ends before it starts")

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        """True when `day` lies inside the period."""
        return self.start <= day <= self.end

    @property
    def is_month_aligned(self) -> bool:
        """True when the period is made of whole calendar months (every kind but week)."""
        return self.start.day == 1 and (self.end + timedelta(days=1)).day == 1


# --- months as integers ------------------------------------------------------------------


def month_number(day: date) -> int:
    """The month of a date as yyyymm (2026-03-05 → 202603)."""
    return day.year * 100 + day.month


def month_start(yyyymm: int) -> date:
    """The first day of a yyyymm month."""
    year, month = divmod(yyyymm, 100)
    if not 1 <= month <= 12:
        raise ValueError(f"not a yyyymm month: {yyyymm}")
    return date(year, month, 1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after the month of `day`."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    return date(year, month0 + 1, 1)


def _month_end(first: date) -> date:
    return add_months(first, 1) - timedelta(days=1)


def _check_fiscal_start_month(fiscal_start_month: int) -> None:
    if not 1 <= fiscal_start_month <= 12:
        raise ValueError(f"the fiscal year must start in a month 1–12, not {fiscal_start_month}")


# --- building periods --------------------------------------------------------------------


def fiscal_year_of(day: date, fiscal_start_month: int = 1) -> int:
    """The fiscal year a date falls in (named by the calendar year the fiscal year starts in)."""
    _check_fiscal_start_month(fiscal_start_month)
    return day.year if day.month >= fiscal_start_month else day.year - 1


def year_period(fiscal_year: int, fiscal_start_month: int = 1) -> Period:
    """Fiscal year `fiscal_year`: twelve months from its first month."""
    _check_fiscal_start_month(fiscal_start_month)
    start = date(fiscal_year, fiscal_start_month, 1)
    return Period(
        start=start,
        end=add_months(start, 12) - timedelta(days=1),
        kind=PeriodKind.YEAR,
        key=f"{fiscal_year:04d}",
        fiscal_start_month=fiscal_start_month,
    )


def quarter_period(fiscal_year: int, quarter: int, fiscal_start_month: int = 1) -> Period:
    """Quarter 1–4 of a fiscal year."""
    _check_fiscal_start_month(fiscal_start_month)
    if not 1 <= quarter <= 4:
        raise ValueError(f"a quarter is 1–4, not {quarter}")
    start = add_months(date(fiscal_year, fiscal_start_month, 1), 3 * (quarter - 1))
    return Period(
        start=start,
        end=add_months(start, 3) - timedelta(days=1),
        kind=PeriodKind.QUARTER,
        key=f"{fiscal_year:04d}-Q{quarter}",
        fiscal_start_month=fiscal_start_month,
    )


def month_period(year: int, month: int) -> Period:
    """Calendar month `month` of `year`."""
    start = date(year, month, 1)
    return Period(
        start=start, end=_month_end(start), kind=PeriodKind.MONTH, key=f"{year:04d}-{month:02d}"
    )


def week_period(iso_year: int, iso_week: int) -> Period:
    """ISO week `iso_week` of ISO year `iso_year` (Monday to Sunday)."""
    start = date.fromisocalendar(iso_year, iso_week, 1)
    return Period(
        start=start,
        end=start + timedelta(days=6),
        kind=PeriodKind.WEEK,
        key=f"{iso_year:04d}-W{iso_week:02d}",
    )


def period_containing(day: date, kind: PeriodKind | str, fiscal_start_month: int = 1) -> Period:
    """The period of `kind` that contains `day`."""
    kind = PeriodKind(kind)
    if kind is PeriodKind.MONTH:
        return month_period(day.year, day.month)
    if kind is PeriodKind.WEEK:
        iso = day.isocalendar()
        return week_period(iso.year, iso.week)
    fiscal_year = fiscal_year_of(day, fiscal_start_month)
    if kind is PeriodKind.YEAR:
        return year_period(fiscal_year, fiscal_start_month)
    months_into_year = (day.month - fiscal_start_month) % 12
    return quarter_period(fiscal_year, months_into_year // 3 + 1, fiscal_start_month)


def periods_in(
    kind: PeriodKind | str, start: date, end: date, fiscal_start_month: int = 1
) -> list[Period]:
    """Every period of `kind` that overlaps the days `start`..`end` (inclusive), in order."""
    if end < start:
        raise ValueError("the span ends before it starts")
    kind = PeriodKind(kind)
    periods = [period_containing(start, kind, fiscal_start_month)]
    while periods[-1].end < end:
        periods.append(shifted(periods[-1], 1))
    return periods


def periods_of_year(
    kind: PeriodKind | str, fiscal_year: int, fiscal_start_month: int = 1
) -> list[Period]:
    """The months, quarters (or overlapping weeks) of a fiscal year, or the year itself."""
    year = year_period(fiscal_year, fiscal_start_month)
    return periods_in(kind, year.start, year.end, fiscal_start_month)


def shifted(period: Period, steps: int) -> Period:
    """The period `steps` periods of the same kind later (earlier when negative)."""
    if period.kind is PeriodKind.WEEK:
        return period_containing(period.start + timedelta(weeks=steps), PeriodKind.WEEK)
    start = add_months(period.start, MONTHS_IN[period.kind] * steps)
    return period_containing(start, period.kind, period.fiscal_start_month)


def months_of(period: Period) -> list[int]:
    """The calendar months (yyyymm) the period overlaps, in order."""
    months: list[int] = []
    first = date(period.start.year, period.start.month, 1)
    while first <= period.end:
        months.append(month_number(first))
        first = add_months(first, 1)
    return months


_KEY_PATTERNS: tuple[tuple[re.Pattern[str], PeriodKind], ...] = (
    (re.compile(r"^(\d{4})$"), PeriodKind.YEAR),
    (re.compile(r"^(\d{4})-Q([1-4])$"), PeriodKind.QUARTER),
    (re.compile(r"^(\d{4})-(\d{2})$"), PeriodKind.MONTH),
    (re.compile(r"^(\d{4})-W(\d{2})$"), PeriodKind.WEEK),
)


def parse_period_key(key: str, fiscal_start_month: int = 1) -> Period:
    """The period a key names ("2026", "2026-Q1", "2026-03", "2026-W10"); ValueError if none."""
    text = key.strip().upper()
    for pattern, kind in _KEY_PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        year = int(match.group(1))
        if kind is PeriodKind.YEAR:
            return year_period(year, fiscal_start_month)
        number = int(match.group(2))
        if kind is PeriodKind.QUARTER:
            return quarter_period(year, number, fiscal_start_month)
        if kind is PeriodKind.MONTH:
            if not 1 <= number <= 12:
                break
            return month_period(year, number)
        try:
            return week_period(year, number)
        except ValueError:
            break
    raise ValueError(f"not a period key: {key!r}")
