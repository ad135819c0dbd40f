"""The actuals selector: one aggregation, subtree sums, transfers, satisfaction, visibility."""

from __future__ import annotations

import datetime
import gc
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from salesalign.core.exceptions import DomainError
from salesalign.engines.periods import (
    month_period,
    periods_of_year,
    quarter_period,
    week_period,
    year_period,
)
from salesalign.organization.models import UnitAssignment
from salesalign.organization.tests.factories import ProductLineFactory
from salesalign.sales.choices import SurveyScale
from salesalign.sales.models import SatisfactionResponse
from salesalign.sales.selectors.actuals import actuals, default_subjects, visible_units
from salesalign.sales.tests.factories import CustomerFactory, make_order, make_orders, order_row

pytestmark = pytest.mark.django_db

YEAR = year_period(2024)
MONTHS = periods_of_year("month", 2024)


@pytest.fixture
def lines(db):
    return ProductLineFactory(code="HW"), ProductLineFactory(code="SW")


@pytest.fixture
def customer(cast):
    return CustomerFactory(code="ACME", owner=cast.salesperson)


def sell(person, customer, amount, product_line, day=datetime.date(2024, 3, 5), **kwargs):
    return make_order(
        customer=customer,
        salespeople=person,
        amounts=[amount],
        product_line=product_line,
        ordered_on=day,
        **kwargs,
    )


def answer(person, unit, score, day=datetime.date(2024, 3, 5), customer=None):
    return SatisfactionResponse.objects.create(
        customer=customer or CustomerFactory(),
        salesperson=person,
        unit=unit,
        scale=SurveyScale.FIVE_POINT,
        score=score,
        score_normalized=score * 100,
        responded_on=day,
        month=day.year * 100 + day.month,
    )


def test_a_department_revenue_is_the_sum_of_its_teams(cast, customer, lines):
    hardware, _software = lines
    sell(cast.salesperson, customer, "1000.10", hardware)
    sell(cast.salesperson2, customer, "250.00", hardware, day=datetime.date(2024, 5, 1))
    sell(cast.other_salesperson, customer, "99.90", hardware)
    result = actuals(
        user=cast.executive.user,
        metric="revenue",
        periods=[YEAR],
        units=[cast.department, cast.team, cast.other_team],
    )
    team = result.value(unit=cast.team, period=YEAR)
    other = result.value(unit=cast.other_team, period=YEAR)
    assert (team, other) == (Decimal("1250.10"), Decimal("99.90"))
    assert team is not None and other is not None
    assert result.value(unit=cast.department, period=YEAR) == team + other == Decimal("1350.00")


def test_a_unit_alone_leaves_out_its_subtree(cast, customer, lines):
    sell(cast.salesperson, customer, "100", lines[0])
    result = actuals(
        user=cast.admin.user,
        metric="revenue",
        periods=[YEAR],
        units=[cast.department],
        include_subtree=False,
    )
    assert result.value(unit=cast.department, period=YEAR) == Decimal("0.00")


def test_after_a_transfer_earlier_sales_stay_with_the_old_team(cast, customer, lines):
    hardware, _software = lines
    person = cast.salesperson
    UnitAssignment.objects.create(
        person=person, unit=cast.team, valid_from=datetime.date(2024, 1, 1)
    )
    UnitAssignment.objects.create(
        person=person, unit=cast.other_team, valid_from=datetime.date(2024, 7, 1)
    )
    person.unit = cast.other_team
    person.save()
    sell(person, customer, "300", hardware, day=datetime.date(2024, 3, 5))
    sell(person, customer, "700", hardware, day=datetime.date(2024, 9, 5))
    result = actuals(
        user=cast.admin.user,
        metric="revenue",
        periods=[YEAR],
        units=[cast.department, cast.team, cast.other_team],
        people=[person],
    )
    assert result.value(unit=cast.team, period=YEAR) == Decimal("300.00")
    assert result.value(unit=cast.other_team, period=YEAR) == Decimal("700.00")
    assert result.value(unit=cast.department, period=YEAR) == Decimal("1000.00")
    assert result.value(person=person, period=YEAR) == Decimal("1000.00")


def test_satisfaction_of_a_unit_weights_every_answer_and_does_not_sum(cast):
    answer(cast.salesperson, cast.team, 5)
    for _ in range(3):
        answer(cast.other_salesperson, cast.other_team, 3)
    result = actuals(
        user=cast.executive.user,
        metric="customer_satisfaction",
        periods=[YEAR],
        units=[cast.department, cast.team, cast.other_team],
    )
    assert result.value(unit=cast.team, period=YEAR) == Decimal("5.00")
    assert result.value(unit=cast.other_team, period=YEAR) == Decimal("3.00")
    # (5 + 3 + 3 + 3) / 4, not the teams' (5 + 3) / 2 and never their sum 8
    assert result.value(unit=cast.department, period=YEAR) == Decimal("3.50")
    assert result.tally(unit=cast.department, period=YEAR).count == 4


def test_satisfaction_without_answers_has_no_value(cast):
    result = actuals(
        user=cast.executive.user, metric="customer_satisfaction", periods=[YEAR], units=[cast.team]
    )
    assert result.value(unit=cast.team, period=YEAR) is None


def test_satisfaction_splits_by_region_but_not_by_product_line(cast):
    north = answer(cast.salesperson, cast.team, 4).customer.region
    answer(cast.salesperson, cast.team, 2)
    result = actuals(
        user=cast.admin.user,
        metric="customer_satisfaction",
        periods=[YEAR],
        units=[cast.team],
        split_by=["region"],
    )
    assert result.value(unit=cast.team, period=YEAR, split=[north.pk]) == Decimal("4.00")
    assert result.value(unit=cast.team, period=YEAR) == Decimal("3.00")
    with pytest.raises(DomainError) as caught:
        actuals(
            user=cast.admin.user,
            metric="customer_satisfaction",
            periods=[YEAR],
            units=[cast.team],
            split_by=["product_line"],
        )
    assert caught.value.field == "split_by"


def test_a_new_customer_counts_for_the_salesperson_of_its_first_order(cast, lines):
    hardware, _software = lines
    newcomer = CustomerFactory(code="NEW")
    sell(cast.salesperson2, newcomer, "500", hardware, day=datetime.date(2024, 4, 2))
    sell(cast.salesperson, newcomer, "100", hardware, day=datetime.date(2024, 2, 10))
    result = actuals(
        user=cast.manager.user,
        metric="new_customers",
        periods=MONTHS,
        people=[cast.salesperson, cast.salesperson2],
    )
    assert result.value(person=cast.salesperson, period="2024-02") == Decimal("1.0000")
    assert result.value(person=cast.salesperson2, period="2024-04") == Decimal("0.0000")


def test_split_credits_give_each_salesperson_their_share(cast, customer, lines):
    hardware, _software = lines
    make_order(
        customer=customer,
        salespeople=[cast.salesperson, cast.salesperson2],
        shares=[6000, 4000],
        amounts=["100.01"],
        product_line=hardware,
        ordered_on=datetime.date(2024, 3, 5),
    )
    people = [cast.salesperson, cast.salesperson2]
    revenue = actuals(
        user=cast.manager.user, metric="revenue", periods=[YEAR], people=people, units=[cast.team]
    )
    orders = actuals(
        user=cast.manager.user,
        metric="order_count",
        periods=[YEAR],
        people=people,
        units=[cast.team],
    )
    first = revenue.value(person=cast.salesperson, period=YEAR)
    second = revenue.value(person=cast.salesperson2, period=YEAR)
    assert first is not None and second is not None
    assert first + second == revenue.value(unit=cast.team, period=YEAR) == Decimal("100.01")
    assert {first, second} == {Decimal("60.01"), Decimal("40.00")}
    assert orders.value(person=cast.salesperson, period=YEAR) == Decimal("0.6000")
    assert orders.value(person=cast.salesperson2, period=YEAR) == Decimal("0.4000")
    assert orders.value(unit=cast.team, period=YEAR) == Decimal("1.0000")


def test_a_return_in_the_next_period_reduces_that_period(cast, customer, lines):
    hardware, _software = lines
    make_orders(
        order_row(
            customer=customer,
            salespeople=cast.salesperson,
            amounts=["1000"],
            product_line=hardware,
            ordered_on=datetime.date(2024, 3, 28),
            external_id="SO-1",
        ),
        order_row(
            customer=customer,
            salespeople=cast.salesperson,
            amounts=["-400"],
            product_line=hardware,
            ordered_on=datetime.date(2024, 4, 3),
            external_id="SO-1-R",
            status="returned",
            original_external_id="SO-1",
        ),
    )
    periods = [quarter_period(2024, 1), quarter_period(2024, 2), YEAR]
    revenue = actuals(user=cast.manager.user, metric="revenue", periods=periods, units=[cast.team])
    orders = actuals(
        user=cast.manager.user, metric="order_count", periods=periods, units=[cast.team]
    )
    assert revenue.value(unit=cast.team, period="2024-Q1") == Decimal("1000.00")
    assert revenue.value(unit=cast.team, period="2024-Q2") == Decimal("-400.00")
    assert revenue.value(unit=cast.team, period=YEAR) == Decimal("600.00")
    assert orders.value(unit=cast.team, period="2024-Q2") == Decimal("0.0000")
    assert orders.value(unit=cast.team, period=YEAR) == Decimal("1.0000")


def test_split_by_product_line_counts_an_order_once_per_product_line(cast, customer, lines):
    hardware, software = lines
    make_order(
        customer=customer,
        salespeople=cast.salesperson,
        amounts=["100", "50", "25"],
        product_lines=[hardware, software, hardware],
        costs=["60", None, "5"],
        ordered_on=datetime.date(2024, 3, 5),
    )
    kwargs = {"user": cast.manager.user, "periods": [YEAR], "units": [cast.team]}
    revenue = actuals(metric="revenue", split_by=["product_line"], **kwargs)
    orders = actuals(metric="order_count", split_by=["product_line"], **kwargs)
    profit = actuals(metric="gross_profit", **kwargs)
    assert revenue.value(unit=cast.team, period=YEAR, split=[hardware.pk]) == Decimal("125.00")
    assert revenue.value(unit=cast.team, period=YEAR, split=[software.pk]) == Decimal("50.00")
    assert orders.value(unit=cast.team, period=YEAR, split=[hardware.pk]) == Decimal("1.0000")
    assert orders.value(unit=cast.team, period=YEAR, split=[software.pk]) == Decimal("1.0000")
    # A line without a cost adds no gross profit (not its whole amount): 40 + 20.
    assert profit.value(unit=cast.team, period=YEAR) == Decimal("60.00")
    assert {row.product_line_id for row in revenue.rows()} == {hardware.pk, software.pk}


def test_weeks_are_answered_from_the_order_dates(cast, customer, lines):
    sell(cast.salesperson, customer, "10", lines[0], day=datetime.date(2024, 3, 4))
    sell(cast.salesperson, customer, "20", lines[0], day=datetime.date(2024, 3, 11))
    week = week_period(2024, 10)  # 4–10 March 2024
    result = actuals(user=cast.salesperson.user, metric="revenue", periods=[week])
    assert result.value(person=cast.salesperson, period=week) == Decimal("10.00")


def test_members_within_a_unit_are_counted_only_inside_it(cast, customer, lines):
    person = cast.salesperson
    UnitAssignment.objects.create(
        person=person, unit=cast.team, valid_from=datetime.date(2024, 1, 1)
    )
    UnitAssignment.objects.create(
        person=person, unit=cast.other_team, valid_from=datetime.date(2024, 7, 1)
    )
    sell(person, customer, "300", lines[0], day=datetime.date(2024, 3, 5))
    sell(person, customer, "700", lines[0], day=datetime.date(2024, 9, 5))
    result = actuals(
        user=cast.admin.user, metric="revenue", periods=[YEAR], members_within=[cast.other_team]
    )
    assert result.value(person=person, within=cast.other_team, period=YEAR) == Decimal("700.00")


# --- one aggregation, whatever the size ---------------------------------------------------


def count_queries(**kwargs):
    with CaptureQueriesContext(connection) as queries:
        actuals(**kwargs)
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_orders_people_or_periods(cast, customer, lines):
    hardware, software = lines
    request = {
        "metric": "order_count",
        "periods": [*MONTHS, *periods_of_year("quarter", 2024), YEAR],
        "units": [cast.company, cast.department, cast.team, cast.other_team],
        "people": [cast.salesperson, cast.salesperson2, cast.other_salesperson],
        "split_by": ["product_line", "region"],
        "members_within": [cast.team],
    }
    sell(cast.salesperson, customer, "1", hardware)
    few = count_queries(user=cast.admin.user, **request)
    make_orders(
        *(
            order_row(
                customer=CustomerFactory(),
                salespeople=[cast.salesperson, cast.other_salesperson],
                shares=[5000, 5000],
                amounts=["10", "20"],
                product_lines=[hardware, software],
                ordered_on=datetime.date(2024, month, 3),
            )
            for month in range(1, 13)
        )
    )
    cast.admin.user.refresh_from_db()  # a fresh user object: no cached scope
    many = count_queries(user=cast.admin.user, **request)
    assert many == few
    assert many <= 5  # scope, units, subtree paths, people, the aggregation


def test_the_people_are_read_only_when_asked_for(cast, customer, lines):
    sell(cast.salesperson, customer, "100", lines[0])
    request = {
        "user": cast.admin.user,
        "metric": "revenue",
        "periods": [YEAR],
        "people": [cast.salesperson2, cast.salesperson],
    }
    with CaptureQueriesContext(connection) as queries:
        result = actuals(**request)
    # A close asks about thousands of people and wants their values, not their records.
    assert not any("organization_orgunit" in query["sql"] for query in queries)
    assert result.value(person=cast.salesperson, period=YEAR) == Decimal("100.00")
    with CaptureQueriesContext(connection) as read:
        people = result.people
        assert [person.unit.code for person in people] == [
            cast.salesperson2.unit.code,
            cast.salesperson.unit.code,
        ]
    assert [person.pk for person in people] == [cast.salesperson2.pk, cast.salesperson.pk]
    assert len(read) == 1
    assert gc.isenabled()  # the aggregation paused the cycle collector, and only for itself


@pytest.mark.parametrize(
    ("split_by", "table"),
    [((), "sales_salesmonthtotal"), (("product_line",), "sales_salesfact")],
    ids=["month-totals", "facts"],
)
def test_only_one_query_reads_the_sales(cast, customer, lines, split_by, table):
    sell(cast.salesperson, customer, "1", lines[0])
    with CaptureQueriesContext(connection) as queries:
        actuals(
            user=cast.admin.user,
            metric="revenue",
            periods=MONTHS,
            units=[cast.team, cast.other_team],
            people=[cast.salesperson],
            split_by=split_by,
        )
    sql = [query["sql"] for query in queries]
    assert sum(table in one for one in sql) == 1
    assert sum("sales_salesfact" in one or "sales_salesmonthtotal" in one for one in sql) == 1


# --- visibility -----------------------------------------------------------------------------


def test_a_salesperson_gets_only_themselves(cast, customer, lines):
    sell(cast.salesperson, customer, "100", lines[0])
    sell(cast.salesperson2, customer, "900", lines[0])
    assert default_subjects(user=cast.salesperson.user) == ([], [cast.salesperson.pk])
    result = actuals(user=cast.salesperson.user, metric="revenue", periods=[YEAR])
    assert result.value(person=cast.salesperson, period=YEAR) == Decimal("100.00")
    with pytest.raises(Http404):
        actuals(user=cast.salesperson.user, metric="revenue", periods=[YEAR], units=[cast.team])
    with pytest.raises(Http404):
        actuals(
            user=cast.salesperson.user, metric="revenue", periods=[YEAR], people=[cast.salesperson2]
        )


def test_a_manager_sees_their_team_but_not_another(cast, customer, lines):
    sell(cast.salesperson, customer, "100", lines[0])
    assert default_subjects(user=cast.manager.user) == ([cast.team.pk], [])
    assert list(visible_units(user=cast.manager.user)) == [cast.team]
    result = actuals(user=cast.manager.user, metric="revenue", periods=[YEAR])
    assert result.value(unit=cast.team, period=YEAR) == Decimal("100.00")
    for forbidden in ({"units": [cast.other_team]}, {"units": [cast.department]}):
        with pytest.raises(Http404):
            actuals(user=cast.manager.user, metric="revenue", periods=[YEAR], **forbidden)
    with pytest.raises(Http404):
        actuals(
            user=cast.manager.user,
            metric="revenue",
            periods=[YEAR],
            people=[cast.other_salesperson],
        )


def test_a_manager_does_not_see_what_a_newcomer_sold_in_another_team(cast, customer, lines):
    person = cast.other_salesperson
    UnitAssignment.objects.create(
        person=person, unit=cast.other_team, valid_from=datetime.date(2024, 1, 1)
    )
    UnitAssignment.objects.create(
        person=person, unit=cast.team, valid_from=datetime.date(2024, 7, 1)
    )
    person.unit = cast.team
    person.save()
    sell(person, customer, "300", lines[0], day=datetime.date(2024, 3, 5))
    sell(person, customer, "700", lines[0], day=datetime.date(2024, 9, 5))
    result = actuals(user=cast.manager.user, metric="revenue", periods=[YEAR], people=[person])
    assert result.value(person=person, period=YEAR) == Decimal("700.00")


def test_company_wide_roles_start_from_the_company(cast):
    for who in ("admin", "executive", "hr"):
        assert default_subjects(user=getattr(cast, who).user) == ([cast.company.pk], [])


def test_a_login_without_a_person_gets_an_empty_result_and_404_for_anything_named(cast):
    result = actuals(user=cast.outsider, metric="revenue", periods=[YEAR])
    assert result.units == [] and result.people == [] and result.rows() == []
    with pytest.raises(Http404):
        actuals(user=cast.outsider, metric="revenue", periods=[YEAR], units=[cast.company])


def test_an_unknown_metric_or_split_is_a_domain_error(cast):
    with pytest.raises(DomainError) as caught:
        actuals(user=cast.admin.user, metric="market_share", periods=[YEAR])
    assert caught.value.field == "metric"
    with pytest.raises(DomainError) as caught:
        actuals(user=cast.admin.user, metric="revenue", periods=[YEAR], split_by=["colour"])
    assert caught.value.field == "split_by"


def test_a_month_outside_the_periods_is_not_counted(cast, customer, lines):
    sell(cast.salesperson, customer, "100", lines[0], day=datetime.date(2023, 12, 31))
    sell(cast.salesperson, customer, "5", lines[0], day=datetime.date(2024, 1, 1))
    result = actuals(
        user=cast.admin.user,
        metric="revenue",
        periods=[month_period(2024, 1), month_period(2024, 3)],
        units=[cast.team],
    )
    assert result.value(unit=cast.team, period="2024-01") == Decimal("5.00")


def test_a_request_about_a_thousand_and_one_teams_is_one_aggregation(cast, customer, lines):
    """At L a company has thousands of teams; their subtrees are not OR'ed LIKEs (SQLite
    parses at most a thousand levels of them)."""
    from salesalign.organization.models import OrgUnit

    hardware, _software = lines
    sell(cast.salesperson, customer, "100.00", hardware)
    root = cast.company
    root.refresh_from_db()
    teams = [
        OrgUnit(
            code=f"BULK{index:04d}",
            name=f"Team {index}",
            kind="team",
            path=OrgUnit._get_path(root.path, root.depth + 1, root.numchild + index),
            depth=root.depth + 1,
            numchild=0,
        )
        for index in range(1, 1002)
    ]
    OrgUnit.objects.bulk_create(teams)
    OrgUnit.objects.filter(pk=root.pk).update(numchild=root.numchild + len(teams))
    asked = [
        cast.team.pk,
        *OrgUnit.objects.filter(code__startswith="BULK").values_list("pk", flat=True),
    ]
    with CaptureQueriesContext(connection) as queries:
        result = actuals(user=cast.executive.user, metric="revenue", periods=[YEAR], units=asked)
    assert result.value(unit=cast.team, period=YEAR) == Decimal("100.00")
    assert result.value(unit=asked[-1], period=YEAR) == Decimal("0.00")
    assert len(queries) <= 6
