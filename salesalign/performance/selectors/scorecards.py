"""Reads of scorecards: one's own card, a unit's cards with their charts, what changed between
two versions, the templates — and the engine's explanation steps in words.

Every read goes through `Scorecard.objects.visible_to(user)`: a person reads their
own cards once the period is published, a manager the cards of the units they
manage, company-wide roles everything. Pages show the cards of the period's
current version; older versions stay readable through `scorecard_changes`.
Ranks are shown to a salesperson only when `settings.LEADERBOARDS_ENABLED` is on.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F, Prefetch, Q
from django.http import Http404
from django.utils.translation import gettext as _

from salesalign.core.choices import Role
from salesalign.core.roles import role_of
from salesalign.core.visibility import scope_for
from salesalign.organization.models import OrgUnit
from salesalign.performance.choices import CLOSED_STATUSES, KpiDirection
from salesalign.performance.models import (
    EvaluationPeriod,
    Scorecard,
    ScorecardKpi,
    ScorecardTemplate,
)

# --- explanations in words -----------------------------------------------------------------


def _messages() -> dict[str, str]:
    """One sentence per step code of engines.scoring.StepCode, with its numbers."""
    return {
        "target_from_template": _("No personal target: the template's target %(target)s counts."),
        "target_missing": _("There is no target."),
        "target_not_positive": _("The target %(target)s is 0 or less and cannot be attained."),
        "actual_missing": _("There is no actual value of %(metric)s."),
        "rating_missing": _("No rating was entered."),
        "formula": _("Computed as %(formula)s = %(value)s."),
        "formula_operand_missing": _("%(formula)s cannot be computed: %(operand)s is missing."),
        "formula_zero_denominator": _("%(formula)s cannot be computed: %(denominator)s is zero."),
        "missing_excluded": _("Left out; its weight of %(weight)s %% is shared by the other KPIs."),
        "missing_scored_zero": _("Scored 0 and keeps its weight of %(weight)s %%."),
        "attainment": _("Attainment: %(actual)s against %(target)s = %(attainment)s %%."),
        "attainment_capped": _("Attainment %(uncapped)s %% is capped at %(maximum)s %%."),
        "attainment_at_maximum": _(
            "An actual of %(actual)s is the best possible result: %(maximum)s %%."
        ),
        "linear": _("Score: attainment %(attainment)s %% counts as %(score)s points."),
        "zero_below": _("Attainment %(attainment)s %% is below %(zero_below)s %%: 0 points."),
        "clamped_to_floor": _("%(unclamped)s points are raised to the floor of %(floor)s."),
        "clamped_to_cap": _("%(unclamped)s points are limited to the cap of %(cap)s."),
        "band": _(
            "Attainment %(attainment)s %% is in band %(band)s (from %(from)s %%): %(score)s points."
        ),
        "below_all_bands": _(
            "Attainment %(attainment)s %% is below the lowest band (%(lowest)s %%): 0 points."
        ),
        "weighted": _(
            "Weighted: %(score)s × %(weight)s %% / %(weights_counted)s %% = %(weighted_score)s."
        ),
        "total": _(
            "Total: %(total_score)s points from %(kpis_counted)s of %(kpis)s KPIs "
            "(weights counted: %(weights_counted)s %%)."
        ),
        "nothing_measured": _("No KPI could be measured: no total, rating or rank."),
        "rating": _("%(total_score)s points give the rating %(rating)s."),
        "forced_distribution": _(
            "The rating %(natural)s is full (at most %(max_percent)s %%, %(allowed)s of "
            "%(group_size)s people): %(rating)s."
        ),
    }


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "—"


def explain(step: dict[str, Any]) -> str:
    """A stored step ({"code", "params"}) as a translated sentence with its numbers."""
    message = _messages().get(str(step.get("code")))
    params = _Params(step.get("params") or {})
    if message is None:
        return str(step.get("code"))
    return message % params


# --- cards ---------------------------------------------------------------------------------


@dataclass
class CardView:
    """A card as a page shows it: its lines with their explanations in words."""

    card: Scorecard
    lines: list[tuple[ScorecardKpi, list[str]]]
    steps: list[str]
    show_ranks: bool

    @property
    def score(self) -> Decimal | None:
        card = self.card
        return card.override_score if card.override_score is not None else card.total_score


def shows_ranks(user: Any) -> bool:
    """Salespeople see ranks only when the company turns leaderboards on."""
    role = role_of(user)
    if role in (Role.SALESPERSON, None):
        return bool(getattr(settings, "LEADERBOARDS_ENABLED", False))
    return True


def _current(queryset: Any) -> Any:
    """Cards of the current version of closed (or published) periods."""
    return queryset.filter(version=F("period__version"), period__status__in=CLOSED_STATUSES)


def _with_lines(queryset: Any) -> Any:
    return queryset.select_related("period", "person", "unit", "template").prefetch_related(
        Prefetch("kpis", queryset=ScorecardKpi.objects.select_related("kpi").order_by("position"))
    )


def card_view(user: Any, card: Scorecard) -> CardView:
    return CardView(
        card=card,
        lines=[(line, [explain(step) for step in line.explanation]) for line in card.kpis.all()],
        steps=[explain(step) for step in card.explanation],
        show_ranks=shows_ranks(user),
    )


def my_scorecards(*, user: Any) -> list[Scorecard]:
    """The user's own cards (published periods), newest period first."""
    person_id = scope_for(user).person_id
    if person_id is None:
        return []
    return list(
        _current(Scorecard.objects.visible_to(user).filter(person_id=person_id))
        .select_related("period")
        .order_by("-period__start", "period__kind")
    )


def scorecard_get(*, user: Any, pk: int) -> CardView:
    """One card the user may see (404 otherwise), with its lines and explanations."""
    card = _with_lines(Scorecard.objects.visible_to(user)).filter(pk=pk).first()
    if card is None:
        raise Http404(_("No such scorecard."))
    return card_view(user, card)


def my_scorecard(*, user: Any, period_pk: int | None) -> tuple[list[Scorecard], CardView | None]:
    """The user's cards and the one of the chosen period (the newest without a choice)."""
    cards = my_scorecards(user=user)
    if not cards:
        return [], None
    chosen = next((card for card in cards if card.period_id == period_pk), cards[0])
    return cards, scorecard_get(user=user, pk=chosen.pk)


# --- a unit's cards ------------------------------------------------------------------------


@dataclass
class UnitCards:
    """The cards of a unit's people for a period, and the data of its three charts."""

    period: EvaluationPeriod | None
    unit: OrgUnit | None
    periods: list[EvaluationPeriod]
    units: list[OrgUnit]
    cards: list[Scorecard] = field(default_factory=list)
    unit_card: Scorecard | None = None
    kpis: list[str] = field(default_factory=list)
    charts: dict[str, Any] = field(default_factory=dict)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def unit_scorecards(*, user: Any, period_pk: int | None, unit_pk: int | None) -> UnitCards:
    """A unit's cards (its subtree's people) for a period: the table and the charts' data.

    A constant number of queries whatever the number of people and periods.
    """
    visible = Scorecard.objects.visible_to(user)
    periods = list(
        EvaluationPeriod.objects.filter(status__in=CLOSED_STATUSES).order_by("-start", "kind")
    )
    scope = scope_for(user)
    units_query = OrgUnit.objects.order_by("path")
    if not scope.everything:
        condition = Q(pk__in=[])
        for path in scope.unit_paths:
            condition |= Q(path__startswith=path)
        units_query = units_query.filter(condition)
    units = list(units_query)
    period = next(
        (item for item in periods if item.pk == period_pk), periods[0] if periods else None
    )
    unit = next((item for item in units if item.pk == unit_pk), units[0] if units else None)
    result = UnitCards(period=period, unit=unit, periods=periods, units=units)
    if period is None or unit is None:
        return result
    in_unit = visible.filter(unit__path__startswith=unit.path)
    cards = list(
        _with_lines(
            in_unit.filter(period=period, version=period.version, person__isnull=False)
        ).order_by(F("total_score").desc(nulls_last=True), "person__name")
    )
    result.cards = cards
    result.unit_card = (
        in_unit.filter(period=period, version=period.version, person__isnull=True, unit=unit)
        .select_related("unit")
        .first()
    )
    kpis: dict[str, str] = {}
    for card in cards:
        for line in card.kpis.all():
            kpis.setdefault(line.kpi.key, line.kpi.display_name)
    result.kpis = list(kpis.values())
    attainment: dict[str, list[float | None]] = {name: [] for name in kpis.values()}
    names = []
    for card in cards:
        names.append(card.person.display_name if card.person else "")
        by_kpi = {line.kpi.key: line.attainment for line in card.kpis.all()}
        for key, name in kpis.items():
            attainment[name].append(_number(by_kpi.get(key)))
    ratings = Counter(card.rating or "—" for card in cards)
    # The trend: the average total score of the unit's people, per closed period.
    trend_rows = (
        _current(in_unit.filter(person__isnull=False, total_score__isnull=False))
        .values_list("period__key", "period__start", "period__kind", "total_score")
        .order_by("period__start")
    )
    totals: dict[tuple[Any, str, str], list[Decimal]] = defaultdict(list)
    for key, start, kind, total in trend_rows:
        totals[(start, kind, key)].append(total)
    trend_keys = sorted(totals)
    result.charts = {
        "people": names,
        "attainment": [{"name": name, "data": data} for name, data in attainment.items()],
        "ratings": {
            "codes": sorted(ratings),
            "counts": [ratings[code] for code in sorted(ratings)],
        },
        "trend": {
            "periods": [key for _, _, key in trend_keys],
            "average": [
                float(sum(totals[item], Decimal(0)) / len(totals[item])) for item in trend_keys
            ],
        },
    }
    return result


# --- versions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScorecardChange:
    """One figure that differs between two versions of a period's cards."""

    person_id: int | None
    unit_id: int
    name: str
    what: str  # total_score, rating, a KPI key (its score), "added" or "removed"
    before: Any
    after: Any


def scorecard_changes(
    *, period: EvaluationPeriod, from_version: int, to_version: int, user: Any = None
) -> list[ScorecardChange]:
    """What changed between two versions of a period: totals, ratings, KPI scores, cards."""
    cards = Scorecard.objects.filter(period=period, version__in=[from_version, to_version])
    if user is not None:
        cards = cards.visible_to(user)
    by_version: dict[int, dict[tuple[int | None, int | None], Scorecard]] = defaultdict(dict)
    for card in _with_lines(cards):
        subject = (card.person_id, None if card.person_id else card.unit_id)
        by_version[card.version][subject] = card
    before, after = by_version[from_version], by_version[to_version]
    changes: list[ScorecardChange] = []

    def name_of(card: Scorecard) -> str:
        return card.person.display_name if card.person else card.unit.display_name

    for subject in sorted(set(before) | set(after), key=lambda item: (item[0] or 0, item[1] or 0)):
        old, new = before.get(subject), after.get(subject)
        card = new or old
        assert card is not None
        if old is None or new is None:
            changes.append(
                ScorecardChange(
                    card.person_id,
                    card.unit_id,
                    name_of(card),
                    "added" if old is None else "removed",
                    None if old is None else old.total_score,
                    None if new is None else new.total_score,
                )
            )
            continue
        for what in ("total_score", "rating"):
            if getattr(old, what) != getattr(new, what):
                changes.append(
                    ScorecardChange(
                        card.person_id,
                        card.unit_id,
                        name_of(card),
                        what,
                        getattr(old, what),
                        getattr(new, what),
                    )
                )
        old_lines = {line.kpi.key: line.score for line in old.kpis.all()}
        for line in new.kpis.all():
            if old_lines.get(line.kpi.key) != line.score:
                changes.append(
                    ScorecardChange(
                        card.person_id,
                        card.unit_id,
                        name_of(card),
                        line.kpi.key,
                        old_lines.get(line.kpi.key),
                        line.score,
                    )
                )
    return changes


# --- templates -----------------------------------------------------------------------------


def rule_text(rule: Any, *, lower_is_better: bool = False) -> str:
    """A template line's scoring rule (`TemplateKpi.rule`) in words, for the people scored."""
    if not isinstance(rule, dict):
        return str(rule)
    words: list[str] = []
    kind = rule.get("kind", "linear")
    if kind == "linear":
        words.append(
            _("Attainment counts as points, at least %(floor)s and at most %(cap)s.")
            % {"floor": rule.get("floor", 0), "cap": rule.get("cap", 120)}
        )
        if rule.get("zero_below") not in (None, ""):
            words.append(
                _("Below %(zero_below)s %% attainment: 0 points.")
                % {"zero_below": rule["zero_below"]}
            )
    elif kind == "bands" and isinstance(rule.get("bands"), list):
        bands = [
            _("from %(from)s %%: %(score)s points")
            % {"from": band.get("from"), "score": band.get("score")}
            for band in rule["bands"]
            if isinstance(band, dict)
        ]
        words.append(_("Bands of attainment: %(bands)s.") % {"bands": "; ".join(bands)})
    else:
        return str(rule)
    if rule.get("target") not in (None, ""):
        words.append(
            _("Without a personal target, the target is %(target)s.") % {"target": rule["target"]}
        )
    if lower_is_better:
        words.append(
            _("Lower is better: attainment is at most %(maximum)s %%.")
            % {"maximum": rule.get("max_attainment", 200)}
        )
    return " ".join(words)


def template_list(*, user: Any) -> list[ScorecardTemplate]:
    """Every template with its KPIs (any employee may read how they are scored); each line
    carries its rule in words as `rule_words`."""
    if scope_for(user).nothing:
        return []
    templates = list(
        ScorecardTemplate.objects.select_related("unit")
        .prefetch_related("lines__kpi")
        .order_by("name")
    )
    for template in templates:
        for line in template.lines.all():
            line.rule_words = rule_text(  # type: ignore[attr-defined]
                line.rule, lower_is_better=line.kpi.direction == KpiDirection.LOWER
            )
    return templates
