"""Writes of the rules HR sets for step 3's development: who is put forward for promotion
(`PromotionRule`) and who is flagged for an improvement plan (`ImprovementRule`).

Executives, HR and administrators set them. A promotion rule saved while active looks
at the latest closed period of its kind at once, so the candidates it finds appear
without waiting for the next close; improvement flags are worked out when read
(`selectors.development.improvement_flags`), so a changed rule shows at once anyway.
Every write is audited (both models are registered with auditlog).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from salesalign.core.choices import Role
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.numbers import typed_decimal
from salesalign.engines import scoring
from salesalign.performance.choices import CLOSED_STATUSES, PeriodKind
from salesalign.performance.models import (
    EvaluationPeriod,
    ImprovementRule,
    PromotionCandidate,
    PromotionRule,
    ScorecardTemplate,
)
from salesalign.performance.selectors.access import can_manage_periods
from salesalign.performance.services.common import clean_text
from salesalign.performance.services.development import promotion_candidates_refresh

#: The most periods a rule may look back over (two years of months).
MAX_WINDOW = 24
#: The highest total score a threshold may name (caps rarely pass 200).
MAX_SCORE = Decimal(1000)


def can_edit_rules(user: Any) -> bool:
    """Executives, HR and administrators set the promotion and improvement rules."""
    return can_manage_periods(user)


def require_rules_editor(actor: Any) -> None:
    if not can_edit_rules(actor):
        raise NotAllowed(
            _("Only executives, HR and administrators set promotion and improvement rules.")
        )


def rating_codes() -> list[str]:
    """The ratings the scorecard templates give, best first (the default bands without any)."""
    codes: list[str] = []
    for bands in ScorecardTemplate.objects.order_by("-is_active", "name", "pk").values_list(
        "rating_bands", flat=True
    ):
        for band in bands or []:
            code = str(band.get("code", "")) if isinstance(band, dict) else ""
            if code and code not in codes:
                codes.append(code)
    return codes or [band.code for band in scoring.DEFAULT_RATING_BANDS]


def _ratings(values: Any, *, field: str, required: bool) -> list[str]:
    if values is None:
        values = []
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise DomainError(_("Choose the ratings from the list."), field=field)
    known = rating_codes()
    chosen = {str(value).strip() for value in values if str(value).strip()}
    for code in sorted(chosen):
        if code not in known:
            raise DomainError(
                _("“%(code)s” is not a rating any scorecard template gives (%(known)s).")
                % {"code": code, "known": " / ".join(known)},
                field=field,
            )
    if required and not chosen:
        raise DomainError(_("Choose at least one rating."), field=field)
    return [code for code in known if code in chosen]


def _count(value: Any, *, field: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise DomainError(_("Give a whole number."), field=field) from None
    if not low <= value <= MAX_WINDOW:
        raise DomainError(
            _("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": MAX_WINDOW},
            field=field,
        )
    return value


def _period_kind(value: Any) -> str:
    if value not in PeriodKind.values:
        raise DomainError(_("Choose monthly, quarterly or annual periods."), field="period_kind")
    return str(value)


def latest_closed_period(kind: str) -> EvaluationPeriod | None:
    return (
        EvaluationPeriod.objects.filter(kind=kind, status__in=CLOSED_STATUSES)
        .order_by("-start")
        .first()
    )


@transaction.atomic
def promotion_rule_save(
    *,
    actor: Any,
    name: str,
    ratings: Any,
    required: Any,
    of_last: Any,
    period_kind: str = PeriodKind.QUARTERLY,
    role: str = "",
    name_en: str = "",
    is_active: bool = True,
    rule: PromotionRule | None = None,
) -> tuple[PromotionRule, int]:
    """Create or change a promotion rule; (the rule, how many people it put forward now).

    "Rated S or A in at least `required` of the last `of_last` closed periods of a kind",
    for one role or for everyone scored. Saved active, it looks at the latest closed
    period of its kind at once (people already put forward stay as they are)."""
    require_rules_editor(actor)
    name = clean_text(name, field="name", max_length=200)
    if not name:
        raise DomainError(_("Give the rule a name."), field="name")
    codes = _ratings(ratings, field="ratings", required=True)
    needed = _count(required, field="required")
    window = _count(of_last, field="of_last")
    if window < needed:
        raise DomainError(
            _("Look at no fewer periods than the %(count)s it needs.") % {"count": needed},
            field="of_last",
        )
    if role and role not in Role.values:
        raise DomainError(_("Choose a role."), field="role")
    if rule is None:
        rule = PromotionRule()
    else:
        rule = PromotionRule.objects.select_for_update().get(pk=rule.pk)
    rule.name = name
    rule.name_en = clean_text(name_en, field="name_en", max_length=200)
    rule.ratings = codes
    rule.required = needed
    rule.of_last = window
    rule.period_kind = _period_kind(period_kind)
    rule.role = role
    rule.is_active = bool(is_active)
    rule.save()
    put_forward = 0
    latest = latest_closed_period(rule.period_kind) if rule.is_active else None
    if latest is not None:
        put_forward = sum(
            1
            for candidate in promotion_candidates_refresh(period=latest)
            if candidate.rule_id == rule.pk
        )
    return rule, put_forward


@transaction.atomic
def promotion_rule_delete(*, actor: Any, rule: PromotionRule) -> None:
    """Delete a rule that has put nobody forward (one that has is switched off instead)."""
    require_rules_editor(actor)
    if PromotionCandidate.objects.filter(rule=rule).exists():
        raise DomainError(
            _("People were put forward under this rule; switch it off instead of deleting it."),
            field="is_active",
        )
    rule.delete()


def _score(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = typed_decimal(str(value))
    except ValueError:
        raise DomainError(_("Give a number, e.g. 70."), field="below_score") from None
    if not Decimal(0) < number <= MAX_SCORE:
        raise DomainError(
            _("Give a score above 0 and at most %(max)s.") % {"max": MAX_SCORE},
            field="below_score",
        )
    if number != number.quantize(Decimal("0.01")):
        raise DomainError(_("A score has at most two decimals."), field="below_score")
    return number


@transaction.atomic
def improvement_rule_save(
    *,
    actor: Any,
    below_score: Any = None,
    ratings: Any = None,
    consecutive: Any = 2,
    period_kind: str = PeriodKind.QUARTERLY,
    is_active: bool = True,
    rule: ImprovementRule | None = None,
) -> ImprovementRule:
    """Create or change an improvement rule: a total score below `below_score`, or one of
    `ratings`, in `consecutive` closed periods of a kind in a row flags the person."""
    require_rules_editor(actor)
    score = _score(below_score)
    codes = _ratings(ratings, field="ratings", required=False)
    if score is None and not codes:
        raise DomainError(
            _("Give a score to stay above, ratings that flag, or both."), field="below_score"
        )
    if rule is None:
        rule = ImprovementRule()
    else:
        rule = ImprovementRule.objects.select_for_update().get(pk=rule.pk)
    rule.below_score = score
    rule.ratings = codes
    rule.consecutive = _count(consecutive, field="consecutive")
    rule.period_kind = _period_kind(period_kind)
    rule.is_active = bool(is_active)
    rule.save()
    return rule


@transaction.atomic
def improvement_rule_delete(*, actor: Any, rule: ImprovementRule) -> None:
    """Delete an improvement rule (plans opened on its flags stay: they do not point to it)."""
    require_rules_editor(actor)
    rule.delete()
