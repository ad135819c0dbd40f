"""The `close_period` operation: closing the last quarter of the history for the whole company.

Untimed setup: an approved revenue plan for the last year of the history
(company → departments → teams → salespeople by history, every target phased
into months, through the targets services, then sent for negotiation and
approved) and a scorecard template for salespeople (revenue 60 %, new
customers 40 %), saved through the performance services.

Timed: `periods.period_open` and `periods.period_close` of that quarter (today
= the day after it ends) — whatever the close computes: every scorecard, KPI,
score, rating and rank, every bonus statement and its lines, written.

Timed too, as `close_period, attainments read`: only what the reference computes
— each salesperson's revenue target and actual of the quarter read as the close
reads them, and their attainment — without scoring, explaining or writing, so
that the ratio to DuckDB is of the same work.

The reference: DuckDB over Parquet — the people's targets of the quarter
(TargetPeriod rows of the plan's person targets, exported here) joined with
their revenue of the quarter from the facts — computes each person's revenue
attainment; the check: SalesAlign's stored attainment equals DuckDB's for every
person.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

#: The bench's scorecard template for salespeople (found again in a reused database).
TEMPLATE_NAME = "基准销售计分卡"
PLAN_NAME = "Bench commission"
TEMPLATE_LINES = [
    {"kpi": "revenue", "weight": "60", "rule": {"kind": "linear", "floor": "0", "cap": "120"}},
    {
        "kpi": "new_customers",
        "weight": "40",
        "rule": {"kind": "linear", "floor": "0", "cap": "150", "target": "3"},
    },
]

Attainments = dict[int, Decimal | None]


class CloseMismatch(Exception):
    """SalesAlign's attainments after the close are not DuckDB's (or nothing was closed)."""


@dataclass(frozen=True)
class Quarter:
    """The fiscal quarter the history ends in."""

    fiscal_year: int
    number: int
    start: date
    end: date
    months: list[int]


def last_quarter(last_day: date) -> Quarter:
    """The fiscal quarter (with the configured fiscal year start) that holds `last_day`."""
    from django.conf import settings

    from salesalign.engines.periods import months_of, quarter_period

    start_month = settings.FISCAL_YEAR_START_MONTH
    fiscal_year = last_day.year if last_day.month >= start_month else last_day.year - 1
    number = (last_day.month - start_month) % 12 // 3 + 1
    period = quarter_period(fiscal_year, number, start_month)
    return Quarter(fiscal_year, number, period.start, period.end, months_of(period))


def approved_plan(user: Any, fiscal_year: int, value: Decimal) -> Any:
    """A revenue plan of `value` yuan for the year, allocated down to every salesperson by
    history (no product-line split) and approved, through the targets services."""
    from salesalign.targets.models import Target
    from salesalign.targets.services import allocation, plans

    plan = plans.plan_create(actor=user, fiscal_year=fiscal_year)
    root = plans.company_target_set(actor=user, plan=plan, metric="revenue", value=value)
    allocation.allocation_apply(
        actor=user, plan=plan, parent=root, axes=["child"], method="history"
    )
    parents = [root]
    for _level in ("departments", "teams"):
        parents = list(
            Target.objects.filter(parent__in=parents).only("pk", "amount").order_by("slice_key")
        )
        allocation.allocation_apply_many(
            actor=user, plan=plan, parents=parents, axes=["child"], method="history"
        )
    plans.plan_submit_for_negotiation(actor=user, plan=plan)
    return plans.plan_approve(actor=user, plan=plan)


def salespeople_template(user: Any) -> Any:
    """The bench's template for salespeople (its lines saved again when it is there already)."""
    from salesalign.core.choices import Role
    from salesalign.performance.models import ScorecardTemplate
    from salesalign.performance.services.scorecards import template_save

    return template_save(
        actor=user,
        name=TEMPLATE_NAME,
        name_en="Bench salespeople",
        role=Role.SALESPERSON,
        lines=TEMPLATE_LINES,
        template=ScorecardTemplate.objects.filter(name=TEMPLATE_NAME).first(),
    )


def commission_plan(user: Any, valid_from: date) -> Any:
    """The salespeople's commission plan (the demo's: marginal tiers, a cap, a satisfaction
    gate, a quarterly team bonus), so that the close writes every statement too."""
    from salesalign.core.choices import Role
    from salesalign.performance.demo_statements import DEFINITION
    from salesalign.performance.models import IncentivePlan
    from salesalign.performance.services.statements import plan_save

    existing = IncentivePlan.objects.filter(name=PLAN_NAME).first()
    if existing is not None:
        return existing
    return plan_save(
        actor=user,
        name=PLAN_NAME,
        name_en=PLAN_NAME,
        role=Role.SALESPERSON,
        definition=DEFINITION,
        valid_from=valid_from,
    )


def close_period(user: Any, quarter: Quarter) -> tuple[Any, int, float]:
    """Open and close the quarter (timed); (the closed period, scorecards written, seconds)."""
    from salesalign.performance.choices import PeriodKind
    from salesalign.performance.models import Scorecard, Statement
    from salesalign.performance.services import periods

    started = time.perf_counter()
    period = periods.period_open(
        actor=user,
        kind=PeriodKind.QUARTERLY,
        fiscal_year=quarter.fiscal_year,
        number=quarter.number,
    )
    period = periods.period_close(actor=user, period=period, today=quarter.end + timedelta(1))
    seconds = time.perf_counter() - started
    written = Scorecard.objects.filter(period=period, version=period.version).count()
    statements = Statement.objects.filter(period=period, version=period.version).count()
    print(f"close_period: {written:,} scorecards and {statements:,} statements written")
    return period, written, seconds


def export_targets(folder: Path, plan: Any, quarter: Quarter) -> Path:
    """The people's revenue targets of the plan in the quarter's months, as Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from salesalign.targets.models import TargetPeriod

    rows = list(
        TargetPeriod.objects.filter(
            target__plan=plan,
            target__metric="revenue",
            target__person__isnull=False,
            target__product_line__isnull=True,
            target__region__isnull=True,
            target__segment__isnull=True,
            month__gte=min(quarter.months),
            month__lte=max(quarter.months),
        )
        .order_by()
        .values_list("target__person_id", "month", "amount")
    )
    path = folder / "person_targets.parquet"
    pq.write_table(
        pa.table(
            {
                "person_id": pa.array([row[0] for row in rows], type=pa.int64()),
                "month": pa.array([row[1] for row in rows], type=pa.int32()),
                "amount": pa.array([row[2] for row in rows], type=pa.int64()),
            }
        ),
        path,
    )
    return path


# Attainment in hundredths of a percent, rounded half away from zero, in integers:
# sign(a) × ⌊(2·|a|·10,000 + t) / 2t⌋ for actual a and target t (both cents); none when t ≤ 0.
REFERENCE_SQL = """
WITH targets AS (
    SELECT person_id, SUM(amount) AS target
    FROM read_parquet('{targets}')
    GROUP BY person_id
), actuals AS (
    SELECT person_id, SUM(revenue_cents) AS actual
    FROM read_parquet('{facts}')
    WHERE month BETWEEN {first} AND {last}
    GROUP BY person_id
)
SELECT targets.person_id,
       CASE WHEN targets.target > 0 THEN
           sign(COALESCE(actuals.actual, 0))
           * ((abs(COALESCE(actuals.actual, 0)) * 20000 + targets.target) // (2 * targets.target))
       END
FROM targets LEFT JOIN actuals USING (person_id)
"""


def duckdb_attainments(facts: Path, targets: Path, quarter: Quarter) -> Attainments:
    """Each person's revenue attainment of the quarter (percent to 0.01), by DuckDB."""
    import duckdb

    sql = REFERENCE_SQL.format(
        facts=facts, targets=targets, first=min(quarter.months), last=max(quarter.months)
    )
    with duckdb.connect() as connection:
        rows = connection.execute(sql).fetchall()
    return {
        int(person): None if hundredths is None else Decimal(int(hundredths)).scaleb(-2)
        for person, hundredths in rows
    }


def salesalign_attainments(period: Any) -> Attainments:
    """Each person's stored revenue attainment in the period's current version."""
    from salesalign.performance.models import ScorecardKpi

    return dict(
        ScorecardKpi.objects.filter(
            scorecard__period=period,
            scorecard__version=period.version,
            scorecard__person__isnull=False,
            kpi__key="revenue",
        ).values_list("scorecard__person_id", "attainment")
    )


def read_attainments(period: Any) -> Attainments:
    """Each salesperson's revenue attainment of the period as the close reads it, without
    writing or explaining anything: the reference's work done by SalesAlign (its targets
    of the approved plan and its actuals of the sales, as `scorecards_compute` reads them),
    for the `close_period, attainments read` operation."""
    from salesalign.engines.scoring import round_half_away_from_zero
    from salesalign.performance.services.period_actuals import PeriodActuals
    from salesalign.performance.services.scorecards import period_targets

    person_targets, _units = period_targets(period, {"revenue"})
    reading = PeriodActuals(period)
    reading.read(["revenue"])
    actuals = reading.of_people("revenue", person_targets)
    found: Attainments = {}
    for person_id, targets in person_targets.items():
        target = targets.get("revenue")
        if target is None:
            continue
        actual = actuals[person_id] or Decimal(0)
        target_cents, actual_cents = int(target * 100), int(actual * 100)
        found[person_id] = (
            Decimal(round_half_away_from_zero(actual_cents * 10_000, target_cents)).scaleb(-2)
            if target_cents > 0
            else None
        )
    return found


def compare_attainments(ours: Attainments, reference: Attainments) -> None:
    """Fail unless every person's attainment is DuckDB's (none where DuckDB has no target)."""
    if not ours:
        raise CloseMismatch("the close wrote no salesperson's revenue KPI")
    if not any(value is not None for value in reference.values()):
        raise CloseMismatch("the reference found no person with a target")
    without_card = sorted(set(reference) - set(ours))
    different = sorted(
        (
            (person, ours[person], reference.get(person))
            for person in ours
            if ours[person] != reference.get(person)
        ),
        key=lambda row: row[0],
    )
    if without_card or different:
        raise CloseMismatch(
            f"{len(different)} people's revenue attainments differ from DuckDB's "
            f"(person, SalesAlign, DuckDB): {different[:5]}; "
            f"{len(without_card)} people with a target have no card: {without_card[:5]}"
        )
