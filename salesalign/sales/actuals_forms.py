"""The choices of the actuals page: whose, which metric, which year, by what."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from salesalign.core.choices import Metric
from salesalign.engines.metrics import MetricKey

METRIC_CHOICES = [(key.value, Metric(key.value).label) for key in MetricKey]
PERIOD_CHOICES = [("month", _("By month")), ("quarter", _("By quarter"))]
SPLIT_CHOICES = [
    ("product_line", _("Product line")),
    ("region", _("Region")),
    ("segment", _("Customer segment")),
    ("", _("Member / sub-unit")),
]


class ActualsFilterForm(forms.Form):
    """What the actuals page shows. Units and people are checked by the selector (404 if hidden)."""

    unit = forms.IntegerField(label=_("Unit"), required=False, min_value=1)
    person = forms.IntegerField(label=_("Person"), required=False, min_value=1)
    metric = forms.ChoiceField(label=_("Metric"), choices=METRIC_CHOICES)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    period = forms.ChoiceField(label=_("Periods"), choices=PERIOD_CHOICES)
    split = forms.ChoiceField(label=_("Split by"), choices=SPLIT_CHOICES, required=False)

    def __init__(self, data: Any, *, default_year: int) -> None:
        values = {"metric": MetricKey.REVENUE.value, "year": default_year, "period": "month"}
        values.update({key: value for key, value in data.items() if value != ""})
        if "split" not in data:
            # Product lines first, except for satisfaction, whose answers have none.
            is_satisfaction = values["metric"] == MetricKey.CUSTOMER_SATISFACTION
            values["split"] = "" if is_satisfaction else "product_line"
        super().__init__(values)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("metric") == MetricKey.CUSTOMER_SATISFACTION
            and cleaned.get("split") == "product_line"
        ):
            self.add_error(
                "split", _("Satisfaction answers are about customers, not product lines.")
            )
        return cleaned
