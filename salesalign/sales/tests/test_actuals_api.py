"""GET /api/v1/sales/actuals: the page's numbers as rows, with the same visibility."""

from __future__ import annotations

import datetime

import pytest

from salesalign.organization.tests.factories import ProductLineFactory
from salesalign.sales.tests.factories import CustomerFactory, make_order

pytestmark = pytest.mark.django_db

URL = "/api/v1/sales/actuals"


@pytest.fixture
def sales(cast):
    hardware = ProductLineFactory(code="HW")
    software = ProductLineFactory(code="SW")
    customer = CustomerFactory(code="ACME")
    for who, amount, day in (
        ("salesperson", "1000.00", datetime.date(2024, 3, 5)),
        ("salesperson2", "200.00", datetime.date(2024, 8, 5)),
        ("other_salesperson", "30.00", datetime.date(2024, 3, 9)),
    ):
        make_order(
            customer=customer,
            salespeople=getattr(cast, who),
            amounts=[amount, "1.00"],
            product_lines=[hardware, software],
            ordered_on=day,
        )
    return hardware, software


def get(cast, who, query):
    return cast.client_for(who).get(f"{URL}?{query}")


@pytest.mark.parametrize(
    ("who", "subject", "total"),
    [
        ("admin", ("unit_id", "company"), "1233.00"),
        ("executive", ("unit_id", "company"), "1233.00"),
        ("hr", ("unit_id", "company"), "1233.00"),
        ("manager", ("unit_id", "team"), "1202.00"),
        ("salesperson", ("person_id", "salesperson"), "1001.00"),
        ("salesperson2", ("person_id", "salesperson2"), "201.00"),
        ("other_salesperson", ("person_id", "other_salesperson"), "31.00"),
    ],
)
def test_each_member_of_the_cast_gets_their_default_slice(cast, sales, who, subject, total):
    response = get(cast, who, "year=2024&period=year")
    assert response.status_code == 200
    rows = response.json()["rows"]
    field, name = subject
    assert [(row[field], row["period"], row["value"]) for row in rows] == [
        (getattr(cast, name).pk, "2024", total)
    ]


def test_a_login_without_a_person_gets_no_rows(cast, sales):
    response = get(cast, "outsider", "year=2024")
    assert response.status_code == 200
    assert response.json()["rows"] == []


@pytest.mark.parametrize(
    ("who", "query"),
    [
        ("manager", "unit={other_team}"),
        ("manager", "person={other_salesperson}"),
        ("salesperson", "unit={team}"),
        ("outsider", "unit={company}"),
    ],
)
def test_a_unit_or_person_out_of_sight_answers_404(cast, sales, who, query):
    ids = {
        "team": cast.team.pk,
        "other_team": cast.other_team.pk,
        "company": cast.company.pk,
        "other_salesperson": cast.other_salesperson.pk,
    }
    response = get(cast, who, "year=2024&" + query.format(**ids))
    assert response.status_code == 404
    assert "30.00" not in response.content.decode()


def test_rows_by_month_for_several_units_and_a_person(cast, sales):
    query = (
        f"year=2024&unit={cast.team.pk}&unit={cast.other_team.pk}"
        f"&person={cast.salesperson2.pk}&include_subtree=false"
    )
    body = get(cast, "executive", query).json()
    assert len(body["periods"]) == 12
    values = {
        (row["unit_id"], row["person_id"], row["period"]): row["value"] for row in body["rows"]
    }
    assert values == {
        (cast.team.pk, None, "2024-03"): "1001.00",
        (cast.team.pk, None, "2024-08"): "201.00",
        (cast.other_team.pk, None, "2024-03"): "31.00",
        (None, cast.salesperson2.pk, "2024-08"): "201.00",
    }


def test_split_by_product_line_answers_one_row_per_product_line(cast, sales):
    hardware, software = sales
    body = get(
        cast, "manager", "year=2024&period=quarter&split_by=product_line&metric=order_count"
    ).json()
    assert body["split_by"] == ["product_line"]
    rows = {(row["period"], row["product_line_id"]): row["value"] for row in body["rows"]}
    assert rows == {
        ("2024-Q1", hardware.pk): "1.0000",
        ("2024-Q1", software.pk): "1.0000",
        ("2024-Q3", hardware.pk): "1.0000",
        ("2024-Q3", software.pk): "1.0000",
    }


def test_a_metric_without_actuals_or_a_bad_split_is_refused_with_the_field(cast, sales):
    response = get(cast, "admin", "metric=market_share")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "metric"
    response = get(cast, "admin", "metric=customer_satisfaction&split_by=product_line")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "split_by"


def test_the_endpoint_needs_a_login(client, sales):
    assert client.get(URL).status_code == 401
