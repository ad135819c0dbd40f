"""Facts: cents split by share exactly, units on dates, the order-counting shares."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesalign.engines.shares import split_cents, to_cents
from salesalign.organization.models import UnitAssignment
from salesalign.sales.facts import (
    OrderParts,
    UnitTimeline,
    facts_for_order,
    facts_rebuild,
    units_on,
)
from salesalign.sales.models import SHARE_SCALE, SalesFact

# --- the split (pure) --------------------------------------------------------------------


def _shares(draw_sizes: list[int]) -> list[int]:
    """Turn positive weights into basis-point shares that add up to exactly 10,000."""
    total = sum(draw_sizes)
    shares = [max(1, size * SHARE_SCALE // total) for size in draw_sizes]
    shares[0] += SHARE_SCALE - sum(shares)
    return shares


share_lists = (
    st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=8)
    .map(_shares)
    .filter(lambda shares: all(share > 0 for share in shares))
)
amounts = st.decimals(
    min_value=Decimal("-99999999.99"),
    max_value=Decimal("99999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


@given(lines=st.lists(amounts, min_size=1, max_size=6), shares=share_lists)
def test_credited_cents_always_add_up_to_each_line_exactly(lines, shares):
    parts = OrderParts(
        order_id=1,
        ordered_on=datetime.date(2024, 2, 29),
        status="won",
        customer_id=1,
        region_id=None,
        segment_id=None,
        lines=[(1 + index % 2, amount, None) for index, amount in enumerate(lines)],
        credits=[(index + 1, 1, share) for index, share in enumerate(shares)],
    )
    facts = facts_for_order(parts)
    assert len(facts) == len(lines) * len(shares)
    for index, amount in enumerate(lines):
        line_facts = facts[index * len(shares) : (index + 1) * len(shares)]
        assert sum(fact.revenue_cents for fact in line_facts) == to_cents(amount)
    # The order counts exactly once, and each product line in it once.
    assert sum(fact.order_share for fact in facts) == SHARE_SCALE
    assert sum(fact.product_line_order_share for fact in facts) == SHARE_SCALE * min(len(lines), 2)
    assert {fact.month for fact in facts} == {202402}


@given(total=st.integers(min_value=-(10**12), max_value=10**12), shares=share_lists)
def test_each_part_is_within_a_cent_of_its_exact_share(total, shares):
    parts = split_cents(total, shares)
    assert sum(parts) == total
    for part, share in zip(parts, shares, strict=True):
        assert abs(part * SHARE_SCALE - total * share) < SHARE_SCALE


def test_the_leftover_cents_go_to_the_largest_remainders():
    assert split_cents(100, [3333, 3333, 3334]) == [33, 33, 34]
    assert split_cents(1, [5000, 5000]) == [1, 0]
    assert split_cents(-1, [5000, 5000]) == [-1, 0]


def test_a_split_needs_shares():
    with pytest.raises(ValueError):
        split_cents(100, [])
    with pytest.raises(ValueError):
        split_cents(100, [0, 0])


def _one_line(status):
    return OrderParts(
        order_id=1,
        ordered_on=datetime.date(2024, 1, 1),
        status=status,
        customer_id=1,
        region_id=None,
        segment_id=None,
        lines=[(1, Decimal("-5.00"), Decimal("-3"))],
        credits=[(1, 1, SHARE_SCALE)],
    )


def test_returns_and_cancelled_orders_count_no_order():
    facts = facts_for_order(_one_line("returned"))
    assert [(f.revenue_cents, f.cost_cents, f.order_share) for f in facts] == [(-500, -300, 0)]
    assert facts_for_order(_one_line("cancelled")) == []


# --- units on dates ----------------------------------------------------------------------


def test_the_timeline_uses_the_assignment_in_force_on_each_date():
    timeline = UnitTimeline(
        {1: 30, 2: 99},
        {1: [(datetime.date(2024, 1, 1), 10), (datetime.date(2024, 7, 1), 20)]},
    )
    assert timeline.unit_on(1, datetime.date(2023, 5, 1)) == 10  # before the first: the earliest
    assert timeline.unit_on(1, datetime.date(2024, 6, 30)) == 10
    assert timeline.unit_on(1, datetime.date(2024, 7, 1)) == 20
    assert timeline.unit_on(2, datetime.date(2024, 7, 1)) == 99  # none recorded: current unit


@pytest.mark.django_db
def test_units_on_reads_the_assignments_in_bulk(cast, django_assert_max_num_queries):
    UnitAssignment.objects.filter(person=cast.salesperson).delete()
    UnitAssignment.objects.create(
        person=cast.salesperson, unit=cast.team, valid_from=datetime.date(2024, 1, 1)
    )
    UnitAssignment.objects.create(
        person=cast.salesperson, unit=cast.other_team, valid_from=datetime.date(2024, 4, 1)
    )
    pairs = [
        (cast.salesperson.pk, datetime.date(2024, 3, 31)),
        (cast.salesperson.pk, datetime.date(2024, 4, 1)),
        (cast.other_salesperson.pk, datetime.date(2024, 4, 1)),
    ]
    with django_assert_max_num_queries(2):
        units = units_on(pairs)
    assert [units[pair] for pair in pairs] == [cast.team.pk, cast.other_team.pk, cast.other_team.pk]


@pytest.mark.django_db
def test_facts_can_be_rebuilt_from_the_stored_orders(cast):
    from salesalign.organization.tests.factories import ProductLineFactory
    from salesalign.sales.tests.factories import CustomerFactory, make_order

    line = ProductLineFactory()
    order = make_order(
        customer=CustomerFactory(),
        salespeople=[cast.salesperson, cast.salesperson2],
        product_line=line,
        amounts=["10.01"],
    )
    SalesFact.objects.all().delete()
    assert facts_rebuild(order_ids=[order.pk]) == 2
    assert sum(SalesFact.objects.values_list("revenue_cents", flat=True)) == 1001
    assert sum(SalesFact.objects.values_list("new_customer_share", flat=True)) == SHARE_SCALE
