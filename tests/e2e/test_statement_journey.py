"""Step 3 of the method in a real Chromium against the demo company: the executive closes and
publishes last month (every scorecard and statement computed); the salesperson opens their
statement, reads how each line was computed — which orders, which tier, which rate — and asks
a question; their manager answers; the salesperson reads the answer."""

from __future__ import annotations

import datetime
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from salesalign.core.choices import Role
from salesalign.engines.periods import fiscal_year_of
from salesalign.organization.models import Person
from salesalign.performance.demo_statements import DEFINITION
from salesalign.performance.models import EvaluationPeriod, Statement, StatementQuestion
from salesalign.performance.services.statements import plan_save
from salesalign.sales.models import SalesFact
from tests.e2e.conftest import BROWSER_TEST, load_demo_company
from tests.e2e.test_journeys import PASSWORD, log_in
from tests.e2e.test_targets_journey import log_out

# A flush after each test would take away what migrations wrote (the standard KPIs, the
# sales totals' state); a serialized rollback puts it back.
pytestmark = BROWSER_TEST

ORDER_LINES = 20_000
#: The demo's "today": fixed, so that the month closed below lies in the demo's approved
#: target plan whatever the date the test runs on (October of fiscal 2026).
DEMO_TODAY = datetime.date(2026, 11, 28)
QUESTION = "Why is the October order of ACME at 3 % and not 5 %?"
ANSWER = "Only the part above 100 % of your target earns 5 %; that order came before it."


@pytest.fixture
def demo(transactional_db, settings):
    load_demo_company(settings, PASSWORD, order_lines=ORDER_LINES, today=DEMO_TODAY)


def test_a_month_is_closed_and_a_salesperson_questions_their_statement(
    page, live_server, demo, settings
):
    base = live_server.url
    last_month_end = DEMO_TODAY.replace(day=1) - timedelta(days=1)
    month = last_month_end.month
    fiscal_year = fiscal_year_of(last_month_end, settings.FISCAL_YEAR_START_MONTH)
    salesperson = Person.objects.get(user__username="sales")
    hr = Person.objects.get(user__username="hr")
    # Commission paid monthly from last month on (the demo's plan pays by quarter).
    monthly = {
        "components": [{**DEFINITION["components"][0], "period_kind": "month", "cap": 2_000_000}]
    }
    plan_save(
        actor=hr.user,
        name="月度提成",
        name_en="Monthly commission",
        role=Role.SALESPERSON,
        definition=monthly,
        valid_from=last_month_end.replace(day=1),
    )

    # --- the executive opens, closes and publishes last month ------------------------------
    log_in(page, base, "exec")
    page.goto(f"{base}/performance/")
    page.select_option("#id_kind", "monthly")
    page.fill("#id_fiscal_year", str(fiscal_year))
    page.fill("#id_number", str(month))
    page.click("#period-open")
    period = EvaluationPeriod.objects.get(kind="monthly", start=last_month_end.replace(day=1))
    page.goto(f"{base}/performance/periods/{period.pk}/")
    page.locator(f'.close-period[data-period="{period.pk}"]').click()
    expect(page.locator(f'.publish-period[data-period="{period.pk}"]')).to_be_visible()
    period.refresh_from_db()
    assert period.status == "closed"
    statements = Statement.objects.filter(period=period, version=period.version)
    salespeople = Person.objects.filter(role=Role.SALESPERSON, is_active=True)
    assert statements.count() == salespeople.count()
    page.locator(f'.publish-period[data-period="{period.pk}"]').click()
    expect(page.locator(f'.close-period[data-period="{period.pk}"]')).to_have_count(0)
    log_out(page, base)

    # --- the salesperson reads their statement and asks a question -------------------------
    statement = statements.get(person=salesperson)
    sold = (
        SalesFact.objects.filter(
            person=salesperson, ordered_on__gte=period.start, ordered_on__lte=period.end
        )
        .select_related("order")
        .order_by("-revenue_cents")
        .first()
    )
    log_in(page, base, "sales")
    page.click("[data-nav=performance]")
    page.locator(".dropdown-menu.show").get_by_role("link", name="My statements").click()
    page.locator(f'#my-statements [data-statement="{statement.pk}"] a').first.click()
    expect(page.locator("#statement-title")).to_contain_text(period.key)
    lines = page.locator("#statement-lines")
    expect(lines).to_be_visible()
    expect(lines).to_contain_text(re.compile(r"\d+(\.\d+)? ?%"))  # the rate of each tier
    if sold is not None:
        expect(page.locator("#statement-lines")).to_contain_text(sold.order.external_id)
    total = f"{statement.total_cents / 100:,.2f}"
    expect(page.locator("#statement-total")).to_contain_text(total)
    page.fill("#ask-question textarea[name=question]", QUESTION)
    page.locator("#ask-question button[type=submit]").click()
    expect(page.locator("#statement-questions")).to_contain_text(QUESTION)
    question = StatementQuestion.objects.get(statement=statement)
    log_out(page, base)

    # --- the manager answers ---------------------------------------------------------------
    log_in(page, base, "manager")
    page.goto(f"{base}/performance/statements/overview/?period={period.pk}")
    expect(page.locator("#open-questions")).to_contain_text("1 open question")
    page.locator(f'#period-statements [data-statement="{statement.pk}"] a').first.click()
    expect(page.locator("#statement-title")).to_contain_text(salesperson.display_name)
    page.fill(f"#answer-{question.pk}", ANSWER)
    page.locator(f'[data-question="{question.pk}"] button[type=submit]').click()
    expect(page.locator("#statement-questions")).to_contain_text(ANSWER)
    log_out(page, base)

    # --- the salesperson reads the answer --------------------------------------------------
    log_in(page, base, "sales")
    page.goto(f"{base}/performance/statements/{statement.pk}/")
    expect(page.locator("#statement-questions")).to_contain_text(ANSWER)
    question.refresh_from_db()
    assert question.answered_by.username == "manager"
