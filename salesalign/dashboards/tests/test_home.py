"""The home page: each login lands on a page that fits its role."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import MEMBERS
from salesalign.organization.tests.factories import OrgUnitFactory, PersonFactory
from salesalign.strategy.choices import DocumentKind
from salesalign.strategy.services import documents as services
from salesalign.strategy.tests.documents_fixtures import (
    ask,
    confirm,
    media_in_tmp,  # noqa: F401
    new_document,
)

pytestmark = pytest.mark.django_db


def home(cast, who: str) -> str:
    response = cast.client_for(who).get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("who", [m for m in MEMBERS if m != "outsider"])
def test_everyone_with_a_person_sees_what_to_confirm_and_the_strategy_and_profile_cards(cast, who):
    new_document(cast, title="Strategy 2026 for all")
    page = home(cast, who)
    assert "To read and confirm" in page
    assert "Strategy 2026 for all" in page
    assert reverse("strategy:our_strategy") in page
    person = getattr(cast, who)
    assert reverse("organization:person_detail", args=[person.pk]) in page


def test_a_confirmed_document_leaves_the_to_do_list(cast):
    document = new_document(cast, title="Read me")
    confirm(cast.salesperson, document)
    page = home(cast, "salesperson")
    assert 'id="all-confirmed"' in page
    assert "Read me" not in page


def test_a_salesperson_sees_announcements_but_no_team_company_or_admin_sections(cast):
    new_document(
        cast,
        title="Kick-off on Monday",
        kind=DocumentKind.ANNOUNCEMENT,
        requires_confirmation=False,
    )
    page = home(cast, "salesperson")
    assert "Kick-off on Monday" in page
    for section in ("team-confirmation", "department-confirmation", "administration"):
        assert f'id="{section}"' not in page


def test_a_salesperson_of_another_team_does_not_see_a_team_targeted_document(cast):
    new_document(cast, title="East only", units=[cast.team])
    assert "East only" not in home(cast, "other_salesperson")
    assert "East only" in home(cast, "salesperson2")


def test_a_manager_sees_who_is_missing_in_their_team_and_not_in_the_other_team(cast):
    document = new_document(cast, title="Plan")
    confirm(cast.salesperson, document)
    page = home(cast, "manager")
    assert 'id="team-confirmation"' in page
    assert 'data-person="sales2"' in page
    assert 'data-person="sales1"' not in page
    assert 'data-person="sales3"' not in page
    assert cast.other_salesperson.name_en not in page
    assert "50%" in page  # one of the two people of the team (the manager left out)


def test_a_manager_sees_the_open_questions_of_their_people_with_an_answer_form(cast):
    document = new_document(cast)
    east = ask(cast.salesperson, document, text="East asks about pricing")
    ask(cast.other_salesperson, document, text="North asks about travel")
    page = home(cast, "manager")
    assert "East asks about pricing" in page
    assert "North asks about travel" not in page
    assert reverse("strategy:question_answer", args=[east.pk]) in page


@pytest.mark.parametrize("who", ["executive", "hr"])
def test_executives_and_hr_see_the_rate_per_department_and_the_open_question_count(cast, who):
    document = new_document(cast)
    confirm(cast.salesperson, document)
    ask(cast.salesperson, document)
    ask(cast.other_salesperson, document)
    page = home(cast, who)
    assert 'id="department-confirmation"' in page
    assert cast.department.name_en in page
    assert "1 / 5" in page  # the department: five readers, one confirmed
    assert 'id="open-question-count">2<' in page
    assert 'id="administration"' not in page
    assert 'id="team-confirmation"' not in page


def test_the_department_rates_name_the_documents_they_count(cast):
    this_year = new_document(cast, title="Strategy 2026")
    last_year = new_document(cast, title="Strategy 2025")
    confirm(cast.salesperson, this_year)
    page = home(cast, "executive")
    assert "1 / 10" in page  # five readers in the department, two documents each
    note = re.search(r'<p[^>]*id="confirmation-documents"[^>]*>(.*?)</p>', page, re.S)
    assert note is not None
    assert "each of the 2 published documents" in note.group(1)
    for document in (this_year, last_year):
        assert reverse("strategy:document_status", args=[document.pk]) in note.group(1)
    assert re.search(r"addressed to them: <a [^>]*>", note.group(1))
    assert note.group(1).endswith("</a>.")


def test_the_confirmation_panels_write_chinese_punctuation_on_a_chinese_page(cast):
    document = new_document(cast, title="Strategy 2026")
    confirm(cast.salesperson, document)
    client = cast.client_for("executive")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("home")).content.decode()
    note = re.search(r'<p[^>]*id="confirmation-documents"[^>]*>(.*?)</p>', page, re.S)
    assert note is not None
    # "…（共 1 份）：<a>Strategy 2026</a>。": full width, no space, no ASCII full stop.
    assert re.search(r"份）：<a [^>]*>Strategy 2026</a>。$", note.group(1))

    manager = cast.client_for("manager")
    manager.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = manager.get(reverse("home")).content.decode()
    missing = re.search(r'<li data-person="sales2">(.*?)</li>', page, re.S)
    assert missing is not None
    assert re.search(r"</span>：<a ", missing.group(1))
    assert "</span>:" not in missing.group(1)


def test_an_admin_sees_organisation_counts_and_quick_links(cast):
    PersonFactory(unit=cast.team)  # without a login
    page = home(cast, "admin")
    assert 'id="count-units">4<' in page
    assert 'id="count-people">9<' in page
    assert 'id="count-without-login">1<' in page
    for name in ("organization:import_start", "strategy:edition_list", "strategy:document_create"):
        assert reverse(name) in page


def test_a_login_without_a_person_gets_a_short_page_and_nothing_else(cast):
    new_document(cast, title="Secret plan")
    page = home(cast, "outsider")
    assert 'id="not-linked"' in page
    assert "not linked to an employee record" in page
    assert "Secret plan" not in page
    assert 'id="to-confirm"' not in page


@pytest.mark.parametrize("who", ["salesperson", "manager", "executive", "admin"])
def test_the_home_page_runs_a_constant_number_of_queries(cast, who, django_assert_max_num_queries):
    def grow(people: int) -> None:
        unit = OrgUnitFactory(parent=cast.department)
        documents = [new_document(cast, title=f"Doc {n}") for n in range(2)]
        for person in PersonFactory.create_batch(people, unit=unit, with_login=True):
            confirm(person, documents[0])
        for person in PersonFactory.create_batch(people, unit=cast.team, with_login=True):
            ask(person, documents[1])
        services.document_create(actor=cast.admin.user, title="Draft", body="B")

    client = cast.client_for(who)
    grow(2)
    client.get(reverse("home"))
    with django_assert_max_num_queries(30) as small:
        client.get(reverse("home"))
    grow(15)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("home"))


def test_a_salesperson_sees_where_they_stand_in_the_open_period(cast):
    from salesalign.performance.choices import PeriodKind
    from salesalign.performance.services import periods
    from salesalign.performance.tests.scorecard_world import YEAR, build

    assert 'id="where-you-stand"' not in home(cast, "salesperson2")  # no period open yet
    build(cast)
    periods.period_open(actor=cast.hr.user, kind=PeriodKind.QUARTERLY, fiscal_year=YEAR, number=1)
    page = home(cast, "salesperson2")
    panel = page[page.index('id="where-you-stand"') :]
    panel = panel[: panel.index("</section>")]
    # Today is past 2026-Q1: all of its 10,000 is due, of which 5,000 is sold.
    assert 'data-period="2026-Q1"' in panel
    assert "5,000.00 of 10,000.00 due by today" in panel
    assert "pace 50.0 %" in panel and "bg-danger" in panel
    assert 'data-kpi="gross_margin"' not in panel  # a level has no pace
    assert reverse("performance:my_scorecard") in panel
    # Someone no scorecard template covers (a manager) has no such panel.
    assert 'id="where-you-stand"' not in home(cast, "manager")
    client = cast.client_for("salesperson2")
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("home")).content.decode()
    assert "我的进度" in page and "进度达成率 50.0%" in page
    assert "已完成 5,000.00，截至今日应完成 10,000.00" in page


def test_leaders_see_how_their_units_stand_against_the_revenue_due_by_today(cast):
    from salesalign.core.choices import Metric
    from salesalign.performance.choices import PeriodKind
    from salesalign.performance.services import periods
    from salesalign.performance.tests.scorecard_world import YEAR, build
    from salesalign.targets.models import Target, TargetPeriod, TargetPlan, slice_key_of

    build(cast)
    team_target = Target.objects.create(
        plan=TargetPlan.objects.get(),
        metric=Metric.REVENUE,
        unit=cast.team,
        amount=1_800_000,
        slice_key=slice_key_of(unit_id=cast.team.pk, person_id=None),
    )
    TargetPeriod.objects.bulk_create(
        TargetPeriod(target=team_target, month=month, amount=600_000)
        for month in (202601, 202602, 202603)
    )
    assert 'id="how-we-stand"' not in home(cast, "manager")  # no period open yet
    periods.period_open(actor=cast.hr.user, kind=PeriodKind.QUARTERLY, fiscal_year=YEAR, number=1)
    page = home(cast, "manager")
    panel = page[page.index('id="how-we-stand"') :]
    panel = panel[: panel.index("</section>")]
    # The team sold 11,500 + 5,000 in the quarter (April's 8,000 is outside), and today is
    # past it: all of its 18,000 is due.
    row = panel[panel.index(f'data-unit="{cast.team.pk}"') :].split("</tr>")[0]
    assert "18,000.00" in row and "16,500.00" in row and ">91.7 %</span>" in row
    assert f'data-unit="{cast.other_team.pk}"' not in panel  # not theirs
    # An executive sees the company and its departments; a unit without a target says so.
    page = home(cast, "executive")
    panel = page[page.index('id="how-we-stand"') :]
    panel = panel[: panel.index("</section>")]
    assert f'data-unit="{cast.company.pk}"' in panel
    assert f'data-unit="{cast.department.pk}"' in panel
    assert f'data-unit="{cast.team.pk}"' not in panel  # a level further down
    department = panel[panel.index(f'data-unit="{cast.department.pk}"') :].split("</tr>")[0]
    assert "no target" in department and "18,500.00" in department  # 16,500 + 2,000 sold
    assert 'id="how-we-stand"' not in home(cast, "salesperson")
