"""Improvement plans and promotion in a real Chromium against the demo company: the Shanghai
team's manager sees a salesperson the improvement rule flags, opens a plan with goals, training
and a review date, logs a coaching session, plans the next one with an agenda and extends the
plan at its review; the salesperson reads their plan, with the session to come, without any of
the manager's controls; a colleague cannot open it; the manager completes the plan; HR decides
on a promotion candidate."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from salesalign.core.management.commands.load_demo import ADMIN_USERNAME
from salesalign.organization.models import Person
from salesalign.organization.services import person_login_set
from salesalign.performance.choices import CandidateStatus, PlanOutcome
from salesalign.performance.models import CoachingSession, ImprovementPlan, PromotionCandidate
from salesalign.performance.selectors.development import (
    improvement_flags,
    promotion_candidates,
)
from tests.e2e.conftest import BROWSER_TEST, load_demo_company
from tests.e2e.test_journeys import PASSWORD, log_in
from tests.e2e.test_targets_journey import log_out

# A flush after each test would take away what migrations wrote (the standard KPIs, the
# sales totals' state); a serialized rollback puts it back.
pytestmark = BROWSER_TEST

#: Enough sales for the demo's scorecards to flag people of the Shanghai team and to put
#: some salespeople forward for promotion (S in two of the last three quarters).
ORDER_LINES = 30_000
#: The demo's "today", fixed so that the closed quarters (and who they flag) do not move.
DEMO_TODAY = datetime.date(2026, 11, 28)
REASON = "Two quarters in a row below 70 points."
GOALS = "Two qualified opportunities a month; at least 80 % of the quarter's revenue target."
TRAINING = ["Consultative selling", "Price negotiation"]
NOTES = "Went through the opportunity funnel together; a review every Friday."
AGENDA = "Walk through the two new opportunities; rehearse the price negotiation."
DECISION_NOTE = "Ready to lead the key accounts of the region."


@pytest.fixture
def demo(transactional_db, settings):
    load_demo_company(settings, PASSWORD, order_lines=ORDER_LINES, today=DEMO_TODAY)


def test_an_improvement_plan_from_the_flag_to_its_outcome_and_a_promotion_decided(
    page, live_server, demo
):
    base = live_server.url
    manager = Person.objects.get(user__username="manager")
    colleague = Person.objects.get(user__username="sales")
    flags = improvement_flags(user=manager.user)
    assert flags, "the demo's improvement rule flags someone of the manager's team"
    flagged = flags[0].person
    assert flagged.unit_id == manager.unit_id and flagged.pk != colleague.pk
    # The demo logs in only five people; an administrator gives the flagged one a login.
    admin = get_user_model().objects.get(username=ADMIN_USERNAME)
    person_login_set(actor=admin, person=flagged, username="flagged", password=PASSWORD)
    today = timezone.localdate()
    review_on = today + timedelta(days=60)
    extended_to = today + timedelta(days=90)

    # --- the manager sees the flag and opens a plan ------------------------------------------
    log_in(page, base, "manager")
    page.goto(f"{base}/performance/")
    page.locator("#performance-tabs").get_by_role("link", name="Improvement plans").click()
    flag_row = page.locator(f'#flags tr[data-person="{flagged.pk}"]')
    expect(flag_row).to_contain_text(flagged.name_en)
    for entry in flags[0].evidence:
        expect(flag_row).to_contain_text(entry["period"])
    flag_row.get_by_role("link", name="Open a plan").click()
    form = page.locator("#plan-open-form")
    expect(form.locator("#id_person")).to_have_value(str(flagged.pk))
    expect(form.locator("#id_starts_on")).to_have_value(today.isoformat())
    form.locator("#id_reason").fill(REASON)
    form.locator("#id_goals").fill(GOALS)
    form.locator("#id_training").fill("\n".join(TRAINING))
    form.locator("#id_review_on").fill(review_on.isoformat())
    page.click("#plan-open")
    expect(page.locator(".alert-success")).to_contain_text(
        f"The improvement plan for {flagged.name_en} is open."
    )
    plan = ImprovementPlan.objects.get(person=flagged)
    expect(page).to_have_url(f"{base}/performance/improvement/plans/{plan.pk}/")
    assert (plan.outcome, plan.goals, plan.reason) == (PlanOutcome.OPEN, GOALS, REASON)
    assert (plan.starts_on, plan.review_on) == (today, review_on)
    assert plan.opened_by.username == "manager"
    assert plan.evidence == flags[0].evidence, "the scores that flagged the person are kept"
    expect(page.locator("#plan-goals")).to_contain_text(GOALS)
    expect(page.locator("#plan-training li")).to_have_text(TRAINING)
    expect(page.locator("#plan-review")).to_have_text(review_on.isoformat())
    expect(page.locator("#plan-facts")).to_contain_text(flags[0].evidence[0]["period"])

    # --- a coaching session --------------------------------------------------------------------
    expect(page.locator("#no-sessions")).to_be_visible()
    sessions = page.locator("#session-form")
    expect(sessions.locator("#id_held_on")).to_have_value(today.isoformat())
    sessions.locator("#id_notes").fill(NOTES)
    page.click("#add-session")
    expect(page.locator(".alert-success")).to_contain_text("The coaching session is recorded.")
    session = CoachingSession.objects.get(plan=plan)
    assert (session.held_on, session.notes, session.coach.username) == (today, NOTES, "manager")
    expect(page.locator(f'#sessions li[data-session="{session.pk}"]')).to_contain_text(NOTES)

    # --- the next session is planned ahead, with an agenda ---------------------------------
    planned_on = today + timedelta(days=7)
    planning = page.locator("#session-plan-form")
    planning.locator("#id_plan-held_on").fill(planned_on.isoformat())
    planning.locator("#id_plan-agenda").fill(AGENDA)
    page.click("#plan-session")
    expect(page.locator(".alert-success")).to_contain_text(
        f"The session of {planned_on.isoformat()} is planned; {flagged.name_en} is told."
    )
    planned = CoachingSession.objects.get(plan=plan, held_on=planned_on)
    assert (planned.agenda, planned.notes) == (AGENDA, "")
    coming = page.locator(f'#upcoming-sessions li[data-session="{planned.pk}"]')
    expect(coming).to_contain_text(AGENDA)
    expect(coming).to_have_attribute("data-state", "planned")
    expect(coming.locator(".session-record")).to_have_count(0)  # nothing to record before it
    expect(page.locator("#plan-next-session")).to_contain_text(planned_on.isoformat())

    # --- the review: extending needs a later date, then the plan runs until it -------------
    review = page.locator("#review-form")
    review.locator("#id_outcome").select_option(PlanOutcome.EXTENDED)
    page.click("#review-plan")
    expect(page.locator("#review-form")).to_contain_text(
        f"An extended plan needs a review date after {review_on.isoformat()}."
    )
    plan.refresh_from_db()
    assert plan.outcome == PlanOutcome.OPEN
    review = page.locator("#review-form")
    review.locator("#id_outcome").select_option(PlanOutcome.EXTENDED)
    review.locator("#id_review_on").fill(extended_to.isoformat())
    review.locator("#id_note").fill("Pipeline better; revenue not yet.")
    page.click("#review-plan")
    expect(page.locator("#plan-outcome")).to_have_text("Extended")
    expect(page.locator("#plan-review")).to_have_text(extended_to.isoformat())
    plan.refresh_from_db()
    assert (plan.outcome, plan.review_on, plan.closed_at) == (
        PlanOutcome.EXTENDED,
        extended_to,
        None,
    )
    log_out(page, base)

    # --- the salesperson reads their plan, without the manager's controls -------------------
    log_in(page, base, "flagged")
    page.click("#notification-badge")
    page.locator(
        '.notification-list li[data-kind="performance_improvement_plan"]'
    ).first.get_by_role("link").click()
    expect(page).to_have_url(f"{base}/performance/improvement/plans/{plan.pk}/")
    expect(page.locator("#plan-goals")).to_contain_text(GOALS)
    expect(page.locator("#plan-training li")).to_have_text(TRAINING)
    expect(page.locator("#plan-outcome")).to_have_text("Extended")
    expect(page.locator("#plan-review")).to_have_text(extended_to.isoformat())
    expect(page.locator("#sessions")).to_contain_text(NOTES)
    expect(page.locator("#upcoming-sessions")).to_contain_text(AGENDA)
    expect(page.locator("#plan-next-session")).to_contain_text(planned_on.isoformat())
    expect(page.locator("#session-form")).to_have_count(0)
    expect(page.locator("#session-plan-form")).to_have_count(0)
    expect(page.locator(".session-cancel")).to_have_count(0)
    expect(page.locator("#review-form")).to_have_count(0)
    # Posting a session by hand is refused, and writes nothing.
    token = next(
        cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken"
    )
    refused = page.request.post(
        f"{base}/performance/improvement/plans/{plan.pk}/sessions/",
        form={"csrfmiddlewaretoken": token, "held_on": today.isoformat(), "notes": "Self-made."},
    )
    assert refused.status == 403
    assert CoachingSession.objects.filter(plan=plan).count() == 2
    page.goto(f"{base}/performance/improvement/")
    expect(page.locator("#flags")).to_have_count(0)
    expect(page.locator("#plan-open-form")).to_have_count(0)
    expect(page.locator("#plans tbody tr")).to_have_count(1)
    expect(page.locator(f'#plans tr[data-plan="{plan.pk}"]')).to_contain_text("Extended")
    log_out(page, base)

    # --- a colleague of the same team cannot open it ------------------------------------------
    log_in(page, base, "sales")
    response = page.goto(f"{base}/performance/improvement/plans/{plan.pk}/")
    assert response is not None and response.status == 404
    page.goto(f"{base}/performance/improvement/")
    expect(page.locator(f'#plans tr[data-plan="{plan.pk}"]')).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(GOALS)
    log_out(page, base)

    # --- the manager completes the plan -----------------------------------------------------
    log_in(page, base, "manager")
    page.goto(f"{base}/performance/improvement/plans/{plan.pk}/")
    review = page.locator("#review-form")
    review.locator("#id_outcome").select_option(PlanOutcome.COMPLETED)
    review.locator("#id_note").fill("Both goals met.")
    page.click("#review-plan")
    expect(page.locator("#plan-outcome")).to_have_text("Completed")
    expect(page.locator("#plan-facts")).to_contain_text("Both goals met.")
    expect(page.locator("#session-form")).to_have_count(0)
    expect(page.locator("#review-form")).to_have_count(0)
    plan.refresh_from_db()
    assert plan.outcome == PlanOutcome.COMPLETED and plan.closed_at is not None
    # The manager's promotion list holds their team's candidates only.
    page.locator("#performance-tabs").get_by_role("link", name="Promotion").click()
    mine = set(promotion_candidates(user=manager.user).values_list("pk", flat=True))
    shown = page.locator("#candidates tbody tr")
    expect(shown).to_have_count(
        promotion_candidates(user=manager.user, status=CandidateStatus.PENDING).count()
    )
    for pk in (
        int(value) for value in shown.evaluate_all("rows => rows.map(r => r.dataset.candidate)")
    ):
        assert pk in mine
    log_out(page, base)

    # --- HR decides on a candidate ---------------------------------------------------------------
    log_in(page, base, "hr")
    page.goto(f"{base}/performance/promotion/")
    hr = Person.objects.get(user__username="hr")
    pending = list(promotion_candidates(user=hr.user, status=CandidateStatus.PENDING))
    assert pending, "the demo puts promotion candidates forward"
    candidate = pending[0]
    expect(page.locator("#candidates tbody tr")).to_have_count(len(pending))
    row = page.locator(f'#candidates tr[data-candidate="{candidate.pk}"]')
    expect(row).to_contain_text(candidate.person.name_en)
    row.locator("select[name=status]").select_option(CandidateStatus.PROMOTED)
    row.locator("input[name=note]").fill(DECISION_NOTE)
    row.get_by_role("button", name="Decide").click()
    expect(page.locator(".alert-success")).to_contain_text(
        f"The decision on {candidate.person.name_en} is recorded."
    )
    expect(page.locator(f'#candidates tr[data-candidate="{candidate.pk}"]')).to_have_count(0)
    candidate = PromotionCandidate.objects.get(pk=candidate.pk)
    assert (candidate.status, candidate.note) == (CandidateStatus.PROMOTED, DECISION_NOTE)
    assert candidate.decided_by.username == "hr" and candidate.decided_at is not None
    page.select_option("#status-select", CandidateStatus.PROMOTED)
    page.locator("#candidate-filters button[type=submit]").click()
    decided = page.locator(f'#candidates tr[data-candidate="{candidate.pk}"]')
    expect(decided).to_contain_text("Promoted")
    expect(decided).to_contain_text(DECISION_NOTE)
    expect(decided).to_contain_text(candidate.decided_by.person.name_en)  # a name, not a login
    expect(decided.get_by_role("button", name="Decide")).to_have_count(0)
