"""Reads of scorecards: one's own card, a unit's cards with their charts, what changed between
two versions, the templates — and the engine's explanation steps in words.

Every read goes through `Scorecard.objects.visible_to(user)`: a person reads their
own cards once the period is published, a manager the cards of the units they
manage, company-wide roles everything. Pages show the cards of the period's
current version; older versions stay readable through `scorecard_changes`.
Ranks are shown to a salesperson only when `settings.LEADERBOARDS_ENABLED` is on.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Avg, Count, F, Max, Prefetch
from django.db.models.functions import Substr
from django.http import Http404
from django.utils.translation import gettext as _

from salesalign.core.choices import Metric, Role
from salesalign.core.numbers import grouped, percent_text, readable
from salesalign.core.roles import person_of, role_of
from salesalign.core.templatetags.punctuation import clauses, joined, sentences
from salesalign.core.visibility import scope_for
from salesalign.organization.models import OrgUnit, Person
from salesalign.organization.selectors import STATUS_ALL, person_search
from salesalign.performance.choices import CLOSED_STATUSES, KpiDirection, KpiUnit, PeriodStatus
from salesalign.performance.models import (
    EvaluationPeriod,
    Kpi,
    Scorecard,
    ScorecardKpi,
    ScorecardTemplate,
)
from salesalign.performance.services.common import employed_during
from salesalign.performance.services.scorecards import (
    DEFAULT_ROLE,
    elapsed_percent,
    scorecard_preview,
    scorecards_preview,
)

# --- explanations in words -----------------------------------------------------------------


def _messages() -> dict[str, str]:
    """One sentence per step code of engines.scoring.StepCode, with its numbers."""
    return {
        "target_from_template": _("No target set: the template's target %(target)s counts."),
        "target_from_template_for_people": _(
            "No target set: the template's target %(target)s for each of its "
            "%(people)s salespeople, %(total)s."
        ),
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
        # All the weights counted (the usual case): dividing by 100 % says nothing.
        "weighted_all": _("Weighted: %(score)s × %(weight)s %% = %(weighted_score)s."),
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


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: The formula parameters of the steps: metric names and operators, said in words.
_FORMULA_PARAMS = frozenset({"formula", "operand", "denominator", "metric"})


#: The parameters the scorecard's table shows too, with two decimals: said the same way.
_AS_IN_TABLE = frozenset({"target", "actual", "total"})
#: The parameters that are values of the KPI itself: written in its unit, as the table does.
_KPI_VALUES = frozenset({"target", "actual", "total", "value"})


def kpi_number(value: Any, kpi: Kpi | None) -> str:
    """A KPI's target or actual as the pages write it, by the KPI's unit: money with two
    decimals, a count whole (with decimals only when a split credit made a part), a percent
    with its sign, anything else with the KPI's decimals; "—" for none."""
    if value is None or value == "":
        return "—"
    number = Decimal(value)
    unit = kpi.unit if kpi is not None else None
    if unit == KpiUnit.CURRENCY or kpi is None:
        return grouped(number, 2)
    if unit == KpiUnit.COUNT:
        whole = number == number.to_integral_value()
        return grouped(number, 0) if whole else grouped(number.normalize(), 2)
    written = grouped(number, kpi.decimals)
    if unit == KpiUnit.PERCENT:
        return percent_text(written)  # as every page writes a percent
    return written


def formula_words(text: str) -> str:
    """gross_profit / revenue * 100 → Gross profit ÷ Revenue × 100 (in the page's language)."""
    labels = dict(Metric.choices)
    words = _NAME.sub(lambda match: str(labels.get(match.group(), match.group())), text)
    return words.replace("*", "×").replace("/", "÷")


def _param_words(name: str, value: Any, kpi: Kpi | None = None) -> Any:
    if not isinstance(value, str):
        return value
    if name in _FORMULA_PARAMS:
        return formula_words(value)
    if _NUMBER.fullmatch(value):
        if kpi is not None and name in _KPI_VALUES:
            return kpi_number(value, kpi)
        return readable(Decimal(value), least_places=2 if name in _AS_IN_TABLE else 0)
    return value


def _is_hundred(value: Any) -> bool:
    try:
        return Decimal(str(value)) == 100
    except (InvalidOperation, ValueError):
        return False


def explain(step: dict[str, Any], kpi: Kpi | None = None) -> str:
    """A stored step ({"code", "params"}) as a translated sentence with its numbers grouped
    as the pages write them (the KPI's own values in its unit, when it is given) and its
    formula in words."""
    code = str(step.get("code"))
    if code == "weighted" and _is_hundred((step.get("params") or {}).get("weights_counted")):
        code = "weighted_all"
    message = _messages().get(code)
    if message is None:
        return str(step.get("code"))
    params = _Params(
        {name: _param_words(name, value, kpi) for name, value in (step.get("params") or {}).items()}
    )
    return message % params


# --- cards ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pace:
    """Where a KPI of an open period stands against its target to date: the monthly targets
    of the months gone by (the current month by its days gone by), which follow the plan's
    phasing rather than an even share of the period."""

    target_to_date: Decimal
    #: The actual in percent of the target to date; none without a target to date.
    percent: Decimal | None

    @property
    def on_pace(self) -> bool:
        return self.percent is not None and self.percent >= 100


@dataclass
class CardView:
    """A card as a page shows it: its lines with their explanations in words."""

    card: Scorecard
    lines: list[tuple[ScorecardKpi, list[str]]]
    steps: list[str]
    show_ranks: bool
    #: A card of an open period as if it closed today (not written; no ranks).
    preview: bool = False
    #: How much of an open period has gone by, in percent of its days (a preview's).
    elapsed: Decimal | None = None
    #: A preview's pace per summed KPI (by KPI key): its target to date and the actual
    #: against it.
    paces: dict[str, Pace] = field(default_factory=dict)

    @property
    def rows(self) -> list[tuple[ScorecardKpi, list[str], Pace | None]]:
        """The lines with their explanations and, on a preview, their pace."""
        return [(line, steps, self.paces.get(line.kpi.key)) for line, steps in self.lines]

    @property
    def elapsed_text(self) -> str:
        return percent_text(f"{self.elapsed:.0f}") if self.elapsed is not None else ""

    @property
    def dom_id(self) -> str:
        """The page element of the card: "scorecard", or one per open period's preview."""
        return f"scorecard-so-far-{self.card.period.key}" if self.preview else "scorecard"

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
        lines=[
            (line, [explain(step, line.kpi) for step in line.explanation])
            for line in card.kpis.all()
        ],
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


def _places(value: Any, places: int) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal(1).scaleb(-places))


def my_open_cards(*, user: Any, today: datetime.date) -> list[CardView]:
    """The user's cards of the open periods that have begun, as if each closed today: the
    period's targets against the sales so far (`scorecard_preview`, computed by the close's
    own scoring and writing nothing), for a salesperson to see where they stand before the
    close. A bounded number of queries per open period."""
    person = person_of(user)
    if person is None:
        return []
    person = Person.objects.select_related("unit").get(pk=person.pk)
    views = []
    for period in EvaluationPeriod.objects.filter(
        status=PeriodStatus.OPEN, start__lte=today
    ).order_by("start", "kind"):
        preview = scorecard_preview(period, person, today=today)
        if preview is None:
            continue
        kpis = Kpi.objects.in_bulk([line.kpi for line in preview.card.kpis], field_name="key")
        card = Scorecard(
            period=period,
            person=person,
            template=preview.template,
            total_score=preview.card.total_score,
            rating=preview.card.natural_rating or "",
            weights_counted=preview.card.weights_counted,
        )
        lines = []
        paces = {}
        for line in preview.card.kpis:
            kpi = kpis[line.kpi]
            if line.kpi in preview.to_date:
                paces[line.kpi] = pace_of(line.actual, preview.to_date[line.kpi])
            shown = ScorecardKpi(  # with the places a closed card stores
                kpi=kpi,
                target=_places(preview.whole.get(line.kpi, line.target), 4),  # the period's
                actual=_places(line.actual, 4),
                attainment=_places(line.attainment, 2),
                score=_places(line.score, 2),
                weight=line.weight.quantize(Decimal("0.01")),
                weighted_score=_places(line.weighted_score, 2),
            )
            lines.append((shown, [explain(step.as_json(), kpi) for step in line.explanation]))
        views.append(
            CardView(
                card=card,
                lines=lines,
                steps=[explain(step.as_json()) for step in preview.card.explanation],
                show_ranks=False,
                preview=True,
                elapsed=elapsed_percent(period, today),
                paces=paces,
            )
        )
    return views


# --- a unit's cards so far ------------------------------------------------------------------


@dataclass(frozen=True)
class PaceCell:
    """One KPI of one person so far: the actual, and where it stands against the target to
    date (None where the person's card has no such summed KPI)."""

    kpi: Kpi
    actual: Decimal | None
    pace: Pace


@dataclass(frozen=True)
class PersonSoFar:
    person: Person
    score: Decimal | None
    rating: str
    cells: list[PaceCell | None]


@dataclass
class UnitSoFar:
    """A unit's people in an open period, as if it closed today, a page of them at a time."""

    period: EvaluationPeriod | None
    unit: OrgUnit | None
    periods: list[EvaluationPeriod]
    units: list[OrgUnit]
    today: datetime.date
    rows: list[PersonSoFar] = field(default_factory=list)
    kpis: list[Kpi] = field(default_factory=list)
    page: Page | None = None
    #: How many people the unit has for the period (all pages).
    count: int = 0
    #: Ranked by score so far (a unit of up to `SO_FAR_RANKED_UP_TO` people), else by name.
    best_first: bool = False

    @property
    def elapsed_text(self) -> str:
        assert self.period is not None
        return percent_text(f"{elapsed_percent(self.period, self.today):.0f}")


#: Up to this many people, a unit's cards so far are all scored and ranked best first; a
#: larger unit is listed by name and scored a page at a time (each card is a small close).
SO_FAR_RANKED_UP_TO = 200


def unit_so_far(
    *,
    user: Any,
    period_pk: int | None,
    unit_pk: int | None,
    today: datetime.date,
    page_number: Any = 1,
    offset: int | None = None,
    limit: int = 50,
) -> UnitSoFar:
    """The people of a unit's subtree in an open period that has begun, best first (by the
    name shown in a unit larger than `SO_FAR_RANKED_UP_TO`, and in the API's `limit` from
    `offset`), a page of `CARDS_PER_PAGE` at a time: each one's card so far (the sales so
    far against the targets due by today, scored by the close's engine, written nowhere)
    with each summed KPI's actual, target to date and pace. For a manager's weekly look at
    who is behind, before the close. A constant number of queries whatever the number of
    people."""
    periods = list(
        EvaluationPeriod.objects.filter(status=PeriodStatus.OPEN, start__lte=today).order_by(
            "-start", "end"
        )
    )
    units = _visible_units(user)
    result = UnitSoFar(
        period=next(
            (item for item in periods if item.pk == period_pk), periods[0] if periods else None
        ),
        unit=next((item for item in units if item.pk == unit_pk), units[0] if units else None),
        periods=periods,
        units=units,
        today=today,
    )
    if result.period is None or result.unit is None:
        return result
    covered = {
        template.role or DEFAULT_ROLE
        for template in ScorecardTemplate.objects.filter(is_active=True).only("role")
    }
    people = person_search(  # by the name the page shows
        user=user, unit=result.unit, status=STATUS_ALL
    ).filter(employed_during(result.period), role__in=covered)
    if offset is None and people.count() <= SO_FAR_RANKED_UP_TO:
        # A team: everyone's card so far, best first, like the closed periods' cards.
        everyone = list(people)
        previews = scorecards_preview(result.period, everyone, today=today)
        everyone.sort(key=lambda person: _best_first(previews.get(person.pk)))
        result.page = Paginator(everyone, CARDS_PER_PAGE).get_page(page_number)
        shown = list(result.page.object_list)
        result.count = result.page.paginator.count
        result.best_first = True
    else:  # a large unit (by name, a page scored at a time), or the API's slice
        if offset is None:
            result.page = Paginator(people, CARDS_PER_PAGE).get_page(page_number)
            shown = list(result.page.object_list)
            result.count = result.page.paginator.count
        else:
            shown = list(people[offset : offset + limit])
            result.count = people.count()
        previews = scorecards_preview(result.period, shown, today=today)
    keys: dict[str, int] = {}
    for preview in previews.values():
        for position, line in enumerate(preview.card.kpis):
            if line.kpi in preview.to_date:
                keys.setdefault(line.kpi, position)
    kpis = Kpi.objects.in_bulk(list(keys), field_name="key")
    order = sorted(keys, key=lambda key: (keys[key], key))
    result.kpis = [kpis[key] for key in order]
    for person in shown:
        card = previews.get(person.pk)
        if card is None:
            continue  # a unit's own template leaves them out
        scored = {line.kpi: line for line in card.card.kpis}
        cells: list[PaceCell | None] = []
        for key in order:
            kpi_line = scored.get(key)
            due = card.to_date.get(key)
            if kpi_line is None or due is None:
                cells.append(None)
                continue
            cells.append(
                PaceCell(
                    kpi=kpis[key],
                    actual=_places(kpi_line.actual, 4),
                    pace=pace_of(kpi_line.actual, due),
                )
            )
        result.rows.append(
            PersonSoFar(
                person=person,
                score=_places(card.card.total_score, 2),
                rating=card.card.natural_rating or "",
                cells=cells,
            )
        )
    return result


def _best_first(preview: Any) -> tuple[bool, Decimal]:
    """Sort key of a card so far: the higher score first, no card (no template) last."""
    score = None if preview is None else preview.card.total_score
    return (score is None, -Decimal(score) if score is not None else Decimal(0))


def pace_of(actual: Decimal | int | None, due: Decimal) -> Pace:
    return Pace(
        target_to_date=due,
        percent=_places(100 * (actual or 0) / due, 1) if due else None,
    )


# --- a unit's cards ------------------------------------------------------------------------


#: People on a page of a unit's scorecards.
CARDS_PER_PAGE = 50
#: Up to this many people, the attainment chart shows each of them; above, a unit's
#: sub-units (a company of 10,000 people compared person by person is no chart). Fewer than
#: a page: the people charted are those of the one page.
PEOPLE_IN_CHART = 40


@dataclass
class UnitCards:
    """The cards of a unit's people for a period, and the data of its three charts.

    `cards` is the API's slice of them (`count` is of all), or the cards of `page` for the
    page; on the page each card has `cells`: its KPI lines in the order of `kpi_keys` (None
    where it has no such KPI).
    """

    period: EvaluationPeriod | None
    unit: OrgUnit | None
    periods: list[EvaluationPeriod]
    units: list[OrgUnit]
    cards: list[Scorecard] = field(default_factory=list)
    count: int = 0
    unit_card: Scorecard | None = None
    kpis: list[str] = field(default_factory=list)
    kpi_keys: list[str] = field(default_factory=list)
    charts: dict[str, Any] = field(default_factory=dict)
    page: Page | None = None


def _number(value: Decimal | float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def _visible_units(user: Any) -> list[OrgUnit]:
    """The units the user may see the cards of, in tree order (one query)."""
    scope = scope_for(user)
    units_query = OrgUnit.objects.order_by("path")
    if not scope.everything:
        units_query = units_query.filter(pk__in=scope.units())
    return list(units_query)


def _choose(*, user: Any, period_pk: int | None, unit_pk: int | None) -> UnitCards:
    """The closed periods and the units the user may see, and the chosen (or first) of each."""
    periods = list(
        EvaluationPeriod.objects.filter(status__in=CLOSED_STATUSES).order_by("-start", "kind")
    )
    units = _visible_units(user)
    period = next(
        (item for item in periods if item.pk == period_pk), periods[0] if periods else None
    )
    unit = next((item for item in units if item.pk == unit_pk), units[0] if units else None)
    return UnitCards(period=period, unit=unit, periods=periods, units=units)


def _people_cards(user: Any, result: UnitCards) -> Any:
    """The current cards of the people of the chosen unit's subtree, best first."""
    assert result.period is not None and result.unit is not None
    return (
        Scorecard.objects.visible_to(user)
        .filter(
            unit__path__startswith=result.unit.path,
            period=result.period,
            version=result.period.version,
            person__isnull=False,
        )
        .order_by(F("total_score").desc(nulls_last=True), "person__name", "pk")
    )


def _unit_card(user: Any, result: UnitCards) -> Scorecard | None:
    assert result.period is not None and result.unit is not None
    return (
        Scorecard.objects.visible_to(user)
        .filter(
            period=result.period,
            version=result.period.version,
            person__isnull=True,
            unit=result.unit,
        )
        .select_related("unit")
        .first()
    )


def unit_scorecards(
    *, user: Any, period_pk: int | None, unit_pk: int | None, offset: int = 0, limit: int = 50
) -> UnitCards:
    """The cards of a unit's people (its subtree) for a period, best first, with their lines:
    `limit` of them from `offset`, and `count` of all (the API).

    A constant number of queries whatever the number of people.
    """
    result = _choose(user=user, period_pk=period_pk, unit_pk=unit_pk)
    if result.period is None or result.unit is None:
        return result
    people = _people_cards(user, result)
    result.count = people.count()
    result.cards = list(_with_lines(people)[offset : offset + limit])
    result.unit_card = _unit_card(user, result)
    return result


def unit_scorecard_page(
    *, user: Any, period_pk: int | None, unit_pk: int | None, page_number: Any = 1
) -> UnitCards:
    """One page of a unit's cards for a period, and its charts over all of them.

    The table shows `CARDS_PER_PAGE` people, best first, a column per KPI any of them has;
    the charts are aggregated in the database: attainment by person (up to
    `PEOPLE_IN_CHART` people) or else by sub-unit, the rating distribution, and the average
    score over the periods. A constant number of queries, whatever the number of people.
    """
    result = _choose(user=user, period_pk=period_pk, unit_pk=unit_pk)
    period, unit = result.period, result.unit
    if period is None or unit is None:
        return result
    people = _people_cards(user, result)
    result.page = Paginator(_with_lines(people), CARDS_PER_PAGE).get_page(page_number)
    result.cards = list(result.page.object_list)
    result.unit_card = _unit_card(user, result)
    lines = ScorecardKpi.objects.filter(scorecard__in=people.order_by())
    columns = list(
        lines.values("kpi__key", "kpi__name", "kpi__name_en")
        .annotate(first=Avg("position"))
        .order_by("first", "kpi__key")
    )
    result.kpi_keys = [column["kpi__key"] for column in columns]
    result.kpis = [
        Kpi(name=column["kpi__name"], name_en=column["kpi__name_en"]).display_name
        for column in columns
    ]
    for card in result.cards:
        by_key = {line.kpi.key: line for line in card.kpis.all()}
        card.cells = [by_key.get(key) for key in result.kpi_keys]  # type: ignore[attr-defined]
    result.charts = {
        "attainment": _attainment_chart(result, lines),
        "ratings": _ratings_chart(people),
        "trend": _trend_chart(user, unit),
    }
    return result


def _attainment_chart(result: UnitCards, lines: Any) -> dict[str, Any]:
    """Attainment per KPI: of each person when few, else the average of each sub-unit."""
    assert result.page is not None and result.unit is not None
    unit = result.unit
    if result.page.paginator.count <= PEOPLE_IN_CHART:
        labels = [card.person.display_name if card.person else "" for card in result.cards]
        cells = [card.cells for card in result.cards]  # type: ignore[attr-defined]
        series = {
            key: [_number(row[index].attainment) if row[index] else None for row in cells]
            for index, key in enumerate(result.kpi_keys)
        }
        by = "person"
    else:
        width = len(unit.path) + OrgUnit.steplen
        averages = (
            lines.annotate(branch=Substr("scorecard__unit__path", 1, width))
            .values("branch", "kpi__key")
            .annotate(average=Avg("attainment"))
        )
        branches: dict[str, dict[str, float | None]] = defaultdict(dict)
        for row in averages:
            branches[row["branch"]][row["kpi__key"]] = _number(row["average"])
        names = {item.path: item.display_name for item in result.units}
        paths = sorted(branches)
        labels = [names.get(path, "") for path in paths]
        series = {key: [branches[path].get(key) for path in paths] for key in result.kpi_keys}
        by = "unit"
    return {
        "by": by,
        "labels": labels,
        "series": [
            {"name": name, "data": series.get(key, [])}
            for key, name in zip(result.kpi_keys, result.kpis, strict=True)
        ],
    }


def _ratings_chart(people: Any) -> dict[str, Any]:
    """How many people have each rating, best rating first (S, A, B … as the bands rank them:
    by the best score that has it), no rating last."""
    rows = (
        people.order_by()
        .values("rating")
        .annotate(count=Count("pk"), best=Max("total_score"))
        .order_by(F("best").desc(nulls_last=True), "rating")
    )
    codes = [row["rating"] or "—" for row in rows]
    return {"codes": codes, "counts": [row["count"] for row in rows]}


def _trend_chart(user: Any, unit: OrgUnit) -> dict[str, Any]:
    """The average total score of the unit's people, per closed period."""
    rows = (
        _current(
            Scorecard.objects.visible_to(user).filter(
                unit__path__startswith=unit.path, person__isnull=False, total_score__isnull=False
            )
        )
        .values("period__key", "period__start", "period__kind")
        .annotate(average=Avg("total_score"))
        .order_by("period__start", "period__kind")
    )
    return {
        "periods": [row["period__key"] for row in rows],
        "average": [_number(row["average"]) for row in rows],
    }


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


def rule_text(rule: Any, *, lower_is_better: bool = False, kpi: Kpi | None = None) -> str:
    """A template line's scoring rule (`TemplateKpi.rule`) in words, for the people scored
    (its default target in the unit of `kpi`, when it is given)."""
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
        words.append(_("Bands of attainment: %(bands)s.") % {"bands": clauses(bands)})
    else:
        return str(rule)
    if rule.get("target") not in (None, ""):
        words.append(
            _("Without a personal target, the target is %(target)s.")
            % {"target": kpi_number(rule["target"], kpi) if kpi is not None else rule["target"]}
        )
    if lower_is_better:
        words.append(
            _("Lower is better: attainment is at most %(maximum)s %%.")
            % {"maximum": rule.get("max_attainment", 200)}
        )
    return sentences(words)


def band_words(bands: Any) -> list[str]:
    """A template's rating bands (best first) as read: "S ≥ 115", "A ≥ 100", …, and the last
    one, which takes every lower score, "D < 60"."""
    words: list[str] = []
    above: Any = None
    for band in bands if isinstance(bands, list) else []:
        if not isinstance(band, dict):
            continue
        code, minimum = band.get("code", ""), band.get("min_score")
        if minimum not in (None, "") and Decimal(str(minimum)) > 0:
            words.append(f"{code} ≥ {minimum}")
        elif above is not None:
            words.append(f"{code} < {above}")
        else:
            words.append(str(code))
        above = minimum
    return words


def distribution_text(distribution: Any, bands: Any = None) -> str:
    """A template's forced distribution (`ScorecardTemplate.forced_distribution`) in words, for
    the people scored: "S at most 10 %, A at most 20 % of the people, within each team.".

    The ratings come in the order of `bands` (best first): PostgreSQL keeps a JSON object's
    keys sorted, not in the order they were written."""
    if not isinstance(distribution, dict) or not isinstance(distribution.get("max_percent"), dict):
        return ""
    order = [band.get("code") for band in bands or () if isinstance(band, dict)]
    limits = sorted(
        distribution["max_percent"].items(),
        key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0]),
    )
    shares = joined(
        _("%(rating)s at most %(percent)s %%") % {"rating": code, "percent": percent}
        for code, percent in limits
    )
    if not shares:
        return ""
    scopes = {
        "all": _("among everyone on this template"),
        "department": _("within each department"),
        "team": _("within each team"),
    }
    scope = scopes.get(distribution.get("scope") or "all", str(distribution.get("scope")))
    return _("%(shares)s of the people, %(scope)s.") % {"shares": shares, "scope": scope}


def template_list(*, user: Any) -> list[ScorecardTemplate]:
    """Every template with its KPIs (any employee may read how they are scored); each line
    carries its rule in words as `rule_words`, each template its forced distribution as
    `distribution_words`."""
    if scope_for(user).nothing:
        return []
    templates = list(
        ScorecardTemplate.objects.select_related("unit")
        .prefetch_related("lines__kpi")
        .order_by("name")
    )
    for template in templates:
        template.distribution_words = distribution_text(  # type: ignore[attr-defined]
            template.forced_distribution, template.rating_bands
        )
        for line in template.lines.all():
            line.rule_words = rule_text(  # type: ignore[attr-defined]
                line.rule, lower_is_better=line.kpi.direction == KpiDirection.LOWER, kpi=line.kpi
            )
        template.band_words = band_words(template.rating_bands)  # type: ignore[attr-defined]
    return templates


def template_get(*, pk: int) -> ScorecardTemplate:
    """One template with its unit and KPIs, as its editor shows it (404 when there is none)."""
    template = (
        ScorecardTemplate.objects.select_related("unit")
        .prefetch_related("lines__kpi")
        .filter(pk=pk)
        .first()
    )
    if template is None:
        raise Http404(_("No such scorecard template."))
    return template
