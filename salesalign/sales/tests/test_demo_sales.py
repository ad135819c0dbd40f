"""The demo's sales history: three years with the promised shape, repeatable, deterministic.

Loaded at a reduced size (`settings.DEMO_ORDER_LINES`); the shape does not depend on it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Max, Sum

from salesalign.organization.models import OrgUnit, Person, UnitAssignment
from salesalign.sales import demo
from salesalign.sales.choices import OrderStatus, SurveyScale
from salesalign.sales.models import (
    Customer,
    Order,
    OrderCredit,
    OrderLine,
    SalesFact,
    SatisfactionResponse,
)

TODAY = "2026-06-15"
LINES = 3_000

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_demo(settings):
    settings.DEMO_ORDER_LINES = LINES


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", "--today", TODAY, stdout=out)
    return out.getvalue()


def sales_counts() -> dict[str, int]:
    models = (Customer, Order, OrderLine, OrderCredit, SalesFact, SatisfactionResponse)
    return {
        **{model.__name__: model.objects.count() for model in models},
        "UnitAssignment": UnitAssignment.objects.count(),
    }


def test_the_demo_has_three_whole_years_of_orders_and_this_one_with_about_the_asked_lines():
    output = load_demo()

    months = {
        (day.year, day.month)
        for day in Order.objects.filter(ordered_on__gte=date(2023, 1, 1)).values_list(
            "ordered_on", flat=True
        )
    }
    # The fiscal years 2023 to 2025, whole, and 2026 up to June: the trend checks and the
    # seasonality read whole years.
    assert len(months) == 36 + 6, "every month of the history has orders"
    assert not Order.objects.filter(ordered_on__gt=date.fromisoformat(TODAY)).exists()
    lines = OrderLine.objects.count()
    assert 0.85 * LINES <= lines <= 1.15 * LINES
    assert not OrderLine.objects.filter(cost__isnull=True).exists(), "every line has a cost"
    profit = SalesFact.objects.aggregate(revenue=Sum("revenue_cents"), cost=Sum("cost_cents"))
    assert 0.3 < 1 - profit["cost"] / profit["revenue"] < 0.7, "a plausible gross margin"
    assert "Sales (2023-01 to 2026-06-15)" in output


def test_customers_sit_in_their_owners_territory_and_are_won_and_lost_over_the_years():
    load_demo()

    customers = Customer.objects.select_related("owner__unit", "region")
    assert 40 <= customers.count() <= 2_000
    assert not customers.filter(region__isnull=True).exists()
    assert not customers.filter(segment__isnull=True).exists()
    assert not customers.filter(owner__isnull=True).exists()
    assert not customers.filter(owner__is_active=False).exists(), (
        "leavers' customers were handed over"
    )
    at_home = sum(
        1
        for customer in customers
        if customer.owner.unit.code in demo.TERRITORIES
        and customer.region.code in demo.TERRITORIES[customer.owner.unit.code][0]
    )
    assert at_home / customers.count() > 0.5

    won = Counter(
        day.year for day in Customer.objects.values_list("first_won_on", flat=True) if day
    )
    assert won[2024] > 0 and won[2025] > 0 and won[2026] > 0, "new customers every year"
    lost = Customer.objects.filter(is_active=False).annotate(last_order=Max("orders__ordered_on"))
    assert lost.exists()
    a_month_ago = date.fromisoformat(TODAY) - timedelta(days=30)
    quiet = [customer for customer in lost if customer.last_order < a_month_ago]
    assert len(quiet) > 0.7 * len(lost), "lost customers stopped ordering"


def test_february_dips_while_quarter_ends_and_december_push():
    load_demo()

    orders = Counter(
        day.month
        for day in Order.objects.filter(
            status=OrderStatus.WON, ordered_on__gte=date(2023, 7, 1)
        ).values_list("ordered_on", flat=True)
    )
    assert orders[2] < orders[1] and orders[2] < orders[3], "the Spring Festival dip"
    assert orders[2] < 0.75 * min(orders[month] for month in (1, 3, 4, 5))
    assert orders[12] > max(orders[10], orders[11]), "the year-end push"

    days = Order.objects.filter(ordered_on__gte=date(2023, 7, 1)).values_list(
        "ordered_on", flat=True
    )
    late: defaultdict[str, int] = defaultdict(int)
    total: defaultdict[str, int] = defaultdict(int)
    for day in days:
        kind = "quarter end" if day.month in (3, 6, 9, 12) else "other"
        total[kind] += 1
        late[kind] += day.day > 20
    assert late["quarter end"] / total["quarter end"] > late["other"] / total["other"] + 0.1


def test_product_lines_grow_differently():
    load_demo()

    def lines(code: str, first: date, last: date) -> int:
        return OrderLine.objects.filter(
            product_line__code=code,
            order__ordered_on__range=(first, last),
            order__status=OrderStatus.WON,
        ).count()

    first_year = (date(2023, 7, 1), date(2024, 6, 30))
    last_year = (date(2025, 6, 16), date(2026, 6, 15))
    ai_to_cameras_then = lines("PL-VIS-AI", *first_year) / lines("PL-VIS-CAM", *first_year)
    ai_to_cameras_now = lines("PL-VIS-AI", *last_year) / lines("PL-VIS-CAM", *last_year)
    assert ai_to_cameras_now > 2 * ai_to_cameras_then, "AI software grows, cameras shrink"


def test_some_orders_are_split_returned_or_cancelled():
    load_demo()

    orders = Order.objects.count()
    split = Order.objects.annotate(credits_count=Count("credits")).filter(credits_count=2)
    assert 0.02 * orders < split.count() < 0.09 * orders
    for order in split[:10]:
        assert sum(order.credits.values_list("share", flat=True)) == 10_000
        first, second = order.credits.select_related("salesperson")
        assert first.salesperson != second.salesperson
    returns = Order.objects.filter(status=OrderStatus.RETURNED).select_related("original_order")
    assert 0.003 * orders < returns.count() < 0.03 * orders
    for order in returns:
        assert order.original_order.status == OrderStatus.WON
        assert order.original_order.customer_id == order.customer_id
        assert order.ordered_on >= order.original_order.ordered_on
        returned = -order.lines.aggregate(total=Sum("amount"))["total"]
        sold = order.original_order.lines.aggregate(total=Sum("amount"))["total"]
        assert 0 < returned <= sold
    assert any(
        (order.ordered_on.year, order.ordered_on.month)
        != (order.original_order.ordered_on.year, order.original_order.ordered_on.month)
        for order in returns
    ), "some returns come in a later month"
    cancelled = Order.objects.filter(status=OrderStatus.CANCELLED)
    assert cancelled.exists()
    assert not SalesFact.objects.filter(order__in=cancelled).exists()


def test_a_transferred_salesperson_keeps_earlier_sales_with_the_old_team():
    load_demo()

    assignments = UnitAssignment.objects.select_related("person", "unit").order_by("valid_from")
    moved = {assignment.person for assignment in assignments}
    assert len(moved) == 2
    for person in moved:
        old, new = [a for a in assignments if a.person == person]
        assert new.unit == person.unit and old.unit != person.unit
        credits = OrderCredit.objects.filter(salesperson=person).select_related("order")
        before = {c.unit_id for c in credits if c.order.ordered_on < new.valid_from}
        after = {c.unit_id for c in credits if c.order.ordered_on >= new.valid_from}
        assert before == {old.unit_id}
        assert after == {new.unit_id}
    shanghai = OrgUnit.objects.get(code="T11-SH")
    assert any(person.unit == shanghai for person in moved), "the demo manager's team has one"


def test_most_customers_answered_the_satisfaction_survey_on_both_scales():
    load_demo()

    answers = SatisfactionResponse.objects.all()
    answered = answers.values("customer").distinct().count()
    assert answered > 0.4 * Customer.objects.count()
    five = answers.filter(scale=SurveyScale.FIVE_POINT)
    nps = answers.filter(scale=SurveyScale.NPS)
    assert five.exists() and nps.exists()
    assert set(five.values_list("score", flat=True)) <= {1, 2, 3, 4, 5}
    assert len(set(five.values_list("score", flat=True))) >= 3
    assert not nps.filter(score__gt=10).exists()
    for answer in answers.select_related("salesperson")[:20]:
        assert answer.month == answer.responded_on.year * 100 + answer.responded_on.month
        assert (
            answer.salesperson.left_on is None or answer.salesperson.left_on >= answer.responded_on
        )


def test_nobody_is_credited_after_leaving_or_before_being_hired():
    load_demo()

    credits = OrderCredit.objects.select_related("order", "salesperson").exclude(
        order__status=OrderStatus.RETURNED
    )
    for credit in credits:
        person: Person = credit.salesperson
        assert person.left_on is None or credit.order.ordered_on <= person.left_on
        assert person.hire_date is None or credit.order.ordered_on >= person.hire_date


def test_loading_the_demo_twice_adds_and_changes_no_sale():
    load_demo()
    before = sales_counts()
    updated = dict(Order.objects.values_list("pk", "updated_at"))

    output = load_demo()

    assert sales_counts() == before
    assert dict(Order.objects.values_list("pk", "updated_at")) == updated
    assert "(0 new, 0 changed)" in output
