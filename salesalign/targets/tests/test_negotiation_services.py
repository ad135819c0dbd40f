"""Negotiation: publish, accept, counter with a reason, decide, approve — audited and notified."""

from __future__ import annotations

from decimal import Decimal

import pytest
from auditlog.models import LogEntry

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.models import Notification
from salesalign.core.selectors import notification_list, notification_unread_count
from salesalign.core.services import notifications_mark_read, notify
from salesalign.targets.choices import (
    CounterStatus,
    MessageKind,
    PlanStatus,
    ProposalStatus,
)
from salesalign.targets.models import Counterproposal, TargetProposal
from salesalign.targets.selectors.negotiation import negotiation_inbox
from salesalign.targets.services import allocation, negotiation, plans

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(world, as_admin):
    """The team's target split between its two salespeople and proposed to them."""
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    _department, team, _other = world.cascade_to_teams(plan, root)
    allocation.allocation_apply(
        actor=cast.manager.user, plan=plan, parent=team, axes=["child"], method="history"
    )
    plans.plan_submit_for_negotiation(actor=cast.executive.user, plan=plan)
    proposals = negotiation.proposal_publish(
        actor=cast.manager.user, plan=plan, parent=team, note="Please confirm by Friday"
    )
    by_person = {proposal.target.person_id: proposal for proposal in proposals}
    return plan, team, by_person[cast.salesperson.pk], by_person[cast.salesperson2.pk]


def test_publishing_proposes_each_child_and_tells_each_recipient(world, published):
    cast = world.cast
    _plan, team, mine, theirs = published
    assert {mine.status, theirs.status} == {ProposalStatus.PENDING}
    assert mine.proposed_amount == team.children.get(person=cast.salesperson).amount
    assert notification_unread_count(user=cast.salesperson.user) == 1
    [note] = notification_list(user=cast.salesperson.user)
    assert note.kind == negotiation.NOTIFY_PROPOSED and "2026" in note.text
    assert notification_unread_count(user=cast.other_salesperson.user) == 0
    assert [message.kind for message in mine.target.messages.all()] == [MessageKind.PUBLISHED]
    inbox = negotiation_inbox(user=cast.salesperson.user)
    assert [proposal.pk for proposal in inbox.to_answer] == [mine.pk]


def test_proposing_again_replaces_the_unread_notice_instead_of_adding_one(world, published):
    cast = world.cast
    plan, team, _mine, _theirs = published
    negotiation.proposal_publish(actor=cast.manager.user, plan=plan, parent=team, note="v2")
    assert notification_unread_count(user=cast.salesperson.user) == 1
    assert (
        Notification.objects.filter(
            recipient=cast.salesperson, kind=negotiation.NOTIFY_PROPOSED
        ).count()
        == 2
    )  # the first stays in the list, read


def test_a_draft_plan_is_not_published_by_a_manager(world):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    _department, team, _other = world.cascade_to_teams(plan, root)
    allocation.allocation_apply(
        actor=cast.manager.user, plan=plan, parent=team, axes=["child"], method="equal"
    )
    with pytest.raises(DomainError) as refused:
        negotiation.proposal_publish(actor=cast.manager.user, plan=plan, parent=team)
    assert refused.value.code == "draft"
    assert not TargetProposal.objects.exists()


def test_a_counter_needs_a_reason_reaches_the_manager_and_blocks_approval(world, published):
    cast = world.cast
    plan, team, mine, theirs = published
    with pytest.raises(DomainError) as no_reason:
        negotiation.proposal_counter(
            actor=cast.salesperson.user, proposal=mine, value="1", reason=" "
        )
    assert no_reason.value.field == "reason"
    with pytest.raises(NotAllowed):
        negotiation.proposal_counter(
            actor=cast.salesperson2.user, proposal=mine, value="1", reason="not mine"
        )

    counter = negotiation.proposal_counter(
        actor=cast.salesperson.user,
        proposal=mine,
        value="500000.00",
        reason="My biggest customer is moving to a competitor",
    )
    negotiation.proposal_accept(actor=cast.salesperson2.user, proposal=theirs)

    mine.refresh_from_db()
    assert mine.status == ProposalStatus.COUNTERED and counter.amount == 50000000
    assert notification_unread_count(user=cast.manager.user) == 1
    assert LogEntry.objects.get_for_object(counter).exists(), "the exchange is audited"
    inbox = negotiation_inbox(user=cast.manager.user)
    [group] = inbox.to_decide
    assert group.parent.pk == team.pk
    assert [c.pk for c in group.counters] == [counter.pk]
    proposed = mine.target.amount
    assert group.effect == Decimal(50000000 - proposed) / 100
    assert inbox.count == 1
    with pytest.raises(DomainError) as refused:
        plans.plan_approve(actor=cast.executive.user, plan=plan)
    assert refused.value.code == "open_counters"
    # Both answered: neither salesperson's "targets wait for your answer" is unread any more.
    for person in (cast.salesperson, cast.salesperson2):
        assert (
            not Notification.objects.unread()
            .filter(recipient=person, kind=negotiation.NOTIFY_PROPOSED)
            .exists()
        )
    # Decided: the manager's "counter-proposed" no longer waits either.
    negotiation.proposal_resolve(actor=cast.manager.user, proposal=mine)
    assert notification_unread_count(user=cast.manager.user) == 0


def test_the_manager_decides_adjusts_the_others_and_the_plan_is_approved(world, published):
    cast = world.cast
    plan, team, mine, theirs = published
    negotiation.proposal_counter(
        actor=cast.salesperson.user, proposal=mine, value="500000.00", reason="Too high"
    )
    with pytest.raises(NotAllowed):
        negotiation.proposal_resolve(actor=cast.other_manager.user, proposal=mine)

    decided = negotiation.proposal_resolve(actor=cast.manager.user, proposal=mine, note="Agreed")

    assert decided.status == ProposalStatus.RESOLVED and decided.final_amount == 50000000
    assert Counterproposal.objects.get().status == CounterStatus.ACCEPTED
    target = mine.target
    target.refresh_from_db()
    assert target.amount == 50000000
    assert sum(target.periods.values_list("amount", flat=True)) == 50000000
    with pytest.raises(DomainError) as remainder:
        plans.plan_approve(actor=cast.executive.user, plan=plan)
    assert remainder.value.code == "remainder"

    other = theirs.target
    placed = team.amount - target.amount
    allocation.target_set_manual(
        actor=cast.manager.user,
        plan=plan,
        parent=team,
        amounts=[allocation.ManualAmount(value=Decimal(placed) / 100, target_id=other.pk)],
    )
    approved = plans.plan_approve(actor=cast.executive.user, plan=plan)

    assert approved.status == PlanStatus.APPROVED
    theirs.refresh_from_db()
    assert theirs.status == ProposalStatus.RESOLVED, "an unanswered proposal counts as accepted"
    # ... at the number the manager set after proposing it, and its thread says so: decided,
    # not accepted as proposed.
    other.refresh_from_db()
    assert theirs.final_amount == other.amount != theirs.proposed_amount
    last = other.messages.order_by("pk").last()
    assert (last.kind, last.amount, last.author) == (
        MessageKind.RESOLVED,
        other.amount,
        cast.executive.user,
    )
    assert [m.kind for m in target.messages.order_by("pk")] == [
        MessageKind.PUBLISHED,
        MessageKind.COUNTERED,
        MessageKind.RESOLVED,
    ]
    kinds = set(
        Notification.objects.filter(recipient=cast.salesperson).values_list("kind", flat=True)
    )
    assert kinds == {
        negotiation.NOTIFY_PROPOSED,
        negotiation.NOTIFY_DECIDED,
        plans.NOTIFY_APPROVED,
    }
    # Approved: the proposal and the counter no longer wait for anyone.
    unread = set(Notification.objects.unread().values_list("kind", flat=True))
    assert negotiation.NOTIFY_PROPOSED not in unread
    assert negotiation.NOTIFY_COUNTERED not in unread
    assert plans.NOTIFY_APPROVED in unread


def test_the_manager_may_decide_another_number_than_the_counter(world, published):
    cast = world.cast
    _plan, _team, mine, _theirs = published
    negotiation.proposal_counter(
        actor=cast.salesperson.user, proposal=mine, value="500000.00", reason="Too high"
    )
    negotiation.proposal_resolve(actor=cast.manager.user, proposal=mine, value="600000")
    assert Counterproposal.objects.get().status == CounterStatus.ADJUSTED
    mine.target.refresh_from_db()
    assert mine.target.amount == 60000000


def test_an_answered_proposal_is_not_answered_twice(world, published):
    cast = world.cast
    _plan, _team, mine, _theirs = published
    negotiation.proposal_accept(actor=cast.salesperson.user, proposal=mine)
    with pytest.raises(DomainError) as refused:
        negotiation.proposal_counter(
            actor=cast.salesperson.user, proposal=mine, value="1", reason="changed my mind"
        )
    assert refused.value.code == "answered"


def test_publishing_again_withdraws_the_open_proposals(world, published):
    cast = world.cast
    plan, team, mine, _theirs = published
    negotiation.proposal_counter(
        actor=cast.salesperson.user, proposal=mine, value="1", reason="Too high"
    )
    negotiation.proposal_publish(actor=cast.manager.user, plan=plan, parent=team)
    mine.refresh_from_db()
    assert mine.status == ProposalStatus.WITHDRAWN
    assert Counterproposal.objects.get().status == CounterStatus.DECLINED
    assert TargetProposal.objects.filter(status=ProposalStatus.PENDING).count() == 2


def test_notifications_belong_to_their_reader_and_are_marked_read(world):
    cast = world.cast
    notify(
        people=[cast.salesperson, cast.salesperson.pk],
        kind="test",
        subject="Targets for %(year)s wait for your answer.",
        params={"year": 2026},
    )
    assert notification_unread_count(user=cast.salesperson.user) == 1
    assert notification_unread_count(user=cast.salesperson2.user) == 0
    assert notification_unread_count(user=cast.outsider) == 0
    assert notifications_mark_read(user=cast.salesperson2.user) == 0
    assert notifications_mark_read(user=cast.salesperson.user) == 1
    assert notification_unread_count(user=cast.salesperson.user) == 0
    assert notification_list(user=cast.salesperson.user)[0].text.endswith(
        "2026 wait for your answer."
    )


def test_unanswered_proposals_of_unchanged_targets_are_accepted_without_a_decision(
    world, published
):
    plan, _team, mine, theirs = published
    plans.plan_approve(actor=world.cast.executive.user, plan=plan)
    for proposal in (mine, theirs):
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.RESOLVED
        assert proposal.final_amount == proposal.proposed_amount
        kinds = list(proposal.target.messages.order_by("pk").values_list("kind", flat=True))
        assert kinds == [MessageKind.PUBLISHED]
