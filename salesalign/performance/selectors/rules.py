"""Reads of the promotion and improvement rules, each said in words (two queries)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.utils.translation import gettext as _

from salesalign.core.choices import Role
from salesalign.core.numbers import plain_text
from salesalign.performance.choices import PeriodKind
from salesalign.performance.models import ImprovementRule, PromotionRule


def _ratings_words(codes: list[str]) -> str:
    return " / ".join(codes)


def promotion_rule_words(rule: PromotionRule) -> str:
    """E.g. "Quarterly: rated S / A in at least 2 of the last 3 closed periods"."""
    return _(
        "%(kind)s: rated %(ratings)s in at least %(required)s of the last %(of_last)s closed periods"
    ) % {
        "kind": PeriodKind(rule.period_kind).label,
        "ratings": _ratings_words(list(rule.ratings or [])),
        "required": rule.required,
        "of_last": rule.of_last,
    }


def improvement_rule_words(rule: ImprovementRule) -> str:
    """E.g. "Quarterly: a total score below 70 or rated D, 2 closed periods in a row"."""
    values = {
        "kind": PeriodKind(rule.period_kind).label,
        "score": plain_text(rule.below_score),
        "ratings": _ratings_words(list(rule.ratings or [])),
        "count": rule.consecutive,
    }
    if rule.below_score is not None and rule.ratings:
        text = _(
            "%(kind)s: a total score below %(score)s or rated %(ratings)s, %(count)s closed periods in a row"
        )
    elif rule.below_score is not None:
        text = _("%(kind)s: a total score below %(score)s, %(count)s closed periods in a row")
    else:
        text = _("%(kind)s: rated %(ratings)s, %(count)s closed periods in a row")
    return text % values


@dataclass(frozen=True)
class PromotionRuleRow:
    rule: PromotionRule
    words: str
    applies_to: str
    candidates: int


@dataclass(frozen=True)
class ImprovementRuleRow:
    rule: ImprovementRule
    words: str


@dataclass(frozen=True)
class RulesPage:
    promotion: list[PromotionRuleRow]
    improvement: list[ImprovementRuleRow]


def rules_page() -> RulesPage:
    """Every rule, active ones first, with how many people each promotion rule put forward."""
    promotion = [
        PromotionRuleRow(
            rule=rule,
            words=promotion_rule_words(rule),
            applies_to=str(Role(rule.role).label) if rule.role else _("Everyone scored"),
            candidates=rule.candidate_count,
        )
        for rule in PromotionRule.objects.annotate(candidate_count=Count("candidates")).order_by(
            "-is_active", "name", "pk"
        )
    ]
    improvement = [
        ImprovementRuleRow(rule=rule, words=improvement_rule_words(rule))
        for rule in ImprovementRule.objects.order_by("-is_active", "pk")
    ]
    return RulesPage(promotion=promotion, improvement=improvement)
