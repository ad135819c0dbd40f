"""Line of sight: "My targets", a person's targets page and the block for the person's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import MEMBERS
from salesalign.targets.services import plans
from salesalign.targets.tests.pages_world import allocate_down, negotiate

pytestmark = pytest.mark.django_db


def approved(world):
    allocated = allocate_down(world)
    executive = world.cast.executive.user
    plans.plan_submit_for_negotiation(actor=executive, plan=allocated.plan)
    plans.plan_approve(actor=executive, plan=allocated.plan)
    return allocated


def test_my_targets_shows_the_year_and_the_chain_up_to_the_strategy_with_shares(world):
    allocated = approved(world)
    cast = world.cast
    response = cast.client_for("salesperson").get(reverse("targets:my_targets"))
    assert response.status_code == 200
    page = response.content.decode()
    [sight] = response.context["sight"].metrics
    own = allocated.person_target(cast.salesperson)
    assert sight.year_value == own.value
    labels = [link.label for link in sight.chain]
    assert labels == [
        cast.team.display_name,
        cast.department.display_name,
        cast.company.display_name,
    ]
    company = sight.chain[-1]
    assert company.share == (own.value / allocated.root.value).quantize(company.share)
    assert f"own share {company.share * 100:.1f} %" in page
    assert world.goal.title in page
    assert world.goal.strategic_goals.get().title in page
    assert sum(value for value in sight.month_values) == own.value


@pytest.mark.parametrize("who", MEMBERS)
def test_a_persons_targets_are_shown_to_who_may_see_them(world, who):
    approved(world)
    person = world.cast.salesperson
    client = world.cast.client_for(who)
    page = client.get(reverse("targets:person_targets", args=[person.pk]))
    block = client.get(reverse("targets:person_sight_block", args=[person.pk]))
    sees = who in {"admin", "executive", "hr", "manager", "salesperson"}
    assert page.status_code == block.status_code == (200 if sees else 404)
    if sees:
        assert 'id="line-of-sight"' in block.content.decode()
        assert block.context["sight"].metrics


def test_a_login_without_a_person_is_told_it_carries_no_target(world):
    response = world.cast.client_for("outsider").get(reverse("targets:my_targets"))
    assert response.status_code == 200
    assert 'id="not-linked"' in response.content.decode()


def test_a_proposal_waiting_shows_on_my_targets_and_another_version_is_one_click_away(world):
    allocated = approved(world)
    cast = world.cast
    second = plans.plan_replan(actor=cast.executive.user, plan=allocated.plan, reason="More")
    plans.plan_submit_for_negotiation(actor=cast.executive.user, plan=second)
    from salesalign.targets.models import Target
    from salesalign.targets.services import negotiation

    team = Target.objects.get(plan=second, unit=cast.team)
    negotiation.proposal_publish(actor=cast.manager.user, plan=second, parent=team)
    client = cast.client_for("salesperson")
    response = client.get(reverse("targets:my_targets"))
    page = response.content.decode()
    assert response.context["sight"].plan == allocated.plan  # the approved one is in force
    assert 'id="answers-waiting"' in page
    assert f"?plan={second.pk}" in page
    other = client.get(reverse("targets:my_targets"), {"plan": second.pk})
    assert other.context["sight"].plan == second


def test_the_chain_hides_nothing_it_should_not_show(world):
    allocated = allocate_down(world)
    negotiate(world, allocated)
    response = world.cast.client_for("salesperson2").get(
        reverse("targets:person_targets", args=[world.cast.salesperson.pk])
    )
    assert response.status_code == 404


def test_a_target_split_by_product_line_is_counted_once_in_the_year_months_and_shares(world):
    from salesalign.targets.services import allocation

    allocated = allocate_down(world)
    cast = world.cast
    own = allocated.person_target(cast.salesperson)
    allocation.allocation_apply(
        actor=cast.manager.user,
        plan=allocated.plan,
        parent=own,
        axes=["product_line"],
        method="history",
    )
    executive = cast.executive.user
    plans.plan_submit_for_negotiation(actor=executive, plan=allocated.plan)
    plans.plan_approve(actor=executive, plan=allocated.plan)
    response = cast.client_for("salesperson").get(reverse("targets:my_targets"))
    [sight] = response.context["sight"].metrics
    assert len(sight.slices) == 3  # the year's target and its two product lines
    assert sight.year_value == own.value
    assert sum(sight.month_values) == own.value
    team_link = sight.chain[0]
    assert team_link.share == (own.value / allocated.team.value).quantize(team_link.share)
    page = response.content.decode()
    assert world.hardware.display_name in page and world.software.display_name in page


def test_a_manager_without_targets_of_their_own_is_pointed_to_their_units(world):
    allocated = approved(world)
    response = world.cast.client_for("manager").get(reverse("targets:my_targets"))
    sight = response.context["sight"]
    assert sight.metrics == []
    assert [target.pk for target in sight.managed] == [allocated.team.pk]
    page = response.content.decode()
    cascade = reverse("targets:cascade", args=[allocated.plan.pk])
    assert f'href="{cascade}?root={allocated.team.pk}&amp;metric=revenue"' in page
    assert "You have no target of your own in this version." in page  # their own page
    assert "You carry the targets of the units you manage:" in page
    # A salesperson with targets gets no such list.
    mine = world.cast.client_for("salesperson").get(reverse("targets:my_targets"))
    assert mine.context["sight"].managed == []
    assert 'id="managed-targets"' not in mine.content.decode()


def test_the_line_of_sight_shows_what_was_achieved_against_the_target_so_far(world):
    import datetime
    from decimal import Decimal

    from salesalign.sales.tests.factories import CustomerFactory, make_order
    from salesalign.targets.selectors.line_of_sight import line_of_sight
    from salesalign.targets.tests.conftest import YEAR

    approved(world)
    cast = world.cast
    customer = CustomerFactory(code="NOW", owner=cast.salesperson)
    for day, amount in (
        (datetime.date(YEAR, 3, 10), "4000.00"),
        (datetime.date(YEAR, 11, 5), "600.00"),
    ):
        make_order(
            customer=customer,
            salespeople=cast.salesperson,
            amounts=[amount],
            product_line=world.hardware,
            ordered_on=day,
        )
    make_order(  # after "today": not achieved yet
        customer=customer,
        salespeople=cast.salesperson,
        amounts=["900.00"],
        product_line=world.hardware,
        ordered_on=datetime.date(YEAR, 12, 1),
    )
    sight = line_of_sight(user=cast.salesperson.user, today=datetime.date(YEAR, 11, 15))
    [revenue] = sight.metrics
    assert revenue.actual_this_month == Decimal("600.00")
    assert revenue.actual_to_date == Decimal("4600.00")
    target = revenue.target_to_date
    assert target is not None and target == sum(revenue.month_values[:11])  # Jan to Nov
    assert revenue.attainment_to_date == (Decimal("4600.00") / target * 100).quantize(
        Decimal("0.1")
    )
    # A past year's plan shows no progress: nothing is "so far" in it.
    later = line_of_sight(
        user=cast.salesperson.user, today=datetime.date(YEAR + 1, 2, 1), plan=sight.plan
    )
    assert later.metrics[0].actual_to_date is None
