"""Reads of the KPI library, of managers' rating sheets and of incentive plans.

Who rates whom is decided here (`rateable_people`): a manager the people of the
units they manage and of the units below (never themselves), HR anyone. The
KPIs a person is rated on are the rating KPIs of the template the close scores
them with (`services.scorecards.template_for_person`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from salesalign.core.roles import person_of
from salesalign.core.visibility import scope_for
from salesalign.organization.models import OrgUnit, Person, in_name_order
from salesalign.performance.choices import KpiKind, PeriodStatus
from salesalign.performance.models import (
    EvaluationPeriod,
    IncentivePlan,
    Kpi,
    ManagerRating,
    ScorecardTemplate,
)
from salesalign.performance.selectors.access import is_hr

# --- the KPI library -----------------------------------------------------------------------


def kpi_list(*, user: Any) -> list[Kpi]:
    """Every KPI, standard first (any employee may read what they are measured on)."""
    if scope_for(user).nothing:
        return []
    return list(Kpi.objects.order_by("-is_standard", "key"))


def kpi_get(*, user: Any, pk: int) -> Kpi:
    """One KPI; "not found" for a login without a person or an unknown id."""
    found = Kpi.objects.filter(pk=pk).first() if not scope_for(user).nothing else None
    if found is None:
        raise Http404("No such KPI.")
    return found


# --- who rates whom ------------------------------------------------------------------------


def _managed_paths(user: Any) -> list[str]:
    me = person_of(user)
    if me is None:
        return []
    return list(OrgUnit.objects.filter(manager_id=me.pk).values_list("path", flat=True))


def can_rate(user: Any) -> bool:
    """HR and the managers of some unit enter ratings."""
    return is_hr(user) or bool(_managed_paths(user))


def rateable_people(
    user: Any, *, person_ids: Iterable[int] | None = None, within: OrgUnit | None = None
) -> list[Person]:
    """The active people the user rates (their units loaded), by unit then name; two queries.

    `within`: only the people of that unit's subtree (a large company rates unit by unit).
    """
    me = person_of(user)
    if me is None:
        return []
    people = Person.objects.filter(is_active=True).exclude(pk=me.pk)
    if not is_hr(user):
        paths = _managed_paths(user)
        if not paths:
            return []
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(unit__path__startswith=path)
        people = people.filter(condition)
    if person_ids is not None:
        people = people.filter(pk__in=sorted(set(person_ids)))
    if within is not None:
        people = people.filter(unit__path__startswith=within.path)
    return list(in_name_order(people.select_related("unit"), "unit__path"))


def rating_kpis_by_person(people: Sequence[Person]) -> dict[int, dict[str, Kpi]]:
    """For each person (their unit loaded), the rating KPIs of their template; two queries."""
    from salesalign.performance.services.scorecards import compile_templates, template_for_person

    if not people:
        return {}
    templates = list(
        ScorecardTemplate.objects.filter(is_active=True)
        .select_related("unit")
        .prefetch_related("lines__kpi")
        .order_by("pk")
    )
    compiled = compile_templates(templates)
    rating_kpis = {
        template.pk: {
            line.kpi.key: line.kpi
            for line in sorted(template.lines.all(), key=lambda line: (line.position, line.pk))
            if line.kpi.kind == KpiKind.RATING
        }
        for template in templates
    }
    result: dict[int, dict[str, Kpi]] = {}
    for person in people:
        template = template_for_person(
            compiled.values(), role=person.role, unit_path=person.unit.path
        )
        result[person.pk] = dict(rating_kpis[template.pk]) if template is not None else {}
    return result


# --- a rating sheet ------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingCell:
    kpi: Kpi
    applies: bool
    value: Decimal | None = None
    comment: str = ""


@dataclass(frozen=True)
class RatingRow:
    person: Person
    cells: list[RatingCell]


@dataclass(frozen=True)
class RatingSheet:
    """The people a user rates × the rating KPIs of their templates, for one period."""

    period: EvaluationPeriod
    kpis: list[Kpi]
    rows: list[RatingRow]
    editable: bool
    #: The units the user may narrow the sheet to, and the one chosen (None: all).
    units: list[tuple[int, str]] = field(default_factory=list)
    unit_id: int | None = None


def rating_periods(*, user: Any) -> list[EvaluationPeriod]:
    """The periods a rater picks from: open ones first, then the latest closed."""
    if not can_rate(user):
        raise PermissionDenied(_("Only managers and HR enter ratings."))
    periods = EvaluationPeriod.objects.visible_to(user).order_by("-start", "-end", "kind")
    return sorted(periods[:24], key=lambda period: period.status != PeriodStatus.OPEN)


def rating_sheet(*, user: Any, period_pk: int, unit_id: int | None = None) -> RatingSheet:
    """The user's rating sheet for a period, optionally one unit's; a constant number of
    queries."""
    from salesalign.sales.selectors.actuals import unit_choices

    if not can_rate(user):
        raise PermissionDenied(_("Only managers and HR enter ratings."))
    period = EvaluationPeriod.objects.visible_to(user).filter(pk=period_pk).first()
    if period is None:
        raise Http404("No such period.")
    units = unit_choices(user=user)
    within = None
    if unit_id is not None:
        if unit_id not in {pk for pk, _label in units}:
            raise Http404("No such unit.")
        within = OrgUnit.objects.get(pk=unit_id)
    people = rateable_people(user, within=within)
    kpis_of = rating_kpis_by_person(people)
    columns: dict[str, Kpi] = {}
    for person_kpis in kpis_of.values():
        for key, kpi in person_kpis.items():
            columns.setdefault(key, kpi)
    kpis = sorted(columns.values(), key=lambda kpi: kpi.key)
    rated = [person for person in people if kpis_of.get(person.pk)]
    ratings = {
        (rating.person_id, rating.kpi_id): rating
        for rating in ManagerRating.objects.filter(
            period=period, person_id__in=[person.pk for person in rated]
        )
    }
    rows = []
    for person in rated:
        cells = []
        for kpi in kpis:
            rating = ratings.get((person.pk, kpi.pk))
            cells.append(
                RatingCell(
                    kpi=kpi,
                    applies=kpi.key in kpis_of[person.pk],
                    value=rating.value if rating else None,
                    comment=rating.comment if rating else "",
                )
            )
        rows.append(RatingRow(person=person, cells=cells))
    return RatingSheet(
        period=period,
        kpis=kpis,
        rows=rows,
        editable=period.status == PeriodStatus.OPEN,
        units=units,
        unit_id=unit_id,
    )


# --- incentive plans -----------------------------------------------------------------------


def plan_list(*, user: Any) -> list[IncentivePlan]:
    """Every incentive plan, its unit loaded (for those who write plans)."""
    from salesalign.performance.services.statements import can_write_plans

    if not can_write_plans(user):
        raise PermissionDenied(_("Only HR and administrators write incentive plans."))
    return list(IncentivePlan.objects.select_related("unit").order_by("name", "pk"))


def plan_get(*, user: Any, pk: int) -> IncentivePlan:
    """One plan, for those who write plans."""
    from salesalign.performance.services.statements import can_write_plans

    if not can_write_plans(user):
        raise PermissionDenied(_("Only HR and administrators write incentive plans."))
    found = IncentivePlan.objects.select_related("unit").filter(pk=pk).first()
    if found is None:
        raise Http404("No such plan.")
    return found
