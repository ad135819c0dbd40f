"""Writes of the statement of strategy: editions, core values, strategic and tactical goals.

Only admins and executives write strategy. Every record is saved one by one so
that the audit trail sees each change with its actor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesalign.core.choices import Metric, Role
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.roles import role_of
from salesalign.organization.models import OrgUnit, Person
from salesalign.strategy.choices import GoalStatus, PublicationStatus
from salesalign.strategy.models import CoreValue, StrategicGoal, StrategyEdition, TacticalGoal

#: Roles that may write the statement of strategy and the goals.
STRATEGY_EDITOR_ROLES = frozenset({Role.ADMIN, Role.EXECUTIVE})

MIN_YEAR = 1990
MAX_YEAR = 2200


def can_edit_strategy(user: Any) -> bool:
    """Admins and executives write strategy; everyone else reads it."""
    return role_of(user) in STRATEGY_EDITOR_ROLES


def _require_editor(actor: Any) -> None:
    if not can_edit_strategy(actor):
        raise NotAllowed(_("Only administrators and executives may change the strategy."))


def _check_year(year: int | None, *, field: str) -> None:
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(
            _("Give a year between %(low)s and %(high)s.") % {"low": MIN_YEAR, "high": MAX_YEAR},
            field=field,
        )


# --- editions and core values ------------------------------------------------------------


@dataclass(frozen=True)
class CoreValueData:
    """A core value as written by a user: a name and a short explanation."""

    name: str
    explanation: str = ""


def _require_draft(edition: StrategyEdition) -> None:
    if edition.status != PublicationStatus.DRAFT:
        raise DomainError(
            _("The %(year)s edition is published and can no longer be changed.")
            % {"year": edition.year},
            code="published",
        )


def _clean_values(values: Sequence[CoreValueData]) -> list[CoreValueData]:
    cleaned: list[CoreValueData] = []
    seen: set[str] = set()
    for value in values:
        name = value.name.strip()
        if not name:
            raise DomainError(_("Every core value needs a name."), field="values")
        if name.casefold() in seen:
            raise DomainError(
                _("The value “%(name)s” is listed twice.") % {"name": name}, field="values"
            )
        seen.add(name.casefold())
        cleaned.append(CoreValueData(name=name, explanation=value.explanation.strip()))
    return cleaned


def _latest_edition_before(year: int) -> StrategyEdition | None:
    return (
        StrategyEdition.objects.filter(year__lt=year).order_by("-year").first()
        or StrategyEdition.objects.order_by("-year").first()
    )


@transaction.atomic
def edition_create(
    *,
    actor: Any,
    year: int,
    vision: str = "",
    mission: str = "",
    values: Sequence[CoreValueData] | None = None,
    copy_from_latest: bool = False,
) -> StrategyEdition:
    """Start a draft edition for a year, optionally carrying over the latest edition's statement.

    With `copy_from_latest`, an empty vision or mission and a missing list of
    values are taken from the latest edition before `year`.
    """
    _require_editor(actor)
    _check_year(year, field="year")
    if StrategyEdition.objects.filter(year=year).exists():
        raise DomainError(
            _("There is already a strategy edition for %(year)s.") % {"year": year}, field="year"
        )
    source = _latest_edition_before(year) if copy_from_latest else None
    if source is not None:
        vision = vision.strip() or source.vision
        mission = mission.strip() or source.mission
        if values is None:
            values = [
                CoreValueData(name=value.name, explanation=value.explanation)
                for value in source.values.all()
            ]
    edition = StrategyEdition(
        year=year,
        vision=vision.strip(),
        mission=mission.strip(),
        status=PublicationStatus.DRAFT,
    )
    edition.full_clean()
    edition.save()
    for position, value in enumerate(_clean_values(values or ())):
        core_value = CoreValue(
            edition=edition, name=value.name, explanation=value.explanation, position=position
        )
        core_value.full_clean()
        core_value.save()
    return edition


@transaction.atomic
def edition_update(
    *,
    actor: Any,
    edition: StrategyEdition,
    year: int,
    vision: str,
    mission: str,
    values: Sequence[CoreValueData] | None = None,
) -> StrategyEdition:
    """Change a draft edition's year, vision and mission; with `values`, replace its core values."""
    _require_editor(actor)
    edition = StrategyEdition.objects.select_for_update().get(pk=edition.pk)
    _require_draft(edition)
    _check_year(year, field="year")
    if StrategyEdition.objects.filter(year=year).exclude(pk=edition.pk).exists():
        raise DomainError(
            _("There is already a strategy edition for %(year)s.") % {"year": year}, field="year"
        )
    edition.year = year
    edition.vision = vision.strip()
    edition.mission = mission.strip()
    edition.full_clean()
    edition.save()
    if values is not None:
        _core_values_replace(edition=edition, values=_clean_values(values))
    return edition


def _core_values_replace(*, edition: StrategyEdition, values: list[CoreValueData]) -> None:
    """Make the edition's values exactly `values`, keeping (and auditing) those whose name stays."""
    existing = {value.name.casefold(): value for value in edition.values.all()}
    wanted = {value.name.casefold() for value in values}
    for key, core_value in existing.items():
        if key not in wanted:
            core_value.delete()
    for position, value in enumerate(values):
        core_value = existing.get(value.name.casefold()) or CoreValue(edition=edition)
        if (
            core_value.pk
            and core_value.name == value.name
            and core_value.explanation == value.explanation
            and core_value.position == position
        ):
            continue
        core_value.name = value.name
        core_value.explanation = value.explanation
        core_value.position = position
        core_value.full_clean()
        core_value.save()


@transaction.atomic
def edition_publish(*, actor: Any, edition: StrategyEdition) -> StrategyEdition:
    """Publish a draft: every employee reads it from now on, and nobody edits it any more."""
    _require_editor(actor)
    edition = StrategyEdition.objects.select_for_update().get(pk=edition.pk)
    _require_draft(edition)
    if not edition.values.exists():
        raise DomainError(
            _("Add at least one core value before publishing."), field="values", code="incomplete"
        )
    edition.status = PublicationStatus.PUBLISHED
    edition.published_at = timezone.now()
    edition.published_by = actor if getattr(actor, "pk", None) else None
    edition.full_clean()
    edition.save()
    return edition


def _draft_for_values(edition: StrategyEdition) -> StrategyEdition:
    locked = StrategyEdition.objects.select_for_update().get(pk=edition.pk)
    _require_draft(locked)
    return locked


def _check_value_name(*, edition: StrategyEdition, name: str, exclude_pk: int | None) -> str:
    name = name.strip()
    if not name:
        raise DomainError(_("Give the value a name."), field="name")
    clash = edition.values.filter(name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise DomainError(
            _("The value “%(name)s” is already in this edition.") % {"name": name}, field="name"
        )
    return name


@transaction.atomic
def core_value_add(
    *, actor: Any, edition: StrategyEdition, name: str, explanation: str = ""
) -> CoreValue:
    """Add a core value at the end of a draft edition's list."""
    _require_editor(actor)
    edition = _draft_for_values(edition)
    name = _check_value_name(edition=edition, name=name, exclude_pk=None)
    last = edition.values.order_by("-position").values_list("position", flat=True).first()
    core_value = CoreValue(
        edition=edition,
        name=name,
        explanation=explanation.strip(),
        position=0 if last is None else last + 1,
    )
    core_value.full_clean()
    core_value.save()
    return core_value


@transaction.atomic
def core_value_update(
    *, actor: Any, core_value: CoreValue, name: str, explanation: str = ""
) -> CoreValue:
    """Rename or re-explain a core value of a draft edition."""
    _require_editor(actor)
    edition = _draft_for_values(core_value.edition)
    core_value.name = _check_value_name(edition=edition, name=name, exclude_pk=core_value.pk)
    core_value.explanation = explanation.strip()
    core_value.full_clean()
    core_value.save()
    return core_value


@transaction.atomic
def core_value_remove(*, actor: Any, core_value: CoreValue) -> None:
    """Take a core value out of a draft edition."""
    _require_editor(actor)
    _draft_for_values(core_value.edition)
    core_value.delete()


@transaction.atomic
def core_values_reorder(
    *, actor: Any, edition: StrategyEdition, value_ids: Sequence[int]
) -> list[CoreValue]:
    """Put a draft edition's values in the given order (every value of the edition, once)."""
    _require_editor(actor)
    edition = _draft_for_values(edition)
    values = {value.pk: value for value in edition.values.all()}
    if sorted(value_ids) != sorted(values):
        raise DomainError(_("List every value of this edition exactly once."), field="value_ids")
    ordered = [values[pk] for pk in value_ids]
    for position, core_value in enumerate(ordered):
        if core_value.position != position:
            core_value.position = position
            core_value.save(update_fields=["position"])
    return ordered


@transaction.atomic
def core_value_move(*, actor: Any, core_value: CoreValue, offset: int) -> list[CoreValue]:
    """Move a value up (offset -1) or down (+1) in its edition's list."""
    _require_editor(actor)
    ids = list(core_value.edition.values.order_by("position", "pk").values_list("pk", flat=True))
    index = ids.index(core_value.pk)
    target = max(0, min(len(ids) - 1, index + offset))
    ids.insert(target, ids.pop(index))
    return core_values_reorder(actor=actor, edition=core_value.edition, value_ids=ids)


# --- goals -------------------------------------------------------------------------------


def _clean_metric(metric: str, custom_metric_name: str) -> tuple[str, str]:
    if metric and metric not in Metric.values:
        raise DomainError(_("Choose a metric from the list."), field="metric")
    # A custom name only means something for a custom metric.
    return metric, custom_metric_name.strip() if metric == Metric.CUSTOM else ""


def _clean_status(status: str) -> str:
    if status not in GoalStatus.values:
        raise DomainError(_("Choose a status from the list."), field="status")
    return status


def _person(owner_id: int | None) -> Person | None:
    if owner_id is None:
        return None
    owner = Person.objects.filter(pk=owner_id).first()
    if owner is None:
        raise DomainError(_("There is no such person."), field="owner_id")
    return owner


def _unit(owning_unit_id: int | None) -> OrgUnit | None:
    if owning_unit_id is None:
        return None
    unit = OrgUnit.objects.filter(pk=owning_unit_id).first()
    if unit is None:
        raise DomainError(_("There is no such unit."), field="owning_unit_id")
    return unit


def _strategic_goals(ids: Sequence[int]) -> list[StrategicGoal]:
    wanted = set(ids)
    goals = list(StrategicGoal.objects.filter(pk__in=wanted))
    if len(goals) != len(wanted):
        missing = sorted(wanted - {goal.pk for goal in goals})
        raise DomainError(
            _("There is no strategic goal with id %(ids)s.")
            % {"ids": ", ".join(str(pk) for pk in missing)},
            field="strategic_goal_ids",
        )
    return goals


def _apply_strategic_fields(
    goal: StrategicGoal,
    *,
    title: str,
    description: str,
    metric: str,
    custom_metric_name: str,
    unit_of_measure: str,
    status: str,
    baseline_value: Decimal | None,
    baseline_year: int | None,
    target_value: Decimal | None,
    horizon_year: int | None,
    owner_id: int | None,
) -> None:
    _check_year(baseline_year, field="baseline_year")
    _check_year(horizon_year, field="horizon_year")
    if baseline_year is not None and horizon_year is not None and horizon_year <= baseline_year:
        raise DomainError(
            _("The horizon year must come after the baseline year."), field="horizon_year"
        )
    goal.title = title.strip()
    goal.description = description.strip()
    goal.metric, goal.custom_metric_name = _clean_metric(metric, custom_metric_name)
    goal.unit_of_measure = unit_of_measure.strip()
    goal.status = _clean_status(status)
    goal.baseline_value = baseline_value
    goal.baseline_year = baseline_year
    goal.target_value = target_value
    goal.horizon_year = horizon_year
    goal.owner = _person(owner_id)


@transaction.atomic
def strategic_goal_create(
    *,
    actor: Any,
    title: str,
    description: str = "",
    metric: str = "",
    custom_metric_name: str = "",
    unit_of_measure: str = "",
    status: str = GoalStatus.ACTIVE,
    baseline_value: Decimal | None = None,
    baseline_year: int | None = None,
    target_value: Decimal | None = None,
    horizon_year: int | None = None,
    owner_id: int | None = None,
) -> StrategicGoal:
    """Set a long-term goal: a metric from a baseline to a target by a horizon year."""
    _require_editor(actor)
    goal = StrategicGoal()
    _apply_strategic_fields(
        goal,
        title=title,
        description=description,
        metric=metric,
        custom_metric_name=custom_metric_name,
        unit_of_measure=unit_of_measure,
        status=status,
        baseline_value=baseline_value,
        baseline_year=baseline_year,
        target_value=target_value,
        horizon_year=horizon_year,
        owner_id=owner_id,
    )
    goal.full_clean()
    goal.save()
    return goal


@transaction.atomic
def strategic_goal_update(
    *,
    actor: Any,
    goal: StrategicGoal,
    title: str,
    description: str = "",
    metric: str = "",
    custom_metric_name: str = "",
    unit_of_measure: str = "",
    status: str = GoalStatus.ACTIVE,
    baseline_value: Decimal | None = None,
    baseline_year: int | None = None,
    target_value: Decimal | None = None,
    horizon_year: int | None = None,
    owner_id: int | None = None,
) -> StrategicGoal:
    """Change every field of a strategic goal (the fields not given are cleared)."""
    _require_editor(actor)
    goal = StrategicGoal.objects.select_for_update().get(pk=goal.pk)
    _apply_strategic_fields(
        goal,
        title=title,
        description=description,
        metric=metric,
        custom_metric_name=custom_metric_name,
        unit_of_measure=unit_of_measure,
        status=status,
        baseline_value=baseline_value,
        baseline_year=baseline_year,
        target_value=target_value,
        horizon_year=horizon_year,
        owner_id=owner_id,
    )
    goal.full_clean()
    goal.save()
    return goal


@transaction.atomic
def strategic_goal_delete(*, actor: Any, goal: StrategicGoal) -> None:
    """Delete a strategic goal; the tactical goals that served it lose that link (and say so)."""
    _require_editor(actor)
    goal = StrategicGoal.objects.get(pk=goal.pk)
    # Unlink through each tactical goal so that their audit trail records the lost link.
    for tactical_goal in goal.tactical_goals.all():
        tactical_goal.strategic_goals.remove(goal)
    goal.delete()


def _apply_tactical_fields(
    goal: TacticalGoal,
    *,
    title: str,
    description: str,
    year: int,
    metric: str,
    custom_metric_name: str,
    unit_of_measure: str,
    status: str,
    target_value: Decimal | None,
    deadline: date | None,
    owning_unit_id: int | None,
) -> None:
    _check_year(year, field="year")
    if deadline is not None and deadline.year != year:
        raise DomainError(
            _("The deadline must fall within %(year)s.") % {"year": year}, field="deadline"
        )
    goal.title = title.strip()
    goal.description = description.strip()
    goal.year = year
    goal.metric, goal.custom_metric_name = _clean_metric(metric, custom_metric_name)
    goal.unit_of_measure = unit_of_measure.strip()
    goal.status = _clean_status(status)
    goal.target_value = target_value
    goal.deadline = deadline
    goal.owning_unit = _unit(owning_unit_id)


@transaction.atomic
def tactical_goal_create(
    *,
    actor: Any,
    title: str,
    year: int,
    strategic_goal_ids: Sequence[int] = (),
    description: str = "",
    metric: str = "",
    custom_metric_name: str = "",
    unit_of_measure: str = "",
    status: str = GoalStatus.ACTIVE,
    target_value: Decimal | None = None,
    deadline: date | None = None,
    owning_unit_id: int | None = None,
) -> TacticalGoal:
    """Set a goal for one year that serves the given strategic goals."""
    _require_editor(actor)
    goal = TacticalGoal()
    _apply_tactical_fields(
        goal,
        title=title,
        description=description,
        year=year,
        metric=metric,
        custom_metric_name=custom_metric_name,
        unit_of_measure=unit_of_measure,
        status=status,
        target_value=target_value,
        deadline=deadline,
        owning_unit_id=owning_unit_id,
    )
    strategic_goals = _strategic_goals(strategic_goal_ids)
    goal.full_clean()
    goal.save()
    if strategic_goals:
        goal.strategic_goals.set(strategic_goals)
    return goal


@transaction.atomic
def tactical_goal_update(
    *,
    actor: Any,
    goal: TacticalGoal,
    title: str,
    year: int,
    strategic_goal_ids: Sequence[int] = (),
    description: str = "",
    metric: str = "",
    custom_metric_name: str = "",
    unit_of_measure: str = "",
    status: str = GoalStatus.ACTIVE,
    target_value: Decimal | None = None,
    deadline: date | None = None,
    owning_unit_id: int | None = None,
) -> TacticalGoal:
    """Change every field of a tactical goal, its links to strategic goals included."""
    _require_editor(actor)
    goal = TacticalGoal.objects.select_for_update().get(pk=goal.pk)
    _apply_tactical_fields(
        goal,
        title=title,
        description=description,
        year=year,
        metric=metric,
        custom_metric_name=custom_metric_name,
        unit_of_measure=unit_of_measure,
        status=status,
        target_value=target_value,
        deadline=deadline,
        owning_unit_id=owning_unit_id,
    )
    strategic_goals = _strategic_goals(strategic_goal_ids)
    goal.full_clean()
    goal.save()
    current = set(goal.strategic_goals.values_list("pk", flat=True))
    if current != {strategic_goal.pk for strategic_goal in strategic_goals}:
        goal.strategic_goals.set(strategic_goals)
    return goal


@transaction.atomic
def tactical_goal_delete(*, actor: Any, goal: TacticalGoal) -> None:
    """Delete a tactical goal."""
    _require_editor(actor)
    TacticalGoal.objects.get(pk=goal.pk).delete()
