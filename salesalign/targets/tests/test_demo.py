"""The demo's targets: an approved plan down to every salesperson by product line, phased by
seasonality, and a second version in negotiation with open counter-proposals."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from salesalign.core.choices import Metric, Role
from salesalign.engines.phasing import active_months, fiscal_months
from salesalign.organization.models import Person
from salesalign.targets.choices import PlanStatus, ProposalStatus, SeasonalitySource
from salesalign.targets.models import (
    SeasonalityProfile,
    Target,
    TargetPeriod,
    TargetPlan,
    TargetProposal,
)

TODAY = "2026-06-15"
YEAR = 2026

pytestmark = pytest.mark.django_db


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", "--today", TODAY, stdout=out)
    return out.getvalue()


def test_the_demo_has_an_approved_plan_down_to_every_salesperson_and_a_second_version():
    output = load_demo()
    assert f"Targets {YEAR}" in output

    first = TargetPlan.objects.get(fiscal_year=YEAR, version=1)
    second = TargetPlan.objects.get(fiscal_year=YEAR, version=2)
    assert first.status == PlanStatus.APPROVED
    assert second.status == PlanStatus.NEGOTIATION and second.reason

    months = fiscal_months(YEAR)
    year_start = datetime.date(YEAR, 1, 1)
    sellers = [
        person
        for person in Person.objects.filter(role=Role.SALESPERSON)
        if (person.left_on is None or person.left_on >= year_start)
        and any(active_months(months, person.hire_date, person.left_on))
    ]
    revenue = Target.objects.filter(plan=first, metric=Metric.REVENUE)
    for target in Target.objects.filter(plan=second, metric=Metric.REVENUE):
        children = target.children.aggregate(total=Sum("amount"))["total"]
        assert children in (None, target.amount), "version 2 is allocated all the way down too"
    people = revenue.filter(person__isnull=False, product_line__isnull=True)
    assert set(people.values_list("person_id", flat=True)) == {person.pk for person in sellers}
    for person_target in people.filter(amount__gt=0):
        lines = person_target.children.all()
        assert lines.count() == 5, "split by the five product lines"
        assert sum(line.amount for line in lines) == person_target.amount
    root = revenue.get(parent__isnull=True)
    assert root.tactical_goal.metric == Metric.REVENUE_GROWTH
    for target in revenue:
        children = target.children.aggregate(total=Sum("amount"))["total"]
        if children is not None:
            assert children == target.amount
    phased = TargetPeriod.objects.filter(target=root).order_by("month")
    assert sum(phased.values_list("amount", flat=True)) == root.amount
    assert len(set(phased.values_list("amount", flat=True))) > 1, "phased by seasonality"
    assert SeasonalityProfile.objects.get(plan=first).source == SeasonalitySource.HISTORY

    satisfaction = Target.objects.filter(plan=first, metric=Metric.CUSTOMER_SATISFACTION)
    assert satisfaction.count() > 1
    assert len(set(satisfaction.values_list("level", flat=True))) == 1

    open_counters = TargetProposal.objects.filter(plan=second, status=ProposalStatus.COUNTERED)
    assert open_counters.count() == 2
    sales = Person.objects.get(user__username="sales")
    assert TargetProposal.objects.filter(
        plan=second, target__person=sales, status=ProposalStatus.PENDING
    ).exists()
    assert TargetProposal.objects.filter(
        plan=first, target__person=sales, status=ProposalStatus.RESOLVED
    ).exists()


def test_loading_the_demo_twice_adds_no_targets():
    load_demo()
    counts = (Target.objects.count(), TargetPeriod.objects.count(), TargetProposal.objects.count())
    output = load_demo()
    assert "nothing changed" in output
    assert (
        Target.objects.count(),
        TargetPeriod.objects.count(),
        TargetProposal.objects.count(),
    ) == counts


def test_the_demo_phases_by_its_whole_years_and_gives_new_hires_a_real_target():
    load_demo()
    first = TargetPlan.objects.get(fiscal_year=YEAR, version=1)
    # The sales history holds three whole fiscal years before this one; the year before
    # them holds only older customers' opening orders: averaged in, it made December a
    # third of the year.
    profile = SeasonalityProfile.objects.get(plan=first)
    assert profile.details["years_used"] == [YEAR - 3, YEAR - 2, YEAR - 1]
    weights = profile.weight_values
    assert max(weights) == weights[11] < Decimal("0.25"), "a year-end push, not a third"
    assert min(weights) == weights[1], "the Spring Festival dip"
    # Salespeople hired in the last quarter of last year have almost no history; the blend
    # with capacity gives them a share of their team's target, not next to nothing.
    revenue = Target.objects.filter(plan=first, metric=Metric.REVENUE, product_line__isnull=True)
    late = Person.objects.filter(
        role=Role.SALESPERSON,
        hire_date__gte=datetime.date(YEAR - 1, 10, 1),
        hire_date__lt=datetime.date(YEAR, 1, 1),
        left_on__isnull=True,
    )
    assert late.exists()
    for person in late:
        target = revenue.get(person=person)
        team = target.parent
        assert team is not None and team.amount and target.amount is not None
        per_head = team.amount / team.children.count()
        assert target.amount >= per_head / 10, person.display_name


def test_the_satisfaction_level_reaches_every_salesperson_with_a_revenue_target():
    load_demo()
    first = TargetPlan.objects.get(fiscal_year=YEAR, version=1)
    satisfaction = Target.objects.filter(plan=first, metric=Metric.CUSTOMER_SATISFACTION)
    company = satisfaction.get(parent__isnull=True)
    people = satisfaction.filter(person__isnull=False)
    with_revenue = set(
        Target.objects.filter(
            plan=first, metric=Metric.REVENUE, person__isnull=False, product_line__isnull=True
        ).values_list("person", flat=True)
    )
    assert set(people.values_list("person", flat=True)) == with_revenue
    assert {target.level for target in people} == {company.level} == {Decimal("4.5")}
