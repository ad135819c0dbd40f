"""A long unit select in a real Chromium: typing part of a unit's name filters the choices
(not only by their first letters), and the picked unit is the one the page then shows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from salesalign.core.management.commands.load_demo import ADMIN_USERNAME
from salesalign.organization.models import OrgUnit
from tests.e2e.conftest import load_demo_company, requires_chromium
from tests.e2e.test_journeys import PASSWORD, log_in

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


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
