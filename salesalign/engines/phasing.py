"""Phasing: spreading an annual amount over months, quarters and weeks by a seasonality profile.

A seasonality profile is twelve weights in **fiscal month order** (the first
weight is the first month of the fiscal year) that add up to exactly 1. It is
either derived from history (`derive_seasonality`) or entered by a
person as twelve percentages that must total 100 % (`validate_weights`).

`phase` splits an integer amount (minor units: cents, or 1 for counts) over
months so that the months add up to the amount exactly, with the same
largest-remainder rounding as `shares.split_cents`. Months in which the person
is not active (before the hire date, after the leaving date) get 0 and their
weight is re-spread over the active months in proportion to theirs.

Pure Python: no clock, no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from math import lcm

from salesalign.engines.periods import (
    add_months,
    month_start,
    months_of,
    week_period,
    year_period,
)
from salesalign.engines.shares import split_cents

MONTHS_IN_YEAR = 12
#: Weights derived from history are exact to a millionth and add up to exactly 1.
WEIGHT_PLACES = 6
_WEIGHT_UNITS = 10**WEIGHT_PLACES


class WeightProblem(StrEnum):
    """Why entered monthly weights were refused; the caller words it."""

    WRONG_COUNT = "wrong_count"
    NOT_A_NUMBER = "not_a_number"
    NEGATIVE = "negative"
    NOT_100 = "not_100"


class InvalidWeights(ValueError):
    """Entered weights that cannot be a seasonality profile, with the month at fault (1–12)."""

    def __init__(
        self,
        message: str,
        *,
        problem: WeightProblem,
        month: int | None = None,
        total: Decimal | None = None,
    ) -> None:
        super().__init__(message)
        self.problem = problem
        self.month = month  # position in the fiscal year, 1 = its first month
        self.total = total


# --- months of a year and who is active in them ------------------------------------------


@lru_cache(maxsize=64)
def fiscal_months(fiscal_year: int, fiscal_start_month: int = 1) -> tuple[int, ...]:
    """The twelve yyyymm months of a fiscal year, in order (the order of profile weights)."""
    return tuple(months_of(year_period(fiscal_year, fiscal_start_month)))


def _month_end(yyyymm: int) -> date:
    return add_months(month_start(yyyymm), 1) - timedelta(days=1)


@lru_cache(maxsize=64)
def _month_bounds(months: tuple[int, ...]) -> tuple[tuple[date, date], ...]:
    """First and last day of each month (also the check that each is a yyyymm month)."""
    return tuple((month_start(month), _month_end(month)) for month in months)


def active_months(
    months: Sequence[int], start_on: date | None = None, left_on: date | None = None
) -> tuple[bool, ...]:
    """For each yyyymm month: is the person employed on at least one of its days?

    `start_on` is the first day (hire date), `left_on` the last day (leaving
    date); either may be unknown (None). A month after the month of `left_on`
    is never active, so a leaver gets nothing after leaving.
    """
    return _active_months(tuple(months), start_on, left_on)


@lru_cache(maxsize=4096)
def _active_months(
    months: tuple[int, ...], start_on: date | None, left_on: date | None
) -> tuple[bool, ...]:
    # Cached: a company has few distinct hire and leaving dates, and many targets share them.
    bounds = _month_bounds(months)
    if start_on is None and left_on is None:
        return (True,) * len(bounds)
    return tuple(
        (start_on is None or start_on <= last) and (left_on is None or left_on >= first)
        for first, last in bounds
    )


# --- seasonality profiles ----------------------------------------------------------------


def _fraction_weights_to_profile(fractions: Sequence[Fraction]) -> tuple[Decimal, ...]:
    """Exact fractions summing to 1 → Decimals with WEIGHT_PLACES places summing to exactly 1."""
    denominator = lcm(*(fraction.denominator for fraction in fractions))
    integers = [
        fraction.numerator * (denominator // fraction.denominator) for fraction in fractions
    ]
    units = split_cents(_WEIGHT_UNITS, integers)
    return tuple(Decimal(unit).scaleb(-WEIGHT_PLACES) for unit in units)


def flat_profile() -> tuple[Decimal, ...]:
    """Twelve equal weights (to a millionth, the first months carry the extra millionths)."""
    return _fraction_weights_to_profile([Fraction(1, MONTHS_IN_YEAR)] * MONTHS_IN_YEAR)


@dataclass(frozen=True)
class DerivedSeasonality:
    """A profile derived from history, and which fiscal years it was derived from.

    `years`: the fiscal years averaged. `filled_year`: a year whose records begin after
    its first month, used (its earlier months filled in) because no complete year has
    sales; None otherwise. `skipped_year`: such a year left out because complete years
    exist; None when there is none.
    """

    weights: tuple[Decimal, ...]
    years: tuple[int, ...]
    filled_year: int | None = None
    skipped_year: int | None = None


def derive_seasonality(
    monthly: Mapping[int, int], fiscal_start_month: int = 1
) -> DerivedSeasonality:
    """Twelve weights (fiscal month order, summing to exactly 1) from monthly actuals
    (yyyymm → amount), with the years they come from.

    Each fiscal year with sales is normalised on its own (its months divided by
    its total), and the profile is the plain average of those years, so a big
    year does not weigh more than a small one. A negative month (returns over
    sales) counts as 0. With no sales at all the profile is flat.

    Records often begin inside a fiscal year: the history was loaded from some month
    on, or a product line was launched then. Before the first month with any amount
    the months are unknown, not months without sales: read as zeros they would put
    that year into its last months (a history that begins in December makes December
    the whole year). So such a year is left out when a complete year has sales; when
    none has, it is used alone, each month before its records getting the average of
    its recorded months. Every later month missing from `monthly` is read as a month
    without sales, so pass complete fiscal years only (not a year to date).
    """
    if not 1 <= fiscal_start_month <= MONTHS_IN_YEAR:
        raise ValueError(f"the fiscal year must start in a month 1–12, not {fiscal_start_month}")
    years: dict[int, list[int]] = defaultdict(lambda: [0] * MONTHS_IN_YEAR)
    first: tuple[int, int] | None = None  # (fiscal year, position) of the first recorded month
    for yyyymm, amount in monthly.items():
        year, month = divmod(yyyymm, 100)
        if not 1 <= month <= MONTHS_IN_YEAR:
            raise ValueError(f"not a yyyymm month: {yyyymm}")
        fiscal_year = year if month >= fiscal_start_month else year - 1
        position = (month - fiscal_start_month) % MONTHS_IN_YEAR
        years[fiscal_year][position] += amount
        if amount and (first is None or (fiscal_year, position) < first):
            first = (fiscal_year, position)
    partial = first[0] if first is not None and first[1] > 0 else None
    with_sales = {
        fiscal_year: [max(0, amount) for amount in amounts]
        for fiscal_year, amounts in sorted(years.items())
        if sum(max(0, amount) for amount in amounts) > 0
    }
    complete = [fiscal_year for fiscal_year in with_sales if fiscal_year != partial]
    if complete:
        averages = [Fraction(0)] * MONTHS_IN_YEAR
        for fiscal_year in complete:
            amounts = with_sales[fiscal_year]
            total = sum(amounts)
            averages = [
                average + Fraction(amount, total)
                for average, amount in zip(averages, amounts, strict=True)
            ]
        return DerivedSeasonality(
            weights=_fraction_weights_to_profile([average / len(complete) for average in averages]),
            years=tuple(complete),
            skipped_year=partial if partial in with_sales else None,
        )
    if partial is None or partial not in with_sales or first is None:
        return DerivedSeasonality(weights=flat_profile(), years=())
    recorded = with_sales[partial][first[1] :]
    filler = Fraction(sum(recorded), len(recorded))
    filled = [filler] * first[1] + [Fraction(amount) for amount in recorded]
    year_total = sum(filled, Fraction(0))
    return DerivedSeasonality(
        weights=_fraction_weights_to_profile([amount / year_total for amount in filled]),
        years=(partial,),
        filled_year=partial,
    )


def validate_weights(percentages: Sequence[Decimal | int]) -> tuple[Decimal, ...]:
    """Entered monthly percentages (fiscal month order) → weights summing to 1; InvalidWeights if not.

    There must be twelve, none negative, and they must total exactly 100.
    """
    if len(percentages) != MONTHS_IN_YEAR:
        raise InvalidWeights(
            f"a seasonality profile has 12 monthly weights, not {len(percentages)}",
            problem=WeightProblem.WRONG_COUNT,
        )
    values: list[Decimal] = []
    for position, percentage in enumerate(percentages, start=1):
        value = Decimal(percentage)
        if not value.is_finite():
            raise InvalidWeights(
                f"the weight of month {position} of the fiscal year is not a number",
                problem=WeightProblem.NOT_A_NUMBER,
                month=position,
            )
        if value < 0:
            raise InvalidWeights(
                f"the weight of month {position} of the fiscal year is negative ({value} %)",
                problem=WeightProblem.NEGATIVE,
                month=position,
            )
        values.append(value)
    total = sum(values, Decimal(0))
    if total != 100:
        raise InvalidWeights(
            f"the monthly weights total {total} %, not 100 %",
            problem=WeightProblem.NOT_100,
            total=total,
        )
    return tuple(value.scaleb(-2) for value in values)


# --- phasing -----------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _exact_integers(values: tuple[Decimal, ...]) -> tuple[int, ...]:
    """Finite, non-negative Decimals scaled by one power of ten to integers, without rounding."""
    for value in values:
        if not value.is_finite():
            raise ValueError(f"a weight must be a number, not {value}")
        if value < 0:
            raise ValueError(f"a weight cannot be negative ({value})")
    exponents = [int(value.as_tuple().exponent) for value in values]
    scale = max(0, -min(exponents, default=0))
    integers = []
    for value in values:
        sign, digits, exponent = value.as_tuple()
        magnitude = int("".join(map(str, digits)) or "0") * 10 ** (int(exponent) + scale)
        integers.append(-magnitude if sign else magnitude)
    return tuple(integers)


@lru_cache(maxsize=64)
def _check_months(months: tuple[int, ...]) -> None:
    if len(set(months)) != len(months):
        raise ValueError("a month is listed twice")
    _month_bounds(months)  # a ValueError for anything that is not a yyyymm month


def phase(
    amount: int,
    weights: Sequence[Decimal],
    months: Sequence[int],
    active: Sequence[bool] | None = None,
) -> tuple[int, ...]:
    """Split `amount` over `months` (yyyymm) by `weights`; the parts add up to `amount` exactly.

    Inactive months get 0 and their weight goes to the active months in
    proportion to theirs; when every active month has weight 0, the active
    months share equally. Ties in rounding go to the earlier month.
    """
    if amount < 0:
        raise ValueError(f"an amount to phase cannot be negative ({amount})")
    if len(weights) != len(months):
        raise ValueError(f"{len(weights)} weights for {len(months)} months")
    _check_months(tuple(months))
    flags = tuple(active) if active is not None else (True,) * len(months)
    if len(flags) != len(months):
        raise ValueError(f"{len(flags)} active flags for {len(months)} months")
    integers = [
        weight if flag else 0
        for weight, flag in zip(_exact_integers(tuple(weights)), flags, strict=True)
    ]
    if amount == 0:
        return (0,) * len(months)
    if not any(flags):
        raise ValueError("no month is active, so the amount cannot be phased")
    if sum(integers) == 0:
        integers = [1 if flag else 0 for flag in flags]
    return tuple(split_cents(amount, integers))


def phase_amounts(
    amounts: Sequence[int],
    weights: Sequence[Decimal],
    months: Sequence[int],
    active: Sequence[bool] | None = None,
) -> list[tuple[int, ...]]:
    """`phase` for many amounts that share their weights and active months, checked once.

    Each result is exactly what `phase(amount, weights, months, active)` gives.
    """
    if len(weights) != len(months):
        raise ValueError(f"{len(weights)} weights for {len(months)} months")
    _check_months(tuple(months))
    flags = tuple(active) if active is not None else (True,) * len(months)
    if len(flags) != len(months):
        raise ValueError(f"{len(flags)} active flags for {len(months)} months")
    integers = [
        weight if flag else 0
        for weight, flag in zip(_exact_integers(tuple(weights)), flags, strict=True)
    ]
    if sum(integers) == 0:
        integers = [1 if flag else 0 for flag in flags]
    zeros = (0,) * len(months)
    whole = sum(integers)
    positions = range(len(integers))
    phased = []
    for amount in amounts:
        if amount < 0:
            raise ValueError(f"an amount to phase cannot be negative ({amount})")
        if amount == 0:
            phased.append(zeros)
            continue
        if not whole:
            raise ValueError("no month is active, so the amount cannot be phased")
        # `split_cents(amount, integers)` with its checks done once for all the amounts:
        # each part rounded down, the cents left over to the largest remainders (on a tie,
        # the earlier month; a reversed stable sort keeps ties in month order).
        parts = []
        remainders = []
        for weight in integers:
            part, remainder = divmod(amount * weight, whole)
            parts.append(part)
            remainders.append(remainder)
        left = amount - sum(parts)
        if left:
            for position in sorted(positions, key=remainders.__getitem__, reverse=True)[:left]:
                parts[position] += 1
        phased.append(tuple(parts))
    return phased


def quarters(monthly: Sequence[int]) -> tuple[int, int, int, int]:
    """The four fiscal quarters of twelve monthly amounts given in fiscal month order."""
    if len(monthly) != MONTHS_IN_YEAR:
        raise ValueError(f"a year has 12 months, not {len(monthly)}")
    first, second, third, fourth = (sum(monthly[index : index + 3]) for index in range(0, 12, 3))
    return first, second, third, fourth


def phase_weeks(
    amount_of_month: int, month: int, *, weekdays_only: bool = False
) -> tuple[tuple[str, int], ...]:
    """Split a month's amount over the ISO weeks that overlap it, by the month's days in each week.

    Returns (week key, amount) pairs in order, adding up to the amount exactly.
    With `weekdays_only`, only Monday–Friday count (a week holding only a
    weekend of the month gets 0).
    """
    if amount_of_month < 0:
        raise ValueError(f"an amount to phase cannot be negative ({amount_of_month})")
    day = month_start(month)
    last = _month_end(month)
    days_in_week: dict[str, int] = {}
    while day <= last:
        iso = day.isocalendar()
        key = week_period(iso.year, iso.week).key
        counts = not weekdays_only or iso.weekday <= 5
        days_in_week[key] = days_in_week.get(key, 0) + (1 if counts else 0)
        day += timedelta(days=1)
    keys = list(days_in_week)
    parts = split_cents(amount_of_month, [days_in_week[key] for key in keys])
    return tuple(zip(keys, parts, strict=True))
