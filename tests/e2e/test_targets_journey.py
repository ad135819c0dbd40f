"""Step 2 of the method in a real Chromium against the demo company: the executive sets the
company revenue target for its tactical goal and allocates it down with "history plus market
change" (seeing the backtest and the warnings) and publishes; the manager allocates the team's
target by history and publishes; a salesperson counter-proposes; the manager sees the counter
with its effect and decides; the salesperson's page then shows the line of sight."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from salesalign.core.choices import Metric
from salesalign.organization.models import Person
from salesalign.strategy.models import TacticalGoal
from salesalign.targets.choices import CounterStatus, PlanStatus, ProposalStatus
from salesalign.targets.models import Counterproposal, Target, TargetPlan, TargetProposal
from tests.e2e.conftest import BROWSER_TEST, load_demo_company
from tests.e2e.test_journeys import PASSWORD, log_in

# A flush after each test would take away what migrations wrote (the standard KPIs, the
# sales totals' state); a serialized rollback puts it back.
pytestmark = BROWSER_TEST

#: Enough of the demo's sales that every salesperson of the demo team has a history.
ORDER_LINES = 20_000


@pytest.fixture
def demo(transactional_db, settings):
    load_demo_company(settings, PASSWORD, order_lines=ORDER_LINES)


def log_out(page, base_url: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")


def test_targets_from_the_company_to_a_salesperson_and_back(page, live_server, demo):
    base = live_server.url
    plan = TargetPlan.objects.get(status=PlanStatus.NEGOTIATION)
    goal = TacticalGoal.objects.get(year=plan.fiscal_year, metric=Metric.REVENUE_GROWTH)
    manager = Person.objects.get(user__username="manager")
    salesperson = Person.objects.get(user__username="sales")

    # --- the executive: the company target, linked to its tactical goal --------------------
    log_in(page, base, "exec")
    page.click("[data-nav=targets]")
    page.locator(".dropdown-menu.show").get_by_role("link", name="Target plans").click()
    page.locator(f'#plans tr[data-plan="{plan.pk}"] a').click()
    expect(page.locator("#plan-title")).to_contain_text(f"version {plan.version}")
    page.select_option("#id_metric", Metric.REVENUE)
    page.fill("#id_value", "180,000,000")
    page.select_option("#id_tactical_goal", str(goal.pk))
    page.click("#set-company-target")
    root = Target.objects.get(plan=plan, metric=Metric.REVENUE, parent=None)
    row = page.locator(f'#company-targets tr[data-target="{root.pk}"]')
    expect(row).to_contain_text("180,000,000.00")
    expect(row).to_contain_text(goal.title)

    # --- allocate it down with history plus market change: preview, backtest, warnings ------
    row.locator(".allocate-link").click()
    page.select_option("#id_method", "history_market")
    if page.locator("#market-changes").get_attribute("open") is None:  # open when prefilled
        page.click("#market-changes summary")
    first_child = page.locator("#market-changes [data-axis=child] input").first
    first_child.fill("8")
    page.click("#preview-button")
    expect(page.locator("#preview-lines")).to_be_visible()
    expect(page.locator("#preview-lines")).to_contain_text("Market change ×1.08")
    expect(page.locator("#backtest-wape")).to_have_text(re.compile(r"\d+\.\d %"))
    expect(page.locator("#backtest-rows tbody tr").first).to_be_visible()
    expect(page.locator("#allocation-preview .finding").first).to_be_visible()
    page.click("#apply-button")
    expect(page.locator("#cascade-title")).to_contain_text("180,000,000.00")
    departments = list(root.children.all())
    assert departments and sum(child.amount for child in departments) == root.amount
    assert {child.method for child in departments} == {"history_market"}

    # The executive publishes the departments' targets.
    page.fill("#publish-form input[name=note]", "新的年度目标，请各大区确认。")
    page.click("#publish")
    expect(page).to_have_url(re.compile(r"/negotiation/$"))
    assert TargetProposal.objects.filter(parent=root, status=ProposalStatus.PENDING).count() == len(
        departments
    )
    log_out(page, base)

    # --- the manager: the team's target by history, published to the team -----------------
    team_target = Target.objects.get(
        plan=plan, metric=Metric.REVENUE, unit=manager.unit, product_line=None
    )
    log_in(page, base, "manager")
    page.goto(f"{base}/targets/plans/{plan.pk}/")
    page.locator(f'#company-targets tr[data-target="{root.pk}"]').get_by_role(
        "link", name="Cascade"
    ).click()
    page.locator(f'#cascade-table tr[data-target="{team_target.pk}"] th a').click()
    expect(page.locator("#cascade-title")).to_contain_text(manager.unit.name_en)
    page.click("#allocate-root")
    # The wizard starts from the market the executive entered; the manager goes by history.
    expect(page.locator("#id_method")).to_have_value("history_market")
    page.select_option("#id_method", "history")
    page.click("#preview-button")
    expect(page.locator("#backtest-wape")).to_be_visible()
    page.click("#apply-button")
    expect(page.locator("#cascade-title")).to_be_visible()
    own = Target.objects.get(plan=plan, parent=team_target, person=salesperson)
    assert own.method == "history"
    page.fill("#publish-form input[name=note]", "请在周五前确认。")
    page.click("#publish")
    expect(page.locator("#to-decide")).to_contain_text(salesperson.name_en)
    log_out(page, base)

    # --- the salesperson: told on the home page, counter-proposes --------------------------
    log_in(page, base, "sales")
    expect(page.locator("#waiting-for-you")).to_contain_text("wait for your answer")
    expect(page.locator("#notification-count")).to_be_visible()
    page.locator("#waiting-for-you").get_by_role("link", name="Open the negotiation").click()
    proposal = TargetProposal.objects.get(target=own, status=ProposalStatus.PENDING)
    card = page.locator(f'#to-answer [data-proposal="{proposal.pk}"]')
    proposed = own.value
    assert proposed > 0, "the demo's sales login sold in the history years"
    lower = (proposed * 9 / 10).quantize(proposed)
    card.locator("input[name$=-value]").fill(str(lower))
    card.locator("textarea[name$=-reason]").fill("两家老客户预算削减，建议下调 10%。")
    card.get_by_role("button", name="Counter-propose").click()
    expect(page.locator(".alert-success")).to_contain_text("counter-proposal was sent")
    counter = Counterproposal.objects.get(proposal=proposal)
    assert counter.status == CounterStatus.OPEN
    log_out(page, base)

    # --- the manager: sees the counter with its effect, adjusts and decides -----------------
    log_in(page, base, "manager")
    expect(page.locator("#waiting-for-you")).to_contain_text("counter-proposed a target")
    page.goto(f"{base}/targets/plans/{plan.pk}/negotiation/")
    group = page.locator(f'.decision-group[data-parent="{team_target.pk}"]')
    expect(group.locator(".counter-effect")).to_have_text(re.compile(r"^-"))
    expect(group).to_contain_text("两家老客户预算削减")
    agreed = (proposed * 95 / 100).quantize(proposed)
    decision = group.locator(f'tr[data-proposal="{proposal.pk}"]')
    decision.locator("input[name$=-value]").fill(str(agreed))
    decision.locator("input[name$=-note]").fill("各让一步。")
    decision.get_by_role("button", name="Decide").click()
    expect(page.locator(".alert-success")).to_contain_text("decided")
    own.refresh_from_db()
    assert own.value == agreed
    counter.refresh_from_db()
    assert counter.status == CounterStatus.ADJUSTED
    log_out(page, base)

    # --- the salesperson's page: the line of sight up to the strategy -----------------------
    log_in(page, base, "sales")
    page.goto(f"{base}/targets/my/?plan={plan.pk}")
    sight = page.locator(f'#line-of-sight .metric-sight[data-metric="{Metric.REVENUE}"]')
    expect(sight.locator(".year-value")).to_have_text(f"{agreed:,.2f}")
    chain = sight.locator(".chain")
    expect(chain).to_contain_text(manager.unit.name_en)
    expect(chain).to_contain_text(root.unit.name_en)
    expect(chain).to_contain_text(goal.title)
    expect(chain.locator(".strategic-goal").first).to_be_visible()
    expect(chain.locator(".share").first).to_contain_text("own share")


def test_a_cell_typed_in_the_cascade_brings_back_the_sums_and_warnings(page, live_server, demo):
    base = live_server.url
    plan = TargetPlan.objects.get(status=PlanStatus.NEGOTIATION)
    manager = Person.objects.get(user__username="manager")
    salesperson = Person.objects.get(user__username="sales")
    team_target = Target.objects.get(
        plan=plan, metric=Metric.REVENUE, unit=manager.unit, product_line=None
    )
    own = Target.objects.get(plan=plan, parent=team_target, person=salesperson)
    log_in(page, base, "manager")
    page.goto(f"{base}/targets/plans/{plan.pk}/cascade/?root={team_target.pk}")
    team_row = page.locator(f'#cascade-table tr[data-target="{team_target.pk}"]')
    expect(team_row.locator("[data-remainder]")).to_have_text("0.00")
    cell = page.locator(f"#cell-{own.pk}")
    raised = own.value + 1000
    cell.fill(str(raised))
    cell.press("Tab")
    expect(page.locator("#cascade-saved")).to_be_visible()
    expect(team_row.locator("[data-remainder]")).to_have_text("-1,000.00")
    expect(page.locator(f'tr[data-findings="{team_target.pk}"]')).to_contain_text(
        "more than this target"
    )
    own.refresh_from_db()
    assert own.value == raised
    # A wrong number names the row and changes nothing.
    cell = page.locator(f"#cell-{own.pk}")
    cell.fill("lots")
    cell.press("Tab")
    expect(page.locator("#cascade-error")).to_contain_text(salesperson.name_en)
    expect(page.locator(f"#cell-{own.pk}")).to_have_class(re.compile("is-invalid"))
    own.refresh_from_db()
    assert own.value == raised
