"""Every targets page reads the same number of queries when a team grows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesalign.organization.tests.factories import PersonFactory
from salesalign.targets.services import allocation, negotiation, plans
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
