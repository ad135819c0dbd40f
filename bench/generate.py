"""Generate a benchmark company: its organisation (JSON) and three years of orders (CSV files).

    python -m bench.generate --size S [--out var/bench/S]

Sizes: S = 100 salespeople and 100,000 order lines, M = 1,000 and 1,000,000,
L = 10,000 and 10,000,000. The shape is meant to be realistic enough for the
database to work as it would for a real company: teams of ten under
departments, each department selling mostly in one region (each salesperson
in a few segments), a skewed product mix (a few product lines make most of the
lines), customers of very different sizes, seasonality, about 5 % of orders
split between two salespeople, 1 % returned (negative amounts, referring to
their original) and 2 % cancelled.

The orders are written in the sales import format (the English headers the
import recognises), one row per order line, in files of at most
`PART_ROWS` rows (the import takes files of up to 50,000 rows), in date order;
a split order has one more row naming the second salesperson and their share.
Everything is drawn from one seeded generator and streamed month by month, so
L fits in memory.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import itertools
import json
import math
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

SIZES: dict[str, tuple[int, int]] = {
    "XS": (20, 5_000),  # for the tests only
    "S": (100, 100_000),
    "M": (1_000, 1_000_000),
    "L": (10_000, 10_000_000),
}
TEAM_SIZE = 10
TEAMS_PER_DEPARTMENT = 5
FIRST_DAY = date(2023, 1, 1)
LAST_DAY = date(2025, 12, 31)
PART_ROWS = 40_000

HEADER = [
    "Order ID",
    "Date",
    "Customer code",
    "Customer",
    "Salesperson",
    "Share",
    "Product line",
    "Quantity",
    "Amount",
    "Cost",
    "Region",
    "Segment",
    "Status",
    "Original order",
]

#: A row that only adds a credit (the second salesperson of a split order) has no line.
NO_LINE = ("", "", "", "")
REGIONS = 6
PROVINCES_PER_REGION = 5
SEGMENTS = ["SEG-KA", "SEG-SMB", "SEG-GOV", "SEG-CH"]
FAMILIES = 4
LINES_PER_FAMILY = 3
#: Orders in each calendar month relative to an average one (a February dip, quarter ends).
SEASON = {1: 0.95, 2: 0.55, 3: 1.1, 4: 0.9, 5: 0.95, 6: 1.2, 7: 0.9, 8: 0.9, 9: 1.15, 10: 0.8, 11: 1.0, 12: 1.4}  # fmt: skip
LINES_PER_ORDER = (1, 2, 3)
LINES_WEIGHTS = (55, 30, 15)
SPLIT_SHARE = 0.05
RETURN_SHARE = 0.01
CANCELLED_SHARE = 0.02


@dataclass(frozen=True)
class Product:
    code: str
    weight: float
    price: int  # typical unit price, yuan
    margin: float


@dataclass
class Company:
    """The organisation and dimensions of a generated company (what `run.py` loads first)."""

    size: str
    departments: list[dict[str, str]] = field(default_factory=list)
    teams: list[dict[str, str]] = field(default_factory=list)
    people: list[dict[str, str]] = field(default_factory=list)
    regions: list[dict[str, object]] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    product_lines: list[dict[str, object]] = field(default_factory=list)


@dataclass
class Manifest:
    """What was generated: the company, the CSV parts and their row counts."""

    size: str
    salespeople: int
    order_lines: int
    csv_rows: int
    orders: int
    parts: list[str]
    first_day: str
    last_day: str


def _products(rng: random.Random) -> list[Product]:
    products = []
    rank = 0
    for family in range(1, FAMILIES + 1):
        for index in range(1, LINES_PER_FAMILY + 1):
            rank += 1
            products.append(
                Product(
                    code=f"PL-{family}-{index}",
                    weight=1 / rank**1.2,  # Zipf-like: the first lines dominate
                    price=rng.choice([300, 800, 1_500, 4_000, 12_000, 40_000]),
                    margin=rng.uniform(0.25, 0.75),
                )
            )
    return products


def company_of(size: str, rng: random.Random) -> tuple[Company, list[Product]]:
    """Departments of five teams of ten; each department in one region."""
    salespeople, _lines = SIZES[size]
    company = Company(size=size, segments=list(SEGMENTS))
    for region in range(1, REGIONS + 1):
        company.regions.append(
            {
                "code": f"RG-{region}",
                "provinces": [f"PV-{region}-{p}" for p in range(1, PROVINCES_PER_REGION + 1)],
            }
        )
    products = _products(rng)
    for family in range(1, FAMILIES + 1):
        company.product_lines.append(
            {
                "code": f"PL-{family}",
                "children": [p.code for p in products if p.code.startswith(f"PL-{family}-")],
            }
        )
    teams = math.ceil(salespeople / TEAM_SIZE)
    departments = math.ceil(teams / TEAMS_PER_DEPARTMENT)
    for d in range(1, departments + 1):
        company.departments.append({"code": f"D{d:04d}", "region": f"RG-{(d - 1) % REGIONS + 1}"})
    for t in range(1, teams + 1):
        department = company.departments[(t - 1) // TEAMS_PER_DEPARTMENT]["code"]
        company.teams.append({"code": f"T{t:05d}", "department": department})
    for n in range(1, salespeople + 1):
        team = company.teams[(n - 1) // TEAM_SIZE]["code"]
        company.people.append({"number": f"E{n:06d}", "team": team})
    return company, products


@dataclass
class _Customer:
    code: str
    seller: int
    province: str
    segment: str


def _customers(
    company: Company, rng: random.Random, count: int
) -> tuple[list[_Customer], list[float]]:
    """Customers, each owned by one salesperson: mostly in the seller's region, in a few segments."""
    regions = {dep["code"]: dep["region"] for dep in company.departments}
    team_department = {team["code"]: team["department"] for team in company.teams}
    provinces = {str(r["code"]): list(r["provinces"]) for r in company.regions}  # type: ignore[call-overload]
    everywhere = [p for ps in provinces.values() for p in ps]
    favourites = [rng.sample(SEGMENTS, rng.randint(1, 3)) for _ in company.people]
    customers, sizes = [], []
    for number in range(1, count + 1):
        seller = rng.randrange(len(company.people))
        region = regions[team_department[company.people[seller]["team"]]]
        province = rng.choice(provinces[region]) if rng.random() < 0.85 else rng.choice(everywhere)
        segment = rng.choice(favourites[seller]) if rng.random() < 0.9 else rng.choice(SEGMENTS)
        customers.append(_Customer(f"C{number:08d}", seller, province, segment))
        sizes.append(rng.paretovariate(1.5))  # a few customers buy a lot
    return customers, sizes


def _months() -> Iterator[date]:
    day = FIRST_DAY
    while day <= LAST_DAY:
        yield day
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


class _PartWriter:
    """CSV files of at most PART_ROWS rows, cut only between orders."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.parts: list[str] = []
        self.rows_in_part = 0
        self.total_rows = 0
        self.handle = None
        self.writer: csv._writer | None = None  # type: ignore[name-defined]

    def write_order(self, rows: list[list[str]]) -> None:
        if self.writer is None or self.rows_in_part + len(rows) > PART_ROWS:
            self._next()
        assert self.writer is not None
        self.writer.writerows(rows)
        self.rows_in_part += len(rows)
        self.total_rows += len(rows)

    def _next(self) -> None:
        self.close()
        name = f"orders-{len(self.parts) + 1:04d}.csv"
        self.parts.append(name)
        self.handle = (self.out / name).open("w", newline="", encoding="utf-8")  # type: ignore[assignment]
        self.writer = csv.writer(self.handle)  # type: ignore[arg-type]
        self.writer.writerow(HEADER)
        self.rows_in_part = 0

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()  # type: ignore[unreachable]
            self.handle = None


def generate(size: str, out: Path, *, seed: int = 1) -> Manifest:
    """Write company.json, orders-NNNN.csv and manifest.json under `out`."""
    salespeople, order_lines = SIZES[size]
    rng = random.Random(f"salesalign-bench:{size}:{seed}")
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("orders-*.csv"):
        old.unlink()
    company, products = company_of(size, rng)
    (out / "company.json").write_text(json.dumps(asdict(company)), encoding="utf-8")

    customers, sizes = _customers(company, rng, max(50, order_lines // 60))
    customer_cumulative = list(itertools.accumulate(sizes))
    numbers = [person["number"] for person in company.people]
    team_members: dict[str, list[int]] = {}
    for index, person in enumerate(company.people):
        team_members.setdefault(person["team"], []).append(index)
    # Each salesperson sells a skewed mix: the company's weights, reshuffled a little.
    product_weights = [p.weight for p in products]
    mean_lines = sum(n * w for n, w in zip(LINES_PER_ORDER, LINES_WEIGHTS, strict=True)) / sum(
        LINES_WEIGHTS
    )
    orders_wanted = order_lines / mean_lines
    months = list(_months())
    weights = [SEASON[m.month] * (1.1 ** ((m - FIRST_DAY).days / 365)) for m in months]
    weight_total = sum(weights)

    writer = _PartWriter(out)
    pending_returns: dict[date, list[list[list[str]]]] = {}
    orders = lines_written = 0
    for month, weight in zip(months, weights, strict=True):
        next_month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        days = (next_month - month).days
        count = round(orders_wanted * weight / weight_total)
        day_offsets = sorted(rng.randrange(days) for _ in range(count))
        for sequence, offset in enumerate(day_offsets, start=1):
            day = month + timedelta(days=offset)
            customer = customers[
                bisect.bisect_left(customer_cumulative, rng.random() * customer_cumulative[-1])
            ]
            seller = customer.seller
            external_id = f"B{month:%Y%m}-{sequence:07d}"
            status = "won"
            draw = rng.random()
            if draw < CANCELLED_SHARE:
                status = "cancelled"
            n_lines = rng.choices(LINES_PER_ORDER, LINES_WEIGHTS)[0]
            chosen: list[Product] = []
            while len(chosen) < n_lines:
                product = rng.choices(products, product_weights)[0]
                if product not in chosen:
                    chosen.append(product)
            credits = [(numbers[seller], "")]
            if rng.random() < SPLIT_SHARE:
                team = team_members[company.people[seller]["team"]]
                other = rng.choice(team)
                if other != seller:
                    percent = rng.choice((50, 60, 70))
                    credits = [
                        (numbers[seller], str(percent)),
                        (numbers[other], str(100 - percent)),
                    ]
            common = [customer.code, f"Customer {customer.code}"]
            rows, lines = [], []
            for product in chosen:
                quantity = max(1, round(rng.lognormvariate(1.0, 0.8)))
                amount = round(quantity * product.price * rng.uniform(0.8, 1.05) * 100)
                cost = round(amount * (1 - product.margin))
                lines.append((product.code, quantity, amount, cost))
                rows.append(
                    [
                        external_id,
                        day.isoformat(),
                        *common,
                        credits[0][0],
                        credits[0][1],
                        product.code,
                        str(quantity),
                        _money(amount),
                        _money(cost),
                        customer.province,
                        customer.segment,
                        status,
                        "",
                    ]
                )
            for second, share in credits[1:]:
                rows.append(
                    [
                        external_id,
                        day.isoformat(),
                        *common,
                        second,
                        share,
                        *NO_LINE,
                        customer.province,
                        customer.segment,
                        status,
                        "",
                    ]
                )
            writer.write_order(rows)
            orders += 1
            lines_written += len(lines)
            if status == "won" and CANCELLED_SHARE <= draw < CANCELLED_SHARE + RETURN_SHARE:
                returned_on = day + timedelta(days=rng.randint(1, 40))
                if returned_on <= LAST_DAY:
                    code, quantity, amount, cost = rng.choice(lines)
                    back = max(1, quantity // 2)
                    return_rows = [
                        [
                            f"{external_id}-R",
                            returned_on.isoformat(),
                            *common,
                            first_seller,
                            share,
                            code,
                            str(-back),
                            _money(-amount * back // quantity),
                            _money(-cost * back // quantity),
                            customer.province,
                            customer.segment,
                            "returned",
                            external_id,
                        ]
                        for first_seller, share in credits[:1]
                    ]
                    return_rows += [
                        [
                            f"{external_id}-R",
                            returned_on.isoformat(),
                            *common,
                            second,
                            share,
                            *NO_LINE,
                            customer.province,
                            customer.segment,
                            "returned",
                            external_id,
                        ]
                        for second, share in credits[1:]
                    ]
                    pending_returns.setdefault(returned_on.replace(day=1), []).append(return_rows)
        # Returns dated this month come after the month's orders (their originals are earlier).
        for return_rows in pending_returns.pop(month, []):
            writer.write_order(return_rows)
            orders += 1
            lines_written += 1
    writer.close()
    manifest = Manifest(
        size=size,
        salespeople=salespeople,
        order_lines=lines_written,
        csv_rows=writer.total_rows,
        orders=orders,
        parts=writer.parts,
        first_day=FIRST_DAY.isoformat(),
        last_day=LAST_DAY.isoformat(),
    )
    (out / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", choices=list(SIZES), default="S")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    out = options.out or Path(__file__).resolve().parent.parent / "var" / "bench" / options.size
    manifest = generate(options.size, out, seed=options.seed)
    print(
        f"{manifest.size}: {manifest.salespeople} salespeople, {manifest.orders} orders, "
        f"{manifest.order_lines} lines, {manifest.csv_rows} CSV rows in {len(manifest.parts)} files → {out}"
    )


if __name__ == "__main__":
    main()
