"""Writes of the KPI library and of managers' ratings.

- `kpi_save`: executives, HR and admins add and change custom KPIs — a formula
  over the metrics that have actuals (e.g. gross margin %), or a rating a
  manager enters on a scale (e.g. teamwork 1–5). The standard KPIs (made by a
  migration) are never changed or deleted. A saved KPI always compiles in a
  template: the formula parses and reads only known metrics, the scale is sound.
- `ratings_save`: while a period is open, a manager rates the people of the
  units they manage on the rating KPIs of each person's template (HR rates
  anyone); the close reads these `ManagerRating` rows. One call saves a whole
  sheet or nothing.

Rows are saved one by one (not in bulk) so that the audit trail records each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.engines import scoring
from salesalign.engines.metrics import MetricKey
from salesalign.organization.models import Person
from salesalign.performance.choices import KpiDirection, KpiKind, KpiUnit, PeriodStatus
from salesalign.performance.models import EvaluationPeriod, Kpi, ManagerRating
from salesalign.performance.selectors.access import can_manage_periods, is_hr
from salesalign.performance.selectors.kpis import can_rate, rateable_people, rating_kpis_by_person
from salesalign.performance.services.common import actor_or_none, clean_text

#: The metrics a formula may read: those with actual values computed from the sales records.
FORMULA_METRICS = tuple(str(metric) for metric in MetricKey)
#: The kinds of KPI a company adds (metric KPIs are the standard ones).
CUSTOM_KINDS = (KpiKind.FORMULA, KpiKind.RATING)
#: Ratings have at most two decimals and fit `ManagerRating.value`.
RATING_LIMIT = Decimal("10000")


def can_edit_kpis(user: Any) -> bool:
    """Executives, HR and admins keep the KPI library (as they keep the templates)."""
    return can_manage_periods(user)


def _require_kpi_editor(actor: Any) -> None:
    if not can_edit_kpis(actor):
        raise NotAllowed(_("Only executives, HR and administrators edit KPIs."))


def _number(value: Any, *, field: str) -> Decimal | None:
    """A number as typed (None when empty); at most two decimals, below 10,000 in size."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_("Give a number."), field=field) from None
    if not number.is_finite() or abs(number) >= RATING_LIMIT:
        raise DomainError(_("Give a number."), field=field)
    if number != number.quantize(Decimal("0.01")):
        raise DomainError(_("Give at most two decimals."), field=field)
    return number


def _check_formula(text: str) -> str:
    """The formula as stored; refused unless it parses and reads only known metrics."""
    if not text:
        raise DomainError(
            _("Give the formula, e.g. gross_profit / revenue * 100."), field="formula"
        )
    try:
        formula = scoring.Formula.parse(text)
    except scoring.FormulaError:
        raise DomainError(
            _("The formula does not read: use metrics, numbers, + - * / and parentheses."),
            field="formula",
        ) from None
    unknown = [operand for operand in formula.operands if operand not in FORMULA_METRICS]
    if unknown:
        raise DomainError(
            _("Unknown metric “%(metric)s”; a formula reads %(known)s.")
            % {"metric": unknown[0], "known": ", ".join(FORMULA_METRICS)},
            field="formula",
        )
    return formula.text


@transaction.atomic
def kpi_save(
    *,
    actor: Any,
    key: str,
    name: str,
    kind: str,
    unit: str,
    name_en: str = "",
    direction: str = KpiDirection.HIGHER,
    formula: str = "",
    decimals: int | None = 2,
    scale_min: Any = None,
    scale_max: Any = None,
    is_active: bool = True,
    kpi: Kpi | None = None,
) -> Kpi:
    """Create or change a custom KPI (a formula or a rating); standard KPIs are not changed."""
    _require_kpi_editor(actor)
    if kpi is not None:
        kpi = Kpi.objects.select_for_update().get(pk=kpi.pk)
        if kpi.is_standard:
            raise DomainError(_("A standard KPI cannot be changed."), code="standard")
    key = (key or "").strip()
    if kpi is not None and key != kpi.key:
        raise DomainError(_("The key of a saved KPI cannot change."), field="key")
    if not key:
        raise DomainError(_("Give the KPI a key."), field="key")
    if kpi is None and Kpi.objects.filter(key=key).exists():
        raise DomainError(_("Another KPI has this key."), field="key")
    name = clean_text(name, field="name", max_length=200)
    if not name:
        raise DomainError(_("Give the KPI a name."), field="name")
    if kind not in CUSTOM_KINDS:
        raise DomainError(_("A custom KPI is a formula or a manager's rating."), field="kind")
    if kpi is not None and kind != kpi.kind:
        raise DomainError(_("The kind of a saved KPI cannot change."), field="kind")
    if direction not in KpiDirection.values:
        raise DomainError(_("Choose a direction."), field="direction")
    if unit not in KpiUnit.values:
        raise DomainError(_("Choose a unit."), field="unit")

    low = high = None
    formula_text = ""
    places = 2
    if kind == KpiKind.FORMULA:
        formula_text = _check_formula(clean_text(formula, field="formula", max_length=200))
        if decimals is None or isinstance(decimals, bool) or not 0 <= int(decimals) <= 8:
            raise DomainError(_("Give 0 to 8 decimals."), field="decimals")
        places = int(decimals)
    else:
        low = _number(scale_min, field="scale_min")
        high = _number(scale_max, field="scale_max")
        if low is None:
            raise DomainError(_("Give the lowest rating."), field="scale_min")
        if high is None:
            raise DomainError(_("Give the highest rating."), field="scale_max")
        if not low < high:
            raise DomainError(_("The highest rating must be above the lowest."), field="scale_max")
        if kpi is not None:
            outside = (
                ManagerRating.objects.filter(kpi=kpi, period__status=PeriodStatus.OPEN)
                .exclude(value__gte=low, value__lte=high)
                .exists()
            )
            if outside:
                raise DomainError(
                    _("Ratings of an open period lie outside this scale; change them first."),
                    field="scale_max",
                )

    kpi = kpi or Kpi(key=key, is_standard=False)
    kpi.name = name
    kpi.name_en = clean_text(name_en, field="name_en", max_length=200)
    kpi.kind = kind
    kpi.metric = ""
    kpi.formula = formula_text
    kpi.direction = direction
    kpi.unit = unit
    kpi.decimals = places
    kpi.scale_min = low
    kpi.scale_max = high
    kpi.is_active = bool(is_active)
    kpi.full_clean()
    kpi.save()
    return kpi


@transaction.atomic
def kpi_delete(*, actor: Any, kpi: Kpi) -> None:
    """Delete a custom KPI that no template, rating or card uses (deactivate it otherwise)."""
    _require_kpi_editor(actor)
    if kpi.is_standard:
        raise DomainError(_("A standard KPI cannot be deleted."), code="standard")
    try:
        kpi.delete()
    except ProtectedError:
        raise DomainError(
            _("This KPI is used by a template, a rating or a scorecard; deactivate it instead."),
            code="in_use",
        ) from None


# --- managers' ratings ---------------------------------------------------------------------


class RatingErrors(DomainError):
    """Every refused value of a ratings sheet, by field ("<person id>.<KPI key>")."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_message, field=first_field)
        self.errors = dict(errors)


@dataclass(frozen=True)
class RatingEntry:
    """One value of a ratings sheet: None (or empty) clears the person's rating on the KPI."""

    person_id: int
    kpi_key: str
    value: Any = None
    comment: str = ""


def rating_field(person_id: int, kpi_key: str) -> str:
    """The name a sheet's error is filed under."""
    return f"{person_id}.{kpi_key}"


@transaction.atomic
def ratings_save(*, actor: Any, period: EvaluationPeriod, ratings: Sequence[RatingEntry]) -> int:
    """Save a sheet of ratings for an open period; the number of ratings written or cleared.

    A manager rates the people of the units they manage, HR anyone, each on the rating KPIs
    of the person's template. Nothing is written unless every value is good.
    """
    period = EvaluationPeriod.objects.select_for_update().get(pk=period.pk)
    if period.status != PeriodStatus.OPEN:
        raise DomainError(
            _("Ratings are entered while the period is open; a closed period is frozen."),
            code="not_open",
        )
    asked = {entry.person_id for entry in ratings}
    if not is_hr(actor) and not can_rate(actor):
        raise NotAllowed(_("Only managers and HR enter ratings."))
    people = {person.pk: person for person in rateable_people(actor, person_ids=asked)}
    if asked - people.keys():
        raise NotAllowed(_("You rate only the people of the units you manage."))
    kpis_of = rating_kpis_by_person([people[pk] for pk in sorted(asked)])
    existing = {
        (rating.person_id, rating.kpi_id): rating
        for rating in ManagerRating.objects.filter(period=period, person_id__in=sorted(asked))
    }
    errors: dict[str, str] = {}
    changes: list[tuple[Person, Kpi, Decimal | None, str]] = []
    seen: set[str] = set()
    for entry in ratings:
        field = rating_field(entry.person_id, entry.kpi_key)
        if field in seen:
            errors[field] = _("A person is rated once on a KPI.")
            continue
        seen.add(field)
        person = people[entry.person_id]
        kpi = kpis_of.get(entry.person_id, {}).get(entry.kpi_key)
        if kpi is None:
            errors[field] = _("%(person)s is not rated on “%(kpi)s” in their template.") % {
                "person": person.display_name,
                "kpi": entry.kpi_key,
            }
            continue
        try:
            value = _number(entry.value, field=field)
            comment = clean_text(entry.comment, field=field, max_length=2000)
        except DomainError as error:
            errors[field] = f"{person.display_name} · {kpi.display_name}: {error.message}"
            continue
        assert kpi.scale_min is not None and kpi.scale_max is not None  # a saved rating KPI
        if value is not None and not kpi.scale_min <= value <= kpi.scale_max:
            errors[field] = _("%(person)s · %(kpi)s: give a rating from %(low)s to %(high)s.") % {
                "person": person.display_name,
                "kpi": kpi.display_name,
                "low": kpi.scale_min.normalize(),
                "high": kpi.scale_max.normalize(),
            }
            continue
        if value is None and comment:
            errors[field] = _("%(person)s · %(kpi)s: a comment needs a rating.") % {
                "person": person.display_name,
                "kpi": kpi.display_name,
            }
            continue
        changes.append((person, kpi, value, comment))
    if errors:
        raise RatingErrors(errors)

    written = 0
    author = actor_or_none(actor)
    for person, kpi, value, comment in changes:
        rating = existing.get((person.pk, kpi.pk))
        if value is None:
            if rating is not None:
                rating.delete()
                written += 1
            continue
        if rating is not None and rating.value == value and rating.comment == comment:
            continue
        rating = rating or ManagerRating(period=period, person=person, kpi=kpi)
        rating.value = value
        rating.comment = comment
        rating.rated_by = author
        rating.full_clean(validate_unique=False)
        rating.save()
        written += 1
    return written
