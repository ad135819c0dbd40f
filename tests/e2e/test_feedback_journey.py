"""360° feedback in a real Chromium against the demo company: the Shanghai team's manager opens
a round about a salesperson for the current quarter and invites two peers, themself and a
colleague from another department in one go (a colleague posted as a peer invites nobody); the
invitees log in and answer through their invitation; while the round is open nothing of the answers is shown (and a closed round with two answers
says why it shows nothing); after the third answer the manager closes the round and the
averages appear without any single answer or author; the manager sets an improvement action;
the salesperson reads the averages and the action, and nothing of who answered."""

from __future__ import annotations

import datetime
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from salesalign.core.choices import Role
from salesalign.core.management.commands.load_demo import ADMIN_USERNAME
from salesalign.organization.models import Person
from salesalign.organization.services import person_login_set
from salesalign.performance.anonymity import MIN_ANSWERS
from salesalign.performance.choices import PeriodKind, Relationship, RoundStatus
from salesalign.performance.models import (
    EvaluationPeriod,
    FeedbackRound,
    ImprovementAction,
    RoundAnswer,
    RoundInvitation,
)
from salesalign.performance.selectors.access import department_path
from salesalign.performance.services.rounds import (
    default_questions,
    round_answer,
    round_invite,
    round_open,
)
from tests.e2e.conftest import BROWSER_TEST, load_demo_company
from tests.e2e.test_journeys import PASSWORD, log_in
from tests.e2e.test_targets_journey import log_out

# A flush after each test would take away what migrations wrote (the standard KPIs, the
# sales totals' state); a serialized rollback puts it back.
pytestmark = BROWSER_TEST

#: Enough sales for the demo's scorecards; the rounds do not depend on them.
ORDER_LINES = 2_000
#: The demo's "today", fixed so that the quarter the round is about is the same every day.
DEMO_TODAY = datetime.date(2026, 11, 28)
#: Each respondent's scores for the four default questions, and their comment.
PEER_ONE = ([5, 2, 4, 3], "Explains our solutions to customers clearly.")
PEER_TWO = ([4, 4, 4, 4], "")
MANAGER = ([3, 5, 5, 4], "Could share the key-account playbook with the new colleagues.")
#: The means of the three answers above, question by question, as the page shows them.
MEANS = ["4.00", "3.67", "4.33", "3.67"]
ACTION = "Send a written project update to the team every Friday"


@pytest.fixture
def demo(transactional_db, settings):
    load_demo_company(settings, PASSWORD, order_lines=ORDER_LINES, today=DEMO_TODAY)


def give_login(person: Person, username: str) -> None:
    """The demo logs in only five people; an administrator gives the invitees a login."""
    admin = get_user_model().objects.get(username=ADMIN_USERNAME)
    person_login_set(actor=admin, person=person, username=username, password=PASSWORD)


def the_people() -> tuple[Person, Person, list[Person], Person]:
    """The round is about the sales login; the manager login runs it; two of the person's team
    and a salesperson of another department are asked too."""
    subject = Person.objects.select_related("unit").get(user__username="sales")
    manager = Person.objects.get(user__username="manager")
    peers = list(
        Person.objects.filter(unit=subject.unit, role=Role.SALESPERSON, is_active=True)
        .exclude(pk=subject.pk)
        .order_by("employee_number")[:2]
    )
    colleague = (
        Person.objects.filter(role=Role.SALESPERSON, is_active=True)
        .exclude(unit__path__startswith=department_path(subject.unit.path))
        .order_by("employee_number")
        .first()
    )
    assert len(peers) == 2 and colleague is not None
    return subject, manager, peers, colleague


def this_quarter() -> EvaluationPeriod:
    """The quarter the demo's "today" falls in: open, and without a round yet."""
    return EvaluationPeriod.objects.get(
        kind=PeriodKind.QUARTERLY, start__lte=DEMO_TODAY, end__gte=DEMO_TODAY
    )


def answer(page, base_url: str, invitation: RoundInvitation, scores: list[int], comment: str):
    """On the invitation's page: a score for each question, the comment, send."""
    expect(page.locator("#answer-title")).to_contain_text(invitation.round.person.name_en)
    questions = list(invitation.round.questions.order_by("position"))
    for question, score in zip(questions, scores, strict=True):
        page.check(f'#answer-form input[name="question_{question.pk}"][value="{score}"]')
    page.fill("#id_comment", comment)
    page.click("#answer-submit")
    expect(page).to_have_url(f"{base_url}/performance/360/")
    expect(page.locator(".alert-success")).to_contain_text("kept without your name")


def test_a_360_round_from_invitations_to_anonymous_results_and_an_action(page, live_server, demo):
    base = live_server.url
    subject, manager, peers, colleague = the_people()
    for person, username in ((peers[0], "peer1"), (peers[1], "peer2"), (colleague, "colleague")):
        give_login(person, username)
    quarter = this_quarter()
    assert not FeedbackRound.objects.filter(person=subject, period=quarter).exists()
    invitees = [*peers, manager, colleague]

    # --- the manager opens the round and invites ---------------------------------------------
    log_in(page, base, "manager")
    page.goto(f"{base}/performance/")
    page.locator("#performance-tabs").get_by_role("link", name="360° feedback").click()
    page.click("#round-create-link")
    expect(page.locator("#id_questions")).to_have_value("\n".join(default_questions()))
    page.select_option("#id_person", str(subject.pk))
    page.select_option("#id_period", str(quarter.pk))
    page.click("#round-open")
    expect(page.locator("#round-title")).to_contain_text(f"{subject.name_en}, {quarter.key}")
    feedback_round = FeedbackRound.objects.get(person=subject, period=quarter)
    assert feedback_round.status == RoundStatus.OPEN
    assert feedback_round.opened_by.username == "manager"
    expect(page.locator("#round-questions li")).to_have_count(len(default_questions()))
    expect(page.locator("#no-invitees")).to_be_visible()

    form = page.locator("#invite-form")

    def choose(relationship: str, person: Person) -> None:
        """Type the person's name in the relationship's list and pick them: a tag appears."""
        box = form.locator(f'[data-relationship="{relationship}"]')
        search = box.locator(f"#id_{relationship}-ts-control")
        search.click()
        search.fill("")  # the list keeps the last search after a pick
        search.press_sequentially(person.name_en)
        box.locator(".ts-dropdown .option").filter(
            has_text=re.compile(rf"^{re.escape(person.name_en)} ·")
        ).click()
        expect(box.locator(".ts-control .item", has_text=person.name_en)).to_have_count(1)
        # A list of several stays open after a pick; closed, it covers nothing below it.
        search.press("Escape")
        expect(box.locator(".ts-dropdown")).to_be_hidden()

    # Someone from another department is not offered as a peer.
    peer_search = form.locator("#id_peer-ts-control")
    peer_search.click()
    peer_search.press_sequentially(colleague.name_en)
    expect(form.locator('[data-relationship="peer"] .ts-dropdown .no-results')).to_be_visible()
    peer_search.press("Escape")
    peer_search.fill("")
    # Posted by hand as a peer along with a real peer, nobody is invited, and the page says why.
    token = next(
        cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken"
    )
    refused = page.request.post(
        f"{base}/performance/360/{feedback_round.pk}/invite/",
        data=urlencode(
            {"csrfmiddlewaretoken": token, "peer": [peers[0].pk, colleague.pk]}, doseq=True
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert refused.status == 400
    assert f"{colleague.name_en} is not a peer in this person&#x27;s department." in refused.text()
    assert not RoundInvitation.objects.filter(round=feedback_round).exists()

    # Two peers, the manager themself and the colleague, in one go.
    for peer in peers:
        choose(Relationship.PEER, peer)
    choose(Relationship.MANAGER, manager)
    choose(Relationship.OTHER_DEPARTMENT, colleague)
    expect(form.locator(".ts-dropdown:visible")).to_have_count(0)  # none covers the button
    page.click("#invite")
    expect(page.locator(".alert-success")).to_contain_text("4 people are invited")
    expect(page.locator("#round-invitees li")).to_have_count(4)
    for person in invitees:
        expect(page.locator("#round-invitees")).to_contain_text(person.name_en)
    invitations = {
        invitation.respondent_id: invitation
        for invitation in RoundInvitation.objects.filter(round=feedback_round)
    }
    assert {pk: invitation.relationship for pk, invitation in invitations.items()} == {
        peers[0].pk: Relationship.PEER,
        peers[1].pk: Relationship.PEER,
        manager.pk: Relationship.MANAGER,
        colleague.pk: Relationship.OTHER_DEPARTMENT,
    }
    log_out(page, base)

    # --- the first peer answers from the notification, the second from the 360° page -------
    log_in(page, base, "peer1")
    page.click("#notification-badge")
    page.locator(
        '.notification-list li[data-kind="performance_360_invitation"]', has_text=quarter.key
    ).get_by_role("link").click()
    answer(page, base, invitations[peers[0].pk], *PEER_ONE)
    expect(
        page.locator(f'#my-invitations tr[data-invitation="{invitations[peers[0].pk].pk}"]')
    ).to_contain_text("Answered")
    log_out(page, base)

    log_in(page, base, "peer2")
    page.goto(f"{base}/performance/360/")
    page.locator(f'#my-invitations tr[data-invitation="{invitations[peers[1].pk].pk}"] a').click()
    answer(page, base, invitations[peers[1].pk], *PEER_TWO)
    log_out(page, base)
    assert RoundAnswer.objects.filter(round=feedback_round).count() == 2

    # --- two answers in: the manager's page shows no result, and says why --------------------
    log_in(page, base, "manager")
    page.goto(f"{base}/performance/360/{feedback_round.pk}/")
    expect(page.locator("#results-pending")).to_have_text(
        "Results are shown once the round is closed."
    )
    expect(page.locator("#results-table")).to_have_count(0)
    expect(page.locator("#round-results")).not_to_contain_text(PEER_ONE[1])
    # A round the demo closed with two answers shows nothing, and says why.
    too_few = next(
        closed
        for closed in FeedbackRound.objects.filter(status=RoundStatus.CLOSED)
        if 0 < RoundAnswer.objects.filter(round=closed).count() < MIN_ANSWERS
    )
    page.goto(f"{base}/performance/360/{too_few.pk}/")
    expect(page.locator("#results-hidden")).to_contain_text(
        f"Fewer than {MIN_ANSWERS} people answered, so nothing is shown"
    )
    expect(page.locator("#results-table")).to_have_count(0)

    # --- the manager answers as the third respondent; the round is still open: still nothing
    page.goto(f"{base}/performance/360/")
    page.locator(f'#my-invitations tr[data-invitation="{invitations[manager.pk].pk}"] a').click()
    answer(page, base, invitations[manager.pk], *MANAGER)
    assert RoundAnswer.objects.filter(round=feedback_round).count() == MIN_ANSWERS
    page.locator(f'#rounds tr[data-round="{feedback_round.pk}"] a').click()
    expect(page.locator("#results-pending")).to_be_visible()
    expect(page.locator("#results-table")).to_have_count(0)

    # --- the manager closes the round: the averages appear, nothing else -------------------
    page.click("#round-close")
    expect(page.locator("#round-title [data-status]")).to_have_attribute("data-status", "closed")
    table = page.locator("#results-table")
    expect(table).to_be_visible()
    # Peers (2) and managers (1) are too few to be shown on their own: only "everybody".
    expect(table.locator("thead th")).to_have_count(2)
    expect(table.locator('thead th[data-group="all"]')).to_contain_text("(3)")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(MEANS))
    for index, (question, mean) in enumerate(zip(default_questions(), MEANS, strict=True)):
        expect(rows.nth(index).locator("td")).to_have_text([question, mean])
    comments = page.locator("#results-comments li")
    expect(comments).to_have_count(2)  # the second peer wrote none
    expect(page.locator("#results-comments")).to_contain_text(PEER_ONE[1])
    expect(page.locator("#results-comments")).to_contain_text(MANAGER[1])
    results_text = page.locator("#round-results").inner_text()
    for person in invitees:
        assert person.name_en not in results_text and person.name not in results_text
    feedback_round.refresh_from_db()
    assert feedback_round.status == RoundStatus.CLOSED
    assert feedback_round.closed_by.username == "manager"
    # The groups too small to show are pooled for good in what is stored.
    assert set(
        RoundAnswer.objects.filter(round=feedback_round).values_list("relationship", flat=True)
    ) == {Relationship.OTHERS}
    expect(page.locator("#invite-form")).to_have_count(0)
    expect(page.locator("#round-close")).to_have_count(0)

    # --- the manager sets an improvement action from the round -----------------------------
    due = DEMO_TODAY + timedelta(days=30)
    form = page.locator(".action-form")
    form.locator("#id_title").fill(ACTION)
    form.locator("#id_owner").select_option(str(subject.pk))
    form.locator("#id_due_on").fill(due.isoformat())
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("The action is set.")
    action_row = page.locator("table.actions tbody tr", has_text=ACTION)
    expect(action_row).to_contain_text(subject.name_en)
    expect(action_row).to_contain_text(due.isoformat())
    action = ImprovementAction.objects.get(round=feedback_round)
    assert (action.title, action.owner_id, action.due_on) == (ACTION, subject.pk, due)
    assert action.created_by.username == "manager"
    log_out(page, base)

    # --- the colleague from another department comes too late -----------------------------
    log_in(page, base, "colleague")
    page.goto(f"{base}/performance/360/")
    late = page.locator(f'#my-invitations tr[data-invitation="{invitations[colleague.pk].pk}"]')
    expect(late).to_contain_text("Closed")
    expect(late.get_by_role("link", name="Answer")).to_have_count(0)
    page.goto(f"{base}/performance/360/invitations/{invitations[colleague.pk].pk}/")
    expect(page.locator("#round-closed")).to_be_visible()
    expect(page.locator("#answer-form")).to_have_count(0)
    log_out(page, base)
    assert RoundAnswer.objects.filter(round=feedback_round).count() == MIN_ANSWERS

    # --- the salesperson reads the averages and the action, and nothing of who answered ----
    log_in(page, base, "sales")
    page.click("#notification-badge")
    page.locator(
        '.notification-list li[data-kind="performance_360_results"]', has_text=quarter.key
    ).get_by_role("link").click()
    expect(page).to_have_url(f"{base}/performance/360/{feedback_round.pk}/")
    expect(page.locator("#results-table tbody tr")).to_have_count(len(MEANS))
    expect(page.locator('#results-table thead th[data-group="all"]')).to_contain_text("(3)")
    expect(page.locator("#results-comments li")).to_have_count(2)
    expect(page.locator("table.actions")).to_contain_text(ACTION)
    for hidden in ("#round-invitees", "#round-progress", "#invite-form", "#round-close"):
        expect(page.locator(hidden)).to_have_count(0)
    # The manager is named as a possible owner of an action; the other invitees nowhere.
    body = page.locator("body").inner_text()
    for person in (*peers, colleague):
        assert person.name_en not in body, f"{person.name_en} is named on the person's page"
    # Nobody's invitation but one's own opens.
    response = page.goto(f"{base}/performance/360/invitations/{invitations[peers[0].pk].pk}/")
    assert response is not None and response.status == 404
    page.goto(f"{base}/performance/360/")
    expect(page.locator(f'#rounds tr[data-round="{feedback_round.pk}"]')).to_contain_text(
        quarter.key
    )


def test_the_round_page_does_not_tell_its_runner_that_a_lone_invitee_answered(
    page, live_server, demo
):
    base = live_server.url
    subject, manager, peers, colleague = the_people()
    give_login(colleague, "colleague")
    quarter = this_quarter()
    feedback_round = round_open(actor=manager.user, person=subject, period=quarter)
    for peer in peers:
        round_invite(
            actor=manager.user,
            feedback_round=feedback_round,
            respondent=peer,
            relationship=Relationship.PEER,
        )
    lone = round_invite(
        actor=manager.user,
        feedback_round=feedback_round,
        respondent=colleague,
        relationship=Relationship.OTHER_DEPARTMENT,
    )
    round_answer(
        actor=colleague.user,
        invitation=lone,
        scores={pk: 4 for pk in feedback_round.questions.values_list("pk", flat=True)},
    )

    log_in(page, base, "manager")
    page.goto(f"{base}/performance/360/{feedback_round.pk}/")
    expect(page.locator("#round-invitees")).to_contain_text(colleague.name_en)
    expect(page.locator("#invitations-heading")).to_be_visible()
    # The only colleague from another department was invited; nothing may tell that they
    # answered: the group's row gives only how many were invited, and the round only that
    # it does not have enough answers yet.
    cells = page.locator('#round-progress tr[data-group="other_department"] td').all_inner_texts()
    assert [cell.strip() for cell in cells] == ["Colleagues from other departments", "1"], cells
    expect(page.locator("#round-enough")).to_contain_text("Fewer than three people have answered")
    expect(page.locator("#round-progress")).not_to_contain_text("Answered")
