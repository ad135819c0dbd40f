"""The page frame at the widths people use: the menu never pushes the user menu (and its
Log out) off the screen, and the icons are drawn by the icon font, not by a system emoji."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import BROWSER_TEST, load_demo_company
from tests.e2e.test_journeys import PASSWORD, log_in

pytestmark = BROWSER_TEST


@pytest.fixture
def demo(transactional_db, settings):
    load_demo_company(settings, PASSWORD, order_lines=500)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_menu_fits_every_width_and_the_user_menu_stays_on_screen(
    page, live_server, demo, language
):
    base = live_server.url
    log_in(page, base, "exec")  # the executive has the longest menu: every step, sales, org
    if language != "en":
        page.locator("#language-select").select_option(language)
        expect(page.locator("html")).to_have_attribute("lang", language)
    for width in (1200, 1280, 1366, 1440, 1536, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{base}/")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{width}px wide: the page scrolls sideways by {overflow}px"
        user_menu = page.locator("#user-menu").bounding_box()
        assert user_menu is not None
        assert user_menu["x"] + user_menu["width"] <= width, f"{width}px: the user menu is cut"
        page.locator("#user-menu").click()
        expect(page.locator("#logout")).to_be_visible()
        page.keyboard.press("Escape")


def test_the_notification_bell_is_drawn_by_the_icon_font(page, live_server, demo):
    base = live_server.url
    log_in(page, base, "exec")
    bell = page.locator("#notification-badge .bi-bell")
    expect(bell).to_be_visible()
    font = bell.evaluate("element => getComputedStyle(element, '::before').fontFamily")
    assert "bootstrap-icons" in font
    # The font file itself is served (from the npm package, collected with the static files).
    assert page.evaluate("document.fonts.load('1em bootstrap-icons').then(found => found.length)")


def test_a_wide_month_table_keeps_its_names_in_view_when_scrolled(page, live_server, demo):
    base = live_server.url
    log_in(page, base, "exec")
    page.set_viewport_size({"width": 1024, "height": 900})
    page.goto(f"{base}/sales/actuals/")
    table = page.locator("table.table-sticky-first").first
    expect(table).to_be_visible()
    box = table.locator("xpath=..")  # its .table-responsive
    scrolled = box.evaluate("element => { element.scrollLeft = 10000; return element.scrollLeft; }")
    assert scrolled > 0, "the month table fits: nothing to scroll"
    left = box.bounding_box()["x"]
    name = table.locator("tbody tr th").first
    assert abs(name.bounding_box()["x"] - left) < 2  # stuck to the left edge
    expect(name).to_be_visible()


def test_the_attainment_chart_names_every_person(page, live_server, demo):
    base = live_server.url
    log_in(page, base, "manager")
    page.goto(f"{base}/performance/scorecards/")
    chart = page.locator("#chart-attainment")
    expect(chart).to_be_visible()
    label = chart.evaluate(
        "element => echarts.getInstanceByDom(element).getOption().xAxis[0].axisLabel"
    )
    assert label["interval"] == 0


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_on_a_phone_wide_tables_scroll_inside_themselves_not_the_page(
    page, live_server, demo, language
):
    base = live_server.url
    log_in(page, base, "hr")
    if language != "en":
        page.locator("#language-select").select_option(language)
        expect(page.locator("html")).to_have_attribute("lang", language)
    page.set_viewport_size({"width": 390, "height": 800})
    # Pages whose tables widened the whole page on a phone (seen at 545–714 px).
    for path in (
        "/performance/",
        "/performance/kpis/",
        "/strategy/documents/",
        "/targets/",
        "/performance/scorecards/templates/new/",  # hidden labels inside a scrolling table
    ):
        page.goto(f"{base}{path}")
        table = page.locator("main table.table").first
        expect(table).to_be_visible()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path}: the page scrolls sideways by {overflow}px"
        narrowest = table.evaluate(
            "element => Math.min(...[...element.querySelectorAll('td, th')]"
            ".filter(cell => cell.innerText.trim()).map(cell => cell.clientWidth))"
        )
        assert narrowest >= 60, f"{path}: a column is squeezed to {narrowest}px"
        wider = table.evaluate("element => element.scrollWidth > element.clientWidth")
        if wider:  # the table's own scroll reaches its last column
            scrolled = table.evaluate(
                "element => { element.scrollLeft = 10000; return element.scrollLeft; }"
            )
            assert scrolled > 0


def test_month_tables_open_on_the_current_month_and_on_the_latest_months(page, live_server, demo):
    base = live_server.url
    log_in(page, base, "sales")
    # Narrow enough that twelve months do not fit (at 1366 wide they did not with real sums).
    page.set_viewport_size({"width": 800, "height": 900})
    page.goto(f"{base}/targets/my/")
    current = page.locator('table.months th[aria-current="date"]').first
    expect(current).to_be_visible()
    box = current.locator("xpath=ancestor::div[contains(@class, 'table-responsive')][1]")
    assert box.evaluate("element => element.scrollWidth > element.clientWidth")
    frame, cell = box.bounding_box(), current.bounding_box()
    assert cell["x"] + cell["width"] <= frame["x"] + frame["width"] + 1, "this month is hidden"
    # The actuals open on their last columns: the latest months and the total.
    page.set_viewport_size({"width": 480, "height": 900})
    page.goto(f"{base}/sales/actuals/")
    actuals = page.locator("div.table-responsive[data-scroll-start=end]").first
    expect(actuals).to_be_visible()
    left, room = actuals.evaluate(
        "element => [element.scrollLeft, element.scrollWidth - element.clientWidth]"
    )
    assert room > 0, "the actuals fit: nothing to scroll"
    assert left >= room - 1
