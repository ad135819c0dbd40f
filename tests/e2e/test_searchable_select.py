"""A long unit select in a real Chromium: typing part of a unit's name filters the choices
(not only by their first letters), and the picked unit is the one the page then shows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from salesalign.core.management.commands.load_demo import ADMIN_USERNAME
from salesalign.organization.models import OrgUnit
from tests.e2e.conftest import BROWSER_TEST, load_demo_company
from tests.e2e.test_journeys import PASSWORD, log_in

pytestmark = BROWSER_TEST


@pytest.fixture
def demo(transactional_db, settings):
    load_demo_company(settings, PASSWORD, order_lines=500)
    settings.SEARCHABLE_SELECT_FROM = 5  # the demo's 14 units count as "long"


def test_a_unit_is_found_by_part_of_its_name_and_shown(page, live_server, demo):
    base = live_server.url
    hangzhou = OrgUnit.objects.get(code="T12-HZ")
    log_in(page, base, ADMIN_USERNAME)
    page.goto(f"{base}/sales/actuals/")
    control = page.locator("#id_unit-ts-control")
    control.locator("xpath=..").click()
    control.press_sequentially("qqq")
    expect(page.locator(".ts-dropdown .no-results")).to_have_text("Nothing matches.")
    control.press("Control+a")
    control.press("Backspace")
    # "zhou" is inside both 杭州 (Hangzhou) and 广州 (Guangzhou), at the start of neither.
    control.press_sequentially("zhou")
    options = page.locator(".ts-dropdown .option")
    expect(options).to_have_count(2)
    options.filter(has_text="Hangzhou").click()
    expect(page.locator("select[name=unit]")).to_have_value(str(hangzhou.pk))
    page.locator("#actuals-filters").get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(rf"/sales/actuals/\?unit={hangzhou.pk}&"))
    # The page shows that unit, and its select (searchable again) has it chosen.
    expect(page.locator("select[name=unit]")).to_have_value(str(hangzhou.pk))
    expect(control.locator("xpath=..")).to_contain_text("Hangzhou")


def test_a_documents_audience_is_picked_by_searching_and_each_unit_removed_by_its_button(
    page, live_server, demo
):
    from salesalign.strategy.models import StrategyDocument

    base = live_server.url
    log_in(page, base, ADMIN_USERNAME)
    page.goto(f"{base}/strategy/documents/new/")
    page.get_by_label("Title").fill("East and South kick-off")
    page.get_by_label("Text").fill("What the two teams focus on this quarter.")
    page.get_by_label("whole company").uncheck()
    control = page.locator("#id_audience_units-ts-control")
    # The dropdown stays open after a pick: both "zhou" teams are chosen in one search.
    control.click()
    control.press_sequentially("zhou")
    options = page.locator(".ts-dropdown .option")
    expect(options).to_have_count(2)
    options.filter(has_text="Hangzhou").click()
    options.filter(has_text="Guangzhou").click()
    chosen = page.locator(".ts-control .item")
    expect(chosen).to_have_count(2)
    # Each tag has its own × (remove_button): Guangzhou is dropped again.
    chosen.filter(has_text="Guangzhou").locator(".remove").click()
    expect(chosen).to_have_count(1)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".alert-success")).to_contain_text("Draft saved")
    document = StrategyDocument.objects.get(title="East and South kick-off")
    assert not document.audience_all
    assert list(document.audience_units.values_list("code", flat=True)) == ["T12-HZ"]
