"""Phasing: seasonality from history or entered, months that add up exactly, leavers get nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesalign.engines.phasing import (
    InvalidWeights,
    WeightProblem,
    active_months,
    derive_seasonality,
    fiscal_months,
    flat_profile,
    phase,
    phase_amounts,
    phase_weeks,
    quarters,
    validate_weights,
)

MONTHS_2026 = fiscal_months(2026)
PERCENT_12 = [Decimal(8)] * 8 + [Decimal(9)] * 4  # 64 + 36 = 100

profiles = st.lists(st.integers(min_value=0, max_value=1_000_000), min_size=12, max_size=12).map(
    lambda units: tuple(Decimal(unit).scaleb(-6) for unit in units)
)
flags = st.lists(st.booleans(), min_size=12, max_size=12)
amounts = st.integers(min_value=0, max_value=10**13)


def test_the_months_of_a_fiscal_year_start_with_its_first_month():
    assert fiscal_months(2026, 4)[:2] == (202604, 202605)
    assert fiscal_months(2026, 4)[-1] == 202703
    assert tuple(202600 + month for month in range(1, 13)) == MONTHS_2026


def test_seasonality_averages_years_each_normalised_on_its_own():
    # 2024: Jan 10, Feb 30 → 0.25, 0.75; 2025: Jan 5, Dec 5 → 0.5, 0.5.
    profile = derive_seasonality({202401: 10, 202402: 30, 202501: 5, 202512: 5}).weights
    assert profile[0] == Decimal("0.375")
    assert profile[1] == Decimal("0.375")
    assert profile[11] == Decimal("0.25")
    assert sum(profile[2:11]) == 0
    assert sum(profile) == 1


def test_a_big_year_does_not_weigh_more_than_a_small_one():
    profile = derive_seasonality({202401: 1_000_000, 202502: 1}).weights
    assert profile[0] == profile[1] == Decimal("0.5")


def test_seasonality_weights_follow_the_fiscal_year():
    # Fiscal year from April: April 2026 is the first weight, March 2027 the last.
    profile = derive_seasonality({202604: 30, 202703: 10}, fiscal_start_month=4).weights
    assert profile[0] == Decimal("0.75")
    assert profile[11] == Decimal("0.25")


def test_returns_over_sales_in_a_month_count_as_no_sales():
    profile = derive_seasonality({202501: -50, 202502: 100}).weights
    assert profile[0] == 0
    assert profile[1] == 1


def test_without_history_the_profile_is_flat_and_still_adds_up_to_one():
    profile = derive_seasonality({}).weights
    assert profile == flat_profile()
    assert sum(profile) == 1
    assert max(profile) - min(profile) == Decimal("0.000001")


def test_a_year_whose_records_begin_after_its_first_month_is_left_out():
    # The history was loaded from December 2023: January–November 2023 are unknown, not
    # months without sales. Read as zeros they would make December 2023 the whole year.
    monthly = {202312: 900, 202401: 10, 202402: 30, 202501: 5, 202512: 5}
    derived = derive_seasonality(monthly)
    assert derived.years == (2024, 2025)
    assert derived.skipped_year == 2023
    assert derived.filled_year is None
    assert (
        derived.weights
        == derive_seasonality({202401: 10, 202402: 30, 202501: 5, 202512: 5}).weights
    )
    assert derived.weights[11] == Decimal("0.25")


def test_a_month_without_sales_after_the_records_begin_is_a_month_without_sales():
    derived = derive_seasonality({202401: 10, 202403: 30})
    assert derived.years == (2024,)
    assert derived.weights[1] == 0
    assert derived.weights[0] == Decimal("0.25")


def test_with_only_a_year_begun_late_its_unknown_months_get_its_average_month():
    # September–December recorded (10, 20, 30, 40: 25 a month on average); January–August
    # get 25 each, so the year is 300 and January is 25/300.
    derived = derive_seasonality({202409: 10, 202410: 20, 202411: 30, 202412: 40})
    assert derived.years == (2024,)
    assert derived.filled_year == 2024
    expected = [Fraction(25, 300)] * 8 + [Fraction(n, 300) for n in (10, 20, 30, 40)]
    # To the millionth (the rounding that makes the weights total exactly 1).
    assert all(
        abs(weight - Decimal(share.numerator) / share.denominator) <= Decimal("0.000001")
        for weight, share in zip(derived.weights, expected, strict=True)
    )
    assert sum(derived.weights) == 1


def test_a_year_begun_late_follows_the_fiscal_year():
    # Fiscal years from April: records from July 2024 leave April–June of fiscal 2024 unknown.
    derived = derive_seasonality({202407: 10, 202503: 10, 202504: 30, 202603: 10}, 4)
    assert derived.years == (2025,)
    assert derived.skipped_year == 2024
    assert derived.weights[0] == Decimal("0.75")
    assert derived.weights[11] == Decimal("0.25")


def test_a_history_that_begins_with_a_fiscal_year_is_complete():
    derived = derive_seasonality({202401: 10, 202512: 10})
    assert derived.years == (2024, 2025)
    assert derived.skipped_year is None and derived.filled_year is None


def test_seasonality_refuses_a_month_that_is_not_a_month():
    with pytest.raises(ValueError, match="yyyymm"):
        derive_seasonality({202513: 1})


@settings(deadline=None)  # no time assertions: a busy machine is not a failure
@given(
    st.dictionaries(
        st.integers(min_value=2020, max_value=2026).flatmap(
            lambda year: st.integers(min_value=1, max_value=12).map(lambda m: year * 100 + m)
        ),
        st.integers(min_value=-1000, max_value=10**9),
    ),
    st.integers(min_value=1, max_value=12),
)
def test_a_derived_profile_always_has_twelve_weights_adding_up_to_exactly_one(monthly, start):
    profile = derive_seasonality(monthly, start).weights
    assert len(profile) == 12
    assert sum(profile) == 1
    assert all(weight >= 0 for weight in profile)


def test_entered_weights_totalling_100_become_fractions_of_one():
    weights = validate_weights(PERCENT_12)
    assert weights[0] == Decimal("0.08")
    assert weights[11] == Decimal("0.09")
    assert sum(weights) == 1


def test_entered_weights_must_be_twelve():
    with pytest.raises(InvalidWeights, match="12 monthly weights, not 11") as error:
        validate_weights(PERCENT_12[:11])
    assert error.value.problem is WeightProblem.WRONG_COUNT


def test_a_negative_entered_weight_names_its_month():
    percentages = list(PERCENT_12)
    percentages[2] = Decimal(-8)
    percentages[3] = Decimal(24)
    with pytest.raises(InvalidWeights, match="month 3 of the fiscal year is negative") as error:
        validate_weights(percentages)
    assert (error.value.problem, error.value.month) == (WeightProblem.NEGATIVE, 3)


def test_entered_weights_not_totalling_100_say_what_they_total():
    percentages = list(PERCENT_12)
    percentages[0] = Decimal("7.9")
    with pytest.raises(InvalidWeights, match=r"total 99\.9 %, not 100 %") as error:
        validate_weights(percentages)
    assert error.value.problem is WeightProblem.NOT_100
    assert error.value.total == Decimal("99.9")


def test_an_entered_weight_that_is_not_a_number_names_its_month():
    percentages = list(PERCENT_12)
    percentages[4] = Decimal("NaN")
    with pytest.raises(InvalidWeights, match="month 5") as error:
        validate_weights(percentages)
    assert error.value.problem is WeightProblem.NOT_A_NUMBER


def test_phasing_by_a_profile_keeps_the_amount_exact_to_the_cent():
    months = phase(100_00, flat_profile(), MONTHS_2026)
    assert months == (834, 834, 834, 834) + (833,) * 8
    assert sum(months) == 100_00


def test_phasing_follows_the_weights():
    weights = validate_weights([Decimal(50), Decimal(50)] + [Decimal(0)] * 10)
    assert phase(1001, weights, MONTHS_2026) == (501, 500) + (0,) * 10


def test_a_leaver_gets_nothing_after_the_leaving_month_and_the_rest_is_re_spread():
    active = active_months(MONTHS_2026, left_on=date(2026, 3, 15))
    assert active == (True, True, True) + (False,) * 9
    months = phase(900, flat_profile(), MONTHS_2026, active)
    assert months == (300, 300, 300) + (0,) * 9


def test_a_new_hire_is_active_from_the_month_of_the_hire_date():
    active = active_months(MONTHS_2026, start_on=date(2026, 10, 31))
    assert active == (False,) * 9 + (True, True, True)


def test_a_person_who_left_before_the_year_is_active_in_no_month():
    assert not any(active_months(MONTHS_2026, left_on=date(2025, 12, 31)))
    assert not any(active_months(MONTHS_2026, start_on=date(2027, 1, 1)))


def test_active_months_with_zero_weight_share_equally():
    weights = validate_weights([Decimal(100)] + [Decimal(0)] * 11)
    active = (False, True, True) + (False,) * 9
    assert phase(11, weights, MONTHS_2026, active) == (0, 6, 5) + (0,) * 9


def test_phasing_nothing_gives_zero_months_even_with_no_active_month():
    assert phase(0, flat_profile(), MONTHS_2026, (False,) * 12) == (0,) * 12


def test_phasing_an_amount_into_no_active_month_is_refused():
    with pytest.raises(ValueError, match="no month is active"):
        phase(10, flat_profile(), MONTHS_2026, (False,) * 12)


@pytest.mark.parametrize(
    ("amount", "weights", "months", "active", "message"),
    [
        (-1, flat_profile(), MONTHS_2026, None, "negative"),
        (1, flat_profile()[:11], MONTHS_2026, None, "11 weights for 12 months"),
        (1, flat_profile(), MONTHS_2026, (True,) * 11, "11 active flags"),
        (1, flat_profile(), (202601,) * 12, None, "twice"),
        (1, flat_profile(), (*MONTHS_2026[:11], 202613), None, "yyyymm"),
        (1, (Decimal(-1), *flat_profile()[1:]), MONTHS_2026, None, "negative"),
        (1, (Decimal("NaN"), *flat_profile()[1:]), MONTHS_2026, None, "number"),
    ],
)
def test_phasing_refuses_bad_input(amount, weights, months, active, message):
    with pytest.raises(ValueError, match=message):
        phase(amount, weights, months, active)


@settings(deadline=None)  # no time assertions: a busy machine is not a failure
@given(amounts, profiles, flags)
def test_phased_months_add_up_exactly_and_inactive_months_get_nothing(amount, weights, active):
    if not any(active) and amount > 0:
        active[0] = True
    months = phase(amount, weights, MONTHS_2026, active)
    assert sum(months) == amount
    assert all(part >= 0 for part in months)
    assert all(part == 0 for part, flag in zip(months, active, strict=True) if not flag)


@settings(deadline=None, max_examples=300)  # no time assertions here
@given(
    st.lists(amounts | st.integers(0, 40), max_size=6), profiles | st.just(flat_profile()), flags
)
def test_phasing_many_amounts_at_once_gives_what_phasing_each_gives(many, weights, active):
    if not any(active):
        many = [0 for _amount in many]  # nothing to phase into no month but nothing
    assert phase_amounts(many, weights, MONTHS_2026, active) == [
        phase(amount, weights, MONTHS_2026, active) for amount in many
    ]


def test_phasing_many_amounts_refuses_what_phasing_one_refuses():
    with pytest.raises(ValueError, match="negative"):
        phase_amounts([5, -1], flat_profile(), MONTHS_2026)
    with pytest.raises(ValueError, match="no month is active"):
        phase_amounts([0, 10], flat_profile(), MONTHS_2026, (False,) * 12)
    with pytest.raises(ValueError, match="11 weights"):
        phase_amounts([1], flat_profile()[:11], MONTHS_2026)
    assert phase_amounts([0], flat_profile(), MONTHS_2026, (False,) * 12) == [(0,) * 12]


@settings(deadline=None)  # no time assertions: a busy machine is not a failure
@given(
    amounts,
    profiles,
    st.dates(min_value=date(2025, 6, 1), max_value=date(2027, 6, 1)),
)
def test_a_leaver_is_never_phased_anything_after_the_leaving_date(amount, weights, left_on):
    active = active_months(MONTHS_2026, left_on=left_on)
    if not any(active):
        return  # left before the year: the allocation gives 0, nothing to phase
    months = phase(amount, weights, MONTHS_2026, active)
    for yyyymm, part in zip(MONTHS_2026, months, strict=True):
        if date(yyyymm // 100, yyyymm % 100, 1) > left_on:
            assert part == 0
    assert sum(months) == amount


def test_quarters_sum_three_months_each():
    assert quarters(list(range(1, 13))) == (6, 15, 24, 33)
    with pytest.raises(ValueError, match="12 months"):
        quarters([1, 2, 3])


def test_a_month_splits_over_its_iso_weeks_by_days():
    # March 2026: Sunday 1 (week 9), four full weeks, Monday 30 and Tuesday 31 (week 14).
    weeks = phase_weeks(31_00, 202603)
    assert weeks == (
        ("2026-W09", 100),
        ("2026-W10", 700),
        ("2026-W11", 700),
        ("2026-W12", 700),
        ("2026-W13", 700),
        ("2026-W14", 200),
    )


def test_weeks_can_count_working_days_only():
    weeks = dict(phase_weeks(22, 202603, weekdays_only=True))
    assert weeks["2026-W09"] == 0  # only a Sunday of March
    assert weeks["2026-W10"] == 5
    assert weeks["2026-W14"] == 2
    assert sum(weeks.values()) == 22


@settings(deadline=None)  # no time assertions: a busy machine is not a failure
@given(amounts, st.integers(min_value=2000, max_value=2100), st.integers(1, 12))
def test_weeks_of_a_month_add_up_to_the_month(amount, year, month):
    weeks = phase_weeks(amount, year * 100 + month)
    assert sum(part for _, part in weeks) == amount
    first = date(year, month, 1)
    assert weeks[0][0] == f"{first.isocalendar().year:04d}-W{first.isocalendar().week:02d}"
    assert len(weeks) in {4, 5, 6}
    assert all(part >= 0 for _, part in weeks)
