"""The cascade editor: who sees and edits what, cells that bring back sums and warnings, errors
that name the row and write nothing, the product-line view, and a constant number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import MEMBERS
from salesalign.organization.tests.factories import PersonFactory
from salesalign.targets.choices import TargetMethod
from salesalign.targets.models import Target
from salesalign.targets.services import allocation, plans
from salesalign.targets.tests.pages_world import allocate_down, negotiate

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def cascade_url(allocated, root=None, view="months", levels="all"):
    root = root or allocated.root
    url = reverse("targets:cascade", args=[allocated.plan.pk])
    return f"{url}?root={root.pk}&view={view}&levels={levels}"


def save(client, allocated, values, *, root=None, htmx=True, view="months"):
    data = {"root": (root or allocated.team).pk, "view": view}
    data.update({f"t{target.pk}": value for target, value in values.items()})
    extra = HTMX if htmx else {}
    return client.post(reverse("targets:cascade_save", args=[allocated.plan.pk]), data, **extra)


@pytest.mark.parametrize("who", MEMBERS)
def test_each_member_sees_the_slices_they_may_and_edits_only_below_what_they_manage(world, who):
    allocated = allocate_down(world)
    negotiate(world, allocated)
    response = world.cast.client_for(who).get(cascade_url(allocated))
    if who == "outsider":
        assert response.status_code == 404
        return
    assert response.status_code == 200
    page = response.content.decode()
    cast = world.cast
    assert f'data-target="{allocated.root.pk}"' in page
    foreign = allocated.person_target(cast.other_salesperson)
    assert (f'data-target="{foreign.pk}"' in page) == (who in {"admin", "executive", "hr"})
    own_target = allocated.person_target(cast.salesperson)
    colleagues = {"salesperson2", "other_salesperson"}
    assert (f'data-target="{own_target.pk}"' in page) == (who not in colleagues)
    editable = f'name="t{own_target.pk}"' in page
    assert editable == (who in {"admin", "executive", "manager"})
    assert (f'name="t{allocated.root.pk}"' in page) == (who in {"admin", "executive"})


def test_a_manager_types_a_number_and_the_row_totals_and_remainder_come_back(world):
    allocated = allocate_down(world)
    cast = world.cast
    first = allocated.person_target(cast.salesperson)
    client = cast.client_for("manager")
    response = save(client, allocated, {first: "500,000"})
    assert response.status_code == 200
    assert response.templates[0].name == "targets/_cascade_block.html"
    page = response.content.decode()
    first.refresh_from_db()
    assert first.value == Decimal("500000.00") and first.method == TargetMethod.MANUAL
    assert sum(first.periods.values_list("amount", flat=True)) == first.amount
    team_node = next(
        node for node in response.context["tree"].nodes if node.target.pk == allocated.team.pk
    )
    second = allocated.person_target(cast.salesperson2)
    assert team_node.remainder == allocated.team.value - Decimal("500000.00") - second.value
    assert 'id="cascade-saved"' in page
    assert (
        'data-code="children_below_parent"' in page or 'data-code="children_above_parent"' in page
    )
    assert "still to place" in page or "more than this target" in page
    # The typed cell comes back grouped, as the sums beside it are.
    assert f'name="t{first.pk}" id="cell-{first.pk}" value="500,000.00"' in page


@pytest.mark.parametrize("typed", ["abc", "-10", "", "1e30", "1,2,3"])
def test_a_bad_number_names_the_row_and_writes_nothing(world, typed):
    allocated = allocate_down(world)
    cast = world.cast
    first = allocated.person_target(cast.salesperson)
    before = first.amount
    response = save(cast.client_for("manager"), allocated, {first: typed})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="cascade-error"' in page
    assert cast.salesperson.display_name in response.context["error"].message
    assert response.context["error_target"] == first.pk
    first.refresh_from_db()
    assert first.amount == before and first.method == TargetMethod.HISTORY


def test_one_bad_cell_among_good_ones_writes_none_of_them(world):
    allocated = allocate_down(world)
    cast = world.cast
    first = allocated.person_target(cast.salesperson)
    second = allocated.person_target(cast.salesperson2)
    amounts = (first.amount, second.amount)
    response = save(cast.client_for("manager"), allocated, {first: "1", second: "x"}, htmx=False)
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.amount, second.amount) == amounts


@pytest.mark.parametrize(
    ("who", "status"), [("salesperson", 403), ("hr", 403), ("other_manager", 404)]
)
def test_who_does_not_manage_the_team_may_not_type_its_numbers(world, who, status):
    """Refused (403) — or not even found (404) for a manager who cannot see the team."""
    allocated = allocate_down(world)
    negotiate(world, allocated)
    first = allocated.person_target(world.cast.salesperson)
    before = first.amount
    response = save(world.cast.client_for(who), allocated, {first: "1"})
    assert response.status_code == status
    first.refresh_from_db()
    assert first.amount == before


def test_a_locked_plan_shows_no_inputs_and_refuses_a_typed_value(world):
    allocated = allocate_down(world)
    executive = world.cast.executive.user
    plans.plan_submit_for_negotiation(actor=executive, plan=allocated.plan)
    plans.plan_approve(actor=executive, plan=allocated.plan)
    client = world.cast.client_for("executive")
    page = client.get(cascade_url(allocated)).content.decode()
    assert 'id="locked"' in page and "cell-input" not in page
    first = allocated.person_target(world.cast.salesperson)
    response = save(client, allocated, {first: "1"})
    assert "locked" in response.context["error"].message
    first.refresh_from_db()
    assert first.method == TargetMethod.HISTORY


def test_only_two_levels_below_the_root_are_shown_unless_all_are_asked_for(world):
    allocated = allocate_down(world)
    client = world.cast.client_for("executive")
    response = client.get(cascade_url(allocated, levels=""))
    person = allocated.person_target(world.cast.salesperson)
    page = response.content.decode()
    assert f'data-target="{allocated.team.pk}"' in page
    assert f'data-target="{person.pk}"' not in page
    assert response.context["hidden"] == 3 and 'id="hidden-levels"' in page
    everything = client.get(cascade_url(allocated)).content.decode()
    assert f'data-target="{person.pk}"' in everything


def test_the_company_target_is_typed_in_the_editor_by_a_planner(world):
    allocated = allocate_down(world)
    client = world.cast.client_for("executive")
    response = save(client, allocated, {allocated.root: "1500000"}, root=allocated.root)
    allocated.root.refresh_from_db()
    assert allocated.root.value == Decimal("1500000.00")
    assert allocated.root.tactical_goal == world.goal  # still linked to its goal
    root_node = response.context["tree"].root
    assert root_node.remainder == Decimal("500000.00")


def test_the_product_line_view_adds_up_the_split_and_edits_a_product_line_cell(world):
    allocated = allocate_down(world)
    cast = world.cast
    people = [allocated.person_target(cast.salesperson), allocated.person_target(cast.salesperson2)]
    allocation.allocation_apply_many(
        actor=cast.manager.user,
        plan=allocated.plan,
        parents=people,
        axes=["product_line"],
        method="history",
    )
    client = cast.client_for("manager")
    response = client.get(cascade_url(allocated, root=allocated.team, view="product_lines"))
    grid = response.context["grid"]
    assert [line.pk for line in grid.columns] == [world.hardware.pk, world.software.pk]
    team_row = next(row for row in grid.rows if row.node.target.pk == allocated.team.pk)
    assert sum(cell.value for cell in team_row.cells) == allocated.team.value
    hardware = Target.objects.get(
        plan=allocated.plan, person=cast.salesperson, product_line=world.hardware
    )
    person_row = next(row for row in grid.rows if row.node.target.pk == people[0].pk)
    assert person_row.cells[0].target_id == hardware.pk
    assert f'name="t{hardware.pk}"' in response.content.decode()
    edited = save(client, allocated, {hardware: "1000"}, view="product_lines")
    hardware.refresh_from_db()
    assert hardware.value == Decimal("1000.00")
    row = next(r for r in edited.context["grid"].rows if r.node.target.pk == people[0].pk)
    assert row.cells[0].value == Decimal("1000.00")
    assert row.node.has_remainder


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("level", ["team", "department"])
def test_the_editor_reads_a_constant_number_of_queries_as_people_grow(world, level):
    allocated = allocate_down(world)
    cast = world.cast
    root = allocated.team if level == "team" else allocated.department
    who = "manager" if level == "team" else "executive"
    client = cast.client_for(who)
    url = cascade_url(allocated, root=root)
    before, response = _queries(client, url)
    people_before = len(response.context["tree"].nodes)
    for number in range(12):
        PersonFactory(unit=cast.team, employee_number=f"NEW{number:02d}")
        PersonFactory(unit=cast.other_team, employee_number=f"OTH{number:02d}")
    allocation.allocation_apply_many(
        actor=cast.executive.user,
        plan=allocated.plan,
        parents=[allocated.team, allocated.other_team],
        axes=["child"],
        method="equal",
    )
    after, response = _queries(client, url)
    assert len(response.context["tree"].nodes) >= people_before + 12
    assert after <= before <= 30


def test_each_row_links_to_its_own_target_and_allocation(world):
    allocated = allocate_down(world)
    page = world.cast.client_for("manager").get(cascade_url(allocated)).content.decode()
    team_row = page.split(f'data-target="{allocated.team.pk}"', 1)[1].split("</tr>", 1)[0]
    person = allocated.person_target(world.cast.salesperson)
    person_row = page.split(f'data-target="{person.pk}"', 1)[1].split("</tr>", 1)[0]
    plan = allocated.plan.pk
    assert reverse("targets:target_detail", args=[allocated.team.pk]) in team_row
    assert reverse("targets:allocate", args=[plan, allocated.team.pk]) in team_row
    assert reverse("targets:target_detail", args=[person.pk]) in person_row
    assert reverse("targets:allocate", args=[plan, person.pk]) in person_row
    # The company target is above the manager's units: no allocation link there.
    root_row = page.split(f'data-target="{allocated.root.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "allocate-link" not in root_row
    assert reverse("targets:target_detail", args=[allocated.root.pk]) in root_row
