"""The plain rows every way of entering orders speaks: the pages, the import, the API, the demo.

They name things by their business keys (customer code, employee number,
product line / region / segment code) so that a file, another system or a
person can write them; `services.orders_upsert` resolves and checks them all
at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class LineRow:
    """One order line."""

    product_line_code: str
    amount: Decimal
    quantity: Decimal = Decimal(1)
    cost: Decimal | None = None


@dataclass(frozen=True)
class CreditRow:
    """One credited salesperson and their share in basis points (10,000 = 100 %)."""

    employee_number: str
    share: int = 10_000


@dataclass(frozen=True)
class OrderRow:
    """One order as entered, imported or sent: its lines and credits.

    `row` is where it came from (the first spreadsheet row, or the index in an
    API call), so every error can point at it. A customer code that does not
    exist yet creates the customer when `customer_name` is given (with the
    optional region and segment codes); otherwise it is an error.
    """

    external_id: str
    customer_code: str
    ordered_on: date
    lines: tuple[LineRow, ...]
    credits: tuple[CreditRow, ...]
    status: str = "won"
    currency: str = ""
    original_external_id: str = ""
    note: str = ""
    customer_name: str = ""
    region_code: str = ""
    segment_code: str = ""
    row: int = 0


@dataclass(frozen=True)
class RowError:
    """What is wrong with one row: where (row, field) and why."""

    row: int
    field: str
    reason: str
    value: str = ""


@dataclass(frozen=True)
class FieldChange:
    """One field an update changes, as plain text (codes, ISO dates, numbers): `before` is
    what is stored, `after` what the row brings."""

    field: str
    before: str
    after: str


@dataclass
class UpsertResult:
    """What an upsert did (or, in a dry run, would do), row by row."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    outcomes: list[str] = field(
        default_factory=list
    )  # per input row: created / updated / unchanged
    order_ids: list[int] = field(default_factory=list)  # per input row, after a real write
    customers_created: int = 0
    #: What changes, field by field, for the first updated rows (by position in the call).
    differences: dict[int, tuple[FieldChange, ...]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors
