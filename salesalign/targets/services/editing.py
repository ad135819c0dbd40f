"""Typed numbers for many targets at once: the cascade editor's cells and the XLSX import.

Both hand over {target id: value as typed}. Every value is checked first (a
number, not negative, a target of this plan the actor may see); then the
changed ones are written through the services that own them — a company
target through `company_target_set`, any other through `target_set_manual` on
its parent — inside one transaction, so one bad row changes nothing. Values
equal to what is stored are left alone: their targets keep how they were made.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from salesalign.core.bulk import chunks
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.targets.models import Target, TargetPlan
from salesalign.targets.selectors.plans import TARGET_RELATED, target_label
from salesalign.targets.services.allocation import ManualAmount, target_set_manual
from salesalign.targets.services.common import require_open
from salesalign.targets.services.plans import company_target_set, parse_value


@dataclass(frozen=True)
class ValueChange:
    """One target whose typed value differs from the stored one."""

    target: Target
    label: str
    before: Decimal | None
    after: Decimal


@dataclass
class RowProblem:
    """What is wrong with one typed value: the target (or row) and the reason."""

    key: Any
    label: str
    message: str


def _stored(target: Target, number: Decimal) -> tuple[int | None, Decimal | None]:
    kind = target.kind
    if kind.is_level:
        return None, kind.level(number)
    return kind.to_minor(number), None


def values_check(
    *, actor: Any, plan: TargetPlan, values: Mapping[int, Any]
) -> tuple[list[ValueChange], dict[int, RowProblem]]:
    """The changes the typed values make, and each value's problem (keyed by target id).

    Reads the targets in bulk; writes nothing.
    """
    problems: dict[int, RowProblem] = {}
    targets: dict[int, Target] = {}
    for batch in chunks(sorted(values)):
        for found in (
            Target.objects.visible_to(actor)
            .filter(plan=plan, pk__in=batch)
            .select_related(*TARGET_RELATED)
        ):
            targets[found.pk] = found
    changes: list[ValueChange] = []
    for pk, raw in values.items():
        target = targets.get(pk)
        if target is None:
            problems[pk] = RowProblem(
                pk, str(pk), _("There is no target %(id)s in this plan.") % {"id": pk}
            )
            continue
        label = target_label(target)
        try:
            number = parse_value(raw, kind=target.kind)
        except DomainError as error:
            problems[pk] = RowProblem(pk, label, error.message)
            continue
        amount, level = _stored(target, number)
        if (amount, level) == (target.amount, target.level):
            continue
        changes.append(ValueChange(target=target, label=label, before=target.value, after=number))
    return changes, problems


@transaction.atomic
def target_values_set(
    *, actor: Any, plan: TargetPlan, values: Mapping[int, Any]
) -> list[ValueChange]:
    """Write typed values of many targets (see the module docstring); all or nothing.

    A bad value raises `DomainError` naming the target (field "target.<id>");
    a target the actor may not change raises `NotAllowed`.
    """
    require_open(plan)
    changes, problems = values_check(actor=actor, plan=plan, values=values)
    if problems:
        first = next(iter(problems.values()))
        raise DomainError(
            _("%(slice)s: %(reason)s") % {"slice": first.label, "reason": first.message},
            field=f"target.{first.key}",
        )
    by_parent: dict[int, list[ValueChange]] = defaultdict(list)
    for change in changes:
        target = change.target
        if target.parent_id is None:
            _write_company_target(actor, plan, change)
        else:
            by_parent[target.parent_id].append(change)
    parents = Target.objects.in_bulk(list(by_parent))
    for parent_id, group in sorted(by_parent.items()):
        try:
            target_set_manual(
                actor=actor,
                plan=plan,
                parent=parents[parent_id],
                amounts=[
                    ManualAmount(value=change.after, target_id=change.target.pk) for change in group
                ],
            )
        except NotAllowed:
            raise
        except DomainError as error:
            culprit = _culprit(error, group)
            raise DomainError(
                _("%(slice)s: %(reason)s") % {"slice": culprit.label, "reason": error.message},
                field=f"target.{culprit.target.pk}",
                code=error.code,
            ) from None
    return changes


def _culprit(error: DomainError, group: list[ValueChange]) -> ValueChange:
    """The change a service error is about ("amounts.2" names the third), else the first."""
    field = error.field or ""
    if field.startswith("amounts."):
        position = field.split(".", 1)[1]
        if position.isdigit() and int(position) < len(group):
            return group[int(position)]
    return group[0]


def _write_company_target(actor: Any, plan: TargetPlan, change: ValueChange) -> None:
    target = change.target
    try:
        company_target_set(
            actor=actor,
            plan=plan,
            metric=target.metric,
            value=change.after,
            tactical_goal_id=target.tactical_goal_id,
            custom_metric_name=target.custom_metric_name,
            unit_id=target.unit_id,
        )
    except NotAllowed:
        raise
    except DomainError as error:
        raise DomainError(
            _("%(slice)s: %(reason)s") % {"slice": change.label, "reason": error.message},
            field=f"target.{target.pk}",
            code=error.code,
        ) from None
