"""A target's page offers only what its reader may do: a child target is a link only when the
reader may open it, and the comment form only to whom the service lets comment."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import MEMBERS
from salesalign.organization.tests.factories import PersonFactory
from salesalign.targets.choices import MessageKind
from salesalign.targets.models import TargetMessage
from salesalign.targets.services import allocation, negotiation
from salesalign.targets.tests.pages_world import allocate_down, negotiate

pytestmark = pytest.mark.django_db

CAST = [*MEMBERS, "other_manager"]


def _detail(pk: int) -> str:
    return reverse("targets:target_detail", args=[pk])


def _allocated_below(page: str) -> dict[int, bool]:
    """Each child listed under "Allocated below", and whether it is a link."""
    block = page.split('id="allocated-below">', 1)[1].split("</ul>", 1)[0]
    items = re.findall(r'<li data-target="(\d+)">(.*?)</li>', block, re.S)
    return {int(pk): "<a href=" in item for pk, item in items}


@pytest.mark.parametrize("who", CAST)
def test_a_child_target_is_a_link_exactly_when_its_page_opens_for_the_reader(world, who):
    allocated = allocate_down(world)
    negotiate(world, allocated)
    client = world.cast.client_for(who)
    response = client.get(_detail(allocated.department.pk))
    if response.status_code == 404:
        assert who == "outsider"
        return
    children = _allocated_below(response.content.decode())
    assert set(children) == {allocated.team.pk, allocated.other_team.pk}
    for pk, linked in children.items():
        assert linked == (client.get(_detail(pk)).status_code == 200), pk


def test_a_salesperson_reads_the_department_with_only_their_own_team_as_a_link(world):
    allocated = allocate_down(world)
    negotiate(world, allocated)
    page = world.cast.client_for("salesperson").get(_detail(allocated.department.pk))
    children = _allocated_below(page.content.decode())
    assert children == {allocated.team.pk: True, allocated.other_team.pk: False}
    assert "North Team" in page.content.decode()  # still named, with its number


def test_the_childrens_links_read_no_more_queries_as_the_children_grow(world):
    cast = world.cast
    allocated = allocate_down(world)
    negotiate(world, allocated)
    client = cast.client_for("salesperson")
    with CaptureQueriesContext(connection) as first:
        page = client.get(_detail(allocated.team.pk)).content.decode()
    assert list(_allocated_below(page).values()).count(True) == 1  # their own target
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
        page = client.get(_detail(allocated.team.pk)).content.decode()
    children = _allocated_below(page)
    assert len(children) == 12
    assert list(children.values()).count(True) == 1
    assert len(second) <= len(first)


@pytest.mark.parametrize("who", CAST)
def test_the_comment_form_is_offered_exactly_to_whom_the_service_lets_comment(world, who):
    allocated = allocate_down(world)
    negotiate(world, allocated)
    own = allocated.person_target(world.cast.salesperson)
    for target in (allocated.root, allocated.department, allocated.team, own):
        client = world.cast.client_for(who)
        response = client.get(_detail(target.pk))
        if response.status_code == 404:
            continue
        offered = 'id="comment-form"' in response.content.decode()
        before = TargetMessage.objects.filter(kind=MessageKind.COMMENT).count()
        posted = client.post(
            reverse("targets:target_comment", args=[target.pk]), {"text": "A word"}
        )
        accepted = TargetMessage.objects.filter(kind=MessageKind.COMMENT).count() > before
        assert offered == accepted, (target, posted.status_code)
        assert posted.status_code == (302 if accepted else 403)


def test_a_salesperson_discusses_their_own_target_not_their_department_s(world):
    allocated = allocate_down(world)
    negotiate(world, allocated)
    client = world.cast.client_for("salesperson")
    own = allocated.person_target(world.cast.salesperson)
    assert 'id="comment-form"' in client.get(_detail(own.pk)).content.decode()
    department = client.get(_detail(allocated.department.pk)).content.decode()
    assert 'id="comment-form"' not in department
    assert "Nothing said about this target yet." in department  # the thread is still read
