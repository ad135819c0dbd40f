"""API endpoints of scorecards and their templates (thin: parse, call one selector or service)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from salesalign.core.api import PageIn, api_user, kept, page_of
from salesalign.core.exceptions import DomainError
from salesalign.organization.models import OrgUnit
from salesalign.performance.models import ScorecardTemplate
from salesalign.performance.selectors import scorecards as selectors
from salesalign.performance.services import scorecards as services

router = Router(tags=["performance"])


class ScorecardKpiOut(Schema):
    kpi: str
    target: Decimal | None
    actual: Decimal | None
    attainment: Decimal | None
    score: Decimal | None
    weight: Decimal
    weighted_score: Decimal | None
    explanation: list[str]


class ScorecardOut(Schema):
    id: int
    period: str
    period_start: date
    version: int
    person_id: int | None
    unit_id: int
    total_score: Decimal | None
    override_score: Decimal | None
    rating: str
    team_rank: int | None
    team_size: int | None
    department_rank: int | None
    department_size: int | None
    kpis: list[ScorecardKpiOut]
    explanation: list[str]


class ScorecardKpiSoFarOut(ScorecardKpiOut):
    #: The monthly targets of the months gone by, this month by its days gone by (summed
    #: KPIs only; null for a level such as satisfaction).
    target_to_date: Decimal | None
    #: The actual in percent of the target to date; 100 or more is on pace.
    pace: Decimal | None


class ScorecardSoFarOut(Schema):
    """A card of an open period as if it closed today: not stored (no id, no version), no
    ranks; the rating is the one of the bands."""

    period: str
    period_start: date
    period_end: date
    person_id: int
    total_score: Decimal | None
    rating: str
    kpis: list[ScorecardKpiSoFarOut]
    explanation: list[str]


class TemplateKpiIn(Schema):
    kpi: str
    weight: Decimal
    rule: dict[str, Any] = {}


class TemplateKpiOut(TemplateKpiIn):
    pass


class TemplateIn(Schema):
    name: str
    name_en: str = ""
    role: str = ""
    unit_id: int | None = None
    lines: list[TemplateKpiIn]
    rating_bands: list[dict[str, Any]] | None = None
    forced_distribution: dict[str, Any] | None = None
    missing: str = "exclude"
    #: Left out: a new template is active, a changed one keeps its state.
    is_active: bool | None = None


class TemplateOut(Schema):
    id: int
    name: str
    name_en: str
    role: str
    unit_id: int | None
    is_active: bool
    rating_bands: list[dict[str, Any]]
    forced_distribution: dict[str, Any] | None
    missing: str
    lines: list[TemplateKpiOut]


def _card(user: Any, view: selectors.CardView) -> dict[str, Any]:
    card = view.card
    ranks = view.show_ranks
    return {
        "id": card.pk,
        "period": card.period.key,
        "period_start": card.period.start,
        "version": card.version,
        "person_id": card.person_id,
        "unit_id": card.unit_id,
        "total_score": card.total_score,
        "override_score": card.override_score,
        "rating": card.rating,
        "team_rank": card.team_rank if ranks else None,
        "team_size": card.team_size if ranks else None,
        "department_rank": card.department_rank if ranks else None,
        "department_size": card.department_size if ranks else None,
        "kpis": [
            {
                "kpi": line.kpi.key,
                "target": line.target,
                "actual": line.actual,
                "attainment": line.attainment,
                "score": line.score,
                "weight": line.weight,
                "weighted_score": line.weighted_score,
                "explanation": steps,
            }
            for line, steps in view.lines
        ],
        "explanation": view.steps,
    }


def _template(template: Any) -> dict[str, Any]:
    return {
        "id": template.pk,
        "name": template.name,
        "name_en": template.name_en,
        "role": template.role,
        "unit_id": template.unit_id,
        "is_active": template.is_active,
        "rating_bands": template.rating_bands,
        "forced_distribution": template.forced_distribution,
        "missing": template.missing,
        "lines": [
            {"kpi": line.kpi.key, "weight": line.weight, "rule": line.rule}
            for line in template.lines.all()
        ],
    }


@router.get("/scorecards/mine", response=list[ScorecardOut], summary="List my scorecards")
def my_scorecards(request: HttpRequest) -> Any:
    """The caller's own cards of published periods (current versions), newest first."""
    user = api_user(request)
    return [
        _card(user, selectors.scorecard_get(user=user, pk=card.pk))
        for card in selectors.my_scorecards(user=user)
    ]


@router.get(
    "/scorecards/mine/so-far",
    response=list[ScorecardSoFarOut],
    summary="My scorecards of the open periods so far",
)
def my_scorecards_so_far(request: HttpRequest) -> Any:
    """The caller's cards of the open periods that have begun, as if each closed today: the
    period's targets against the sales so far (the page's "so far" cards)."""
    user = api_user(request)
    result = []
    for view in selectors.my_open_cards(user=user, today=timezone.localdate()):
        card = _card(user, view)
        result.append(
            {
                **{key: card[key] for key in ("period", "period_start", "total_score", "rating")},
                "period_end": view.card.period.end,
                "person_id": view.card.person_id,
                "kpis": [
                    {
                        **line,
                        "target_to_date": pace.target_to_date if pace else None,
                        "pace": pace.percent if pace else None,
                    }
                    for line, (_kpi, _steps, pace) in zip(card["kpis"], view.rows, strict=True)
                ],
                "explanation": card["explanation"],
            }
        )
    return result


class ScorecardPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[ScorecardOut]


@router.get(
    "/scorecards", response=ScorecardPageOut, summary="List a unit's scorecards of a period"
)
def unit_scorecards(request: HttpRequest, period_id: int, unit_id: int, page: Query[PageIn]) -> Any:
    """The cards of the people of a unit's subtree the caller may see (managers: their units),
    best first, a page at a time (`limit`, `offset`; `count` is of all)."""
    user = api_user(request)
    cards = selectors.unit_scorecards(
        user=user, period_pk=period_id, unit_pk=unit_id, offset=page.offset, limit=page.limit
    )
    if cards.period is None or cards.unit is None or cards.unit.pk != unit_id:
        return page_of([], page)
    return {
        "count": cards.count,
        "limit": page.limit,
        "offset": page.offset,
        "items": [_card(user, selectors.card_view(user, card)) for card in cards.cards],
    }


class PaceOut(Schema):
    kpi: str
    actual: Decimal | None
    target_to_date: Decimal
    #: The actual in percent of the target to date; null when nothing is due yet.
    pace: Decimal | None


class PersonSoFarOut(Schema):
    person_id: int
    total_score: Decimal | None
    rating: str
    kpis: list[PaceOut]


class UnitSoFarOut(Schema):
    period: str | None
    unit_id: int | None
    count: int
    limit: int
    offset: int
    items: list[PersonSoFarOut]


@router.get(
    "/scorecards/so-far",
    response=UnitSoFarOut,
    summary="A unit's people in an open period so far, with their pace",
)
def unit_so_far(request: HttpRequest, period_id: int, unit_id: int, page: Query[PageIn]) -> Any:
    """The people of a unit's subtree the caller may see (managers: their units) in an open
    period that has begun, as if it closed today: score, rating from the bands, and each
    summed KPI's actual, target to date and pace. By name, `limit` from `offset`."""
    user = api_user(request)
    result = selectors.unit_so_far(
        user=user,
        period_pk=period_id,
        unit_pk=unit_id,
        today=timezone.localdate(),
        offset=page.offset,
        limit=page.limit,
    )
    if (
        result.period is None
        or result.period.pk != period_id
        or result.unit is None
        or result.unit.pk != unit_id
    ):  # not an open period that has begun, or not a unit the caller may see
        return {
            "period": None,
            "unit_id": None,
            "count": 0,
            "limit": page.limit,
            "offset": page.offset,
            "items": [],
        }
    return {
        "period": result.period.key,
        "unit_id": result.unit.pk,
        "count": result.count,
        "limit": page.limit,
        "offset": page.offset,
        "items": [
            {
                "person_id": row.person.pk,
                "total_score": row.score,
                "rating": row.rating,
                "kpis": [
                    {
                        "kpi": cell.kpi.key,
                        "actual": cell.actual,
                        "target_to_date": cell.pace.target_to_date,
                        "pace": cell.pace.percent,
                    }
                    for cell in row.cells
                    if cell is not None
                ],
            }
            for row in result.rows
        ],
    }


@router.get("/scorecards/{scorecard_id}", response=ScorecardOut, summary="Get a scorecard")
def scorecard_get(request: HttpRequest, scorecard_id: int) -> Any:
    user = api_user(request)
    return _card(user, selectors.scorecard_get(user=user, pk=scorecard_id))


@router.get(
    "/scorecard-templates", response=list[TemplateOut], summary="List the scorecard templates"
)
def template_list(request: HttpRequest) -> Any:
    return [_template(template) for template in selectors.template_list(user=api_user(request))]


def _template_saved(
    request: HttpRequest, payload: TemplateIn, template: ScorecardTemplate | None = None
) -> ScorecardTemplate:
    unit = OrgUnit.objects.filter(pk=payload.unit_id).first() if payload.unit_id else None
    if payload.unit_id and unit is None:
        raise DomainError(_("No such unit."), field="unit_id")
    return services.template_save(
        actor=api_user(request),
        name=payload.name,
        name_en=payload.name_en,
        role=payload.role,
        unit=unit,
        lines=[line.model_dump() for line in payload.lines],
        rating_bands=payload.rating_bands,
        forced_distribution=payload.forced_distribution,
        missing=payload.missing,
        is_active=kept(payload.is_active, template),
        template=template,
    )


@router.post(
    "/scorecard-templates", response={201: TemplateOut}, summary="Create a scorecard template"
)
def template_create(request: HttpRequest, payload: TemplateIn) -> Any:
    """Weights must total 100 %; the engine validates every rule before anything is saved."""
    return Status(201, _template(_template_saved(request, payload)))


@router.put(
    "/scorecard-templates/{template_id}",
    response=TemplateOut,
    summary="Change a scorecard template",
)
def template_update(request: HttpRequest, template_id: int, payload: TemplateIn) -> Any:
    """The whole template as it should be (its lines replace the old ones), checked as a new
    one is; cards already computed keep their numbers until their period is recalculated."""
    template = get_object_or_404(ScorecardTemplate, pk=template_id)
    return _template(_template_saved(request, payload, template))
