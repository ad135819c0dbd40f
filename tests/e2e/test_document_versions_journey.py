"""A Chromium journey for step 1: a new version of the strategy document, written,
published, compared and confirmed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from salesalign.organization.models import Person
from salesalign.strategy.choices import DocumentKind, DocumentStatus
from salesalign.strategy.models import DocumentConfirmation, StrategyDocument
from tests.e2e.conftest import BROWSER_TEST, load_demo_company

pytestmark = BROWSER_TEST

PASSWORD = "e2e-demo-password"
ADDED = "下半年重点拓展华南市场，每个团队至少储备 5 家重点客户。"


@pytest.fixture
def demo(transactional_db, settings):
    load_demo_company(settings, PASSWORD)


def log_in(page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(f"{base_url}/")


def test_an_executive_publishes_a_new_version_and_a_reader_sees_what_changed(
    page, live_server, demo
):
    base = live_server.url
    document = (
        StrategyDocument.objects.filter(
            kind=DocumentKind.DOCUMENT, status=DocumentStatus.PUBLISHED, audience_all=True
        )
        .order_by("-published_at")
        .first()
    )
    manager = Person.objects.get(user__username="manager")
    if not DocumentConfirmation.objects.filter(document=document, person=manager).exists():
        DocumentConfirmation.objects.create(document=document, person=manager)

    # The executive starts version 2 from the published document and adds a paragraph.
    log_in(page, base, "exec")
    page.goto(f"{base}/strategy/documents/{document.pk}/")
    page.click("#new-version")
    expect(page.locator(".alert-success")).to_contain_text("Version 2 is a draft")
    body = page.locator("#id_body")
    body.fill(body.input_value().rstrip() + "\n\n" + ADDED)
    page.click("#document-form button[type=submit]")
    expect(page.locator("#changes ins")).to_have_text(ADDED)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#publish-document")
    expect(page.locator(".alert-info")).to_contain_text("Version 1 is superseded")
    version = StrategyDocument.objects.get(previous_version=document)
    assert version.status == DocumentStatus.PUBLISHED
    document.refresh_from_db()
    assert document.status == DocumentStatus.SUPERSEDED

    # The manager had confirmed version 1: home asks for version 2, whose page shows the change.
    log_in(page, base, "manager")
    expect(page.locator("#to-confirm")).to_contain_text("Version 2")
    page.locator("#to-confirm").get_by_role("link", name=version.title).click()
    expect(page.locator("#changes-heading")).to_have_text(
        "What changed since version 1, which you confirmed"
    )
    expect(page.locator("#changes ins")).to_have_text(ADDED)
    page.click("#confirm-button")
    expect(page.locator("#confirmed")).to_be_visible()
    assert DocumentConfirmation.objects.filter(document=version, person=manager).exists()

    # Version 1 stays readable, marked superseded, and leads to version 2.
    page.goto(f"{base}/strategy/documents/{document.pk}/")
    expect(page.locator("#superseded-notice")).to_be_visible()
    page.click("#newer-version-link")
    expect(page).to_have_url(f"{base}/strategy/documents/{version.pk}/")
