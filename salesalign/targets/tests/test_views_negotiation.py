"""The negotiation pages: publishing, the inbox of a salesperson and of a manager, answers,
decisions, the thread on a target, and errors that name the field and write nothing."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import MEMBERS
from salesalign.core.models import Notification
from salesalign.organization.tests.factories import PersonFactory
from salesalign.targets.choices import CounterStatus, MessageKind, ProposalStatus
from salesalign.targets.models import Counterproposal, TargetMessage, TargetProposal
from salesalign.targets.services import allocation, negotiation, plans
from salesalign.targets.tests.pages_world import allocate_down, negotiate

pytestmark = pytest.mark.django_db


def own_proposal(world, proposals, who="salesperson"):
    person = getattr(world.cast, who)
    return next(p for p in proposals if p.target.person_id == person.pk)


def test_a_manager_publishes_from_the_cascade_and_the_people_are_told(world):
    allocated = allocate_down(world)
    cast = world.cast
    plans.plan_submit_for_negotiation(actor=cast.executive.user, plan=allocated.plan)
    response = cast.client_for("manager").post(
        reverse("targets:publish", args=[allocated.team.pk]), {"note": "By Friday, please"}
    )
    assert response.url == reverse("targets:plan_negotiation", args=[allocated.plan.pk])
    proposals = TargetProposal.objects.filter(parent=allocated.team)
    assert proposals.count() == 2 and {p.note for p in proposals} == {"By Friday, please"}
    told = Notification.objects.filter(kind=negotiation.NOTIFY_PROPOSED)
    assert set(told.values_list("recipient_id", flat=True)) == {
        cast.salesperson.pk,
        cast.salesperson2.pk,
    }


@pytest.mark.parametrize("who", ["salesperson", "other_manager", "hr"])
def test_who_does_not_manage_the_target_may_not_publish_it(world, who):
    allocated = allocate_down(world)
    plans.plan_submit_for_negotiation(actor=world.cast.executive.user, plan=allocated.plan)
    response = world.cast.client_for(who).post(
        reverse("targets:publish", args=[allocated.team.pk]), {"note": ""}
    )
    assert response.status_code in (403, 404)
    assert not TargetProposal.objects.exists()


def test_publishing_a_draft_as_a_manager_says_why_not(world):
    allocated = allocate_down(world)
    response = world.cast.client_for("manager").post(
        reverse("targets:publish", args=[allocated.team.pk]), follow=True
    )
    assert "still a draft" in response.content.decode()
    assert not TargetProposal.objects.exists()


@pytest.mark.parametrize("who", MEMBERS)
def test_the_inbox_shows_each_member_what_waits_for_them(world, who):
    allocated = allocate_down(world)
    proposals = negotiate(world, allocated)
    negotiation.proposal_counter(
        actor=world.cast.salesperson2.user,
        proposal=own_proposal(world, proposals, "salesperson2"),
        value="100000",
        reason="My biggest customer moves away",
    )
    response = world.cast.client_for(who).get(reverse("targets:negotiation"))
    assert response.status_code == 200
    inbox = response.context["inbox"]
    page = response.content.decode()
    waiting = {"salesperson"}
    assert ('id="to-answer"' in page) == (who in waiting)
    assert ('id="answered"' in page) == (who == "salesperson2")
    deciders = {"admin", "executive", "manager"}
    assert ('id="to-decide"' in page) == (who in deciders)
    if who in deciders:
        assert "My biggest customer moves away" in page
        [group] = inbox.to_decide
        assert group.effect is not None and group.effect < 0
        assert 'class="counter-effect"' in page
    if who not in deciders:
        assert "My biggest customer moves away" not in page or who == "salesperson2"


def test_a_salesperson_counter_proposes_and_a_bad_number_is_named_on_its_field(world):
    allocated = allocate_down(world)
    proposal = own_proposal(world, negotiate(world, allocated))
    client = world.cast.client_for("salesperson")
    url = reverse("targets:proposal_counter", args=[proposal.pk])
    prefix = f"c{proposal.pk}"
    bad = client.post(url, {f"{prefix}-value": "a lot", f"{prefix}-reason": "Too high"})
    assert bad.status_code == 200
    form = bad.context["forms_of"][proposal.pk]["counter"]
    assert "is not a number" in form.errors["value"][0]
    huge = client.post(url, {f"{prefix}-value": "1e30", f"{prefix}-reason": "Too high"})
    assert huge.status_code == 200
    assert "too large" in huge.context["forms_of"][proposal.pk]["counter"].errors["value"][0]
    no_reason = client.post(url, {f"{prefix}-value": "1000", f"{prefix}-reason": ""})
    assert no_reason.context["forms_of"][proposal.pk]["counter"].errors["reason"]
    assert not Counterproposal.objects.exists()
    good = client.post(url, {f"{prefix}-value": "400,000", f"{prefix}-reason": "Budget cuts"})
    assert good.status_code == 302
    counter = Counterproposal.objects.get()
    assert counter.amount == 40_000_000 and counter.reason == "Budget cuts"
    assert TargetProposal.objects.get(pk=proposal.pk).status == ProposalStatus.COUNTERED
    told = Notification.objects.get(kind=negotiation.NOTIFY_COUNTERED)
    assert told.recipient == world.cast.manager


@pytest.mark.parametrize("who", ["salesperson2", "manager", "other_salesperson"])
def test_only_the_recipient_answers_a_proposal(world, who):
    allocated = allocate_down(world)
    proposal = own_proposal(world, negotiate(world, allocated))
    prefix = f"c{proposal.pk}"
    response = world.cast.client_for(who).post(
        reverse("targets:proposal_counter", args=[proposal.pk]),
        {f"{prefix}-value": "1", f"{prefix}-reason": "x"},
    )
    assert response.status_code in (403, 404)
    accept = world.cast.client_for(who).post(reverse("targets:proposal_accept", args=[proposal.pk]))
    assert accept.status_code in (403, 404)
    assert TargetProposal.objects.get(pk=proposal.pk).status == ProposalStatus.PENDING


def test_the_manager_adjusts_a_counter_and_the_thread_keeps_the_history(world):
    allocated = allocate_down(world)
    cast = world.cast
    proposal = own_proposal(world, negotiate(world, allocated))
    negotiation.proposal_counter(
        actor=cast.salesperson.user, proposal=proposal, value="400000", reason="Budget cuts"
    )
    client = cast.client_for("manager")
    prefix = f"r{proposal.pk}"
    url = reverse("targets:proposal_resolve", args=[proposal.pk])
    huge = client.post(url, {f"{prefix}-value": "99999999999999999999999"})
    assert "too large" in huge.context["forms_of"][proposal.pk]["resolve"].errors["value"][0]
    bad = client.post(url, {f"{prefix}-value": "-3"})
    assert (
        "cannot be negative" in bad.context["forms_of"][proposal.pk]["resolve"].errors["value"][0]
    )
    assert TargetProposal.objects.get(pk=proposal.pk).status == ProposalStatus.COUNTERED
    client.post(url, {f"{prefix}-value": "450000", f"{prefix}-note": "Meet halfway"})
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.RESOLVED
    assert proposal.target.value == Decimal("450000.00")
    assert Counterproposal.objects.get().status == CounterStatus.ADJUSTED
    page = cast.client_for("salesperson").get(
        reverse("targets:target_detail", args=[proposal.target.pk])
    )
    kinds = [message.kind for message in page.context["thread"]]
    assert kinds == [MessageKind.PUBLISHED, MessageKind.COUNTERED, MessageKind.RESOLVED]
    text = page.content.decode()
    assert "Budget cuts" in text and "Meet halfway" in text and "450,000.00" in text


def test_a_manager_takes_the_counter_by_deciding_with_an_empty_number(world):
    allocated = allocate_down(world)
    cast = world.cast
    proposal = own_proposal(world, negotiate(world, allocated))
    negotiation.proposal_counter(
        actor=cast.salesperson.user, proposal=proposal, value="400000", reason="Budget cuts"
    )
    cast.client_for("manager").post(
        reverse("targets:proposal_resolve", args=[proposal.pk]), {f"r{proposal.pk}-value": ""}
    )
    proposal.refresh_from_db()
    assert proposal.target.value == Decimal("400000.00")
    assert Counterproposal.objects.get().status == CounterStatus.ACCEPTED


@pytest.mark.parametrize("who", MEMBERS)
def test_a_target_page_is_shown_to_who_may_see_it(world, who):
    allocated = allocate_down(world)
    proposal = own_proposal(world, negotiate(world, allocated))
    response = world.cast.client_for(who).get(
        reverse("targets:target_detail", args=[proposal.target.pk])
    )
    sees = who in {"admin", "executive", "hr", "manager", "salesperson"}
    assert response.status_code == (200 if sees else 404)
    if sees:
        page = response.content.decode()
        assert "Please confirm by Friday." in page  # the published note in the thread
        assert "Sold before: 18,000.00 in 2023 · 18,000.00 in 2024" in page
        assert ('id="counter"' in page) == (who == "salesperson")
        assert ('id="decide"' in page) == (who in {"admin", "executive", "manager"})


def test_what_was_sold_before_is_of_the_years_the_split_was_made_from(world):
    from salesalign.targets.services.allocation import AllocationParams

    allocated = allocate_down(world, to_people=False)
    allocation.allocation_apply(
        actor=world.cast.manager.user,
        plan=allocated.plan,
        parent=allocated.team,
        axes=["child"],
        method="history",
        params=AllocationParams(history_years=2),
    )
    mine = allocated.team.children.get(person=world.cast.salesperson)
    assert set(mine.inputs["history"]) >= {"2023", "2024", "2025"}  # read for the backtest
    page = world.cast.client_for("manager").get(reverse("targets:target_detail", args=[mine.pk]))
    sold = page.content.decode().split('id="sold-before">', 1)[1].split("</p>", 1)[0]
    assert "in 2024" in sold and "in 2025" in sold
    assert "2023" not in sold  # the method split by the last two years only


def test_a_comment_joins_the_thread_and_an_empty_one_is_refused(world):
    allocated = allocate_down(world)
    proposal = own_proposal(world, negotiate(world, allocated))
    client = world.cast.client_for("salesperson")
    url = reverse("targets:target_comment", args=[proposal.target.pk])
    assert client.post(url, {"text": " "}).context["comment_form"].errors["text"]
    client.post(url, {"text": "Can we talk on Monday?"})
    assert TargetMessage.objects.filter(kind=MessageKind.COMMENT).get().text == (
        "Can we talk on Monday?"
    )
    assert world.cast.client_for("salesperson2").post(url, {"text": "x"}).status_code == 404


def test_the_inbox_reads_a_constant_number_of_queries_as_proposals_grow(world):
    allocated = allocate_down(world)
    negotiate(world, allocated)
    client = world.cast.client_for("manager")
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("targets:negotiation"))
    cast = world.cast
    for number in range(10):
        PersonFactory(unit=cast.team, employee_number=f"NEW{number:02d}")
    allocation.allocation_apply(
        actor=cast.manager.user,
        plan=allocated.plan,
        parent=allocated.team,
        axes=["child"],
        method="equal",
    )
    negotiation.proposal_publish(
        actor=cast.manager.user, plan=allocated.plan, parent=allocated.team
    )
    with CaptureQueriesContext(connection) as second:
        response = client.get(reverse("targets:negotiation"))
    assert len(response.context["inbox"].to_decide[0].proposals) == 12
    assert len(second) <= len(first)


def test_a_replanned_target_shows_its_owner_the_version_before_with_the_change(world):
    from salesalign.targets.models import Target

    cast = world.cast
    allocated = allocate_down(world)
    executive = cast.executive.user
    plans.plan_submit_for_negotiation(actor=executive, plan=allocated.plan)
    plans.plan_approve(actor=executive, plan=allocated.plan)
    second = plans.plan_replan(actor=executive, plan=allocated.plan, reason="A new key account")
    plans.plan_submit_for_negotiation(actor=executive, plan=second)
    team = Target.objects.get(plan=second, slice_key=allocated.team.slice_key, metric="revenue")
    # Version 1 split the team by history (3 : 1); version 2 splits it equally.
    allocation.allocation_apply(
        actor=cast.manager.user, plan=second, parent=team, axes=["child"], method="equal"
    )
    negotiation.proposal_publish(actor=cast.manager.user, plan=second, parent=team)
    before = Target.objects.get(plan=allocated.plan, person=cast.salesperson2, product_line=None)
    after = Target.objects.get(plan=second, person=cast.salesperson2, product_line=None)
    assert before.amount and after.amount == 2 * before.amount

    response = cast.client_for("salesperson2").get(reverse("targets:negotiation"))
    page = response.content.decode()
    [proposal] = response.context["inbox"].to_answer
    assert proposal.earlier.version == 1 and proposal.earlier.value == before.value
    shown = re.search(r'<div class="small earlier-version">(.*?)</div>', page, re.S)
    assert shown is not None
    assert f"Version 1: {before.value:,.2f}" in shown.group(1)
    assert "+100.0 %" in shown.group(1)
