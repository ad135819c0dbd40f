"""Seasonality profiles: entered weights must total 100 % (errors name the month), history derives."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.organization.tests.factories import ProductLineFactory
from salesalign.sales.tests.factories import CustomerFactory, make_orders, order_row
from salesalign.targets.choices import SeasonalitySource
from salesalign.targets.models import SeasonalityProfile
from salesalign.targets.services import allocation, plans, seasonality

pytestmark = pytest.mark.django_db

QUARTER_END = ["5", "5", "15", "5", "5", "15", "5", "5", "15", "5", "5", "15"]


def test_entered_weights_phase_every_target_of_the_metric(world):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan, value="1200000.00")
    profile = seasonality.seasonality_enter(
        actor=cast.executive.user, plan=plan, percentages=QUARTER_END, metric="revenue"
    )
    assert profile.source == SeasonalitySource.ENTERED
    assert sum(profile.weight_values) == 1
    months = list(root.periods.order_by("month").values_list("amount", flat=True))
    assert months == [6000000, 6000000, 18000000] * 4


@pytest.mark.parametrize(
    ("percentages", "message"),
    [
        (["8"] * 12, "96"),
        (["10"] * 11 + ["-10"], "December"),
        (["abc"] + ["10"] * 11, "January"),
        (["50", "50"], "twelve"),
    ],
)
def test_wrong_weights_are_refused_naming_the_month_and_change_nothing(world, percentages, message):
    plan = world.plan()
    root = world.company_target(plan)
    before = list(root.periods.order_by("month").values_list("amount", flat=True))
    with pytest.raises(DomainError) as refused:
        seasonality.seasonality_enter(
            actor=world.cast.executive.user, plan=plan, percentages=percentages
        )
    assert refused.value.field == "percentages"
    assert message in refused.value.message
    assert list(root.periods.order_by("month").values_list("amount", flat=True)) == before
    assert not SeasonalityProfile.objects.filter(source=SeasonalitySource.ENTERED).exists()


def test_a_profile_derived_from_history_follows_the_months_with_sales(world):
    plan = world.plan()
    profile = seasonality.seasonality_derive(actor=world.cast.executive.user, plan=plan)
    weights = profile.weight_values
    assert sum(weights) == 1
    # Sales in February, May, September and December, the same amount each time.
    assert [weights[index] for index in (1, 4, 8, 11)] == [Decimal("0.25")] * 4
    assert weights[0] == 0
    assert profile.details["years"] == [2023, 2025]


def test_a_year_whose_records_begin_in_its_last_month_does_not_make_that_month_the_year(world):
    # Cloud's records begin in December 2023 (a launch, or the first month loaded): read as
    # a year of zeros and one December it would put half of every later year into December.
    cloud = ProductLineFactory(code="CLOUD", name="云", name_en="Cloud")
    customer = CustomerFactory(code="CLOUDCO", owner=world.cast.salesperson)
    days = [datetime.date(2023, 12, 10)] + [
        datetime.date(year, month, 10) for year in (2024, 2025) for month in (2, 5, 9, 12)
    ]
    make_orders(
        *(
            order_row(
                customer=customer,
                salespeople=world.cast.salesperson,
                amounts=["900.00"],
                product_lines=[cloud],
                ordered_on=day,
            )
            for day in days
        )
    )
    profile = seasonality.seasonality_derive(
        actor=world.cast.executive.user, plan=world.plan(), product_line_id=cloud.pk
    )
    assert [profile.weight_values[index] for index in (1, 4, 8, 11)] == [Decimal("0.25")] * 4
    assert profile.details["years_used"] == [2024, 2025]
    assert profile.details["skipped_year"] == 2023


def test_a_plan_for_next_year_is_derived_from_complete_years_only(world):
    # On 2026-11-29 a 2027 plan reads 2023–2025: 2026 to date (sales in January only) would
    # count its last eleven months as months without sales.
    customer = CustomerFactory(code="EARLY", owner=world.cast.salesperson)
    make_orders(
        order_row(
            customer=customer,
            salespeople=world.cast.salesperson,
            amounts=["5000.00"],
            product_lines=[world.hardware],
            ordered_on=datetime.date(2026, 1, 10),
        )
    )
    actor = world.cast.executive.user
    next_year = plans.plan_create(actor=actor, fiscal_year=2027)
    profile = seasonality.seasonality_derive(
        actor=actor, plan=next_year, today=datetime.date(2026, 11, 29)
    )
    assert profile.details["years"] == [2023, 2025]
    assert profile.weight_values[0] == 0
    assert [profile.weight_values[index] for index in (1, 4, 8, 11)] == [Decimal("0.25")] * 4


def test_a_product_line_profile_wins_over_the_plan_profile(world):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    seasonality.seasonality_enter(
        actor=cast.executive.user,
        plan=plan,
        percentages=["100"] + ["0"] * 11,
        metric="revenue",
        product_line_id=world.hardware.pk,
    )
    allocation.allocation_apply(
        actor=cast.executive.user, plan=plan, parent=root, axes=["product_line"], method="history"
    )
    hardware = root.children.get(product_line=world.hardware)
    software = root.children.get(product_line=world.software)
    hardware_months = list(hardware.periods.order_by("month").values_list("amount", flat=True))
    assert hardware_months[0] == hardware.amount and sum(hardware_months[1:]) == 0
    software_months = list(software.periods.order_by("month").values_list("amount", flat=True))
    assert software_months[0] == 0, "software follows the history profile"


def test_only_planners_change_seasonality(world):
    plan = world.plan()
    with pytest.raises(NotAllowed):
        seasonality.seasonality_enter(
            actor=world.cast.manager.user, plan=plan, percentages=QUARTER_END
        )
