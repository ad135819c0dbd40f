"""The statements demo: the default plan, the closed quarter's statements, one answered question;
a second load changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from salesalign.core.management.commands import load_demo
from salesalign.performance.demo_statements import PLAN_NAME
from salesalign.performance.models import IncentivePlan, Statement, StatementQuestion

TODAY = "2026-06-15"

pytestmark = pytest.mark.django_db


def _load() -> str:
    out = StringIO()
    call_command("load_demo", "--today", TODAY, stdout=out)
    return out.getvalue()


def test_the_demo_computes_the_quarters_statements_and_answers_one_question(monkeypatch):
    monkeypatch.setattr(
        load_demo,
        "DEMO_LOADERS",
        [*load_demo.DEMO_LOADERS, "salesalign.performance.demo_statements"],
    )
    output = _load()
    assert "Statements 2026-Q1" in output
    plan = IncentivePlan.objects.get(name=PLAN_NAME)
    written = Statement.objects.filter(period__key="2026-Q1", plan=plan)
    assert written.count() > 10
    assert written.filter(total_cents__gt=0).exists()
    for statement in written:
        assert statement.total_cents == sum(line.amount_cents for line in statement.lines.all())
    question = StatementQuestion.objects.get()
    assert question.statement.person.user.username == "sales"
    assert question.answered_at is not None
    counts = (Statement.objects.count(), StatementQuestion.objects.count())
    _load()
    assert (Statement.objects.count(), StatementQuestion.objects.count()) == counts
