"""Order pages: the list, an order's page, entering and changing orders, deleting them."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import MEMBERS
from salesalign.organization.tests.factories import PersonFactory, ProductLineFactory
from salesalign.sales import services
from salesalign.sales.models import Order, OrderCredit, OrderLine, SalesFact
from salesalign.sales.rows import CreditRow, LineRow, OrderRow
from salesalign.sales.tests.factories import CustomerFactory, make_order
from salesalign.sales.tests.views_world import CUSTOMERS_SEEN, ORDERS_SEEN, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast) -> World:
    return build_world(cast)


LIST = reverse("sales:order_list")
CREATE = reverse("sales:order_create")


def detail_url(order) -> str:
    return reverse("sales:order_detail", args=[order.pk])


def ids_listed(response) -> set[str]:
    return {order.external_id for order in response.context["orders"]}


def order_data(
    *,
    customer="ACME",
    ordered_on="2024-04-02",
    status="won",
    external_id="",
    original_order="",
    lines=(("PL1", "1", "800.00", "500.00"),),
    credits=(("sales1", "100"),),
    initial_lines=0,
    initial_credits=0,
):
    """The POST of the order form: the head, then the two formsets."""
    data = {
        "external_id": external_id,
        "customer": customer,
        "ordered_on": ordered_on,
        "status": status,
        "original_order": original_order,
        "currency": "cny",
        "note": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": str(initial_lines),
        "credits-TOTAL_FORMS": str(len(credits)),
        "credits-INITIAL_FORMS": str(initial_credits),
    }
    from salesalign.organization.models import ProductLine

    for index, (code, quantity, amount, cost) in enumerate(lines):
        product_line = ProductLine.objects.filter(code=code).first()
        data[f"lines-{index}-product_line"] = str(product_line.pk) if product_line else "999999"
        data[f"lines-{index}-quantity"] = quantity
        data[f"lines-{index}-amount"] = amount
        data[f"lines-{index}-cost"] = cost
    for index, (number, share) in enumerate(credits):
        data[f"credits-{index}-salesperson"] = number
        data[f"credits-{index}-share"] = share
    return data


def facts_of(order) -> list[tuple]:
    """An order's facts, without the ids that differ from one write to the next."""
    return sorted(
        SalesFact.objects.filter(order=order).values_list(
            "ordered_on",
            "month",
            "person_id",
            "unit_id",
            "customer_id",
            "product_line_id",
            "region_id",
            "segment_id",
            "revenue_cents",
            "cost_cents",
            "order_share",
            "product_line_order_share",
            "new_customer_share",
        )
    )


# --- the list ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", MEMBERS)
def test_the_order_list_shows_exactly_the_orders_credited_to_people_the_viewer_may_see(
    cast, world, who
):
    response = cast.client_for(who).get(LIST)
    assert response.status_code == 200
    assert ids_listed(response) == ORDERS_SEEN[who]


@pytest.mark.parametrize("who", MEMBERS)
def test_the_order_pages_link_exactly_the_customers_the_viewer_may_open(cast, world, who):
    # BETA's order is split with other_salesperson, who sees the order but not BETA, owned by
    # salesperson2: the name is shown, the link (a 404) is not.
    client = cast.client_for(who)
    orders = [world.acme_order, world.beta_order, world.gamma_order]
    pages = [LIST] + [detail_url(o) for o in orders if o.external_id in ORDERS_SEEN[who]]
    linked = set()
    for page in pages:
        html = client.get(page).content.decode()
        linked |= {int(pk) for pk in re.findall(r'href="/sales/customers/(\d+)/"', html)}
    codes = {world.acme.pk: "ACME", world.beta.pk: "BETA", world.gamma.pk: "GAMMA"}
    shown = {codes[o.customer_id] for o in orders if o.external_id in ORDERS_SEEN[who]}
    assert {codes[pk] for pk in linked} == shown & CUSTOMERS_SEEN[who]
    for pk in linked:
        assert client.get(reverse("sales:customer_detail", args=[pk])).status_code == 200


def test_an_order_names_a_customer_the_viewer_may_not_open_without_a_link(cast, world):
    html = cast.client_for("other_salesperson").get(detail_url(world.beta_order)).content.decode()
    assert "Beta" in html
    assert reverse("sales:customer_detail", args=[world.beta.pk]) not in html


def test_the_order_list_shows_each_orders_total_and_credited_people(cast, world):
    make_order(
        external_id="A-2",
        customer=world.acme,
        salespeople=cast.salesperson,
        amounts=["100.50", "200.25"],
        product_line=world.product_line,
    )
    response = cast.client_for("manager").get(LIST)
    totals = {order.external_id: order.total_amount for order in response.context["orders"]}
    assert totals == {"A-1": Decimal("1000.00"), "A-2": Decimal("300.75"), "B-1": Decimal("500.00")}
    html = response.content.decode()
    assert "Sales2" in html and "Sales3" in html  # both people credited on the split order
    assert "60 %" in html and "40 %" in html
    client = cast.client_for("manager")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get(LIST).content.decode()
    assert "60%</small>" in html and "40%</small>" in html  # no space before % in Chinese
    detail = client.get(detail_url(world.beta_order)).content.decode()
    assert '<td class="text-end">60.00%</td>' in detail


def test_an_orders_source_is_named_in_words_when_salesalign_gave_it_and_as_given_otherwise(
    cast, world
):
    from salesalign.sales import demo
    from salesalign.sales.choices import SOURCE_LABELS

    assert {services.MANUAL_SOURCE, demo.SOURCE} <= set(SOURCE_LABELS)
    for source, external_id in [(demo.SOURCE, "D-1"), ("SAP ERP", "S-1")]:
        make_order(
            source=source,
            external_id=external_id,
            customer=world.acme,
            salespeople=cast.salesperson,
            amounts=["10.00"],
            product_line=world.product_line,
        )
    client = cast.client_for("executive")
    for language, words in [
        ("en", {"A-1": "Entered by hand", "D-1": "Demo data", "S-1": "SAP ERP"}),
        ("zh-hans", {"A-1": "手工录入", "D-1": "演示数据", "S-1": "SAP ERP"}),
    ]:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        html = client.get(LIST).content.decode()
        for external_id, word in words.items():
            row = html.split(f'data-order="{external_id}"')[1].split("</tr>")[0]
            assert f'<small class="text-body-secondary">{word}</small></td>' in row, row
        demo_order = Order.objects.get(external_id="D-1")
        detail = client.get(detail_url(demo_order)).content.decode()
        assert f'<dd class="col-sm-8">{words["D-1"]}</dd>' in detail
        assert ">demo<" not in html + detail  # the stored value, never shown


def test_the_order_list_filters_by_dates_status_customer_salesperson_and_product_line(cast, world):
    hardware = ProductLineFactory(code="HW")
    make_order(
        external_id="A-2",
        customer=world.acme,
        salespeople=cast.salesperson,
        product_line=hardware,
        ordered_on=datetime.date(2024, 5, 1),
        status="cancelled",
    )
    client = cast.client_for("admin")
    assert ids_listed(client.get(LIST, {"date_from": "2024-04-01"})) == {"A-2"}
    assert ids_listed(client.get(LIST, {"date_to": "2024-04-01"})) == {"A-1", "B-1", "G-1"}
    assert ids_listed(client.get(LIST, {"status": "cancelled"})) == {"A-2"}
    assert ids_listed(client.get(LIST, {"customer": "acme"})) == {"A-1", "A-2"}
    assert ids_listed(client.get(LIST, {"customer": "伽马"})) == {"G-1"}
    assert ids_listed(client.get(LIST, {"salesperson": cast.other_salesperson.pk})) == {
        "B-1",
        "G-1",
    }
    assert ids_listed(client.get(LIST, {"product_line": hardware.pk})) == {"A-2"}


def test_the_order_list_pages_by_fifty_and_its_pager_keeps_the_filter(cast, world):
    for number in range(52):
        make_order(
            external_id=f"P-{number:02}",
            customer=world.acme,
            salespeople=cast.salesperson,
            product_line=world.product_line,
            ordered_on=datetime.date(2024, 6, 1),
        )
    client = cast.client_for("admin")
    first = client.get(LIST, {"date_from": "2024-06-01"})
    html = first.content.decode()
    assert len(ids_listed(first)) == 50
    assert "Page 1 of 2" in html
    assert 'href="?date_from=2024-06-01&amp;page=2"' in html
    second = client.get(LIST, {"date_from": "2024-06-01", "page": 2})
    assert ids_listed(second) == {"P-00", "P-01"}  # newest first: the oldest ids come last
    assert 'href="?date_from=2024-06-01&amp;page=1"' in second.content.decode()


def test_the_order_list_keeps_a_constant_query_count_as_orders_grow(
    cast, world, django_assert_max_num_queries
):
    client = cast.client_for("manager")
    client.get(LIST)  # warm up: session, user
    with django_assert_max_num_queries(20) as few:
        client.get(LIST)
    newcomer = PersonFactory(unit=cast.team, employee_number="sales9")
    for number in range(12):
        customer = CustomerFactory(owner=cast.salesperson2)
        make_order(
            customer=customer,
            salespeople=[cast.salesperson2, newcomer] if number % 2 else cast.salesperson,
            amounts=["10.00", "20.00"],
            product_line=world.product_line,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(ids_listed(response)) == 14


# --- an order's page ---------------------------------------------------------------------


@pytest.mark.parametrize("who", MEMBERS)
def test_an_order_page_answers_404_to_those_who_may_not_see_it(cast, world, who):
    response = cast.client_for(who).get(detail_url(world.beta_order))
    assert response.status_code == (200 if "B-1" in ORDERS_SEEN[who] else 404)


def test_an_order_page_shows_the_shares_units_and_credited_amounts(cast, world):
    response = cast.client_for("executive").get(detail_url(world.beta_order))
    page = response.context["page"]
    credits = [
        (
            shown.credit.salesperson.employee_number,
            shown.credit.unit.code,
            shown.percent,
            shown.amount,
        )
        for shown in page.credits
    ]
    assert credits == [
        ("sales2", "T1", Decimal("60.00"), Decimal("300.00")),
        ("sales3", "T2", Decimal("40.00"), Decimal("200.00")),
    ]
    html = response.content.decode()
    assert "East Team" in html and "North Team" in html


def test_an_order_page_shows_its_gross_profit_and_its_returns(cast, world):
    give_back = make_order(
        external_id="A-1-R",
        customer=world.acme,
        salespeople=cast.salesperson,
        amounts=["-200.00"],
        product_line=world.product_line,
        status="returned",
        original_external_id="A-1",
        ordered_on=datetime.date(2024, 3, 20),
    )
    page = cast.client_for("salesperson").get(detail_url(world.acme_order)).context["page"]
    assert page.gross_profit == Decimal("400.00")
    assert [order.external_id for order in page.returns] == ["A-1-R"]
    returned = cast.client_for("salesperson").get(detail_url(give_back))
    assert returned.context["page"].original == world.acme_order
    assert detail_url(world.acme_order) in returned.content.decode()


# --- entering an order -------------------------------------------------------------------


def test_an_order_entered_on_the_page_has_the_same_facts_as_one_sent_to_orders_upsert(cast, world):
    data = order_data(
        external_id="P-1",
        lines=(("PL1", "2", "800.01", "500.00"), ("PL1", "1", "199.99", "")),
        credits=(("sales1", "66.67"), ("sales2", "33.33")),
    )
    response = cast.client_for("manager").post(CREATE, data)
    order = Order.objects.get(external_id="P-1")
    assert response.status_code == 302
    assert response["Location"] == detail_url(order)
    assert order.source == "manual"
    assert order.currency == "CNY"
    from_page = facts_of(order)
    assert sum(fact[8] for fact in from_page) == 100_000  # cents
    # The same order, sent as rows: remove the page's order and write the row instead.
    services.order_delete(actor=cast.admin.user, order=order)
    row = OrderRow(
        external_id="P-1",
        customer_code="ACME",
        ordered_on=datetime.date(2024, 4, 2),
        currency="CNY",
        lines=(
            LineRow("PL1", Decimal("800.01"), Decimal(2), Decimal("500.00")),
            LineRow("PL1", Decimal("199.99"), Decimal(1), None),
        ),
        credits=(CreditRow("sales1", 6667), CreditRow("sales2", 3333)),
    )
    result = services.orders_upsert(actor=cast.manager.user, source="manual", rows=[row])
    assert facts_of(Order.objects.get(pk=result.order_ids[0])) == from_page


def test_a_new_order_from_a_customer_is_credited_to_its_owner_and_a_manager_chooses(cast, world):
    manager = cast.client_for("manager")
    from_beta = manager.get(CREATE, {"customer": "BETA"})  # owned by salesperson2
    assert from_beta.context["credits"].initial == [{"salesperson": "sales2", "share": 100}]
    # Without a customer a manager is not credited by default: they choose who sold it.
    assert manager.get(CREATE).context["credits"].initial == []
    # A customer the reader may not see gives nothing away.
    hidden = cast.client_for("salesperson").get(CREATE, {"customer": "GAMMA"})
    assert hidden.context["credits"].initial == [{"salesperson": "sales1", "share": 100}]


def test_a_salesperson_starts_with_themselves_credited_and_gets_an_order_id_made_up(cast, world):
    client = cast.client_for("salesperson")
    form_page = client.get(CREATE, {"customer": "ACME"})
    assert form_page.context["credits"].initial == [{"salesperson": "sales1", "share": 100}]
    assert form_page.context["form"]["customer"].value() == "ACME"
    response = client.post(CREATE, order_data())
    assert response.status_code == 302
    order = Order.objects.exclude(external_id__in=["A-1", "B-1", "G-1"]).get()
    assert order.external_id.startswith("M-20240402-")
    assert list(order.credits.values_list("salesperson__employee_number", "share")) == [
        ("sales1", 10_000)
    ]


def test_shares_that_do_not_add_up_to_100_percent_are_shown_on_the_credits_and_nothing_is_written(
    cast, world
):
    before = Order.objects.count()
    response = cast.client_for("manager").post(
        CREATE, order_data(credits=(("sales1", "50"), ("sales2", "30")))
    )
    assert response.status_code == 200
    assert response.context["credits"].non_form_errors()
    assert "100" in " ".join(response.context["credits"].non_form_errors())
    assert Order.objects.count() == before
    assert "Nothing was saved" in response.content.decode()


def test_an_unknown_employee_number_is_shown_next_to_its_credit(cast, world):
    response = cast.client_for("admin").post(
        CREATE, order_data(credits=(("sales1", "50"), ("nobody", "50")))
    )
    credit_forms = response.context["credits"].forms
    assert not credit_forms[0].errors
    assert "salesperson" in credit_forms[1].errors
    assert not Order.objects.filter(customer=world.acme, ordered_on="2024-04-02").exists()


def test_a_return_larger_than_its_order_is_refused_on_the_lines(cast, world):
    response = cast.client_for("salesperson").post(
        CREATE,
        order_data(
            status="returned",
            original_order="A-1",
            lines=(("PL1", "1", "-1200.00", ""),),
        ),
    )
    assert response.status_code == 200
    errors = response.context["lines"].non_form_errors()
    assert errors and "1000" in " ".join(errors)
    assert not Order.objects.filter(status="returned").exists()


def test_a_return_entered_on_the_page_refers_to_its_original(cast, world):
    response = cast.client_for("salesperson").post(
        CREATE,
        order_data(
            external_id="A-1-R",
            status="returned",
            original_order="A-1",
            lines=(("PL1", "1", "-300.00", ""),),
        ),
    )
    assert response.status_code == 302
    give_back = Order.objects.get(external_id="A-1-R")
    assert give_back.original_order == world.acme_order
    assert (
        sum(SalesFact.objects.filter(order=give_back).values_list("revenue_cents", flat=True))
        == -30_000
    )


def test_a_return_needs_its_original_order_named(cast, world):
    response = cast.client_for("salesperson").post(
        CREATE, order_data(status="returned", lines=(("PL1", "1", "-300.00", ""),))
    )
    assert "original_order" in response.context["form"].errors


def test_an_order_id_already_used_is_shown_next_to_the_order_id(cast, world):
    response = cast.client_for("admin").post(CREATE, order_data(external_id="A-1"))
    assert "external_id" in response.context["form"].errors
    assert Order.objects.get(external_id="A-1").lines.get().amount == Decimal("1000.00")


def test_a_customer_the_viewer_may_not_see_cannot_be_named_on_an_order(cast, world):
    response = cast.client_for("salesperson").post(CREATE, order_data(customer="GAMMA"))
    assert "customer" in response.context["form"].errors
    assert not Order.objects.filter(customer=world.gamma).exclude(external_id="G-1").exists()


def test_a_salesperson_cannot_credit_an_order_to_another_team(cast, world):
    response = cast.client_for("salesperson").post(CREATE, order_data(credits=(("sales3", "100"),)))
    assert response.status_code == 200
    assert "salesperson" in response.context["credits"].forms[0].errors
    assert not Order.objects.filter(ordered_on="2024-04-02").exists()


@pytest.mark.parametrize("who", ["hr", "outsider"])
def test_hr_and_outsiders_may_not_enter_orders(cast, world, who):
    client = cast.client_for(who)
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, order_data()).status_code == 403
    assert Order.objects.count() == 3


# --- changing an order -------------------------------------------------------------------


def test_the_edit_form_starts_from_the_orders_lines_and_credits(cast, world):
    url = reverse("sales:order_update", args=[world.beta_order.pk])
    response = cast.client_for("admin").get(url)
    assert response.context["form"].initial["external_id"] == "B-1"
    assert response.context["credits"].initial == [
        {"salesperson": "sales2", "share": Decimal("60.00")},
        {"salesperson": "sales3", "share": Decimal("40.00")},
    ]
    assert [line["amount"] for line in response.context["lines"].initial] == [Decimal("500.00")]


def test_a_salesperson_changes_their_order_and_its_facts_follow(cast, world):
    url = reverse("sales:order_update", args=[world.acme_order.pk])
    data = order_data(
        external_id="tampered",
        ordered_on="2024-03-05",
        lines=(("PL1", "1", "1500.00", "600.00"),),
        initial_lines=1,
        initial_credits=1,
    )
    response = cast.client_for("salesperson").post(url, data)
    assert response.status_code == 302
    order = Order.objects.get(pk=world.acme_order.pk)
    assert order.external_id == "A-1"  # the order ID is the order's key; it does not change
    assert OrderLine.objects.get(order=order).amount == Decimal("1500.00")
    assert sum(f[8] for f in facts_of(order)) == 150_000


def test_removing_a_credit_on_the_edit_page_gives_the_rest_to_the_others(cast, world):
    url = reverse("sales:order_update", args=[world.beta_order.pk])
    data = order_data(
        customer="BETA",
        ordered_on="2024-03-05",
        lines=(("PL1", "1", "500.00", ""),),
        credits=(("sales2", "100"), ("sales3", "40")),
        initial_lines=1,
        initial_credits=2,
    )
    data["credits-1-DELETE"] = "on"
    response = cast.client_for("admin").post(url, data)
    assert response.status_code == 302
    assert list(
        OrderCredit.objects.filter(order=world.beta_order).values_list(
            "salesperson__employee_number", "share"
        )
    ) == [("sales2", 10_000)]


@pytest.mark.parametrize("who", ["salesperson2", "other_salesperson", "outsider"])
def test_an_order_the_viewer_may_not_see_cannot_be_changed(cast, world, who):
    url = reverse("sales:order_update", args=[world.acme_order.pk])
    client = cast.client_for(who)
    assert client.get(url).status_code == 404
    assert client.post(url, order_data(initial_lines=1, initial_credits=1)).status_code == 404
    assert OrderLine.objects.get(order=world.acme_order).amount == Decimal("1000.00")


# --- deleting an order -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 302),
        ("manager", 302),
        ("executive", 403),
        ("hr", 403),
        ("salesperson", 403),
        ("salesperson2", 404),
        ("other_salesperson", 404),
        ("outsider", 404),
    ],
)
def test_managers_of_the_credited_team_and_admins_delete_an_order(cast, world, who, status):
    url = reverse("sales:order_delete", args=[world.acme_order.pk])
    response = cast.client_for(who).post(url)
    assert response.status_code == status
    assert Order.objects.filter(pk=world.acme_order.pk).exists() == (status != 302)


def test_a_manager_may_not_delete_an_order_shared_with_another_team(cast, world):
    client = cast.client_for("manager")
    page = client.get(detail_url(world.beta_order)).content.decode()
    assert reverse("sales:order_delete", args=[world.beta_order.pk]) not in page
    response = client.post(reverse("sales:order_delete", args=[world.beta_order.pk]))
    assert response.status_code == 403
    assert Order.objects.filter(pk=world.beta_order.pk).exists()


def test_deleting_an_order_removes_its_facts_and_the_customers_first_won_order(cast, world):
    client = cast.client_for("manager")
    url = reverse("sales:order_delete", args=[world.acme_order.pk])
    assert "A-1" in client.get(url).content.decode()  # the confirmation names it
    client.post(url)
    world.acme.refresh_from_db()
    assert world.acme.first_won_order is None
    assert not SalesFact.objects.filter(customer=world.acme).exists()


def test_an_order_with_returns_is_not_deleted(cast, world):
    make_order(
        external_id="A-1-R",
        customer=world.acme,
        salespeople=cast.salesperson,
        amounts=["-100.00"],
        product_line=world.product_line,
        status="returned",
        original_external_id="A-1",
    )
    response = cast.client_for("admin").post(
        reverse("sales:order_delete", args=[world.acme_order.pk]), follow=True
    )
    assert Order.objects.filter(pk=world.acme_order.pk).exists()
    assert "returns" in response.content.decode()


def test_the_order_list_offers_the_export_of_what_its_reader_sees(cast, world):
    client = cast.client_for("manager")
    html = client.get(LIST).content.decode()
    xlsx = reverse("sales:order_export", args=["xlsx"])
    assert 'id="order-export"' in html and xlsx in html
    response = client.get(reverse("sales:order_export", args=["csv"]))
    exported = b"".join(response.streaming_content).decode("utf-8-sig")
    seen = set(ORDERS_SEEN["manager"])
    assert all(external_id in exported for external_id in seen)
    hidden = {o.external_id for o in (world.acme_order, world.beta_order, world.gamma_order)} - seen
    assert not any(external_id in exported for external_id in hidden)
