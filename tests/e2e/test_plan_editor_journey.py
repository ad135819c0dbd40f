"""Step 3 of the method in a real Chromium: HR builds an incentive plan with the structured
editor — a quarterly commission with two tiers, a gate and a cap in yuan — without typing any
JSON, saves it, and the stored definition holds exactly those values (money in cents). Then HR
changes a tier rate to something that is not a number and sees the server's error at that
field, with the plan left as it was."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from salesalign.organization.tests.factories import PASSWORD
from salesalign.performance.models import IncentivePlan
from tests.e2e.conftest import BROWSER_TEST

# A flush after each test would take away what migrations wrote (the standard KPIs, the
# sales totals' state); a serialized rollback puts it back.
pytestmark = BROWSER_TEST

INVALID = re.compile(r"\bis-invalid\b")
EXPECTED = {
    "components": [
        {
            "key": "commission",
            "name_en": "Individual commission",
            "kind": "commission",
            "measure": "revenue",
            "scope": "individual",
            "period_kind": "quarter",
            "mode": "marginal",
            "tiers": [{"from": "0", "rate": "2"}, {"from": "80", "rate": "3"}],
            "multipliers": [],
            "threshold": None,
            # ¥12,345.29: 12345.29 × 100 in floating point is 1234528.9999999998.
            "cap": 1_234_529,
            "target_amount": None,
            "clawback_rate": None,
            "gates": [
                {"measure": "customer_satisfaction", "minimum": "3.5", "when_missing": "fails"}
            ],
        }
    ],
    "cap": 8_000_000,
    "draw": None,
}


def _field(page, path: str):
    return page.locator(f'#plan-editor [data-path="{path}"]')


def test_hr_builds_a_commission_plan_in_the_editor_and_sees_a_bad_tier_at_its_field(
    page, live_server, cast
):
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", cast.hr.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(f"{base}/")

    # --- a new plan, built in the editor ---------------------------------------------------
    page.goto(f"{base}/performance/plans/")
    page.click("#plan-create")
    expect(page.locator("#plan-editor")).to_be_visible()
    expect(page.locator("#id_definition")).to_be_hidden()  # the JSON is for power users
    page.fill("#id_name", "季度提成")
    page.fill("#id_name_en", "Quarterly commission")
    page.select_option("#id_role", "salesperson")
    page.fill("#id_valid_from", "2026-01-01")

    page.get_by_role("button", name="Add a component").click()
    component = "definition.components[0]"
    expect(_field(page, f"{component}.key")).to_have_value("commission")
    expect(_field(page, f"{component}.kind")).to_have_value("commission")
    _field(page, f"{component}.name_en").fill("Individual commission")
    _field(page, f"{component}.period_kind").select_option(label="Quarterly")
    expect(_field(page, f"{component}.tiers[0].from")).to_have_value("0")
    _field(page, f"{component}.tiers[0].rate").fill("2")
    page.get_by_role("button", name="Add a tier").click()
    _field(page, f"{component}.tiers[1].from").fill("80")
    _field(page, f"{component}.tiers[1].rate").fill("3")
    page.get_by_role("button", name="Add a gate").click()
    _field(page, f"{component}.gates[0].measure").select_option(label="Customer satisfaction")
    _field(page, f"{component}.gates[0].minimum").fill("3.5")
    _field(page, f"{component}.gates[0].when_missing").select_option(label="Counts as not met")
    page.get_by_label("Cap (CNY)", exact=True).fill("12,345.29")
    # A plan cap with three decimals is refused at once, and the form is not sent.
    page.get_by_label("Plan cap (CNY)").fill("80000.001")
    expect(_field(page, "definition.cap")).to_have_class(INVALID)
    expect(page.locator('[data-error-for="definition.cap"]')).to_have_text(
        "Give an amount in CNY, with at most two decimals."
    )
    page.evaluate("window.notReloaded = true")
    page.click("#plan-save")
    expect(_field(page, "definition.cap")).to_be_focused()
    assert page.evaluate("window.notReloaded === true")
    assert IncentivePlan.objects.count() == 0
    page.get_by_label("Plan cap (CNY)").fill("80,000")

    expect(page.locator(".plan-component-summary")).to_have_text(
        "Commission on Revenue, Quarterly: 2 % from 0 %, 3 % from 80 %; capped at ¥12,345.29; "
        "only if Customer satisfaction ≥ 3.5"
    )
    page.click("#plan-save")
    expect(page).to_have_url(f"{base}/performance/plans/")
    plan = IncentivePlan.objects.get()
    assert (plan.name, plan.role) == ("季度提成", "salesperson")
    assert plan.definition == EXPECTED

    # --- the plan edited: a tier rate that is not a number ---------------------------------
    page.locator(f'#plans tr[data-plan="{plan.pk}"] a').click()
    expect(_field(page, f"{component}.cap")).to_have_value("12345.29")
    expect(_field(page, "definition.cap")).to_have_value("80000")
    expect(_field(page, f"{component}.tiers[1].from")).to_have_value("80")
    _field(page, f"{component}.tiers[1].rate").fill("3,5")
    page.click("#plan-save")

    # Named at the top in the editor's words, and marked on the box itself.
    expect(page.locator("#plan-errors")).to_contain_text("Component 1 › Tiers 2 › Rate (%)")
    rate = _field(page, f"{component}.tiers[1].rate")
    expect(rate).to_have_value("3,5")
    expect(rate).to_have_class(INVALID)
    expect(page.locator(f'[data-error-for="{component}.tiers[1].rate"]')).to_have_text(
        "give a number"
    )
    plan.refresh_from_db()
    assert plan.definition == EXPECTED
