"""The main journeys in a real Chromium against the demo company."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from salesalign.organization.models import Person
from salesalign.strategy.choices import DocumentKind, PublicationStatus
from salesalign.strategy.models import DocumentConfirmation, StrategyDocument, StrategyEdition
from tests.e2e.conftest import BROWSER_TEST, load_demo_company

# A flush after each test would take away what migrations wrote (the standard KPIs, the
# sales totals' state); a serialized rollback puts it back.
pytestmark = BROWSER_TEST

PASSWORD = "e2e-demo-password"


@pytest.fixture
def demo(transactional_db, settings):
    load_demo_company(settings, PASSWORD)


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(f"{base_url}/")


def test_a_salesperson_reads_the_strategy_confirms_the_document_and_switches_language(
    page, live_server, demo
):
    base = live_server.url
    salesperson = Person.objects.get(user__username="sales")
    document = (
        StrategyDocument.objects.filter(
            kind=DocumentKind.DOCUMENT, status=PublicationStatus.PUBLISHED, audience_all=True
        )
        .order_by("-published_at")
        .first()
    )
    assert not DocumentConfirmation.objects.filter(document=document, person=salesperson).exists()

    log_in(page, base, "sales")
    pending = page.locator("#to-confirm")
    expect(pending).to_contain_text(document.title)

    # Step 1 of the method from the navigation: "Our strategy".
    page.click("[data-nav=strategy]")
    page.locator(".dropdown-menu.show").get_by_role("link", name="Our strategy", exact=True).click()
    edition = (
        StrategyEdition.objects.filter(status=PublicationStatus.PUBLISHED).order_by("-year").first()
    )
    expect(page.locator("#vision")).to_contain_text(edition.vision.strip()[:10])
    expect(page.locator("#values")).to_contain_text(edition.values.first().name)

    # Back home, open the document and confirm it with a foreseen challenge.
    page.goto(f"{base}/")
    page.locator("#to-confirm").get_by_role("link", name=document.title).click()
    page.fill("#confirm-form textarea", "客户预算收紧，二季度新客户目标可能有压力。")
    page.click("#confirm-button")
    expect(page.locator("#confirmed")).to_be_visible()
    confirmation = DocumentConfirmation.objects.get(document=document, person=salesperson)
    assert confirmation.confirmed_at is not None
    assert document.questions.filter(person=salesperson, text__startswith="客户预算").exists()

    page.goto(f"{base}/")
    expect(page.locator("#to-confirm")).not_to_contain_text(document.title)

    # Switch to Chinese: the choice sticks and the navigation speaks Chinese.
    page.select_option("#language-select", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("[data-nav=strategy]")).to_contain_text("战略")
    page.goto(f"{base}/strategy/")
    expect(page.locator("#vision-heading")).to_have_text(re.compile("愿景"))
    page.select_option("#language-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_a_manager_sees_who_in_the_team_has_not_confirmed(page, live_server, demo):
    base = live_server.url
    manager = Person.objects.get(user__username="manager")
    log_in(page, base, "manager")
    team = page.locator("#team-confirmation")
    expect(team).to_be_visible()
    salesperson = Person.objects.get(user__username="sales")
    # The page is in English, so people appear under their English names.
    expect(team).to_contain_text(salesperson.name_en)
    other_unit_people = Person.objects.exclude(unit__path__startswith=manager.unit.path).exclude(
        unit=manager.unit
    )
    outsider_name = other_unit_people.filter(role="salesperson").first().name_en
    expect(team).not_to_contain_text(outsider_name)
