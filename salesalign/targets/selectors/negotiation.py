"""Reads of the negotiation: what waits for a person, what waits for their decision, threads.

`negotiation_inbox` answers, for one user:
- `to_answer`: targets proposed to them (as the person, or as the manager of
  the unit) that they have not answered yet;
- `answered`: their counter-proposals still waiting for a decision;
- `to_decide`: for each target they manage, the proposals below it that are
  not decided yet, every counter in one place, and the effect of the counters
  on the total (what the children add up to if every counter were accepted).
A fixed number of queries whatever the number of proposals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from salesalign.core.roles import person_of
from salesalign.core.visibility import scope_for
from salesalign.targets.choices import (
    OPEN_PLAN_STATUSES,
    OPEN_PROPOSAL_STATUSES,
    CounterStatus,
    ProposalStatus,
)
from salesalign.targets.metrics import target_metric
from salesalign.targets.models import (
    Counterproposal,
    Target,
    TargetMessage,
    TargetPlan,
    TargetProposal,
)
from salesalign.targets.selectors.visibility import is_planner

PROPOSAL_RELATED = (
    "plan",
    "target",
    "target__unit",
    "target__person",
    "target__product_line",
    "target__region",
    "target__segment",
    "parent",
    "parent__unit",
    "parent__person",
    "published_by__person",
)


def _proposals() -> QuerySet[TargetProposal]:
    return (
        TargetProposal.objects.select_related(*PROPOSAL_RELATED)
        .prefetch_related(
            Prefetch(
                "counters",
                queryset=Counterproposal.objects.select_related("created_by").order_by(
                    "created_at", "pk"
                ),
            )
        )
        .filter(plan__status__in=OPEN_PLAN_STATUSES)
        .order_by("-published_at", "pk")
    )


@dataclass
class DecisionGroup:
    """The open proposals below one target, with the effect of their counters on the total."""

    parent: Target
    proposals: list[TargetProposal]
    children_total: Decimal | None = None  # the children as they stand
    with_counters: Decimal | None = None  # … if every open counter were accepted
    parent_value: Decimal | None = None

    @property
    def counters(self) -> list[Counterproposal]:
        return [
            counter
            for proposal in self.proposals
            for counter in proposal.counters.all()
            if counter.status == CounterStatus.OPEN
        ]

    @property
    def effect(self) -> Decimal | None:
        """How much the counters would change the children's total (negative: less)."""
        if self.children_total is None or self.with_counters is None:
            return None
        return self.with_counters - self.children_total


@dataclass(frozen=True)
class EarlierVersion:
    """A proposed target as the version before had it: what a re-plan changes for its owner."""

    version: int
    value: Decimal
    change: Decimal | None  # proposed ÷ earlier − 1; None when the earlier was not above 0


@dataclass
class NegotiationInbox:
    to_answer: list[TargetProposal] = field(default_factory=list)
    answered: list[TargetProposal] = field(default_factory=list)
    to_decide: list[DecisionGroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        """What waits for this person: answers to give and decisions to make."""
        return len(self.to_answer) + sum(
            1
            for group in self.to_decide
            for proposal in group.proposals
            if proposal.status == ProposalStatus.COUNTERED
        )


def negotiation_inbox(*, user: Any, plan: TargetPlan | None = None) -> NegotiationInbox:
    """What waits for the user in the open plans (or one plan)."""
    inbox = NegotiationInbox()
    person = person_of(user)
    proposals = _proposals()
    if plan is not None:
        proposals = proposals.filter(plan=plan)
    if person is not None:
        mine = Q(target__person_id=person.pk) | Q(
            target__person__isnull=True, target__unit__manager_id=person.pk
        )
        for proposal in proposals.filter(mine, status__in=OPEN_PROPOSAL_STATUSES):
            if proposal.status == ProposalStatus.PENDING:
                inbox.to_answer.append(proposal)
            else:
                inbox.answered.append(proposal)
        _add_earlier_versions(inbox.to_answer)
    scope = scope_for(user)
    if is_planner(user):
        managed = Q()
    elif scope.unit_paths:
        managed = Q(pk__in=[])
        for path in scope.unit_paths:
            managed |= Q(parent__unit__path__startswith=path) | Q(
                parent__person__unit__path__startswith=path
            )
    else:
        return inbox
    groups: dict[int, DecisionGroup] = {}
    for proposal in proposals.filter(managed).filter(
        status__in=[ProposalStatus.PENDING, ProposalStatus.ACCEPTED, ProposalStatus.COUNTERED]
    ):
        group = groups.setdefault(
            proposal.parent_id, DecisionGroup(parent=proposal.parent, proposals=[])
        )
        group.proposals.append(proposal)
    _add_totals(list(groups.values()))
    inbox.to_decide = sorted(
        groups.values(), key=lambda group: (group.parent.plan_id, group.parent.slice_key)
    )
    return inbox


def _add_earlier_versions(proposals: list[TargetProposal]) -> None:
    """Set `earlier` on each proposal of a re-plan: its target in the version before (one
    query), so that its owner sees what changes before answering."""
    for proposal in proposals:
        proposal.earlier = None  # type: ignore[attr-defined]
    wanted = Q(pk__in=[])
    for proposal in proposals:
        plan = proposal.plan
        if plan.version > 1:
            wanted |= Q(
                plan__fiscal_year=plan.fiscal_year,
                plan__version=plan.version - 1,
                metric=proposal.target.metric,
                custom_metric_name=proposal.target.custom_metric_name,
                slice_key=proposal.target.slice_key,
            )
    # The version before's targets, read as targets: their value is `Target.value`.
    found = {
        (t.plan.fiscal_year, t.plan.version, t.metric, t.custom_metric_name, t.slice_key): t
        for t in Target.objects.filter(wanted)
        .select_related("plan")
        .only(
            "metric",
            "custom_metric_name",
            "slice_key",
            "amount",
            "level",
            "plan__fiscal_year",
            "plan__version",
        )
    }
    for proposal in proposals:
        plan, target = proposal.plan, proposal.target
        earlier_target = found.get(
            (
                plan.fiscal_year,
                plan.version - 1,
                target.metric,
                target.custom_metric_name,
                target.slice_key,
            )
        )
        earlier = earlier_target.value if earlier_target is not None else None
        if earlier is None:
            continue
        proposed = (
            proposal.proposed_level
            if proposal.proposed_level is not None
            else target.kind.from_minor(proposal.proposed_amount or 0)
        )
        proposal.earlier = EarlierVersion(  # type: ignore[attr-defined]
            version=plan.version - 1,
            value=earlier,
            change=proposed / earlier - 1 if earlier > 0 else None,
        )


def _add_totals(groups: list[DecisionGroup]) -> None:
    """The children's totals of every group's parent, in one query."""
    if not groups:
        return
    children: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for child_id, parent_id, amount in Target.objects.filter(
        parent_id__in=[group.parent.pk for group in groups]
    ).values_list("pk", "parent_id", "amount"):
        children[parent_id].append((child_id, amount))
    for group in groups:
        kind = target_metric(group.parent.metric)
        group.parent_value = group.parent.value
        if kind.is_level:
            continue
        counters = {
            proposal.target_id: counter.amount
            for proposal in group.proposals
            for counter in proposal.counters.all()
            if counter.status == CounterStatus.OPEN
        }
        total = sum(int(amount or 0) for _child, amount in children[group.parent.pk])
        with_counters = sum(
            int(counters.get(child, amount) or 0) for child, amount in children[group.parent.pk]
        )
        group.children_total = kind.from_minor(total)
        group.with_counters = kind.from_minor(with_counters)


def target_thread(*, user: Any, target: Target) -> list[TargetMessage]:
    """The negotiation thread of a target the user may see (the caller checked), oldest first."""
    return list(
        TargetMessage.objects.filter(target=target)
        .select_related("author", "author__person")
        .order_by("created_at", "pk")
    )


def proposal_get(*, user: Any, pk: int) -> TargetProposal:
    """One proposal whose target the user may see; "not found" otherwise."""
    visible = Target.objects.visible_to(user).values("pk")
    proposal = (
        TargetProposal.objects.select_related(*PROPOSAL_RELATED)
        .filter(pk=pk, target_id__in=visible)
        .first()
    )
    if proposal is None:
        raise Http404("No such proposal.")
    return proposal
