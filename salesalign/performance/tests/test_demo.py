"""The demo's performance data: the last closed quarter published, feedback, a 360° round whose
results show and one whose results do not, a retrospective; a second load changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from salesalign.organization.models import Person
from salesalign.performance.choices import FeedbackKind, FeedbackStatus, PeriodStatus
from salesalign.performance.models import (
    EvaluationPeriod,
    Feedback,
    FeedbackRound,
    ImprovementAction,
    ImprovementPlan,
    PromotionCandidate,
    Retrospective,
    Scorecard,
)
from salesalign.performance.selectors.rounds import round_results
from salesalign.performance.services.common import employed_during

TODAY = "2026-06-15"

pytestmark = pytest.mark.django_db


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", "--today", TODAY, stdout=out)
    return out.getvalue()


def test_the_demo_has_a_published_quarter_with_feedback_and_two_360_rounds():
    output = load_demo()
    assert "Performance 2026-Q1: closed and published" in output
    quarter = EvaluationPeriod.objects.get(key="2026-Q1")
    assert quarter.status == PeriodStatus.PUBLISHED
    assert EvaluationPeriod.objects.get(key="2026-Q2").status == PeriodStatus.OPEN
    sales = Person.objects.get(user__username="sales")
    manager = Person.objects.get(user__username="manager")
    assert (
        Feedback.objects.filter(
            period=quarter, kind=FeedbackKind.MANAGER, status=FeedbackStatus.SUBMITTED
        ).count()
        >= 3
    )
    assert Feedback.objects.filter(period=quarter, kind=FeedbackKind.SELF).count() >= 2

    shown, hidden = FeedbackRound.objects.filter(period=quarter).order_by("pk")
    assert shown.person == sales
    results = round_results(user=sales.user, feedback_round=shown)
    assert results.shown and results.overall.count == 7
    assert [group.relationship for group in results.groups] == ["peer", "others"]
    assert not round_results(user=manager.user, feedback_round=hidden).shown
    assert Retrospective.objects.filter(period=quarter, unit=sales.unit).exists()
    assert ImprovementAction.objects.filter(owner=sales).count() == 2

    client = Client()
    client.force_login(sales.user)
    page = client.get(reverse("performance:round_detail", args=[shown.pk])).content.decode()
    assert 'id="results-table"' in page
    mine = client.get(
        reverse("performance:feedback_detail", args=[quarter.pk, sales.pk])
    ).content.decode()
    assert "新客户开拓偏慢" in mine, "the sales login reads the published manager feedback"


def test_loading_the_demo_again_adds_nothing():
    load_demo()
    counts = (
        EvaluationPeriod.objects.count(),
        Feedback.objects.count(),
        FeedbackRound.objects.count(),
        ImprovementAction.objects.count(),
    )
    assert "nothing changed" in load_demo()
    assert counts == (
        EvaluationPeriod.objects.count(),
        Feedback.objects.count(),
        FeedbackRound.objects.count(),
        ImprovementAction.objects.count(),
    )


def test_late_in_the_year_the_demo_has_scorecards_candidates_and_improvement_plans(settings):
    """With --today in the fourth quarter, the year's earlier quarters are closed too: the
    last one has a scorecard for every salesperson, ratings have a history, the rules put a
    few people forward for promotion and flag a few for an improvement plan."""
    settings.DEMO_ORDER_LINES = 30_000
    out = StringIO()
    call_command("load_demo", "--today", "2026-11-28", stdout=out)
    assert "Performance 2026-Q3: closed and published" in out.getvalue()
    quarters = list(EvaluationPeriod.objects.filter(kind="quarterly", fiscal_year=2026))
    assert [q.key for q in sorted(quarters, key=lambda q: q.start)] == [
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]
    last = EvaluationPeriod.objects.get(key="2026-Q3")
    # Everyone who sold in the quarter, the demo's leaver of the quarter included.
    salespeople = Person.objects.filter(employed_during(last), role="salesperson")
    assert salespeople.filter(is_active=False).exists()
    carded = Scorecard.objects.filter(period=last, person__isnull=False)
    assert carded.count() == salespeople.count()
    assert carded.exclude(rating="").count() >= salespeople.count() * 0.8
    candidates = PromotionCandidate.objects.all()
    assert candidates.exists()  # a few put forward …
    assert candidates.count() <= salespeople.count() // 4  # … not a quarter of the force
    for candidate in candidates:
        ratings = [entry["rating"] for entry in candidate.evidence]
        # A or better in 3 of the last 4 quarters (three of this year's are closed)
        assert sum(rating in ("S", "A") for rating in ratings) >= 3, ratings
    plans = ImprovementPlan.objects.all()
    assert plans.count() >= 1
    for plan in plans:
        # One held, written up; the next planned ahead, with its agenda, for the person to see.
        held, planned = plan.sessions.order_by("held_on")
        assert (held.held_on, bool(held.notes)) == (plan.starts_on, True)
        assert planned.held_on > timezone.localdate() and planned.agenda and not planned.notes
        assert len(plan.evidence) == 2
