"""Negotiation: a manager publishes the targets below a slice; each recipient accepts or
counter-proposes; the manager decides. The exchange is a thread of messages on each target.

The recipient of a target is its person, or the manager of its unit. Each
step is saved one row at a time so the audit trail records who did what; a
publication touches one team or department, never the whole company at once.
Notifications tell recipients that targets wait for them, and managers that a
counter-proposal arrived.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.roles import person_of
from salesalign.core.services import name_params, notify, settle_notifications
from salesalign.targets.choices import (
    OPEN_PROPOSAL_STATUSES,
    CounterStatus,
    MessageKind,
    PlanStatus,
    ProposalStatus,
    TargetMethod,
)
from salesalign.targets.links import negotiation_url
from salesalign.targets.models import (
    Counterproposal,
    Target,
    TargetMessage,
    TargetPlan,
    TargetProposal,
)
from salesalign.targets.selectors.visibility import can_manage_target, is_planner
from salesalign.targets.services.common import (
    NOTIFY_COUNTERED,
    NOTIFY_DECIDED,
    NOTIFY_PROPOSED,
    actor_or_none,
    lock_plan,
    phase_targets,
    require_manager_of,
    require_open,
)
from salesalign.targets.services.plans import parse_value, plan_submit_for_negotiation


def recipient_id(target: Target) -> int | None:
    """Who answers for a target: its person, or the manager of its unit."""
    if target.person_id is not None:
        return target.person_id
    return target.own_unit.manager_id


def managers_of(target: Target) -> set[int]:
    """Who decides on a target: the manager of the unit it was allocated within."""
    parent = target.parent
    if parent is None:
        return set()
    unit = parent.own_unit
    return {unit.manager_id} if unit.manager_id is not None else set()


def is_recipient(user: Any, proposal: TargetProposal) -> bool:
    person = person_of(user)
    return person is not None and person.pk == recipient_id(proposal.target)


def can_comment(user: Any, target: Target) -> bool:
    """Who discusses a target: the one who answers for it and the managers who decide on it."""
    person = person_of(user)
    if person is not None and person.pk == recipient_id(target):
        return True
    return can_manage_target(user, target.parent or target)


def _require_recipient(actor: Any, proposal: TargetProposal) -> None:
    if not is_recipient(actor, proposal):
        raise NotAllowed(_("Only the person this target is proposed to may answer it."))


def _message(
    *,
    target: Target,
    proposal: TargetProposal | None,
    kind: str,
    author: Any,
    text: str = "",
    amount: int | None = None,
    level: Decimal | None = None,
) -> TargetMessage:
    message = TargetMessage(
        target=target,
        proposal=proposal,
        kind=kind,
        author=actor_or_none(author),
        text=text,
        amount=amount,
        level=level,
    )
    message.save()
    return message


def _url(target: Target) -> str:
    return negotiation_url(target.plan_id)


@transaction.atomic
def proposal_publish(
    *, actor: Any, plan: TargetPlan, parent: Target, note: str = ""
) -> list[TargetProposal]:
    """Propose the targets below `parent` to their recipients (earlier open proposals of
    the same targets are withdrawn). A draft plan is opened for negotiation by a planner."""
    plan = lock_plan(plan)
    require_open(plan)
    if parent.plan_id != plan.pk:
        raise DomainError(_("This target belongs to another plan."), field="parent")
    require_manager_of(actor, parent)
    if plan.status == PlanStatus.DRAFT:
        if not is_planner(actor):
            raise DomainError(
                _("The plan is still a draft; it opens for negotiation first."), code="draft"
            )
        plan = plan_submit_for_negotiation(actor=actor, plan=plan)
    children = list(parent.children.select_related("unit", "person").order_by("slice_key"))
    if not children:
        raise DomainError(_("Allocate this target before proposing it."), code="empty")
    now = timezone.now()
    author = actor_or_none(actor)
    for earlier in TargetProposal.objects.filter(
        target__in=children, status__in=OPEN_PROPOSAL_STATUSES
    ):
        earlier.status = ProposalStatus.WITHDRAWN
        earlier.save()
    Counterproposal.objects.filter(proposal__target__in=children, status=CounterStatus.OPEN).update(
        status=CounterStatus.DECLINED, decided_by=author, decided_at=now
    )
    proposals = []
    note = note.strip()
    for child in children:
        proposal = TargetProposal(
            plan=plan,
            target=child,
            parent=parent,
            status=ProposalStatus.PENDING,
            proposed_amount=child.amount,
            proposed_level=child.level,
            note=note,
            published_by=author,
            published_at=now,
        )
        proposal.save()
        _message(
            target=child,
            proposal=proposal,
            kind=MessageKind.PUBLISHED,
            author=actor,
            text=note,
            amount=child.amount,
            level=child.level,
        )
        proposals.append(proposal)
    recipients = [pk for pk in (recipient_id(child) for child in children) if pk is not None]
    # Proposed again: the earlier notice is replaced by this one, not counted twice.
    settle_notifications(kind=NOTIFY_PROPOSED, people=recipients, url=_url(parent))
    notify(
        people=recipients,
        kind=NOTIFY_PROPOSED,
        subject=gettext_noop("Targets for %(year)s wait for your answer."),
        params={"year": plan.fiscal_year},
        url=_url(parent),
    )
    return proposals


def _open_for_answer(proposal: TargetProposal) -> TargetProposal:
    locked = (
        # Lock the proposal row only: PostgreSQL cannot lock the nullable side of a join.
        TargetProposal.objects.select_for_update(of=("self",))
        .select_related("plan", "target", "target__unit", "target__parent")
        .get(pk=proposal.pk)
    )
    require_open(locked.plan)
    return locked


def _settle_answered(proposal: TargetProposal) -> None:
    """The recipient answered: their "targets wait for your answer" notice is read once no
    proposal of theirs in the plan waits any more."""
    recipient = recipient_id(proposal.target)
    if recipient is None:
        return
    theirs = Q(target__person_id=recipient) | Q(
        target__person__isnull=True, target__unit__manager_id=recipient
    )
    if not TargetProposal.objects.filter(
        theirs, plan_id=proposal.plan_id, status=ProposalStatus.PENDING
    ).exists():
        settle_notifications(kind=NOTIFY_PROPOSED, people=[recipient], url=_url(proposal.target))


def _settle_decided(counter: Counterproposal, target: Target) -> None:
    """A counter is decided: "X counter-proposed" is read once none of X's counters in the
    plan waits for a decision."""
    author = person_of(counter.created_by) if counter.created_by_id else None
    if (
        author is None
        or Counterproposal.objects.filter(
            proposal__plan_id=target.plan_id,
            status=CounterStatus.OPEN,
            created_by_id=counter.created_by_id,
        ).exists()
    ):
        return
    settle_notifications(kind=NOTIFY_COUNTERED, url=_url(target), name=author.name)


@transaction.atomic
def proposal_accept(*, actor: Any, proposal: TargetProposal, note: str = "") -> TargetProposal:
    """The recipient accepts the proposed target."""
    proposal = _open_for_answer(proposal)
    _require_recipient(actor, proposal)
    if proposal.status != ProposalStatus.PENDING:
        raise DomainError(_("This proposal has already been answered."), code="answered")
    proposal.status = ProposalStatus.ACCEPTED
    proposal.answered_by = actor_or_none(actor)
    proposal.answered_at = timezone.now()
    proposal.save()
    _settle_answered(proposal)
    _message(
        target=proposal.target,
        proposal=proposal,
        kind=MessageKind.ACCEPTED,
        author=actor,
        text=note.strip(),
        amount=proposal.proposed_amount,
        level=proposal.proposed_level,
    )
    return proposal


@transaction.atomic
def proposal_counter(
    *, actor: Any, proposal: TargetProposal, value: Decimal | int | str, reason: str
) -> Counterproposal:
    """The recipient proposes another number, with the reason; their manager is told."""
    proposal = _open_for_answer(proposal)
    _require_recipient(actor, proposal)
    if proposal.status != ProposalStatus.PENDING:
        raise DomainError(_("This proposal has already been answered."), code="answered")
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why you propose another number."), field="reason")
    target = proposal.target
    kind = target.kind
    number = parse_value(value, field="value", kind=kind)
    amount, level = (None, kind.level(number)) if kind.is_level else (kind.to_minor(number), None)
    counter = Counterproposal(
        proposal=proposal,
        amount=amount,
        level=level,
        reason=reason,
        status=CounterStatus.OPEN,
        created_by=actor_or_none(actor),
    )
    counter.full_clean()
    counter.save()
    proposal.status = ProposalStatus.COUNTERED
    proposal.answered_by = actor_or_none(actor)
    proposal.answered_at = timezone.now()
    proposal.save()
    _settle_answered(proposal)
    _message(
        target=target,
        proposal=proposal,
        kind=MessageKind.COUNTERED,
        author=actor,
        text=reason,
        amount=amount,
        level=level,
    )
    publisher = person_of(proposal.published_by) if proposal.published_by_id else None
    deciders = managers_of(target) | ({publisher.pk} if publisher is not None else set())
    person = person_of(actor)
    notify(
        people=sorted(deciders),
        kind=NOTIFY_COUNTERED,
        subject=gettext_noop("%(name)s counter-proposed a target for %(year)s."),
        params={
            **(name_params(person) if person is not None else {"name": ""}),
            "year": target.plan.fiscal_year,
        },
        url=_url(target),
    )
    return counter


@transaction.atomic
def proposal_resolve(
    *,
    actor: Any,
    proposal: TargetProposal,
    value: Decimal | int | str | None = None,
    note: str = "",
) -> TargetProposal:
    """The manager decides a target: the counter's number (by default), the proposed one,
    or another. The target takes that number; the cascade shows any remainder."""
    proposal = _open_for_answer(proposal)
    target = proposal.target
    if not can_manage_target(actor, target.parent or target):
        raise NotAllowed(_("Only the managers of this target's unit may decide on it."))
    if proposal.status not in (
        ProposalStatus.PENDING,
        ProposalStatus.ACCEPTED,
        ProposalStatus.COUNTERED,
    ):
        raise DomainError(_("This proposal is already decided."), code="decided")
    kind = target.kind
    counter = proposal.counters.filter(status=CounterStatus.OPEN).order_by("-pk").first()
    if value is None or value == "":
        if counter is not None:
            amount, level = counter.amount, counter.level
        else:
            amount, level = target.amount, target.level
    else:
        number = parse_value(value, field="value", kind=kind)
        amount, level = (
            (None, kind.level(number)) if kind.is_level else (kind.to_minor(number), None)
        )
    now = timezone.now()
    author = actor_or_none(actor)
    if counter is not None:
        if (counter.amount, counter.level) == (amount, level):
            counter.status = CounterStatus.ACCEPTED
        elif (proposal.proposed_amount, proposal.proposed_level) == (amount, level):
            counter.status = CounterStatus.DECLINED
        else:
            counter.status = CounterStatus.ADJUSTED
        counter.decided_by = author
        counter.decided_at = now
        counter.save()
        _settle_decided(counter, target)
    if (target.amount, target.level) != (amount, level):
        target.amount, target.level = amount, level
        target.method = TargetMethod.MANUAL
        target.inputs = {**target.inputs, "negotiated": True}
        target.created_by = author
        target.save()
        phase_targets(target.plan, [target])
    proposal.status = ProposalStatus.RESOLVED
    proposal.final_amount, proposal.final_level = amount, level
    proposal.resolved_by = author
    proposal.resolved_at = now
    proposal.save()
    _message(
        target=target,
        proposal=proposal,
        kind=MessageKind.RESOLVED,
        author=actor,
        text=note.strip(),
        amount=amount,
        level=level,
    )
    recipient = recipient_id(target)
    notify(
        people=[recipient] if recipient is not None else [],
        kind=NOTIFY_DECIDED,
        subject=gettext_noop("Your target for %(year)s is decided."),
        params={"year": target.plan.fiscal_year},
        url=_url(target),
    )
    return proposal


@transaction.atomic
def target_comment(*, actor: Any, target: Target, text: str) -> TargetMessage:
    """Add a comment to a target's thread (its recipient or its managers)."""
    text = text.strip()
    if not text:
        raise DomainError(_("Write something."), field="text")
    if not can_comment(actor, target):
        raise NotAllowed(_("Only the person a target is for and their managers discuss it."))
    return _message(target=target, proposal=None, kind=MessageKind.COMMENT, author=actor, text=text)


def people_to_notify(targets: Iterable[Target]) -> list[int]:
    """The recipients of some targets, each once."""
    return sorted({pk for pk in (recipient_id(target) for target in targets) if pk is not None})
