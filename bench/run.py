"""Run the benchmark: `make bench SIZE=S` (or `python bench/run.py --size S`).

On a database of its own — a fresh SQLite file var/bench/<SIZE>.sqlite3, or,
when DATABASE_URL names a PostgreSQL server, a fresh database
`<name>_bench_<size>` on it, created here and dropped at the end — it:

1. generates the company (bench/generate.py) unless var/bench/<SIZE>/ holds it,
   loads its organisation and dimensions (not timed);
2. imports the order CSV files through the real import path — the sales
   import's parsing (`importing.build_plan`) and its commit
   (`importing.commit_plan` → `services.orders_upsert`) — and reports rows/s;
3. asks the actuals selector (`selectors.actuals.actuals`) for every person
   and every unit (with its subtree) for one month, one quarter and one year,
   split by product line;
4. exports the facts to Parquet and runs the same aggregation in DuckDB (a
   hand-written GROUP BY month, unit, person, product line, rolled up the
   unit tree) as the reference, and CHECKS that every number of SalesAlign
   equals DuckDB's — a mismatch stops the run with an error.

It prints a table and merges its results into var/bench/<SIZE>.json (see
bench/results.py). Timings are the best of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
import warnings
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate as generator  # noqa: E402
from bench.results import RESULTS_DIR, Result, record, table  # noqa: E402

SOURCE = "bench"


class BenchmarkFailed(Exception):
    """The numbers of SalesAlign and of the reference differ (or the import failed)."""


# --- the benchmark's own database ---------------------------------------------------------


def _bench_database(
    size: str, database_url: str, *, keep: bool = False, reuse: bool = False
) -> tuple[str, str, Callable[[], None]]:
    """(kind, URL of a fresh database for this run, how to drop it afterwards).

    Runs before Django is set up: nothing here may touch Django's settings or
    connections, or they would be configured for the application's database.
    """
    if not database_url or database_url.startswith("sqlite"):
        path = RESULTS_DIR / f"{size}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        files = [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm")]
        if reuse:
            if not path.exists():
                raise BenchmarkFailed(f"no kept database at {path}: run once with --keep-database")
        else:
            for file in files:
                file.unlink(missing_ok=True)

        def remove() -> None:
            from django.db import connections

            connections.close_all()
            for file in files:
                file.unlink(missing_ok=True)

        return "sqlite", f"sqlite:///{path}", (lambda: None) if keep else remove

    import psycopg

    parts = urlsplit(database_url)
    base = parts.path.lstrip("/") or "salesalign"
    name = f"{base}_bench_{size.lower()}"
    server = urlunsplit(parts._replace(path="/postgres"))

    def admin(statement: str) -> None:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(statement)

    if not reuse:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    url = urlunsplit(parts._replace(path=f"/{name}"))
    return "postgresql", url, (lambda: None) if keep else drop


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The benchmark's database is thrown away: any key will do.
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    if "django.conf" in sys.modules:
        from django.conf import settings

        if settings.configured:
            raise BenchmarkFailed("Django was set up before the benchmark chose its database.")
    import django

    django.setup()
    from django.conf import settings

    # Never the demo's or the application's database: only the one made for this run.
    wanted = urlsplit(url).path
    actual = str(settings.DATABASES["default"]["NAME"])
    if not (wanted.endswith(actual) or actual.endswith(wanted.lstrip("/"))):
        raise BenchmarkFailed(f"the benchmark would run on {actual}, not on {wanted}")


# --- loading the company ------------------------------------------------------------------


def load_company(company: dict[str, Any]) -> Any:
    """The org tree, salespeople and dimensions of a generated company; the user who asks."""
    from salesalign.core.choices import Role
    from salesalign.core.models import User
    from salesalign.organization.choices import UnitKind
    from salesalign.organization.models import (
        CustomerSegment,
        OrgUnit,
        Person,
        ProductLine,
        Region,
    )

    # Tree paths are laid out here and written in bulk (thousands of teams at size L).
    path_of = OrgUnit._get_path  # treebeard: (parent path, depth, position) → path
    teams_of: dict[str, list[dict[str, str]]] = {}
    for team in company["teams"]:
        teams_of.setdefault(team["department"], []).append(team)
    root_path = path_of(None, 1, 1)
    units = [
        OrgUnit(
            code="BENCH",
            name="基准公司",
            name_en="Benchmark Co",
            kind=UnitKind.COMPANY,
            path=root_path,
            depth=1,
            numchild=len(company["departments"]),
        )
    ]
    for d, department in enumerate(company["departments"], start=1):
        department_path = path_of(root_path, 2, d)
        children = teams_of.get(department["code"], [])
        units.append(
            OrgUnit(
                code=department["code"],
                name=f"部门 {department['code']}",
                name_en=f"Department {department['code']}",
                kind=UnitKind.DEPARTMENT,
                path=department_path,
                depth=2,
                numchild=len(children),
            )
        )
        for t, team in enumerate(children, start=1):
            units.append(
                OrgUnit(
                    code=team["code"],
                    name=f"团队 {team['code']}",
                    name_en=f"Team {team['code']}",
                    kind=UnitKind.TEAM,
                    path=path_of(department_path, 3, t),
                    depth=3,
                    numchild=0,
                )
            )
    OrgUnit.objects.bulk_create(units, batch_size=1000)
    unit_ids = dict(OrgUnit.objects.values_list("code", "pk"))
    Person.objects.bulk_create(
        [
            Person(
                employee_number=person["number"],
                name=f"销售 {person['number']}",
                name_en=f"Seller {person['number']}",
                unit_id=unit_ids[person["team"]],
                role=Role.SALESPERSON,
                hire_date=date(2020, 1, 1),
            )
            for person in company["people"]
        ],
        batch_size=1000,
    )

    def add(model: Any, parent: Any, code: str) -> Any:
        values = {"code": code, "name": code, "name_en": code}
        if parent is None:
            return model.objects.add_root(values)
        node = model.objects.add_child(parent, values)
        parent.refresh_from_db()
        return node

    china = add(Region, None, "CN")
    for region in company["regions"]:
        node = add(Region, china, region["code"])
        for province in region["provinces"]:
            add(Region, node, province)
    for code in company["segments"]:
        add(CustomerSegment, None, code)
    for family in company["product_lines"]:
        node = add(ProductLine, None, family["code"])
        for child in family["children"]:
            add(ProductLine, node, child)
    user, _created = User.objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True}
    )
    return user


# --- the measurements ---------------------------------------------------------------------


def _best(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, answer = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = work()
        best = min(best, time.perf_counter() - started)
    return best, answer


def import_parts(folder: Path, parts: list[str], user: Any) -> tuple[int, float]:
    """Import every CSV part through the import's parsing and commit; (rows, seconds)."""
    from salesalign.core.models import ImportBatch
    from salesalign.sales import importing

    rows = 0
    seconds = 0.0
    cpu_started = time.process_time()
    for name in parts:
        content = (folder / name).read_bytes()
        batch = ImportBatch.objects.create(
            kind=importing.KIND_ORDERS, file_name=name, source=SOURCE, created_by=user
        )
        started = time.perf_counter()
        plan = importing.build_plan(content, file_name=name)
        if plan.errors:
            shown = "; ".join(
                f"row {error.row}: {error.column}: {error.reason}" for error in plan.errors[:5]
            )
            raise BenchmarkFailed(f"{name}: {len(plan.errors)} errors: {shown}")
        importing.commit_plan(plan, actor=user, source=SOURCE, import_batch=batch)
        seconds += time.perf_counter() - started
        rows += plan.data_rows
    cpu = time.process_time() - cpu_started
    # On a busy machine the wall clock also counts waiting for a CPU; show what was computed.
    print(f"import: {rows:,} rows in {seconds:.1f} s ({cpu:.1f} s of this process's CPU time)")
    return rows, seconds


def periods_measured(last_day: date) -> list[tuple[str, Any]]:
    """The month, quarter and year that end with the generated history."""
    from salesalign.engines.periods import month_period, quarter_period, year_period

    quarter = (last_day.month - 1) // 3 + 1
    return [
        ("month", month_period(last_day.year, last_day.month)),
        ("quarter", quarter_period(last_day.year, quarter)),
        ("year", year_period(last_day.year)),
    ]


Numbers = dict[tuple[str, int, int | None], int]


def salesalign_actuals(user: Any, period: Any, unit_ids: list[int], person_ids: list[int]) -> Any:
    from salesalign.sales.selectors.actuals import actuals

    return actuals(
        user=user,
        metric="revenue",
        periods=[period],
        units=unit_ids,
        people=person_ids,
        include_subtree=True,
        split_by=["product_line"],
    )


def numbers_of(result: Any, period: Any) -> Numbers:
    """(unit|person, id, product line) → revenue cents, from an actuals result."""
    numbers: Numbers = {}
    for (subject, period_key, split), tally in result.actuals.tallies.items():
        if period_key != period.key or not split or subject.within is not None:
            continue
        if tally.total:
            numbers[(str(subject.kind), subject.id, split[0])] = tally.total
    return numbers


def export_parquet(folder: Path) -> tuple[Path, Path]:
    """SalesFact and the unit tree (each unit with its ancestors, itself included) as Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from django.db import connection

    from salesalign.organization.models import OrgUnit
    from salesalign.sales.models import SalesFact

    facts_path = folder / "facts.parquet"
    columns = ["month", "unit_id", "person_id", "product_line_id", "revenue_cents", "cost_cents"]
    schema = pa.schema(
        [
            ("month", pa.int32()),
            ("unit_id", pa.int64()),
            ("person_id", pa.int64()),
            ("product_line_id", pa.int64()),
            ("revenue_cents", pa.int64()),
            ("cost_cents", pa.int64()),
        ]
    )
    table_name = SalesFact._meta.db_table
    with pq.ParquetWriter(facts_path, schema) as writer, connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table_name}")
        while rows := cursor.fetchmany(500_000):
            writer.write_table(
                pa.Table.from_arrays(
                    [
                        pa.array([row[i] for row in rows], type=schema.field(i).type)
                        for i in range(6)
                    ],
                    schema=schema,
                )
            )
    paths = dict(OrgUnit.objects.values_list("pk", "path"))
    by_path = {path: pk for pk, path in paths.items()}
    steplen = OrgUnit.steplen
    pairs = [
        (pk, by_path[path[:end]])
        for pk, path in paths.items()
        for end in range(steplen, len(path) + 1, steplen)
    ]
    tree_path = folder / "unit_ancestors.parquet"
    pq.write_table(
        pa.table(
            {
                "unit_id": pa.array([pair[0] for pair in pairs], type=pa.int64()),
                "ancestor_id": pa.array([pair[1] for pair in pairs], type=pa.int64()),
            }
        ),
        tree_path,
    )
    return facts_path, tree_path


REFERENCE_SQL = """
WITH cells AS (
    SELECT month, unit_id, person_id, product_line_id, SUM(revenue_cents) AS revenue
    FROM read_parquet('{facts}')
    WHERE month BETWEEN {first} AND {last}
    GROUP BY month, unit_id, person_id, product_line_id
)
SELECT 'unit' AS kind, tree.ancestor_id AS id, cells.product_line_id, SUM(cells.revenue)
FROM cells JOIN read_parquet('{tree}') AS tree ON tree.unit_id = cells.unit_id
GROUP BY tree.ancestor_id, cells.product_line_id
UNION ALL
SELECT 'person', person_id, product_line_id, SUM(revenue)
FROM cells
GROUP BY person_id, product_line_id
"""


def duckdb_numbers(facts: Path, tree: Path, period: Any) -> Numbers:
    import duckdb

    from salesalign.engines.periods import months_of

    months = months_of(period)
    sql = REFERENCE_SQL.format(facts=facts, tree=tree, first=min(months), last=max(months))
    with duckdb.connect() as connection:
        rows = connection.execute(sql).fetchall()
    return {(kind, int(pk), int(line)): int(total) for kind, pk, line, total in rows if total}


def compare(name: str, ours: Numbers, reference: Numbers) -> None:
    """Fail loudly when SalesAlign's numbers are not DuckDB's."""
    if not reference:
        raise BenchmarkFailed(f"{name}: the reference found no sales at all")
    if ours == reference:
        return
    missing = sorted(set(reference) - set(ours))[:5]
    extra = sorted(set(ours) - set(reference))[:5]
    wrong = sorted(key for key in set(ours) & set(reference) if ours[key] != reference[key])[:5]
    raise BenchmarkFailed(
        f"{name}: SalesAlign's actuals differ from DuckDB's — missing {missing}, "
        f"extra {extra}, different {[(key, ours[key], reference[key]) for key in wrong]}"
    )


def measure(
    size: str,
    database: str,
    folder: Path,
    manifest: dict[str, Any],
    repeat: int,
    *,
    reuse: bool = False,
) -> list[Result]:
    from salesalign.core.models import User
    from salesalign.organization.models import OrgUnit, Person
    from salesalign.performance.models import EvaluationPeriod
    from salesalign.sales.models import SalesFact
    from salesalign.targets.models import TargetPlan

    results = []
    if reuse:
        # A kept database: the company and its orders are there; measure the rest again.
        user = User.objects.get(username="bench")
        # The periods (with their scorecards) and plans of earlier runs, without an audit
        # entry for each of 50,000 targets (at L that took minutes).
        from auditlog.context import disable_auditlog

        with disable_auditlog():
            EvaluationPeriod.objects.all().delete()
            TargetPlan.objects.all().delete()
        facts_count = SalesFact.objects.count()
        print(f"reusing the kept database: {facts_count:,} facts, import not measured")
    else:
        company = json.loads((folder / "company.json").read_text(encoding="utf-8"))
        user = load_company(company)
        rows, seconds = import_parts(folder, manifest["parts"], user)
        results.append(
            Result.measured(
                operation="import orders from CSV", database=database, rows=rows, seconds=seconds
            )
        )
        facts_count = SalesFact.objects.count()
        expected_lines = manifest["order_lines"]
        print(
            f"imported {rows:,} CSV rows ({expected_lines:,} order lines) → {facts_count:,} facts"
        )

    facts, tree = export_parquet(folder)
    unit_ids = list(OrgUnit.objects.values_list("pk", flat=True))
    person_ids = list(Person.objects.values_list("pk", flat=True))
    last_day = date.fromisoformat(manifest["last_day"])
    for name, period in periods_measured(last_day):
        from salesalign.engines.periods import months_of

        months = months_of(period)
        in_period = SalesFact.objects.filter(month__gte=min(months), month__lte=max(months)).count()
        seconds, answer = _best(
            repeat, functools.partial(salesalign_actuals, user, period, unit_ids, person_ids)
        )
        reference_seconds, reference = _best(
            repeat, functools.partial(duckdb_numbers, facts, tree, period)
        )
        compare(f"{name} {period.key}", numbers_of(answer, period), reference)
        results.append(
            Result.measured(
                operation=f"actuals by product line, all people and units, one {name}",
                database=database,
                rows=in_period,
                seconds=seconds,
                reference_seconds=reference_seconds,
            )
        )
    results.append(measure_allocation(database, user, last_day))
    results += measure_cascade_editor(database, user, repeat)
    results += measure_close(database, user, last_day, repeat, facts=facts)
    return results


def measure_allocation(database: str, user: Any, last_day: date) -> Result:
    """`allocate_year`: the year after the history, company to every salesperson (checked)."""
    from bench.allocation import AllocationMismatch, allocate_year
    from salesalign.engines.periods import year_period
    from salesalign.organization.models import OrgUnit
    from salesalign.sales.selectors.actuals import actuals

    last_year = year_period(last_day.year)
    company = OrgUnit.objects.get_root_nodes().get()
    revenue = actuals(user=user, metric="revenue", periods=[last_year], units=[company]).value(
        unit=company, period=last_year
    )
    if not revenue:
        raise BenchmarkFailed(f"allocate_year: no revenue in {last_year.key} to plan from")
    try:
        written, seconds = allocate_year(user, last_day.year + 1, revenue)
    except AllocationMismatch as error:
        raise BenchmarkFailed(f"allocate_year: {error}") from error
    return Result.measured(
        operation="allocate_year", database=database, rows=written, seconds=seconds
    )


def measure_cascade_editor(database: str, user: Any, repeat: int) -> list[Result]:
    """The cascade editor on the allocated year: the page for the largest department and
    for its largest team, and one edited cell of that team (htmx: written, block rendered).

    Through Django's test client, so middleware, the view, the selectors and the template
    all count; each must answer 200 with every row of its tree.
    """
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from salesalign.targets.models import Target, TargetPlan

    # The pages are served without collectstatic here; whitenoise says so once. Not news.
    warnings.filterwarnings("ignore", message="No directory at")
    plan = TargetPlan.objects.latest("pk")
    root = Target.objects.get(plan=plan, parent=None, metric="revenue")

    def largest(parent: Any) -> Any:
        return (
            Target.objects.filter(parent=parent)
            .annotate(children_count=Count("children"))
            .order_by("-children_count", "pk")
            .first()
        )

    department = largest(root)
    team = largest(department)
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    url = reverse("targets:cascade", args=[plan.pk])
    results = []
    for name, target in (("department", department), ("team", team)):
        below = Target.objects.filter(plan=plan, parent=target).count()

        def page(target: Any = target, name: str = name) -> Any:
            response = client.get(url, {"root": target.pk, "view": "months"})
            if response.status_code != 200:
                raise BenchmarkFailed(f"cascade editor ({name}): HTTP {response.status_code}")
            return response

        seconds, response = _best(repeat, page)
        with CaptureQueriesContext(connection) as queries:
            page()
        rows = response.content.count(b"data-target=")
        print(f"cascade editor, {name}: {below} children, {len(queries)} queries")
        results.append(
            Result.measured(
                operation=f"cascade editor, one {name}",
                database=database,
                rows=rows,
                seconds=seconds,
            )
        )

    child = Target.objects.filter(parent=team).exclude(amount=None).order_by("pk").first()
    if child is None or child.amount is None:
        raise BenchmarkFailed("cascade editor edit: the team has no target below it")
    amount = Decimal(child.amount) / 100
    save_url = reverse("targets:cascade_save", args=[plan.pk])
    edits = iter(range(1, repeat + 1))

    def edit() -> Any:
        # One more yuan each time, so every edit writes.
        value = amount + next(edits)
        response = client.post(
            save_url,
            {"root": team.pk, "view": "months", f"t{child.pk}": str(value)},
            HTTP_HX_REQUEST="true",
        )
        if response.status_code != 200 or b'id="cascade-saved"' not in response.content:
            raise BenchmarkFailed(f"cascade editor edit: HTTP {response.status_code}, not saved")
        return response

    seconds, _response = _best(repeat, edit)
    results.append(
        Result.measured(
            operation="cascade editor, one team, a cell edited",
            database=database,
            rows=1,
            seconds=seconds,
        )
    )
    return results


def measure_close(
    database: str, user: Any, last_day: date, repeat: int, *, facts: Path
) -> list[Result]:
    """`close_period`: the last quarter of the history opened and closed (every scorecard
    and statement written), on an approved plan of the last year; checked and timed against
    DuckDB. And `close_period, attainments read`: the same attainments read, not written."""
    from django.conf import settings

    from bench.close import (
        CloseMismatch,
        approved_plan,
        close_period,
        commission_plan,
        compare_attainments,
        duckdb_attainments,
        export_targets,
        last_quarter,
        read_attainments,
        salesalign_attainments,
        salespeople_template,
    )
    from salesalign.engines.periods import year_period
    from salesalign.organization.models import OrgUnit
    from salesalign.sales.selectors.actuals import actuals

    quarter = last_quarter(last_day)
    # The plan of the quarter's year: the year before's revenue + 12 %, as allocate_year does.
    year_before = year_period(quarter.fiscal_year - 1, settings.FISCAL_YEAR_START_MONTH)
    company = OrgUnit.objects.get_root_nodes().get()
    revenue = actuals(user=user, metric="revenue", periods=[year_before], units=[company]).value(
        unit=company, period=year_before
    )
    if not revenue:
        raise BenchmarkFailed(f"close_period: no revenue in {year_before.key} to plan from")
    plan = approved_plan(
        user, quarter.fiscal_year, (revenue * Decimal("1.12")).quantize(Decimal(1))
    )
    salespeople_template(user)
    commission_plan(user, date(quarter.fiscal_year - 1, 1, 1))
    period, written, seconds = close_period(user, quarter)
    targets = export_targets(facts.parent, plan, quarter)
    reference_seconds, reference = _best(
        repeat, functools.partial(duckdb_attainments, facts, targets, quarter)
    )
    ours = salesalign_attainments(period)
    try:
        compare_attainments(ours, reference)
    except CloseMismatch as error:
        raise BenchmarkFailed(f"close_period {period.key}: {error}") from error
    print(
        f"close_period {period.key}: {written:,} scorecards ({len(ours):,} salespeople, "
        f"{sum(value is not None for value in ours.values()):,} revenue attainments checked "
        "against DuckDB)"
    )
    read_seconds, read = _best(repeat, functools.partial(read_attainments, period))
    try:
        compare_attainments(read, reference)
    except CloseMismatch as error:
        raise BenchmarkFailed(f"close_period, attainments read: {error}") from error
    return [
        Result.measured(
            operation="close_period",
            database=database,
            rows=written,
            seconds=seconds,
            reference_seconds=reference_seconds,
        ),
        Result.measured(
            operation="close_period, attainments read",
            database=database,
            rows=len(read),
            seconds=read_seconds,
            reference_seconds=reference_seconds,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SalesAlign benchmark")
    parser.add_argument("--size", choices=[s for s in generator.SIZES], default="S")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="A PostgreSQL server to run on (a database of its own is created there); default SQLite.",
    )
    parser.add_argument("--repeat", type=int, default=3, help="Best of this many runs (queries).")
    parser.add_argument("--regenerate", action="store_true", help="Generate the company again.")
    parser.add_argument(
        "--keep-database", action="store_true", help="Leave the benchmark's database for a look."
    )
    parser.add_argument(
        "--reuse-database",
        action="store_true",
        help="Measure again on the database a --keep-database run left (migrated, not imported).",
    )
    options = parser.parse_args(argv)

    size = options.size
    folder = RESULTS_DIR / size
    manifest_path = folder / "manifest.json"
    if options.regenerate or not manifest_path.exists():
        started = time.perf_counter()
        generator.generate(size, folder)
        print(f"generated {size} in {time.perf_counter() - started:.1f} s")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))

    reuse = options.reuse_database
    try:
        database, url, drop = _bench_database(
            size, options.database_url, keep=options.keep_database or reuse, reuse=reuse
        )
        _setup_django(url)
    except BenchmarkFailed as error:
        print(f"BENCHMARK FAILED: {error}", file=sys.stderr)
        return 1
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0, interactive=False)
        results = measure(size, database, folder, manifest, options.repeat, reuse=reuse)
    except BenchmarkFailed as error:
        print(f"BENCHMARK FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        drop()
    print()
    print(table(results))
    path = record(size, results)
    print(f"\nnumbers checked against DuckDB; results in {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
