"""The sales API, tried by the cast: visibility, role checks, the all-or-nothing bulk endpoint."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from conftest import MEMBERS
from salesalign.organization.tests.factories import ProductLineFactory
from salesalign.sales.models import Customer, Order, OrderLine, SalesFact, SatisfactionResponse
from salesalign.sales.tests.factories import CustomerFactory, make_order

pytestmark = pytest.mark.django_db

BASE = "/api/v1/sales"


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def put(client, url, data):
    return client.put(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


@pytest.fixture
def product_line(db):
    return ProductLineFactory(code="PL1")


@pytest.fixture
def orders(cast, product_line):
    """One order for each salesperson of the cast (team A: sales1, sales2; team B: sales3)."""
    made = {}
    for who in ("salesperson", "salesperson2", "other_salesperson"):
        person = getattr(cast, who)
        customer = CustomerFactory(code=f"CUST-{who}", owner=person)
        made[who] = make_order(
            customer=customer,
            salespeople=person,
            product_line=product_line,
            external_id=f"O-{who}",
            source="api",
        )
    return made


def order_json(external_id="B-1", customer="CUST-salesperson", number="sales1", **extra):
    data = {
        "external_id": external_id,
        "customer_code": customer,
        "ordered_on": "2024-03-05",
        "lines": [{"product_line_code": "PL1", "amount": "100.00", "cost": "60.00"}],
        "credits": [{"employee_number": number, "share": 10_000}],
    }
    data.update(extra)
    return data


# --- visibility --------------------------------------------------------------------------

SEEN = {
    "admin": {"O-salesperson", "O-salesperson2", "O-other_salesperson"},
    "executive": {"O-salesperson", "O-salesperson2", "O-other_salesperson"},
    "hr": {"O-salesperson", "O-salesperson2", "O-other_salesperson"},
    "manager": {"O-salesperson", "O-salesperson2"},
    "salesperson": {"O-salesperson"},
    "salesperson2": {"O-salesperson2"},
    "other_salesperson": {"O-other_salesperson"},
    "outsider": set(),
}


@pytest.mark.parametrize("who", MEMBERS)
def test_each_member_of_the_cast_lists_the_orders_they_may_see(cast, orders, who):
    response = cast.client_for(who).get(f"{BASE}/orders")
    assert response.status_code == 200
    body = response.json()
    assert {item["external_id"] for item in body["items"]} == SEEN[who]
    assert body["count"] == len(SEEN[who])


@pytest.mark.parametrize("who", MEMBERS)
def test_an_order_outside_ones_view_is_a_404(cast, orders, who):
    order = orders["other_salesperson"]
    response = cast.client_for(who).get(f"{BASE}/orders/{order.pk}")
    if "O-other_salesperson" in SEEN[who]:
        assert response.json()["lines"][0]["amount"] == "1000.00"
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("who", MEMBERS)
def test_each_member_lists_the_customers_they_may_see(cast, orders, who):
    response = cast.client_for(who).get(f"{BASE}/customers")
    codes = {item["code"] for item in response.json()["items"]}
    assert codes == {order.replace("O-", "CUST-") for order in SEEN[who]}


def test_an_order_is_shown_with_lines_credits_and_units(cast, orders):
    order = orders["salesperson"]
    body = cast.client_for("manager").get(f"{BASE}/orders/{order.pk}").json()
    assert body["customer_code"] == "CUST-salesperson"
    assert body["lines"] == [
        {
            "position": 1,
            "product_line_id": order.lines.get().product_line_id,
            "product_line_code": "PL1",
            "quantity": "1.000",
            "amount": "1000.00",
            "cost": None,
        }
    ]
    assert body["credits"] == [
        {
            "salesperson_id": cast.salesperson.pk,
            "employee_number": "sales1",
            "unit_id": cast.team.pk,
            "unit_code": "T1",
            "share": 10_000,
        }
    ]


def test_the_order_list_runs_a_fixed_number_of_queries(
    cast, product_line, django_assert_max_num_queries
):
    client = cast.client_for("manager")
    customer = CustomerFactory(owner=cast.salesperson)
    for _ in range(3):
        make_order(customer=customer, salespeople=cast.salesperson, product_line=product_line)
    client.get(f"{BASE}/orders")  # session and scope are read on the first request
    with django_assert_max_num_queries(12) as few:
        client.get(f"{BASE}/orders")
    for _ in range(20):
        make_order(
            customer=customer,
            salespeople=[cast.salesperson, cast.salesperson2],
            product_line=product_line,
            amounts=["1", "2"],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"{BASE}/orders")
    assert response.json()["count"] == 23


# --- single writes -----------------------------------------------------------------------


def test_a_salesperson_creates_an_order_for_themselves(cast, orders):
    client = cast.client_for("salesperson")
    response = post(client, f"{BASE}/orders", order_json(external_id="NEW-1"))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["source"], body["external_id"], body["status"]) == ("api", "NEW-1", "won")
    assert (
        sum(SalesFact.objects.filter(order_id=body["id"]).values_list("revenue_cents", flat=True))
        == 10000
    )


def test_crediting_someone_else_is_refused_with_the_field(cast, orders):
    client = cast.client_for("salesperson")
    response = post(client, f"{BASE}/orders", order_json(external_id="NEW-1", number="sales3"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "credits[0].employee_number"
    assert not Order.objects.filter(external_id="NEW-1").exists()


@pytest.mark.parametrize("who", ["hr", "outsider"])
def test_readers_may_not_write_orders(cast, orders, who):
    response = post(cast.client_for(who), f"{BASE}/orders", order_json(external_id="NEW-1"))
    assert response.status_code == 403
    assert not Order.objects.filter(external_id="NEW-1").exists()


def test_an_order_is_replaced_and_deleted_by_its_manager(cast, orders):
    order = orders["salesperson"]
    client = cast.client_for("manager")
    data = order_json(external_id="O-salesperson", customer="CUST-salesperson")
    data["lines"] = [{"product_line_code": "PL1", "amount": "5.55"}]
    response = put(client, f"{BASE}/orders/{order.pk}", data)
    assert response.status_code == 200, response.json()
    assert OrderLine.objects.get(order=order).amount == Decimal("5.55")
    assert (
        put(cast.client_for("other_manager"), f"{BASE}/orders/{order.pk}", data).status_code == 404
    )
    assert cast.client_for("salesperson").delete(f"{BASE}/orders/{order.pk}").status_code == 403
    assert client.delete(f"{BASE}/orders/{order.pk}").status_code == 204
    assert not Order.objects.filter(pk=order.pk).exists()
    assert client.delete(f"{BASE}/orders/{orders['other_salesperson'].pk}").status_code == 404


def test_customers_are_created_changed_and_deleted(cast):
    client = cast.client_for("salesperson")
    response = post(client, f"{BASE}/customers", {"code": "K-1", "name": "客户一"})
    assert response.status_code == 201
    body = response.json()
    assert (body["owner_employee_number"], body["source"]) == ("sales1", "api")
    response = patch(client, f"{BASE}/customers/{body['id']}", {"name_en": "Customer One"})
    assert response.json()["name_en"] == "Customer One"
    response = patch(client, f"{BASE}/customers/{body['id']}", {"owner": "sales3"})
    assert response.status_code == 400  # sales3 is not someone sales1 can see
    assert cast.client_for("other_manager").get(f"{BASE}/customers/{body['id']}").status_code == 404
    assert client.delete(f"{BASE}/customers/{body['id']}").status_code == 403
    assert cast.client_for("manager").delete(f"{BASE}/customers/{body['id']}").status_code == 204
    assert not Customer.objects.filter(code="K-1").exists()


def test_satisfaction_answers_are_recorded_listed_and_corrected(cast, orders):
    client = cast.client_for("salesperson")
    data = {
        "customer_code": "CUST-salesperson",
        "salesperson": "sales1",
        "scale": "nps",
        "score": 8,
        "responded_on": "2024-03-05",
    }
    response = post(client, f"{BASE}/satisfaction-responses", data)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["score_normalized"], body["channel"], body["unit_id"]) == (
        420,
        "api",
        cast.team.pk,
    )
    answer_url = f"{BASE}/satisfaction-responses/{body['id']}"
    assert cast.client_for("other_salesperson").get(answer_url).status_code == 404
    listed = cast.client_for("manager").get(f"{BASE}/satisfaction-responses").json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert put(client, answer_url, {**data, "score": 10}).status_code == 403
    assert put(cast.client_for("manager"), answer_url, {**data, "score": 10}).json()["score"] == 10
    bad = post(client, f"{BASE}/satisfaction-responses", {**data, "scale": "five", "score": 9})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "score"
    assert cast.client_for("manager").delete(answer_url).status_code == 204
    assert not SatisfactionResponse.objects.exists()


# --- bulk --------------------------------------------------------------------------------


def bulk(client, orders, **extra):
    return post(client, f"{BASE}/orders/bulk", {"orders": orders, **extra})


def test_bulk_creates_then_answers_unchanged_for_the_same_orders(cast, orders):
    client = cast.client_for("manager")
    rows = [
        order_json(external_id=f"B-{index}", number="sales2" if index % 2 else "sales1")
        for index in range(5)
    ]
    first = bulk(client, rows)
    assert first.status_code == 200, first.json()
    body = first.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (5, 0, 0)
    assert [r["index"] for r in body["results"]] == [0, 1, 2, 3, 4]
    assert {r["outcome"] for r in body["results"]} == {"created"}
    ids = [r["id"] for r in body["results"]]
    rows[2]["lines"][0]["amount"] = "99.00"
    again = bulk(client, rows).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 4)
    assert [r["id"] for r in again["results"]] == ids
    assert again["results"][2]["outcome"] == "updated"
    assert Order.objects.filter(source="api", external_id__startswith="B-").count() == 5


def test_a_malformed_row_rejects_the_whole_call(cast, orders):
    client = cast.client_for("manager")
    rows = [order_json(external_id=f"B-{index}") for index in range(5)]
    rows[3]["lines"][0]["amount"] = "lots"
    rows[4]["ordered_on"] = ""
    response = bulk(client, rows)
    assert response.status_code == 400
    fields = [error["field"] for error in response.json()["errors"]]
    assert fields == ["orders[3].lines[0].amount", "orders[4].ordered_on"]
    assert not Order.objects.filter(external_id__startswith="B-").exists()


def test_a_row_breaking_a_rule_rejects_the_whole_call(cast, orders):
    client = cast.client_for("manager")
    rows = [order_json(external_id=f"B-{index}") for index in range(5)]
    rows[3]["credits"] = [
        {"employee_number": "sales1", "share": 5000},
        {"employee_number": "sales2", "share": 4000},
    ]
    rows[4]["external_id"] = "B-0"
    response = bulk(client, rows)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [error["field"] for error in errors] == ["orders[3].credits", "orders[4].external_id"]
    assert "90 %" in errors[0]["reason"]
    assert not Order.objects.filter(external_id__startswith="B-").exists()


def test_a_dry_run_answers_without_writing(cast, orders):
    response = bulk(
        cast.client_for("admin"),
        [order_json(external_id="B-1"), order_json(external_id="O-salesperson")],
        dry_run=True,
    )
    body = response.json()
    assert [r["outcome"] for r in body["results"]] == ["created", "updated"]
    assert not Order.objects.filter(external_id="B-1").exists()


def test_more_than_ten_thousand_orders_are_refused(cast):
    rows = [order_json(external_id=f"B-{index}") for index in range(10_001)]
    response = bulk(cast.client_for("admin"), rows)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "orders"
    assert not Order.objects.exists()


def test_bulk_needs_a_writing_role(cast, orders):
    assert bulk(cast.client_for("hr"), [order_json()]).status_code == 403
    assert bulk(cast.client_for("outsider"), [order_json()]).status_code == 403


def test_a_return_in_bulk_takes_its_originals_credits(cast, orders):
    back = order_json(
        external_id="R-1",
        status="returned",
        original_external_id="O-salesperson",
        ordered_on=str(datetime.date(2024, 4, 1)),
        credits=[],
    )
    back["lines"][0]["amount"] = "-100.00"
    response = bulk(cast.client_for("manager"), [back])
    assert response.status_code == 200, response.json()
    returned = Order.objects.get(external_id="R-1")
    assert returned.original_order == orders["salesperson"]
    assert list(returned.credits.values_list("salesperson__employee_number", flat=True)) == [
        "sales1"
    ]
