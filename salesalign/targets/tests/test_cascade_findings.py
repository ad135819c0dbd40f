"""The cascade editor judges targets against their own trend and the market as cells are edited.

In the world, salesperson sold a flat 18,000.00 a year (12,000.00 of hardware,
6,000.00 of software) in 2023–2025; salesperson2 a flat 6,000.00 (4,000.00 and
2,000.00). Above-trend is +30 % beyond the trend, the market tolerance 10 points.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import reverse

from salesalign.engines.reasonableness import FindingCode
from salesalign.targets.models import Target
from salesalign.targets.selectors.cascade import cascade_tree
from salesalign.targets.services import allocation, plans
from salesalign.targets.services.allocation import AllocationParams, GrowthFactor
from salesalign.targets.tests.pages_world import allocate_down

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ABOVE_TREND = FindingCode.GROWTH_ABOVE_TREND.value
MARKET = {FindingCode.GROWTH_ABOVE_MARKET.value, FindingCode.GROWTH_BELOW_MARKET.value}


def editor_url(allocated, root, view="months"):
    url = reverse("targets:cascade", args=[allocated.plan.pk])
    return f"{url}?root={root.pk}&view={view}&levels=all"


def save(client, allocated, values, *, root, view="months"):
    """Type cells as the editor does (htmx); the block comes back, saved."""
    data = {"root": root.pk, "view": view, "levels": "all"}
    data.update({f"t{target.pk}": value for target, value in values.items()})
    response = client.post(reverse("targets:cascade_save", args=[allocated.plan.pk]), data, **HTMX)
    assert response.status_code == 200
    assert response.templates[0].name == "targets/_cascade_block.html"
    assert response.context["error"] is None and 'id="cascade-saved"' in response.content.decode()
    return response


def findings_row(response, target):
    """The findings row the page shows under one target's row ("" when there is none)."""
    page = response.content.decode()
    row = re.search(rf'<tr class="findings-row" data-findings="{target.pk}">(.*?)</tr>', page, re.S)
    return row.group(1) if row else ""


def codes_shown(response, target):
    """The finding codes shown under one target's row."""
    return set(re.findall(r'data-code="([a-z_]+)"', findings_row(response, target)))


def slice_codes(response, target):
    """The finding codes the product-line grid shows for one of a row's product-line cells."""
    page = response.content.decode()
    return set(re.findall(rf'data-code="([a-z_]+)" data-slice="{target.pk}"', page))


def test_a_target_80_percent_above_a_flat_trend_is_flagged_as_typed_and_cleared_when_fixed(world):
    allocated = allocate_down(world)
    cast = world.cast
    client = cast.client_for("manager")
    own = allocated.person_target(cast.salesperson)
    team = allocated.team

    on_trend = save(client, allocated, {own: "18,900"}, root=team)  # +5 %: within the trend
    assert ABOVE_TREND not in codes_shown(on_trend, own)

    raised = save(client, allocated, {own: "32,400"}, root=team)  # +80 % on a flat trend
    assert ABOVE_TREND in codes_shown(raised, own)
    words = findings_row(raised, own)
    assert "+80.0 %" in words and "2025" in words
    assert "80.0 points above its own trend (0.0 %)" in words
    node = next(node for node in raised.context["tree"].nodes if node.target.pk == own.pk)
    [finding] = [f for f in node.findings if f.code == ABOVE_TREND]
    assert finding.params["target_growth"] == Decimal("0.8000")
    assert finding.params["trend_growth"] == Decimal("0.0000")
    assert finding.params["base"] == 1_800_000  # cents of 2025

    page = client.get(editor_url(allocated, team))
    assert ABOVE_TREND in codes_shown(page, own)

    fixed = save(client, allocated, {own: "20,000"}, root=team)  # +11 %: fine again
    assert ABOVE_TREND not in codes_shown(fixed, own)
    assert ABOVE_TREND not in codes_shown(client.get(editor_url(allocated, team)), own)


def test_a_target_far_below_its_trend_is_flagged_too(world):
    allocated = allocate_down(world)
    cast = world.cast
    client = cast.client_for("manager")
    own = allocated.person_target(cast.salesperson2)
    lowered = save(client, allocated, {own: "3,000"}, root=allocated.team)  # −50 % on 6,000
    assert FindingCode.GROWTH_BELOW_TREND.value in codes_shown(lowered, own)


def _split_by_product_line(world, allocated, person, **kwargs):
    allocation.allocation_apply(
        actor=world.cast.manager.user,
        plan=allocated.plan,
        parent=allocated.person_target(person),
        axes=["product_line"],
        **kwargs,
    )
    return {
        line: Target.objects.get(plan=allocated.plan, person=person, product_line=line)
        for line in (world.hardware, world.software)
    }


def _with_factor(world):
    return AllocationParams(
        growth_factors=(GrowthFactor("product_line", world.hardware.pk, Decimal("1.05")),)
    )


def test_a_product_line_slice_is_judged_against_the_market_factor_of_its_run(world):
    allocated = allocate_down(world)
    cast = world.cast
    client = cast.client_for("manager")
    team = allocated.team
    # The person's share of a million is far more than 18,000: the split grows far past +5 %.
    slices = _split_by_product_line(
        world, allocated, cast.salesperson, method="history_market", params=_with_factor(world)
    )
    # Split by another run, without a market factor: not judged against the first run's.
    others = _split_by_product_line(world, allocated, cast.salesperson2, method="history")
    hardware, software = slices[world.hardware], slices[world.software]

    page = client.get(editor_url(allocated, team))
    assert FindingCode.GROWTH_ABOVE_MARKET.value in codes_shown(page, hardware)
    assert "points more than the market change of +5.0 %" in findings_row(page, hardware)
    assert not MARKET & codes_shown(page, software), "no factor entered for software"
    assert not MARKET & codes_shown(page, others[world.hardware])
    # The grid shows a row's product-line cells' findings under the row, named by the line.
    grid = client.get(editor_url(allocated, team, view="product_lines"))
    assert FindingCode.GROWTH_ABOVE_MARKET.value in slice_codes(grid, hardware)
    person_row = findings_row(grid, allocated.person_target(cast.salesperson))
    assert "Hardware</span> · Grows" in person_row
    assert not MARKET & slice_codes(grid, software)

    # Typed by hand, the slice is still judged against the market its parent was split for.
    near = save(client, allocated, {hardware: "12,700"}, root=team, view="product_lines")
    assert not MARKET & slice_codes(near, hardware)  # +5.8 %: inside the tolerance
    low = save(client, allocated, {hardware: "10,000"}, root=team, view="product_lines")
    assert FindingCode.GROWTH_BELOW_MARKET.value in slice_codes(low, hardware)
    assert FindingCode.GROWTH_BELOW_MARKET.value in codes_shown(
        client.get(editor_url(allocated, team)), hardware
    )
    hardware.refresh_from_db()
    assert hardware.allocation_run is None


def test_people_above_see_no_trend_of_the_units_they_may_not_read(world):
    allocated = allocate_down(world)
    cast = world.cast
    response = cast.client_for("manager").get(editor_url(allocated, allocated.department))
    assert response.status_code == 200
    nodes = {node.target.pk: node for node in response.context["tree"].nodes}
    codes = {pk: {finding.code for finding in node.findings} for pk, node in nodes.items()}
    assert ABOVE_TREND in codes[allocated.team.pk]  # a million on about 24,000 a year
    assert ABOVE_TREND not in codes[allocated.department.pk], "the department is above them"
    executive = cascade_tree(
        user=cast.executive.user, plan=allocated.plan, root_id=allocated.department.pk
    )
    assert ABOVE_TREND in {finding.code for finding in executive.root.findings}


def test_a_salesperson_sees_the_trend_of_their_own_target_only(world):
    allocated = allocate_down(world)
    cast = world.cast
    plans.plan_submit_for_negotiation(actor=cast.executive.user, plan=allocated.plan)
    plans.plan_approve(actor=cast.executive.user, plan=allocated.plan)
    tree = cascade_tree(user=cast.salesperson.user, plan=allocated.plan)
    codes = {node.target.pk: {f.code for f in node.findings} for node in tree.nodes}
    own = allocated.person_target(cast.salesperson)
    assert ABOVE_TREND in codes[own.pk]
    assert ABOVE_TREND not in codes[allocated.team.pk]


SUMS = {FindingCode.CHILDREN_BELOW_PARENT, FindingCode.CHILDREN_ABOVE_PARENT}


def test_a_reader_who_sees_some_children_is_not_told_the_others_are_missing(world):
    # The manager reads the company's target and sees only their own team below the
    # department: the department's other team is there, just not theirs to see.
    allocated = allocate_down(world)
    cast = world.cast
    for who in ("manager", "executive"):
        tree = cascade_tree(user=getattr(cast, who).user, plan=allocated.plan)
        assert not [f for node in tree.nodes for f in node.findings if f.code in SUMS], who
    manager_tree = cascade_tree(user=cast.manager.user, plan=allocated.plan)
    department = next(n for n in manager_tree.nodes if n.target.pk == allocated.department.pk)
    assert [child.target.pk for child in department.children] == [allocated.team.pk]
    assert department.remainder == 0


def test_a_sum_that_is_off_is_judged_on_every_child_whoever_reads_it(world):
    allocated = allocate_down(world)
    cast = world.cast
    # 1.00 taken from the team the manager does not see.
    Target.objects.filter(pk=allocated.other_team.pk).update(amount=F("amount") - 100)
    for who in ("manager", "executive"):
        tree = cascade_tree(user=getattr(cast, who).user, plan=allocated.plan)
        department = next(n for n in tree.nodes if n.target.pk == allocated.department.pk)
        sums = [f for f in department.findings if f.code in SUMS]
        assert [(f.code, f.params["difference"], f.params["child_count"]) for f in sums] == [
            (FindingCode.CHILDREN_BELOW_PARENT, 100, 2)
        ], who


def test_a_first_year_the_records_cover_only_in_part_is_not_read_as_growth(world):
    from salesalign.sales.models import Order
    from salesalign.targets.history import first_complete_year

    # The records now start in December 2023: 2023 holds one month of a flat 18,000.00 year.
    Order.objects.filter(ordered_on__lt=datetime.date(2023, 12, 1)).delete()
    assert first_complete_year(1) == 2024
    assert first_complete_year(12) == 2023  # a year from December: 2023 is whole
    allocated = allocate_down(world)
    cast = world.cast
    own = allocated.person_target(cast.salesperson)
    kept = save(cast.client_for("manager"), allocated, {own: "18,900"}, root=allocated.team)
    # 4,500 → 18,000 → 18,000 would read as a steep trend and +5 % as far below it.
    assert not {ABOVE_TREND, FindingCode.GROWTH_BELOW_TREND.value} & codes_shown(kept, own)
    # The allocation wizard judges its preview on the same whole years: the trend it measures
    # is flat (2024–2025), not +50 % from a 2023 of one December.
    preview = allocation.allocation_preview(
        actor=cast.manager.user,
        plan=allocated.plan,
        parent=allocated.team,
        axes=["child"],
        method="equal",
    )
    trends = [finding for finding in preview.findings if "trend_growth" in finding.params]
    assert trends, "the team's target is far above the history: its trend is judged"
    assert {finding.params["trend_growth"] for finding in trends} == {Decimal("0.0000")}


def _findings_of(user, allocated, root, target):
    tree = cascade_tree(user=user, plan=allocated.plan, root_id=root.pk)
    node = next(node for node in tree.nodes if node.target.pk == target.pk)
    return {finding.code: dict(finding.params) for finding in node.findings}


def test_peers_are_the_same_whichever_part_of_the_tree_is_open(world):
    from salesalign.organization.tests.factories import PersonFactory

    cast = world.cast
    # Two more of the same job in each team; every salesperson gets an equal share of
    # their team's target, so nobody is far from their peers yet.
    newcomer = PersonFactory(unit=cast.team, hire_date=datetime.date(2020, 1, 1))
    PersonFactory(unit=cast.team, hire_date=datetime.date(2020, 1, 1))
    for _ in range(2):
        PersonFactory(unit=cast.other_team, hire_date=datetime.date(2020, 1, 1))
    allocated = allocate_down(world, to_people=False)
    allocation.allocation_apply_many(
        actor=cast.executive.user,
        plan=allocated.plan,
        parents=[allocated.team, allocated.other_team],
        axes=["child"],
        method="equal",
    )
    raised = allocated.person_target(newcomer)
    save(
        cast.client_for("manager"),
        allocated,
        {raised: str((raised.amount or 0) * 5 / 100)},
        root=allocated.team,
    )
    in_team = _findings_of(cast.manager.user, allocated, allocated.team, raised)
    assert in_team[FindingCode.FAR_ABOVE_PEERS]["group_size"] == 4, "the team's four"
    # Opened from the department or the company, the other team's people are on the page
    # too: the same four peers, the same median, the same finding.
    for root in (allocated.department, allocated.root):
        assert _findings_of(cast.executive.user, allocated, root, raised) == in_team


def test_a_year_a_salesperson_joined_during_is_not_what_they_grow_from(world):
    cast = world.cast
    # salesperson2 joined in April 2025: their 2025 is three quarters of a year.
    cast.salesperson2.hire_date = datetime.date(2025, 4, 1)
    cast.salesperson2.save()
    allocated = allocate_down(world)
    own = allocated.person_target(cast.salesperson2)
    shown = save(cast.client_for("manager"), allocated, {own: "9,000"}, root=allocated.team)
    codes = codes_shown(shown, own)
    # +50 % on the months of 2025 they worked; not a whole year to compare with.
    assert FindingCode.TREND_UNKNOWN.value in codes
    assert not {ABOVE_TREND, FindingCode.GROWTH_BELOW_TREND.value} & codes
    # The allocation wizard's preview reads their history the same way.
    preview = allocation.allocation_preview(
        actor=cast.manager.user,
        plan=allocated.plan,
        parent=allocated.team,
        axes=["child"],
        method="equal",
    )
    theirs = {
        finding.code
        for finding in preview.findings
        if finding.key is not None and f"p{cast.salesperson2.pk}" in finding.key
    }
    assert theirs == {FindingCode.TREND_UNKNOWN}


def test_a_salesperson_leaving_during_the_plan_year_is_not_compared_with_a_whole_year(world):
    cast = world.cast
    cast.salesperson2.left_on = datetime.date(2026, 3, 31)
    cast.salesperson2.save()
    allocated = allocate_down(world)
    own = allocated.person_target(cast.salesperson2)
    # A quarter's target against a whole year of 6,000.00 would read as −75 %.
    shown = save(cast.client_for("manager"), allocated, {own: "1,500"}, root=allocated.team)
    assert not {ABOVE_TREND, FindingCode.GROWTH_BELOW_TREND.value} & codes_shown(shown, own)


def test_product_lines_come_in_the_same_order_on_every_page(world):
    from salesalign.organization.tests.factories import ProductLineFactory
    from salesalign.targets.selectors.line_of_sight import line_of_sight

    # Created last, first in the product-line tree (ordered by code): its id sorts last.
    first = ProductLineFactory(code="AA", name="咨询", name_en="Advisory")
    cast = world.cast
    allocated = allocate_down(world)
    allocation.allocation_apply(
        actor=cast.manager.user,
        plan=allocated.plan,
        parent=allocated.person_target(cast.salesperson),
        axes=["product_line"],
        method="equal",
    )
    expected = [first.pk, world.hardware.pk, world.software.pk]
    tree = cascade_tree(
        user=cast.manager.user,
        plan=allocated.plan,
        root_id=allocated.person_target(cast.salesperson).pk,
    )
    assert [node.target.product_line_id for node in tree.nodes[1:]] == expected
    sight = line_of_sight(
        user=cast.manager.user,
        person_id=cast.salesperson.pk,
        today=datetime.date(2026, 5, 1),
        plan=allocated.plan,
    )
    [revenue] = [item for item in sight.metrics if item.metric.metric == "revenue"]
    assert [
        target.product_line_id for target in revenue.slices if target.product_line_id
    ] == expected
