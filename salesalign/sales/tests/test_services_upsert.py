"""orders_upsert: the one way orders are written (pages, import, API, demo)."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest
from auditlog.context import set_actor
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesalign.core.exceptions import NotAllowed
from salesalign.core.tests.statistics import believed_rows, sqlite_has_statistics
from salesalign.organization import services as organization_services
from salesalign.organization.models import UnitAssignment
from salesalign.organization.tests.factories import (
    CustomerSegmentFactory,
    ProductLineFactory,
    RegionFactory,
)
from salesalign.sales import services as services_module
from salesalign.sales import totals
from salesalign.sales.models import Customer, Order, OrderCredit, OrderLine, SalesFact
from salesalign.sales.rows import CreditRow, LineRow, OrderRow
from salesalign.sales.services import SalesRowsInvalid, base_field, orders_upsert
from salesalign.sales.tests.factories import CustomerFactory, make_order, order_row

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2024, 3, 5)


@pytest.fixture
def product_line(db):
    return ProductLineFactory(code="PL1")


@pytest.fixture
def customer(cast):
    return CustomerFactory(code="ACME", owner=cast.salesperson)


def _nothing_written() -> bool:
    return not (
        Order.objects.exists()
        or OrderLine.objects.exists()
        or OrderCredit.objects.exists()
        or SalesFact.objects.exists()
    )


def _refused(rows, actor=None, source="api"):
    with pytest.raises(SalesRowsInvalid) as caught:
        orders_upsert(actor=actor, source=source, rows=rows)
    return caught.value


# --- writing -----------------------------------------------------------------------------


def test_an_order_is_created_with_its_lines_credits_and_facts(cast, customer, product_line):
    row = order_row(
        customer=customer,
        salespeople=[cast.salesperson, cast.salesperson2],
        shares=[6000, 4000],
        amounts=["100.01", "50.00"],
        costs=["60.00", None],
        product_line=product_line,
    )
    result = orders_upsert(actor=cast.manager.user, source="api", rows=[row])
    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    assert result.outcomes == ["created"]
    order = Order.objects.get(pk=result.order_ids[0])
    assert [line.amount for line in order.lines.order_by("position")] == [
        Decimal("100.01"),
        Decimal("50.00"),
    ]
    assert sorted(order.credits.values_list("share", "unit_id")) == [
        (4000, cast.team.pk),
        (6000, cast.team.pk),
    ]
    facts = list(SalesFact.objects.filter(order=order))
    assert len(facts) == 4
    assert sum(fact.revenue_cents for fact in facts) == 15001
    assert sum(fact.cost_cents for fact in facts if fact.cost_cents is not None) == 6000
    # The line without a cost has no cost (and so no gross profit), not a cost of zero.
    assert sorted(fact.cost_cents is None for fact in facts) == [False, False, True, True]
    assert {fact.month for fact in facts} == {202403}
    assert {fact.region_id for fact in facts} == {customer.region_id}
    # The order counts once in all: on its first line, split by share.
    assert sum(fact.order_share for fact in facts) == 10_000
    assert sum(fact.product_line_order_share for fact in facts) == 10_000
    customer.refresh_from_db()
    assert (customer.first_won_order_id, customer.first_won_on) == (order.pk, MARCH)


def test_sending_the_same_rows_again_is_unchanged_and_writes_nothing(cast, customer, product_line):
    rows = [
        order_row(
            customer=customer,
            salespeople=[cast.salesperson, cast.salesperson2],
            amounts=["10.00", "20.50"],
            costs=["5", None],
            product_line=product_line,
        )
        for _ in range(3)
    ]
    first = orders_upsert(actor=None, source="api", rows=rows)
    updated_at = {order.pk: order.updated_at for order in Order.objects.all()}
    with CaptureQueriesContext(connection) as queries:
        again = orders_upsert(actor=None, source="api", rows=rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert again.order_ids == first.order_ids
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert {order.pk: order.updated_at for order in Order.objects.all()} == updated_at


def test_a_changed_order_has_its_lines_and_credits_replaced(cast, customer, product_line):
    other_line = ProductLineFactory(code="PL2")
    order = make_order(
        customer=customer,
        salespeople=cast.salesperson,
        amounts=["100.00", "5.00"],
        product_line=product_line,
        external_id="A-1",
        source="api",
    )
    changed = order_row(
        customer=customer,
        salespeople=[cast.salesperson2, cast.other_salesperson],
        shares=[5000, 5000],
        amounts=["80.00"],
        product_line=other_line,
        external_id="A-1",
    )
    result = orders_upsert(actor=None, source="api", rows=[changed])
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    assert result.order_ids == [order.pk]
    assert list(OrderLine.objects.values_list("product_line__code", "amount")) == [
        ("PL2", Decimal("80.00"))
    ]
    assert sorted(OrderCredit.objects.values_list("salesperson_id", "unit_id")) == sorted(
        [(cast.salesperson2.pk, cast.team.pk), (cast.other_salesperson.pk, cast.other_team.pk)]
    )
    facts = SalesFact.objects.filter(order=order)
    assert sum(f.revenue_cents for f in facts) == 8000
    assert set(facts.values_list("person_id", flat=True)) == {
        cast.salesperson2.pk,
        cast.other_salesperson.pk,
    }


def test_the_same_order_id_in_another_source_is_another_order(cast, customer, product_line):
    row = order_row(customer=customer, salespeople=cast.salesperson, product_line=product_line)
    orders_upsert(actor=None, source="erp", rows=[row])
    result = orders_upsert(actor=None, source="crm", rows=[row])
    assert result.created == 1
    assert Order.objects.filter(external_id=row.external_id).count() == 2


def test_split_credits_add_up_to_the_order_to_the_cent(cast, customer, product_line):
    order = make_order(
        customer=customer,
        salespeople=[cast.salesperson, cast.salesperson2, cast.manager],
        shares=[3333, 3333, 3334],
        amounts=["100.00", "0.01", "33.33"],
        product_line=product_line,
    )
    facts = SalesFact.objects.filter(order=order)
    per_line: dict[int, int] = {}
    for fact in facts:
        per_line[fact.product_line_id] = per_line.get(fact.product_line_id, 0) + fact.revenue_cents
    assert sum(fact.revenue_cents for fact in facts) == 13334
    per_person = {
        person: sum(f.revenue_cents for f in facts if f.person_id == person)
        for person in {f.person_id for f in facts}
    }
    assert sum(per_person.values()) == 13334
    # Nobody gets more than a cent more than their exact share of each line.
    assert max(per_person.values()) - min(per_person.values()) <= 3


def test_a_transfer_keeps_earlier_credits_in_the_old_unit(cast, customer, product_line):
    with set_actor(cast.admin.user):
        organization_services.person_update(
            actor=cast.admin.user, person=cast.salesperson, unit=cast.other_team
        )
    today = datetime.date.today()
    assert list(
        UnitAssignment.objects.filter(person=cast.salesperson)
        .order_by("valid_from")
        .values_list("unit_id", flat=True)
    ) == [cast.team.pk, cast.other_team.pk]
    before = order_row(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        ordered_on=today - datetime.timedelta(days=90),
    )
    after = order_row(
        customer=customer, salespeople=cast.salesperson, product_line=product_line, ordered_on=today
    )
    orders_upsert(actor=None, source="api", rows=[before, after])
    units = dict(SalesFact.objects.values_list("order__external_id", "unit_id").distinct())
    assert units == {before.external_id: cast.team.pk, after.external_id: cast.other_team.pk}
    # Sending the old order again keeps it where it was.
    assert orders_upsert(actor=None, source="api", rows=[before]).unchanged == 1


def test_a_transfer_dated_back_moves_the_credit_and_says_to_which_unit(
    cast, customer, product_line
):
    old_day = datetime.date.today() - datetime.timedelta(days=90)
    row = order_row(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        ordered_on=old_day,
    )
    orders_upsert(actor=None, source="api", rows=[row])
    with set_actor(cast.admin.user):
        organization_services.person_update(
            actor=cast.admin.user, person=cast.salesperson, unit=cast.other_team
        )
    # HR dates the move back to before the order: the same person and share, another unit.
    UnitAssignment.objects.filter(person=cast.salesperson, unit=cast.other_team).update(
        valid_from=old_day - datetime.timedelta(days=1)
    )
    result = orders_upsert(actor=None, source="api", rows=[row], dry_run=True)
    assert result.outcomes == ["updated"]
    number = cast.salesperson.employee_number
    assert [(c.field, c.before, c.after) for c in result.differences[0]] == [
        (
            "credits",
            f"{number} 100 % ({cast.team.code})",
            f"{number} 100 % ({cast.other_team.code})",
        )
    ]


def test_a_person_without_assignments_counts_in_their_current_unit(cast, customer, product_line):
    UnitAssignment.objects.filter(person=cast.other_salesperson).delete()
    order = make_order(
        customer=customer, salespeople=cast.other_salesperson, product_line=product_line
    )
    assert order.credits.get().unit_id == cast.other_team.pk


def test_a_new_customer_is_created_from_its_name_region_and_segment(cast, product_line):
    region = RegionFactory(code="EAST")
    segment = CustomerSegmentFactory(code="KA")
    row = order_row(
        customer="NEW-1",
        customer_name="新客户",
        region_code="EAST",
        segment_code="KA",
        salespeople=cast.salesperson2,
        product_line=product_line,
    )
    result = orders_upsert(actor=None, source="crm", rows=[row, replace(row, external_id="X-2")])
    assert result.customers_created == 1
    customer = Customer.objects.get(code="NEW-1")
    assert (customer.name, customer.region, customer.segment, customer.owner) == (
        "新客户",
        region,
        segment,
        cast.salesperson2,
    )
    assert customer.source == "crm"
    assert SalesFact.objects.filter(region=region, segment=segment).count() == 2


def test_a_dry_run_counts_without_writing(cast, customer, product_line):
    existing = make_order(
        customer=customer, salespeople=cast.salesperson, product_line=product_line, source="api"
    )
    rows = [
        order_row(customer=customer, salespeople=cast.salesperson, product_line=product_line),
        order_row(
            customer=customer,
            salespeople=cast.salesperson,
            product_line=product_line,
            external_id=existing.external_id,
            amounts=["5.00"],
        ),
        order_row(customer="NOPE", salespeople=cast.salesperson, product_line=product_line, row=7),
    ]
    result = orders_upsert(actor=None, source="api", rows=rows, dry_run=True)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert result.outcomes == ["created", "updated", "invalid"]
    assert [(e.row, e.field) for e in result.errors] == [(7, "customer_code")]
    assert Order.objects.count() == 1
    assert OrderLine.objects.get().amount == Decimal("1000.00")


def test_cancelled_orders_are_stored_without_facts(cast, customer, product_line):
    order = make_order(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        status="cancelled",
    )
    assert order.status == "cancelled"
    assert order.lines.count() == 1
    assert not SalesFact.objects.exists()
    customer.refresh_from_db()
    assert customer.first_won_order is None


def test_cancelling_an_order_removes_its_facts(cast, customer, product_line):
    row = order_row(customer=customer, salespeople=cast.salesperson, product_line=product_line)
    orders_upsert(actor=None, source="api", rows=[row])
    assert SalesFact.objects.exists()
    orders_upsert(actor=None, source="api", rows=[replace(row, status="cancelled")])
    assert not SalesFact.objects.exists()
    customer.refresh_from_db()
    assert customer.first_won_order is None


# --- returns -----------------------------------------------------------------------------


def test_a_return_takes_its_originals_credits_and_subtracts(cast, customer, product_line):
    original = make_order(
        customer=customer,
        salespeople=[cast.salesperson, cast.salesperson2],
        shares=[7000, 3000],
        amounts=["100.00"],
        product_line=product_line,
        external_id="S-1",
        source="api",
    )
    back = OrderRow(
        external_id="R-1",
        customer_code="ACME",
        ordered_on=MARCH + datetime.timedelta(days=10),
        status="returned",
        original_external_id="S-1",
        lines=(LineRow(product_line_code="PL1", amount=Decimal("-40.00")),),
        credits=(),
    )
    result = orders_upsert(actor=None, source="api", rows=[back])
    returned = Order.objects.get(pk=result.order_ids[0])
    assert returned.original_order == original
    assert sorted(returned.credits.values_list("share", flat=True)) == [3000, 7000]
    facts = SalesFact.objects.filter(order=returned)
    assert sum(f.revenue_cents for f in facts) == -4000
    assert sum(f.order_share for f in facts) == 0  # a return counts no order
    assert sum(SalesFact.objects.values_list("revenue_cents", flat=True)) == 6000


def test_an_original_and_its_return_can_arrive_in_the_same_call(cast, customer, product_line):
    sale = order_row(
        customer=customer, salespeople=cast.salesperson, product_line=product_line, amounts=["50"]
    )
    back = order_row(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        amounts=["-50"],
        status="returned",
        original_external_id=sale.external_id,
    )
    result = orders_upsert(actor=None, source="api", rows=[back, sale])
    assert result.created == 2
    assert Order.objects.get(pk=result.order_ids[0]).original_order_id == result.order_ids[1]


def test_a_return_larger_than_its_order_is_refused(cast, customer, product_line):
    make_order(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        amounts=["100.00"],
        external_id="S-1",
        source="api",
    )
    first_back = order_row(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        amounts=["-60.00"],
        status="returned",
        original_external_id="S-1",
    )
    orders_upsert(actor=None, source="api", rows=[first_back])
    second_back = replace(first_back, external_id="R-2", row=4)
    error = _refused([second_back])
    assert [(e.row, e.field) for e in error.errors] == [(4, "lines")]
    assert "120.00" in error.errors[0].reason and "100.00" in error.errors[0].reason
    assert Order.objects.count() == 2
    # Re-sending the first return with a new amount replaces it rather than adding up.
    assert (
        orders_upsert(
            actor=None,
            source="api",
            rows=[
                replace(
                    first_back, lines=(LineRow(product_line_code="PL1", amount=Decimal("-99")),)
                )
            ],
        ).updated
        == 1
    )


def test_a_return_must_name_a_won_order_of_the_same_customer(cast, customer, product_line):
    other = CustomerFactory(code="OTHER")
    make_order(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        external_id="S-1",
        source="api",
    )
    rows = [
        order_row(
            customer=other,
            salespeople=cast.salesperson,
            product_line=product_line,
            amounts=["-1"],
            status="returned",
            original_external_id="S-1",
            row=1,
        ),
        order_row(
            customer=customer,
            salespeople=cast.salesperson,
            product_line=product_line,
            amounts=["-1"],
            status="returned",
            original_external_id="NOWHERE",
            row=2,
        ),
        order_row(
            customer=customer,
            salespeople=cast.salesperson,
            product_line=product_line,
            amounts=["1"],
            status="returned",
            original_external_id="S-1",
            row=3,
        ),
    ]
    error = _refused(rows)
    assert [(e.row, e.field) for e in error.errors] == [
        (1, "customer_code"),
        (2, "original_external_id"),
        (3, "lines[0].amount"),
    ]
    assert Order.objects.count() == 1


# --- bad input ---------------------------------------------------------------------------


def test_a_share_total_other_than_100_percent_is_refused_and_nothing_is_written(
    cast, customer, product_line
):
    good = order_row(
        customer=customer, salespeople=cast.salesperson, product_line=product_line, row=2
    )
    bad = order_row(
        customer=customer,
        salespeople=[cast.salesperson, cast.salesperson2],
        shares=[5000, 4000],
        product_line=product_line,
        row=3,
    )
    error = _refused([good, bad])
    assert [(e.row, e.field) for e in error.errors] == [(3, "credits")]
    assert "90 %" in error.errors[0].reason
    assert error.field == "credits"
    assert "1 problem" in error.message
    assert _nothing_written()


def test_a_duplicate_order_id_in_one_call_is_refused(cast, customer, product_line):
    row = order_row(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        external_id="D-1",
        row=2,
    )
    error = _refused([row, replace(row, row=9)])
    assert [(e.row, e.field, e.value) for e in error.errors] == [(9, "external_id", "D-1")]
    assert "row 2" in error.errors[0].reason
    assert _nothing_written()


def test_unknown_codes_are_each_named(cast, product_line):
    CustomerFactory(code="ACME")
    row = OrderRow(
        external_id="U-1",
        customer_code="NEW",
        customer_name="新",
        region_code="ATLANTIS",
        segment_code="ALIENS",
        ordered_on=MARCH,
        lines=(LineRow(product_line_code="NOPE", amount=Decimal(1)),),
        credits=(CreditRow(employee_number="E-404"),),
        row=5,
    )
    unknown_customer = replace(row, external_id="U-2", customer_name="", row=6)
    error = _refused([row, unknown_customer])
    assert [(e.row, e.field, e.value) for e in error.errors] == [
        (5, "region_code", "ATLANTIS"),
        (5, "segment_code", "ALIENS"),
        (5, "lines[0].product_line_code", "NOPE"),
        (5, "credits[0].employee_number", "E-404"),
        (6, "customer_code", "NEW"),
        (6, "lines[0].product_line_code", "NOPE"),
        (6, "credits[0].employee_number", "E-404"),
    ]
    assert "E-404" in error.errors[3].reason
    assert _nothing_written() and not Customer.objects.filter(code="NEW").exists()


def test_empty_rows_are_refused_field_by_field(cast):
    empty = OrderRow(
        external_id=" ",
        customer_code="",
        ordered_on=None,  # type: ignore[arg-type]
        lines=(),
        credits=(),
        row=3,
    )
    error = _refused([empty])
    assert [e.field for e in error.errors] == [
        "external_id",
        "customer_code",
        "ordered_on",
        "lines",
        "credits",
    ]
    assert all(e.row == 3 and e.reason for e in error.errors)
    assert _nothing_written()


def test_amounts_must_be_positive_on_a_won_order_and_well_formed(cast, customer, product_line):
    row = order_row(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        amounts=["0", "-5", "1.005"],
        currency="RMB1",
        status="won",
    )
    error = _refused([row])
    assert [e.field for e in error.errors] == [
        "currency",
        "lines[0].amount",
        "lines[1].amount",
        "lines[2].amount",
    ]
    assert "decimal places" in error.errors[-1].reason


def test_an_amount_too_large_for_its_column_is_refused_and_the_largest_one_is_not(
    cast, customer, product_line
):
    row = order_row(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        # 16 digits with 2 decimals: 10^14 is one too many; extra decimals are named first.
        amounts=["100000000000000", "99999999999999.99", "100000000000000.001"],
    )
    error = _refused([row])
    assert [(e.field, e.reason) for e in error.errors] == [
        ("lines[0].amount", "The number is too large."),
        ("lines[2].amount", "At most 2 decimal places."),
    ]


def test_a_salesperson_who_had_left_cannot_be_credited_later(cast, customer, product_line):
    cast.salesperson2.is_active = False
    cast.salesperson2.left_on = datetime.date(2024, 1, 31)
    cast.salesperson2.save()
    row = order_row(
        customer=customer,
        salespeople=[cast.salesperson, cast.salesperson2],
        product_line=product_line,
    )
    error = _refused([row])
    assert [(e.field, e.value) for e in error.errors] == [("credits[1].employee_number", "sales2")]
    assert "2024-01-31" in error.errors[0].reason
    ok = replace(row, ordered_on=datetime.date(2024, 1, 15))
    assert orders_upsert(actor=None, source="api", rows=[ok]).created == 1


def test_base_field_drops_positions():
    assert base_field("lines[2].amount") == "lines.amount"
    assert base_field("credits") == "credits"


# --- who may write -----------------------------------------------------------------------


def test_a_salesperson_credits_only_themselves(cast, customer, product_line):
    mine = order_row(customer=customer, salespeople=cast.salesperson, product_line=product_line)
    theirs = order_row(
        customer=customer, salespeople=cast.salesperson2, product_line=product_line, row=2
    )
    assert orders_upsert(actor=cast.salesperson.user, source="api", rows=[mine]).created == 1
    error = _refused([theirs], actor=cast.salesperson.user)
    assert [(e.row, e.field) for e in error.errors] == [(2, "credits[0].employee_number")]


def test_a_manager_may_not_change_another_teams_order(cast, customer, product_line):
    row = order_row(
        customer=customer, salespeople=cast.other_salesperson, product_line=product_line
    )
    orders_upsert(actor=None, source="api", rows=[row])
    changed = replace(row, lines=(LineRow(product_line_code="PL1", amount=Decimal("1.00")),))
    error = _refused([changed], actor=cast.manager.user)
    assert {e.field for e in error.errors} == {"external_id", "credits[0].employee_number"}
    assert orders_upsert(actor=cast.other_manager.user, source="api", rows=[changed]).updated == 1


def test_hr_may_not_write_orders(cast, customer, product_line):
    row = order_row(customer=customer, salespeople=cast.salesperson, product_line=product_line)
    with pytest.raises(NotAllowed):
        orders_upsert(actor=cast.hr.user, source="api", rows=[row])
    assert orders_upsert(actor=cast.executive.user, source="api", rows=[row]).created == 1


# --- customers' first orders -------------------------------------------------------------


def test_the_first_won_order_carries_the_new_customer_flag(cast, customer, product_line):
    later = make_order(
        customer=customer,
        salespeople=[cast.salesperson, cast.salesperson2],
        product_line=product_line,
        amounts=["10", "20"],
        ordered_on=datetime.date(2024, 6, 1),
    )
    assert (
        sum(SalesFact.objects.filter(order=later).values_list("new_customer_share", flat=True))
        == 10_000
    )
    earlier_row = order_row(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        ordered_on=datetime.date(2024, 2, 1),
    )
    orders_upsert(actor=None, source="manual", rows=[earlier_row])
    earlier = Order.objects.get(external_id=earlier_row.external_id)
    customer.refresh_from_db()
    assert (customer.first_won_order, customer.first_won_on) == (earlier, datetime.date(2024, 2, 1))
    flags = dict(
        SalesFact.objects.filter(new_customer_share__gt=0).values_list(
            "order_id", "new_customer_share"
        )
    )
    assert flags == {earlier.pk: 10_000}
    # Cancelling the earlier order makes the later one the first again.
    orders_upsert(actor=None, source="manual", rows=[replace(earlier_row, status="cancelled")])
    customer.refresh_from_db()
    assert customer.first_won_order == later
    assert set(
        SalesFact.objects.filter(new_customer_share__gt=0).values_list("order_id", flat=True)
    ) == {later.pk}


def test_orders_on_the_same_day_are_first_by_id(cast, customer, product_line):
    first, second = (
        make_order(customer=customer, salespeople=cast.salesperson, product_line=product_line)
        for _ in range(2)
    )
    customer.refresh_from_db()
    assert customer.first_won_order == first
    assert not SalesFact.objects.filter(order=second, new_customer_share__gt=0).exists()


def test_moving_an_order_to_another_customer_refreshes_both(cast, customer, product_line):
    other = CustomerFactory(code="OTHER")
    row = order_row(customer=customer, salespeople=cast.salesperson, product_line=product_line)
    orders_upsert(actor=None, source="api", rows=[row])
    orders_upsert(actor=None, source="api", rows=[replace(row, customer_code="OTHER")])
    customer.refresh_from_db()
    other.refresh_from_db()
    assert customer.first_won_order is None
    assert other.first_won_order is not None
    assert SalesFact.objects.get().new_customer_share == 10_000


# --- scale -------------------------------------------------------------------------------


def _rows(count, cast, customers, product_line, prefix):
    return [
        order_row(
            customer=customers[index % len(customers)],
            salespeople=[cast.salesperson, cast.salesperson2] if index % 2 else cast.manager,
            product_line=product_line,
            amounts=["10.00", "3.50"],
            external_id=f"{prefix}-{index}",
            ordered_on=MARCH + datetime.timedelta(days=index % 60),
        )
        for index in range(count)
    ]


def _without_analyze(queries: CaptureQueriesContext) -> int:
    """The queries of a call but PostgreSQL's ANALYZE of the tables it grew (`refresh_statistics`:
    one per table at most, run when the call added a tenth of a table's rows, not per row)."""
    sql = [query["sql"] for query in queries.captured_queries]
    analyses = [one for one in sql if one.startswith("ANALYZE")]
    assert len(analyses) <= 5
    return len(sql) - len(analyses)


@pytest.mark.parametrize("many_orders", [1, 10_000], ids=["totals-in-one-upsert", "row-trigger"])
def test_the_number_of_queries_does_not_grow_with_the_rows(
    cast, product_line, monkeypatch, many_orders
):
    # Both ways of keeping the yearly totals: from how many orders facts are written in bulk.
    monkeypatch.setattr(totals, "MANY_ORDERS", many_orders)
    if connection.vendor == "sqlite":
        # Django cuts bulk inserts to 999 parameters for old SQLite builds; today's allow far
        # more. Without that cut (as on PostgreSQL) the count is the same for any number of rows.
        monkeypatch.setattr(connection.features, "max_query_params", 250_000)
    # The first call reads the actor's role and scope once (cached on the user afterwards).
    warm_up = _rows(1, cast, [CustomerFactory()], product_line, "W")
    orders_upsert(actor=cast.admin.user, source="warm-up", rows=warm_up)
    counts = {}
    for count in (10, 200):
        customers = [CustomerFactory() for _ in range(5)]  # each gets its first order now
        rows = _rows(count, cast, customers, product_line, f"N{count}")
        with CaptureQueriesContext(connection) as created:
            orders_upsert(actor=cast.admin.user, source=f"s{count}", rows=rows)
        changed = [replace(row, note="changed") for row in rows]
        with CaptureQueriesContext(connection) as updated:
            orders_upsert(actor=cast.admin.user, source=f"s{count}", rows=changed)
        counts[count] = (_without_analyze(created), _without_analyze(updated))
    assert counts[10] == counts[200]
    assert counts[200][0] < 40
    # 2 lines; every other order is split between two people.
    assert SalesFact.objects.filter(order__source="s200").count() == 100 * 2 + 100 * 4


def test_sending_an_order_and_its_return_again_changes_nothing(cast, customer, product_line):
    original = order_row(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        amounts=["100.00"],
        external_id="S-9",
    )
    back = replace(
        order_row(
            customer=customer,
            salespeople=cast.salesperson,
            product_line=product_line,
            amounts=["-40.00"],
            status="returned",
            original_external_id="S-9",
        ),
        external_id="S-9-R",
    )
    orders_upsert(actor=None, source="api", rows=[original, back])
    again = orders_upsert(actor=None, source="api", rows=[original, back])
    assert again.ok
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_written_orders_refresh_the_statistics_the_next_batch_is_planned_with(
    cast, customer, product_line
):
    rows = [
        order_row(customer=customer, salespeople=cast.salesperson, product_line=product_line)
        for _ in range(3)
    ]
    orders_upsert(actor=None, source="api", rows=rows)
    if connection.vendor == "postgresql":
        # Never analysed before in this transaction's view: now they are, with its rows.
        believed = believed_rows(Order, OrderLine, OrderCredit, SalesFact)
        assert {name: rows >= 3 for name, rows in believed.items()} == {
            "sales_order": True,
            "sales_orderline": True,
            "sales_ordercredit": True,
            "sales_salesfact": True,
        }
    else:  # SQLite is planned without statistics, and left so
        assert not sqlite_has_statistics()


def test_many_facts_of_a_month_the_statistics_never_saw_refresh_them(
    cast, customer, product_line, monkeypatch
):
    monkeypatch.setattr(services_module, "NEWEST_MONTH_FACTS", 40)

    def rows(day: datetime.date, prefix: str, count: int):
        return [
            order_row(
                customer=customer,
                salespeople=cast.salesperson,
                product_line=product_line,
                ordered_on=day,
                external_id=f"{prefix}-{index}",
            )
            for index in range(count)
        ]

    def known_months() -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT most_common_vals::text FROM pg_stats "
                "WHERE tablename = 'sales_salesfact' AND attname = 'month'"
            )
            (values,) = cursor.fetchone()
        return {int(value) for value in values.strip("{}").split(",")}

    def analysed(day: datetime.date, prefix: str, count: int) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            orders_upsert(actor=None, source="api", rows=rows(day, prefix, count))
        return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]

    orders_upsert(actor=None, source="api", rows=rows(MARCH, "M", 400))
    if connection.vendor != "postgresql":
        return  # SQLite has no statistics to refresh
    march = MARCH.year * 100 + MARCH.month
    assert known_months() == {march}
    april = MARCH.replace(day=1) + datetime.timedelta(days=31)
    # 40 facts are not more than a tenth of 400, but of a month the statistics never saw.
    assert 'ANALYZE "sales_salesfact"' in analysed(april, "A", 40)
    assert known_months() == {march, april.year * 100 + april.month}
    assert analysed(MARCH, "N", 40) == []  # a month the statistics know
    assert analysed(april + datetime.timedelta(days=31), "J", 3) == []  # too few to sample
