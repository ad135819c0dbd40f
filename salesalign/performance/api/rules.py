"""API endpoints of the promotion and improvement rules (the same services as the pages)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from salesalign.core.api import api_user, kept
from salesalign.performance.choices import PeriodKind
from salesalign.performance.models import ImprovementRule, PromotionRule
from salesalign.performance.selectors.rules import improvement_rule_words, promotion_rule_words
from salesalign.performance.services import rules as services

router = Router(tags=["performance"])


class PromotionRuleOut(Schema):
    id: int
    name: str
    name_en: str
    ratings: list[str]
    required: int
    of_last: int
    period_kind: str
    role: str
    is_active: bool
    words: str
    updated_at: datetime.datetime

    @staticmethod
    def resolve_words(rule: PromotionRule) -> str:
        return promotion_rule_words(rule)


class PromotionRuleIn(Schema):
    name: str
    name_en: str = ""
    ratings: list[str]
    required: int
    of_last: int
    period_kind: str = PeriodKind.QUARTERLY
    role: str = ""
    #: Left out: a new rule is active, a changed one keeps its state.
    is_active: bool | None = None


class PromotionRuleSaved(Schema):
    rule: PromotionRuleOut
    put_forward: int


class ImprovementRuleOut(Schema):
    id: int
    below_score: Decimal | None
    ratings: list[str]
    consecutive: int
    period_kind: str
    is_active: bool
    words: str
    updated_at: datetime.datetime

    @staticmethod
    def resolve_words(rule: ImprovementRule) -> str:
        return improvement_rule_words(rule)


class ImprovementRuleIn(Schema):
    below_score: str | None = None
    ratings: list[str] = []
    consecutive: int = 2
    period_kind: str = PeriodKind.QUARTERLY
    #: Left out: a new rule is active, a changed one keeps its state.
    is_active: bool | None = None


@router.get("/promotion-rules", response=list[PromotionRuleOut], summary="List the promotion rules")
def promotion_rule_list(request: HttpRequest) -> Any:
    api_user(request)
    return PromotionRule.objects.order_by("-is_active", "name", "pk")


def _promotion_saved(
    request: HttpRequest, payload: PromotionRuleIn, rule: PromotionRule | None = None
) -> dict[str, Any]:
    fields = {**payload.model_dump(), "is_active": kept(payload.is_active, rule)}
    saved, put_forward = services.promotion_rule_save(actor=api_user(request), rule=rule, **fields)
    return {"rule": saved, "put_forward": put_forward}


@router.post(
    "/promotion-rules",
    response={201: PromotionRuleSaved},
    summary="Create a promotion rule; it looks at the latest closed period at once",
)
def promotion_rule_create(request: HttpRequest, payload: PromotionRuleIn) -> Any:
    """`put_forward`: how many people it put forward from the latest closed period."""
    return Status(201, _promotion_saved(request, payload))


@router.put(
    "/promotion-rules/{rule_id}",
    response=PromotionRuleSaved,
    summary="Change a promotion rule (the whole rule)",
)
def promotion_rule_update(request: HttpRequest, rule_id: int, payload: PromotionRuleIn) -> Any:
    return _promotion_saved(request, payload, get_object_or_404(PromotionRule, pk=rule_id))


@router.delete(
    "/promotion-rules/{rule_id}",
    response={204: None},
    summary="Delete a promotion rule that has put nobody forward",
)
def promotion_rule_delete(request: HttpRequest, rule_id: int) -> Any:
    services.promotion_rule_delete(
        actor=api_user(request), rule=get_object_or_404(PromotionRule, pk=rule_id)
    )
    return Status(204, None)


@router.get(
    "/improvement-rules", response=list[ImprovementRuleOut], summary="List the improvement rules"
)
def improvement_rule_list(request: HttpRequest) -> Any:
    api_user(request)
    return ImprovementRule.objects.order_by("-is_active", "pk")


@router.post(
    "/improvement-rules", response={201: ImprovementRuleOut}, summary="Create an improvement rule"
)
def improvement_rule_create(request: HttpRequest, payload: ImprovementRuleIn) -> Any:
    fields = {**payload.model_dump(), "is_active": kept(payload.is_active, None)}
    rule = services.improvement_rule_save(actor=api_user(request), **fields)
    return Status(201, rule)


@router.put(
    "/improvement-rules/{rule_id}",
    response=ImprovementRuleOut,
    summary="Change an improvement rule (the whole rule)",
)
def improvement_rule_update(request: HttpRequest, rule_id: int, payload: ImprovementRuleIn) -> Any:
    rule = get_object_or_404(ImprovementRule, pk=rule_id)
    fields = {**payload.model_dump(), "is_active": kept(payload.is_active, rule)}
    return services.improvement_rule_save(actor=api_user(request), rule=rule, **fields)


@router.delete(
    "/improvement-rules/{rule_id}", response={204: None}, summary="Delete an improvement rule"
)
def improvement_rule_delete(request: HttpRequest, rule_id: int) -> Any:
    services.improvement_rule_delete(
        actor=api_user(request), rule=get_object_or_404(ImprovementRule, pk=rule_id)
    )
    return Status(204, None)
