"""Schemas of the performance API. 360° results are aggregates only: no schema here has a
field that could name the author of an answer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

PeriodKindName = Literal["monthly", "quarterly", "annual"]
FeedbackKindName = Literal["manager", "self"]
RelationshipName = Literal["peer", "manager", "other_department"]


class PeriodIn(Schema):
    kind: PeriodKindName
    fiscal_year: int
    number: int | None = Field(
        None, description="Quarter 1–4 of the fiscal year, or calendar month 1–12; none for annual."
    )


class PeriodOut(Schema):
    id: int
    kind: str
    key: str
    fiscal_year: int
    start: date
    end: date
    status: str
    version: int
    closed_at: datetime | None
    published_at: datetime | None


class ReopeningOut(Schema):
    version: int
    previous_status: str
    reason: str
    reopened_at: datetime


class PeriodDetailOut(PeriodOut):
    reopenings: list[ReopeningOut]


class ReopenIn(Schema):
    reason: str


class FeedbackOut(Schema):
    id: int
    period_id: int
    person_id: int
    kind: str
    author_id: int | None
    rating: int | None
    went_well: str
    to_improve: str
    status: str
    submitted_at: datetime | None


class FeedbackIn(Schema):
    rating: int | None = Field(None, description="1 (poor) to 5 (excellent).")
    went_well: str = ""
    to_improve: str = ""
    submit: bool = Field(False, description="Submit (final) instead of keeping a draft.")


class QuestionOut(Schema):
    id: int
    position: int
    text: str


class RoundIn(Schema):
    person_id: int
    period_id: int
    questions: list[str] | None = Field(
        None, description="Rating questions (answered 1–5); the default questionnaire if left out."
    )


class RoundOut(Schema):
    id: int
    person_id: int
    period_id: int
    status: str
    invited_count: int = 0
    #: At least three answered (results are shown once the round is closed); never how
    #: many, which beside the invitees could name who answered.
    enough_answers: bool = False


class MeanOut(Schema):
    question: str
    mean: Decimal
    count: int


class GroupOut(Schema):
    relationship: str = Field(
        ..., description='A group, "others" for pooled small groups, "" for everybody.'
    )
    count: int
    means: list[MeanOut]


class CustomersOut(Schema):
    mean: Decimal | None = Field(None, description="Only when at least three survey answers.")
    count: int


class ResultsOut(Schema):
    closed: bool
    shown: bool
    minimum: int
    overall: GroupOut | None
    groups: list[GroupOut]
    comments: list[str]
    customers: CustomersOut | None


class RoundDetailOut(RoundOut):
    questions: list[QuestionOut]
    results: ResultsOut


class InviteIn(Schema):
    respondent_id: int
    relationship: RelationshipName


class InviteManyIn(Schema):
    """Several respondents at once: the ids of the people to invite under each relationship.
    All are invited, or none (the error names the relationship of the one refused)."""

    peer: list[int] = []
    manager: list[int] = []
    other_department: list[int] = []


class InviteOut(Schema):
    id: int
    respondent_id: int
    relationship: str


class InvitationOut(Schema):
    """One of the caller's own invitations."""

    id: int
    round_id: int
    person_id: int
    period_id: int
    relationship: str
    answered: bool
    round_open: bool
    questions: list[QuestionOut]


class AnswerIn(Schema):
    scores: dict[int, int] = Field(..., description="A score 1–5 for every question id.")
    comment: str = ""


class AnsweredOut(Schema):
    invitation_id: int
    answered: bool


class ActionIn(Schema):
    title: str
    owner_id: int
    due_on: date
    feedback_id: int | None = None
    round_id: int | None = None
    retrospective_id: int | None = None


class ActionOut(Schema):
    id: int
    title: str
    owner_id: int
    due_on: date
    status: str
    done_at: datetime | None
    person_id: int | None
    unit_id: int | None
    feedback_id: int | None
    round_id: int | None
    retrospective_id: int | None


class ActionStatusIn(Schema):
    done: bool


class RetrospectiveIn(Schema):
    what_worked: str = ""
    what_did_not: str = ""


class RetrospectiveOut(Schema):
    id: int
    unit_id: int
    period_id: int
    what_worked: str
    what_did_not: str
    revenue: Decimal | None = Field(None, description="The unit's revenue in the quarter.")
