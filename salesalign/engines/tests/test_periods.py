"""Periods: fiscal years with any first month, quarters, calendar months, ISO weeks."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesalign.engines.periods import (
    Period,
    PeriodKind,
    fiscal_year_of,
    month_period,
    months_of,
    parse_period_key,
    period_containing,
    periods_in,
    periods_of_year,
    quarter_period,
    shifted,
    week_period,
    year_period,
)

fiscal_start_months = st.integers(min_value=1, max_value=12)
fiscal_years = st.integers(min_value=1990, max_value=2100)
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
kinds = st.sampled_from(list(PeriodKind))


def assert_partition(parts: list[Period], whole_start: date, whole_end: date) -> None:
    assert parts[0].start == whole_start
    assert parts[-1].end == whole_end
    for before, after in pairwise(parts):
        assert after.start == before.end + timedelta(days=1)


def test_a_calendar_fiscal_year_is_the_calendar_year():
    year = year_period(2026)
    assert (year.start, year.end, year.key) == (date(2026, 1, 1), date(2026, 12, 31), "2026")


def test_a_fiscal_year_is_named_by_the_calendar_year_it_starts_in():
    year = year_period(2026, fiscal_start_month=4)
    assert (year.start, year.end) == (date(2026, 4, 1), date(2027, 3, 31))
    assert fiscal_year_of(date(2027, 3, 31), 4) == 2026
    assert fiscal_year_of(date(2027, 4, 1), 4) == 2027


def test_fiscal_quarters_start_in_the_first_month_of_the_fiscal_year():
    first = quarter_period(2026, 1, fiscal_start_month=4)
    last = quarter_period(2026, 4, fiscal_start_month=4)
    assert (first.start, first.end, first.key) == (date(2026, 4, 1), date(2026, 6, 30), "2026-Q1")
    assert (last.start, last.end, last.key) == (date(2027, 1, 1), date(2027, 3, 31), "2026-Q4")


def test_month_keys_are_calendar_months_whatever_the_fiscal_year():
    assert period_containing(date(2026, 3, 9), "month", 4).key == "2026-03"
    assert months_of(month_period(2026, 3)) == [202603]


def test_weeks_are_iso_weeks_from_monday_to_sunday():
    week = period_containing(date(2026, 3, 5), PeriodKind.WEEK)
    assert (week.key, week.start, week.end) == ("2026-W10", date(2026, 3, 2), date(2026, 3, 8))
    # ISO week 1 of 2026 starts on Monday 29 December 2025.
    assert week_period(2026, 1).start == date(2025, 12, 29)


def test_a_week_across_two_months_touches_both():
    assert months_of(week_period(2026, 5)) == [202601, 202602]  # 26 Jan – 1 Feb 2026


def test_periods_in_lists_every_period_overlapping_the_span():
    keys = [p.key for p in periods_in("quarter", date(2026, 2, 15), date(2026, 7, 1))]
    assert keys == ["2026-Q1", "2026-Q2", "2026-Q3"]


def test_periods_in_refuses_a_span_that_ends_before_it_starts():
    with pytest.raises(ValueError):
        periods_in("month", date(2026, 2, 1), date(2026, 1, 1))


@pytest.mark.parametrize("bad", ["2026-13", "2026-Q5", "26", "2026-W54", "Q1-2026", ""])
def test_parse_period_key_rejects_what_is_not_a_period(bad):
    with pytest.raises(ValueError):
        parse_period_key(bad)


def test_a_fiscal_start_month_outside_1_to_12_is_refused():
    with pytest.raises(ValueError):
        year_period(2026, fiscal_start_month=13)


@given(fiscal_years, fiscal_start_months)
def test_the_months_of_a_fiscal_year_partition_it(fiscal_year, fiscal_start_month):
    year = year_period(fiscal_year, fiscal_start_month)
    months = periods_of_year("month", fiscal_year, fiscal_start_month)
    assert len(months) == 12
    assert_partition(months, year.start, year.end)
    assert [m for p in months for m in months_of(p)] == months_of(year)


@given(fiscal_years, fiscal_start_months)
def test_the_quarters_of_a_fiscal_year_partition_it_and_its_months(fiscal_year, fiscal_start_month):
    year = year_period(fiscal_year, fiscal_start_month)
    quarters = periods_of_year("quarter", fiscal_year, fiscal_start_month)
    assert [q.key for q in quarters] == [f"{fiscal_year}-Q{n}" for n in (1, 2, 3, 4)]
    assert_partition(quarters, year.start, year.end)
    assert [m for q in quarters for m in months_of(q)] == months_of(year)
    assert sum(q.days for q in quarters) == year.days


@given(days, kinds, fiscal_start_months)
def test_the_period_containing_a_day_contains_it_and_reads_back_from_its_key(
    day, kind, fiscal_start_month
):
    period = period_containing(day, kind, fiscal_start_month)
    assert period.contains(day)
    assert period.kind == kind
    assert parse_period_key(period.key, fiscal_start_month) == period


@given(days, days, kinds, fiscal_start_months)
def test_periods_in_cover_the_span_without_gaps_or_overlaps(
    first, second, kind, fiscal_start_month
):
    start, end = min(first, second), max(first, second)
    periods = periods_in(kind, start, end, fiscal_start_month)
    assert periods[0].contains(start)
    assert periods[-1].contains(end)
    assert_partition(periods, periods[0].start, periods[-1].end)


@given(days, kinds, fiscal_start_months, st.integers(min_value=-30, max_value=30))
def test_shifting_a_period_forth_and_back_returns_it(day, kind, fiscal_start_month, steps):
    period = period_containing(day, kind, fiscal_start_month)
    assert shifted(shifted(period, steps), -steps) == period
    assert shifted(period, 1).start == period.end + timedelta(days=1)


@given(days)
def test_every_week_has_seven_days_from_a_monday(day):
    week = period_containing(day, "week")
    assert week.days == 7
    assert week.start.weekday() == 0
    assert not week.is_month_aligned


@given(days, st.sampled_from(["year", "quarter", "month"]), fiscal_start_months)
def test_years_quarters_and_months_are_whole_months(day, kind, fiscal_start_month):
    period = period_containing(day, kind, fiscal_start_month)
    assert period.is_month_aligned
    assert len(months_of(period)) == {"year": 12, "quarter": 3, "month": 1}[kind]
