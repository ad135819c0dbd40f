"""API endpoints of bonus statements: mine, one with its explained lines, questions, answers
and adjustments (visibility as on the pages)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from salesalign.core.api import api_user
from salesalign.core.exceptions import DomainError
from salesalign.performance.models import Statement, StatementLine
from salesalign.performance.selectors import statements as selectors
from salesalign.performance.services import statements as services

router = Router(tags=["performance"])


class StatementOut(Schema):
    id: int
    period_id: int
    period: str
    version: int
    person_id: int
    unit_id: int
    plan_id: int
    plan: str
    total_cents: int


class CountedOrderOut(Schema):
    external_id: str
    day: date
    amount_cents: int


class StatementLineOut(Schema):
    id: int
    position: int
    component: str
    code: str
    base_cents: int
    rate: str | None = Field(None, description="Percent, the multiplier included.")
    amount_cents: int
    title: str
    explanation: str
    reason: str
    params: dict[str, Any]
    orders: list[CountedOrderOut]


class StatementQuestionOut(Schema):
    id: int
    statement_id: int
    line_id: int | None
    question: str
    answer: str
    created_at: datetime
    answered_at: datetime | None


class StatementDetailOut(StatementOut):
    computed: dict[str, Any]
    lines: list[StatementLineOut]
    questions: list[StatementQuestionOut]


class StatementQuestionIn(Schema):
    question: str
    line_id: int | None = None


class StatementAnswerIn(Schema):
    answer: str


class StatementAdjustmentIn(Schema):
    amount_cents: int = Field(..., description="Cents; negative to take an amount back.")
    reason: str


def _statement_out(statement: Statement) -> dict[str, Any]:
    return {
        "id": statement.pk,
        "period_id": statement.period_id,
        "period": statement.period.key,
        "version": statement.version,
        "person_id": statement.person_id,
        "unit_id": statement.unit_id,
        "plan_id": statement.plan_id,
        "plan": statement.plan.display_name,
        "total_cents": statement.total_cents,
    }


def _line_out(item: selectors.ExplainedLine) -> dict[str, Any]:
    line = item.line
    return {
        "id": line.pk,
        "position": line.position,
        "component": line.component,
        "code": line.code,
        "base_cents": line.base_cents,
        "rate": None if line.rate is None else str(line.rate.normalize()),
        "amount_cents": line.amount_cents,
        "title": item.title,
        "explanation": item.text,
        "reason": line.reason,
        "params": (line.details or {}).get("params") or {},
        "orders": [
            {"external_id": order.external_id, "day": order.day, "amount_cents": order.cents}
            for order in item.orders
        ],
    }


@router.get(
    "/statements", response=list[StatementOut], summary="List my statements (published periods)"
)
def statement_list(request: HttpRequest) -> Any:
    return [
        _statement_out(statement) for statement in selectors.my_statements(user=api_user(request))
    ]


@router.get(
    "/statements/{statement_id}",
    response=StatementDetailOut,
    summary="Get a statement with its explained lines and questions",
)
def statement_get(request: HttpRequest, statement_id: int) -> Any:
    user = api_user(request)
    statement = selectors.statement_get(user=user, pk=statement_id)
    page = selectors.statement_page(user=user, statement=statement)
    return {
        **_statement_out(statement),
        "computed": statement.computed,
        "lines": [_line_out(item) for item in page.lines],
        "questions": page.questions,
    }


@router.post(
    "/statements/{statement_id}/questions",
    response={201: StatementQuestionOut},
    summary="Ask a question about my statement (or one of its lines)",
)
def statement_question(
    request: HttpRequest, statement_id: int, payload: StatementQuestionIn
) -> Any:
    user = api_user(request)
    statement = selectors.statement_get(user=user, pk=statement_id)
    line = None
    if payload.line_id is not None:
        line = StatementLine.objects.filter(pk=payload.line_id).first()
        if line is None or line.statement_id != statement.pk:
            raise DomainError(_("This line is not on the statement."), field="line_id")
    question = services.statement_question_ask(
        actor=user, statement=statement, text=payload.question, line=line
    )
    return Status(201, question)


@router.post(
    "/statements/questions/{question_id}/answer",
    response=StatementQuestionOut,
    summary="Answer a question about a statement (the person's managers, HR, admins)",
)
def statement_answer(request: HttpRequest, question_id: int, payload: StatementAnswerIn) -> Any:
    user = api_user(request)
    question = selectors.question_get(user=user, pk=question_id)
    return services.statement_question_answer(actor=user, question=question, text=payload.answer)


@router.post(
    "/statements/{statement_id}/adjustments",
    response={201: StatementLineOut},
    summary="Add an adjustment line with its reason (the person's managers, HR, admins)",
)
def statement_adjust(
    request: HttpRequest, statement_id: int, payload: StatementAdjustmentIn
) -> Any:
    user = api_user(request)
    statement = selectors.statement_get(user=user, pk=statement_id)
    line = services.statement_adjust(
        actor=user, statement=statement, amount=payload.amount_cents, reason=payload.reason
    )
    return Status(201, _line_out(selectors.explain_lines([line])[0]))
