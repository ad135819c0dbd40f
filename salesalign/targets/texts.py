"""Words for the engines' codes: how a target was made (allocation steps) and what the
reasonableness checks found, in the reader's language. Pages and the API both use these.

The engines return codes and numbers only; amounts in their parameters are
minor units (cents), shares and rates are fractions of 1. Here they become a
sentence: "Share of sales 12.5 % in 2023, 2024, 2025".
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from salesalign.core.numbers import grouped, percent_text
from salesalign.engines.reasonableness import Finding, FindingCode
from salesalign.targets.choices import TargetMethod
from salesalign.targets.metrics import TargetMetric

STEP_TEXTS: dict[str, Any] = {
    "left_before_year": gettext_lazy("Left on %(left_on)s, before the year: no target."),
    "starts_after_year": gettext_lazy("Starts on %(start_on)s, after the year: no target."),
    "equal_share": gettext_lazy("An equal share among %(count)s."),
    "no_history": gettext_lazy("No sales in %(years)s, so equal shares."),
    "history_share": gettext_lazy(
        "%(share)s of the sales in %(years)s (year weights %(weights)s)."
    ),
    "shrunk_toward_marginals": gettext_lazy(
        "Own share %(observed)s moved toward %(prior)s, the share its row and column totals "
        "suggest; its %(evidence)s orders give it a credibility of %(weight)s."
    ),
    "growth": gettext_lazy("Market change ×%(factor)s for %(value)s."),
    "capacity": gettext_lazy(
        "Capacity: %(headcount)s × %(ramped_months)s months at full speed "
        "(%(active_months)s months at work)."
    ),
    "ramp": gettext_lazy("Hired on %(start_on)s: the first months count %(percents)s %%."),
    "left_during_year": gettext_lazy("Leaves on %(left_on)s: %(active_months)s months at work."),
    "no_capacity": gettext_lazy("Nobody has capacity, so equal shares."),
    "prorated": gettext_lazy("At work %(active_months)s of %(months)s months: weighted by that."),
    "manual": gettext_lazy("Entered by hand: %(amount)s."),
    "no_manual_amount": gettext_lazy("Nothing entered: 0."),
    "blend_part": gettext_lazy("%(method)s, weighted %(weight)s %%:"),
    "share": gettext_lazy("Share of the total: %(share)s."),
    "blended_share": gettext_lazy("Blended, the share of the total: %(share)s."),
    "rounded": gettext_lazy("Rounded by %(delta)s so that the parts add up exactly to the cent."),
    "rounded_to_the_cent": gettext_lazy(
        "Rounded to the cent, so that the parts add up exactly to the total."
    ),
    "rounded_to_whole": gettext_lazy(
        "Rounded by %(delta)s to a whole number, so that the parts add up exactly to the total."
    ),
}

FINDING_TEXTS: dict[FindingCode | tuple[FindingCode, str], Any] = {
    FindingCode.GROWTH_ABOVE_TREND: gettext_lazy(
        "Grows %(target_growth)s on %(base_year)s, %(gap)s points above its own trend "
        "(%(trend_growth)s)."
    ),
    FindingCode.GROWTH_BELOW_TREND: gettext_lazy(
        "Grows %(target_growth)s on %(base_year)s, %(gap)s points below its own trend "
        "(%(trend_growth)s)."
    ),
    FindingCode.TREND_UNKNOWN: gettext_lazy(
        "Too little history to judge the trend (whole years with sales: %(years)s)."
    ),
    FindingCode.GROWTH_ABOVE_MARKET: gettext_lazy(
        "Grows %(target_growth)s, %(gap)s points more than the market change of %(market_growth)s."
    ),
    FindingCode.GROWTH_BELOW_MARKET: gettext_lazy(
        "Grows %(target_growth)s, %(gap)s points less than the market change of %(market_growth)s."
    ),
    # A target below last year's: "Falls 7.2 %", not "Grows -7.2 %".
    (FindingCode.GROWTH_ABOVE_TREND, "falls"): gettext_lazy(
        "Falls %(decline)s on %(base_year)s, %(gap)s points above its own trend (%(trend_growth)s)."
    ),
    (FindingCode.GROWTH_BELOW_TREND, "falls"): gettext_lazy(
        "Falls %(decline)s on %(base_year)s, %(gap)s points below its own trend (%(trend_growth)s)."
    ),
    (FindingCode.GROWTH_ABOVE_MARKET, "falls"): gettext_lazy(
        "Falls %(decline)s, %(gap)s points more than the market change of %(market_growth)s."
    ),
    (FindingCode.GROWTH_BELOW_MARKET, "falls"): gettext_lazy(
        "Falls %(decline)s, %(gap)s points less than the market change of %(market_growth)s."
    ),
    FindingCode.FAR_ABOVE_PEERS: gettext_lazy(
        "%(per_head)s per head, far above the median of %(group_size)s peers (%(median)s)."
    ),
    FindingCode.FAR_BELOW_PEERS: gettext_lazy(
        "%(per_head)s per head, far below the median of %(group_size)s peers (%(median)s)."
    ),
    # A salesperson's target is their own: "per head" says nothing there.
    (FindingCode.FAR_ABOVE_PEERS, "one_head"): gettext_lazy(
        "%(per_head)s, far above the median of %(group_size)s peers (%(median)s)."
    ),
    (FindingCode.FAR_BELOW_PEERS, "one_head"): gettext_lazy(
        "%(per_head)s, far below the median of %(group_size)s peers (%(median)s)."
    ),
    FindingCode.CHILDREN_BELOW_PARENT: gettext_lazy(
        "The targets below add up to %(children)s: %(difference)s still to place."
    ),
    FindingCode.CHILDREN_ABOVE_PARENT: gettext_lazy(
        "The targets below add up to %(children)s: %(difference)s more than this target."
    ),
    FindingCode.LEVEL_DIFFERS_FROM_PARENT: gettext_lazy(
        "Level %(amount)s differs from the %(parent)s above."
    ),
    FindingCode.PERSON_WITHOUT_TARGET: gettext_lazy("%(person)s is active but has no target."),
    FindingCode.GOAL_NOT_COVERED: gettext_lazy("No target serves the tactical goal %(goal)s."),
    FindingCode.TARGET_NO_METRIC: gettext_lazy("Says nothing of what is measured."),
    FindingCode.TARGET_NO_OWNER: gettext_lazy("Belongs to no unit or person."),
    FindingCode.TARGET_NO_AMOUNT: gettext_lazy("Has no number yet."),
    FindingCode.TARGET_NEGATIVE_AMOUNT: gettext_lazy("Is negative."),
    FindingCode.TARGET_NOT_LINKED: gettext_lazy("Serves no tactical goal."),
    FindingCode.TARGET_NO_PERIOD: gettext_lazy("Has no period."),
    FindingCode.TARGET_PERIOD_OUTSIDE_PLAN: gettext_lazy(
        "Is for %(year)s, not for the plan's year %(plan_year)s."
    ),
}

#: Parameters that are amounts in minor units, per code (steps and findings alike).
_AMOUNTS = {
    "manual": ("amount",),
    "rounded": ("delta",),
    FindingCode.CHILDREN_BELOW_PARENT: ("parent", "children", "difference"),
    FindingCode.CHILDREN_ABOVE_PARENT: ("parent", "children", "difference"),
    FindingCode.FAR_ABOVE_PEERS: ("per_head", "median", "mad", "difference"),
    FindingCode.FAR_BELOW_PEERS: ("per_head", "median", "mad", "difference"),
}
#: Parameters that are fractions of 1 shown as percentages.
_SHARES = (
    "share",
    "decline",
    "observed",
    "prior",
    "target_growth",
    "trend_growth",
    "market_growth",
    "difference_rate",
)
#: Findings that say how far a growth is from its trend or market ("gap", in points).
_GAPS = frozenset(
    {
        FindingCode.GROWTH_ABOVE_TREND,
        FindingCode.GROWTH_BELOW_TREND,
        FindingCode.GROWTH_ABOVE_MARKET,
        FindingCode.GROWTH_BELOW_MARKET,
    }
)
#: Parameters that are rates with a sign (growth).
_SIGNED = ("target_growth", "trend_growth", "market_growth")

METHOD_NAMES = dict(TargetMethod.choices)


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def percent(value: Any, *, signed: bool = False) -> str:
    """A fraction of 1 as a percentage: 0.125 → "12.5 %" ("12.5%" in Chinese; with a sign
    for growth)."""
    number = _decimal(value)
    if number is None:
        return str(value)
    scaled = number * 100
    places = 1
    if scaled and abs(scaled) < Decimal("0.05"):
        places = 2  # a change, however small, does not read "+0.0 %"
    rounded = scaled.quantize(Decimal(1).scaleb(-places))
    if scaled and not rounded:
        text = ("-" if scaled < 0 else "") + "<" + number_format(Decimal("0.01"), 2)
    else:
        text = number_format(rounded, places)
    if signed and number > 0:
        text = "+" + text
    return percent_text(text)


def amount_text(value: Any, kind: TargetMetric) -> str:
    """Minor units as a value in the metric's unit, grouped: 123456789 → "1,234,567.89"."""
    number = _decimal(value)
    if number is None:
        return str(value)
    if kind.is_level:
        return number_format(number, kind.decimals)
    value_in_unit = (number / kind.scale).quantize(Decimal(1).scaleb(-kind.decimals))
    return grouped(value_in_unit, kind.decimals)


def _params(
    code: Any, params: Mapping[str, Any], kind: TargetMetric, names: Mapping[Any, str]
) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    amounts = _AMOUNTS.get(code, ())
    for name, value in params.items():
        if name in amounts:
            shown[name] = amount_text(value, kind)
        elif name in _SHARES:
            shown[name] = percent(value, signed=name in _SIGNED)
        elif name == "method":
            shown[name] = METHOD_NAMES.get(str(value), str(value))
        elif name == "value" and (params.get("axis"), value) in names:
            shown[name] = names[(params.get("axis"), value)]
        elif name in ("person", "goal") and (name, value) in names:
            shown[name] = names[(name, value)]
        elif code == FindingCode.LEVEL_DIFFERS_FROM_PARENT:
            shown[name] = amount_text(value, kind)
        else:
            shown[name] = value
    if code in _GAPS:
        # How far from the trend or the market, in percentage points (12.0, not −0.1200).
        # From the two rates as the sentence shows them (to 0.1 %), so that its numbers add
        # up: "+69.6 %, 49.0 points more than +20.6 %", not 48.9 from the unrounded rates.
        expected = params.get("trend_growth", params.get("market_growth"))
        difference = params.get("difference")
        tenth = Decimal("0.1")
        try:
            if expected is not None and "target_growth" in params:
                difference = (Decimal(str(params["target_growth"])) * 100).quantize(tenth) - (
                    Decimal(str(expected)) * 100
                ).quantize(tenth)
            elif difference is not None:
                difference = Decimal(str(difference)) * 100
            if difference is not None:
                shown["gap"] = number_format(abs(Decimal(difference)), 1)
        except (InvalidOperation, KeyError):
            pass
    return shown


def step_text(
    step: Mapping[str, Any], kind: TargetMetric, names: Mapping[Any, str] | None = None
) -> str:
    """One explanation step (`{"code": ..., "params": {...}}`, as stored on a target) in words.

    `names` maps (axis, value) — e.g. ("product_line", 3) or ("child", "p7") — and
    ("person", id) / ("goal", id) to the names shown.
    """
    code = str(step.get("code", ""))
    if code == "rounded":
        # The engine's `delta` is in minor units (4 places): money is always rounded by less
        # than a cent, which is no number a reader can use; a count by less than one.
        delta = Decimal(str((step.get("params") or {}).get("delta", 0)))
        if kind.scale > 1 and abs(delta) < 1:
            return str(STEP_TEXTS["rounded_to_the_cent"])
        if kind.scale == 1:
            signed = ("+" if delta > 0 else "") + number_format(delta, 2)
            return str(STEP_TEXTS["rounded_to_whole"]) % {"delta": signed}
    template = STEP_TEXTS.get(code)
    if template is None:
        return code
    try:
        return str(template) % _params(code, step.get("params") or {}, kind, names or {})
    except (KeyError, TypeError, ValueError):
        return str(template)


def finding_text(
    finding: Finding, kind: TargetMetric, names: Mapping[Any, str] | None = None
) -> str:
    """What a reasonableness check found, in words; `names` names people, goals and values."""
    template = FINDING_TEXTS.get(finding.code)
    params = finding.params
    if params.get("one_head"):
        template = FINDING_TEXTS.get((finding.code, "one_head"), template)
    growth = _decimal(params.get("target_growth"))
    if growth is not None and growth < 0 and (finding.code, "falls") in FINDING_TEXTS:
        template = FINDING_TEXTS[(finding.code, "falls")]
        params = {**params, "decline": -growth}
    if template is None:
        return str(finding.code)
    try:
        return str(template) % _params(finding.code, params, kind, names or {})
    except (KeyError, TypeError, ValueError):
        return str(template)


def severity_label(finding: Finding) -> str:
    return {
        "error": _("Error"),
        "warning": _("Warning"),
        "info": pgettext("finding severity", "Note"),
    }.get(str(finding.severity), str(finding.severity))


def names_for_steps(steps: list[Mapping[str, Any]]) -> dict[Any, str]:
    """The names of the dimension values that growth steps mention (one query per dimension)."""
    from salesalign.targets.history import DIMENSION_MODELS

    wanted: dict[str, set[int]] = {}
    for step in steps:
        params = step.get("params") or {}
        axis = params.get("axis")
        if step.get("code") == "growth" and axis in DIMENSION_MODELS:
            wanted.setdefault(str(axis), set()).add(int(params.get("value", 0)))
    names: dict[Any, str] = {}
    for axis, ids in wanted.items():
        for node in DIMENSION_MODELS[axis].objects.filter(pk__in=ids):
            names[(axis, node.pk)] = node.display_name
    return names
