"""Notifications of the negotiation: the top bar's badge, the home page's list, opening one."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import MEMBERS
from salesalign.core.models import Notification
from salesalign.core.services import notify
from salesalign.dashboards.selectors import NOTIFICATIONS_SHOWN
from salesalign.targets.services import negotiation
from salesalign.targets.tests.pages_world import allocate_down, negotiate

pytestmark = pytest.mark.django_db


def test_a_proposal_shows_on_the_salespersons_home_and_badge(world):
    allocated = allocate_down(world)
    negotiate(world, allocated)
    client = world.cast.client_for("salesperson")
    home = client.get(reverse("home"))
    page = home.content.decode()
    assert 'id="waiting-for-you"' in page
    assert "Targets for 2026 wait for your answer." in page
    assert home.context["home"].targets_waiting == 1
    badge = client.get(reverse("notification_badge")).content.decode()
    assert 'id="notification-count">1<' in badge


def test_the_home_page_counts_every_unread_notification_as_the_badge_does(world):
    allocated = allocate_down(world)
    negotiate(world, allocated)
    more = NOTIFICATIONS_SHOWN + 2
    for number in range(more):
        notify(people=[world.cast.salesperson], kind="test", subject=f"Note {number}")
    client = world.cast.client_for("salesperson")
    home = client.get(reverse("home"))
    assert len(home.context["home"].notifications) == NOTIFICATIONS_SHOWN
    assert f'id="waiting-count">{more + 1}<' in home.content.decode()
    badge = client.get(reverse("notification_badge")).content.decode()
    assert f'id="notification-count">{more + 1}<' in badge


def test_a_counter_tells_the_manager_on_the_home_page(world):
    allocated = allocate_down(world)
    proposals = negotiate(world, allocated)
    proposal = next(p for p in proposals if p.target.person_id == world.cast.salesperson.pk)
    negotiation.proposal_counter(
        actor=world.cast.salesperson.user, proposal=proposal, value="1000", reason="Too high"
    )
    home = world.cast.client_for("manager").get(reverse("home"))
    page = home.content.decode()
    name = world.cast.salesperson.display_name
    assert f"{name} counter-proposed a target for 2026." in page
    assert home.context["home"].targets_waiting == 1  # one counter to decide
    # In the reader's language: the Chinese page names the salesperson in Chinese.
    client = world.cast.client_for("manager")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = client.get(reverse("home")).content.decode()
    assert f"{world.cast.salesperson.name} 对 2026 年目标提出了反建议。" in chinese
    assert world.cast.salesperson.name_en not in chinese


def test_opening_a_notification_marks_it_read_and_follows_its_link(world):
    allocated = allocate_down(world)
    negotiate(world, allocated)
    notification = Notification.objects.get(recipient=world.cast.salesperson)
    client = world.cast.client_for("salesperson")
    response = client.get(reverse("notification_open", args=[notification.pk]))
    assert response.url == reverse("targets:plan_negotiation", args=[allocated.plan.pk])
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert (
        'id="notification-count"' not in client.get(reverse("notification_badge")).content.decode()
    )
    assert 'id="waiting-for-you"' in client.get(reverse("home")).content.decode()  # still to answer


@pytest.mark.parametrize("who", [who for who in MEMBERS if who != "salesperson"])
def test_nobody_opens_someone_elses_notification(world, who):
    allocated = allocate_down(world)
    negotiate(world, allocated)
    notification = Notification.objects.get(recipient=world.cast.salesperson)
    client = world.cast.client_for(who)
    assert client.get(reverse("notification_open", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None
    listing = client.get(reverse("notifications"))
    assert listing.status_code == 200
    assert notification not in listing.context["notifications"]


def test_marking_all_read_empties_the_badge(world):
    allocated = allocate_down(world)
    negotiate(world, allocated)
    client = world.cast.client_for("salesperson2")
    page = client.get(reverse("notifications")).content.decode()
    assert 'id="mark-all-read"' in page
    client.post(reverse("notifications_read"))
    assert not Notification.objects.filter(recipient=world.cast.salesperson2, read_at=None).exists()
    assert Notification.objects.filter(recipient=world.cast.salesperson, read_at=None).exists()
