"""Import of orders from CSV or XLSX, the import history, and the exports of orders and customers.

An import runs in two steps, each its own request (or, for a large file, its
own task on a worker): the *check* reads the file, maps its columns and its
values (salespeople, product lines, regions, segments) to SalesAlign, groups
its rows (one per order line) into `OrderRow`s and asks
`services.orders_upsert(dry_run=True)` what they would do; the *commit* does
the same again against the database as it is then and writes everything in
one transaction, or nothing. Both keep their state in a `core.ImportBatch`
(the file, the mapping, the counts and every error), so any web process or
worker can carry on, and the history keeps every file.

The column and value mappings a user corrects on the preview are saved per
(kind, source) in `ImportMapping`, and the next file from the same source
starts from them.

File format (also what the export writes, so an export re-imports unchanged):
one row per order line. The order's own columns (date, customer, status …)
repeat on every row of the order. Credits: each salesperson named on a row of
the order is credited, with their share; a row that only names a
salesperson and a share (no product line, no amount) adds a credit without a
line. Rows of one order may be anywhere in the file, but they must agree on
the order's own columns: an order ID whose rows name different dates,
customers or statuses is a duplicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from auditlog.context import set_actor
from django.conf import settings
from django.db import transaction
from django.db.models import F, Min, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from salesalign.core.batches import without_cycle_collection
from salesalign.core.bulk import chunks as in_batches
from salesalign.core.choices import Role
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.models import ImportBatch, User
from salesalign.core.numbers import percent_text
from salesalign.core.roles import is_admin
from salesalign.core.spreadsheets import (
    Cell,
    Column,
    Sheet,
    SpreadsheetError,
    Table,
    cell_text,
    looks_like_xlsx,
    match_choice,
    match_header,
    normalize_name,
    parse_date,
    read_tables,
    unneutralize,
)
from salesalign.organization.models import CustomerSegment, Person, ProductLine, Region
from salesalign.sales.choices import OrderStatus
from salesalign.sales.models import (
    SHARE_SCALE,
    Customer,
    ImportMapping,
    Order,
    OrderCredit,
    OrderLine,
)
from salesalign.sales.rows import CreditRow, LineRow, OrderRow, UpsertResult

logger = logging.getLogger(__name__)

KIND_ORDERS = "sales.orders"
#: The kinds of sales imports, with their labels (customers and satisfaction answers come next).
KINDS = {KIND_ORDERS: gettext_lazy("Orders")}
#: How many errors are stored; the count keeps the full number.
MAX_STORED_ERRORS = 1000
#: How many changed orders the preview lists.
SAMPLE_SIZE = 50
DEFAULT_SOURCE = "import"
#: How the preview names the fields a changed order changes (`FieldChange.field`).
CHANGED_FIELDS = {
    "customer": gettext_lazy("Customer"),
    "ordered_on": gettext_lazy("Date"),
    "status": gettext_lazy("Status"),
    "currency": gettext_lazy("Currency"),
    "note": gettext_lazy("Note"),
    "original_external_id": gettext_lazy("Original order"),
    "lines": gettext_lazy("Lines"),
    "cost": gettext_lazy("Cost"),
    "credits": gettext_lazy("Credits"),
}
SOURCE_MAX_LENGTH = 40

# Dimensions whose unknown values are listed once each and can be mapped to existing ones.
SALESPERSON = "salesperson"
PRODUCT_LINE = "product_line"
REGION = "region"
SEGMENT = "segment"
DIMENSIONS = (SALESPERSON, PRODUCT_LINE, REGION, SEGMENT)
DIMENSION_LABELS = {
    SALESPERSON: gettext_lazy("Salesperson"),
    PRODUCT_LINE: gettext_lazy("Product line"),
    REGION: gettext_lazy("Region"),
    SEGMENT: gettext_lazy("Segment"),
}


def _names(text: str) -> tuple[str, ...]:
    """Aliases written as one "|"-separated string, to keep the column list readable."""
    return tuple(text.split("|"))


# fmt: off
ORDER_COLUMNS: tuple[Column, ...] = (
    Column("order_id", gettext_lazy("Order ID"), "订单号 / Order ID",
           _names("订单编号|单号|订单|销售单号|销售订单号|单据编号|order id|order no|order number|external id|order"),
           required=True),
    Column("ordered_on", gettext_lazy("Date"), "日期 / Date",
           _names("订单日期|下单日期|成交日期|销售日期|单据日期|date|order date"), required=True),
    Column("customer_code", gettext_lazy("Customer code"), "客户编号 / Customer code",
           _names("客户代码|客户编码|客户号|客户id|customer code|customer id|customer no|customer number"),
           one_of_required=True),
    Column("customer_name", gettext_lazy("Customer"), "客户 / Customer",
           _names("客户名称|客户名|客户全称|customer|customer name"), one_of_required=True),
    Column("salesperson", gettext_lazy("Salesperson"), "销售员 / Salesperson",
           _names("销售|业务员|销售人员|销售代表|负责人|工号|员工编号|salesperson|sales rep|sales person|seller|employee number"),
           required=True),
    Column("share", gettext_lazy("Share"), "分成比例 / Share",
           _names("分成|比例|业绩比例|业绩分成|分配比例|share|split|credit share|share %")),
    Column("product_line", gettext_lazy("Product line"), "产品线 / Product line",
           _names("产品|产品线代码|产品类别|产品系列|product line|product|product line code"),
           required=True),
    Column("quantity", gettext_lazy("Quantity"), "数量 / Qty", _names("数量|qty|quantity")),
    Column("amount", gettext_lazy("Amount"), "金额 / Amount",
           _names("销售额|销售金额|订单金额|含税金额|成交金额|amount|revenue|sales amount|net amount"),
           required=True),
    Column("cost", gettext_lazy("Cost"), "成本 / Cost", _names("成本金额|销售成本|cost|cogs")),
    Column("region", gettext_lazy("Region"), "区域 / Region", _names("地区|大区|区域代码|region|area")),
    Column("segment", gettext_lazy("Segment"), "客户类型 / Segment",
           _names("客户分类|客户类别|客户群|segment|customer segment|customer type")),
    Column("status", gettext_lazy("Status"), "状态 / Status", _names("订单状态|status|order status")),
    Column("original_order", gettext_lazy("Original order"), "原订单号 / Original order",
           _names("原订单|原单号|原始订单号|original order|original order id|returned order")),
    Column("currency", gettext_lazy("Currency"), "币种 / Currency", _names("货币|币别|currency")),
    Column("note", gettext_lazy("Note"), "备注 / Note", _names("说明|note|notes|remark|remarks|comment")),
    # Where an order came from: the export writes it, and the import checks it against the
    # source it imports under (not "source" or "来源" alone: CRM exports use those for leads).
    Column("order_source", gettext_lazy("Order source"), "订单来源 / Order source",
           _names("订单数据来源|order data source")),
)
# fmt: on

COLUMNS = {KIND_ORDERS: ORDER_COLUMNS}
#: Order-level columns: every row of an order must agree on them.
ORDER_LEVEL = (
    "ordered_on",
    "customer_code",
    "customer_name",
    "region",
    "segment",
    "status",
    "original_order",
    "currency",
    "note",
)
#: The order-level columns whose disagreement means two orders share one ID.
IDENTITY = ("ordered_on", "customer_code", "customer_name", "status")

STATUS_ALIASES: dict[str, tuple[str, ...]] = {
    OrderStatus.WON: _names("won|win|成交|已成交|赢单|签约|已签约|正常|完成|已完成|closed won"),
    OrderStatus.CANCELLED: _names("cancelled|canceled|cancel|取消|已取消|作废|已作废|void"),
    OrderStatus.RETURNED: _names("returned|return|退货|已退货|退单|退款|refund|credit note"),
}


def _status_names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {
        value: [value, *STATUS_ALIASES.get(value, ())] for value in OrderStatus.values
    }
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in OrderStatus.choices:
                names[value].append(str(label))
    return names


# ---------------------------------------------------------------- cells: amounts, shares


_AMOUNT_MARKS = re.compile(r"(?i)rmb|cny|usd|eur|hkd|人民币|元|[¥￥$€£\s\u00a0]")
_PLAIN_NUMBER = re.compile(r"^\d+(\.\d+)?$")
_GROUPED_NUMBER = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_MULTIPLIERS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
CENT = Decimal("0.01")


_SIMPLE_AMOUNT = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,2})?")


def parse_amount(value: Cell) -> Decimal | None:
    """Money from a cell: 1234.5, ¥1,234.50, (1,234.50) for a negative amount, 1.2万.

    Blank gives None; anything else that is not an amount (or has more than two
    decimals when written as text) raises ValueError.
    """
    if value is None:
        return None
    if isinstance(value, str) and _SIMPLE_AMOUNT.fullmatch(value):  # 1234.5: most cells
        return Decimal(value).quantize(CENT)
    if isinstance(value, bool | dt.date | dt.time):
        raise ValueError(str(value))
    if isinstance(value, int | Decimal):
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    if isinstance(value, float):
        # Typed XLSX numbers carry binary noise (0.1 + 0.2); cents are what was meant.
        return Decimal(repr(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    text = _AMOUNT_MARKS.sub("", text)
    if text.startswith("-"):
        negative, text = not negative, text[1:]
    elif text.startswith("+"):
        text = text[1:]
    multiplier = Decimal(1)
    if text and text[-1] in _MULTIPLIERS:
        multiplier, text = _MULTIPLIERS[text[-1]], text[:-1]
    if not (_PLAIN_NUMBER.match(text) or _GROUPED_NUMBER.match(text)):
        raise ValueError(str(value))
    amount = Decimal(text.replace(",", "")) * multiplier
    if amount != amount.quantize(CENT):
        raise ValueError(str(value))
    amount = amount.quantize(CENT)
    return -amount if negative else amount


def parse_quantity(value: Cell) -> Decimal | None:
    """A quantity: a number with at most three decimals; blank gives None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool | dt.date | dt.time):
        raise ValueError(str(value))
    if isinstance(value, float):
        quantity = Decimal(repr(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
        try:
            quantity = Decimal(text)
        except InvalidOperation as error:
            raise ValueError(str(value)) from error
    if not quantity.is_finite() or quantity != quantity.quantize(Decimal("0.001")):
        raise ValueError(str(value))
    return quantity


def parse_share(value: Cell) -> Decimal | None:
    """A share as written: 60, 60%, 33.33 or, from a percent-formatted XLSX cell, 0.6.

    Returns the number as written (without %); `_share_points` decides per order
    whether the numbers are percentages or fractions.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool | dt.date | dt.time):
        raise ValueError(str(value))
    if isinstance(value, int | float | Decimal):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().rstrip("%").strip()
        try:
            number = Decimal(text)
        except InvalidOperation as error:
            raise ValueError(str(value)) from error
    if not number.is_finite() or number <= 0 or number > 100:
        raise ValueError(str(value))
    return number


def _share_points(numbers: Sequence[Decimal]) -> list[int]:
    """Basis points from shares written as percentages (60, 40) or as fractions (0.6, 0.4)."""
    total = sum(numbers, Decimal(0))
    fractions = all(number <= 1 for number in numbers) and abs(total - 1) < Decimal("0.0001")
    scale = SHARE_SCALE if fractions else SHARE_SCALE // 100
    return [
        int((number * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP)) for number in numbers
    ]


def format_share(points: int) -> Decimal:
    """Basis points as the percentage the file shows (6000 → 60, 3333 → 33.33)."""
    return plain_decimal(Decimal(points) / (SHARE_SCALE // 100))


def plain_decimal(number: Decimal) -> Decimal:
    """A decimal without trailing zeros and without an exponent (1.500 → 1.5, 100.000 → 100)."""
    normalized = number.normalize()
    if normalized == normalized.to_integral_value():
        return normalized.quantize(Decimal(1))
    return normalized


# ---------------------------------------------------------------- plain data of a check


@dataclass(frozen=True)
class ImportError_:
    """One reason the file cannot be committed; `row` is None for the file as a whole."""

    row: int | None
    column: str
    reason: str
    value: str = ""
    unknown: str = ""  # the dimension, for an unknown value listed once

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }
        if self.unknown:
            data["unknown"] = self.unknown
        return data


@dataclass
class UnknownValue:
    """A value of the file that names no salesperson / product line / region / segment."""

    dimension: str
    raw: str
    rows: int = 0
    first_row: int = 0
    ambiguous: bool = False


@dataclass
class _Draft:
    """The rows of one order ID as read so far."""

    external_id: str
    first_row: int
    values: dict[str, Any]
    value_rows: dict[str, int]
    lines: list[tuple[int, LineRow]] = field(default_factory=list)
    credits: list[tuple[int, str, Decimal | None]] = field(default_factory=list)
    failed: bool = False


@dataclass
class OrderPlan:
    """Everything a check found: the file's header and mapping, the orders, unknown values, errors."""

    header: tuple[str, ...] = ()
    positions: dict[str, int] = field(default_factory=dict)
    data_rows: int = 0
    orders: list[OrderRow] = field(default_factory=list)
    line_rows: dict[str, list[int]] = field(default_factory=dict)
    credit_rows: dict[str, list[int]] = field(default_factory=dict)
    errors: list[ImportError_] = field(default_factory=list)
    unknown: dict[str, dict[str, UnknownValue]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: What the preview must show before a commit, though nothing is wrong with the rows.
    warnings: list[str] = field(default_factory=list)
    result: UpsertResult | None = None

    def column_label(self, key: str) -> str:
        """The file's header of a column (what the user sees in their file), else its name."""
        index = self.positions.get(key)
        if index is not None and index < len(self.header) and self.header[index]:
            return self.header[index]
        column = next((c for c in ORDER_COLUMNS if c.key == key), None)
        return str(column.label) if column else key

    @property
    def unknown_count(self) -> int:
        return sum(len(values) for values in self.unknown.values())


# ---------------------------------------------------------------- what SalesAlign knows


def _key(text: str) -> str:
    """Codes and employee numbers compare case-insensitively, names by `normalize_name`."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


@dataclass
class _Dictionary:
    """Codes, names and ids of one dimension (or of the people), loaded with one query."""

    by_code: dict[str, str] = field(default_factory=dict)
    by_name: dict[str, str] = field(default_factory=dict)
    ambiguous: set[str] = field(default_factory=set)
    by_pk: dict[int, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, rows: Iterable[tuple[int, str, str, str]]) -> _Dictionary:
        dictionary = cls()
        named: dict[str, set[str]] = {}
        for pk, code, name, name_en in rows:
            dictionary.by_code[_key(code)] = code
            dictionary.by_pk[pk] = code
            dictionary.labels[code] = f"{code} · {name}" + (f" ({name_en})" if name_en else "")
            for text in (name, name_en):
                if text and normalize_name(text):
                    named.setdefault(normalize_name(text), set()).add(code)
        for name, codes in named.items():
            if len(codes) == 1:
                dictionary.by_name[name] = next(iter(codes))
            else:
                dictionary.ambiguous.add(name)
        return dictionary

    def resolve(self, raw: str, mapped: dict[str, int]) -> tuple[str | None, bool]:
        """(code, ambiguous): by the user's mapping, then by code, then by a unique name."""
        pk = mapped.get(normalize_name(raw))
        if pk is not None and int(pk) in self.by_pk:
            return self.by_pk[int(pk)], False
        code = self.by_code.get(_key(raw))
        if code is not None:
            return code, False
        name = normalize_name(raw)
        if name in self.by_name:
            return self.by_name[name], False
        return None, name in self.ambiguous


def _load_dictionaries() -> dict[str, _Dictionary]:
    """People (by employee number or name) and the three dimensions: four queries, any file size."""
    fields = ("pk", "code", "name", "name_en")
    return {
        SALESPERSON: _Dictionary.build(
            Person.objects.order_by().values_list("pk", "employee_number", "name", "name_en")
        ),
        PRODUCT_LINE: _Dictionary.build(ProductLine.objects.order_by().values_list(*fields)),
        REGION: _Dictionary.build(Region.objects.order_by().values_list(*fields)),
        SEGMENT: _Dictionary.build(CustomerSegment.objects.order_by().values_list(*fields)),
    }


def dimension_choices() -> dict[str, list[tuple[int, str]]]:
    """What an unknown value can be mapped to, per dimension: (id, "code · name (English)").

    People: those who sell (salespeople and their managers); anyone else is still found by
    an employee number written in the file."""
    sellers = Person.objects.filter(role__in=[Role.SALESPERSON, Role.MANAGER]).order_by(
        "employee_number"
    )
    return {
        SALESPERSON: list(
            _labelled(sellers.values_list("pk", "employee_number", "name", "name_en"))
        ),
        PRODUCT_LINE: list(_choices(ProductLine)),
        REGION: list(_choices(Region)),
        SEGMENT: list(_choices(CustomerSegment)),
    }


def _labelled(rows: Iterable[tuple[int, str, str, str]]) -> Iterable[tuple[int, str]]:
    for pk, code, name, name_en in rows:
        yield pk, f"{code} · {name}" + (f" ({name_en})" if name_en and name_en != name else "")


def _choices(model: Any) -> Iterable[tuple[int, str]]:
    return _labelled(model.objects.values_list("pk", "code", "name", "name_en"))


# ---------------------------------------------------------------- reading the file


def pick_table(tables: list[Table], columns: Sequence[Column]) -> Table | None:
    """The sheet whose header matches the most of `columns` (the first one on a tie)."""
    best, best_score = None, -1
    for table in tables:
        score = len(match_header(table.header, columns).positions)
        if score > best_score:
            best, best_score = table, score
    return best


def resolve_columns(
    header: Sequence[str], columns: Sequence[Column], saved: dict[str, str]
) -> tuple[dict[str, int], list[str]]:
    """Where each column is: recognised from the header, then corrected by a saved mapping.

    `saved` maps a column key to the header text of the file's column, or to ""
    for "not in this file". A saved header the file does not have is ignored.
    Returns the positions and the header texts recognised twice (the first wins).
    """
    match = match_header(header, columns)
    positions = dict(match.positions)
    by_text: dict[str, int] = {}
    for index, text in enumerate(header):
        if text:
            by_text.setdefault(text.strip(), index)
            by_text.setdefault(normalize_name(text), index)
    for key, text in saved.items():
        if key not in {column.key for column in columns}:
            continue
        if text == "":
            positions.pop(key, None)
            continue
        found = by_text.get(text.strip(), by_text.get(normalize_name(text)))
        if found is not None:
            positions[key] = found
    duplicates = [text for _column, text in match.duplicates]
    return positions, duplicates


def missing_columns(columns: Sequence[Column], positions: Mapping[str, int]) -> list[ImportError_]:
    """An error for each required column the file lacks, and one for a required pair (a
    customer by code or by name) of which it has neither."""
    errors = [
        ImportError_(
            None,
            str(column.label),
            _(
                "The file has no “%(column)s” column (e.g. “%(header)s”); choose it in the column mapping."
            )
            % {"column": column.label, "header": column.header},
        )
        for column in columns
        if column.required and column.key not in positions
    ]
    either = [column for column in columns if column.one_of_required]
    if either and not any(column.key in positions for column in either):
        errors.append(
            ImportError_(
                None,
                str(either[0].label),
                _(
                    "The file has none of the columns %(headers)s: one of them is needed; choose it in the column mapping."
                )
                % {"headers": " / ".join(f"“{column.header}”" for column in either)},
            )
        )
    return errors


@without_cycle_collection
def build_plan(
    content: bytes,
    *,
    file_name: str,
    columns: dict[str, str] | None = None,
    values: dict[str, dict[str, int]] | None = None,
    source: str = DEFAULT_SOURCE,
) -> OrderPlan:
    """Read a file and turn its rows into `OrderRow`s; every problem becomes an error. Writes nothing.

    `source` is the source the orders are imported under: a row whose "Order source"
    names another one is an error (it would be counted a second time). Loads what it
    needs from the database with a fixed number of queries, whatever the size.
    """
    plan = OrderPlan()
    try:
        tables = read_tables(content, file_name=file_name)
    except SpreadsheetError as error:
        plan.errors.append(ImportError_(None, "", error.message))
        return plan
    table = pick_table(tables, ORDER_COLUMNS)
    if table is None:
        plan.errors.append(ImportError_(None, "", _("The file is empty.")))
        return plan
    plan.header = table.header
    plan.data_rows = len(table.rows)  # shown even when a missing column refuses the file
    plan.positions, duplicates = resolve_columns(table.header, ORDER_COLUMNS, columns or {})
    for text in duplicates:
        plan.notes.append(
            _("The column “%(column)s” was recognised twice; the first one is used.")
            % {"column": text}
        )
    plan.errors += missing_columns(ORDER_COLUMNS, plan.positions)
    if plan.errors:
        return plan
    if not table.rows:
        plan.errors.append(
            ImportError_(None, "", _("The file has a header row but no data rows below it."))
        )
        return plan
    _parse_rows(table, plan, _load_dictionaries(), values or {}, source)
    return plan


_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
#: A memoised cell that did not parse.
_INVALID = object()


class _RowReader:
    """Reads the cells of one row by column key and records that row's errors."""

    def __init__(self, plan: OrderPlan) -> None:
        self.plan = plan
        self.positions = plan.positions
        self.number = 0
        self.cells: tuple[Cell, ...] = ()
        self.failed = False
        # Dates, shares, quantities and amounts repeat down a column: parse each once.
        self.memos: dict[str, dict[Any, Any]] = {}

    def start(self, number: int, cells: tuple[Cell, ...]) -> None:
        self.number, self.cells, self.failed = number, cells, False

    def raw(self, key: str) -> Cell:
        index = self.positions.get(key)
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index]

    def text(self, key: str, max_length: int | None = None) -> str:
        # Inlined `raw` + `cell_text` for the common case, a text cell: called for every cell.
        index = self.positions.get(key)
        if index is None or index >= len(self.cells):
            return ""
        value = self.cells[index]
        if value.__class__ is str:
            value = value.strip()  # type: ignore[union-attr]
            if value[:1] == "'":
                value = unneutralize(value)
        else:
            value = cell_text(value)
        if max_length is not None and len(value) > max_length:
            self.error(
                key, _("Too long: at most %(count)s characters.") % {"count": max_length}, value
            )
        return value

    def error(self, key: str, reason: str, value: Cell = None) -> None:
        self.failed = True
        self.plan.errors.append(
            ImportError_(
                self.number,
                self.plan.column_label(key),
                reason,
                "" if value is None else cell_text(value)[:100],
            )
        )

    def parsed(self, key: str, parse: Any, message: str) -> Any:
        """`parse(cell)`, or None with the row's error; each distinct cell is parsed once."""
        raw = self.raw(key)
        memo = self.memos.setdefault(key, {})
        # TRUE == 1 == 1.0: typed XLSX cells are told apart by their type too.
        memo_key = raw if raw.__class__ is str else (raw.__class__, raw)
        try:
            value = memo[memo_key]
        except KeyError:
            try:
                value = parse(raw)
            except ValueError:
                value = _INVALID
            memo[memo_key] = value
        if value is _INVALID:
            self.error(key, message, raw)
            return None
        return value


def _parse_rows(
    table: Table,
    plan: OrderPlan,
    dictionaries: dict[str, _Dictionary],
    mapped: dict[str, dict[str, int]],
    source: str,
) -> None:
    reader = _RowReader(plan)
    statuses = _status_names()
    drafts: dict[str, _Draft] = {}
    blocked: set[str] = set()  # order IDs with an unknown value
    # Other sources the "Order source" column names: source → [rows, first row].
    foreign: dict[str, list[int]] = {}
    has_source = "order_source" in plan.positions
    # Translated once, not once per row: a large file has hundreds of thousands of cells.
    messages = {
        "required": _("A value is required."),
        "date": _("Not a date; write it as 2024-03-05, 2024/3/5 or 2024年3月5日."),
        "status": _("Unknown status; write won / 成交, cancelled / 取消 or returned / 退货."),
        "currency": _("Write the currency as a three-letter code such as CNY or USD."),
        "customer": _("A customer code or a customer name is required."),
        "share": _("Not a share; write a percentage between 0 and 100, e.g. 60 or 60%."),
        "amount": _(
            "Not an amount; write it as 1234.50, 1,234.50, ¥1,234.50 or (1,234.50) for a negative one."
        ),
        "cost": _("Not an amount; write it as 1234.50, 1,234.50 or ¥1,234.50."),
        "quantity": _("Not a quantity; write a number with at most three decimals."),
        "line_product": _("A line with an amount needs a product line."),
        "no_line": _("The row has neither a product line and amount nor a salesperson."),
    }
    resolved: dict[tuple[str, str], tuple[str | None, bool]] = {}
    status_of: dict[str, str | None] = {}
    repeated: dict[str, int] = {}  # order ID → the first row that repeats one of its lines

    def dimension(key: str, dimension_name: str) -> str:
        raw = reader.text(key)
        if not raw:
            return ""
        found = resolved.get((dimension_name, raw))
        if found is None:
            found = resolved[dimension_name, raw] = dictionaries[dimension_name].resolve(
                raw, mapped.get(dimension_name, {})
            )
        code, ambiguous = found
        if code is not None:
            return code
        unknown = plan.unknown.setdefault(dimension_name, {}).setdefault(
            normalize_name(raw) or raw,
            UnknownValue(dimension_name, raw, first_row=reader.number, ambiguous=ambiguous),
        )
        unknown.rows += 1
        reader.failed = True
        blocked.add(current_id)
        return ""

    for row in table.rows:
        reader.start(row.number, row.cells)
        current_id = reader.text("order_id", max_length=80)
        if not current_id:
            reader.error("order_id", messages["required"])
            continue
        if has_source:
            row_source = reader.text("order_source", max_length=SOURCE_MAX_LENGTH)
            if row_source and row_source != source:
                seen = foreign.setdefault(row_source, [0, row.number])
                seen[0] += 1
                reader.failed = True
                blocked.add(current_id)
        values: dict[str, Any] = {
            "customer_code": reader.text("customer_code", max_length=60),
            "customer_name": reader.text("customer_name", max_length=200),
            "original_order": reader.text("original_order", max_length=80),
            "currency": reader.text("currency").upper(),
            "note": reader.text("note"),
        }
        values["ordered_on"] = reader.parsed("ordered_on", parse_date, messages["date"])
        if values["ordered_on"] is None and not reader.failed:
            reader.error("ordered_on", messages["required"])
        status_text = reader.text("status")
        values["status"] = OrderStatus.WON
        if status_text:
            if status_text not in status_of:
                status_of[status_text] = match_choice(status_text, statuses)
            status = status_of[status_text]
            if status is None:
                reader.error("status", messages["status"], status_text)
            else:
                values["status"] = status
        if values["currency"] and not _CURRENCY_CODE.fullmatch(values["currency"]):
            reader.error("currency", messages["currency"], values["currency"])
        if not values["customer_code"] and not values["customer_name"]:
            reader.error("customer_code", messages["customer"])
        values["region"] = dimension("region", REGION)
        values["segment"] = dimension("segment", SEGMENT)
        salesperson = dimension("salesperson", SALESPERSON)
        salesperson_raw = reader.text("salesperson")
        share = reader.parsed("share", parse_share, messages["share"])
        product_line = dimension("product_line", PRODUCT_LINE)
        product_raw = reader.text("product_line")
        amount = reader.parsed("amount", parse_amount, messages["amount"])
        cost = reader.parsed("cost", parse_amount, messages["cost"])
        quantity = reader.parsed("quantity", parse_quantity, messages["quantity"])
        has_line = bool(product_raw) or amount is not None
        if has_line and not product_raw:
            reader.error("product_line", messages["line_product"])
        if has_line and amount is None and reader.raw("amount") in (None, ""):
            reader.error("amount", messages["required"])
        if not salesperson_raw and not has_line:
            reader.error("salesperson", messages["no_line"])

        draft = drafts.get(current_id)
        if draft is None:
            draft = drafts[current_id] = _Draft(
                current_id, row.number, values, dict.fromkeys(values, row.number)
            )
        else:
            for key in ORDER_LEVEL:
                new, old = values.get(key), draft.values.get(key)
                if new in ("", None) or new == old:
                    continue
                if old in ("", None):
                    draft.values[key], draft.value_rows[key] = new, row.number
                    continue
                shown = new.isoformat() if isinstance(new, dt.date) else new
                before = old.isoformat() if isinstance(old, dt.date) else old
                if key in IDENTITY:
                    reason = _(
                        "Order ID %(id)s appears twice in the file for different orders (row %(row)s has %(old)s here)."
                    ) % {"id": current_id, "row": draft.value_rows[key], "old": before}
                else:
                    reason = _(
                        "The rows of order %(id)s disagree: row %(row)s has %(old)s here."
                    ) % {
                        "id": current_id,
                        "row": draft.value_rows[key],
                        "old": before,
                    }
                reader.error(key, reason, shown)
        if reader.failed:
            draft.failed = True
            continue
        if has_line and product_line and amount is not None:
            line = LineRow(
                product_line, amount, quantity if quantity is not None else Decimal(1), cost
            )
            if any(line == earlier for _row, earlier in draft.lines):
                repeated.setdefault(current_id, row.number)
            draft.lines.append((row.number, line))
        if salesperson:
            draft.credits.append((row.number, salesperson, share))

    _codes_for_names(
        [draft for draft in drafts.values() if not (draft.failed or draft.external_id in blocked)],
        plan,
    )
    if repeated:
        # Legitimate (the same product twice) or a copy by mistake: only a person can tell.
        first_id, first_row = next(iter(repeated.items()))
        plan.warnings.append(
            ngettext(
                "%(count)s order repeats one of its lines exactly (order %(id)s, row "
                "%(row)s); each repeated line is imported as one more line of its order. "
                "If the file lists a line twice by mistake, remove the copy.",
                "%(count)s orders repeat one of their lines exactly (e.g. order %(id)s, row "
                "%(row)s); each repeated line is imported as one more line of its order. "
                "If the file lists a line twice by mistake, remove the copy.",
                len(repeated),
            )
            % {"count": f"{len(repeated):,}", "id": first_id, "row": first_row}
        )
    for draft in drafts.values():
        if draft.failed or draft.external_id in blocked:
            continue
        order = _order_row(draft, plan)
        if order is not None:
            plan.orders.append(order)
    for unknowns in plan.unknown.values():
        for unknown in unknowns.values():
            plan.errors.append(
                unknown_error(
                    unknown,
                    plan.column_label(unknown.dimension),
                    str(DIMENSION_LABELS[unknown.dimension]),
                )
            )
    for other, (count, first_row) in foreign.items():
        plan.errors.append(
            ImportError_(
                first_row,
                plan.column_label("order_source"),
                ngettext(
                    "%(count)s row is an order from the source “%(other)s”, but the file is "
                    "imported under “%(source)s”. Orders are matched by source and order ID, so "
                    "it would be counted a second time. Import it under “%(other)s”: choose that "
                    "source, or export one source at a time.",
                    "%(count)s rows are orders from the source “%(other)s”, but the file is "
                    "imported under “%(source)s”. Orders are matched by source and order ID, so "
                    "they would be counted a second time. Import them under “%(other)s”: choose "
                    "that source, or export one source at a time.",
                    count,
                )
                % {"count": f"{count:,}", "other": other, "source": source},
                other,
            )
        )
    plan.errors.sort(key=lambda error: error.row or 0)


#: The longest customer code (`Customer.code`).
_CUSTOMER_CODE_LENGTH = 60


def _code_made_from(name: str) -> str:
    """A code made from the name, C- and 10 hex digits: the same on every import."""
    return "C-" + hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:10].upper()


def customer_code_for(name: str) -> str:
    """The code of a customer a file names without one: the name itself when it fits, else a
    code made from it."""
    return name if len(name) <= _CUSTOMER_CODE_LENGTH else _code_made_from(name)


def _codes_for_names(drafts: Sequence[_Draft], plan: OrderPlan) -> None:
    """Give a customer code to each order whose file names the customer only by name.

    A file from a system without customer codes is common; such a customer is found by its
    name (Chinese or English, exactly as written) among the customers (one query), or is
    new with a code made from the name, so that the next import of the same file finds it
    again. A name two customers share is an error: only a code tells them apart.
    """
    wanted = {
        draft.values["customer_name"]
        for draft in drafts
        if not draft.values["customer_code"] and draft.values["customer_name"]
    }
    if not wanted:
        return
    codes: dict[str, set[str]] = defaultdict(set)
    taken: set[str] = set()
    derived = {customer_code_for(name) for name in wanted}
    for batch in in_batches(sorted(wanted | derived)):
        for code, name, name_en in Customer.objects.filter(
            Q(name__in=batch) | Q(name_en__in=batch) | Q(code__in=batch)
        ).values_list("code", "name", "name_en"):
            taken.add(code)
            for known in {name, name_en} & wanted:
                codes[known].add(code)
    for draft in drafts:
        name = draft.values["customer_name"]
        if draft.values["customer_code"] or not name:
            continue
        found = codes.get(name, set())
        if len(found) > 1:
            draft.failed = True
            plan.errors.append(
                ImportError_(
                    draft.value_rows["customer_name"],
                    plan.column_label("customer_name"),
                    _(
                        "%(count)s customers are named %(name)s; add a customer code column "
                        "to say which one."
                    )
                    % {"count": len(found), "name": name},
                    name,
                )
            )
            continue
        code = next(iter(found)) if found else customer_code_for(name)
        if not found and code in taken:
            code = _code_made_from(name)  # the name is another customer's code
        draft.values["customer_code"] = code


def unknown_error(unknown: UnknownValue, column_label: str, what: str) -> ImportError_:
    """The error of an unknown (or ambiguous) value, once for all the rows that use it.

    `what` names the dimension in the sentence ("salesperson", "customer"); the
    other imports reuse this so that every kind says it the same way.
    """
    if unknown.ambiguous:
        reason = ngettext(
            "“%(value)s” names more than one %(what)s (used in %(count)s row); choose which one below.",
            "“%(value)s” names more than one %(what)s (used in %(count)s rows); choose which one below.",
            unknown.rows,
        )
    else:
        reason = ngettext(
            "Unknown %(what)s “%(value)s” (used in %(count)s row); map it to an existing one below.",
            "Unknown %(what)s “%(value)s” (used in %(count)s rows); map it to an existing one below.",
            unknown.rows,
        )
    reason = reason % {"value": unknown.raw, "what": what.lower(), "count": unknown.rows}
    return ImportError_(unknown.first_row, column_label, reason, unknown.raw, unknown.dimension)


def _order_row(draft: _Draft, plan: OrderPlan) -> OrderRow | None:
    """One `OrderRow` from the rows of an order; credit problems become errors on their rows."""
    credits: dict[str, tuple[int, Decimal | None]] = {}
    errors_before = len(plan.errors)
    for row, number, share in draft.credits:
        if number in credits and credits[number][1] != share:
            plan.errors.append(
                ImportError_(
                    row,
                    plan.column_label("share"),
                    _("Salesperson %(number)s has two different shares in order %(id)s.")
                    % {"number": number, "id": draft.external_id},
                    "" if share is None else str(share),
                )
            )
        credits.setdefault(number, (row, share))
    if not credits:
        plan.errors.append(
            ImportError_(
                draft.first_row,
                plan.column_label("salesperson"),
                _("The order names no salesperson."),
            )
        )
    shares = [share for _row, share in credits.values()]
    if len(credits) > 1 and any(share is None for share in shares):
        for row, share in credits.values():
            if share is None:
                plan.errors.append(
                    ImportError_(
                        row,
                        plan.column_label("share"),
                        _(
                            "Order %(id)s is split between several salespeople: give each one's share."
                        )
                        % {"id": draft.external_id},
                    )
                )
    if len(plan.errors) > errors_before:
        return None
    points = (
        [SHARE_SCALE]
        if len(credits) == 1 and shares[0] is None
        else _share_points([s for s in shares if s is not None])
    )
    values = draft.values
    plan.line_rows[draft.external_id] = [row for row, _line in draft.lines]
    plan.credit_rows[draft.external_id] = [row for row, _share in credits.values()]
    return OrderRow(
        external_id=draft.external_id,
        customer_code=values["customer_code"],
        ordered_on=values["ordered_on"],
        lines=tuple(line for _row, line in draft.lines),
        credits=tuple(
            CreditRow(number, point) for number, point in zip(credits, points, strict=True)
        ),
        status=values["status"],
        currency=values["currency"],
        original_external_id=values["original_order"],
        note=values["note"],
        customer_name=values["customer_name"],
        region_code=values["region"],
        segment_code=values["segment"],
        row=draft.first_row,
    )


# ---------------------------------------------------------------- the service's verdict


_SERVICE_FIELDS = {
    "external_id": "order_id",
    "customer_code": "customer_code",
    "customer": "customer_code",
    "customer_name": "customer_name",
    "ordered_on": "ordered_on",
    "date": "ordered_on",
    "status": "status",
    "currency": "currency",
    "original_external_id": "original_order",
    "original_order": "original_order",
    "note": "note",
    "region_code": "region",
    "segment_code": "segment",
    "lines": "amount",
    "amount": "amount",
    "cost": "cost",
    "quantity": "quantity",
    "product_line_code": "product_line",
    "product_line": "product_line",
    "credits": "share",
    "share": "share",
    "employee_number": "salesperson",
    "salesperson": "salesperson",
}
_INDEXED = re.compile(r"^(lines|credits)(?:\[(\d+)\]|\.(\d+))?(?:\.(\w+))?$")


def _locate(field_name: str, order: OrderRow | None, plan: OrderPlan) -> tuple[int | None, str]:
    """The spreadsheet row and column header of a service error on `field_name` of `order`."""
    row = order.row if order is not None else None
    found = _INDEXED.match(field_name or "")
    if found and order is not None:
        group, index = found.group(1), found.group(2) or found.group(3)
        rows = (plan.line_rows if group == "lines" else plan.credit_rows).get(order.external_id, [])
        if index is not None and int(index) < len(rows):
            row = rows[int(index)]
        key = _SERVICE_FIELDS.get(found.group(4) or group, "amount")
        return row, plan.column_label(key)
    key = _SERVICE_FIELDS.get((field_name or "").split(".")[-1], "")
    return row, plan.column_label(key) if key else (field_name or "")


def _merge_service_errors(plan: OrderPlan, errors: Sequence[Any]) -> None:
    by_row = {order.row: order for order in plan.orders}
    for error in errors:
        order = by_row.get(error.row)
        row, column = _locate(error.field, order, plan)
        plan.errors.append(
            ImportError_(row, column, error.reason, str(getattr(error, "value", "") or ""))
        )
    plan.errors.sort(key=lambda error: error.row or 0)


def _services() -> Any:
    # Imported late: the services module is the sales app's one way to write orders.
    from salesalign.sales import services

    return services


def order_chunks(orders: Sequence[OrderRow], size: int | None = None) -> list[list[OrderRow]]:
    """Orders in calls of at most `size` for the orders service; a return stays with its original.

    The import is larger than one service call may be; the commit runs every
    call in one transaction, so it stays all or nothing.
    """
    size = size or _services().MAX_ROWS_PER_CALL
    in_file = {order.external_id for order in orders}
    families: dict[str, list[OrderRow]] = {}
    for order in orders:
        is_return_of_file_order = (
            order.status == OrderStatus.RETURNED and order.original_external_id in in_file
        )
        key = order.original_external_id if is_return_of_file_order else order.external_id
        families.setdefault(key, []).append(order)
    chunks: list[list[OrderRow]] = [[]]
    for family in families.values():
        if chunks[-1] and len(chunks[-1]) + len(family) > size:
            chunks.append([])
        chunks[-1].extend(family)
    return [chunk for chunk in chunks if chunk]


def _upsert_all(
    chunks: list[list[OrderRow]],
    *,
    actor: User,
    source: str,
    dry_run: bool,
    import_batch: Any = None,
) -> UpsertResult:
    total = UpsertResult()
    for chunk in chunks:
        result = _services().orders_upsert(
            actor=actor, source=source, rows=chunk, dry_run=dry_run, import_batch=import_batch
        )
        offset = len(total.outcomes)
        total.differences.update(
            (offset + index, changes) for index, changes in result.differences.items()
        )
        total.created += result.created
        total.updated += result.updated
        total.unchanged += result.unchanged
        total.errors.extend(result.errors)
        total.outcomes.extend(result.outcomes)
        total.order_ids.extend(result.order_ids)
        total.customers_created += result.customers_created
    return total


def check_plan(plan: OrderPlan, *, actor: User, source: str) -> None:
    """Ask the orders service what the parsed orders would do (a dry run) and merge its errors."""
    if not plan.orders or any(error.row is None for error in plan.errors):
        return
    chunks = order_chunks(plan.orders)
    plan.orders = [order for chunk in chunks for order in chunk]
    result = _upsert_all(chunks, actor=actor, source=source, dry_run=True)
    plan.result = result
    _merge_service_errors(plan, result.errors)
    if not plan.errors:
        new_ids = [
            order.external_id
            for order, outcome in zip(plan.orders, result.outcomes, strict=False)
            if outcome == "created"
        ]
        for other, count in _ids_under_other_sources(new_ids, source).items():
            plan.warnings.append(
                _(
                    "%(count)s of the new orders have an order ID that exists already from "
                    "the source “%(other)s”: imported under “%(source)s” they would be "
                    "counted a second time. If the file holds those orders (a SalesAlign "
                    "export, say), upload it again with the source “%(other)s”."
                )
                % {"count": f"{count:,}", "other": other, "source": source}
            )
        changed_ids = [
            order.external_id
            for order, outcome in zip(plan.orders, result.outcomes, strict=False)
            if outcome == "updated"
        ]
        edited = _edited_since_imported(changed_ids, source)
        if edited:
            plan.warnings.append(
                ngettext(
                    "%(count)s order this file changes was edited in SalesAlign after it was "
                    "last imported (%(id)s); importing puts the file's version back.",
                    "%(count)s orders this file changes were edited in SalesAlign after they "
                    "were last imported (e.g. %(id)s); importing puts the file's version back.",
                    len(edited),
                )
                % {"count": f"{len(edited):,}", "id": edited[0]}
            )


def _edited_since_imported(external_ids: Sequence[str], source: str) -> list[str]:
    """Which of these orders of `source` were changed (on a page or through the API) after
    the import that last wrote them: a re-import would overwrite that change."""
    edited: list[str] = []
    for batch in in_batches(external_ids):
        edited += Order.objects.filter(
            source=source,
            external_id__in=batch,
            import_batch__committed_at__isnull=False,
            updated_at__gt=F("import_batch__committed_at"),
        ).values_list("external_id", flat=True)
    return sorted(edited)


def order_sources() -> list[str]:
    """Every source orders came from: one index probe per source (a loose index scan), not a
    scan of every order."""
    found: list[str] = []
    current = Order.objects.aggregate(first=Min("source"))["first"]
    while current is not None:
        found.append(current)
        current = Order.objects.filter(source__gt=current).aggregate(next=Min("source"))["next"]
    return found


def _ids_under_other_sources(external_ids: Sequence[str], source: str) -> dict[str, int]:
    """How many of these order IDs each other source already has, most first."""
    if not external_ids:
        return {}
    counts: dict[str, int] = {}
    for other in order_sources():
        if other == source:
            continue
        found = sum(
            Order.objects.filter(source=other, external_id__in=batch).count()
            for batch in in_batches(external_ids)
        )
        if found:
            counts[other] = found
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


@without_cycle_collection
def commit_plan(plan: OrderPlan, *, actor: User, source: str, import_batch: ImportBatch) -> None:
    """Write the parsed orders in one transaction; SalesRowsInvalid (nothing written) on any error."""
    chunks = order_chunks(plan.orders)
    plan.orders = [order for chunk in chunks for order in chunk]
    with transaction.atomic():
        plan.result = _upsert_all(
            chunks, actor=actor, source=source, dry_run=False, import_batch=import_batch
        )


# ---------------------------------------------------------------- batches: check, remap, commit


def _ensure_importer(user: Any) -> None:
    if not is_admin(user):
        raise NotAllowed(_("Only administrators may import orders."))


def _clean_source(source: str) -> str:
    source = (source or "").strip()[:SOURCE_MAX_LENGTH]
    return source or DEFAULT_SOURCE


def saved_mapping(kind: str, source: str) -> ImportMapping | None:
    """The column and value mapping saved for imports of `kind` from `source`, if any."""
    return ImportMapping.objects.filter(kind=kind, source=source).first()


def known_sources(kind: str = KIND_ORDERS) -> list[str]:
    """Sources imported before or with a saved mapping, for the upload form's suggestions."""
    names = set(ImportMapping.objects.filter(kind=kind).values_list("source", flat=True))
    names |= set(
        ImportBatch.objects.filter(kind=kind)
        .exclude(source="")
        .values_list("source", flat=True)
        .distinct()[:50]
    )
    return sorted(names)


def estimate_rows(content: bytes) -> int:
    """A cheap count of data rows, to decide whether a file goes to a worker."""
    if looks_like_xlsx(content):
        try:
            from openpyxl import load_workbook

            workbook = load_workbook(io.BytesIO(content), read_only=True)
            try:
                return max(0, max((sheet.max_row or 0) for sheet in workbook.worksheets) - 1)
            finally:
                workbook.close()
        except Exception:  # a damaged file is reported by the check itself
            return 0
    return max(0, content.count(b"\n") - 1)


def runs_in_background(batch: ImportBatch) -> bool:
    """Large files are checked and committed by a worker."""
    return int(batch.summary.get("estimated_rows", 0)) > settings.IMPORT_BACKGROUND_ROWS


def sample_of_changes(
    result: UpsertResult, records: Sequence[tuple[int, str, str]]
) -> list[dict[str, Any]]:
    """The first `SAMPLE_SIZE` new or changed records of a check, as a batch keeps them: the
    row, the record (each given as (row, the key it is named under, its name)), what happens
    to it and, for a change, the fields it changes (`UpsertResult.differences`)."""
    sample: list[dict[str, Any]] = []
    for index, ((row, key, name), outcome) in enumerate(
        zip(records, result.outcomes, strict=False)
    ):
        if outcome not in ("created", "updated"):
            continue
        if len(sample) == SAMPLE_SIZE:
            break
        change: dict[str, Any] = {"row": row, key: name, "action": outcome}
        if index in result.differences:
            change["fields"] = [
                {"field": field.field, "before": field.before, "after": field.after}
                for field in result.differences[index]
            ]
        sample.append(change)
    return sample


#: A share in a stored credit ("E001 50 %"; the batch keeps language-neutral text).
_SHARE = re.compile(r"(\d+(?:\.\d+)?) %")


def _share_text(match: re.Match[str]) -> str:
    return percent_text(match.group(1))


def readable_changes(
    changes: list[dict[str, Any]], columns: Sequence[Column]
) -> list[dict[str, Any]]:
    """A batch's sample of changes as the preview shows it: each changed field named in the
    reader's language (as its column is, or as `CHANGED_FIELDS` names an order's), a status
    by its label."""
    labels: dict[str, Any] = {column.key: column.label for column in columns}
    labels.update(CHANGED_FIELDS)
    values: dict[str, dict[str, Any]] = {
        "status": dict(OrderStatus.choices),
        "is_active": {"active": gettext_lazy("active"), "inactive": gettext_lazy("inactive")},
    }
    shown = []
    for change in changes:
        fields = []
        for item in change.get("fields", []):
            names = values.get(item["field"], {})
            before, after = (names.get(item[key], item[key]) for key in ("before", "after"))
            if item["field"] == "credits":  # "E001 50 %": the percent sign as the reader writes it
                before, after = (_SHARE.sub(_share_text, text) for text in (before, after))
            fields.append(
                {
                    "label": labels.get(item["field"], item["field"]),
                    "before": before,
                    "after": after,
                }
            )
        shown.append({**change, "fields": fields})
    return shown


def _record(batch: ImportBatch, plan: OrderPlan) -> None:
    """Copy a plan's counts, errors, mapping and a sample of changes onto the batch (not saved)."""
    result = plan.result
    batch.new_count = result.created if result else 0
    batch.changed_count = result.updated if result else 0
    batch.unchanged_count = result.unchanged if result else 0
    batch.error_count = len(plan.errors)
    batch.errors = [error.as_json() for error in plan.errors[:MAX_STORED_ERRORS]]
    changes: list[dict[str, Any]] = []
    if result is not None and not plan.errors:
        changes = sample_of_changes(
            result, [(order.row, "order", order.external_id) for order in plan.orders]
        )
    batch.summary = {
        **{key: batch.summary.get(key) for key in ("estimated_rows",) if key in batch.summary},
        "header": list(plan.header),
        "positions": plan.positions,
        "rows": plan.data_rows,
        "orders": len(plan.orders),
        "unknown": {
            dimension: [
                {
                    "raw": u.raw,
                    "key": key,
                    "rows": u.rows,
                    "row": u.first_row,
                    "ambiguous": u.ambiguous,
                }
                for key, u in values.items()
            ]
            for dimension, values in plan.unknown.items()
        },
        "changes": changes,
        "notes": plan.notes,
        "warnings": plan.warnings,
    }


def _set_progress(batch_id: int, progress: int, status: str | None = None) -> None:
    # A plain update outside any transaction, so that the page polling it sees it at once.
    fields: dict[str, Any] = {"progress": progress}
    if status is not None:
        fields["status"] = status
    ImportBatch.objects.filter(pk=batch_id).update(**fields)


def orders_import_check(
    *, user: User, file_name: str, content: bytes, source: str = ""
) -> ImportBatch:
    """Keep an uploaded file and check it (now, or on a worker for a large file). Writes no orders.

    The batch ends "previewed" when it may be committed, "failed" when the
    check found errors; a large file is "queued" until a worker has checked it.
    """
    _ensure_importer(user)
    source = _clean_source(source)
    mapping = saved_mapping(KIND_ORDERS, source)
    batch = ImportBatch(
        kind=KIND_ORDERS,
        file_name=(file_name or "upload")[:255],
        content=content,
        source=source,
        options={
            "columns": dict(mapping.columns) if mapping else {},
            "values": dict(mapping.values) if mapping else {},
        },
        summary={"estimated_rows": estimate_rows(content)},
        created_by=user,
        status=ImportBatch.Status.QUEUED,
    )
    batch.full_clean(exclude=["content", "errors", "summary", "options"])
    batch.save()
    _start(batch, "check", user)
    batch.refresh_from_db()
    return batch


def orders_import_remap(
    *,
    user: User,
    batch_id: int,
    columns: dict[str, str],
    values: dict[str, dict[str, int]],
) -> ImportBatch:
    """Correct a batch's column and value mapping, save it for the source, and check the file again."""
    _ensure_importer(user)
    known_keys = {column.key for column in ORDER_COLUMNS}
    columns = {key: str(text) for key, text in columns.items() if key in known_keys}
    with transaction.atomic():
        batch = _batch_for_update(batch_id)
        if batch.status not in (ImportBatch.Status.PREVIEWED, ImportBatch.Status.FAILED):
            raise DomainError(_("This import can no longer be changed."), code="conflict")
        merged_values = {
            dim: dict(batch.options.get("values", {}).get(dim, {})) for dim in DIMENSIONS
        }
        for dimension_name, mapped in values.items():
            if dimension_name in DIMENSIONS:
                for raw, pk in mapped.items():
                    merged_values[dimension_name][normalize_name(raw) or raw] = int(pk)
        merged_values = {dim: mapped for dim, mapped in merged_values.items() if mapped}
        batch.options = {**batch.options, "columns": columns, "values": merged_values}
        batch.status = ImportBatch.Status.QUEUED
        batch.progress = 0
        batch.save(update_fields=["options", "status", "progress"])
        mapping, _created = ImportMapping.objects.get_or_create(
            kind=KIND_ORDERS, source=batch.source
        )
        mapping.columns = columns
        mapping.values = {**mapping.values, **merged_values}
        mapping.full_clean(exclude=["columns", "values"])  # either may be empty
        mapping.save()
    _start(batch, "check", user)
    batch.refresh_from_db()
    return batch


def orders_import_commit(*, user: User, batch_id: int) -> ImportBatch:
    """Write a checked batch, all or nothing (now, or on a worker for a large file).

    Raises DomainError when the batch is not waiting for commit, or (when run
    now) when the database changed since the check so that the file has errors.
    """
    _ensure_importer(user)
    claimed = ImportBatch.objects.filter(
        pk=batch_id, kind=KIND_ORDERS, status=ImportBatch.Status.PREVIEWED, error_count=0
    ).update(status=ImportBatch.Status.QUEUED, progress=0)
    if not claimed:
        batch = ImportBatch.objects.filter(pk=batch_id, kind=KIND_ORDERS).defer("content").first()
        if batch is None:
            raise DomainError(_("No such import."), code="not_found")
        if batch.status == ImportBatch.Status.COMMITTED:
            raise DomainError(_("This import has already been committed."), code="conflict")
        if batch.is_working:
            raise DomainError(_("This import is being processed."), code="conflict")
        raise DomainError(
            _("This import has errors; fix them or upload a corrected file."), code="conflict"
        )
    batch = ImportBatch.objects.defer("content").get(pk=batch_id)
    _start(batch, "commit", user)
    batch.refresh_from_db()
    if batch.status == ImportBatch.Status.FAILED:
        raise DomainError(
            _(
                "The data changed since the check and the file now has errors; nothing was imported."
            ),
            code="conflict",
        )
    return batch


def _start(batch: ImportBatch, phase: str, user: User) -> None:
    """Run a phase now, or hand it to a worker once this transaction has committed."""
    ImportBatch.objects.filter(pk=batch.pk).update(options={**batch.options, "phase": phase})
    if not runs_in_background(batch):
        run_phase(batch.pk, phase, user.pk)
        return
    from salesalign.sales import tasks

    task = tasks.import_check_task if phase == "check" else tasks.import_commit_task
    transaction.on_commit(lambda: task(batch.pk, user.pk))


def run_phase(batch_id: int, phase: str, user_id: int) -> None:
    """Check or commit a batch; the work of a task (or of the request, for a small file).

    Whatever goes wrong ends in a "failed" batch with the reason, never in a
    batch that stays "running" for ever.
    """
    user = User.objects.filter(pk=user_id).first()
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if (
        batch is None
        or user is None
        or batch.status
        not in (
            ImportBatch.Status.QUEUED,
            ImportBatch.Status.RUNNING,
        )
    ):
        return
    _set_progress(batch_id, 10, ImportBatch.Status.RUNNING)
    try:
        if phase == "commit":
            _commit(batch, user)
        else:
            _check(batch, user)
    except Exception:
        logger.exception("Import %s (%s) stopped", batch_id, phase)
        batch.errors = [
            ImportError_(
                None,
                "",
                _(
                    "The import stopped unexpectedly; nothing was written. Try again or ask an administrator."
                ),
            ).as_json()
        ]
        batch.error_count = 1
        batch.status = ImportBatch.Status.FAILED
        batch.progress = 100
        batch.save(update_fields=["errors", "error_count", "status", "progress"])
        raise


def _plan_for(batch: ImportBatch) -> OrderPlan:
    return build_plan(
        bytes(batch.content),
        file_name=batch.file_name,
        columns=batch.options.get("columns", {}),
        values=batch.options.get("values", {}),
        source=batch.source,
    )


def _check(batch: ImportBatch, user: User) -> None:
    plan = _plan_for(batch)
    _set_progress(batch.pk, 50)
    check_plan(plan, actor=user, source=batch.source)
    _record(batch, plan)
    batch.status = ImportBatch.Status.FAILED if plan.errors else ImportBatch.Status.PREVIEWED
    batch.progress = 100
    batch.save()


def _commit(batch: ImportBatch, user: User) -> None:
    plan = _plan_for(batch)
    _set_progress(batch.pk, 40)
    if plan.errors:
        _record(batch, plan)
        batch.status = ImportBatch.Status.FAILED
        batch.progress = 100
        batch.save()
        return
    try:
        with transaction.atomic(), set_actor(user):
            commit_plan(plan, actor=user, source=batch.source, import_batch=batch)
            _record(batch, plan)
            batch.status = ImportBatch.Status.COMMITTED
            batch.committed_at = timezone.now()
            batch.progress = 100
            batch.options = {**batch.options, "committed_by": user.pk}
            batch.save()
    except DomainError as error:
        # SalesRowsInvalid carries the rows' errors; any other refusal is about the whole file.
        batch.refresh_from_db()
        plan.result = None
        row_errors = getattr(error, "errors", None)
        if row_errors:
            _merge_service_errors(plan, row_errors)
        else:
            plan.errors.append(ImportError_(None, "", error.message))
        _record(batch, plan)
        batch.status = ImportBatch.Status.FAILED
        batch.progress = 100
        batch.save()


def _batch_for_update(batch_id: int) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().filter(pk=batch_id, kind__in=KINDS).first()
    if batch is None:
        raise DomainError(_("No such import."), code="not_found")
    return batch


# ---------------------------------------------------------------- reads: history, downloads


def import_batch_list(*, user: User) -> QuerySet[ImportBatch]:
    """Past sales imports, newest first, without their file contents (importers only)."""
    _ensure_importer(user)
    return (
        ImportBatch.objects.filter(kind__in=KINDS)
        .defer("content")
        .select_related("created_by__person")
    )


def import_batch_get(*, user: User, batch_id: int, with_content: bool = False) -> ImportBatch:
    """One sales import (importers only); a 'not_found' DomainError when there is none."""
    _ensure_importer(user)
    batches = ImportBatch.objects.filter(kind__in=KINDS).select_related("created_by__person")
    if not with_content:
        batches = batches.defer("content")
    batch = batches.filter(pk=batch_id).first()
    if batch is None:
        raise DomainError(_("No such import."), code="not_found")
    return batch


def error_report_sheet(batch: ImportBatch) -> Sheet:
    """Every stored error of a batch, each followed by its row as the file has it, so that
    the report is corrected without looking up each row in the original."""
    header, cells_of = _rows_with_errors(batch)
    rows: list[list[Cell]] = [
        [
            error.get("row"),
            error.get("column", ""),
            error.get("value", ""),
            error.get("reason", ""),
            *cells_of.get(error.get("row"), ()),
        ]
        for error in batch.errors
    ]
    return Sheet(
        str(_("Errors")),
        [str(_("Row")), str(_("Column")), str(_("Value")), str(_("Problem")), *header],
        rows,
        (8, 24, 30, 90, *(14 for _column in header)),
    )


def _rows_with_errors(batch: ImportBatch) -> tuple[list[str], dict[int, tuple[Cell, ...]]]:
    """The file's header and the cells of the rows that have errors, read again from the
    stored file (the sheet that was imported: the one with the recorded header)."""
    wanted = {error.get("row") for error in batch.errors if error.get("row")}
    if not wanted or not batch.content:
        return [], {}
    try:
        tables = read_tables(bytes(batch.content), file_name=batch.file_name)
    except SpreadsheetError:
        return [], {}
    recorded = tuple((batch.summary or {}).get("header") or ())
    table = next((table for table in tables if table.header == recorded), None)
    if table is None:
        table = tables[0] if tables else None
    if table is None:
        return [], {}
    return list(table.header), {row.number: row.cells for row in table.rows if row.number in wanted}


# ---------------------------------------------------------------- exports


def order_headers() -> list[str]:
    return [column.header for column in ORDER_COLUMNS]


_ORDER_WIDTHS = (18, 12, 16, 28, 14, 10, 16, 8, 14, 14, 12, 14, 10, 18, 8, 30, 14)


def orders_for_export(*, user: User, source: str = "") -> QuerySet[Order]:
    """The orders `user` may see (only those of `source`, when given), in the export's order."""
    orders = Order.objects.visible_to(user)
    if source:
        orders = orders.filter(source=source)
    return orders.order_by("ordered_on", "source", "external_id")


#: Orders (or customers) read at a time by an export.
EXPORT_CHUNK = 2000

_ORDER_COLUMNS = (
    "pk",
    "external_id",
    "ordered_on",
    "customer__code",
    "customer__name",
    "customer__region__code",
    "customer__segment__code",
    "status",
    "original_order__external_id",
    "currency",
    "note",
    "source",
)


def order_rows(orders: QuerySet[Order]) -> Iterator[list[Cell]]:
    """One row per line (and per credit beyond the lines), in the columns of the import.

    Plain values, a chunk of orders at a time with their lines and credits (three queries a
    chunk): an export of a company's million orders runs in bounded memory, and building a
    model instance for every order, line, credit and name they refer to took most of its time.
    """
    rows = orders.values_list(*_ORDER_COLUMNS).iterator(chunk_size=EXPORT_CHUNK)
    for chunk in in_batches(rows, EXPORT_CHUNK):
        ids = [row[0] for row in chunk]
        lines: dict[int, list[tuple[str, Decimal, Decimal, Decimal | None]]] = defaultdict(list)
        for order_id, code, quantity, amount, cost in (
            OrderLine.objects.filter(order_id__in=ids)
            .order_by("order_id", "position", "pk")
            .values_list("order_id", "product_line__code", "quantity", "amount", "cost")
        ):
            lines[order_id].append((code, quantity, amount, cost))
        credits: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for order_id, number, share in (
            OrderCredit.objects.filter(order_id__in=ids)
            .order_by("order_id", "-share", "pk")
            .values_list("order_id", "salesperson__employee_number", "share")
        ):
            credits[order_id].append((number, share))
        for (
            pk,
            external_id,
            ordered_on,
            customer_code,
            customer_name,
            region,
            segment,
            status,
            original,
            currency,
            note,
            order_source,
        ) in chunk:
            order_lines, order_credits = lines[pk], credits[pk]
            for index in range(max(len(order_lines), len(order_credits), 1)):
                line = order_lines[index] if index < len(order_lines) else None
                credit = order_credits[index] if index < len(order_credits) else None
                yield [
                    external_id,
                    ordered_on,
                    customer_code,
                    customer_name,
                    credit[0] if credit else "",
                    format_share(credit[1]) if credit else None,
                    line[0] if line else "",
                    plain_decimal(line[1]) if line else None,
                    line[2] if line else None,
                    line[3] if line else None,
                    region or "",
                    segment or "",
                    status,
                    original or "",
                    currency,
                    note,
                    order_source,
                ]


def order_line_count(*, user: User, source: str = "") -> int:
    """The lines of the orders `order_sheet` exports: at least as many rows as it has."""
    exported = orders_for_export(user=user, source=source).order_by().values("pk")
    return OrderLine.objects.filter(order_id__in=exported).count()


def order_sheet(*, user: User, source: str = "") -> Sheet:
    """The orders the viewer may see (of one source, when given), one row per line, re-importable
    unchanged under their source."""
    return Sheet(
        "Orders",
        order_headers(),
        order_rows(orders_for_export(user=user, source=source)),
        _ORDER_WIDTHS,
    )


CUSTOMER_HEADERS = (
    "客户编号 / Customer code",
    "客户 / Customer",
    "英文名称 / English name",
    "客户类型 / Segment",
    "区域 / Region",
    "负责人工号 / Owner",
    "来源 / Source",
    "首单日期 / First won order",
    "状态 / Status",
)


def customer_sheet(*, user: User) -> Sheet:
    """The customers the viewer may see."""
    customers = (
        Customer.objects.visible_to(user)
        .select_related("region", "segment", "owner")
        .order_by("code")
    )
    rows = (
        [
            customer.code,
            customer.name,
            customer.name_en,
            customer.segment.code if customer.segment else "",
            customer.region.code if customer.region else "",
            customer.owner.employee_number if customer.owner else "",
            customer.source,
            customer.first_won_on,
            "active" if customer.is_active else "inactive",
        ]
        for customer in customers.iterator(chunk_size=EXPORT_CHUNK)
    )
    return Sheet("Customers", list(CUSTOMER_HEADERS), rows, (16, 28, 28, 14, 14, 14, 12, 14, 10))
