"""Every targets page reads the same number of queries when a team grows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesalign.core.choices import Role
from salesalign.organization.models import Person
from salesalign.organization.tests.factories import PersonFactory
from salesalign.targets.services import allocation, negotiation, plans
from salesalign.targets.services.allocation import AllocationParams, GrowthFactor
from salesalign.targets.tests.pages_world import allocate_down

pytestmark = pytest.mark.django_db


def _pages(allocated, cast):
    plan = allocated.plan.pk
    team = allocated.team.pk
    return [
        ("executive", reverse("targets:plan_list")),
        ("executive", reverse("targets:plan_detail", args=[plan])),
        ("manager", reverse("targets:target_detail", args=[team])),
        ("manager", reverse("targets:allocate", args=[plan, team])),
        ("manager", reverse("targets:plan_negotiation", args=[plan])),
        ("manager", reverse("targets:cascade", args=[plan]) + f"?root={team}&view=product_lines"),
        ("salesperson", reverse("targets:my_targets")),
        ("manager", reverse("targets:person_targets", args=[cast.salesperson.pk])),
        ("salesperson", reverse("home")),
    ]


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _split_people(cast, allocated):
    allocation.allocation_apply_many(
        actor=cast.manager.user,
        plan=allocated.plan,
        parents=list(allocated.team.children.all()),
        axes=["product_line"],
        method="equal",
    )
    negotiation.proposal_publish(
        actor=cast.manager.user, plan=allocated.plan, parent=allocated.team
    )


def test_no_page_reads_more_when_the_team_grows(world):
    cast = world.cast
    allocated = allocate_down(world)
    plans.plan_submit_for_negotiation(actor=cast.executive.user, plan=allocated.plan)
    _split_people(cast, allocated)
    clients = {who: cast.client_for(who) for who in ("executive", "manager", "salesperson")}
    before = {url: _count(clients[who], url) for who, url in _pages(allocated, cast)}
    for number in range(10):
        PersonFactory(unit=cast.team, employee_number=f"NEW{number:02d}")
    allocation.allocation_apply(
        actor=cast.manager.user,
        plan=allocated.plan,
        parent=allocated.team,
        axes=["child"],
        method="equal",
    )
    _split_people(cast, allocated)
    after = {url: _count(clients[who], url) for who, url in _pages(allocated, cast)}
    grown = {url: (before[url], after[url]) for url in before if after[url] > before[url]}
    assert not grown, grown


def _team_of(world, allocated, size):
    """The team grown to `size` salespeople, allocated to them, each split by product line with
    a market factor for hardware."""
    cast = world.cast
    present = Person.objects.filter(unit=cast.team, role=Role.SALESPERSON).count()
    for number in range(present, size):
        PersonFactory(unit=cast.team, employee_number=f"GROW{number:02d}")
    allocation.allocation_apply(
        actor=cast.manager.user,
        plan=allocated.plan,
        parent=allocated.team,
        axes=["child"],
        method="equal",
    )
    people = list(allocated.team.children.all())
    assert len(people) == size
    allocation.allocation_apply_many(
        actor=cast.manager.user,
        plan=allocated.plan,
        parents=people,
        axes=["product_line"],
        method="history_market",
        params=AllocationParams(
            growth_factors=(GrowthFactor("product_line", world.hardware.pk, Decimal("1.05")),)
        ),
    )


@pytest.mark.parametrize("view", ["months", "product_lines"])
def test_the_cascade_editor_reads_as_many_queries_for_a_team_of_3_as_of_12(world, view):
    """History (one aggregation per split kind) and market factors (one query) included."""
    allocated = allocate_down(world)
    client = world.cast.client_for("manager")
    url = (
        reverse("targets:cascade", args=[allocated.plan.pk])
        + f"?root={allocated.team.pk}&view={view}&levels=all"
    )
    counts = {}
    for size in (3, 12):
        _team_of(world, allocated, size)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts[size] = len(queries)
        codes = {
            finding.code for node in response.context["tree"].nodes for finding in node.findings
        }
        assert {"growth_above_trend", "growth_above_market"} <= codes
    assert counts[3] == counts[12], counts
