"""Writes of the sales app. Every way in (pages, import, API, demo) goes through these.

`orders_upsert` is the one way orders are written: it resolves and checks a
whole set of rows at once (a bounded number of queries however many rows),
writes them in bulk inside one transaction, and rebuilds the derived facts.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from salesalign.core.batches import refresh_statistics
from salesalign.core.bulk import CHUNK, chunks, db_datetime, insert_rows, update_rows
from salesalign.core.choices import Role
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.models import hash_token
from salesalign.core.roles import is_admin, person_of, role_of
from salesalign.core.services import name_params, notify
from salesalign.core.visibility import Scope, scope_for
from salesalign.organization.models import (
    CustomerSegment,
    OrgUnit,
    Person,
    ProductLine,
    Region,
    UnitAssignment,
)
from salesalign.organization.services import UNSET, Maybe
from salesalign.sales.choices import OrderStatus, SurveyChannel, SurveyScale
from salesalign.sales.facts import (
    OrderParts,
    RateBook,
    UnitTimeline,
    facts_rebuild,
    facts_replace,
    first_won_orders_refresh,
)
from salesalign.sales.models import (
    SHARE_SCALE,
    Customer,
    ExchangeRate,
    Order,
    OrderCredit,
    OrderLine,
    SalesFact,
    SalesMonthTotal,
    SatisfactionResponse,
    SurveyInvitation,
)
from salesalign.sales.rows import (
    CreditRow,
    FieldChange,
    LineRow,
    OrderRow,
    RowError,
    UpsertResult,
)
from salesalign.sales.selectors.rates import orders_at_rate

#: Everything a page, an import or the API may send in one call.
MAX_ROWS_PER_CALL = 10_000
#: How many updated orders of a call are described field by field (a preview's sample).
DESCRIBED_UPDATES = 50

#: Roles that may write orders and customers (each within what they may see).
_WRITER_ROLES = frozenset({Role.ADMIN, Role.EXECUTIVE, Role.MANAGER, Role.SALESPERSON})
_SYSTEM_SCOPE = Scope(everything=True, person_id=None, unit_paths=())

_AMOUNT_DIGITS, _AMOUNT_PLACES = 16, 2
_QUANTITY_DIGITS, _QUANTITY_PLACES = 14, 3
#: From this many facts on, a write into a month PostgreSQL's statistics have not seen
#: analyses the facts (`refresh_statistics`): enough for ANALYZE's sample to see it.
NEWEST_MONTH_FACTS = 1000
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_INDEXED_FIELD = re.compile(r"\[\d+\]")
_STATUSES = frozenset(OrderStatus.values)


class SalesRowsInvalid(DomainError):
    """Some order rows are wrong; nothing was written. `.errors` lists every problem."""

    def __init__(self, errors: list[RowError]) -> None:
        message = ngettext(
            "%(count)d problem in the orders; nothing was written.",
            "%(count)d problems in the orders; nothing was written.",
            len(errors),
        ) % {"count": len(errors)}
        super().__init__(message, field=errors[0].field if errors else None)
        self.errors = errors


def base_field(field_name: str) -> str:
    """A row error's field without its positions: "lines[2].amount" → "lines.amount"."""
    return _INDEXED_FIELD.sub("", field_name)


# --- permissions -------------------------------------------------------------------------


def write_scope(actor: Any) -> Scope:
    """What the actor may write: None (a system job) writes everything; some roles nothing."""
    if actor is None:
        return _SYSTEM_SCOPE
    if role_of(actor) not in _WRITER_ROLES:
        raise NotAllowed(_("Only salespeople, managers, executives and admins may write sales."))
    return scope_for(actor)


def person_in_scope(scope: Scope, person: Person) -> bool:
    return (
        scope.everything or person.pk == scope.person_id or scope.covers_unit_path(person.unit.path)
    )


# --- orders_upsert: preparing ------------------------------------------------------------


@dataclass
class _Line:
    product_line_id: int
    quantity: Decimal
    amount: Decimal
    cost: Decimal | None


@dataclass
class _Credit:
    person_id: int
    share: int


@dataclass
class _Prepared:
    """One row once its codes are resolved (ids) and its values checked."""

    index: int
    row: OrderRow
    external_id: str
    customer_code: str
    status: str
    currency: str
    original_external_id: str
    note: str
    lines: list[_Line] = field(default_factory=list)
    credits: list[_Credit] = field(default_factory=list)
    credits_given: bool = True
    existing: _Stored | None = None
    valid: bool = True
    rate: Decimal = Decimal(1)  # company currency per unit of the order's currency

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


class _KnownCustomer(NamedTuple):
    """What writing an order needs of its customer (thousands per call: no model instances)."""

    pk: int
    region_id: int | None
    segment_id: int | None


@dataclass
class _Stored:
    """An order already in the database, as plain values to compare with."""

    pk: int
    external_id: str
    customer_id: int
    customer_code: str
    ordered_on: datetime.date
    status: str
    currency: str
    note: str
    original_order_id: int | None
    lines: list[_Line] = field(default_factory=list)
    credits: list[tuple[int, int, int]] = field(default_factory=list)  # person, unit, share

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


def _decimal_problem(value: Any, digits: int, places: int) -> str | None:
    """Why `value` cannot be stored in a decimal column of `digits` and `places`, if it cannot."""
    if not isinstance(value, Decimal) or not value.is_finite():
        return _("Not a number.")
    limit, step = _decimal_limits(digits, places)
    too_large = abs(value) >= limit
    # Below the limit, rounding to `places` is exact; above it rounding could exceed the
    # context's precision, so only a number written with more decimals is rounded.
    may_round = not too_large or _exponent_below(value, -places)
    if may_round and value != value.quantize(step):
        return ngettext(
            "At most %(places)d decimal place.", "At most %(places)d decimal places.", places
        ) % {"places": places}
    if too_large:
        return _("The number is too large.")
    return None


@functools.cache
def _decimal_limits(digits: int, places: int) -> tuple[Decimal, Decimal]:
    """The first number too large for a column of `digits` and `places`, and one step of it."""
    return Decimal(10) ** (digits - places), Decimal(1).scaleb(-places)


def _exponent_below(value: Decimal, exponent: int) -> bool:
    written = value.as_tuple().exponent
    return isinstance(written, int) and written < exponent


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


class _Upsert:
    """The state of one `orders_upsert` call: what was loaded, what is wrong, what to write."""

    def __init__(self, *, actor: Any, source: str, rows: Sequence[OrderRow]) -> None:
        self.actor = actor
        self.scope = write_scope(actor)
        self.source = source
        self.rows = rows
        self.errors: list[RowError] = []
        self.prepared: list[_Prepared] = []

    # loading ------------------------------------------------------------------------------

    def load(self) -> None:
        """Read everything the rows name, in a bounded number of queries."""
        external_ids: set[str] = set()
        customer_codes: set[str] = set()
        numbers: set[str] = set()
        product_codes: set[str] = set()
        region_codes: set[str] = set()
        segment_codes: set[str] = set()
        for row in self.rows:
            external_ids.update(
                filter(None, (_text(row.external_id), _text(row.original_external_id)))
            )
            customer_codes.add(_text(row.customer_code))
            region_codes.add(_text(row.region_code))
            segment_codes.add(_text(row.segment_code))
            for line in row.lines or ():
                product_codes.add(_text(getattr(line, "product_line_code", "")))
            for credit in row.credits or ():
                numbers.add(_text(getattr(credit, "employee_number", "")))

        self.orders: dict[str, _Stored] = {}
        for batch in chunks(sorted(external_ids)):
            stored = {
                values[0]: _Stored(*values)
                for values in Order.objects.filter(
                    source=self.source, external_id__in=batch
                ).values_list(
                    "pk",
                    "external_id",
                    "customer_id",
                    "customer__code",
                    "ordered_on",
                    "status",
                    "currency",
                    "note",
                    "original_order_id",
                )
            }
            if not stored:
                continue
            for order_id, product_line_id, quantity, amount, cost in (
                OrderLine.objects.filter(order_id__in=list(stored))
                .order_by("order_id", "position", "pk")
                .values_list("order_id", "product_line_id", "quantity", "amount", "cost")
            ):
                stored[order_id].lines.append(_Line(product_line_id, quantity, amount, cost))
            for order_id, person_id, unit_id, share in (
                OrderCredit.objects.filter(order_id__in=list(stored))
                .order_by("order_id", "pk")
                .values_list("order_id", "salesperson_id", "unit_id", "share")
            ):
                stored[order_id].credits.append((person_id, unit_id, share))
            self.orders.update((order.external_id, order) for order in stored.values())

        self.customers: dict[str, _KnownCustomer] = {}
        for batch in chunks(sorted(customer_codes - {""})):
            for code, *known in Customer.objects.filter(code__in=batch).values_list(
                "code", "pk", "region_id", "segment_id"
            ):
                self.customers[code] = _KnownCustomer(*known)

        # People named by the rows, and the people credited on existing orders (a return
        # without credits takes its original's; an update must be allowed for the old credits).
        credited_ids = {
            person_id for order in self.orders.values() for person_id, _, _ in order.credits
        }
        people_query = Person.objects.select_related("unit").prefetch_related(
            Prefetch("unit_assignments", queryset=UnitAssignment.objects.order_by("valid_from"))
        )
        self.people: dict[str, Person] = {}
        self.people_by_pk: dict[int, Person] = {}
        for batch in chunks(sorted(numbers - {""})):
            for person in people_query.filter(employee_number__in=batch):
                self.people[person.employee_number] = person
                self.people_by_pk[person.pk] = person
        missing = sorted(credited_ids - set(self.people_by_pk))
        for id_batch in chunks(missing):
            for person in people_query.filter(pk__in=id_batch):
                self.people[person.employee_number] = person
                self.people_by_pk[person.pk] = person
        self.timeline = UnitTimeline.from_people(self.people_by_pk.values())

        self.rates = RateBook.load(
            (_text(row.currency) or settings.COMPANY_CURRENCY).upper() for row in self.rows
        )
        self.product_lines = self._codes(ProductLine, product_codes)
        self.regions = self._codes(Region, region_codes)
        self.segments = self._codes(CustomerSegment, segment_codes)

    @staticmethod
    def _codes(model: Any, codes: set[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for batch in chunks(sorted(codes - {""})):
            found.update(model.objects.filter(code__in=batch).values_list("code", "pk"))
        return found

    # checking -----------------------------------------------------------------------------

    def error(self, item: _Prepared, field_name: str, reason: str, value: Any = "") -> None:
        item.valid = False
        self.errors.append(
            RowError(row=item.row.row, field=field_name, reason=reason, value=str(value))
        )

    def check(self) -> None:
        """Resolve and check every row, then the rules that span rows."""
        first_seen: dict[str, _Prepared] = {}
        for index, row in enumerate(self.rows):
            item = self._prepare(index, row)
            self.prepared.append(item)
            if not item.external_id:
                continue
            earlier = first_seen.get(item.external_id)
            if earlier is not None:
                self.error(
                    item,
                    "external_id",
                    _("The order ID %(id)s appears more than once (first in row %(row)s).")
                    % {"id": item.external_id, "row": earlier.row.row},
                    item.external_id,
                )
            else:
                first_seen[item.external_id] = item
        self.in_call = first_seen
        self._check_returns()

    def _prepare(self, index: int, row: OrderRow) -> _Prepared:
        item = _Prepared(
            index=index,
            row=row,
            external_id=_text(row.external_id),
            customer_code=_text(row.customer_code),
            status=_text(row.status) or OrderStatus.WON,
            currency=(_text(row.currency) or settings.COMPANY_CURRENCY).upper(),
            original_external_id=_text(row.original_external_id),
            note=_text(row.note),
        )
        item.existing = self.orders.get(item.external_id) if item.external_id else None
        if not item.external_id:
            self.error(item, "external_id", _("The order ID is missing."))
        elif len(item.external_id) > Order._meta.get_field("external_id").max_length:  # type: ignore[operator]
            self.error(item, "external_id", _("The order ID is too long."), item.external_id)
        self._check_customer(item)
        if not isinstance(row.ordered_on, datetime.date) or isinstance(
            row.ordered_on, datetime.datetime
        ):
            self.error(
                item, "ordered_on", _("The date is missing or not a date."), row.ordered_on or ""
            )
        if item.status not in _STATUSES:
            self.error(
                item,
                "status",
                _("Unknown status; use one of: %(choices)s.")
                % {"choices": ", ".join(OrderStatus.values)},
                item.status,
            )
        if not _CURRENCY.match(item.currency):
            self.error(
                item, "currency", _("A currency is a three-letter code such as CNY."), item.currency
            )
        elif isinstance(row.ordered_on, datetime.date):
            rate = self.rates.rate_on(item.currency, row.ordered_on)
            if rate is None:
                self.error(
                    item,
                    "currency",
                    _(
                        "No exchange rate from %(currency)s on %(date)s: an administrator adds one under Sales → Exchange rates."
                    )
                    % {"currency": item.currency, "date": row.ordered_on.isoformat()},
                    item.currency,
                )
            else:
                item.rate = rate
        if item.original_external_id and item.status != OrderStatus.RETURNED:
            self.error(
                item,
                "original_external_id",
                _("Only a return refers to an original order."),
                item.original_external_id,
            )
        if item.status == OrderStatus.RETURNED and not item.original_external_id:
            self.error(
                item, "original_external_id", _("A return must name the order it gives back.")
            )
        self._check_lines(item)
        self._check_credits(item)
        if item.existing is not None and not self._may_change(item.existing):
            self.error(
                item,
                "external_id",
                _("The order %(id)s is credited to people whose orders you may not change.")
                % {"id": item.external_id},
                item.external_id,
            )
        return item

    def _check_customer(self, item: _Prepared) -> None:
        row = item.row
        if not item.customer_code:
            self.error(item, "customer_code", _("The customer is missing."))
            return
        if item.customer_code in self.customers:
            return
        if len(item.customer_code) > Customer._meta.get_field("code").max_length:  # type: ignore[operator]
            self.error(
                item, "customer_code", _("The customer code is too long."), item.customer_code
            )
        name = _text(row.customer_name)
        if not name:
            self.error(
                item,
                "customer_code",
                _("Unknown customer %(code)s; give a customer name to create it.")
                % {"code": item.customer_code},
                item.customer_code,
            )
            return
        if len(name) > Customer._meta.get_field("name").max_length:  # type: ignore[operator]
            self.error(item, "customer_name", _("The customer name is too long."), name)
        for field_name, codes, message in (
            ("region_code", self.regions, gettext_lazy("Unknown region %(code)s.")),
            ("segment_code", self.segments, gettext_lazy("Unknown customer segment %(code)s.")),
        ):
            code = _text(getattr(row, field_name))
            if code and code not in codes:
                self.error(item, field_name, str(message) % {"code": code}, code)

    def _check_lines(self, item: _Prepared) -> None:
        lines = item.row.lines or ()
        if not lines:
            self.error(item, "lines", _("An order needs at least one line."))
            return
        for position, line in enumerate(lines):
            prefix = f"lines[{position}]"
            if not isinstance(line, LineRow):
                self.error(item, prefix, _("Not an order line."))
                continue
            errors_before = len(self.errors)
            code = _text(line.product_line_code)
            product_line_id = self.product_lines.get(code)
            if not code:
                self.error(item, f"{prefix}.product_line_code", _("The product line is missing."))
            elif product_line_id is None:
                self.error(
                    item,
                    f"{prefix}.product_line_code",
                    _("Unknown product line %(code)s.") % {"code": code},
                    code,
                )
            problems = {
                "amount": _decimal_problem(line.amount, _AMOUNT_DIGITS, _AMOUNT_PLACES),
                "quantity": _decimal_problem(line.quantity, _QUANTITY_DIGITS, _QUANTITY_PLACES),
                "cost": None
                if line.cost is None
                else _decimal_problem(line.cost, _AMOUNT_DIGITS, _AMOUNT_PLACES),
            }
            for name, problem in problems.items():
                if problem:
                    self.error(item, f"{prefix}.{name}", problem, getattr(line, name))
            if problems["amount"] is None:
                if item.status == OrderStatus.WON and line.amount <= 0:
                    self.error(
                        item,
                        f"{prefix}.amount",
                        _("A won order's amounts must be positive."),
                        line.amount,
                    )
                elif item.status == OrderStatus.RETURNED and line.amount >= 0:
                    self.error(
                        item,
                        f"{prefix}.amount",
                        _("A return's amounts must be negative."),
                        line.amount,
                    )
                elif item.status == OrderStatus.CANCELLED and line.amount < 0:
                    self.error(
                        item,
                        f"{prefix}.amount",
                        _("A cancelled order's amounts cannot be negative."),
                        line.amount,
                    )
            if (
                problems["quantity"] is None
                and item.status != OrderStatus.RETURNED
                and line.quantity < 0
            ):
                # What came back is a return of its own (ERPs write its quantity either way).
                self.error(
                    item,
                    f"{prefix}.quantity",
                    _("A quantity cannot be negative; record what came back as a return."),
                    line.quantity,
                )
            if len(self.errors) == errors_before and product_line_id is not None:
                item.lines.append(_Line(product_line_id, line.quantity, line.amount, line.cost))

    def _check_credits(self, item: _Prepared) -> None:
        credits = item.row.credits or ()
        if not credits:
            if item.status == OrderStatus.RETURNED:
                item.credits_given = False  # the original's credits, filled in by _check_returns
                return
            self.error(item, "credits", _("Credit the order to at least one salesperson."))
            return
        total = 0
        shares_ok = True
        seen: set[str] = set()
        ordered_on = item.row.ordered_on if isinstance(item.row.ordered_on, datetime.date) else None
        for position, credit in enumerate(credits):
            prefix = f"credits[{position}]"
            if not isinstance(credit, CreditRow):
                self.error(item, prefix, _("Not a credit."))
                continue
            number = _text(credit.employee_number)
            person = self.people.get(number)
            if not number:
                self.error(item, f"{prefix}.employee_number", _("The salesperson is missing."))
            elif person is None:
                self.error(
                    item,
                    f"{prefix}.employee_number",
                    _("Unknown employee number %(number)s.") % {"number": number},
                    number,
                )
            elif number in seen:
                self.error(
                    item,
                    f"{prefix}.employee_number",
                    _("%(number)s is credited twice on the same order.") % {"number": number},
                    number,
                )
            elif ordered_on and person.left_on and person.left_on < ordered_on:
                self.error(
                    item,
                    f"{prefix}.employee_number",
                    _("%(number)s had left on %(date)s, before the order date.")
                    % {"number": number, "date": person.left_on.isoformat()},
                    number,
                )
            elif not person_in_scope(self.scope, person):
                self.error(
                    item,
                    f"{prefix}.employee_number",
                    _("You may not credit orders to %(number)s.") % {"number": number},
                    number,
                )
            seen.add(number)
            share = credit.share
            if (
                not isinstance(share, int)
                or isinstance(share, bool)
                or not 0 < share <= SHARE_SCALE
            ):
                self.error(
                    item,
                    f"{prefix}.share",
                    _("A share is between 0.01 % and 100 %."),
                    f"{share / 100:g} %" if isinstance(share, int) else share,
                )
                shares_ok = False
                continue
            total += share
            if person is not None:
                item.credits.append(_Credit(person.pk, share))
        if shares_ok and total != SHARE_SCALE:
            self.error(
                item,
                "credits",
                _("The shares add up to %(total)s %%, not 100 %%.") % {"total": f"{total / 100:g}"},
                f"{total / 100:g} %",  # as typed (percent), not in basis points
            )

    def _may_change(self, order: _Stored) -> bool:
        if self.scope.everything:
            return True
        return all(
            person_in_scope(self.scope, self.people_by_pk[person_id])
            for person_id, _, _ in order.credits
        )

    def _check_returns(self) -> None:
        """Returns name an existing won order of the same customer and give back no more than it."""
        # Originals whose returns must be summed: those named now, and won orders being changed.
        originals: set[str] = {
            item.original_external_id
            for item in self.prepared
            if item.status == OrderStatus.RETURNED and item.original_external_id
        }
        originals |= {
            item.external_id
            for item in self.prepared
            if item.existing is not None and item.status != OrderStatus.RETURNED
        }
        db_originals = {self.orders[key].pk: key for key in originals if key in self.orders}
        earlier_returns: dict[str, Decimal] = defaultdict(Decimal)
        for id_batch in chunks(sorted(db_originals)):
            for original_id, source, external_id, amount in (
                OrderLine.objects.filter(
                    order__original_order_id__in=id_batch, order__status=OrderStatus.RETURNED
                )
                .values(
                    "order_id", "order__original_order_id", "order__source", "order__external_id"
                )
                .annotate(total=Sum("amount"))
                .values_list(
                    "order__original_order_id", "order__source", "order__external_id", "total"
                )
                .order_by()
            ):
                # A return re-sent in this call counts with its new amounts, below.
                if source == self.source and external_id in self.in_call:
                    continue
                earlier_returns[db_originals[original_id or 0]] += -(amount or Decimal(0))

        returned_now: dict[str, list[_Prepared]] = defaultdict(list)
        for item in self.prepared:
            if item.status != OrderStatus.RETURNED or not item.original_external_id:
                continue
            key = item.original_external_id
            in_call = self.in_call.get(key)
            existing = self.orders.get(key)
            if key == item.external_id:
                self.error(
                    item, "original_external_id", _("A return cannot give back itself."), key
                )
                continue
            if in_call is None and existing is None:
                self.error(
                    item,
                    "original_external_id",
                    _("Unknown original order %(id)s.") % {"id": key},
                    key,
                )
                continue
            status, customer_code, ordered_on, currency = (
                (in_call.status, in_call.customer_code, in_call.row.ordered_on, in_call.currency)
                if in_call is not None
                else (
                    existing.status,  # type: ignore[union-attr]
                    existing.customer_code,  # type: ignore[union-attr]
                    existing.ordered_on,  # type: ignore[union-attr]
                    existing.currency,  # type: ignore[union-attr]
                )
            )
            if status != OrderStatus.WON:
                self.error(
                    item,
                    "original_external_id",
                    _("Only a won order can be returned; %(id)s is not one.") % {"id": key},
                    key,
                )
                continue
            if customer_code != item.customer_code:
                self.error(
                    item,
                    "customer_code",
                    _("A return must be for the customer of its original order (%(code)s).")
                    % {"code": customer_code},
                    item.customer_code,
                )
            if currency != item.currency:
                self.error(
                    item,
                    "currency",
                    _("A return must be in the currency of its original order (%(currency)s).")
                    % {"currency": currency},
                    item.currency,
                )
            if (
                isinstance(ordered_on, datetime.date)
                and isinstance(item.row.ordered_on, datetime.date)
                and item.row.ordered_on < ordered_on
            ):
                self.error(
                    item,
                    "ordered_on",
                    _("A return cannot be dated before its original order (%(date)s).")
                    % {"date": ordered_on.isoformat()},
                    item.row.ordered_on,
                )
            if not item.credits_given:
                self._default_credits(item, in_call, existing)
            returned_now[key].append(item)

        for key in originals:
            in_call = self.in_call.get(key)
            if in_call is not None and not in_call.valid:
                continue
            existing = self.orders.get(key)
            if in_call is not None:
                original_total, status = in_call.total, in_call.status
            elif existing is not None:
                original_total = existing.total
                status = existing.status
            else:
                continue
            returns = returned_now.get(key, [])
            given_back = earlier_returns.get(key, Decimal(0)) - sum(
                (item.total for item in returns if item.valid), Decimal(0)
            )
            if status != OrderStatus.WON:
                if earlier_returns.get(key) and in_call is not None:
                    self.error(
                        in_call,
                        "status",
                        _("The order %(id)s has returns; it must stay won.") % {"id": key},
                        in_call.status,
                    )
                continue
            if given_back > original_total:
                reason = _(
                    "The returns of order %(id)s add up to %(returned)s, more than the order's %(total)s."
                ) % {"id": key, "returned": given_back, "total": original_total}
                culprits = [item for item in returns if item.valid] or (
                    [in_call] if in_call is not None else []
                )
                for culprit in culprits:
                    self.error(culprit, "lines", reason, given_back)

    def _default_credits(
        self, item: _Prepared, in_call: _Prepared | None, existing: _Stored | None
    ) -> None:
        """A return without credits is credited like its original."""
        if in_call is not None and in_call.credits_given:
            item.credits = [_Credit(credit.person_id, credit.share) for credit in in_call.credits]
        elif existing is not None:
            item.credits = [_Credit(person_id, share) for person_id, _, share in existing.credits]
            if not self._may_change(existing):
                self.error(
                    item,
                    "credits",
                    _("The original order is credited to people whose orders you may not change."),
                )
        if not item.credits:
            self.error(item, "credits", _("Credit the return to at least one salesperson."))

    # deciding -----------------------------------------------------------------------------

    def outcome(self, item: _Prepared) -> str:
        """created / updated / unchanged, by comparing with the stored order."""
        order = item.existing
        if order is None:
            return "created"
        customer = self.customers.get(item.customer_code)
        original = self.orders.get(item.original_external_id) if item.original_external_id else None
        if (
            customer is None
            or order.customer_id != customer.pk
            or order.ordered_on != item.row.ordered_on
            or order.status != item.status
            or order.currency != item.currency
            or order.note != item.note
            or order.original_order_id != (original.pk if original is not None else None)
        ):
            return "updated"
        if order.lines != item.lines:
            return "updated"
        stored_credits = sorted(order.credits)
        new_credits = sorted(
            (credit.person_id, self.unit_on(credit.person_id, item.row.ordered_on), credit.share)
            for credit in item.credits
        )
        return "unchanged" if stored_credits == new_credits else "updated"

    def unit_on(self, person_id: int, day: datetime.date) -> int:
        return self.timeline.unit_on(person_id, day)

    def differences(self, items: Sequence[_Prepared]) -> dict[int, tuple[FieldChange, ...]]:
        """What each of these updated orders changes, field by field, as plain text: the
        stored value and the row's (codes, ISO dates, amounts), in three queries for all."""
        if not items:
            return {}
        stored = [item.existing for item in items if item.existing is not None]
        product_ids = {line.product_line_id for order in stored for line in order.lines}
        unit_ids = {unit_id for order in stored for _person, unit_id, _share in order.credits}
        originals = {order.original_order_id for order in stored} - {None}
        product_codes = {pk: code for code, pk in self.product_lines.items()}
        missing = product_ids - set(product_codes)
        if missing:
            product_codes.update(
                ProductLine.objects.filter(pk__in=missing).values_list("pk", "code")
            )
        units: dict[int, str] = {}
        original_ids: dict[int, str] = {}
        for item in items:
            for credit in item.credits:
                unit_ids.add(self.unit_on(credit.person_id, item.row.ordered_on))
        units.update(OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", "code"))
        original_ids.update(Order.objects.filter(pk__in=originals).values_list("pk", "external_id"))
        numbers = {pk: person.employee_number for pk, person in self.people_by_pk.items()}

        def line_text(line: _Line) -> str:
            code = product_codes.get(line.product_line_id, line.product_line_id)
            return f"{code} × {line.quantity.normalize():f} = {line.amount:.2f}"

        def cost_text(line: _Line) -> str:
            code = product_codes.get(line.product_line_id, line.product_line_id)
            return f"{code} " + (f"{line.cost:.2f}" if line.cost is not None else "—")

        def lines_pair(
            before: Sequence[_Line], after: Sequence[_Line], text: Any
        ) -> tuple[str, str]:
            """Both sides' lines; of an order of several lines whose count stays, only the
            lines that change, by position ("#2 …")."""
            if len(before) == len(after) > 1:
                changed = [
                    position
                    for position, (old, new) in enumerate(zip(before, after, strict=True), 1)
                    if text(old) != text(new)
                ]
                return (
                    "; ".join(f"#{position} {text(before[position - 1])}" for position in changed),
                    "; ".join(f"#{position} {text(after[position - 1])}" for position in changed),
                )
            return "; ".join(map(text, before)), "; ".join(map(text, after))

        def credits_text(credits: Sequence[tuple[int, int, int]], *, unit: bool) -> str:
            return "; ".join(
                sorted(
                    f"{numbers.get(person_id, person_id)} "
                    + f"{Decimal(share) / 100:.2f}".rstrip("0").rstrip(".")
                    + " %"
                    + (f" ({units.get(unit_id, unit_id)})" if unit else "")
                    for person_id, unit_id, share in credits
                )
            )

        described: dict[int, tuple[FieldChange, ...]] = {}
        for item in items:
            order = item.existing
            if order is None:
                continue
            original = (
                self.orders.get(item.original_external_id) if item.original_external_id else None
            )
            new_credits = [
                (
                    credit.person_id,
                    self.unit_on(credit.person_id, item.row.ordered_on),
                    credit.share,
                )
                for credit in item.credits
            ]
            pairs = [
                ("customer", order.customer_code, item.customer_code),
                ("ordered_on", order.ordered_on.isoformat(), item.row.ordered_on.isoformat()),
                ("status", order.status, item.status),
                ("currency", order.currency, item.currency),
                ("note", order.note, item.note),
                (
                    "original_external_id",
                    original_ids.get(order.original_order_id or 0, ""),
                    original.external_id if original is not None else "",
                ),
                ("lines", *lines_pair(order.lines, item.lines, line_text)),
                ("cost", *lines_pair(order.lines, item.lines, cost_text)),
                (
                    "credits",
                    credits_text(order.credits, unit=False),
                    credits_text(new_credits, unit=False),
                ),
            ]
            changes = [
                FieldChange(name, before, after) for name, before, after in pairs if before != after
            ]
            if sorted(order.credits) != sorted(new_credits) and not any(
                change.field == "credits" for change in changes
            ):  # the same people and shares, credited to other units (a transfer's date moved)
                changes.append(
                    FieldChange(
                        "credits",
                        credits_text(order.credits, unit=True),
                        credits_text(new_credits, unit=True),
                    )
                )
            described[item.index] = tuple(changes)
        return described

    def new_customer_codes(self) -> dict[str, _Prepared]:
        """Codes to create, each with the first row that names it."""
        new: dict[str, _Prepared] = {}
        for item in self.prepared:
            if item.customer_code and item.customer_code not in self.customers:
                new.setdefault(item.customer_code, item)
        return new

    # writing ------------------------------------------------------------------------------

    def write(self, outcomes: list[str], import_batch: Any) -> list[int]:
        """Write the created and updated orders, their lines, credits and facts; return ids.

        Orders, lines, credits and facts are written as plain rows in bulk
        (see `core.bulk.insert_rows`): model instances for 10,000 orders would
        cost more than the database work.
        """
        stamp = db_datetime(Order, timezone.now())
        new_customers = []
        for code, item in self.new_customer_codes().items():
            new_customers.append(
                Customer(
                    code=code,
                    name=_text(item.row.customer_name),
                    region_id=self.regions.get(_text(item.row.region_code)),
                    segment_id=self.segments.get(_text(item.row.segment_code)),
                    owner_id=item.credits[0].person_id if item.credits else None,
                    source=self.source,
                )
            )
        for created in Customer.objects.bulk_create(new_customers, batch_size=CHUNK):
            self.customers[created.code] = _KnownCustomer(
                created.pk, created.region_id, created.segment_id
            )

        written = [
            item
            for item, outcome in zip(self.prepared, outcomes, strict=True)
            if outcome != "unchanged"
        ]
        creates = [item for item in written if item.existing is None]
        updates = [item for item in written if item.existing is not None]
        self.ids = {key: stored.pk for key, stored in self.orders.items()}
        batch_id = import_batch.pk if import_batch is not None else None

        def head(item: _Prepared) -> tuple[Any, ...]:
            original_id = (
                self.ids[item.original_external_id] if item.status == OrderStatus.RETURNED else None
            )
            customer_id = self.customers[item.customer_code].pk
            return (
                customer_id,
                item.row.ordered_on,
                item.status,
                item.currency,
                original_id,
                item.note,
            )

        head_columns = (
            "customer_id",
            "ordered_on",
            "status",
            "currency",
            "original_order_id",
            "note",
        )
        # Originals before their returns, so a return created now can point at one created now.
        for group in (
            [item for item in creates if item.status != OrderStatus.RETURNED],
            [item for item in creates if item.status == OrderStatus.RETURNED],
        ):
            insert_rows(
                Order,
                (
                    "created_at",
                    "updated_at",
                    "source",
                    "external_id",
                    *head_columns,
                    "import_batch_id",
                ),
                [
                    (stamp, stamp, self.source, item.external_id, *head(item), batch_id)
                    for item in group
                ],
            )
            for batch in chunks([item.external_id for item in group]):
                self.ids.update(
                    Order.objects.filter(source=self.source, external_id__in=batch).values_list(
                        "external_id", "pk"
                    )
                )
        update_ids = [item.existing.pk for item in updates if item.existing is not None]
        if updates:
            keep_batch = batch_id is None
            update_rows(
                Order,
                (*head_columns, "updated_at", *(() if keep_batch else ("import_batch_id",))),
                [
                    (
                        *head(item),
                        stamp,
                        *(() if keep_batch else (batch_id,)),
                        self.ids[item.external_id],
                    )
                    for item in updates
                ],
            )
            for id_batch in chunks(update_ids):
                OrderLine.objects.filter(order_id__in=id_batch).delete()
                OrderCredit.objects.filter(order_id__in=id_batch).delete()

        touched_customers = {item.existing.customer_id for item in updates if item.existing}
        parts: list[OrderParts] = []
        line_rows: list[tuple[Any, ...]] = []
        credit_rows: list[tuple[Any, ...]] = []
        for item in written:
            order_id = self.ids[item.external_id]
            customer = self.customers[item.customer_code]
            touched_customers.add(customer.pk)
            credits = [
                (
                    credit.person_id,
                    self.unit_on(credit.person_id, item.row.ordered_on),
                    credit.share,
                )
                for credit in item.credits
            ]
            line_rows.extend(
                (order_id, position, line.product_line_id, line.quantity, line.amount, line.cost)
                for position, line in enumerate(item.lines, start=1)
            )
            credit_rows.extend((order_id, *credit) for credit in credits)
            parts.append(
                OrderParts(
                    order_id=order_id,
                    ordered_on=item.row.ordered_on,
                    status=item.status,
                    customer_id=customer.pk,
                    region_id=customer.region_id,
                    segment_id=customer.segment_id,
                    lines=[(line.product_line_id, line.amount, line.cost) for line in item.lines],
                    credits=credits,
                    rate=item.rate,
                )
            )
        insert_rows(
            OrderLine,
            ("order_id", "position", "product_line_id", "quantity", "amount", "cost"),
            line_rows,
        )
        insert_rows(OrderCredit, ("order_id", "salesperson_id", "unit_id", "share"), credit_rows)
        facts_written = facts_replace(orders=parts, stale_order_ids=update_ids)
        # Before the customers' first orders are looked up by customer and their facts
        # marked by order, and before the next batch of this import is planned.
        newest = max((part.ordered_on for part in parts), default=None)
        refresh_statistics(
            {
                Customer: len(new_customers),
                Order: len(creates),
                OrderLine: len(line_rows),
                OrderCredit: len(credit_rows),
                SalesFact: facts_written,
            },
            newest={
                model: ("month", newest.year * 100 + newest.month)
                for model in (SalesFact, SalesMonthTotal)
            }
            if newest is not None and facts_written >= NEWEST_MONTH_FACTS
            else None,
        )
        first_won_orders_refresh(
            customer_ids=touched_customers,
            rewritten_order_ids=[order.order_id for order in parts],
        )
        return [self.ids[item.external_id] for item in self.prepared]


def orders_upsert(
    *,
    actor: Any,
    source: str,
    rows: Sequence[OrderRow],
    dry_run: bool = False,
    import_batch: Any = None,
) -> UpsertResult:
    """Create or update orders by (source, external ID), all or nothing.

    Every row is checked before anything is written; with any error a real call
    raises `SalesRowsInvalid` (carrying every `RowError`) and writes nothing,
    while `dry_run=True` returns the counts and the errors (the outcome of a
    row with errors is "invalid"). Identical rows are "unchanged" and not
    written. Written orders get their lines and credits replaced, their facts
    rebuilt and their customers' first won orders refreshed. `actor=None` is a
    trusted system job (a management command, the demo loader).
    """
    source = _text(source)
    if not source or len(source) > Order._meta.get_field("source").max_length:  # type: ignore[operator]
        raise DomainError(
            _("Name the source of the orders (at most 40 characters)."), field="source"
        )
    if len(rows) > MAX_ROWS_PER_CALL:
        raise DomainError(
            _("At most %(count)s orders per call.") % {"count": f"{MAX_ROWS_PER_CALL:,}"},
            field="rows",
        )
    upsert = _Upsert(actor=actor, source=source, rows=rows)
    result = UpsertResult()
    if not rows:
        return result
    upsert.load()
    upsert.check()
    outcomes = [upsert.outcome(item) if item.valid else "invalid" for item in upsert.prepared]
    # Row by row, as a person reads them (within a row, in the order they were found).
    result.errors = sorted(upsert.errors, key=lambda error: error.row)
    result.outcomes = outcomes
    result.created = outcomes.count("created")
    result.updated = outcomes.count("updated")
    result.unchanged = outcomes.count("unchanged")
    result.customers_created = len(upsert.new_customer_codes())
    result.differences = upsert.differences(
        [
            item
            for item, outcome in zip(upsert.prepared, outcomes, strict=True)
            if outcome == "updated"
        ][:DESCRIBED_UPDATES]
    )
    if dry_run:
        return result
    if result.errors:
        raise SalesRowsInvalid(result.errors)
    with transaction.atomic():
        result.order_ids = upsert.write(outcomes, import_batch)
    return result


# --- single orders (pages, API) ----------------------------------------------------------

MANUAL_SOURCE = "manual"


def _new_external_id(source: str, day: datetime.date) -> str:
    """A readable, unique order ID for an order entered without one: M-20240305-3FA9C1."""
    while True:
        candidate = f"M-{day:%Y%m%d}-{secrets.token_hex(3).upper()}"
        if not Order.objects.filter(source=source, external_id=candidate).exists():
            return candidate


@transaction.atomic
def order_save(
    *,
    actor: Any,
    row: OrderRow,
    order: Order | None = None,
    source: str = MANUAL_SOURCE,
) -> Order:
    """Add one order (or, with `order`, change it) through `orders_upsert`.

    A new order needs an order ID not used in its source (an empty one is
    numbered automatically); a changed order keeps its source and ID.
    """
    if order is not None:
        if not Order.objects.visible_to(actor).filter(pk=order.pk).exists():
            raise NotAllowed(_("You may not change this order."))
        if _text(row.external_id) not in ("", order.external_id):
            raise DomainError(
                _("An order's ID cannot change (it is %(id)s).") % {"id": order.external_id},
                field="external_id",
            )
        row = dataclasses.replace(row, external_id=order.external_id)
        source = order.source
    else:
        source = _text(source)
        external_id = _text(row.external_id)
        if not external_id:
            day = (
                row.ordered_on
                if isinstance(row.ordered_on, datetime.date)
                else timezone.localdate()
            )
            external_id = _new_external_id(source, day)
        elif Order.objects.filter(source=source, external_id=external_id).exists():
            raise DomainError(
                _("An order with the ID %(id)s already exists.") % {"id": external_id},
                field="external_id",
            )
        row = dataclasses.replace(row, external_id=external_id)
    result = orders_upsert(actor=actor, source=source, rows=[row])
    return Order.objects.get(pk=result.order_ids[0])


def may_manage(actor: Any, unit_paths: Sequence[str]) -> bool:
    """Admins; managers whose units contain every one of these units."""
    if role_of(actor) == Role.ADMIN:
        return True
    scope = scope_for(actor)
    if role_of(actor) != Role.MANAGER or not scope.unit_paths:
        return False
    return all(scope.covers_unit_path(path) for path in unit_paths)


@transaction.atomic
def order_delete(*, actor: Any, order: Order) -> None:
    """Delete an order with its lines, credits and facts (admins, and the credited units' managers)."""
    paths = list(order.credits.values_list("unit__path", flat=True))
    if not may_manage(actor, paths):
        raise NotAllowed(_("Only administrators and the team's manager may delete orders."))
    if order.returns.exists():
        raise DomainError(
            _("The order %(id)s has returns; delete them first.") % {"id": order.external_id}
        )
    customer_id = order.customer_id
    order.delete()
    first_won_orders_refresh(customer_ids=[customer_id])


# --- exchange rates ----------------------------------------------------------------------

_RATE_DIGITS, _RATE_PLACES = 18, 8


@transaction.atomic
def exchange_rate_save(
    *, actor: Any, currency: str, valid_from: datetime.date, rate: Any
) -> ExchangeRate:
    """Set the rate of `currency` from `valid_from` on (admins); its orders' facts are rebuilt.

    The rate is what one unit of `currency` is worth in the company currency.
    """
    if not is_admin(actor):
        raise NotAllowed(_("Only administrators maintain exchange rates."))
    currency = _text(currency).upper()
    if not _CURRENCY.match(currency):
        raise DomainError(_("A currency is a three-letter code such as USD."), field="currency")
    if currency == settings.COMPANY_CURRENCY:
        raise DomainError(
            _("%(currency)s is the company currency: its rate is always 1.")
            % {"currency": currency},
            field="currency",
        )
    if not isinstance(valid_from, datetime.date):
        raise DomainError(_("Give the date the rate is valid from."), field="valid_from")
    try:
        rate = Decimal(str(rate).strip())
    except ArithmeticError:
        raise DomainError(_("Not a number."), field="rate") from None
    problem = _decimal_problem(rate, _RATE_DIGITS, _RATE_PLACES)
    if problem:
        raise DomainError(problem, field="rate")
    if rate <= 0:
        raise DomainError(_("An exchange rate is more than zero."), field="rate")
    exchange_rate, _created = ExchangeRate.objects.update_or_create(
        currency=currency, valid_from=valid_from, defaults={"rate": rate}
    )
    facts_rebuild(order_ids=orders_at_rate(currency, valid_from).values_list("pk", flat=True))
    return exchange_rate


@transaction.atomic
def exchange_rate_delete(*, actor: Any, exchange_rate: ExchangeRate) -> None:
    """Remove a rate (admins); its orders take the rate before it, if there is one."""
    if not is_admin(actor):
        raise NotAllowed(_("Only administrators maintain exchange rates."))
    affected = list(
        orders_at_rate(exchange_rate.currency, exchange_rate.valid_from).values_list(
            "pk", flat=True
        )
    )
    earlier = ExchangeRate.objects.filter(
        currency=exchange_rate.currency, valid_from__lt=exchange_rate.valid_from
    ).exists()
    if affected and not earlier:
        raise DomainError(
            _(
                "%(count)s orders in %(currency)s need this rate: there is no earlier one to take its place."
            )
            % {"count": len(affected), "currency": exchange_rate.currency},
            field="valid_from",
        )
    exchange_rate.delete()
    facts_rebuild(order_ids=affected)


# --- customers ---------------------------------------------------------------------------


def _check_owner(actor: Any, owner: Person | None) -> None:
    scope = write_scope(actor)
    if scope.everything:
        return
    if owner is None:
        raise DomainError(_("Choose the salesperson who owns the customer."), field="owner")
    owner = Person.objects.select_related("unit").get(pk=owner.pk)
    if not person_in_scope(scope, owner):
        raise NotAllowed(_("You may not give customers to %(name)s.") % {"name": owner.name})


@transaction.atomic
def customer_create(
    *,
    actor: Any,
    code: str,
    name: str,
    name_en: str = "",
    segment: CustomerSegment | None = None,
    region: Region | None = None,
    owner: Person | None = None,
    is_active: bool = True,
    source: str = MANUAL_SOURCE,
) -> Customer:
    """Add a customer; salespeople add their own, managers their units', admins and executives any."""
    if owner is None and role_of(actor) == Role.SALESPERSON:
        owner = person_of(actor)
    _check_owner(actor, owner)
    customer = Customer(
        code=code.strip(),
        name=name.strip(),
        name_en=name_en.strip(),
        segment=segment,
        region=region,
        owner=owner,
        is_active=is_active,
        source=source.strip(),
    )
    customer.full_clean()
    customer.save()
    return customer


def _require_customer_visible(actor: Any, customer: Customer) -> None:
    write_scope(actor)
    if actor is not None and not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotAllowed(_("You may not change this customer."))


@transaction.atomic
def customer_update(
    *,
    actor: Any,
    customer: Customer,
    code: Maybe[str] = UNSET,
    name: Maybe[str] = UNSET,
    name_en: Maybe[str] = UNSET,
    segment: Maybe[CustomerSegment | None] = UNSET,
    region: Maybe[Region | None] = UNSET,
    owner: Maybe[Person | None] = UNSET,
    is_active: Maybe[bool] = UNSET,
) -> Customer:
    """Change a customer the actor may see; a new owner must be someone they may manage.

    A change of region or segment moves the customer's sales facts with it.
    """
    _require_customer_visible(actor, customer)
    if owner is not UNSET and owner != customer.owner:
        _check_owner(actor, owner)
    old_dimensions = (customer.region_id, customer.segment_id)
    changes = {
        "code": code,
        "name": name,
        "name_en": name_en,
        "segment": segment,
        "region": region,
        "owner": owner,
        "is_active": is_active,
    }
    changed = []
    for field_name, value in changes.items():
        if value is UNSET:
            continue
        if isinstance(value, str):
            value = value.strip()
        if getattr(customer, field_name) != value:
            setattr(customer, field_name, value)
            changed.append(field_name)
    customer.full_clean()
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])
    if (customer.region_id, customer.segment_id) != old_dimensions:
        SalesFact.objects.of_customers([customer.pk]).update(
            region_id=customer.region_id, segment_id=customer.segment_id
        )
    return customer


@transaction.atomic
def customer_delete(*, actor: Any, customer: Customer) -> None:
    """Delete a customer without orders (admins, and managers of the owner's unit)."""
    owner_path = customer.owner.unit.path if customer.owner is not None else None
    if not may_manage(actor, [owner_path] if owner_path else []) or (
        owner_path is None and role_of(actor) != Role.ADMIN
    ):
        raise NotAllowed(_("Only administrators and the owner's manager may delete customers."))
    if customer.orders.exists():
        raise DomainError(
            _("“%(name)s” has orders; mark the customer inactive instead.")
            % {"name": customer.name}
        )
    customer.delete()


# --- satisfaction ------------------------------------------------------------------------


def normalized_score(scale: str, score: int) -> int:
    """A score on the 1–5 scale times 100: five-point 4 → 400; NPS 0–10 → 100…500."""
    if scale == SurveyScale.NPS:
        return round(100 + score * 40)
    return score * 100


def _check_score(scale: str, score: Any) -> None:
    if scale not in SurveyScale.values:
        raise DomainError(_("Unknown scale."), field="scale")
    low, high = (0, 10) if scale == SurveyScale.NPS else (1, 5)
    if not isinstance(score, int) or isinstance(score, bool) or not low <= score <= high:
        raise DomainError(
            _("On this scale the score is from %(low)s to %(high)s.") % {"low": low, "high": high},
            field="score",
        )


def _fill_response(
    response: SatisfactionResponse,
    *,
    customer: Customer,
    salesperson: Person,
    scale: str,
    score: int,
    comment: str,
    responded_on: datetime.date,
    channel: str,
) -> None:
    _check_score(scale, score)
    response.customer = customer
    response.salesperson = salesperson
    response.scale = scale
    response.score = score
    response.score_normalized = normalized_score(scale, score)
    response.comment = comment.strip()
    response.responded_on = responded_on
    response.month = responded_on.year * 100 + responded_on.month
    response.channel = channel
    response.unit_id = UnitTimeline.load([salesperson.pk]).unit_on(salesperson.pk, responded_on)
    response.full_clean()


def _check_salesperson(actor: Any, salesperson: Person) -> None:
    scope = write_scope(actor)
    person = Person.objects.select_related("unit").get(pk=salesperson.pk)
    if not person_in_scope(scope, person):
        raise NotAllowed(
            _("You may not record answers about %(name)s.") % {"name": salesperson.name}
        )


@transaction.atomic
def satisfaction_record(
    *,
    actor: Any,
    customer: Customer,
    salesperson: Person,
    scale: str,
    score: int,
    responded_on: datetime.date,
    channel: str = SurveyChannel.PHONE,
    comment: str = "",
    external_id: str = "",
) -> SatisfactionResponse:
    """Record a customer's satisfaction answer about a salesperson (in their unit on that date)."""
    _require_customer_visible(actor, customer)
    _check_salesperson(actor, salesperson)
    response = SatisfactionResponse(external_id=external_id.strip())
    _fill_response(
        response,
        customer=customer,
        salesperson=salesperson,
        scale=scale,
        score=score,
        comment=comment,
        responded_on=responded_on,
        channel=channel,
    )
    response.save()
    return response


def _require_response_manager(actor: Any, response: SatisfactionResponse) -> None:
    # A salesperson does not edit or delete answers about themselves.
    if not may_manage(actor, [response.unit.path]):
        raise NotAllowed(
            _("Only administrators and the team's manager may change satisfaction answers.")
        )


@transaction.atomic
def satisfaction_update(
    *,
    actor: Any,
    response: SatisfactionResponse,
    customer: Customer,
    salesperson: Person,
    scale: str,
    score: int,
    responded_on: datetime.date,
    channel: str,
    comment: str = "",
) -> SatisfactionResponse:
    """Correct an answer (admins, and the managers of the salesperson's unit)."""
    _require_response_manager(actor, response)
    _check_salesperson(actor, salesperson)
    _fill_response(
        response,
        customer=customer,
        salesperson=salesperson,
        scale=scale,
        score=score,
        comment=comment,
        responded_on=responded_on,
        channel=channel,
    )
    response.save()
    return response


@transaction.atomic
def satisfaction_delete(*, actor: Any, response: SatisfactionResponse) -> None:
    """Delete an answer (admins, and the managers of the salesperson's unit)."""
    _require_response_manager(actor, response)
    response.delete()


SURVEY_DAYS_VALID = 14


@transaction.atomic
def survey_invitation_create(
    *,
    actor: Any,
    customer: Customer,
    salesperson: Person,
    scale: str = SurveyScale.FIVE_POINT,
    days_valid: int = SURVEY_DAYS_VALID,
    expires_at: datetime.datetime | None = None,
) -> str:
    """Make a single-use survey link; returns the raw token (shown once, only its hash is kept)."""
    _require_customer_visible(actor, customer)
    _check_salesperson(actor, salesperson)
    if scale not in SurveyScale.values:
        raise DomainError(_("Unknown scale."), field="scale")
    if expires_at is None:
        if not 1 <= days_valid <= 365:
            raise DomainError(_("A link is valid for 1 to 365 days."), field="days_valid")
        expires_at = timezone.now() + datetime.timedelta(days=days_valid)
    elif expires_at <= timezone.now():
        raise DomainError(_("The expiry date is in the past."), field="expires_at")
    raw = secrets.token_urlsafe(32)
    invitation = SurveyInvitation(
        customer=customer,
        salesperson=salesperson,
        scale=scale,
        token_hash=hash_token(raw),
        sent_by=actor,
        expires_at=expires_at,
    )
    invitation.full_clean()
    invitation.save()
    return raw


#: The notification a salesperson and their manager get when a customer answers a survey link.
NOTIFY_SURVEY_ANSWERED = "sales_survey_answered"


@transaction.atomic
def survey_answer(*, token: str, score: int, comment: str = "") -> SatisfactionResponse:
    """Record the answer behind a survey link, once, before the link expires."""
    invitation = (
        SurveyInvitation.objects.select_for_update()
        .select_related("customer", "salesperson__unit")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )
    if invitation is None:
        raise DomainError(_("This survey link is not valid."), field="token", code="not_found")
    if invitation.used_at is not None:
        raise DomainError(_("This survey has already been answered. Thank you!"), field="token")
    now = timezone.now()
    if invitation.expires_at <= now:
        raise DomainError(_("This survey link has expired."), field="token")
    response = SatisfactionResponse()
    _fill_response(
        response,
        customer=invitation.customer,
        salesperson=invitation.salesperson,
        scale=invitation.scale,
        score=score,
        comment=comment,
        responded_on=timezone.localdate(now),
        channel=SurveyChannel.LINK,
    )
    response.save()
    invitation.used_at = now
    invitation.response = response
    invitation.save(update_fields=["used_at", "response", "updated_at"])
    # The thank-you page says the answer reaches the salesperson and their manager: tell them.
    salesperson = invitation.salesperson
    manager_id = salesperson.unit.manager_id if salesperson.unit_id else None
    notify(
        people=[salesperson.pk, *([manager_id] if manager_id else [])],
        kind=NOTIFY_SURVEY_ANSWERED,
        subject=gettext_noop("%(customer)s answered the satisfaction survey of %(name)s."),
        params={
            **name_params(salesperson),
            "customer": invitation.customer.name,
            "customer_en": invitation.customer.name_en,
        },
        url=reverse("sales:customer_detail", args=[invitation.customer_id]),
    )
    return response
