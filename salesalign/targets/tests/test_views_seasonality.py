"""The seasonality page: reading a plan's monthly weights, entering and deriving them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import MEMBERS
from salesalign.targets.models import SeasonalityProfile, TargetPeriod
from salesalign.targets.services import plans

pytestmark = pytest.mark.django_db

PLANNERS = ["admin", "executive"]
NOT_PLANNERS = [who for who in MEMBERS if who not in PLANNERS]
#: A year with a Spring Festival dip and a year-end push; totals 100.
WEIGHTS = ["8", "4", "8", "8", "8", "9", "8", "8", "9", "9", "9", "12"]


def _form(weights=WEIGHTS, **extra):
    data = {f"month_{position}": value for position, value in enumerate(weights, start=1)}
    return {"metric": "", "product_line": "", **data, **extra}


def _company_target(world):
    plan = world.plan()
    return plan, world.company_target(plan, value="1200000.00")


def test_a_planner_enters_twelve_weights_and_the_company_target_is_phased_by_them(world):
    plan, target = _company_target(world)
    client = world.cast.client_for("executive")
    # Setting the target derived a revenue profile from history (sales in four months only).
    derived = SeasonalityProfile.objects.get(plan=plan, metric="revenue", product_line=None)
    assert derived.source == "history"
    response = client.post(
        reverse("targets:seasonality_enter", args=[plan.pk]), _form(metric="revenue")
    )
    assert response.status_code == 302
    profile = SeasonalityProfile.objects.get(plan=plan, metric="revenue", product_line=None)
    assert profile.pk == derived.pk
    assert profile.source == "entered"
    assert [Decimal(weight) * 100 for weight in profile.weights] == [Decimal(w) for w in WEIGHTS]
    months = list(
        TargetPeriod.objects.filter(target=target)
        .order_by("month")
        .values_list("amount", flat=True)
    )
    # 1,200,000.00 yuan × 4 % in February, × 12 % in December (amounts in cents).
    assert months[1] == 4_800_000
    assert months[11] == 14_400_000
    assert sum(months) == 120_000_000

    page = client.get(reverse("targets:seasonality", args=[plan.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert f'data-profile="{profile.pk}"' in text
    assert "12.0 %" in text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    text = client.get(reverse("targets:seasonality", args=[plan.pk])).content.decode()
    assert ">12.0%</td>" in text and "12.0 %" not in text  # no space before % in Chinese
    assert 'var percent = "{total}%";' in text  # the running total, written the same way


def test_weights_not_totalling_100_are_refused_with_their_total_and_nothing_changes(world):
    plan, target = _company_target(world)
    before = list(TargetPeriod.objects.filter(target=target).values_list("month", "amount"))
    profiles_before = list(SeasonalityProfile.objects.values_list("pk", "weights"))
    weights = [*WEIGHTS[:11], "10"]  # 98 %
    response = world.cast.client_for("executive").post(
        reverse("targets:seasonality_enter", args=[plan.pk]), _form(weights)
    )
    assert response.status_code == 400
    errors = response.context["form"].non_field_errors()
    assert any("98" in error and "100" in error for error in errors)
    assert list(SeasonalityProfile.objects.values_list("pk", "weights")) == profiles_before
    assert list(TargetPeriod.objects.filter(target=target).values_list("month", "amount")) == before


def test_a_month_that_is_not_a_number_is_named(world):
    plan, _target = _company_target(world)
    weights = [*WEIGHTS[:2], "abc", *WEIGHTS[3:]]
    response = world.cast.client_for("admin").post(
        reverse("targets:seasonality_enter", args=[plan.pk]), _form(weights)
    )
    assert response.status_code == 400
    message = " ".join(response.context["form"].non_field_errors())
    assert "not a number" in message
    assert "March" in message  # the fiscal year starts in January here
    assert not SeasonalityProfile.objects.filter(source="entered").exists()


@pytest.mark.parametrize("who", NOT_PLANNERS)
def test_only_planners_enter_weights(world, who):
    plan, _target = _company_target(world)
    client = world.cast.client_for(who)
    response = client.post(reverse("targets:seasonality_enter", args=[plan.pk]), _form())
    # A draft is read by managers and HR (and is "not found" for the others); none may write.
    assert response.status_code in (403, 404)
    assert not SeasonalityProfile.objects.filter(source="entered").exists()


def test_a_locked_plan_refuses_new_weights_and_offers_no_form(world):
    plan, _target = _company_target(world)
    executive = world.cast.executive.user
    plan = plans.plan_submit_for_negotiation(actor=executive, plan=plan)
    plan = plans.plan_approve(actor=executive, plan=plan)
    client = world.cast.client_for("executive")
    page = client.get(reverse("targets:seasonality", args=[plan.pk]))
    assert 'id="seasonality-form"' not in page.content.decode()
    response = client.post(reverse("targets:seasonality_enter", args=[plan.pk]), _form())
    assert response.status_code == 400
    assert not SeasonalityProfile.objects.filter(source="entered").exists()


def test_a_planner_derives_the_weights_of_a_product_line_from_history(world):
    plan, _target = _company_target(world)
    response = world.cast.client_for("executive").post(
        reverse("targets:seasonality_derive", args=[plan.pk]),
        _form(["" for _ in WEIGHTS], metric="revenue", product_line=str(world.software.pk)),
    )
    assert response.status_code == 302
    profile = SeasonalityProfile.objects.get(plan=plan, product_line=world.software)
    weights = [Decimal(weight) for weight in profile.weights]
    # The history sells only in February, May, September and December, equally.
    assert sum(weights) == 1
    assert [month for month, weight in enumerate(weights, start=1) if weight] == [2, 5, 9, 12]
    # The page says which years it averaged: the first sales are of February 2023, so 2023's
    # January is unknown and the year is left out.
    page = world.cast.client_for("executive").get(response["Location"]).content.decode()
    assert "From 2024, 2025." in page
    assert "2023 left out: its records begin after its first month." in page


def test_the_page_reads_in_a_constant_number_of_queries(world, django_assert_max_num_queries):
    plan, _target = _company_target(world)
    client = world.cast.client_for("executive")
    client.post(reverse("targets:seasonality_enter", args=[plan.pk]), _form())
    for product_line in (world.hardware, world.software):
        client.post(
            reverse("targets:seasonality_enter", args=[plan.pk]),
            _form(metric="revenue", product_line=str(product_line.pk)),
        )
    assert SeasonalityProfile.objects.filter(plan=plan).count() >= 3
    with django_assert_max_num_queries(12):
        response = client.get(reverse("targets:seasonality", args=[plan.pk]))
    assert response.status_code == 200
