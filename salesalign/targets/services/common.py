"""What the target services share: permission and lock checks, slices, phasing into months."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from salesalign.core.bulk import chunks, insert_rows
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.engines.phasing import active_months, fiscal_months, flat_profile, phase_amounts
from salesalign.organization.models import Person
from salesalign.targets.models import (
    SeasonalityProfile,
    Target,
    TargetPeriod,
    TargetPlan,
    slice_key_of,
)
from salesalign.targets.selectors.visibility import can_manage_target, is_planner

#: Dimensions a slice may carry, in key order.
DIMENSIONS = ("product_line", "region", "segment")

#: The kinds of the plan cycle's notifications (core.services.notify).
NOTIFY_PROPOSED = "targets_proposed"
NOTIFY_COUNTERED = "target_countered"
NOTIFY_DECIDED = "target_decided"
NOTIFY_APPROVED = "targets_approved"


def actor_or_none(actor: Any) -> Any:
    """The user to record as author (None for an anonymous or unsaved actor)."""
    return actor if getattr(actor, "pk", None) else None


def require_planner(actor: Any) -> None:
    if not is_planner(actor):
        raise NotAllowed(_("Only executives and administrators plan targets for the company."))


def require_manager_of(actor: Any, target: Target) -> None:
    """Allocating, publishing and deciding below a target is for its managers (and planners)."""
    if not can_manage_target(actor, target):
        raise NotAllowed(
            _("Only the managers of this target's unit may change the targets below it.")
        )


def require_open(plan: TargetPlan) -> None:
    """Approved versions are locked: a change is a re-plan with a reason."""
    if plan.is_locked:
        raise DomainError(
            _(
                "Version %(version)s of the %(year)s targets is %(status)s and locked; "
                "make a new version (re-plan) to change it."
            )
            % {
                "version": plan.version,
                "year": plan.fiscal_year,
                "status": plan.get_status_display().lower(),
            },
            code="locked",
        )


def lock_plan(plan: TargetPlan) -> TargetPlan:
    """Re-read the plan under a row lock, so that two writers take turns."""
    return TargetPlan.objects.select_for_update().get(pk=plan.pk)


@dataclass(frozen=True)
class Slice:
    """The coordinates of a target: a unit or a person, and optional dimension values."""

    unit_id: int | None = None
    person_id: int | None = None
    product_line_id: int | None = None
    region_id: int | None = None
    segment_id: int | None = None

    @cached_property
    def key(self) -> str:  # read several times per target by the bulk writes: spelled once
        return slice_key_of(
            unit_id=self.unit_id,
            person_id=self.person_id,
            product_line_id=self.product_line_id,
            region_id=self.region_id,
            segment_id=self.segment_id,
        )

    @classmethod
    def of(cls, target: Target) -> Slice:
        return cls(
            unit_id=target.unit_id,
            person_id=target.person_id,
            product_line_id=target.product_line_id,
            region_id=target.region_id,
            segment_id=target.segment_id,
        )

    def dimension(self, name: str) -> int | None:
        value: int | None = getattr(self, f"{name}_id")
        return value


# --- phasing -----------------------------------------------------------------------------


def _profile_weights(plan: TargetPlan) -> dict[tuple[str, int | None], tuple[Decimal, ...]]:
    return {
        (profile.metric, profile.product_line_id): profile.weight_values
        for profile in SeasonalityProfile.objects.filter(plan=plan)
    }


def weights_for(
    profiles: dict[tuple[str, int | None], tuple[Decimal, ...]],
    *,
    metric: str,
    product_line_id: int | None,
    product_line_ancestors: dict[int, list[int]] | None = None,
) -> tuple[Decimal, ...]:
    """The most specific profile for a slice: its product line (or one above it), its metric,
    the plan's own; flat when the plan has none."""
    candidates: list[tuple[str, int | None]] = []
    if product_line_id is not None:
        lines = [product_line_id, *((product_line_ancestors or {}).get(product_line_id, []))]
        candidates += [(metric, line) for line in lines]
    candidates += [(metric, None), ("", None)]
    for candidate in candidates:
        found = profiles.get(candidate)
        if found is not None:
            return found
    return flat_profile()


def _product_line_ancestors(product_line_ids: Iterable[int]) -> dict[int, list[int]]:
    """For each product line, the ids of the lines above it, nearest first (one query)."""
    from salesalign.organization.models import ProductLine

    wanted = set(product_line_ids)
    if not wanted:
        return {}
    nodes = list(ProductLine.objects.values_list("pk", "path"))
    by_path = {path: pk for pk, path in nodes}
    steplen = ProductLine.steplen
    result: dict[int, list[int]] = {}
    for pk, path in nodes:
        if pk in wanted:
            result[pk] = [
                by_path[path[:end]]
                for end in range(len(path) - steplen, 0, -steplen)
                if path[:end] in by_path
            ]
    return result


class Phasing(NamedTuple):
    """What phasing needs of one target, as plain values (no model instance)."""

    target_id: int
    parent_id: int | None
    metric: str
    slice_key: str
    amount: int | None
    level: Decimal | None
    product_line_id: int | None = None
    person_id: int | None = None
    hired: date | None = None  # the person's first day (for a person's target)
    left: date | None = None  # the person's last day


MonthRow = tuple[int, int, int | None, Decimal | None]  # target id, yyyymm, amount, level


def month_rows(plan: TargetPlan, items: Sequence[Phasing]) -> list[MonthRow]:
    """The monthly rows of targets: amounts phased by the plan's seasonality, levels repeated
    every month; a person's months outside their employment get nothing.

    Targets that share a profile and active months are phased together (two queries in all:
    the plan's profiles and the product lines above the targets').
    """
    months = fiscal_months(plan.fiscal_year, plan.fiscal_start_month)
    profiles = _profile_weights(plan)
    ancestors = _product_line_ancestors(
        item.product_line_id for item in items if item.product_line_id is not None
    )
    profile_of: dict[tuple[str, int | None], tuple[Decimal, ...]] = {}
    together: dict[tuple[tuple[Decimal, ...], tuple[bool, ...] | None], list[int]] = defaultdict(
        list
    )
    for position, item in enumerate(items):
        if item.level is not None:
            continue
        active = None
        if item.person_id is not None:
            active = active_months(months, item.hired, item.left)
        amount = int(item.amount or 0)
        if active is not None and amount and not any(active):
            raise DomainError(
                _("Nobody can carry a target in %(year)s after leaving: %(slice)s.")
                % {"year": plan.fiscal_year, "slice": item.slice_key},
                field="amount",
            )
        wanted = (item.metric, item.product_line_id)
        weights = profile_of.get(wanted)
        if weights is None:
            weights = profile_of[wanted] = weights_for(
                profiles,
                metric=item.metric,
                product_line_id=item.product_line_id,
                product_line_ancestors=ancestors,
            )
        together[(weights, active)].append(position)
    phased: dict[int, tuple[int, ...]] = {}
    for (weights, active), positions in together.items():
        amounts = [int(items[position].amount or 0) for position in positions]
        phased.update(zip(positions, phase_amounts(amounts, weights, months, active), strict=True))
    rows: list[MonthRow] = []
    for position, item in enumerate(items):
        if item.level is not None:
            rows.extend((item.target_id, month, None, item.level) for month in months)
        else:
            rows.extend(
                (item.target_id, month, amount, None)
                for month, amount in zip(months, phased[position], strict=True)
            )
    return rows


def write_months(rows: Sequence[MonthRow], *, replacing: Iterable[int] = ()) -> None:
    """Insert monthly rows in bulk, after removing the months of the targets in `replacing`."""
    for batch in chunks(sorted(set(replacing))):
        TargetPeriod.objects.filter(target_id__in=batch).delete()
    insert_rows(TargetPeriod, ["target_id", "month", "amount", "level"], rows)


def phase_targets(plan: TargetPlan, targets: Sequence[Target]) -> int:
    """(Re)write the monthly rows of `targets`: amounts phased by the plan's seasonality, levels
    repeated every month. A person's months outside their employment get nothing. Returns rows."""
    if not targets:
        return 0
    person_ids = {target.person_id for target in targets if target.person_id is not None}
    employment = {
        pk: (hired, left)
        for batch in chunks(sorted(person_ids))
        for pk, hired, left in Person.objects.filter(pk__in=batch).values_list(
            "pk", "hire_date", "left_on"
        )
    }
    items = [
        Phasing(
            target_id=target.pk,
            parent_id=target.parent_id,
            metric=target.metric,
            slice_key=target.slice_key,
            amount=target.amount,
            level=target.level,
            product_line_id=target.product_line_id,
            person_id=target.person_id,
            hired=employment.get(target.person_id, (None, None))[0]
            if target.person_id is not None
            else None,
            left=employment.get(target.person_id, (None, None))[1]
            if target.person_id is not None
            else None,
        )
        for target in targets
    ]
    rows = month_rows(plan, items)
    write_months(rows, replacing=[target.pk for target in targets])
    roll_up_months({target.parent_id for target in targets if target.parent_id is not None})
    return len(rows)


def roll_up_months(parent_ids: Iterable[int]) -> None:
    """A target whose children add up to it takes its months from them, up to the root.

    Each child is phased by its own seasonality (a product line's, a leaver's months), so
    the parent's months are the sums of its children's: the cascade adds up to the cent in
    every month, not only in the year. A parent whose children do not (yet) add up to it —
    a manual split with a remainder — keeps its own phasing. Three queries a level.
    """
    pending = set(parent_ids)
    while pending:
        above: set[int] = set()
        for batch in chunks(sorted(pending)):
            found = list(
                Target.objects.filter(pk__in=batch, amount__isnull=False)
                .annotate(total=Sum("children__amount"), levels=Count("children__level"))
                .values_list("pk", "parent_id", "amount", "total", "levels")
            )
            rolled = sorted(
                pk
                for pk, _parent, amount, total, levels in found
                if levels == 0 and total is not None and total == amount
            )
            parents = {pk: parent for pk, parent, *_rest in found}
            if not rolled:
                continue
            months = (
                TargetPeriod.objects.filter(target__parent_id__in=rolled)
                .values("target__parent_id", "month")
                .annotate(total=Sum("amount"))
                .order_by()
                .values_list("target__parent_id", "month", "total")
            )
            rows: list[MonthRow] = [
                (parent_id, month, int(total or 0), None)
                for parent_id, month, total in months
                if parent_id is not None  # always: these are children of `rolled`
            ]
            write_months(rows, replacing=rolled)
            above |= {parents[pk] for pk in rolled if parents[pk] is not None}
        pending = above


def targets_of(plan: TargetPlan, *, metric: str | None = None) -> Any:
    condition = Q(plan=plan)
    if metric:
        condition &= Q(metric=metric)
    return Target.objects.filter(condition)
