"""The actuals page: each member of the cast sees their own slice; numbers match the orders."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.templatetags.static import static
from django.urls import reverse

from salesalign.organization.models import Person
from salesalign.organization.tests.factories import ProductLineFactory
from salesalign.sales.models import SHARE_SCALE, OrderCredit, OrderLine, SatisfactionResponse
from salesalign.sales.tests.factories import CustomerFactory, make_order, make_orders, order_row

pytestmark = pytest.mark.django_db

URL = reverse("sales:actuals")


@pytest.fixture
def lines(db):
    return ProductLineFactory(code="HW", name_en="Hardware"), ProductLineFactory(
        code="SW", name_en="Software"
    )


@pytest.fixture
def sales(cast, lines):
    """One order per salesperson in March 2024 (amounts tell them apart)."""
    hardware, software = lines
    customer = CustomerFactory(code="ACME")
    amounts = {"salesperson": "1000.00", "salesperson2": "20000.00", "other_salesperson": "300.00"}
    for who, amount in amounts.items():
        make_order(
            customer=customer,
            salespeople=getattr(cast, who),
            amounts=[amount, "5.00"],
            product_lines=[hardware, software],
            ordered_on=datetime.date(2024, 3, 5),
        )
    return amounts


def page_of(cast, who, query="year=2024"):
    response = cast.client_for(who).get(f"{URL}?{query}")
    return response, response.context["page"] if response.status_code == 200 else None


@pytest.mark.parametrize(
    ("who", "subject", "total"),
    [
        ("admin", "Example Co", "21315.00"),
        ("executive", "Example Co", "21315.00"),
        ("hr", "Example Co", "21315.00"),
        ("manager", "East Team", "21010.00"),
        ("salesperson", "Sales1", "1005.00"),
        ("salesperson2", "Sales2", "20005.00"),
        ("other_salesperson", "Sales3", "305.00"),
    ],
)
def test_each_member_of_the_cast_starts_from_what_they_may_see(cast, sales, who, subject, total):
    response, page = page_of(cast, who)
    assert response.status_code == 200
    assert page.subject_name == subject
    assert page.total.total == Decimal(total)
    assert f"{Decimal(total):,.2f}" in response.content.decode()


def test_a_login_without_a_person_sees_an_empty_page_not_an_error(cast, sales):
    response, page = page_of(cast, "outsider")
    assert response.status_code == 200
    assert page.is_empty
    assert 'id="actuals-empty"' in response.content.decode()
    assert "1,005.00" not in response.content.decode()


@pytest.mark.parametrize(
    ("who", "query"),
    [
        ("manager", "unit={other_team}"),
        ("manager", "unit={department}"),
        ("manager", "person={other_salesperson}"),
        ("salesperson", "unit={team}"),
        ("salesperson", "person={salesperson2}"),
        ("outsider", "unit={company}"),
        ("manager", "unit=999999"),
    ],
)
def test_asking_for_someone_out_of_sight_is_a_404(cast, sales, who, query):
    ids = {
        name: getattr(cast, name).pk
        for name in ("team", "other_team", "department", "company", "salesperson2")
    }
    ids["other_salesperson"] = cast.other_salesperson.pk
    response = cast.client_for(who).get(f"{URL}?{query.format(**ids)}")
    assert response.status_code == 404


def test_the_manager_sees_the_team_by_month_and_product_line_and_each_member(cast, sales):
    response, page = page_of(cast, "manager")
    html = response.content.decode()
    by_line = {row.label: row for row in page.split_rows}
    assert by_line["Hardware"].values[2] == Decimal("21000.00")  # March
    assert by_line["Hardware"].total == Decimal("21000.00")
    assert by_line["Software"].total == Decimal("10.00")
    members = {row.label: row.total for row in page.member_rows}
    assert members == {
        "Manager": Decimal("0.00"),
        "Sales1": Decimal("1005.00"),
        "Sales2": Decimal("20005.00"),
    }
    assert "Sales3" not in html
    assert "20,005.00" in html  # thousands separators
    chart = json.loads(re.search(r'id="actuals-chart-data"[^>]*>(.*?)</script>', html).group(1))
    assert [series["name"] for series in chart["series"]] == ["Hardware", "Software"]
    assert chart["stacked"] is True
    assert chart["series"][0]["data"][2] == 21000.0


def test_product_lines_of_a_family_are_shown_under_its_sum_as_targets_are_set(cast):
    hardware = ProductLineFactory(code="HW", name_en="Hardware")
    robots = ProductLineFactory(parent=hardware, code="HW-R", name_en="Robots")
    sensors = ProductLineFactory(parent=hardware, code="HW-S", name_en="Sensors")
    software = ProductLineFactory(code="SW", name_en="Software")
    make_order(
        customer=CustomerFactory(code="ACME"),
        salespeople=cast.salesperson,
        amounts=["1000.00", "200.00", "30.00"],
        product_lines=[robots, sensors, software],
        ordered_on=datetime.date(2024, 3, 5),
    )
    response, page = page_of(cast, "manager")
    table = [(row.label, row.group, row.depth, row.total) for row in page.split_table_rows]
    assert table == [
        ("Hardware", True, 0, Decimal("1200.00")),
        ("Robots", False, 1, Decimal("1000.00")),
        ("Sensors", False, 1, Decimal("200.00")),
        ("Software", False, 0, Decimal("30.00")),
    ]
    assert page.split_table_rows[0].values[2] == Decimal("1200.00")  # March
    assert [row.label for row in page.split_rows] == ["Robots", "Sensors", "Software"]  # chart
    assert 'class="actuals-group"' in response.content.decode()
    # Order counts are not summed: one order with two hardware lines is one hardware order.
    _response, counts = page_of(cast, "manager", "year=2024&metric=order_count")
    assert not any(row.group for row in counts.split_table_rows)


def test_sales_booked_on_a_family_itself_are_named_so_under_its_sum(cast):
    hardware = ProductLineFactory(code="HW", name_en="Hardware")
    robots = ProductLineFactory(parent=hardware, code="HW-R", name_en="Robots")
    make_order(
        customer=CustomerFactory(code="ACME"),
        salespeople=cast.salesperson,
        amounts=["1000.00", "50.00"],
        product_lines=[robots, hardware],
        ordered_on=datetime.date(2024, 3, 5),
    )
    _response, page = page_of(cast, "manager")
    table = [(row.label, row.depth, row.total) for row in page.split_table_rows]
    assert table == [
        ("Hardware", 0, Decimal("1050.00")),
        ("Hardware, booked on it directly", 1, Decimal("50.00")),
        ("Robots", 1, Decimal("1000.00")),
    ]


def test_the_chart_library_comes_from_our_own_static_files(cast, sales):
    html = page_of(cast, "manager")[0].content.decode()
    # static(): the hashed name once collectstatic has run (after `make demo`), else plain.
    assert static("vendor/echarts/echarts.min.js") in html
    assert not re.search(r'<script[^>]+src="(https?:)?//', html)


def test_a_department_is_broken_down_by_its_teams(cast, sales):
    _response, page = page_of(cast, "executive", f"year=2024&unit={cast.department.pk}&split=")
    teams = {row.label: row.total for row in page.child_rows}
    assert teams == {"East Team": Decimal("21010.00"), "North Team": Decimal("305.00")}
    assert page.total.total == sum(teams.values())


def test_a_large_unit_leads_to_its_people_through_its_sub_units(cast, sales, monkeypatch):
    # A company of thousands is not listed person by person: its sub-units link down to them.
    from salesalign.sales.selectors import actuals as selector

    monkeypatch.setattr(selector, "MEMBERS_LISTED", 2)
    query = f"year=2024&unit={cast.department.pk}&split="
    response, page = page_of(cast, "executive", query)
    html = response.content.decode()
    people = Person.objects.filter(
        unit__path__startswith=cast.department.path, is_active=True
    ).count()
    assert people > 2
    assert page.member_rows == []
    assert page.members_hidden == people
    assert 'id="actuals-by-member"' not in html
    assert f"{people} people work here" in html
    assert f'unit={cast.team.pk}">East Team</a>' in html
    assert page.total.total == Decimal("21315.00")  # the numbers do not change
    # A team (no sub-units) still lists everyone, however many.
    _response, team = page_of(cast, "executive", f"year=2024&unit={cast.team.pk}")
    assert {row.label for row in team.member_rows} >= {"Sales1", "Sales2"}
    assert team.members_hidden == 0


def test_a_member_link_opens_that_persons_actuals(cast, sales):
    _response, page = page_of(cast, "manager", f"year=2024&person={cast.salesperson2.pk}")
    assert page.person == cast.salesperson2
    assert page.total.total == Decimal("20005.00")
    assert page.member_rows == []


def test_quarters_show_four_columns_and_the_year_total(cast, sales):
    _response, page = page_of(cast, "manager", "year=2024&period=quarter")
    assert page.period_labels == ["Q1", "Q2", "Q3", "Q4"]
    assert page.total.values[0] == page.total.total == Decimal("21010.00")


def test_the_totals_agree_with_a_direct_sum_of_the_orders(cast, lines):
    hardware, software = lines
    customer = CustomerFactory(code="BIG")
    rows = [
        order_row(
            customer=customer,
            salespeople=[cast.salesperson, cast.salesperson2],
            shares=[3333, 6667],
            amounts=[f"{100 + month}.37", "19.99"],
            product_lines=[hardware, software],
            ordered_on=datetime.date(2024, month, 7),
            external_id=f"SO-{month}",
        )
        for month in range(1, 13)
    ]
    rows.append(
        order_row(
            customer=customer,
            salespeople=[cast.salesperson, cast.salesperson2],
            shares=[3333, 6667],
            amounts=["-50.00"],
            product_lines=[hardware],
            ordered_on=datetime.date(2024, 4, 1),
            external_id="SO-3-R",
            status="returned",
            original_external_id="SO-3",
        )
    )
    make_orders(*rows)
    _response, page = page_of(cast, "manager")
    team_credits = OrderCredit.objects.filter(unit=cast.team)
    direct = sum(
        line.amount * credit.share / SHARE_SCALE
        for credit in team_credits
        for line in OrderLine.objects.filter(order=credit.order)
    )
    assert page.total.total == Decimal(direct).quantize(Decimal("0.01"))
    march = sum(
        line.amount * credit.share / SHARE_SCALE
        for credit in team_credits.filter(salesperson=cast.salesperson)
        for line in OrderLine.objects.filter(order__ordered_on__month=3, order=credit.order)
    )
    sales1 = next(row for row in page.member_rows if row.key == cast.salesperson.pk)
    # Each credit's cents are split with the largest remainder: at most a cent per line away.
    assert abs(sales1.values[2] - march) <= Decimal("0.02")


def test_the_query_count_stays_constant_as_orders_grow(cast, lines, django_assert_max_num_queries):
    hardware, software = lines

    def add_orders(count, offset):
        make_orders(
            *(
                order_row(
                    customer=CustomerFactory(),
                    salespeople=[cast.salesperson, cast.salesperson2],
                    amounts=["10", "20"],
                    product_lines=[hardware, software],
                    ordered_on=datetime.date(2024, (index % 12) + 1, 3),
                    external_id=f"Q-{offset + index}",
                )
                for index in range(count)
            )
        )

    client = cast.client_for("manager")
    add_orders(2, 0)
    client.get(URL + "?year=2024")  # warm the session
    with django_assert_max_num_queries(15) as few:
        client.get(URL + "?year=2024")
    add_orders(40, 100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL + "?year=2024")
    assert response.context["page"].total.total == Decimal("1260.00")


def test_satisfaction_shows_the_average_and_the_answers_and_refuses_a_product_line_split(cast):
    for score in (5, 4, 4):
        SatisfactionResponse.objects.create(
            customer=CustomerFactory(),
            salesperson=cast.salesperson,
            unit=cast.team,
            score=score,
            score_normalized=score * 100,
            responded_on=datetime.date(2024, 5, 6),
            month=202405,
        )
    response, page = page_of(cast, "manager", "year=2024&metric=customer_satisfaction")
    assert page.total.total == Decimal("4.33")
    assert page.total.count == 3
    assert 'id="actuals-responses"' in response.content.decode()
    response, page = page_of(
        cast, "manager", "year=2024&metric=customer_satisfaction&split=product_line"
    )
    assert page is None
    assert "not product lines" in response.content.decode()


def test_the_actuals_block_shows_the_years_headline_numbers(cast, sales):
    response = cast.client_for("manager").get(reverse("sales:actuals_block") + "?year=2024")
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'data-metric="revenue">\s*21,010.00', html)
    assert "East Team" in html


def test_the_actuals_block_for_a_login_without_a_person_is_empty(cast, sales):
    response = cast.client_for("outsider").get(reverse("sales:actuals_block") + "?year=2024")
    assert "21,315.00" not in response.content.decode()
    assert response.context["summary"].values == []


def test_a_month_that_has_not_begun_shows_no_value_not_a_zero(cast, sales):
    from salesalign.sales.selectors.actuals import actuals_page

    page = actuals_page(
        user=cast.manager.user,
        metric="revenue",
        fiscal_year=2024,
        unit_id=cast.team.pk,
        today=datetime.date(2024, 11, 29),
    )
    months = page.total.values
    assert len(months) == 12
    assert months[2] == Decimal("21010.00")  # March, sold
    assert months[3] == Decimal(0)  # April: begun, nothing sold
    assert months[10] == Decimal(0) and months[11] is None  # November begun, December not
    assert page.total.total == Decimal("21010.00")
    assert page.chart["series"][0]["data"][11] is None  # a gap in the chart, not a drop to 0
