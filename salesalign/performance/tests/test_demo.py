"""The demo's performance data: the last closed quarter published, feedback, a 360° round whose
results show and one whose results do not, a retrospective; a second load changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from salesalign.organization.models import Person
from salesalign.performance.choices import FeedbackKind, FeedbackStatus, PeriodStatus
from salesalign.performance.models import (
    EvaluationPeriod,
    Feedback,
    FeedbackRound,
    ImprovementAction,
    Retrospective,
)
from salesalign.performance.selectors.rounds import round_results

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
