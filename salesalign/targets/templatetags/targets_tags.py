"""Numbers and words on the targets pages: values in the metric's unit, shares, findings, steps."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import template

from salesalign.core.numbers import grouped
from salesalign.core.templatetags.punctuation import joined
from salesalign.engines.reasonableness import Finding
from salesalign.targets.metrics import TargetMetric, target_metric
from salesalign.targets.selectors.plans import target_label
from salesalign.targets.texts import finding_text, percent, severity_label, step_text

register = template.Library()


def _kind(metric: Any) -> TargetMetric | None:
    if isinstance(metric, TargetMetric):
        return metric
    if metric:
        try:
            return target_metric(str(metric))
        except ValueError:
            return None
    return None


@register.filter
def tvalue(value: Any, metric: Any = None) -> str:
    """A target value in its unit with grouping: 1234567.5 → "1,234,567.50"; None → "–"."""
    if value is None or value == "":
        return "–"
    number = Decimal(str(value))
    kind = _kind(metric)
    places = kind.decimals if kind is not None else 2
    if kind is not None and kind.is_level:
        places = min(places, 2) if number == number.quantize(Decimal("0.01")) else places
    return grouped(number, places)


@register.filter
def tinput(value: Any, metric: Any = None) -> str:
    """A value as an input shows it: grouped as beside it on the page, the metric's places
    ("1,234,567.50"); the services read commas between groups of three back."""
    if value is None or value == "":
        return ""
    kind = _kind(metric)
    places = kind.decimals if kind is not None else 2
    return f"{Decimal(str(value)):,.{places}f}"


@register.filter
def share(value: Any, signed: bool = False) -> str:
    """A fraction of 1 as a percentage: 0.125 → "12.5 %"."""
    if value is None or value == "":
        return "–"
    return percent(value, signed=bool(signed))


@register.simple_tag
def finding_words(finding: Finding, metric: Any, names: Mapping[Any, str] | None = None) -> str:
    """What a reasonableness check found, in the reader's language."""
    kind = _kind(metric)
    assert kind is not None
    return finding_text(finding, kind, names)


@register.filter
def severity(finding: Finding) -> str:
    return severity_label(finding)


@register.filter
def severity_class(finding: Finding) -> str:
    """The Bootstrap colour of a finding's severity."""
    return {"error": "danger", "warning": "warning", "info": "secondary"}.get(
        str(finding.severity), "secondary"
    )


#: Steps whose parameters read better on a page than the engine spells them.
_LISTS = ("years", "weights", "percents")


@register.simple_tag
def step_words(step: Any, metric: Any, names: Mapping[Any, str] | None = None) -> str:
    """One explanation step (an engine `Step` or its stored JSON) in words."""
    kind = _kind(metric)
    assert kind is not None
    data = step.as_json() if hasattr(step, "as_json") else dict(step)
    params = dict(data.get("params") or {})
    for name in _LISTS:
        if isinstance(params.get(name), str):
            params[name] = joined(part.strip() for part in params[name].split(","))
    return step_text({**data, "params": params}, kind, names)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    if mapping is None:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def month_and_year(month: Any) -> str:
    """A yyyymm month with its year as the reader's language writes it: 202603 → "March
    2026", "2026年3月"."""
    import datetime

    from django.utils.formats import date_format

    number = int(month)
    return date_format(datetime.date(number // 100, number % 100, 1), "YEAR_MONTH_FORMAT")


@register.filter
def month_name(month: Any) -> str:
    """A yyyymm month as its short name in the reader's language: 202603 → "Mar"."""
    import datetime

    from django.utils.formats import date_format

    number = int(month)
    return date_format(datetime.date(number // 100, number % 100, 1), "M")


@register.filter
def metric_name(metric: Any) -> str:
    """A metric code as its name: "revenue" → "Revenue"."""
    from salesalign.core.choices import Metric

    try:
        return str(Metric(str(metric)).label)
    except ValueError:
        return str(metric)


@register.filter
def minor(amount: Any, metric: Any = None) -> str:
    """An amount in minor units (cents) as a value in the metric's unit: 12345 → "123.45"."""
    if amount is None or amount == "":
        return "–"
    kind = _kind(metric)
    if kind is None:
        return tvalue(amount)
    return tvalue(kind.from_minor(int(amount)), kind)


@register.filter
def subject(target: Any) -> str:
    """Whose a target is: the person's name, or the unit's."""
    holder = target.person if target.person_id is not None else target.unit
    return holder.display_name if holder is not None else ""


@register.filter
def slice_label(target: Any) -> str:
    """Whose a target is and its slice: "East China · Machine vision"."""
    return target_label(target)
