"""Writes of plans: create, send for negotiation, approve (lock), re-plan; company targets.

A plan is one version of a fiscal year's targets. Only executives and admins
move plans through draft → negotiation → approved. An approved version never
changes: `plan_replan` copies it, with a reason, into the next draft version,
and approving that version supersedes it. Every version stays readable.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from salesalign.core.batches import refresh_statistics
from salesalign.core.bulk import chunks, insert_rows
from salesalign.core.choices import Metric
from salesalign.core.exceptions import DomainError
from salesalign.core.numbers import typed_decimal
from salesalign.core.services import notify, settle_notifications
from salesalign.organization.models import OrgUnit
from salesalign.strategy.models import TacticalGoal
from salesalign.targets.choices import (
    OPEN_PLAN_STATUSES,
    MessageKind,
    PlanStatus,
    ProposalStatus,
    TargetMethod,
)
from salesalign.targets.links import plan_url
from salesalign.targets.metrics import TargetMetric, metrics_serving, target_metric
from salesalign.targets.models import (
    SeasonalityProfile,
    Target,
    TargetMessage,
    TargetPeriod,
    TargetPlan,
    TargetProposal,
)
from salesalign.targets.selectors.plans import TARGET_RELATED, target_label, unbalanced_targets
from salesalign.targets.services.common import (
    NOTIFY_APPROVED,
    NOTIFY_COUNTERED,
    NOTIFY_PROPOSED,
    Slice,
    actor_or_none,
    lock_plan,
    phase_targets,
    require_open,
    require_planner,
)

MIN_YEAR = 1990
MAX_YEAR = 2200


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(
            _("Give a year between %(low)s and %(high)s.") % {"low": MIN_YEAR, "high": MAX_YEAR},
            field="fiscal_year",
        )


@transaction.atomic
def plan_create(*, actor: Any, fiscal_year: int) -> TargetPlan:
    """Start the targets of a fiscal year: version 1, a draft."""
    require_planner(actor)
    _check_year(fiscal_year)
    if TargetPlan.objects.filter(fiscal_year=fiscal_year).exists():
        raise DomainError(
            _("There are already targets for %(year)s; change them in a new version (re-plan).")
            % {"year": fiscal_year},
            field="fiscal_year",
            code="exists",
        )
    plan = TargetPlan(
        fiscal_year=fiscal_year,
        version=1,
        fiscal_start_month=settings.FISCAL_YEAR_START_MONTH,
        status=PlanStatus.DRAFT,
        created_by=actor_or_none(actor),
    )
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_submit_for_negotiation(*, actor: Any, plan: TargetPlan) -> TargetPlan:
    """Open a draft for negotiation: managers may now publish proposals to their teams."""
    require_planner(actor)
    plan = lock_plan(plan)
    if plan.status == PlanStatus.NEGOTIATION:
        return plan
    if plan.status != PlanStatus.DRAFT:
        require_open(plan)
    if not plan.targets.exists():
        raise DomainError(
            _("Set at least one company target before negotiating."), code="incomplete"
        )
    plan.status = PlanStatus.NEGOTIATION
    plan.submitted_at = timezone.now()
    plan.full_clean()
    plan.save()
    return plan


def _sum_problems(plan: TargetPlan) -> list[str]:
    """Slices whose children do not add up to them, as people read them."""
    return [f"{parent.metric_label}: {target_label(parent)}" for parent in unbalanced_targets(plan)]


@transaction.atomic
def plan_approve(*, actor: Any, plan: TargetPlan) -> TargetPlan:
    """Approve a plan in negotiation: it is locked, and the version it replaces is superseded.

    Refused while a counter-proposal waits for a decision or a slice's children do not add
    up to it. Proposals nobody answered count as accepted; one whose target the manager
    changed after proposing it is recorded as decided at the new number, on its thread.
    """
    require_planner(actor)
    plan = lock_plan(plan)
    require_open(plan)
    if plan.status != PlanStatus.NEGOTIATION:
        raise DomainError(
            _("Send the plan for negotiation before approving it."), code="not_negotiated"
        )
    open_counters = plan.proposals.filter(status=ProposalStatus.COUNTERED).count()
    if open_counters:
        raise DomainError(
            ngettext(
                "%(count)s counter-proposal still waits for a decision.",
                "%(count)s counter-proposals still wait for a decision.",
                open_counters,
            )
            % {"count": open_counters},
            code="open_counters",
        )
    problems = _sum_problems(plan)
    if problems:
        raise DomainError(
            _(
                "The targets below these do not add up to them yet: %(slices)s. Place the "
                "remainder in the cascade (the plan page links each one), then approve."
            )
            % {"slices": ", ".join(problems[:5])},
            code="remainder",
        )
    pending = list(plan.proposals.filter(status=ProposalStatus.PENDING).select_related("target"))
    now = timezone.now()
    author = actor_or_none(actor)
    for proposal in pending:
        target = proposal.target
        if (proposal.proposed_amount, proposal.proposed_level) != (target.amount, target.level):
            # Changed after it was proposed (the manager placed a remainder on it): the thread
            # says the approved number was decided, not accepted as proposed.
            TargetMessage.objects.create(
                target=target,
                proposal=proposal,
                kind=MessageKind.RESOLVED,
                author=author,
                amount=target.amount,
                level=target.level,
            )
        proposal.status = ProposalStatus.RESOLVED
        proposal.final_amount = target.amount
        proposal.final_level = target.level
        proposal.resolved_by = author
        proposal.resolved_at = now
        proposal.save()
    for previous in TargetPlan.objects.filter(
        fiscal_year=plan.fiscal_year, status=PlanStatus.APPROVED
    ).exclude(pk=plan.pk):
        previous.status = PlanStatus.SUPERSEDED
        previous.save()
    plan.status = PlanStatus.APPROVED
    plan.approved_by = author
    plan.approved_at = now
    plan.full_clean()
    plan.save()
    people = set(
        plan.targets.filter(person__isnull=False).values_list("person_id", flat=True).distinct()
    )
    # Nothing of the year's negotiation waits for an answer any more.
    for settled in (NOTIFY_PROPOSED, NOTIFY_COUNTERED):
        settle_notifications(kind=settled, year=plan.fiscal_year)
    notify(
        people=sorted(people),
        kind=NOTIFY_APPROVED,
        subject=gettext_noop("Your targets for %(year)s are approved."),
        params={"year": plan.fiscal_year},
        url=plan_url(plan.pk),
    )
    return plan


@transaction.atomic
def plan_replan(*, actor: Any, plan: TargetPlan, reason: str) -> TargetPlan:
    """Copy the approved version into the next draft version, with the reason for the change.

    The copy keeps every target (with how it was made), its months and the
    seasonality profiles; the negotiation of the old version stays with it.
    """
    require_planner(actor)
    plan = lock_plan(plan)
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why the approved targets change."), field="reason")
    if plan.status != PlanStatus.APPROVED:
        raise DomainError(
            _("Only the approved version of a year's targets can be re-planned."),
            code="not_approved",
        )
    still_open = (
        TargetPlan.objects.filter(fiscal_year=plan.fiscal_year, status__in=OPEN_PLAN_STATUSES)
        .order_by("version")
        .first()
    )
    if still_open is not None:
        raise DomainError(
            _("Version %(version)s of %(year)s is still open; finish it first.")
            % {"version": still_open.version, "year": still_open.fiscal_year},
            code="open_version",
        )
    last = TargetPlan.objects.filter(fiscal_year=plan.fiscal_year).aggregate(Max("version"))
    copy = TargetPlan(
        fiscal_year=plan.fiscal_year,
        version=(last["version__max"] or plan.version) + 1,
        fiscal_start_month=plan.fiscal_start_month,
        status=PlanStatus.DRAFT,
        reason=reason,
        based_on=plan,
        created_by=actor_or_none(actor),
    )
    copy.full_clean()
    copy.save()
    _copy_targets(plan, copy)
    for profile in SeasonalityProfile.objects.filter(plan=plan):
        SeasonalityProfile.objects.create(
            plan=copy,
            metric=profile.metric,
            product_line_id=profile.product_line_id,
            source=profile.source,
            weights=profile.weights,
            details=profile.details,
            created_by=profile.created_by,
        )
    return copy


#: Target fields copied into a new version as they are.
COPIED_FIELDS = (
    "metric",
    "custom_metric_name",
    "unit_id",
    "person_id",
    "product_line_id",
    "region_id",
    "segment_id",
    "tactical_goal_id",
    "amount",
    "level",
    "method",
    "inputs",
    "explanation",
    "slice_key",
    "created_by_id",
)


def _copy_targets(source: TargetPlan, copy: TargetPlan) -> None:
    """Copy the target tree level by level (one insert per level) and the months in bulk."""
    targets = list(Target.objects.filter(plan=source).order_by("pk"))
    by_id = {target.pk: target for target in targets}
    depth: dict[int, int] = {}

    def depth_of(target: Target) -> int:
        if target.pk not in depth:
            depth[target.pk] = (
                0 if target.parent_id is None else depth_of(by_id[target.parent_id]) + 1
            )
        return depth[target.pk]

    levels: dict[int, list[Target]] = defaultdict(list)
    for target in targets:
        levels[depth_of(target)].append(target)
    new_ids: dict[int, int] = {}
    for level in sorted(levels):
        copies = [
            Target(
                plan=copy,
                parent_id=new_ids[target.parent_id] if target.parent_id is not None else None,
                **{name: getattr(target, name) for name in COPIED_FIELDS},
            )
            for target in levels[level]
        ]
        Target.objects.bulk_create(copies, batch_size=2000)
        for original, made in zip(levels[level], copies, strict=True):
            new_ids[original.pk] = made.pk
    rows: list[tuple[Any, ...]] = []
    for batch in chunks(sorted(new_ids)):
        rows.extend(
            (new_ids[target_id], month, amount, level)
            for target_id, month, amount, level in TargetPeriod.objects.filter(
                target_id__in=batch
            ).values_list("target_id", "month", "amount", "level")
        )
    insert_rows(TargetPeriod, ["target_id", "month", "amount", "level"], rows)
    refresh_statistics({Target: len(targets), TargetPeriod: len(rows)})


# --- company targets ---------------------------------------------------------------------


def _tactical_goal(goal_id: int | None, *, plan: TargetPlan, metric: str) -> TacticalGoal | None:
    if goal_id is None:
        return None
    goal = TacticalGoal.objects.filter(pk=goal_id).first()
    if goal is None:
        raise DomainError(_("There is no such tactical goal."), field="tactical_goal_id")
    if goal.year != plan.fiscal_year:
        raise DomainError(
            _("This tactical goal is for %(goal_year)s, not %(year)s.")
            % {"goal_year": goal.year, "year": plan.fiscal_year},
            field="tactical_goal_id",
        )
    if goal.metric and metric not in metrics_serving(goal.metric):
        raise DomainError(
            _(
                "The tactical goal is measured by %(goal_metric)s; a target for it cannot measure %(metric)s."
            )
            % {"goal_metric": goal.metric_label, "metric": Metric(metric).label},
            field="metric",
        )
    return goal


def _company_unit(unit_id: int | None) -> OrgUnit:
    units = OrgUnit.objects.filter(depth=1).order_by("path")
    if unit_id is not None:
        units = OrgUnit.objects.filter(pk=unit_id)
    unit = units.first()
    if unit is None:
        raise DomainError(_("There is no such unit."), field="unit_id")
    return unit


#: The largest target a company types (yuan, customers…): fifteen digits, which its minor
#: units (cents) still fit in the database's 64-bit integers with room to spare.
MAX_TARGET = Decimal(10) ** 15
#: The largest level (satisfaction and other metrics that do not add up): ten digits, as the
#: level columns (14 digits, 4 after the point) hold.
MAX_LEVEL = Decimal(10) ** 10


def parse_value(
    value: Decimal | int | str | None, *, field: str = "value", kind: TargetMetric | None = None
) -> Decimal:
    """A target value as typed: a number, not negative, not larger than a target can be (a
    level, when `kind` keeps levels, has fewer digits)."""
    if value is None or value == "":
        raise DomainError(_("Give a number."), field=field)
    try:
        number = typed_decimal(str(value))
    except ValueError:
        raise DomainError(
            _("“%(value)s” is not a number.") % {"value": value}, field=field
        ) from None
    if number < 0:
        raise DomainError(_("A target cannot be negative."), field=field)
    largest = MAX_LEVEL if kind is not None and kind.is_level else MAX_TARGET
    if number >= largest:
        raise DomainError(
            _("This number is too large: a target has at most %(digits)s digits before the point.")
            % {"digits": len(str(largest)) - 1},
            field=field,
        )
    return number


@transaction.atomic
def company_target_set(
    *,
    actor: Any,
    plan: TargetPlan,
    metric: str,
    value: Decimal | int | str,
    tactical_goal_id: int | None = None,
    custom_metric_name: str = "",
    unit_id: int | None = None,
) -> Target:
    """Set the company's target for a metric (in its unit: yuan, customers, score), linked to
    the tactical goal it serves. The targets below it keep their numbers; the cascade shows
    the difference until they are allocated again."""
    from salesalign.targets.services.seasonality import ensure_seasonality

    require_planner(actor)
    plan = lock_plan(plan)
    require_open(plan)
    if metric not in Metric.values:
        raise DomainError(_("Choose a metric from the list."), field="metric")
    kind = target_metric(metric)
    number = parse_value(value, kind=kind)
    goal = _tactical_goal(tactical_goal_id, plan=plan, metric=metric)
    custom_metric_name = custom_metric_name.strip()
    if metric == Metric.CUSTOM:
        custom_metric_name = custom_metric_name or (goal.custom_metric_name if goal else "")
        if not custom_metric_name:
            raise DomainError(_("Name the custom metric."), field="custom_metric_name")
    else:
        custom_metric_name = ""
    unit = _company_unit(unit_id)
    key = Slice(unit_id=unit.pk).key
    target = Target.objects.filter(
        plan=plan, metric=metric, custom_metric_name=custom_metric_name, slice_key=key
    ).first() or Target(
        plan=plan,
        metric=metric,
        custom_metric_name=custom_metric_name,
        unit=unit,
        slice_key=key,
    )
    if kind.is_level:
        target.level, target.amount = kind.level(number), None
    else:
        target.amount, target.level = kind.to_minor(number), None
    target.tactical_goal = goal
    target.parent = None
    target.method = TargetMethod.SET
    target.inputs = {"value": str(number)}
    target.explanation = []
    target.allocation_run = None
    target.created_by = actor_or_none(actor)
    target.full_clean()
    target.save()
    if not kind.is_level:
        ensure_seasonality(actor=actor, plan=plan, metric=metric)
    phase_targets(plan, [target])
    return target


@transaction.atomic
def target_goal_link(*, actor: Any, target: Target, tactical_goal_id: int | None) -> Target:
    """Link a target to the tactical goal it serves, or unlink it (`tactical_goal_id=None`).

    A company target is linked where it is set; a target further down serves a goal that
    its own unit (or a unit above it) owns: East China's revenue target serves "East
    China sells 120 million". The line of sight of everyone below then ends at the
    nearest goal above them. The goal must be of the plan's year and measured by the
    target's metric. Audited like every change of a target.
    """
    from salesalign.targets.selectors.visibility import subject_path
    from salesalign.targets.services.common import require_manager_of

    plan = lock_plan(target.plan)
    require_open(plan)
    target = Target.objects.select_related(*TARGET_RELATED, "person__unit").get(pk=target.pk)
    require_manager_of(actor, target)
    goal = _tactical_goal(tactical_goal_id, plan=plan, metric=target.metric)
    if goal is not None and goal.owning_unit_id is not None:
        owner = OrgUnit.objects.get(pk=goal.owning_unit_id)
        if not subject_path(target).startswith(owner.path):
            raise DomainError(
                _(
                    "%(unit)s owns this tactical goal; only a target of %(unit)s or of a unit "
                    "in it can serve it."
                )
                % {"unit": owner.display_name},
                field="tactical_goal_id",
            )
    if target.tactical_goal_id != (goal.pk if goal else None):
        target.tactical_goal = goal
        target.save(update_fields=["tactical_goal", "updated_at"])
    return target


def proposals_open(plan: TargetPlan) -> int:
    """How many proposals of the plan still wait for someone."""
    return TargetProposal.objects.filter(
        plan=plan, status__in=[ProposalStatus.PENDING, ProposalStatus.COUNTERED]
    ).count()
