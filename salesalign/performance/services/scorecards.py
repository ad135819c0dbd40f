"""Writes of scorecards: templates (validated by the scoring engine), the close's computation of
every card, and audited overrides.

`scorecards_compute(period)` is what closing a period does (called from
`services.periods._compute_close`, inside the close transaction): in one run it
reads every active person's template, targets (the approved target plan of the
fiscal year, the months inside the period summed), actuals (one
`sales.selectors.actuals.actuals` call per metric, for everyone at once) and
manager ratings, scores all people in ONE `engines.scoring.score_scorecards`
call (and the team and department units in a second one, so that units are
never ranked among people), and writes the cards of the period's current
`version` in bulk. The number of queries does not grow with the people.

Which template scores whom (the most specific wins):
- a template names a role, a unit (its subtree), both, or neither;
- a person is eligible for a template whose role is theirs, or, when it names no
  role, when they are a salesperson; and whose unit, if any, contains theirs;
- of the eligible templates the one with the deepest unit wins, then the one
  that names a role, then the oldest. People without a template get no card.
- a team or department is scored with the eligible template of its subtree,
  preferring one for managers, then one without a role, then one for salespeople.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from salesalign.core.bulk import insert_rows, json_text
from salesalign.core.choices import Role
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.engines import scoring
from salesalign.engines.metrics import MetricKey
from salesalign.organization.choices import UnitKind
from salesalign.organization.models import OrgUnit, Person
from salesalign.performance.choices import PeriodStatus
from salesalign.performance.models import (
    EvaluationPeriod,
    Kpi,
    ManagerRating,
    Scorecard,
    ScorecardKpi,
    ScorecardTemplate,
    TemplateKpi,
)
from salesalign.performance.selectors.access import can_manage_periods
from salesalign.performance.services.common import COMPANY_READER, clean_text, employed_during
from salesalign.performance.services.period_actuals import PeriodActuals
from salesalign.sales.selectors.actuals import actuals_of_metrics

#: Roles whose people may be scored with a template that names no role.
DEFAULT_ROLE = Role.SALESPERSON

#: The unit kinds that get a card of their own.
SCORED_UNIT_KINDS = (UnitKind.TEAM, UnitKind.DEPARTMENT)


# --- from the models to the engine ---------------------------------------------------------


def _decimal(value: Any, *, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Give a number."), field=field) from None
    if not number.is_finite():
        raise DomainError(_("Give a number."), field=field)
    return number


def _optional_decimal(value: Any, *, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    return _decimal(value, field=field)


def kpi_definition(kpi: Kpi) -> scoring.KpiDefinition:
    """The KPI as the scoring engine sees it."""
    return scoring.KpiDefinition(
        key=kpi.key,
        kind=scoring.KpiKind(kpi.kind),
        direction=scoring.Direction(kpi.direction),
        unit=scoring.Unit(kpi.unit),
        metric=kpi.metric or None,
        formula=kpi.formula or None,
        decimals=kpi.decimals,
        scale_min=kpi.scale_min,
        scale_max=kpi.scale_max,
    )


def scoring_line(
    kpi: Kpi, weight: Any, rule: Mapping[str, Any], *, field: str = "lines"
) -> scoring.ScorecardLine:
    """One template line from its rule JSON (see `TemplateKpi`), e.g.
    {"kind": "linear", "floor": "0", "cap": "120", "zero_below": null, "target": "30"}."""
    if not isinstance(rule, Mapping):
        raise DomainError(_("The scoring rule must be an object."), field=f"{field}.rule")
    kind = rule.get("kind", "linear")
    engine_rule: scoring.ScoringRule
    if kind == "linear":
        engine_rule = scoring.LinearRule(
            floor=_decimal(rule.get("floor", 0), field=f"{field}.rule.floor"),
            cap=_decimal(rule.get("cap", 120), field=f"{field}.rule.cap"),
            zero_below=_optional_decimal(rule.get("zero_below"), field=f"{field}.rule.zero_below"),
        )
    elif kind == "bands":
        bands = rule.get("bands")
        if not isinstance(bands, list) or not bands:
            raise DomainError(_("Give at least one band."), field=f"{field}.rule.bands")
        engine_rule = scoring.BandRule(
            tuple(
                scoring.ScoreBand(
                    _decimal(band.get("from"), field=f"{field}.rule.bands"),
                    _decimal(band.get("score"), field=f"{field}.rule.bands"),
                )
                if isinstance(band, Mapping)
                else scoring.ScoreBand(Decimal(-1), Decimal(-1))
                for band in bands
            )
        )
    else:
        raise DomainError(_("A scoring rule is “linear” or “bands”."), field=f"{field}.rule.kind")
    inverse = rule.get("inverse") or scoring.InverseAttainment.RATIO
    if inverse not in scoring.InverseAttainment.__members__.values():
        raise DomainError(_("“inverse” is “ratio” or “mirror”."), field=f"{field}.rule.inverse")
    return scoring.ScorecardLine(
        kpi=kpi_definition(kpi),
        weight=_decimal(weight, field=f"{field}.weight"),
        rule=engine_rule,
        default_target=_optional_decimal(rule.get("target"), field=f"{field}.rule.target"),
        inverse=scoring.InverseAttainment(inverse),
        max_attainment=_decimal(
            rule.get("max_attainment", 200), field=f"{field}.rule.max_attainment"
        ),
    )


def _rating_bands(bands: Any) -> tuple[scoring.RatingBand, ...]:
    if not bands:
        return scoring.DEFAULT_RATING_BANDS
    if not isinstance(bands, list) or not all(isinstance(band, Mapping) for band in bands):
        raise DomainError(_("Rating bands are a list, best first."), field="rating_bands")
    return tuple(
        scoring.RatingBand(
            str(band.get("code", "")),
            _optional_decimal(band.get("min_score"), field="rating_bands"),
        )
        for band in bands
    )


def _distribution(value: Any) -> scoring.ForcedDistribution | None:
    if not value:
        return None
    if not isinstance(value, Mapping) or not isinstance(value.get("max_percent"), Mapping):
        raise DomainError(
            _("A forced distribution names the most percent per rating."),
            field="forced_distribution",
        )
    scope = value.get("scope") or scoring.DistributionScope.ALL
    if scope not in scoring.DistributionScope.__members__.values():
        raise DomainError(
            _("The scope is “all”, “department” or “team”."), field="forced_distribution"
        )
    return scoring.ForcedDistribution(
        max_percent={
            str(code): _decimal(percent, field="forced_distribution")
            for code, percent in value["max_percent"].items()
        },
        scope=scoring.DistributionScope(scope),
    )


def engine_template(
    *,
    key: str,
    lines: Sequence[tuple[Kpi, Any, Mapping[str, Any]]],
    rating_bands: Any,
    forced_distribution: Any,
    missing: str,
) -> scoring.ScorecardTemplate:
    """An engine template from (KPI, weight, rule) lines and the template's JSON fields."""
    if missing not in scoring.MissingPolicy.__members__.values():
        raise DomainError(_("Choose “exclude” or “score_zero”."), field="missing")
    return scoring.ScorecardTemplate(
        key=key,
        lines=tuple(
            scoring_line(kpi, weight, rule, field=f"lines[{index}]")
            for index, (kpi, weight, rule) in enumerate(lines)
        ),
        rating_bands=_rating_bands(rating_bands),
        forced_distribution=_distribution(forced_distribution),
        missing=scoring.MissingPolicy(missing),
    )


@dataclass(frozen=True)
class CompiledTemplate:
    """A template as the close uses it: who it applies to and the engine's definition."""

    pk: int
    role: str
    unit_path: str | None
    engine: scoring.ScorecardTemplate

    @property
    def key(self) -> str:
        return self.engine.key


def compile_templates(
    templates: Iterable[ScorecardTemplate] | None = None,
) -> dict[int, CompiledTemplate]:
    """The active templates (or those given, their lines prefetched) as engine templates;
    two queries."""
    if templates is None:
        templates = (
            ScorecardTemplate.objects.filter(is_active=True)
            .select_related("unit")
            .prefetch_related("lines__kpi")
            .order_by("pk")
        )
    compiled: dict[int, CompiledTemplate] = {}
    for template in templates:
        lines = sorted(template.lines.all(), key=lambda line: (line.position, line.pk))
        compiled[template.pk] = CompiledTemplate(
            pk=template.pk,
            role=template.role,
            unit_path=template.unit.path if template.unit is not None else None,
            engine=engine_template(
                key=str(template.pk),
                lines=[(line.kpi, line.weight, line.rule) for line in lines],
                rating_bands=template.rating_bands,
                forced_distribution=template.forced_distribution,
                missing=template.missing,
            ),
        )
    return compiled


def template_for_person(
    templates: Iterable[CompiledTemplate], *, role: str, unit_path: str
) -> CompiledTemplate | None:
    """The most specific template for a person of `role` in the unit at `unit_path`."""
    best: tuple[tuple[int, int, int], CompiledTemplate] | None = None
    for template in templates:
        if template.role:
            if template.role != role:
                continue
        elif role != DEFAULT_ROLE:
            continue
        if template.unit_path is not None and not unit_path.startswith(template.unit_path):
            continue
        rank = (len(template.unit_path or ""), 1 if template.role else 0, -template.pk)
        if best is None or rank > best[0]:
            best = (rank, template)
    return best[1] if best else None


_UNIT_ROLE_PREFERENCE = {Role.MANAGER: 2, "": 1, Role.SALESPERSON: 0}


def template_for_unit(
    templates: Iterable[CompiledTemplate], *, unit_path: str
) -> CompiledTemplate | None:
    """The most specific template for a team's or department's own card."""
    best: tuple[tuple[int, int, int], CompiledTemplate] | None = None
    for template in templates:
        preference = _UNIT_ROLE_PREFERENCE.get(template.role)
        if preference is None:
            continue
        if template.unit_path is not None and not unit_path.startswith(template.unit_path):
            continue
        rank = (len(template.unit_path or ""), preference, -template.pk)
        if best is None or rank > best[0]:
            best = (rank, template)
    return best[1] if best else None


# --- templates -----------------------------------------------------------------------------


def _engine_error(error: scoring.ScorecardError, kpi_index: dict[str, int]) -> DomainError:
    """A template the engine refused, as a message on the field at fault."""
    params = dict(error.params)
    messages = {
        scoring.ErrorCode.NO_KPIS: _("Add at least one KPI."),
        scoring.ErrorCode.DUPLICATE_KPI: _("A KPI appears twice on the template."),
        scoring.ErrorCode.WEIGHT_NOT_POSITIVE: _("A weight must be above 0 %."),
        scoring.ErrorCode.WEIGHT_TOO_PRECISE: _("A weight has at most two decimals."),
        scoring.ErrorCode.WEIGHTS_NOT_100: _(
            "The weights total %(total)s %%; they must total 100 %%."
        )
        % {"total": params.get("total", "?")},
        scoring.ErrorCode.BAD_NUMBER: _("This number is not allowed here."),
        scoring.ErrorCode.BAD_FORMULA: _("The KPI's formula cannot be computed."),
        scoring.ErrorCode.BAD_SCALE: _("The KPI's rating scale is not valid."),
        scoring.ErrorCode.BAD_RULE: {
            "floor": _("The floor is above the cap."),
            "max_attainment": _("The most attainment counted cannot be below 100 %."),
        }.get(error.field, _("The scoring rule is not valid.")),
        scoring.ErrorCode.BAD_BANDS: _("Bands must start at rising attainments."),
        scoring.ErrorCode.BAD_RATING_BANDS: _(
            "Rating bands go from best to worst with falling minimum scores; the worst has none."
        ),
        scoring.ErrorCode.BAD_DISTRIBUTION: {
            "unknown_rating": _("The forced distribution names %(rating)s, which no band gives."),
            "worst_capped": _(
                "The worst rating (%(rating)s) cannot be limited: everyone must land somewhere."
            ),
            "share_out_of_range": _("The most for %(rating)s must be between 0 and 100 %%."),
        }.get(
            str(params.get("problem")),
            _("The forced distribution names an unknown rating or caps the worst one."),
        )
        % {"rating": params.get("rating", "")},
    }
    message = messages.get(error.code, str(error))
    field = error.field
    if error.kpi is not None and error.kpi in kpi_index:
        field = f"lines[{kpi_index[error.kpi]}].{error.field}"
    elif error.code in (scoring.ErrorCode.WEIGHTS_NOT_100, scoring.ErrorCode.NO_KPIS):
        field = "lines"
    return DomainError(message, field=field, code=str(error.code))


def can_edit_templates(actor: Any) -> bool:
    """Executives, HR and administrators create and change scorecard templates."""
    return can_manage_periods(actor)


def require_template_editor(actor: Any) -> None:
    if not can_edit_templates(actor):
        raise NotAllowed(_("Only executives, HR and administrators edit scorecard templates."))


@transaction.atomic
def template_save(
    *,
    actor: Any,
    name: str,
    name_en: str = "",
    role: str = "",
    unit: OrgUnit | None = None,
    lines: Sequence[Mapping[str, Any]],
    rating_bands: list[dict[str, Any]] | None = None,
    forced_distribution: dict[str, Any] | None = None,
    missing: str = scoring.MissingPolicy.EXCLUDE,
    is_active: bool = True,
    template: ScorecardTemplate | None = None,
) -> ScorecardTemplate:
    """Create (or replace the lines of) a template; refused unless the engine can score it.

    `lines`: [{"kpi": "revenue", "weight": "50", "rule": {...}}, …] — weights total 100 %.
    An inactive template scores nobody from the next close on (`compile_templates`).
    """
    require_template_editor(actor)
    name = clean_text(name, field="name", max_length=200)
    if not name:
        raise DomainError(_("Give the template a name."), field="name")
    if role and role not in Role.values:
        raise DomainError(_("Choose a role."), field="role")
    if not lines:
        raise DomainError(_("Add at least one KPI."), field="lines")
    keys = [str(line.get("kpi", "")) for line in lines]
    kpis = {kpi.key: kpi for kpi in Kpi.objects.filter(key__in=keys, is_active=True)}
    for index, key in enumerate(keys):
        if key not in kpis:
            raise DomainError(
                _("There is no active KPI “%(kpi)s”.") % {"kpi": key}, field=f"lines[{index}].kpi"
            )
    kpi_lines = [
        (kpis[key], line.get("weight"), line.get("rule") or {"kind": "linear"})
        for key, line in zip(keys, lines, strict=True)
    ]
    definition = engine_template(
        key=name,
        lines=kpi_lines,
        rating_bands=rating_bands,
        forced_distribution=forced_distribution,
        missing=missing,
    )
    rating_length = Scorecard._meta.get_field("rating").max_length or 0
    if any(len(band.code) > rating_length for band in definition.rating_bands):
        # A card keeps its rating in a column this wide; a longer code would fail the close.
        raise DomainError(
            _("A rating's code has at most %(count)s characters.") % {"count": rating_length},
            field="rating_bands",
        )
    try:
        scoring.validate_template(definition)
    except scoring.ScorecardError as error:
        raise _engine_error(error, {key: index for index, key in enumerate(keys)}) from error

    if template is None:
        template = ScorecardTemplate()
    template.name = name
    template.name_en = clean_text(name_en, field="name_en", max_length=200)
    template.role = role
    template.unit = unit
    template.rating_bands = rating_bands or [
        {"code": band.code, "min_score": None if band.min_score is None else str(band.min_score)}
        for band in scoring.DEFAULT_RATING_BANDS
    ]
    template.forced_distribution = forced_distribution or None
    template.missing = str(missing)
    template.is_active = bool(is_active)
    template.full_clean()
    template.save()
    template.lines.all().delete()
    for position, (kpi, weight, rule) in enumerate(kpi_lines):
        line = TemplateKpi(
            template=template,
            kpi=kpi,
            weight=_decimal(weight, field=f"lines[{position}].weight"),
            rule=dict(rule),
            position=position,
        )
        line.full_clean()
        line.save()
    return template


# --- the close -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _UnitInfo:
    pk: int
    path: str
    kind: str


def _groups(path: str, by_path: Mapping[str, _UnitInfo]) -> tuple[int | None, int | None]:
    """(team, department) of a unit: the nearest team and department at or above it."""
    team = department = None
    steplen = OrgUnit.steplen
    for end in range(len(path), 0, -steplen):
        unit = by_path.get(path[:end])
        if unit is None:
            continue
        if unit.kind == UnitKind.TEAM and team is None:
            team = unit.pk
        elif unit.kind == UnitKind.DEPARTMENT and department is None:
            department = unit.pk
    return team, department


def _metrics_needed(templates: Iterable[CompiledTemplate]) -> set[str]:
    """The metrics whose actuals some template reads (metric KPIs and formula operands)."""
    metrics: set[str] = set()
    for template in templates:
        for line in template.engine.lines:
            if line.kpi.kind is scoring.KpiKind.METRIC:
                metrics.add(line.kpi.source_metric)
            elif line.kpi.kind is scoring.KpiKind.FORMULA and line.kpi.formula:
                metrics.update(scoring.Formula.parse(line.kpi.formula).operands)
    return metrics


def period_targets(
    period: EvaluationPeriod,
    metrics: set[str],
    *,
    person_ids: Sequence[int] | None = None,
    unit_ids: Sequence[int] | None = None,
    shares: Mapping[int, Decimal] | None = None,
) -> tuple[dict[int, dict[str, Decimal]], dict[int, dict[str, Decimal]]]:
    """Targets of the period per person and per unit, by metric, in the metric's unit: the
    months of the approved plan of the fiscal year that fall inside the period; one query
    (only those people's, given `person_ids`; only those units' own, given `unit_ids`). Given `shares` (month → share of it counted),
    a summed target counts each month's amount times its share (a target "to date"); a
    level is a level whatever the share."""
    from salesalign.engines.periods import months_of
    from salesalign.targets.choices import PlanStatus
    from salesalign.targets.metrics import target_metric
    from salesalign.targets.models import TargetPeriod

    months = months_of(period.engine_period)
    rows = (
        TargetPeriod.objects.filter(
            target__plan__fiscal_year=period.fiscal_year,
            target__plan__status=PlanStatus.APPROVED,
            target__metric__in=sorted(metrics),
            target__product_line__isnull=True,
            target__region__isnull=True,
            target__segment__isnull=True,
            month__gte=min(months),
            month__lte=max(months),
        )
        .order_by()
        .values_list(
            "target__person_id", "target__unit_id", "target__metric", "amount", "level", "month"
        )
    )
    if person_ids is not None:
        rows = rows.filter(target__person_id__in=person_ids)
    if unit_ids is not None:
        rows = rows.filter(target__person__isnull=True, target__unit_id__in=unit_ids)
    amounts: dict[tuple[str, int, str], Decimal] = defaultdict(Decimal)
    levels: dict[tuple[str, int, str], list[Decimal]] = defaultdict(list)
    for person_id, unit_id, metric, amount, level, month in rows:
        key = ("p", person_id, metric) if person_id is not None else ("u", unit_id, metric)
        if level is not None:
            levels[key].append(level)
        elif amount is not None:
            amounts[key] += amount if shares is None else amount * shares.get(month, Decimal(0))
    people: dict[int, dict[str, Decimal]] = defaultdict(dict)
    units: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for (kind, pk, metric), total in amounts.items():
        (people if kind == "p" else units)[pk][metric] = target_metric(metric).from_minor(total)
    for (kind, pk, metric), values in levels.items():
        average = sum(values, Decimal(0)) / len(values)
        (people if kind == "p" else units)[pk][metric] = target_metric(metric).level(average)
    return people, units


def _actuals(
    reading: PeriodActuals,
    metrics: set[str],
    *,
    person_ids: Iterable[int],
    unit_ids: Iterable[int],
) -> tuple[dict[int, dict[str, Decimal | None]], dict[int, dict[str, Decimal | None]]]:
    """Actuals of the period for the people and the scored units, from the close's reading."""
    keys = [str(key) for key in reading.read(metrics)]
    person_ids = list(person_ids)
    by_metric = {metric: reading.of_people(metric, person_ids) for metric in keys}
    people = {
        person_id: {metric: by_metric[metric][person_id] for metric in keys}
        for person_id in person_ids
    }
    units = {
        unit_id: {metric: reading.of_unit(metric, unit_id) for metric in keys}
        for unit_id in unit_ids
    }
    return people, units


#: The columns the close writes (attribute names), in the order of `_card_rows`' tuples.
CARD_COLUMNS = (
    "period_id",
    "version",
    "person_id",
    "unit_id",
    "template_id",
    "total_score",
    "rating",
    "natural_rating",
    "team_rank",
    "team_size",
    "department_rank",
    "department_size",
    "weights_counted",
    "explanation",
    "override_reason",
)
KPI_COLUMNS = (
    "scorecard_id",
    "kpi_id",
    "position",
    "target",
    "actual",
    "attainment",
    "score",
    "weight",
    "weighted_score",
    "explanation",
)

CardKey = tuple[int | None, int]


def _card_rows(
    period: EvaluationPeriod,
    cards: Sequence[scoring.Scorecard],
    *,
    subjects: Mapping[scoring.PersonId, CardKey],
    templates: Mapping[str, CompiledTemplate],
    kpi_ids: Mapping[str, int],
    ranked: bool,
) -> tuple[list[tuple[Any, ...]], list[tuple[CardKey, tuple[Any, ...]]]]:
    """Plain rows of the cards and of their KPI lines (keyed by their card's subject).

    Tuples rather than model instances: a large company's close writes tens of
    thousands of rows, and building models and their INSERTs value by value cost
    more than the scoring.
    """
    card_rows: list[tuple[Any, ...]] = []
    kpi_rows: list[tuple[CardKey, tuple[Any, ...]]] = []
    for card in cards:
        key = subjects[card.person_id]
        person_id, unit_id = key
        card_rows.append(
            (
                period.pk,
                period.version,
                person_id,
                unit_id,
                templates[card.template].pk,
                card.total_score,
                card.rating or "",
                card.natural_rating or "",
                card.team_rank if ranked else None,
                card.team_size if ranked else 0,
                card.department_rank if ranked else None,
                card.department_size if ranked else 0,
                card.weights_counted,
                json_text([step.as_json() for step in card.explanation]),
                "",
            )
        )
        for position, line in enumerate(card.kpis):
            kpi_rows.append(
                (
                    key,
                    (
                        kpi_ids[line.kpi],
                        position,
                        None if line.target is None else Decimal(line.target),
                        None if line.actual is None else Decimal(line.actual),
                        line.attainment,
                        line.score,
                        line.weight,
                        line.weighted_score,
                        json_text([step.as_json() for step in line.explanation]),
                    ),
                )
            )
    return card_rows, kpi_rows


def _write_cards(
    period: EvaluationPeriod,
    card_rows: list[tuple[Any, ...]],
    kpi_rows: list[tuple[CardKey, tuple[Any, ...]]],
) -> None:
    """Insert the cards, read their ids back in one query, insert their KPI lines."""
    insert_rows(Scorecard, CARD_COLUMNS, card_rows)
    ids: dict[CardKey, int] = {
        (person_id, unit_id): pk
        for pk, person_id, unit_id in Scorecard.objects.filter(
            period=period, version=period.version
        ).values_list("pk", "person_id", "unit_id")
    }

    def card_id(key: CardKey) -> int:
        # A person's card is theirs whatever unit it names; a unit's card has no person.
        if key[0] is not None:
            return by_person[key[0]]
        return ids[key]

    by_person = {person_id: pk for (person_id, _unit), pk in ids.items() if person_id is not None}
    insert_rows(ScorecardKpi, KPI_COLUMNS, ((card_id(key), *values) for key, values in kpi_rows))


def scorecards_compute(period: EvaluationPeriod, *, actuals: PeriodActuals | None = None) -> int:
    """Compute and write every card of the period's current version; the number of cards.

    Call it inside the close's transaction (it is, from `period_close`). `actuals`: the
    close's reading of the period's sales, shared with the statements (read here if not given).
    """
    compiled = compile_templates()
    # No delete first: a version is computed once (a close starts from an open period and
    # reopening bumps the version), and a failed close rolls back with its transaction.
    if not compiled:
        return 0
    by_key = {template.key: template for template in compiled.values()}
    units = [
        _UnitInfo(pk, path, kind)
        for pk, path, kind in OrgUnit.objects.values_list("pk", "path", "kind")
    ]
    by_path = {unit.path: unit for unit in units}
    scored_units = [unit for unit in units if unit.kind in SCORED_UNIT_KINDS]
    people = list(
        Person.objects.filter(employed_during(period))
        .order_by("pk")
        .values_list("pk", "role", "unit_id", "unit__path")
    )
    metrics = _metrics_needed(compiled.values())
    kpis = {line.kpi.key for template in compiled.values() for line in template.engine.lines}
    kpi_ids = dict(Kpi.objects.filter(key__in=sorted(kpis)).values_list("key", "pk"))
    metric_of_kpi = {
        line.kpi.key: line.kpi.source_metric
        for template in compiled.values()
        for line in template.engine.lines
        if line.kpi.kind is scoring.KpiKind.METRIC
    }
    person_targets, unit_targets = period_targets(period, metrics)
    unit_ids = [unit.pk for unit in scored_units]
    person_actuals, unit_actuals = _actuals(
        actuals or PeriodActuals(period),
        metrics,
        person_ids=[person[0] for person in people],
        unit_ids=unit_ids,
    )
    ratings: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for person_id, key, value in ManagerRating.objects.filter(period=period).values_list(
        "person_id", "kpi__key", "value"
    ):
        ratings[person_id][key] = value

    def kpi_targets(targets: Mapping[str, Decimal]) -> dict[str, scoring.Number | None]:
        return {kpi: targets[metric] for kpi, metric in metric_of_kpi.items() if metric in targets}

    nothing_sold = {metric: _zero_or_none(metric) for metric in metrics}
    inputs: list[scoring.ScorecardInput] = []
    subjects: dict[scoring.PersonId, tuple[int | None, int]] = {}
    for person_id, role, unit_id, unit_path in people:
        template = template_for_person(compiled.values(), role=role, unit_path=unit_path)
        if template is None:
            continue
        team, department = _groups(unit_path, by_path)
        subjects[person_id] = (person_id, unit_id)
        inputs.append(
            scoring.ScorecardInput(
                person_id=person_id,
                template=template.key,
                team=team,
                department=department,
                targets=kpi_targets(person_targets.get(person_id, {})),
                actuals={
                    metric: person_actuals.get(person_id, {}).get(metric, nothing_sold[metric])
                    for metric in metrics
                },
                ratings=ratings.get(person_id, {}),
            )
        )
    # Each unit's salespeople, counted once up each person's chain (not once per unit).
    salespeople_below: Counter[str] = Counter(
        path[:end]
        for _person, role, _unit, path in people
        if role == Role.SALESPERSON
        for end in range(OrgUnit.steplen, len(path) + 1, OrgUnit.steplen)
    )
    unit_inputs: list[scoring.ScorecardInput] = []
    for unit in scored_units:
        template = template_for_unit(compiled.values(), unit_path=unit.path)
        if template is None:
            continue
        subject = f"u{unit.pk}"
        subjects[subject] = (None, unit.pk)
        unit_inputs.append(
            scoring.ScorecardInput(
                person_id=subject,
                template=template.key,
                targets=kpi_targets(unit_targets.get(unit.pk, {})),
                actuals=dict(unit_actuals.get(unit.pk, {})),
                people=salespeople_below[unit.path],
            )
        )
    engine_templates = {key: template.engine for key, template in by_key.items()}
    # People in one call (ranks and forced distributions are among them); units in another,
    # so that a team is never ranked among its people.
    person_cards = scoring.score_scorecards(templates=engine_templates, people=inputs)
    unit_cards = scoring.score_scorecards(templates=engine_templates, people=unit_inputs)
    cards, lines = _card_rows(
        period, person_cards, subjects=subjects, templates=by_key, kpi_ids=kpi_ids, ranked=True
    )
    more_cards, more_lines = _card_rows(
        period, unit_cards, subjects=subjects, templates=by_key, kpi_ids=kpi_ids, ranked=False
    )
    cards += more_cards
    lines += more_lines
    _write_cards(period, cards, lines)
    return len(cards)


@dataclass(frozen=True)
class CardPreview:
    """A person's card of an open period as if it closed today (not written)."""

    period: EvaluationPeriod
    person: Person
    template: ScorecardTemplate
    card: scoring.Scorecard
    #: Each summed KPI's target to date (by KPI key), which the card is scored against: the
    #: monthly targets of the months gone by, the current month by its days gone by. A level
    #: KPI (satisfaction) has none: it is scored against its target at any date.
    to_date: dict[str, Decimal] = dataclasses.field(default_factory=dict)
    #: Each KPI's target for the whole period (by KPI key).
    whole: dict[str, Decimal] = dataclasses.field(default_factory=dict)


def elapsed_percent(period: EvaluationPeriod, today: datetime.date) -> Decimal:
    """How much of a period has gone by on `today`, in percent of its days (at most 100)."""
    days = (min(today, period.end) - period.start).days + 1
    return Decimal(100 * days) / ((period.end - period.start).days + 1)


def shares_to_date(period: EvaluationPeriod, today: datetime.date) -> dict[int, Decimal]:
    """How much of each month (yyyymm) of the period has gone by on `today` (counted): 1 for
    a month over, 0 for one to come, the share of its days in the period for the current one
    (a period starting or ending within a month counts only its own days of it)."""
    from salesalign.engines.periods import months_of

    shares = {}
    for month in months_of(period.engine_period):
        first = datetime.date(month // 100, month % 100, 1)
        last = datetime.date(
            month // 100, month % 100, calendar.monthrange(month // 100, month % 100)[1]
        )
        first, last = max(first, period.start), min(last, period.end)
        gone = (min(today, last) - first).days + 1
        shares[month] = Decimal(max(0, min(gone, (last - first).days + 1))) / (
            (last - first).days + 1
        )
    return shares


def scorecard_preview(
    period: EvaluationPeriod, person: Person, *, today: datetime.date | None = None
) -> CardPreview | None:
    """The person's card of an open period as if it closed today (`scorecards_preview` of
    one person). None when no active template covers the person."""
    return scorecards_preview(period, [person], today=today).get(person.pk)


def scorecards_preview(
    period: EvaluationPeriod, people: Sequence[Person], *, today: datetime.date | None = None
) -> dict[int, CardPreview]:
    """The people's cards of an open period so far (by person id), each scored by the person's
    template: given `today`, the sales so far against the targets due by today (a summed
    KPI's target to date; a level's target), so that someone on pace reads as on target
    whatever the date; without `today`, against the whole period's targets, as the close
    does. Left to the close: the ratings a manager enters (the person sees them once the
    period is published), ranks and a forced distribution (they need everyone's cards), so
    the rating is the one of the bands. Writes nothing; a constant number of queries for
    any number of people (their units loaded). Someone no active template covers gets no
    card."""
    compiled = compile_templates()
    chosen: dict[int, CompiledTemplate] = {}
    for person in people:
        template = template_for_person(
            compiled.values(), role=person.role, unit_path=person.unit.path if person.unit else ""
        )
        if template is not None:
            chosen[person.pk] = template
    if not chosen:
        return {}
    metrics = _metrics_needed(chosen.values())
    metric_of_kpi = {
        line.kpi.key: line.kpi.source_metric
        for template in chosen.values()
        for line in template.engine.lines
        if line.kpi.kind is scoring.KpiKind.METRIC
    }
    ids = list(chosen)
    targets = period_targets(period, metrics, person_ids=ids)[0]
    sold: dict[int, dict[str, Decimal | None]] = {
        pk: {metric: _zero_or_none(metric) for metric in metrics} for pk in ids
    }
    readable = []
    for metric in metrics:
        try:
            readable.append(MetricKey(metric))
        except ValueError:
            continue  # a custom metric has no actuals
    if readable:
        span = period.engine_period
        for key, result in actuals_of_metrics(
            user=COMPANY_READER, metrics=readable, periods=[span], people=ids
        ).items():
            for pk in ids:
                value = result.value(person=pk, period=span)
                if value is not None:
                    sold[pk][str(key)] = value
    # Given today, a summed metric is scored against its target to date (the months gone by);
    # a level (satisfaction, a margin) is a level at any date.
    summed = {metric for metric in metrics if _zero_or_none(metric) is not None}
    by_date = today is not None
    due: dict[int, dict[str, Decimal]] = {}
    if today is not None:
        shares = shares_to_date(period, today)
        due, _units = period_targets(period, metrics, person_ids=ids, shares=shares)

    def scored_against(pk: int) -> dict[str, Decimal]:
        whole = targets.get(pk, {})
        so_far = due.get(pk, {})
        return {
            kpi: so_far.get(metric, Decimal(0)) if by_date and metric in summed else whole[metric]
            for kpi, metric in metric_of_kpi.items()
            if metric in whole
        }

    engines = {
        template.key: dataclasses.replace(template.engine, forced_distribution=None)
        for template in chosen.values()
    }
    against = {pk: scored_against(pk) for pk in ids}
    cards = scoring.score_scorecards(
        templates=engines,
        people=[
            scoring.ScorecardInput(
                person_id=pk,
                template=chosen[pk].key,
                targets=dict(against[pk]),
                actuals=sold[pk],
            )
            for pk in ids
        ],
    )
    rows = ScorecardTemplate.objects.in_bulk({template.pk for template in chosen.values()})
    by_pk = {person.pk: person for person in people}
    previews = {}
    for pk, card in zip(ids, cards, strict=True):
        whole = targets.get(pk, {})
        previews[pk] = CardPreview(
            period=period,
            person=by_pk[pk],
            template=rows[chosen[pk].pk],
            card=card,
            to_date={
                kpi: target for kpi, target in against[pk].items() if metric_of_kpi[kpi] in summed
            }
            if by_date
            else {},
            whole={kpi: whole[metric] for kpi, metric in metric_of_kpi.items() if metric in whole},
        )
    return previews


def _zero_or_none(metric: str) -> Decimal | None:
    """A person who sold nothing has 0 of a summed metric, and no satisfaction average."""
    from salesalign.engines.metrics import MetricKey, RollUp, metric_definition

    try:
        definition = metric_definition(MetricKey(metric))
    except ValueError:
        return None
    return Decimal(0) if definition.roll_up is RollUp.SUM else None


# --- overrides -----------------------------------------------------------------------------


def _rating_of(score: Decimal, bands: Any) -> str:
    for band in _rating_bands(bands):
        if band.min_score is None or score >= band.min_score:
            return band.code
    return ""


@transaction.atomic
def scorecard_override(
    *, actor: Any, scorecard: Scorecard, score: Decimal | str, reason: str
) -> Scorecard:
    """Replace a card's total score, with the reason (audited); the rating follows the bands."""
    if not can_manage_periods(actor):
        raise NotAllowed(_("Only executives, HR and administrators override a score."))
    scorecard = (
        Scorecard.objects.select_for_update()
        .select_related("template", "period")
        .get(pk=scorecard.pk)
    )
    if (
        scorecard.period.status == PeriodStatus.OPEN
        or scorecard.version != scorecard.period.version
    ):
        raise DomainError(
            _("Only the cards of the current version of a closed period can be overridden."),
            code="not_current",
        )
    reason = clean_text(reason, field="reason", max_length=2000)
    if not reason:
        raise DomainError(_("Say why the score is overridden."), field="reason")
    value = _decimal(score, field="score").quantize(Decimal("0.01"))
    if value < 0 or value >= Decimal("1000000"):
        raise DomainError(_("Give a score between 0 and 999999.99."), field="score")
    scorecard.override_score = value
    scorecard.override_reason = reason
    scorecard.rating = _rating_of(value, scorecard.template.rating_bands)
    scorecard.full_clean()
    scorecard.save()
    return scorecard
