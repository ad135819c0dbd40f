"""A Chromium journey for step 1: a question asked on version 1 and not answered before
version 2 was published is answered from version 2's page, and stays on version 1."""

from __future__ import annotations

import pytest
from auditlog.context import set_actor
from playwright.sync_api import expect

from salesalign.organization.models import Person
from salesalign.strategy.choices import DocumentKind, DocumentStatus
from salesalign.strategy.models import DocumentQuestion, StrategyDocument
from salesalign.strategy.services import documents as services
from tests.e2e.conftest import BROWSER_TEST, load_demo_company

pytestmark = BROWSER_TEST

PASSWORD = "e2e-demo-password"
QUESTION = "华南的新客户归哪个团队跟进？"
ANSWER = "由广州团队跟进，6 月起生效。"


@pytest.fixture
def demo(transactional_db, settings):
    load_demo_company(settings, PASSWORD)


def log_in(page, base_url: str, username: str, language: str = "en") -> None:
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(f"{base_url}/")


def test_a_manager_answers_a_question_of_version_1_on_version_2s_page(page, live_server, demo):
    base = live_server.url
    first = (
        StrategyDocument.objects.filter(
            kind=DocumentKind.DOCUMENT, status=DocumentStatus.PUBLISHED, audience_all=True
        )
        .order_by("-published_at")
        .first()
    )
    asker = Person.objects.get(user__username="sales")
    executive = Person.objects.get(user__username="exec").user

    # The salesperson asks on version 1; version 2 is published before anyone answers.
    log_in(page, base, "sales")
    page.goto(f"{base}/strategy/documents/{first.pk}/")
    page.fill("#question-form textarea", QUESTION)
    page.click("#question-form button[type=submit]")
    expect(page.locator(".alert-success")).to_be_visible()
    question = DocumentQuestion.objects.get(person=asker, text=QUESTION)
    with set_actor(executive):
        draft = services.document_new_version(actor=executive, document=first)
        second = services.document_publish(actor=executive, document=draft)

    # On version 2 the asker still sees the question, marked as asked on version 1 and open.
    page.goto(f"{base}/strategy/documents/{second.pk}/")
    item = page.locator(f"#earlier-open-questions #question-{question.pk}")
    expect(item).to_contain_text(QUESTION)
    expect(item.locator("[data-carried-over-from]")).to_have_text("Asked on version 1, still open")
    expect(item.locator("form")).to_have_count(0)

    # Their manager answers it there, in place, in Chinese.
    log_in(page, base, "manager", "zh-hans")
    page.goto(f"{base}/strategy/documents/{second.pk}/")
    item = page.locator(f"#earlier-open-questions #question-{question.pk}")
    expect(item.locator("[data-carried-over-from]")).to_have_text("在第 1 版提出，尚未回答")
    item.locator("summary").click()
    item.locator("textarea").fill(ANSWER)
    item.locator("button[type=submit]").click()
    item = page.locator(f"#question-{question.pk}")
    expect(item.locator(".answer")).to_contain_text(ANSWER)
    expect(item.locator("[data-carried-over-from]")).to_have_text("在第 1 版提出")
    question.refresh_from_db()
    assert (question.document_id, question.answer) == (first.pk, ANSWER)

    # Read again, it is among version 1's answered questions, and no longer an open one.
    page.reload()
    expect(page.locator("#earlier-open-questions")).to_have_count(0)
    expect(page.locator(f"#earlier-questions #question-{question.pk}")).to_contain_text(ANSWER)
    page.goto(f"{base}/strategy/documents/questions/")
    expect(page.locator(f"#question-{question.pk}")).to_have_count(0)
