"""The people select of a large company in a real Chromium: the page holds only the chosen
person; typing asks the server, a suggestion is picked, and the form saves that person."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from salesalign.core.management.commands.load_demo import ADMIN_USERNAME
from salesalign.organization.models import Person
from salesalign.sales.models import Customer
from tests.e2e.conftest import BROWSER_TEST, load_demo_company, type_to_search
from tests.e2e.test_journeys import PASSWORD, log_in

pytestmark = BROWSER_TEST


@pytest.fixture
def demo(transactional_db, settings):
    load_demo_company(settings, PASSWORD, order_lines=500)
    settings.PEOPLE_SELECT_LIMIT = 10  # the demo's 78 people count as "many"


def test_an_owner_is_found_by_typing_and_saved(page, live_server, demo):
    base = live_server.url
    wanted = Person.objects.filter(is_active=True, name_en__startswith="Zhang").order_by(
        "employee_number"
    )[0]
    log_in(page, base, ADMIN_USERNAME)
    page.goto(f"{base}/sales/customers/new/")
    # Only the empty choice and the default owner are in the page.
    assert page.locator("select[name=owner] option").count() <= 2
    page.fill("#id_code", "TS-1")
    page.fill("#id_name", "搜索客户")
    control = page.locator("#id_owner-ts-control")
    control.locator("xpath=..").click()
    found = type_to_search(
        page, control, wanted.employee_number, path=reverse("organization:person_search")
    )
    assert [row["value"] for row in found] == [wanted.pk]
    suggestion = page.locator(".ts-dropdown .option", has_text=wanted.employee_number)
    expect(suggestion).to_have_count(1)
    suggestion.click()
    expect(page.locator("select[name=owner]")).to_have_value(str(wanted.pk))
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("搜索客户")
    assert Customer.objects.get(code="TS-1").owner == wanted


def test_several_respondents_of_other_departments_are_found_by_typing_and_invited(
    page, live_server, demo
):
    from salesalign.core.models import User
    from salesalign.performance.choices import CLOSED_STATUSES, Relationship
    from salesalign.performance.models import EvaluationPeriod, FeedbackRound, RoundInvitation
    from salesalign.performance.selectors.rounds import respondent_groups
    from salesalign.performance.services import rounds

    base = live_server.url
    subject = Person.objects.get(name_en="Li Ming")
    taken = FeedbackRound.objects.filter(person=subject).values("period_id")
    period = (
        EvaluationPeriod.objects.filter(status__in=CLOSED_STATUSES)
        .exclude(pk__in=taken)
        .order_by("-start")
        .first()
    )
    feedback_round = rounds.round_open(
        actor=User.objects.get(username="manager"),
        person=subject,
        period=period,
        questions=["Communicates clearly"],
    )
    wanted = Person.objects.filter(
        pk__in=[
            pk
            for pk, _label in respondent_groups(feedback_round=feedback_round)["other_department"]
        ]
    ).order_by("employee_number")[:2]
    log_in(page, base, "manager")
    page.goto(f"{base}/performance/360/{feedback_round.pk}/")
    # Other departments are many: the page holds none of them and asks the server.
    assert page.locator("select[name=other_department] option").count() == 0
    control = page.locator("#id_other_department-ts-control")
    control.locator("xpath=..").click()
    for person in wanted:
        control.fill("")  # what was typed for the one before
        found = type_to_search(
            page,
            control,
            person.employee_number,
            path=reverse("performance:round_respondents", args=[feedback_round.pk]),
        )
        assert [row["value"] for row in found] == [person.pk]
        # The employee number finds the one person (the suggestion shows it).
        suggestion = page.locator(".ts-dropdown .option", has_text=person.employee_number)
        expect(suggestion).to_have_count(1)
        suggestion.click()
    page.keyboard.press("Escape")
    page.locator("h1").click()  # out of the select: its dropdown closes
    expect(page.locator("select[name=other_department] option:checked")).to_have_count(2)
    page.locator("#invite-form button[type=submit]").click()
    expect(page.locator("#round-invitees")).to_be_visible()
    invited = dict(
        RoundInvitation.objects.filter(round=feedback_round).values_list(
            "respondent_id", "relationship"
        )
    )
    assert invited == {person.pk: Relationship.OTHER_DEPARTMENT for person in wanted}
