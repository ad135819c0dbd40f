"""Statements against the fixed cast: pages, API, the payout export and notifications; what the
pages show, and their query counts."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from conftest import MEMBERS
from salesalign.core.models import Notification
from salesalign.organization.tests.factories import PersonFactory
from salesalign.performance.models import Statement
from salesalign.performance.selectors.statements import money
from salesalign.performance.services import statements
from salesalign.performance.tests.statements_world import (
    COMMISSION,
    commission_plan,
    sell,
    targets,
)

pytestmark = pytest.mark.django_db

FEB = datetime.date(2026, 2, 10)
#: Who reads the other team's salesperson's statement (before and after publishing).
READERS_OF_OTHER = {"admin", "executive", "hr", "other_manager", "head"}


@pytest.fixture
def computed(world):
    cast = world.cast
    commission_plan(cast)
    targets({cast.salesperson: 10_000_000, cast.other_salesperson: 10_000_000})
    sell(cast.salesperson, "50000.00", FEB, external_id="SO-MINE")
    sell(cast.other_salesperson, "70000.00", FEB, external_id="SO-OTHER")
    cast.other_salesperson.name = "=HYPERLINK(1)"
    cast.other_salesperson.save()
    statements.statements_compute(world.quarter)
    return world


def _members(world):
    names = [name for name in MEMBERS if name != "outsider"]
    return [*names, "outsider", "head"]


def _client(world, who):
    if who == "head":
        client = Client()
        client.force_login(world.head.user)
        return client
    return world.cast.client_for(who)


@pytest.mark.parametrize("published", [False, True])
def test_only_those_in_scope_open_the_other_teams_statement(computed, published):
    world = computed
    if published:
        world.publish()
    other = Statement.objects.get(person=world.cast.other_salesperson)
    for who in _members(world):
        client = _client(world, who)
        page = client.get(reverse("performance:statement_detail", args=[other.pk]))
        api = client.get(f"/api/v1/performance/statements/{other.pk}")
        allowed = who in READERS_OF_OTHER or (who == "other_salesperson" and published)
        assert page.status_code == (200 if allowed else 404), who
        if allowed:
            assert api.status_code == 200, who
            assert "SO-OTHER" in page.content.decode()
            assert api.json()["lines"][0]["orders"][0]["external_id"] == "SO-OTHER"
        else:
            assert api.status_code == 404, who


def test_a_salesperson_sees_their_own_statement_only_once_published(computed):
    world = computed
    client = world.cast.client_for("salesperson")
    mine = Statement.objects.get(person=world.cast.salesperson)
    assert client.get(reverse("performance:statement_detail", args=[mine.pk])).status_code == 404
    assert client.get("/api/v1/performance/statements").json() == []
    world.publish()
    page = client.get(reverse("performance:statement_detail", args=[mine.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "SO-MINE" in text and "SO-OTHER" not in text
    assert "ask-question" in text
    listed = client.get("/api/v1/performance/statements").json()
    assert [row["id"] for row in listed] == [mine.pk]
    detail = client.get(f"/api/v1/performance/statements/{mine.pk}").json()
    assert sum(line["amount_cents"] for line in detail["lines"]) == detail["total_cents"]
    assert detail["lines"][0]["orders"][0]["external_id"] == "SO-MINE"


def test_the_manager_list_shows_their_units_statements_with_totals(computed):
    world = computed
    page = world.cast.client_for("manager").get(reverse("performance:statement_overview"))
    text = page.content.decode()
    assert page.status_code == 200
    assert world.cast.salesperson.employee_number in text
    assert world.cast.other_salesperson.employee_number not in text
    assert "payout-export" not in text
    hr_page = world.cast.client_for("hr").get(reverse("performance:statement_overview")).content
    assert b"payout-export" in hr_page and b"sales3" in hr_page


def test_the_payout_export_is_for_hr_executives_and_admins(computed):
    world = computed
    url = reverse("performance:statement_payout", args=[world.quarter.pk])
    for who in ("manager", "salesperson", "other_salesperson"):
        assert world.cast.client_for(who).get(url).status_code == 403, who
    response = world.cast.client_for("hr").get(url)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4  # the header and sales1, sales2 (no target: 0), sales3
    assert rows[0][:3] == ("Employee number", "Name", "English name")
    by_number = {row[0]: row for row in rows[1:]}
    salesperson = world.cast.salesperson
    assert by_number["sales1"][1:3] == (salesperson.name, salesperson.name_en)
    assert by_number["sales1"][4] == "2026-Q1"
    assert by_number["sales1"][5] == 1000
    assert rows[0][5:7] == ("Total", "Currency")
    assert by_number["sales1"][6] == "CNY"  # the company currency, for payroll
    assert by_number["sales3"][1] == "'=HYPERLINK(1)"  # neutralised, never a formula
    # In Chinese the name column says 姓名 (a person's name), not 名称 (a thing's).
    client = world.cast.client_for("hr")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = load_workbook(io.BytesIO(client.get(url).content)).active
    assert next(chinese.iter_rows(values_only=True))[:3] == ("工号", "姓名", "英文名")


def test_questions_and_answers_through_pages_and_api_notify_only_the_two_sides(computed):
    world = computed
    world.publish()
    cast = world.cast
    mine = Statement.objects.get(person=cast.salesperson)
    other = Statement.objects.get(person=cast.other_salesperson)
    # Someone else's statement: not found, nothing written, nobody told.
    response = cast.client_for("salesperson").post(
        f"/api/v1/performance/statements/{other.pk}/questions",
        {"question": "?"},
        content_type="application/json",
    )
    assert response.status_code == 404
    response = cast.client_for("salesperson").post(
        reverse("performance:statement_question", args=[mine.pk]), {"question": "为什么？"}
    )
    assert response.status_code == 302
    question = mine.questions.get()
    response = cast.client_for("other_manager").post(
        f"/api/v1/performance/statements/questions/{question.pk}/answer",
        {"answer": "no"},
        content_type="application/json",
    )
    assert response.status_code == 404
    response = cast.client_for("manager").post(
        f"/api/v1/performance/statements/questions/{question.pk}/answer",
        {"answer": "见第一档。"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["answer"] == "见第一档。"
    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert recipients == {cast.manager.pk, world.head.pk, cast.salesperson.pk}
    response = cast.client_for("manager").post(
        f"/api/v1/performance/statements/{mine.pk}/adjustments",
        {"amount_cents": 5000, "reason": "奖励"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["explanation"] == "奖励"
    response = cast.client_for("salesperson").post(
        f"/api/v1/performance/statements/{mine.pk}/adjustments",
        {"amount_cents": 5000, "reason": "me"},
        content_type="application/json",
    )
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.total_cents == 100_000 + 5000


def test_statement_pages_read_a_fixed_number_of_queries(computed, django_assert_num_queries):
    world = computed
    cast = world.cast
    client = cast.client_for("hr")
    mine = Statement.objects.get(person=cast.salesperson)
    detail = reverse("performance:statement_detail", args=[mine.pk])
    overview = reverse("performance:statement_overview")

    def count(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before_detail, before_overview = count(detail), count(overview)
    for index in range(5):
        sell(cast.salesperson, "1000.00", FEB, external_id=f"SO-X{index}")
        sell(cast.salesperson2, "1000.00", FEB)
    targets({cast.salesperson2: 1_000_000})
    statements.statements_compute(world.quarter)
    mine = Statement.objects.get(person=cast.salesperson)
    detail = reverse("performance:statement_detail", args=[mine.pk])
    for url, expected in ((detail, before_detail), (overview, before_overview)):
        with django_assert_num_queries(expected):
            response = client.get(url)
        assert response.status_code == 200
    assert "SO-X4" in client.get(detail).content.decode()


def test_the_overview_pages_a_large_period_and_totals_every_page(computed):
    # A company's quarter is thousands of statements: 50 a page, the count and total of all.
    world = computed
    cast = world.cast
    mine = Statement.objects.get(person=cast.salesperson)
    people = [
        PersonFactory(unit=cast.team, employee_number=f"ZZ{number:03d}") for number in range(55)
    ]
    Statement.objects.bulk_create(
        Statement(
            period=mine.period,
            version=mine.version,
            person=person,
            unit=cast.team,
            plan=mine.plan,
            total_cents=100 * (number + 1),
        )
        for number, person in enumerate(people)
    )
    everything = Statement.objects.filter(period=mine.period, version=mine.version)
    count = everything.count()
    total = sum(everything.values_list("total_cents", flat=True))
    client = cast.client_for("hr")
    first = client.get(reverse("performance:statement_overview")).content.decode()
    assert first.count("<tr data-statement=") == 50
    assert f"{count} statements, {money(total)} in all." in first
    assert f'id="statements-total">{money(total)}<' in first
    assert "Total of every page" in first and 'id="statement-pages"' in first
    assert 'href="?page=2"' in first  # the default period stays the default
    second = client.get(
        reverse("performance:statement_overview"), {"period": mine.period.pk, "page": 2}
    ).content.decode()
    assert second.count("<tr data-statement=") == count - 50
    shown = set(re.findall(r'<tr data-statement="(\d+)"', first + second))
    assert shown == {str(pk) for pk in everything.values_list("pk", flat=True)}


def test_the_statement_names_gates_and_the_line_asked_about_in_words_not_codes(computed):
    world = computed
    world.publish()
    cast = world.cast
    mine = Statement.objects.get(person=cast.salesperson)
    tier_line = mine.lines.filter(code="tier").first()
    assert tier_line is not None
    cast.client_for("salesperson").post(
        reverse("performance:statement_question", args=[mine.pk]),
        {"question": "Why this rate?", "line": tier_line.pk},
    )
    assert mine.questions.get().line_id == tier_line.pk
    # A question left empty comes back with its line still chosen.
    empty = cast.client_for("salesperson").post(
        reverse("performance:statement_question", args=[mine.pk]),
        {"question": "", "line": tier_line.pk},
    )
    assert empty.status_code == 400  # the form's errors, shown on the page
    assert f'<option value="{tier_line.pk}" selected>' in empty.content.decode()
    page = cast.client_for("salesperson").get(
        reverse("performance:statement_detail", args=[mine.pk])
    )
    html = page.content.decode()
    components = re.search(r'id="statement-components".*?</table>', html, re.S)
    assert components is not None
    assert re.search(r"Customer satisfaction ≥ 3\.5 \([\d.—]+\)", components.group(0))
    assert "customer_satisfaction" not in components.group(0)
    asked = re.search(r'data-question="\d+".*?</p>', html, re.S)
    assert asked is not None
    item = next(item for item in page.context["page"].lines if item.line.pk == tier_line.pk)
    # Named with its part of the plan: two parts may both have a "Tier 1".
    assert f"about a line: {tier_line.component} › {item.title}" in asked.group(0)
    assert ": tier" not in asked.group(0)
    question_choices = re.search(r'id="question-line".*?</select>', html, re.S)
    assert question_choices is not None
    assert f"{tier_line.component} › {item.title} · {item.amount}" in question_choices.group(0)
    # The person's own statement leads back to their list; a manager's view to the overview.
    assert reverse("performance:statement_list") in html.split("</nav>")[1]
    managed = cast.client_for("manager").get(
        reverse("performance:statement_detail", args=[mine.pk])
    )
    assert 'id="statements-overview-link"' in managed.content.decode()
    assert not managed.context["page"].is_own


def test_a_part_of_the_plan_reads_by_its_english_name_on_english_pages(world, settings):
    cast = world.cast
    definition = {
        "components": [
            {**COMMISSION["components"][0], "key": "个人提成", "name_en": "Individual commission"}
        ]
    }
    plan = commission_plan(cast, definition=definition)
    assert plan.definition["components"][0]["name_en"] == "Individual commission"
    targets({cast.salesperson: 10_000_000})
    sell(cast.salesperson, "50000.00", FEB, external_id="SO-MINE")
    statements.statements_compute(world.quarter)
    world.publish()
    mine = Statement.objects.get(person=cast.salesperson)
    url = reverse("performance:statement_detail", args=[mine.pk])
    client = cast.client_for("salesperson")
    english = client.get(url).content.decode()
    part = re.search(r'id="statement-components".*?</table>', english, re.S)
    assert part is not None and "<td>Individual commission</td>" in part.group(0)
    assert "个人提成" not in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = client.get(url).content.decode()
    assert "<td>个人提成</td>" in chinese and "Individual commission" not in chinese


def test_an_english_name_longer_than_80_characters_is_refused_and_nothing_saved(world):
    from salesalign.core.exceptions import DomainError
    from salesalign.performance.models import IncentivePlan

    definition = {"components": [{**COMMISSION["components"][0], "name_en": "x" * 81}]}
    with pytest.raises(DomainError) as refused:
        commission_plan(world.cast, definition=definition)
    assert refused.value.field == "definition.components[0].name_en"
    assert not IncentivePlan.objects.exists()


@pytest.mark.parametrize(
    ("currency", "language", "named"),
    [("CNY", "en", "CNY"), ("CNY", "zh-hans", "元"), ("USD", "zh-hans", "USD")],
)
def test_a_statement_says_which_currency_its_amounts_are_in(
    computed, settings, currency, language, named
):
    settings.COMPANY_CURRENCY = currency
    world = computed
    client = world.cast.client_for("manager")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    mine = Statement.objects.get(person=world.cast.salesperson)
    page = client.get(reverse("performance:statement_detail", args=[mine.pk])).content.decode()
    total = page[page.index('id="statement-total"') :]
    total = total[: total.index("</p>")]
    assert total.rstrip().endswith(f"</strong> {named}")
    header = "Amount (%s)" if language == "en" else "金额（%s）"
    assert header % named in page
    overview = client.get(reverse("performance:statement_overview")).content.decode()
    assert ("Total (%s)" if language == "en" else "合计（%s）") % named in overview
