"""Seasonality profiles: entered weights must total 100 % (errors name the month), history derives."""

from __future__ import annotations

from decimal import Decimal

import pytest

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.targets.choices import SeasonalitySource
from salesalign.targets.models import SeasonalityProfile
from salesalign.targets.services import allocation, seasonality

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
