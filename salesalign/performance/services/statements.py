"""Writes of incentive plans and bonus statements: plans, the statements of a close,
adjustments, questions and the payout export.

- `plan_save` turns a plan's `definition` JSON into an `engines.incentives.IncentivePlan`,
  checks it with `validate_plan` and stores the cleaned definition; an error names the
  field at fault (``definition.components[0].tiers[1].rate``).
- `plans_for_people` picks each person's plan: active, in force on the period's last day,
  for their role or a unit above them; the most specific wins (the deepest unit, then a
  plan for the role, then the latest start).
- `statements_compute(period)` is called by the period close, right after the scorecards:
  ONE set-based run for every person with a plan — credited order lines of the period
  (one per order and day), revenue targets of the approved target plan, gate actuals
  (one `actuals` call per measure for everyone), team measures, scorecard scores — one
  engine call, and a bulk write of the period version's statements and lines. A
  recalculation (the close of a reopened period) carries the previous version's
  adjustments onto the new statements, with their reasons and authors.
- `statement_adjust` adds an audited line with its reason; `statement_question_ask` /
  `statement_question_answer` are the thread between the person and their managers / HR,
  each side told through `notify`.
- `payout_sheet` is the XLSX sheet for payroll (HR, executives and admins).

The JSON definition (money in cents, rates and attainments in percent)::

    {"components": [{"key": "commission", "kind": "commission", "measure": "revenue",
                     "scope": "individual", "period_kind": "quarter", "mode": "marginal",
                     "tiers": [{"from": "0", "rate": "2"}, {"from": "80", "rate": "3"}],
                     "multipliers": [{"from": "120", "factor": "1.5"}],
                     "threshold": null, "cap": 5000000, "target_amount": null,
                     "clawback_rate": null,
                     "gates": [{"measure": "customer_satisfaction", "minimum": "3.5",
                                "when_missing": "passes"}]}],
     "cap": null,
     "draw": {"kind": "guarantee", "amount_per_month": 300000, "months": 3,
              "period_kind": "month", "recovery_percent": "100"}}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import chain, groupby
from operator import itemgetter
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import BigIntegerField, F, Max, Q, Sum
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from salesalign.core.bulk import db_datetime, insert_rows, json_text
from salesalign.core.choices import COMPANY_WIDE_ROLES, Metric, Role
from salesalign.core.currency import company_currency_code
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.roles import person_of, role_of
from salesalign.core.services import name_params, notify, settle_notifications
from salesalign.core.spreadsheets import Cell, Sheet
from salesalign.engines import incentives as engine
from salesalign.engines.metrics import MetricKey
from salesalign.engines.periods import PeriodKind as EnginePeriodKind
from salesalign.engines.periods import months_of
from salesalign.organization.models import OrgUnit, Person
from salesalign.performance.models import (
    EvaluationPeriod,
    IncentivePlan,
    Scorecard,
    Statement,
    StatementLine,
    StatementQuestion,
)
from salesalign.performance.selectors.access import manager_ids_of
from salesalign.performance.services.common import actor_or_none, clean_text, employed_during
from salesalign.performance.services.period_actuals import PeriodActuals

#: The line code of a manual adjustment (the engine's codes are `engine.LineCode`).
ADJUSTMENT = "adjustment"
#: The measure a bonus on the scorecard reads: the total score, against a target of 100.
SCORE = "score"
#: What components and gates may measure: the metrics with actuals, and the scorecard score.
MEASURES = frozenset({*(str(key) for key in MetricKey), SCORE})
#: Who writes incentive plans and exports the payout.
PLAN_ROLES = frozenset({Role.ADMIN, Role.HR})
PAYOUT_ROLES = COMPANY_WIDE_ROLES
#: Who answers questions and adjusts statements besides the person's managers.
REVIEWER_ROLES = frozenset({Role.ADMIN, Role.HR})
#: The largest adjustment accepted, in cents (a typo guard, not a policy).
MAX_ADJUSTMENT_CENTS = 10**12

NOTIFY_QUESTION = "performance_statement_question"
NOTIFY_ANSWER = "performance_statement_answer"
NOTIFY_ADJUSTED = "performance_statement_adjusted"
QUESTION_SUBJECT = gettext_noop("%(name)s asked a question about their statement for %(period)s.")
ANSWER_SUBJECT = gettext_noop("Your question about your statement for %(period)s was answered.")
ADJUSTED_SUBJECT = gettext_noop("Your statement for %(period)s was adjusted.")

_PERIOD_KINDS = {
    "month": EnginePeriodKind.MONTH,
    "quarter": EnginePeriodKind.QUARTER,
    "year": EnginePeriodKind.YEAR,
}
_DRAW_FIELDS = frozenset({"kind", "amount_per_month", "months", "period_kind", "recovery_percent"})


def statement_url(statement_id: int) -> str:
    """A statement's page (where notifications point)."""
    return f"/performance/statements/{statement_id}/"


# --- plan definitions ----------------------------------------------------------------------


def _field_error(field: str, message: str) -> DomainError:
    return DomainError(f"{field}: {message}", field=field)


def _decimal(value: Any, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | float | Decimal):
        raise _field_error(field, _("give a number"))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _field_error(field, _("give a number")) from None
    if not number.is_finite():
        raise _field_error(field, _("give a number"))
    return number


def _optional_decimal(data: Mapping[str, Any], name: str, field: str) -> Decimal | None:
    value = data.get(name)
    return None if value is None or value == "" else _decimal(value, f"{field}.{name}")


def _cents(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _field_error(field, _("give a whole number of cents, 0 or more"))
    return value


def _optional_cents(data: Mapping[str, Any], name: str, field: str) -> int | None:
    value = data.get(name)
    return None if value is None or value == "" else _cents(value, f"{field}.{name}")


def _choice(value: Any, choices: Iterable[str], field: str, default: str) -> str:
    text = default if value is None or value == "" else value
    allowed = list(choices)
    if text not in allowed:
        raise _field_error(field, _("choose one of: %(choices)s") % {"choices": ", ".join(allowed)})
    return str(text)


def _mapping(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _field_error(field, _("give an object"))
    return value


def _list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise _field_error(field, _("give a list"))
    return list(value)


def _component(data: Any, field: str) -> engine.Component:
    data = _mapping(data, field)
    key = data.get("key")
    if not isinstance(key, str) or not key.strip() or len(key) > 40:
        raise _field_error(f"{field}.key", _("give a short key (at most 40 characters)"))
    name_en = data.get("name_en") or ""
    if not isinstance(name_en, str) or len(name_en) > 80:
        raise _field_error(f"{field}.name_en", _("give an English name of at most 80 characters"))
    kind = _choice(data.get("kind"), [str(k) for k in engine.ComponentKind], f"{field}.kind", "")
    measure = _choice(data.get("measure"), sorted(MEASURES), f"{field}.measure", "revenue")
    if kind == engine.ComponentKind.COMMISSION and measure != "revenue":
        raise _field_error(f"{field}.measure", _("a commission is measured on revenue"))
    tiers = tuple(
        engine.Tier(
            from_attainment=_decimal(
                _mapping(tier, f"{field}.tiers[{index}]").get("from"),
                f"{field}.tiers[{index}].from",
            ),
            rate=_decimal(tier.get("rate"), f"{field}.tiers[{index}].rate"),
        )
        for index, tier in enumerate(_list(data.get("tiers"), f"{field}.tiers"))
    )
    multipliers = tuple(
        engine.Multiplier(
            from_attainment=_decimal(
                _mapping(band, f"{field}.multipliers[{index}]").get("from"),
                f"{field}.multipliers[{index}].from",
            ),
            factor=_decimal(band.get("factor"), f"{field}.multipliers[{index}].factor"),
        )
        for index, band in enumerate(_list(data.get("multipliers"), f"{field}.multipliers"))
    )
    gates = []
    for index, gate in enumerate(_list(data.get("gates"), f"{field}.gates")):
        where = f"{field}.gates[{index}]"
        gate = _mapping(gate, where)
        gates.append(
            engine.Gate(
                measure=_choice(gate.get("measure"), sorted(MEASURES), f"{where}.measure", ""),
                minimum=_decimal(gate.get("minimum"), f"{where}.minimum"),
                when_missing=engine.GateMissing(
                    _choice(
                        gate.get("when_missing"),
                        [str(k) for k in engine.GateMissing],
                        f"{where}.when_missing",
                        engine.GateMissing.PASSES,
                    )
                ),
            )
        )
    return engine.Component(
        key=key.strip(),
        name_en=name_en.strip(),
        kind=engine.ComponentKind(kind),
        tiers=tiers,
        measure=measure,
        scope=engine.Scope(
            _choice(
                data.get("scope"), [str(k) for k in engine.Scope], f"{field}.scope", "individual"
            )
        ),
        period_kind=_PERIOD_KINDS[
            _choice(data.get("period_kind"), list(_PERIOD_KINDS), f"{field}.period_kind", "month")
        ],
        mode=engine.TierMode(
            _choice(
                data.get("mode"), [str(k) for k in engine.TierMode], f"{field}.mode", "marginal"
            )
        ),
        multipliers=multipliers,
        threshold=_optional_decimal(data, "threshold", field),
        cap=_optional_cents(data, "cap", field),
        gates=tuple(gates),
        target_amount=_optional_cents(data, "target_amount", field),
        clawback_rate=_optional_decimal(data, "clawback_rate", field),
    )


def _draw(data: Any) -> engine.Draw | None:
    if data is None:
        return None
    field = "definition.draw"
    data = _mapping(data, field)
    months = data.get("months")
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise _field_error(f"{field}.months", _("give a number of months, 1 or more"))
    recovery = _optional_decimal(data, "recovery_percent", field)
    return engine.Draw(
        kind=engine.DrawKind(
            _choice(data.get("kind"), [str(k) for k in engine.DrawKind], f"{field}.kind", "")
        ),
        amount_per_month=_cents(data.get("amount_per_month"), f"{field}.amount_per_month"),
        months=months,
        period_kind=_PERIOD_KINDS[
            _choice(data.get("period_kind"), list(_PERIOD_KINDS), f"{field}.period_kind", "month")
        ],
        recovery_percent=Decimal(100) if recovery is None else recovery,
    )


def _engine_error_field(error: engine.IncentiveError, plan: engine.IncentivePlan) -> str:
    """Where an engine error points inside the definition JSON."""
    if error.component is not None:
        keys = [component.key for component in plan.components]
        index = keys.index(error.component) if error.component in keys else 0
        return f"definition.components[{index}].{error.field}"
    if error.field in _DRAW_FIELDS and plan.draw is not None:
        return f"definition.draw.{error.field}"
    return f"definition.{error.field}"


_ENGINE_MESSAGES = {
    engine.ErrorCode.NO_COMPONENTS: gettext_noop("a plan needs at least one component"),
    engine.ErrorCode.DUPLICATE_COMPONENT: gettext_noop("two components have the same key"),
    engine.ErrorCode.BAD_TIERS: gettext_noop(
        "tiers start at 0 % and then at strictly increasing attainments"
    ),
    engine.ErrorCode.BAD_MULTIPLIERS: gettext_noop(
        "multiplier bands start at strictly increasing attainments, 0 % or more"
    ),
    engine.ErrorCode.BAD_NUMBER: gettext_noop(
        "give a number of 0 or more, with at most two decimals for attainments"
    ),
    engine.ErrorCode.BAD_AMOUNT: gettext_noop("give a whole number of cents, 0 or more"),
    engine.ErrorCode.BAD_PERIOD_KIND: gettext_noop("choose month, quarter or year"),
    engine.ErrorCode.BAD_OPTION: gettext_noop("this option does not fit this component"),
    engine.ErrorCode.BAD_DRAW: gettext_noop("this draw cannot be paid"),
}


_RATE_MESSAGE = gettext_noop("give a number of 0 or more")


def plan_from_definition(definition: Any, *, key: str = "plan") -> engine.IncentivePlan:
    """The engine's plan from a definition JSON, validated; DomainError naming the field."""
    data = _mapping(definition, "definition")
    components = tuple(
        _component(component, f"definition.components[{index}]")
        for index, component in enumerate(_list(data.get("components"), "definition.components"))
    )
    plan = engine.IncentivePlan(
        key=key,
        components=components,
        cap=_optional_cents(data, "cap", "definition"),
        draw=_draw(data.get("draw")),
    )
    try:
        engine.validate_plan(plan)
    except engine.IncentiveError as error:
        field = _engine_error_field(error, plan)
        message = _ENGINE_MESSAGES.get(error.code)
        if error.code is engine.ErrorCode.BAD_NUMBER and not field.endswith(".from"):
            message = _RATE_MESSAGE  # a rate or a factor: the rule on attainments does not apply
        raise _field_error(field, _(message) if message else str(error)) from None
    return plan


def _text_number(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def definition_json(plan: engine.IncentivePlan) -> dict[str, Any]:
    """The cleaned definition to store: every option spelt out, numbers as text, cents as int."""
    draw = plan.draw
    return {
        "components": [
            {
                "key": component.key,
                "name_en": component.name_en,
                "kind": str(component.kind),
                "measure": component.measure,
                "scope": str(component.scope),
                "period_kind": str(component.period_kind),
                "mode": str(component.mode),
                "tiers": [
                    {"from": str(tier.from_attainment), "rate": str(tier.rate)}
                    for tier in component.tiers
                ],
                "multipliers": [
                    {"from": str(band.from_attainment), "factor": str(band.factor)}
                    for band in component.multipliers
                ],
                "threshold": _text_number(component.threshold),
                "cap": component.cap,
                "gates": [
                    {
                        "measure": gate.measure,
                        "minimum": str(gate.minimum),
                        "when_missing": str(gate.when_missing),
                    }
                    for gate in component.gates
                ],
                "target_amount": component.target_amount,
                "clawback_rate": _text_number(component.clawback_rate),
            }
            for component in plan.components
        ],
        "cap": plan.cap,
        "draw": None
        if draw is None
        else {
            "kind": str(draw.kind),
            "amount_per_month": draw.amount_per_month,
            "months": draw.months,
            "period_kind": str(draw.period_kind),
            "recovery_percent": str(draw.recovery_percent),
        },
    }


def can_write_plans(user: Any) -> bool:
    """HR and admins write incentive plans."""
    return role_of(user) in PLAN_ROLES


@transaction.atomic
def plan_save(
    *,
    actor: Any,
    name: str,
    definition: Any,
    valid_from: date,
    valid_until: date | None = None,
    role: str = "",
    unit: OrgUnit | None = None,
    name_en: str = "",
    is_active: bool = True,
    plan: IncentivePlan | None = None,
) -> IncentivePlan:
    """Create (or change) an incentive plan; the definition is validated by the engine first."""
    if not can_write_plans(actor):
        raise NotAllowed(_("Only HR and administrators write incentive plans."))
    name = clean_text(name, field="name", max_length=200)
    if not name:
        raise DomainError(_("Give the plan a name."), field="name")
    if role and role not in Role.values:
        raise DomainError(_("Choose a role."), field="role")
    if valid_until is not None and valid_until < valid_from:
        raise DomainError(_("A plan ends on or after the day it starts."), field="valid_until")
    engine_plan = plan_from_definition(definition)
    plan = plan or IncentivePlan()
    plan.name = name
    plan.name_en = clean_text(name_en, field="name_en", max_length=200)
    plan.role = role or ""
    plan.unit = unit
    plan.definition = definition_json(engine_plan)
    plan.valid_from = valid_from
    plan.valid_until = valid_until
    plan.is_active = is_active
    plan.full_clean()
    plan.save()
    return plan


# --- which plan applies to whom ------------------------------------------------------------


def _specificity(plan: IncentivePlan) -> tuple[int, int, date, int]:
    return (
        len(plan.unit.path) if plan.unit else 0,
        1 if plan.role else 0,
        plan.valid_from,
        plan.pk,
    )


def plans_in_force(on: date) -> list[IncentivePlan]:
    """The active plans in force on a day, their units loaded; one query."""
    return list(
        IncentivePlan.objects.filter(is_active=True, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .select_related("unit")
    )


def plans_for_people(
    people: Sequence[Person], *, on: date, plans: Sequence[IncentivePlan] | None = None
) -> dict[int, IncentivePlan]:
    """Each person's plan on a day (people with their unit loaded): for their role and/or a
    unit at or above theirs; the deepest unit wins, then a plan for the role, then the latest
    start. People without a plan are left out."""
    candidates = sorted(
        plans if plans is not None else plans_in_force(on), key=_specificity, reverse=True
    )
    chosen: dict[int, IncentivePlan] = {}
    for person in people:
        for plan in candidates:
            if plan.role and plan.role != person.role:
                continue
            if plan.unit is not None and not person.unit.path.startswith(plan.unit.path):
                continue
            chosen[person.pk] = plan
            break
    return chosen


# --- the statements of a close -------------------------------------------------------------


def _people_of(period: EvaluationPeriod) -> list[Person]:
    """Everyone employed at some point of the period (their unit's path loaded): only what
    choosing a plan and computing a statement read, ten thousand people at L."""
    return list(
        Person.objects.filter(employed_during(period))
        .select_related("unit")
        .only("pk", "role", "hire_date", "unit_id", "unit__path")
        .order_by("pk")
    )


def _pays_in(plan: engine.IncentivePlan, kind: EnginePeriodKind) -> bool:
    draw = plan.draw
    return any(component.period_kind == kind for component in plan.components) or (
        draw is not None and draw.period_kind == kind
    )


def _order_lines(
    period: EvaluationPeriod, person_ids: set[int]
) -> dict[int, list[engine.OrderLine]]:
    """Each person's credited order lines of the period, one per order, as the engine's
    plain (order, day, cents) tuples (at L, 660,000 named tuples cost half a second more
    to build); one query."""
    from salesalign.sales.models import SalesFact

    months = months_of(period.engine_period)
    rows = (
        SalesFact.objects.filter(
            month__gte=months[0],
            month__lte=months[-1],
        )
        # Grouped by month and day too: all of an order's facts share its day (and month),
        # so the groups are the same, and they are then runs of the (month, person, order,
        # day, …) index that SQLite reads in order: no temporary B-tree of 660,000 groups
        # at L, and no MIN of the day.
        .values("month", "person_id", "order_id", "ordered_on")
        # Cast: PostgreSQL's SUM of a bigint is a numeric, and the engine takes int cents.
        .annotate(cents=Cast(Sum("revenue_cents"), BigIntegerField()))
        .values_list("person_id", "order_id", "ordered_on", "cents")
        .order_by()
    )
    # Read raw: hundreds of thousands of rows a quarter at L, and Django's converters would
    # parse every date again; a quarter has some ninety distinct days, parsed once each.
    # The rows come in runs of one person (the index's order on SQLite): each run is
    # checked once and added in one comprehension.
    sql, params = rows.query.sql_with_params()
    days = _Days()
    lines: dict[int, list[engine.OrderLine]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(10_000):
            for person_id, run in groupby(batch, key=itemgetter(0)):
                if person_id in person_ids:
                    lines[person_id].extend(
                        [(order_id, days[day], cents) for _p, order_id, day, cents in run if cents]
                    )
    return lines


class _Days(dict[Any, date]):
    """Days as the database hands them over (ISO text on SQLite) → dates, each parsed once."""

    def __missing__(self, raw: Any) -> date:
        day = self[raw] = raw if isinstance(raw, date) else date.fromisoformat(raw)
        return day


def _revenue_targets(period: EvaluationPeriod) -> tuple[dict[int, int], dict[int, int]]:
    """Revenue targets of the period (cents) by person and by unit, from the approved target
    plan of the fiscal year: the months of the period added up; two queries at most."""
    from salesalign.targets.choices import PlanStatus
    from salesalign.targets.models import TargetPeriod, TargetPlan

    plan_id = (
        TargetPlan.objects.filter(fiscal_year=period.fiscal_year, status=PlanStatus.APPROVED)
        .order_by("-version")
        .values_list("pk", flat=True)
        .first()
    )
    if plan_id is None:
        return {}, {}
    rows = (
        TargetPeriod.objects.filter(
            target__plan_id=plan_id,
            target__metric=Metric.REVENUE,
            target__product_line__isnull=True,
            target__region__isnull=True,
            target__segment__isnull=True,
            month__in=months_of(period.engine_period),
            amount__isnull=False,
        )
        .values_list("target__person_id", "target__unit_id")
        .annotate(cents=Sum("amount"))
        .order_by()
    )
    people: dict[int, int] = {}
    units: dict[int, int] = {}
    for person_id, unit_id, cents in rows:
        if person_id is not None:
            people[person_id] = int(cents)
        elif unit_id is not None:
            units[unit_id] = int(cents)
    return people, units


def _measure_actuals(
    reading: PeriodActuals, measures: set[str], person_ids: list[int]
) -> dict[str, dict[int, Decimal]]:
    """Each gate/bonus measure's actual per person, from the close's reading."""
    found: dict[str, dict[int, Decimal]] = {}
    for key in reading.read(measures - {SCORE}):
        measure = str(key)
        values: dict[int, Decimal] = {}
        for person_id, value in reading.of_people(measure, person_ids).items():
            if value is not None:
                values[person_id] = value * 100 if measure in _MONEY_MEASURES else value
        found[measure] = values
    return found


#: Measures counted in money: the engine compares them with targets in cents.
_MONEY_MEASURES = frozenset({"revenue", "gross_profit"})


def _team_actuals(reading: PeriodActuals, unit_ids: list[int]) -> dict[int, int]:
    """Each team's revenue in the period (its subtree), in cents, from the close's reading."""
    values = {}
    for unit_id in unit_ids:
        value = reading.of_unit("revenue", unit_id)
        if value is not None:
            values[unit_id] = int(value * 100)
    return values


def _scores(period: EvaluationPeriod, scorecards: Iterable[Any] | None) -> dict[int, Decimal]:
    """Each person's scorecard score (the override when there is one)."""
    if scorecards is None:
        rows: Iterable[Any] = (
            Scorecard.objects.filter(period=period, version=period.version, person__isnull=False)
            .only("person_id", "total_score", "override_score")
            .iterator()
        )
    else:
        rows = scorecards
    scores = {}
    for card in rows:
        score = card.override_score if card.override_score is not None else card.total_score
        if card.person_id is not None and score is not None:
            scores[card.person_id] = Decimal(score)
    return scores


def _draw_balances(period: EvaluationPeriod, person_ids: set[int]) -> dict[int, int]:
    """What each person still owes on a recoverable draw: from their latest earlier statement
    of the same kind of period (its current version); one query."""
    rows = (
        Statement.objects.filter(
            period__kind=period.kind,
            period__end__lt=period.start,
            version=F("period__version"),
        )
        .order_by("person_id", "-period__end")
        .values_list("person_id", "computed")
    )
    balances: dict[int, int] = {}
    for person_id, computed in rows:
        if person_id in person_ids and person_id not in balances:
            balances[person_id] = int((computed or {}).get("draw_balance_after") or 0)
    return balances


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


def _computed(statement: engine.Statement, plan_name: str, team_id: int) -> dict[str, Any]:
    return {
        "plan": plan_name,
        "period": statement.period_key,
        "team": team_id,
        "earned": statement.earned,
        "draw_balance_before": statement.draw_balance_before,
        "draw_balance_after": statement.draw_balance_after,
        "components": [
            {
                "key": result.key,
                "kind": str(result.kind),
                "scope": str(result.scope),
                "measure": result.measure,
                "actual": _plain(result.actual),
                "target": _plain(result.target),
                "attainment": _plain(result.attainment),
                "sales": result.sales,
                "returns": result.returns,
                "order_lines": result.order_lines,
                "payout": result.payout,
                "gates": [
                    {
                        "measure": check.measure,
                        "value": _plain(check.value),
                        "minimum": str(check.minimum),
                        "passed": check.passed,
                    }
                    for check in result.gates
                ],
            }
            for result in statement.components
        ],
    }


_RATE_PLACES = Decimal("0.000001")


#: The columns of the statements a close writes (attribute names), in their tuples' order.
STATEMENT_COLUMNS = (
    "created_at",
    "updated_at",
    "period_id",
    "version",
    "person_id",
    "unit_id",
    "plan_id",
    "total_cents",
    "computed",
)
#: The columns of the lines a close writes (attribute names), in the order of their tuples.
LINE_COLUMNS = (
    "statement_id",
    "position",
    "component",
    "code",
    "base_cents",
    "rate",
    "amount_cents",
    "details",
    "reason",
    "created_by_id",
)


@transaction.atomic
def statements_compute(
    period: EvaluationPeriod,
    *,
    scorecards: Iterable[Any] | None = None,
    actuals: PeriodActuals | None = None,
) -> int:
    """Compute and write every statement of the period's current version, in one run; the
    number of statements.

    Reads everything in bulk (people, plans, order lines, targets, actuals, team measures,
    scores), calls the incentive engine once and writes the statements and their lines
    as plain rows. Statements of the same version computed before are replaced.
    `scorecards`: the close's freshly computed cards (anything with `person_id`,
    `total_score` and `override_score`); read from the database when not given.
    `actuals`: the close's reading of the period's sales, shared with the scorecards.
    """
    span = period.engine_period
    people = _people_of(period)
    chosen = plans_for_people(people, on=period.end)
    engine_plans: dict[str, engine.IncentivePlan] = {}
    models_by_key: dict[str, IncentivePlan] = {}
    for plan in {plan.pk: plan for plan in chosen.values()}.values():
        key = str(plan.pk)
        compiled = plan_from_definition(plan.definition, key=key)
        if _pays_in(compiled, span.kind):
            engine_plans[key] = compiled
            models_by_key[key] = plan
    people = [
        person for person in people if str(getattr(chosen.get(person.pk), "pk", "")) in engine_plans
    ]
    Statement.objects.filter(period=period, version=period.version).delete()
    if not people:
        return 0
    person_ids = {person.pk for person in people}
    components = [
        c for plan in engine_plans.values() for c in plan.components if c.period_kind == span.kind
    ]
    measures = {c.measure for c in components if c.kind == engine.ComponentKind.BONUS}
    measures |= {gate.measure for c in components for gate in c.gates}
    uses_team = any(c.scope == engine.Scope.TEAM for c in components)
    uses_draw = any(
        plan.draw is not None and plan.draw.kind == engine.DrawKind.RECOVERABLE
        for plan in engine_plans.values()
    )

    order_lines = (
        _order_lines(period, person_ids)
        if any(
            c.kind == engine.ComponentKind.COMMISSION or c.measure == "revenue" for c in components
        )
        else {}
    )
    person_targets, unit_targets = _revenue_targets(period)
    ordered_ids = sorted(person_ids)
    reading = actuals or PeriodActuals(period)
    measure_actuals = _measure_actuals(reading, measures, ordered_ids)
    scores = _scores(period, scorecards) if SCORE in measures else {}
    balances = _draw_balances(period, person_ids) if uses_draw else {}
    teams: dict[int | str, engine.TeamMeasures] = {}
    if uses_team:
        team_ids = sorted({person.unit_id for person in people})
        team_actuals = _team_actuals(reading, team_ids)
        teams = {
            unit_id: engine.TeamMeasures(
                targets={"revenue": unit_targets.get(unit_id)},
                actuals={"revenue": team_actuals.get(unit_id, 0)},
            )
            for unit_id in team_ids
        }

    inputs = []
    for person in people:
        lines = order_lines.get(person.pk, [])
        values: dict[str, Any] = {
            measure: by_person.get(person.pk) for measure, by_person in measure_actuals.items()
        }
        if "revenue" not in values:  # a plan with no bonus or gate on revenue
            values["revenue"] = sum(cents for _order, _day, cents in lines)
        targets: dict[str, Any] = {"revenue": person_targets.get(person.pk)}
        if SCORE in measures:
            values[SCORE] = scores.get(person.pk)
            targets[SCORE] = Decimal(100)
        inputs.append(
            engine.StatementInput(
                person_id=person.pk,
                plan=str(chosen[person.pk].pk),
                team=person.unit_id,
                hire_date=person.hire_date,
                order_lines=lines,
                targets=targets,
                actuals=values,
                draw_balance=balances.get(person.pk, 0),
            )
        )
    try:
        results = engine.compute_statements(
            plans=engine_plans, people=inputs, period=span, teams=teams
        )
    except engine.IncentiveError as error:  # an input the engine refuses: say whose
        raise DomainError(
            _("The statements could not be computed: %(problem)s") % {"problem": error},
            code="incentive_input",
        ) from error

    unit_of = {person.pk: person.unit_id for person in people}
    carried = _adjustments_to_carry(period)
    # Each plan's name once (it reads the active language), not once per statement.
    plan_names = {key: plan.display_name for key, plan in models_by_key.items()}
    # Statements and their lines as plain rows: ten or so lines per person, a hundred
    # thousand at L, and building a model and its INSERT value by value for each costs more
    # than the engine. The statements' ids are read back in one query.
    now = db_datetime(Statement, timezone.now())
    insert_rows(
        Statement,
        STATEMENT_COLUMNS,
        (
            (
                now,
                now,
                period.pk,
                period.version,
                int(result.person_id),
                unit_id,
                models_by_key[result.plan].pk,
                result.total + sum(line.amount for line in carried.get(int(result.person_id), ())),
                json_text(_computed(result, plan_names[result.plan], unit_id)),
            )
            for result in results
            for unit_id in (unit_of[int(result.person_id)],)
        ),
    )
    ids = dict(
        Statement.objects.filter(period=period, version=period.version).values_list(
            "person_id", "pk"
        )
    )
    computed_lines = (
        (
            ids[int(result.person_id)],
            position,
            line.component or "",
            str(line.code),
            line.base,
            None if line.rate is None else line.rate.quantize(_RATE_PLACES),
            line.amount,
            json_text(line.as_json(compact=True)),
            "",
            None,
        )
        for result in results
        for position, line in enumerate(result.lines)
    )
    carried_lines = (
        (
            ids[int(result.person_id)],
            len(result.lines) + index,
            line.component,
            ADJUSTMENT,
            0,
            None,
            line.amount,
            json_text({**line.details, "carried_from_version": period.version - 1}),
            line.reason,
            line.created_by_id,
        )
        for result in results
        for index, line in enumerate(carried.get(int(result.person_id), ()))
    )
    insert_rows(StatementLine, LINE_COLUMNS, chain(computed_lines, carried_lines))
    return len(results)


class _Adjustment(NamedTuple):
    """An adjustment line of an earlier version, as a recalculation carries it."""

    component: str
    amount: int
    details: dict[str, Any]
    reason: str
    created_by_id: int | None


def _adjustments_to_carry(period: EvaluationPeriod) -> dict[int, list[_Adjustment]]:
    """The adjustments of the period's previous version, by person, in their order: a
    recalculation keeps them (with their reason and author) on the person's new statement,
    since they were decided by people, not computed. (A person without a statement in the
    new version has nowhere to carry them to; the earlier version keeps them.) One query."""
    if period.version < 2:
        return {}
    rows = (
        StatementLine.objects.filter(
            statement__period=period,
            statement__version=period.version - 1,
            code=ADJUSTMENT,
        )
        .order_by("statement__person_id", "position", "pk")
        .values_list(
            "statement__person_id",
            "component",
            "amount_cents",
            "details",
            "reason",
            "created_by_id",
        )
    )
    carried: dict[int, list[_Adjustment]] = defaultdict(list)
    for person_id, *line in rows:
        carried[person_id].append(_Adjustment(*line))
    return carried


# --- adjustments and questions -------------------------------------------------------------


def can_review(user: Any, statement: Statement) -> bool:
    """The person's managers, HR and admins answer questions and adjust the statement."""
    if role_of(user) in REVIEWER_ROLES:
        return True
    me = person_of(user)
    return me is not None and me.pk in manager_ids_of(statement.person)


def _require_closed(statement: Statement) -> None:
    if not statement.period.is_closed or statement.version != statement.period.version:
        raise DomainError(
            _("This statement belongs to a reopened period; wait for the next close."),
            code="not_current",
        )


@transaction.atomic
def statement_adjust(
    *, actor: Any, statement: Statement, amount: int, reason: str
) -> StatementLine:
    """Add an adjustment line (cents, either sign) with its reason; the total follows."""
    if not can_review(actor, statement):
        raise NotAllowed(_("Only the person's managers, HR and administrators adjust statements."))
    _require_closed(statement)
    if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
        raise DomainError(_("Give an amount other than 0."), field="amount")
    if abs(amount) >= MAX_ADJUSTMENT_CENTS:
        raise DomainError(_("This amount is too large."), field="amount")
    reason = clean_text(reason, field="reason", max_length=2000)
    if not reason:
        raise DomainError(_("Say why the statement is adjusted."), field="reason")
    locked = Statement.objects.select_for_update().get(pk=statement.pk)
    position = (locked.lines.aggregate(last=Max("position"))["last"] or 0) + 1
    line = StatementLine(
        statement=locked,
        position=position,
        code=ADJUSTMENT,
        amount_cents=amount,
        reason=reason,
        created_by=actor_or_none(actor),
        # The day it was made, kept with the line when a recalculation carries it over.
        details={"params": {}, "orders": [], "adjusted_on": timezone.localdate().isoformat()},
    )
    line.full_clean()
    line.save()
    locked.total_cents += amount
    locked.full_clean()
    locked.save()
    statement.total_cents = locked.total_cents
    if statement.period.is_published:
        notify(
            people=[statement.person_id],
            kind=NOTIFY_ADJUSTED,
            subject=ADJUSTED_SUBJECT,
            params={"period": statement.period.key},
            url=statement_url(statement.pk),
        )
    return line


@transaction.atomic
def statement_question_ask(
    *, actor: Any, statement: Statement, text: str, line: StatementLine | None = None
) -> StatementQuestion:
    """The statement's person asks about it (or one of its lines); their managers are told."""
    me = person_of(actor)
    if me is None or me.pk != statement.person_id or not statement.period.is_published:
        raise NotAllowed(_("Only the person whose statement it is asks about it."))
    text = clean_text(text, field="question", max_length=2000)
    if not text:
        raise DomainError(_("Write your question."), field="question")
    if line is not None and line.statement_id != statement.pk:
        raise DomainError(_("This line is not on the statement."), field="line")
    question = StatementQuestion(statement=statement, line=line, asked_by=actor, question=text)
    question.full_clean()
    question.save()
    notify(
        people=manager_ids_of(statement.person),
        kind=NOTIFY_QUESTION,
        subject=QUESTION_SUBJECT,
        params={**name_params(statement.person), "period": statement.period.key},
        url=statement_url(statement.pk),
    )
    return question


@transaction.atomic
def statement_question_answer(
    *, actor: Any, question: StatementQuestion, text: str
) -> StatementQuestion:
    """A manager of the person, HR or an admin answers; the person is told."""
    statement = question.statement
    if not can_review(actor, statement):
        raise NotAllowed(_("Only the person's managers, HR and administrators answer."))
    if question.answered_at is not None:
        raise DomainError(
            _("This question is answered already; the person can ask another one."),
            code="answered",
        )
    text = clean_text(text, field="answer", max_length=5000)
    if not text:
        raise DomainError(_("Write your answer."), field="answer")
    question.answer = text
    question.answered_by = actor_or_none(actor)
    question.answered_at = timezone.now()
    question.full_clean()
    question.save()
    if not statement.questions.filter(answered_at__isnull=True).exists():
        # Nothing on the statement waits any more: not for this manager, nor for the others.
        settle_notifications(kind=NOTIFY_QUESTION, url=statement_url(statement.pk))
    notify(
        people=[statement.person_id],
        kind=NOTIFY_ANSWER,
        subject=ANSWER_SUBJECT,
        params={"period": statement.period.key},
        url=statement_url(statement.pk),
    )
    return question


# --- the payout export ---------------------------------------------------------------------


def can_export_payout(user: Any) -> bool:
    """HR, executives and admins export the payout for payroll."""
    return role_of(user) in PAYOUT_ROLES


def payout_sheet(*, user: Any, period: EvaluationPeriod) -> Sheet:
    """One row per person of the period's current statements: employee number, name (and the
    English one), unit, period, total, plan. Text cells are neutralised by the writer."""
    if not can_export_payout(user):
        raise NotAllowed(_("Only HR, executives and administrators export the payout."))
    if not period.is_closed:
        raise DomainError(_("The payout is exported once the period is closed."), code="not_closed")
    currency = company_currency_code()  # statements are computed in the company currency
    statements = (
        Statement.objects.filter(period=period, version=period.version)
        .select_related("person", "unit", "plan")
        .order_by("person__employee_number")
    )
    rows: Iterable[list[Cell]] = (
        [
            statement.person.employee_number,
            statement.person.name,  # the name on the payroll
            statement.person.name_en,
            statement.unit.display_name,
            period.key,
            Decimal(statement.total_cents) / 100,
            currency,
            statement.plan.display_name,
        ]
        for statement in statements.iterator(chunk_size=2000)
    )
    header = [
        _("Employee number"),
        pgettext("a person's name", "Name"),
        pgettext("a person's name", "English name"),
        _("Unit"),
        _("Period"),
        _("Total"),
        _("Currency"),
        _("Plan"),
    ]
    return Sheet(_("Payout"), header, rows, (16, 16, 20, 24, 10, 14, 10, 28))
