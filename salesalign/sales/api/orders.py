"""API endpoints for customers, orders and satisfaction answers (thin: parse, call, answer).

Everything follows `visible_to`: a record the caller may not see is a 404, a
write outside the caller's part of the organisation a 403. Orders are written
through `services.orders_upsert` (one at a time, or up to 10,000 per bulk
call, all or nothing, idempotent by source and order ID). Money is sent and
answered as decimal strings; credit shares in basis points (10,000 = 100 %).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ValidationError as PydanticValidationError

from salesalign.core.api import PageIn, api_user, error_body, page_of
from salesalign.core.exceptions import DomainError
from salesalign.organization.models import CustomerSegment, Person, Region
from salesalign.sales import services
from salesalign.sales.choices import OrderStatus, SurveyChannel, SurveyScale
from salesalign.sales.models import Customer, Order, SatisfactionResponse
from salesalign.sales.rows import CreditRow, LineRow, OrderRow, RowError
from salesalign.sales.selectors import exchange

router = Router(tags=["sales"])


class ErrorItem(Schema):
    field: str
    reason: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem]


def _lookup(model: Any, code: str | None, field: str, message: str) -> Any:
    if not code:
        return None
    found = model.objects.filter(code=code.strip()).first()
    if found is None:
        raise DomainError(message % {"code": code}, field=field)
    return found


def _person(user: Any, number: str | None, field: str) -> Person | None:
    if not number:
        return None
    person = Person.objects.visible_to(user).filter(employee_number=number.strip()).first()
    if person is None:
        raise DomainError(
            _("Unknown employee number %(number)s.") % {"number": number}, field=field
        )
    return person


def _customer(user: Any, code: str, field: str = "customer_code") -> Customer:
    customer = Customer.objects.visible_to(user).filter(code=code.strip()).first()
    if customer is None:
        raise DomainError(_("Unknown customer %(code)s.") % {"code": code}, field=field)
    return customer


def _rows_refused(errors: list[RowError], prefix: str = "") -> Status:
    """400 with every row error; in a bulk call each field names its order: orders[3].lines[0].amount."""
    items = [
        {
            "field": f"{prefix}[{error.row}].{error.field}" if prefix else error.field,
            "reason": error.reason,
        }
        for error in errors
    ]
    detail = services.SalesRowsInvalid(errors).message
    return Status(400, error_body(detail, items))


# --- customers ---------------------------------------------------------------------------


class CustomerOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    segment_id: int | None
    segment_code: str | None
    region_id: int | None
    region_code: str | None
    owner_id: int | None
    owner_employee_number: str | None
    source: str
    is_active: bool
    first_won_on: datetime.date | None = Field(description="Date of the first won order.")
    first_won_order_id: int | None

    @staticmethod
    def resolve_segment_code(obj: Customer) -> str | None:
        return obj.segment.code if obj.segment else None

    @staticmethod
    def resolve_region_code(obj: Customer) -> str | None:
        return obj.region.code if obj.region else None

    @staticmethod
    def resolve_owner_employee_number(obj: Customer) -> str | None:
        return obj.owner.employee_number if obj.owner else None


class CustomerPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[CustomerOut]


class CustomerIn(Schema):
    code: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field("", max_length=200)
    segment_code: str | None = None
    region_code: str | None = None
    owner: str | None = Field(
        None, description="Employee number of the owning salesperson (a salesperson: themselves)."
    )
    is_active: bool = True


class CustomerPatchIn(Schema):
    """Only the fields sent are changed."""

    code: str | None = Field(None, min_length=1, max_length=60)
    name: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    segment_code: str | None = None
    region_code: str | None = None
    owner: str | None = None
    is_active: bool | None = None


class CustomerFilterIn(PageIn):
    q: str = Field("", description="Matches code, name and English name.")
    active: bool | None = None


def _customer_fields(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    fields = {key: data[key] for key in ("code", "name", "name_en", "is_active") if key in data}
    for key in ("code", "name", "is_active"):
        if key in fields and fields[key] is None:
            raise DomainError(_("This field cannot be null."), field=key)
    if "name_en" in fields and fields["name_en"] is None:
        fields["name_en"] = ""
    if "segment_code" in data:
        fields["segment"] = _lookup(
            CustomerSegment,
            data["segment_code"],
            "segment_code",
            _("Unknown customer segment %(code)s."),
        )
    if "region_code" in data:
        fields["region"] = _lookup(
            Region, data["region_code"], "region_code", _("Unknown region %(code)s.")
        )
    if "owner" in data:
        fields["owner"] = _person(user, data["owner"], "owner")
    return fields


@router.get("/customers", response=CustomerPageOut, summary="List customers")
def customer_list(request: HttpRequest, filters: Query[CustomerFilterIn]) -> Any:
    customers = exchange.customers_for_api(
        user=request.user, query=filters.q.strip(), active=filters.active
    )
    return page_of(customers, filters)


@router.get("/customers/{int:customer_id}", response=CustomerOut, summary="Get a customer")
def customer_get(request: HttpRequest, customer_id: int) -> Any:
    return exchange.customer_for_api(user=request.user, customer_id=customer_id)


@router.post(
    "/customers",
    response={201: CustomerOut},
    summary="Create a customer",
    description="Salespeople create their own customers, managers their teams', "
    "executives and admins any.",
)
def customer_create(request: HttpRequest, payload: CustomerIn) -> Any:
    user = api_user(request)
    fields = _customer_fields(user, payload.model_dump())
    customer = services.customer_create(actor=user, source="api", **fields)
    return Status(201, exchange.customer_for_api(user=user, customer_id=customer.pk))


@router.patch("/customers/{int:customer_id}", response=CustomerOut, summary="Change a customer")
def customer_update(request: HttpRequest, customer_id: int, payload: CustomerPatchIn) -> Any:
    user = api_user(request)
    customer = exchange.customer_for_api(user=user, customer_id=customer_id)
    fields = _customer_fields(user, payload.model_dump(exclude_unset=True))
    services.customer_update(actor=user, customer=customer, **fields)
    return exchange.customer_for_api(user=user, customer_id=customer_id)


@router.delete(
    "/customers/{int:customer_id}",
    response={204: None},
    summary="Delete a customer without orders (admins, the owner's manager)",
)
def customer_delete(request: HttpRequest, customer_id: int) -> Any:
    user = api_user(request)
    customer = exchange.customer_for_api(user=user, customer_id=customer_id)
    services.customer_delete(actor=user, customer=customer)
    return Status(204, None)


# --- orders ------------------------------------------------------------------------------


class OrderLineIn(Schema):
    product_line_code: str = Field(min_length=1)
    amount: Decimal = Field(description="Negative on a return.")
    quantity: Decimal = Decimal(1)
    cost: Decimal | None = None


class OrderCreditIn(Schema):
    employee_number: str = Field(min_length=1)
    share: int = Field(10_000, description="Basis points: 10,000 = 100 %; the shares add up to it.")


class OrderIn(Schema):
    external_id: str = Field(
        "", max_length=80, description="The order's ID in its source; empty: numbered for you."
    )
    source: str = Field("api", min_length=1, max_length=40)
    customer_code: str = Field(min_length=1)
    customer_name: str = Field(
        "", description="Creates the customer when its code is new (with region and segment)."
    )
    region_code: str = ""
    segment_code: str = ""
    ordered_on: datetime.date
    status: OrderStatus = OrderStatus.WON
    currency: str = Field("", description="Three letters; the company currency when empty.")
    original_external_id: str = Field(
        "", description="For a return: the order it gives back (same source)."
    )
    note: str = ""
    lines: list[OrderLineIn] = Field(min_length=1)
    credits: list[OrderCreditIn] = Field(
        default_factory=list, description="A return without credits takes its original's."
    )

    def to_row(self, row: int = 0) -> OrderRow:
        return OrderRow(
            external_id=self.external_id,
            customer_code=self.customer_code,
            customer_name=self.customer_name,
            region_code=self.region_code,
            segment_code=self.segment_code,
            ordered_on=self.ordered_on,
            status=self.status,
            currency=self.currency,
            original_external_id=self.original_external_id,
            note=self.note,
            lines=tuple(
                LineRow(
                    product_line_code=line.product_line_code,
                    amount=line.amount,
                    quantity=line.quantity,
                    cost=line.cost,
                )
                for line in self.lines
            ),
            credits=tuple(
                CreditRow(employee_number=credit.employee_number, share=credit.share)
                for credit in self.credits
            ),
            row=row,
        )


class OrderLineOut(Schema):
    position: int
    product_line_id: int
    product_line_code: str
    quantity: Decimal
    amount: Decimal
    cost: Decimal | None

    @staticmethod
    def resolve_product_line_code(obj: Any) -> str:
        return str(obj.product_line.code)


class OrderCreditOut(Schema):
    salesperson_id: int
    employee_number: str
    unit_id: int = Field(description="The salesperson's unit on the order date.")
    unit_code: str
    share: int

    @staticmethod
    def resolve_employee_number(obj: Any) -> str:
        return str(obj.salesperson.employee_number)

    @staticmethod
    def resolve_unit_code(obj: Any) -> str:
        return str(obj.unit.code)


class OrderOut(Schema):
    id: int
    source: str
    external_id: str
    customer_id: int
    customer_code: str
    ordered_on: datetime.date
    status: OrderStatus
    currency: str
    original_order_id: int | None
    original_external_id: str | None
    note: str
    lines: list[OrderLineOut]
    credits: list[OrderCreditOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_customer_code(obj: Order) -> str:
        return obj.customer.code

    @staticmethod
    def resolve_original_external_id(obj: Order) -> str | None:
        return obj.original_order.external_id if obj.original_order else None

    @staticmethod
    def resolve_lines(obj: Order) -> list[Any]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_credits(obj: Order) -> list[Any]:
        return list(obj.credits.all())


class OrderPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[OrderOut]


class OrderFilterIn(PageIn):
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    status: OrderStatus | None = None
    source: str = ""
    external_id: str = ""
    customer_code: str = ""


@router.get(
    "/orders",
    response=OrderPageOut,
    summary="List orders",
    description="Orders credited (even in part) to someone you may see, newest first.",
)
def order_list(request: HttpRequest, filters: Query[OrderFilterIn]) -> Any:
    orders = exchange.orders_for_api(
        user=request.user,
        date_from=filters.date_from,
        date_to=filters.date_to,
        status=filters.status or "",
        source=filters.source,
        external_id=filters.external_id,
        customer_code=filters.customer_code,
    )
    return page_of(orders, filters)


@router.get("/orders/{int:order_id}", response=OrderOut, summary="Get an order")
def order_get(request: HttpRequest, order_id: int) -> Any:
    return exchange.order_for_api(user=request.user, order_id=order_id)


@router.post(
    "/orders",
    response={201: OrderOut, 400: ErrorOut},
    summary="Create an order",
    description="Refused (400) when the source already has an order with this ID; "
    "use PUT or the bulk endpoint to change orders.",
)
def order_create(request: HttpRequest, payload: OrderIn) -> Any:
    user = api_user(request)
    try:
        order = services.order_save(actor=user, row=payload.to_row(), source=payload.source)
    except services.SalesRowsInvalid as error:
        return _rows_refused(error.errors)
    return Status(201, exchange.order_for_api(user=user, order_id=order.pk))


@router.put(
    "/orders/{int:order_id}",
    response={200: OrderOut, 400: ErrorOut},
    summary="Replace an order",
    description="Replaces the order's fields, lines and credits. Its source and ID stay.",
)
def order_update(request: HttpRequest, order_id: int, payload: OrderIn) -> Any:
    user = api_user(request)
    order = exchange.order_for_api(user=user, order_id=order_id)
    try:
        services.order_save(actor=user, row=payload.to_row(), order=order)
    except services.SalesRowsInvalid as error:
        return _rows_refused(error.errors)
    return exchange.order_for_api(user=user, order_id=order_id)


@router.delete(
    "/orders/{int:order_id}",
    response={204: None},
    summary="Delete an order (admins, the credited team's manager)",
)
def order_delete(request: HttpRequest, order_id: int) -> Any:
    user = api_user(request)
    services.order_delete(actor=user, order=exchange.order_for_api(user=user, order_id=order_id))
    return Status(204, None)


class OrderBulkIn(Schema):
    source: str = Field("api", min_length=1, max_length=40)
    dry_run: bool = Field(False, description="Check and count only; nothing is written.")
    orders: list[Any] = Field(
        description="Up to 10,000 orders, each as in OrderIn (`external_id` required).",
    )


class OrderBulkResult(Schema):
    index: int
    external_id: str
    outcome: Literal["created", "updated", "unchanged"]
    id: int | None = Field(description="The order's id (null in a dry run for a new order).")


class OrderBulkOut(Schema):
    created: int
    updated: int
    unchanged: int
    customers_created: int
    results: list[OrderBulkResult]


def _location(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "__all__"


@router.post(
    "/orders/bulk",
    response={200: OrderBulkOut, 400: ErrorOut},
    summary="Create or update up to 10,000 orders at once",
    description=(
        "Idempotent by source and order ID: a new ID creates an order, a known one with "
        "different content updates it, an identical one is left unchanged. All or nothing: "
        "any malformed order rejects the call (400) with `orders[<index>].<field>` and the "
        "reason for every problem, and nothing is written."
    ),
)
def order_bulk(request: HttpRequest, payload: OrderBulkIn) -> Any:
    user = api_user(request)
    if len(payload.orders) > services.MAX_ROWS_PER_CALL:
        raise DomainError(
            _("At most %(count)s orders per call; this one has %(sent)s.")
            % {"count": f"{services.MAX_ROWS_PER_CALL:,}", "sent": f"{len(payload.orders):,}"},
            field="orders",
        )
    if not payload.orders:
        raise DomainError(_("Send at least one order."), field="orders")
    rows: list[OrderRow] = []
    malformed: list[dict[str, str]] = []
    for index, raw in enumerate(payload.orders):
        try:
            parsed = OrderIn.model_validate(raw)
        except PydanticValidationError as error:
            malformed.extend(
                {"field": f"orders[{index}].{_location(item['loc'])}", "reason": item["msg"]}
                for item in error.errors()
            )
            continue
        if not parsed.external_id.strip():
            malformed.append(
                {"field": f"orders[{index}].external_id", "reason": _("The order ID is missing.")}
            )
        rows.append(parsed.to_row(row=index))
    if malformed:
        return Status(
            400, error_body(_("Some orders are malformed; nothing was written."), malformed)
        )
    try:
        result = services.orders_upsert(
            actor=user, source=payload.source, rows=rows, dry_run=payload.dry_run
        )
    except services.SalesRowsInvalid as error:
        return _rows_refused(error.errors, prefix="orders")
    if result.errors:  # a dry run reports instead of raising
        return _rows_refused(result.errors, prefix="orders")
    ids: list[int | None] = [*result.order_ids] or [None] * len(rows)
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "customers_created": result.customers_created,
        "results": [
            {"index": index, "external_id": row.external_id, "outcome": outcome, "id": order_id}
            for index, (row, outcome, order_id) in enumerate(
                zip(rows, result.outcomes, ids, strict=True)
            )
        ],
    }


# --- satisfaction ------------------------------------------------------------------------


class SatisfactionResponseOut(Schema):
    id: int
    customer_id: int
    customer_code: str
    salesperson_id: int
    employee_number: str
    unit_id: int = Field(description="The salesperson's unit on the answer date.")
    scale: SurveyScale
    score: int
    score_normalized: int = Field(description="The score on the 1–5 scale, times 100.")
    comment: str
    responded_on: datetime.date
    month: int
    channel: SurveyChannel
    external_id: str

    @staticmethod
    def resolve_customer_code(obj: SatisfactionResponse) -> str:
        return obj.customer.code

    @staticmethod
    def resolve_employee_number(obj: SatisfactionResponse) -> str:
        return obj.salesperson.employee_number


class SatisfactionPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[SatisfactionResponseOut]


class SatisfactionResponseIn(Schema):
    customer_code: str = Field(min_length=1)
    salesperson: str = Field(min_length=1, description="Employee number.")
    scale: SurveyScale = SurveyScale.FIVE_POINT
    score: int = Field(description="1–5, or 0–10 on the NPS scale.")
    responded_on: datetime.date
    channel: SurveyChannel = SurveyChannel.API
    comment: str = ""
    external_id: str = Field("", max_length=80)


class SatisfactionFilterIn(PageIn):
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    scale: SurveyScale | None = None
    channel: SurveyChannel | None = None


def _answer_fields(user: Any, payload: SatisfactionResponseIn) -> dict[str, Any]:
    salesperson = _person(user, payload.salesperson, "salesperson")
    if salesperson is None:  # pragma: no cover - the schema requires it
        raise DomainError(_("This field is required."), field="salesperson")
    return {
        "customer": _customer(user, payload.customer_code),
        "salesperson": salesperson,
        "scale": payload.scale,
        "score": payload.score,
        "responded_on": payload.responded_on,
        "channel": payload.channel,
        "comment": payload.comment,
    }


@router.get(
    "/satisfaction-responses", response=SatisfactionPageOut, summary="List satisfaction answers"
)
def satisfaction_list(request: HttpRequest, filters: Query[SatisfactionFilterIn]) -> Any:
    responses = exchange.satisfaction_for_api(
        user=request.user,
        date_from=filters.date_from,
        date_to=filters.date_to,
        scale=filters.scale or "",
        channel=filters.channel or "",
    )
    return page_of(responses, filters)


@router.get(
    "/satisfaction-responses/{int:response_id}",
    response=SatisfactionResponseOut,
    summary="Get a satisfaction answer",
)
def satisfaction_get(request: HttpRequest, response_id: int) -> Any:
    return exchange.satisfaction_response_for_api(user=request.user, response_id=response_id)


@router.post(
    "/satisfaction-responses",
    response={201: SatisfactionResponseOut},
    summary="Record a satisfaction answer",
)
def satisfaction_create(request: HttpRequest, payload: SatisfactionResponseIn) -> Any:
    user = api_user(request)
    response = services.satisfaction_record(
        actor=user, external_id=payload.external_id, **_answer_fields(user, payload)
    )
    return Status(201, exchange.satisfaction_response_for_api(user=user, response_id=response.pk))


@router.put(
    "/satisfaction-responses/{int:response_id}",
    response=SatisfactionResponseOut,
    summary="Correct a satisfaction answer (admins, the team's manager)",
)
def satisfaction_update(
    request: HttpRequest, response_id: int, payload: SatisfactionResponseIn
) -> Any:
    user = api_user(request)
    response = exchange.satisfaction_response_for_api(user=user, response_id=response_id)
    services.satisfaction_update(actor=user, response=response, **_answer_fields(user, payload))
    return exchange.satisfaction_response_for_api(user=user, response_id=response_id)


@router.delete(
    "/satisfaction-responses/{int:response_id}",
    response={204: None},
    summary="Delete a satisfaction answer (admins, the team's manager)",
)
def satisfaction_delete(request: HttpRequest, response_id: int) -> Any:
    user = api_user(request)
    response = exchange.satisfaction_response_for_api(user=user, response_id=response_id)
    services.satisfaction_delete(actor=user, response=response)
    return Status(204, None)
