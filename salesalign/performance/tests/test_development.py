"""Promotion candidates from rating history, improvement flags and plans, and who sees them.

Closed quarters and their scorecards are written directly here (what a close
leaves behind), so these tests depend on nothing but the rules.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import MEMBERS
from salesalign.core.models import Notification
from salesalign.engines.periods import quarter_period
from salesalign.performance.choices import CandidateStatus, PeriodKind, PeriodStatus, PlanOutcome
from salesalign.performance.models import (
    EvaluationPeriod,
    ImprovementPlan,
    ImprovementRule,
    PromotionCandidate,
    PromotionRule,
    Scorecard,
    ScorecardTemplate,
)
from salesalign.performance.selectors.development import improvement_flags
from salesalign.performance.services import development as services

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 1, 20)


def _quarters(count: int = 4) -> list[EvaluationPeriod]:
    """Q2 2025 … Q1 2026, closed, oldest first."""
    keys = [(2025, 2), (2025, 3), (2025, 4), (2026, 1)][-count:]
    periods = []
    for year, number in keys:
        span = quarter_period(year, number)
        periods.append(
            EvaluationPeriod.objects.create(
                kind=PeriodKind.QUARTERLY,
                key=span.key,
                fiscal_year=year,
                start=span.start,
                end=span.end,
                status=PeriodStatus.CLOSED,
            )
        )
    return periods


def _cards(periods, person, ratings, scores=None, unit=None):
    template = ScorecardTemplate.objects.get_or_create(name="Sales")[0]
    for index, (period, rating) in enumerate(zip(periods, ratings, strict=True)):
        Scorecard.objects.create(
            period=period,
            version=period.version,
            person=person,
            unit=unit or person.unit,
            template=template,
            rating=rating,
            total_score=Decimal(scores[index]) if scores else None,
        )


@pytest.fixture
def rule(db):
    return PromotionRule.objects.create(
        name="A or better, 3 of 4", ratings=["S", "A"], required=3, of_last=4
    )


def test_three_good_quarters_of_four_make_a_candidate_two_do_not(cast, rule):
    quarters = _quarters()
    _cards(quarters, cast.salesperson, ["A", "B", "S", "A"])
    _cards(quarters, cast.salesperson2, ["A", "B", "C", "S"])
    new = services.promotion_candidates_refresh(period=quarters[-1])
    assert [candidate.person_id for candidate in new] == [cast.salesperson.pk]
    candidate = PromotionCandidate.objects.get()
    assert candidate.status == CandidateStatus.PENDING
    # Newest first, as the rule looked at them.
    assert [entry["rating"] for entry in candidate.evidence] == ["A", "S", "B", "A"]
    # Closing again (a recalculation) puts nobody forward twice.
    assert services.promotion_candidates_refresh(period=quarters[-1]) == []
    assert PromotionCandidate.objects.count() == 1


def test_someone_who_has_left_is_neither_a_candidate_nor_flagged(cast, rule):
    from salesalign.organization import services as organization_services

    ImprovementRule.objects.create(below_score=Decimal(60), consecutive=2)
    quarters = _quarters()
    _cards(quarters, cast.salesperson, ["A", "A", "S", "A"], scores=["90", "90", "99", "90"])
    _cards(quarters, cast.salesperson2, ["D", "D", "D", "D"], scores=["40", "40", "40", "40"])
    organization_services.person_leave(
        actor=cast.admin.user, person=cast.salesperson, left_on=datetime.date(2026, 3, 20)
    )
    organization_services.person_leave(
        actor=cast.admin.user, person=cast.salesperson2, left_on=datetime.date(2026, 3, 20)
    )
    # Their last quarter is scored (they worked in it), but nobody plans a future for them.
    assert services.promotion_candidates_refresh(period=quarters[-1]) == []
    assert improvement_flags(user=cast.manager.user) == []


def test_a_candidate_waiting_for_a_decision_is_not_put_forward_again(cast, rule):
    quarters = _quarters(4)
    _cards(quarters, cast.salesperson, ["A", "A", "A", "A"])
    services.promotion_candidates_refresh(period=quarters[-2])  # 3 of the 3 closed then
    assert services.promotion_candidates_refresh(period=quarters[-1]) == []
    candidate = PromotionCandidate.objects.get()
    candidate.status = CandidateStatus.NOT_NOW
    candidate.save()
    # Decided "not now": the next period may put them forward again.
    again = services.promotion_candidates_refresh(period=quarters[-1])
    assert [item.period_id for item in again] == [quarters[-1].pk]


def test_only_the_current_version_of_a_reopened_period_counts(cast, rule):
    quarters = _quarters()
    _cards(quarters, cast.salesperson, ["A", "A", "B", "A"])
    last = quarters[-1]
    last.version = 2
    last.save()
    _cards([last], cast.salesperson, ["C"])  # version 2 rated C: now only 2 of 4
    assert services.promotion_candidates_refresh(period=last) == []


def test_a_role_rule_passes_over_other_roles(cast):
    PromotionRule.objects.create(
        name="Managers", ratings=["A"], required=1, of_last=1, role="manager"
    )
    quarters = _quarters(1)
    _cards(quarters, cast.salesperson, ["A"])
    _cards(quarters, cast.manager, ["A"])
    new = services.promotion_candidates_refresh(period=quarters[0])
    assert [candidate.person_id for candidate in new] == [cast.manager.pk]


@pytest.mark.parametrize("who", MEMBERS)
def test_candidates_are_seen_by_managers_and_hr_never_by_the_person(cast, rule, who):
    quarters = _quarters()
    _cards(quarters, cast.salesperson, ["A", "A", "A", "A"])
    services.promotion_candidates_refresh(period=quarters[-1])
    response = cast.client_for(who).get(reverse("performance:promotion_list"))
    assert response.status_code == 200
    shown = f'data-person="{cast.salesperson.pk}"' in response.content.decode()
    assert shown == (who in ("admin", "executive", "hr", "manager"))


def test_a_manager_decides_and_a_salesperson_may_not(cast, rule):
    quarters = _quarters()
    _cards(quarters, cast.salesperson2, ["A", "A", "A", "A"])
    services.promotion_candidates_refresh(period=quarters[-1])
    candidate = PromotionCandidate.objects.get()
    refused = cast.client_for("salesperson").post(
        reverse("performance:promotion_decide", args=[candidate.pk]), {"status": "promoted"}
    )
    assert refused.status_code == 404  # not even visible to another salesperson
    response = cast.client_for("manager").post(
        reverse("performance:promotion_decide", args=[candidate.pk]),
        {"status": "promoted", "note": "Ready to lead key accounts"},
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PROMOTED
    assert candidate.decided_by == cast.manager.user
    assert candidate.note == "Ready to lead key accounts"


def test_a_candidate_who_left_meanwhile_is_marked_and_cannot_be_promoted(cast, rule):
    from salesalign.core.exceptions import DomainError
    from salesalign.organization import services as organization_services

    quarters = _quarters()
    _cards(quarters, cast.salesperson2, ["A", "A", "A", "A"])
    services.promotion_candidates_refresh(period=quarters[-1])
    candidate = PromotionCandidate.objects.get()
    organization_services.person_leave(
        actor=cast.admin.user, person=cast.salesperson2, left_on=datetime.date(2026, 1, 10)
    )
    page = cast.client_for("manager").get(reverse("performance:promotion_list")).content.decode()
    assert "Left on: 2026-01-10" in page
    row = page[page.index(f'data-candidate="{candidate.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'value="promoted"' not in row and 'value="not_now"' in row
    with pytest.raises(DomainError) as refused:
        services.promotion_decide(
            actor=cast.manager.user, candidate=candidate, status=CandidateStatus.PROMOTED
        )
    assert refused.value.field == "status" and "has left (on 2026-01-10)" in str(refused.value)
    candidate.refresh_from_db()
    assert (candidate.status, candidate.decided_by) == (CandidateStatus.PENDING, None)
    services.promotion_decide(
        actor=cast.manager.user, candidate=candidate, status=CandidateStatus.NOT_NOW
    )
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.NOT_NOW


def test_no_decision_is_chosen_before_the_manager_chooses_one(cast, rule):
    quarters = _quarters()
    _cards(quarters, cast.salesperson2, ["A", "A", "A", "A"])
    services.promotion_candidates_refresh(period=quarters[-1])
    candidate = PromotionCandidate.objects.get()
    client = cast.client_for("manager")
    page = client.get(reverse("performance:promotion_list")).content.decode()
    decide = page[page.index(f'data-candidate="{candidate.pk}"') :]
    select = decide[decide.index('<select name="status"') : decide.index("</select>")]
    assert " required>" in select
    assert select.index('<option value="">—</option>') < select.index('value="promoted"')
    response = client.post(
        reverse("performance:promotion_decide", args=[candidate.pk]), {"status": ""}, follow=True
    )
    assert "Choose promoted or not now." in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PENDING
    # The evidence badges read "2026-Q1: A" in English and "2026-Q1：A" in Chinese.
    last = quarters[-1].key
    assert f'title="{last}">{last}: A</span>' in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("performance:promotion_list")).content.decode()
    assert f'title="{last}">{last}：A</span>' in page


def test_the_plan_and_round_forms_start_with_nobody_chosen(cast):
    client = cast.client_for("manager")
    plan_form = client.get(reverse("performance:improvement_list")).context["form"]
    assert '<option value="" selected>—</option>' in str(plan_form["person"])
    # From a flag's "Open a plan" link, the flagged person is chosen.
    picked = client.get(
        reverse("performance:improvement_list"), {"person": cast.salesperson.pk}
    ).context["form"]
    assert f'<option value="{cast.salesperson.pk}" selected>' in str(picked["person"])
    round_form = client.get(reverse("performance:round_create")).context["form"]
    assert '<option value="" selected>—</option>' in str(round_form["person"])


# --- improvement -------------------------------------------------------------------------------


def test_two_quarters_in_a_row_below_the_score_flag_someone_without_a_plan(cast):
    ImprovementRule.objects.create(below_score=Decimal(60), consecutive=2)
    quarters = _quarters(3)
    _cards(quarters, cast.salesperson, ["C", "D", "D"], scores=["70", "55", "50"])
    _cards(quarters, cast.salesperson2, ["D", "D", "B"], scores=["50", "40", "85"])
    flags = improvement_flags(user=cast.manager.user)
    assert [flag.person.pk for flag in flags] == [cast.salesperson.pk]
    assert [entry["score"] for entry in flags[0].evidence] == ["50.00", "55.00"]
    # Nobody outside the manager's units, and nobody to a salesperson.
    assert improvement_flags(user=cast.other_manager.user) == []
    assert improvement_flags(user=cast.salesperson.user) == []

    plan = services.improvement_plan_open(
        actor=cast.manager.user,
        person=cast.salesperson,
        goals="Two new customers a month",
        starts_on=TODAY,
        review_on=TODAY + datetime.timedelta(days=60),
        evidence=flags[0].evidence,
    )
    assert improvement_flags(user=cast.manager.user) == []  # the plan takes them off the list
    notice = Notification.objects.get(recipient=cast.salesperson)
    assert notice.url.endswith(f"/improvement/plans/{plan.pk}/")


def test_someone_several_rules_flag_is_listed_once_with_the_first_rule(cast):
    first = ImprovementRule.objects.create(below_score=Decimal(60), consecutive=2)
    ImprovementRule.objects.create(below_score=Decimal(70), consecutive=2)
    ImprovementRule.objects.create(ratings=["D"], consecutive=1)
    quarters = _quarters(2)
    _cards(quarters, cast.salesperson, ["D", "D"], scores=["55", "50"])
    flags = improvement_flags(user=cast.manager.user)
    assert [(flag.person.pk, flag.rule.pk) for flag in flags] == [(cast.salesperson.pk, first.pk)]
    page = cast.client_for("manager").get(reverse("performance:improvement_list")).content
    assert page.decode().count(f'data-person="{cast.salesperson.pk}"') == 1


def test_a_plan_runs_through_sessions_an_extension_and_an_outcome(cast):
    client = cast.client_for("manager")
    response = client.post(
        reverse("performance:improvement_open"),
        {
            "person": cast.salesperson.pk,
            "goals": "Raise attainment above 80 %",
            "training": "Consultative selling\nPricing",
            "starts_on": "2026-01-20",
            "review_on": "2026-03-20",
        },
    )
    assert response.status_code == 302
    plan = ImprovementPlan.objects.get()
    session = client.post(
        reverse("performance:improvement_session", args=[plan.pk]),
        {"held_on": "2026-02-03", "notes": "Reviewed the pipeline"},
    )
    assert session.status_code == 302
    future = client.post(
        reverse("performance:improvement_session", args=[plan.pk]),
        {"held_on": "2099-01-01", "notes": "Not held yet"},
    )
    assert future.status_code == 400
    assert "this date is in the future" in future.content.decode()
    assert plan.sessions.count() == 1
    too_early = client.post(
        reverse("performance:improvement_review", args=[plan.pk]),
        {"outcome": "extended", "review_on": "2026-03-01"},
    )
    assert too_early.status_code == 400
    assert "after 2026-03-20" in too_early.content.decode()
    client.post(
        reverse("performance:improvement_review", args=[plan.pk]),
        {"outcome": "extended", "review_on": "2026-05-20"},
    )
    plan.refresh_from_db()
    assert (plan.outcome, plan.review_on) == (PlanOutcome.EXTENDED, datetime.date(2026, 5, 20))
    client.post(
        reverse("performance:improvement_review", args=[plan.pk]),
        {"outcome": "completed", "note": "Above 80 % for two months"},
    )
    plan.refresh_from_db()
    assert plan.outcome == PlanOutcome.COMPLETED and plan.closed_at is not None
    closed = client.post(
        reverse("performance:improvement_session", args=[plan.pk]),
        {"held_on": "2026-06-01", "notes": "After the end"},
    )
    assert closed.status_code == 400
    assert plan.sessions.count() == 1

    page = cast.client_for("salesperson").get(
        reverse("performance:improvement_plan", args=[plan.pk])
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "Raise attainment above 80 %" in text and "Pricing" in text
    assert 'id="review-form"' not in text  # the person reads their plan; managers run it


@pytest.mark.parametrize("who", MEMBERS)
def test_a_plan_is_read_by_the_person_their_managers_and_hr_only(cast, who):
    plan = services.improvement_plan_open(
        actor=cast.hr.user,
        person=cast.salesperson,
        goals="Goals",
        starts_on=TODAY,
        review_on=TODAY,
    )
    response = cast.client_for(who).get(reverse("performance:improvement_plan", args=[plan.pk]))
    allowed = who in ("admin", "executive", "hr", "manager", "salesperson")
    assert response.status_code == (200 if allowed else 404)


def test_only_managers_and_hr_open_plans_and_one_runs_at_a_time(cast):
    refused = cast.client_for("salesperson2").post(
        reverse("performance:improvement_open"),
        {
            "person": cast.salesperson.pk,
            "goals": "x",
            "starts_on": "2026-01-20",
            "review_on": "2026-02-20",
        },
    )
    assert refused.status_code == 403
    services.improvement_plan_open(
        actor=cast.hr.user, person=cast.salesperson, goals="G", starts_on=TODAY, review_on=TODAY
    )
    again = cast.client_for("manager").post(
        reverse("performance:improvement_open"),
        {
            "person": cast.salesperson.pk,
            "goals": "G2",
            "starts_on": "2026-01-20",
            "review_on": "2026-02-20",
        },
    )
    assert again.status_code == 400
    assert "already has a running improvement plan" in again.content.decode()
    assert ImprovementPlan.objects.count() == 1


def test_the_lists_read_in_a_constant_number_of_queries(cast, rule, django_assert_max_num_queries):
    ImprovementRule.objects.create(below_score=Decimal(60), consecutive=1)
    quarters = _quarters()
    for person in (cast.salesperson, cast.salesperson2):
        _cards(quarters, person, ["A", "A", "A", "D"], scores=["110", "110", "110", "40"])
    services.promotion_candidates_refresh(period=quarters[-2])
    client = cast.client_for("hr")
    with django_assert_max_num_queries(14):
        assert client.get(reverse("performance:promotion_list") + "?status=all").status_code == 200
    with django_assert_max_num_queries(16):
        page = client.get(reverse("performance:improvement_list"))
    assert len(page.context["flags"]) == 2


def test_the_api_lists_decides_and_runs_plans_with_the_pages_rules(cast, rule):
    quarters = _quarters()
    _cards(quarters, cast.salesperson2, ["A", "A", "A", "A"])
    services.promotion_candidates_refresh(period=quarters[-1])
    candidate = PromotionCandidate.objects.get()
    manager = cast.client_for("manager")
    listed = manager.get("/api/v1/performance/promotion/candidates")
    assert [row["person_id"] for row in listed.json()] == [cast.salesperson2.pk]
    # The person does not see that they are a candidate.
    assert (
        cast.client_for("salesperson2").get("/api/v1/performance/promotion/candidates").json() == []
    )
    bad = manager.post(
        f"/api/v1/performance/promotion/candidates/{candidate.pk}/decision",
        {"status": "maybe"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    decided = manager.post(
        f"/api/v1/performance/promotion/candidates/{candidate.pk}/decision",
        {"status": "not_now", "note": "Next year"},
        content_type="application/json",
    )
    assert decided.json()["status"] == "not_now"

    opened = manager.post(
        "/api/v1/performance/improvement/plans",
        {
            "person_id": cast.salesperson.pk,
            "goals": "Pipeline of 3× the target",
            "starts_on": "2026-01-20",
            "review_on": "2026-01-10",
        },
        content_type="application/json",
    )
    assert opened.status_code == 400  # review before the start: nothing written
    assert not ImprovementPlan.objects.exists()
    opened = manager.post(
        "/api/v1/performance/improvement/plans",
        {
            "person_id": cast.salesperson.pk,
            "goals": "Pipeline of 3× the target",
            "starts_on": "2026-01-20",
            "review_on": "2026-03-20",
        },
        content_type="application/json",
    )
    assert opened.status_code == 201
    plan_id = opened.json()["id"]
    manager.post(
        f"/api/v1/performance/improvement/plans/{plan_id}/sessions",
        {"held_on": "2026-02-01", "notes": "Weekly pipeline review"},
        content_type="application/json",
    )
    own = cast.client_for("salesperson").get(f"/api/v1/performance/improvement/plans/{plan_id}")
    assert [session["notes"] for session in own.json()["sessions"]] == ["Weekly pipeline review"]
    other = cast.client_for("salesperson2").get(f"/api/v1/performance/improvement/plans/{plan_id}")
    assert other.status_code == 404
    refused = cast.client_for("salesperson").post(
        f"/api/v1/performance/improvement/plans/{plan_id}/review",
        {"outcome": "completed"},
        content_type="application/json",
    )
    assert refused.status_code == 403
