"""The benchmark's generator, results file and checks, on a tiny company in the test database."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bench import generate, results, run


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> tuple[Path, generate.Manifest]:
    folder = tmp_path_factory.mktemp("bench")
    return folder, generate.generate("XS", folder)


def rows_of(folder: Path, manifest: generate.Manifest) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for name in manifest.parts:
        with (folder / name).open(encoding="utf-8") as stream:
            rows.extend(csv.DictReader(stream))
    return rows


def test_the_generated_files_use_the_import_headers_and_hold_the_promised_lines(company):
    folder, manifest = company
    rows = rows_of(folder, manifest)

    with (folder / manifest.parts[0]).open(encoding="utf-8") as stream:
        assert next(csv.reader(stream)) == generate.HEADER
    assert len(rows) == manifest.csv_rows
    lines = [row for row in rows if row["Product line"]]
    assert len(lines) == manifest.order_lines
    assert 0.9 * 5_000 <= manifest.order_lines <= 1.1 * 5_000


def test_the_generated_company_is_skewed_like_a_real_one(company):
    folder, manifest = company
    rows = [row for row in rows_of(folder, manifest) if row["Product line"]]
    company_data = json.loads((folder / "company.json").read_text(encoding="utf-8"))

    mix = Counter(row["Product line"] for row in rows).most_common()
    assert mix[0][1] > 3 * mix[-1][1], "a few product lines make most of the lines"
    team_of = {person["number"]: person["team"] for person in company_data["people"]}
    region_of_team = {
        team["code"]: next(
            d["region"] for d in company_data["departments"] if d["code"] == team["department"]
        )
        for team in company_data["teams"]
    }
    at_home = sum(
        1
        for row in rows
        if row["Region"].startswith(
            region_of_team[team_of[row["Salesperson"]]].replace("RG", "PV") + "-"
        )
    )
    assert at_home > 0.7 * len(rows), "salespeople sell mostly in their region"
    statuses = Counter(row["Status"] for row in rows)
    assert statuses["returned"] and statuses["cancelled"]
    split = {row["Order ID"] for row in rows_of(folder, manifest) if not row["Product line"]}
    assert split, "some orders are split between two salespeople"


def test_the_same_seed_generates_the_same_files(company, tmp_path):
    folder, manifest = company
    again = generate.generate("XS", tmp_path)

    assert again == manifest
    for name in manifest.parts:
        assert (tmp_path / name).read_bytes() == (folder / name).read_bytes()


def test_results_replace_the_same_operation_and_keep_the_others(tmp_path):
    results.record(
        "S",
        [results.Result.measured(operation="a", database="sqlite", rows=10, seconds=2.0)],
        tmp_path,
    )
    results.record(
        "S",
        [results.Result.measured(operation="later step", database="sqlite", rows=5, seconds=1.0)],
        tmp_path,
    )
    results.record(
        "S",
        [
            results.Result.measured(
                operation="a", database="sqlite", rows=10, seconds=1.0, reference_seconds=0.5
            )
        ],
        tmp_path,
    )

    entries = results.load("S", tmp_path)
    assert {entry["operation"] for entry in entries} == {"a", "later step"}
    (a,) = [entry for entry in entries if entry["operation"] == "a"]
    assert a == {
        "operation": "a",
        "database": "sqlite",
        "rows": 10,
        "seconds": 1.0,
        "reference_seconds": 0.5,
        "ratio": 2.0,
    }


@pytest.mark.django_db
def test_the_imported_company_has_the_same_actuals_in_salesalign_and_duckdb(company, tmp_path):
    folder, manifest = company
    company_data = json.loads((folder / "company.json").read_text(encoding="utf-8"))
    user = run.load_company(company_data)
    rows, _seconds = run.import_parts(folder, manifest.parts, user)
    assert rows == manifest.csv_rows

    from salesalign.organization.models import OrgUnit, Person

    facts, tree = run.export_parquet(tmp_path)
    units = list(OrgUnit.objects.values_list("pk", flat=True))
    people = list(Person.objects.values_list("pk", flat=True))
    for _name, period in run.periods_measured(date.fromisoformat(manifest.last_day)):
        ours = run.numbers_of(run.salesalign_actuals(user, period, units, people), period)
        reference = run.duckdb_numbers(facts, tree, period)
        run.compare(period.key, ours, reference)
        assert ours

    wrong = dict(ours)
    key = next(iter(wrong))
    wrong[key] += 1
    with pytest.raises(run.BenchmarkFailed):
        run.compare("year", wrong, reference)


@pytest.mark.django_db
def test_the_closed_quarter_has_the_same_attainments_in_salesalign_and_duckdb(company, tmp_path):
    folder, manifest = company
    user = run.load_company(json.loads((folder / "company.json").read_text(encoding="utf-8")))
    run.import_parts(folder, manifest.parts, user)
    facts, _tree = run.export_parquet(tmp_path)

    from bench import close

    quarter = close.last_quarter(date.fromisoformat(manifest.last_day))
    plan = close.approved_plan(user, quarter.fiscal_year, Decimal("3000000"))
    close.salespeople_template(user)
    period, written, _seconds = close.close_period(user, quarter)
    ours = close.salesalign_attainments(period)
    reference = close.duckdb_attainments(
        facts, close.export_targets(tmp_path, plan, quarter), quarter
    )

    assert period.status == "closed"
    assert written > len(ours) > 0, "every salesperson, and the teams and departments"
    close.compare_attainments(ours, reference)
    assert sum(value is not None for value in ours.values()) == len(ours)
    person, attainment = next(iter(ours.items()))
    assert attainment is not None
    with pytest.raises(close.CloseMismatch):
        close.compare_attainments({**ours, person: attainment + Decimal("0.01")}, reference)
    # The attainments read without the close's writes are the same numbers.
    read = close.read_attainments(period)
    assert read == ours
    close.compare_attainments(read, reference)
