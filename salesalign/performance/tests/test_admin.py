"""The Django admin lists periods, feedback, rounds and actions — and has no page for 360°
answers or invitations, so not even an administrator reads an answer row."""

from __future__ import annotations

import pytest
from django.contrib import admin

from salesalign.performance.models import (
    EvaluationPeriod,
    Feedback,
    FeedbackRound,
    ImprovementAction,
    Retrospective,
    RoundAnswer,
    RoundInvitation,
)

pytestmark = pytest.mark.django_db


def test_the_admin_shows_the_periods_and_never_the_answers(world, django_user_model, client):
    root = django_user_model.objects.create_superuser("root", password="x-long-password-1")
    client.force_login(root)
    admin_client = client
    for model in (EvaluationPeriod, Feedback, FeedbackRound, ImprovementAction, Retrospective):
        assert admin.site.is_registered(model), model
        url = f"/admin/performance/{model._meta.model_name}/"
        assert admin_client.get(url).status_code == 200, url
    assert "2026-Q1" in admin_client.get("/admin/performance/evaluationperiod/").content.decode()
    for hidden in (RoundAnswer, RoundInvitation):
        assert not admin.site.is_registered(hidden)
        assert admin_client.get(f"/admin/performance/{hidden._meta.model_name}/").status_code == 404
