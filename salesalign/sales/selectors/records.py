"""Reads behind the sales entry pages: customers, orders, satisfaction answers, survey links.

Everything starts from `visible_to(user)`; a record the user may not see is a
404. Lists run a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from salesalign.core.choices import Role
from salesalign.core.models import hash_token
from salesalign.core.roles import role_of
from salesalign.core.visibility import scope_for
from salesalign.organization.models import OrgUnit
from salesalign.sales import services
from salesalign.sales.models import (
    SHARE_SCALE,
    Customer,
    Order,
    OrderCredit,
    OrderLine,
    SatisfactionResponse,
    SurveyInvitation,
)

#: How many orders and answers a customer's page shows (the lists link to the rest).
CUSTOMER_PAGE_ROWS = 20

_MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=18, decimal_places=2)


# --- customers ---------------------------------------------------------------------------


def customer_search(
    *,
    user: Any,
    query: str = "",
    segment: Any = None,
    region: Any = None,
    owner: Any = None,
    active: bool | None = True,
) -> QuerySet[Customer]:
    """Customers the user may see, by code or name, segment or region (with their subtrees), owner."""
    customers = Customer.objects.visible_to(user).select_related("segment", "region", "owner")
    if query:
        customers = customers.filter(
            Q(code__icontains=query) | Q(name__icontains=query) | Q(name_en__icontains=query)
        )
    if segment is not None:
        customers = customers.filter(segment__path__startswith=segment.path)
    if region is not None:
        customers = customers.filter(region__path__startswith=region.path)
    if owner is not None:
        customers = customers.filter(owner=owner)
    if active is not None:
        customers = customers.filter(is_active=active)
    return customers.order_by("code")


def customer_for_user(*, user: Any, customer_id: int) -> Customer:
    """One customer the user may see; 404 otherwise."""
    return get_object_or_404(
        Customer.objects.visible_to(user).select_related("segment", "region", "owner__unit"),
        pk=customer_id,
    )


def customer_codes_for(*, user: Any, limit: int = 500) -> list[tuple[str, str]]:
    """(code, name) of the customers the user may see, for the suggestions of a code field."""
    rows = (
        Customer.objects.visible_to(user)
        .filter(is_active=True)
        .order_by("code")
        .values_list("code", "name")
    )
    return list(rows[:limit])


@dataclass
class CustomerPage:
    """A customer with the orders and answers the viewer may see."""

    customer: Customer
    orders: list[Order]
    order_count: int
    first_won_order: Order | None
    responses: list[SatisfactionResponse]
    response_count: int
    average_score: Decimal | None  # on the 1–5 scale, whichever scale was asked


def customer_page(*, user: Any, customer_id: int) -> CustomerPage:
    """Everything the customer page shows, in a fixed number of queries."""
    customer = customer_for_user(user=user, customer_id=customer_id)
    orders = order_search(user=user).filter(customer=customer)
    responses = satisfaction_search(user=user).filter(customer=customer)
    summary = satisfaction_summary(responses)
    first_won = None
    if customer.first_won_order_id is not None:
        first_won = Order.objects.visible_to(user).filter(pk=customer.first_won_order_id).first()
    return CustomerPage(
        customer=customer,
        orders=list(orders[:CUSTOMER_PAGE_ROWS]),
        order_count=orders.count(),
        first_won_order=first_won,
        responses=list(responses[:CUSTOMER_PAGE_ROWS]),
        response_count=summary["count"],
        average_score=summary["average"],
    )


# --- orders ------------------------------------------------------------------------------


def with_customer_visible(records: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """Annotate `customer_visible`: whether the user may open the record's customer.

    An order credited to you, or an answer about you, can name a customer that another
    salesperson owns; the pages name it without a link that would answer 404.
    """
    if scope_for(user).everything:
        return records.annotate(customer_visible=Value(True))
    customers = Customer.objects.visible_to(user).filter(pk=OuterRef("customer_id"))
    return records.annotate(customer_visible=Exists(customers))


def _line_total(column: str) -> Subquery:
    """The sum of one column of an order's lines, as a subquery (no join, no double count)."""
    return Subquery(
        OrderLine.objects.filter(order=OuterRef("pk"))
        .values("order")
        .annotate(total=Sum(column))
        .values("total")[:1],
        output_field=_MONEY,
    )


def _credits_with_people() -> Prefetch:
    return Prefetch(
        "credits",
        queryset=OrderCredit.objects.select_related("salesperson", "unit").order_by(
            "-share", "salesperson__employee_number"
        ),
    )


def order_search(
    *,
    user: Any,
    date_from: date | None = None,
    date_to: date | None = None,
    status: str = "",
    customer: str = "",
    salesperson: Any = None,
    product_line: Any = None,
) -> QuerySet[Order]:
    """Orders the user may see, newest first, each with its total amount and credited people."""
    orders = (
        with_customer_visible(Order.objects.visible_to(user), user)
        .select_related("customer")
        .annotate(
            total_amount=Coalesce(_line_total("amount"), Value(Decimal(0)), output_field=_MONEY),
        )
        .prefetch_related(_credits_with_people())
    )
    if date_from is not None:
        orders = orders.filter(ordered_on__gte=date_from)
    if date_to is not None:
        orders = orders.filter(ordered_on__lte=date_to)
    if status:
        orders = orders.filter(status=status)
    if customer:
        # The matching customers first, then their orders through (customer, ordered_on): a
        # join would test the customer of every order the user may see.
        matching = Customer.objects.filter(
            Q(code__iexact=customer) | Q(name__icontains=customer) | Q(name_en__icontains=customer)
        )
        orders = orders.filter(customer__in=matching.values("pk"))
    if salesperson is not None:
        # Through the credits' (salesperson, order) index, like the visibility rule.
        credited = OrderCredit.objects.filter(salesperson=salesperson).values("order_id")
        orders = orders.filter(pk__in=credited)
    if product_line is not None:
        orders = orders.filter(
            Exists(
                OrderLine.objects.filter(
                    order=OuterRef("pk"), product_line__path__startswith=product_line.path
                )
            )
        )
    return orders.order_by("-ordered_on", "-pk")


def order_for_user(*, user: Any, order_id: int) -> Order:
    """One order the user may see, with its customer (and `customer_visible`); 404 otherwise."""
    return get_object_or_404(
        with_customer_visible(Order.objects.visible_to(user), user).select_related(
            "customer", "original_order"
        ),
        pk=order_id,
    )


def order_for_edit(*, user: Any, order_id: int) -> Order:
    """An order with its lines and credits loaded, for the edit form; 404 when not visible."""
    return get_object_or_404(
        Order.objects.visible_to(user)
        .select_related("customer", "original_order")
        .prefetch_related("lines", _credits_with_people()),
        pk=order_id,
    )


@dataclass
class CreditShown:
    """A credited salesperson, their share in percent and the unit credited."""

    credit: OrderCredit
    percent: Decimal
    amount: Decimal


@dataclass
class LineShown:
    """An order line and its gross profit (None when its cost is unknown)."""

    line: OrderLine
    gross_profit: Decimal | None


@dataclass
class OrderPage:
    """An order with its lines, credits, and the returns of it (or the order it returns)."""

    order: Order
    lines: list[LineShown]
    credits: list[CreditShown]
    total_amount: Decimal
    total_cost: Decimal | None
    gross_profit: Decimal | None
    original: Order | None
    returns: list[Order] = field(default_factory=list)
    can_delete: bool = False


def order_page(*, user: Any, order_id: int) -> OrderPage:
    """Everything the order page shows; other orders appear only when the viewer may see them."""
    order = order_for_user(user=user, order_id=order_id)
    lines = list(order.lines.select_related("product_line").order_by("position", "pk"))
    credits = list(
        order.credits.select_related("salesperson", "unit").order_by(
            "-share", "salesperson__employee_number"
        )
    )
    total = sum((line.amount for line in lines), Decimal(0))
    costs = [line.cost for line in lines if line.cost is not None]
    total_cost = sum(costs, Decimal(0)) if len(costs) == len(lines) and lines else None
    visible = Order.objects.visible_to(user)
    original = None
    if order.original_order_id is not None:
        original = visible.filter(pk=order.original_order_id).first()
    returns = list(
        visible.filter(original_order=order)
        .annotate(
            total_amount=Coalesce(_line_total("amount"), Value(Decimal(0)), output_field=_MONEY)
        )
        .order_by("ordered_on", "pk")
    )
    return OrderPage(
        order=order,
        lines=[
            LineShown(line, line.amount - line.cost if line.cost is not None else None)
            for line in lines
        ],
        credits=[
            CreditShown(
                credit=credit,
                percent=(Decimal(credit.share) * 100 / SHARE_SCALE).quantize(Decimal("0.01")),
                amount=(total * credit.share / SHARE_SCALE).quantize(Decimal("0.01")),
            )
            for credit in credits
        ],
        total_amount=total,
        total_cost=total_cost,
        gross_profit=total - total_cost if total_cost is not None else None,
        original=original,
        returns=returns,
        can_delete=may_delete_order(user=user, credit_units=[c.unit for c in credits]),
    )


def may_delete_order(*, user: Any, credit_units: list[OrgUnit]) -> bool:
    """Whether the page offers "delete": the rule `services.order_delete` enforces."""
    return services.may_manage(user, [unit.path for unit in credit_units])


# --- satisfaction ------------------------------------------------------------------------


def satisfaction_search(
    *,
    user: Any,
    salesperson: Any = None,
    date_from: date | None = None,
    date_to: date | None = None,
    scale: str = "",
    channel: str = "",
) -> QuerySet[SatisfactionResponse]:
    """Answers the user may see, newest first."""
    responses = with_customer_visible(
        SatisfactionResponse.objects.visible_to(user), user
    ).select_related("customer", "salesperson", "unit")
    if salesperson is not None:
        responses = responses.filter(salesperson=salesperson)
    if date_from is not None:
        responses = responses.filter(responded_on__gte=date_from)
    if date_to is not None:
        responses = responses.filter(responded_on__lte=date_to)
    if scale:
        responses = responses.filter(scale=scale)
    if channel:
        responses = responses.filter(channel=channel)
    return responses.order_by("-responded_on", "-pk")


def satisfaction_summary(responses: QuerySet[SatisfactionResponse]) -> dict[str, Any]:
    """How many answers, and their average on the 1–5 scale (answers on 0–10 are normalised)."""
    row = responses.order_by().aggregate(count=Count("pk"), average=Avg("score_normalized"))
    average = row["average"]
    return {
        "count": row["count"],
        "average": (Decimal(average) / 100).quantize(Decimal("0.01"))
        if average is not None
        else None,
    }


# --- the public survey page --------------------------------------------------------------


def survey_invitation_for_token(*, token: str) -> SurveyInvitation | None:
    """The invitation a raw link token stands for (only its hash is stored), or None."""
    if not token or len(token) > 200:
        return None
    return (
        SurveyInvitation.objects.select_related("customer", "salesperson")
        .filter(token_hash=hash_token(token))
        .first()
    )


def company_name() -> str:
    """The name of the company (the top of the org tree), as the survey page shows it."""
    root = OrgUnit.objects.filter(depth=1).order_by("path").first()
    return root.display_name if root is not None else ""


def may_enter_sales(user: Any) -> bool:
    """Whether the pages offer entering and changing records (HR and outsiders only read).

    The services decide for each record; this only decides which buttons to show.
    """
    role = role_of(user)
    return role in {Role.ADMIN, Role.EXECUTIVE, Role.MANAGER, Role.SALESPERSON}
