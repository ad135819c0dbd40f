"""Forms of the targets pages: they parse what was typed; the services decide what is allowed.

Numbers of targets stay text here so that the service that writes them gives
its one message for a bad number ("“abc” is not a number", "A target cannot be
negative") on the field at fault. The allocation form checks its parameters
itself, so that each wrong one is named in the reader's language before the
engine sees it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesalign.core.choices import Metric
from salesalign.core.currency import company_currency_name
from salesalign.engines.allocation import DEFAULT_RAMP
from salesalign.strategy.models import TacticalGoal
from salesalign.targets.choices import TargetMethod
from salesalign.targets.metrics import target_metric
from salesalign.targets.selectors.pages import WizardChoices
from salesalign.targets.services.allocation import AllocationParams, GrowthFactor

TEXT = {"class": "form-control"}
SMALL_TEXT = {"class": "form-control form-control-sm"}


class PlanCreateForm(forms.Form):
    fiscal_year = forms.IntegerField(
        label=gettext_lazy("Fiscal year"),
        widget=forms.NumberInput(attrs={**TEXT, "min": 1990, "max": 2200}),
    )


class ReplanForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do the approved targets change?"),
        max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )


class CompanyTargetForm(forms.Form):
    """The company's target for a metric, linked to the tactical goal it serves."""

    metric = forms.ChoiceField(
        label=gettext_lazy("Metric"),
        choices=Metric.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    custom_metric_name = forms.CharField(
        label=gettext_lazy("Custom metric"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs=TEXT),
    )
    value = forms.CharField(
        label=gettext_lazy("Target for the year"),
        max_length=40,
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "decimal"}),
    )
    tactical_goal = forms.TypedChoiceField(
        label=gettext_lazy("Serves the tactical goal"),
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, goals: Sequence[TacticalGoal] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["value"].help_text = _(
            "In %(currency)s for money, a count for customers, a score for levels."
        ) % {"currency": company_currency_name()}
        self.fields["tactical_goal"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (goal.pk, goal.title) for goal in goals
        ]


class AnswerForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs=SMALL_TEXT),
    )


class CounterForm(forms.Form):
    value = forms.CharField(
        label=gettext_lazy("Your number"),
        max_length=40,
        widget=forms.TextInput(attrs={**SMALL_TEXT, "inputmode": "decimal"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={**SMALL_TEXT, "rows": 2}),
    )


class ResolveForm(forms.Form):
    value = forms.CharField(
        label=gettext_lazy("Agreed number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={
                **SMALL_TEXT,
                "inputmode": "decimal",
                "placeholder": gettext_lazy("Agreed number"),
                "aria-label": gettext_lazy("Agreed number"),
            }
        ),
        help_text=gettext_lazy("Empty: the counter-proposal's number, or the proposed one."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(
            attrs={
                **SMALL_TEXT,
                "placeholder": gettext_lazy("Note"),
                "aria-label": gettext_lazy("Note"),
            }
        ),
    )


class PublishForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Message to the recipients"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**SMALL_TEXT, "rows": 2}),
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=2000,
        widget=forms.Textarea(attrs={**SMALL_TEXT, "rows": 2}),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("XLSX file"),
        widget=forms.ClearableFileInput(attrs={**TEXT, "accept": ".xlsx"}),
    )


# --- the allocation wizard --------------------------------------------------------------------

AXIS_CHOICES = [
    ("child", gettext_lazy("Units and salespeople below")),
    ("product_line", gettext_lazy("Product line")),
    ("region", gettext_lazy("Region")),
    ("segment", gettext_lazy("Customer segment")),
]
METHOD_CHOICES = [
    (method.value, method.label)
    for method in (
        TargetMethod.EQUAL,
        TargetMethod.HISTORY,
        TargetMethod.HISTORY_MARKET,
        TargetMethod.CAPACITY,
        TargetMethod.MANUAL,
        TargetMethod.BLEND,
    )
]
BLEND_METHODS = (
    TargetMethod.HISTORY,
    TargetMethod.HISTORY_MARKET,
    TargetMethod.CAPACITY,
    TargetMethod.EQUAL,
)
GROWTH_PREFIX = "growth__"
MANUAL_PREFIX = "manual__"


def _decimal(text: Any) -> Decimal | None:
    try:
        number = Decimal(str(text).replace(",", "").replace("%", "").strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _numbers(text: str) -> list[Decimal | None]:
    parts = [part for part in text.replace("，", ",").replace(";", ",").split(",")]
    return [_decimal(part) for part in parts if part.strip()]


class AllocationForm(forms.Form):
    """The axes, the method and its inputs; market changes and manual numbers come as extra
    fields named `growth__<axis>__<value>` (percent) and `manual__<key>`."""

    axes = forms.MultipleChoiceField(
        label=gettext_lazy("Split along"),
        choices=AXIS_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=["child"],
    )
    method = forms.ChoiceField(
        label=gettext_lazy("Method"),
        choices=METHOD_CHOICES,
        initial=TargetMethod.HISTORY,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    history_years = forms.IntegerField(
        label=gettext_lazy("Years of history"),
        min_value=1,
        max_value=10,
        initial=3,
        widget=forms.NumberInput(attrs={**TEXT, "min": 1, "max": 10}),
    )
    year_weights = forms.CharField(
        label=gettext_lazy("Year weights, oldest first"),
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": "1, 2, 3"}),
        help_text=gettext_lazy("Empty: 1, 2, 3 … (recent years count more)."),
    )
    prior_strength = forms.DecimalField(
        label=gettext_lazy("Orders a thin cell needs to keep its own share"),
        min_value=Decimal(0),
        initial=Decimal(10),
        widget=forms.NumberInput(attrs={**TEXT, "step": "any"}),
    )
    ramp = forms.CharField(
        label=gettext_lazy("Ramp of new hires, percent of the first months"),
        required=False,
        initial=", ".join(str(percent) for percent in DEFAULT_RAMP),
        widget=forms.TextInput(attrs=TEXT),
    )
    blend_history = forms.DecimalField(
        label=TargetMethod.HISTORY.label,
        required=False,
        widget=forms.NumberInput(attrs={**SMALL_TEXT, "step": "any"}),
    )
    blend_history_market = forms.DecimalField(
        label=TargetMethod.HISTORY_MARKET.label,
        required=False,
        widget=forms.NumberInput(attrs={**SMALL_TEXT, "step": "any"}),
    )
    blend_capacity = forms.DecimalField(
        label=TargetMethod.CAPACITY.label,
        required=False,
        widget=forms.NumberInput(attrs={**SMALL_TEXT, "step": "any"}),
    )
    blend_equal = forms.DecimalField(
        label=TargetMethod.EQUAL.label,
        required=False,
        widget=forms.NumberInput(attrs={**SMALL_TEXT, "step": "any"}),
    )

    def __init__(
        self,
        *args: Any,
        choices: WizardChoices,
        growth_initial: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.choices = choices
        # Unbound, the market changes start as `growth_initial` (the ones assumed above).
        raw: Mapping[str, Any] = self.data if self.is_bound else (growth_initial or {})
        self.growth_errors: set[str] = set()
        self.growth_raw = {
            name: str(raw.get(name, "")).strip()
            for name in raw
            if name.startswith(GROWTH_PREFIX) and str(raw.get(name, "")).strip()
        }
        self.manual_raw = {
            name[len(MANUAL_PREFIX) :]: str(raw.get(name, "")).strip()
            for name in raw
            if name.startswith(MANUAL_PREFIX) and str(raw.get(name, "")).strip()
        }

    def growth_sections(self) -> list[dict[str, Any]]:
        """The market-change inputs, one section per axis, with what was typed."""
        sections = []
        named = [("child", _("Units and salespeople below"), self.choices.children)]
        named += [
            ("product_line", _("Product line"), self.choices.dimensions.get("product_line", [])),
            ("region", _("Region"), self.choices.dimensions.get("region", [])),
            ("segment", _("Customer segment"), self.choices.dimensions.get("segment", [])),
        ]
        for axis, title, values in named:
            if not values:
                continue
            sections.append(
                {
                    "axis": axis,
                    "title": title,
                    "rows": [
                        {
                            "name": f"{GROWTH_PREFIX}{axis}__{choice.value}",
                            "label": choice.label,
                            "value": self.growth_raw.get(
                                f"{GROWTH_PREFIX}{axis}__{choice.value}", ""
                            ),
                            "invalid": f"{GROWTH_PREFIX}{axis}__{choice.value}"
                            in self.growth_errors,
                        }
                        for choice in values
                    ],
                }
            )
        return sections

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        years = data.get("history_years")
        weights_text = data.get("year_weights") or ""
        data["year_weights_values"] = None
        if weights_text.strip():
            weights = _numbers(weights_text)
            if any(weight is None or weight < 0 for weight in weights):
                self.add_error("year_weights", _("Give each year's weight as a number ≥ 0."))
            elif years is not None and len(weights) != years:
                self.add_error(
                    "year_weights",
                    _("Give %(years)s year weights, one per year of history, not %(count)s.")
                    % {"years": years, "count": len(weights)},
                )
            elif not any(weight for weight in weights if weight is not None):
                self.add_error("year_weights", _("At least one year weight must be above 0."))
            else:
                data["year_weights_values"] = tuple(w for w in weights if w is not None)
        ramp_text = data.get("ramp") or ""
        ramp = _numbers(ramp_text) if ramp_text.strip() else list(DEFAULT_RAMP)
        if any(percent is None or not 0 <= percent <= 100 for percent in ramp):
            self.add_error("ramp", _("Give each month of the ramp as a percentage from 0 to 100."))
        else:
            data["ramp_values"] = tuple(percent for percent in ramp if percent is not None)
        data["blend_values"] = {}
        if data.get("method") == TargetMethod.BLEND:
            blend: dict[str, Decimal] = {
                str(method): data[f"blend_{method}"]
                for method in BLEND_METHODS
                if data.get(f"blend_{method}") is not None
            }
            if any(weight < 0 for weight in blend.values()):
                self.add_error(None, _("A blend weight cannot be negative."))
            elif sum(blend.values(), Decimal(0)) != 100:
                self.add_error(
                    None,
                    _("The blend weights total %(total)s %%, not 100 %%.")
                    % {"total": sum(blend.values(), Decimal(0))},
                )
            else:
                data["blend_values"] = {
                    method: weight for method, weight in blend.items() if weight
                }
        data["growth_values"] = self._growth(data.get("axes") or [])
        data["manual_values"] = dict(self.manual_raw)
        return data

    def _growth(self, axes: Sequence[str]) -> tuple[GrowthFactor, ...]:
        labels = {
            row["name"]: row["label"]
            for section in self.growth_sections()
            for row in section["rows"]
        }
        factors = []
        for name, text in sorted(self.growth_raw.items()):
            parts = name[len(GROWTH_PREFIX) :].split("__", 1)
            if len(parts) != 2:
                continue
            axis, value = parts
            if axis not in axes:
                continue  # a market change counts only along the axes split along
            change = _decimal(text)
            if change is None or change < -100:
                self.growth_errors.add(name)  # the box is marked, and its section open
                self.add_error(
                    None,
                    (
                        _("The market change for %(name)s is not a number: “%(text)s”.")
                        if change is None
                        else _(
                            "The market change for %(name)s must be a percentage of at least −100."
                        )
                    )
                    % {"name": labels.get(name, value), "text": text},
                )
                continue
            factors.append(
                GrowthFactor(
                    axis=axis,
                    value=value if axis == "child" else int(value) if value.isdigit() else value,
                    factor=(1 + change / 100),
                )
            )
        return tuple(factors)

    def params(self) -> AllocationParams:
        """The cleaned inputs as the allocation service takes them."""
        data = self.cleaned_data
        return AllocationParams(
            history_years=data["history_years"],
            year_weights=data.get("year_weights_values"),
            prior_strength=data["prior_strength"],
            growth_factors=data.get("growth_values", ()),
            ramp=data.get("ramp_values", DEFAULT_RAMP),
            blend=data.get("blend_values", {}),
            manual_amounts=data.get("manual_values", {}),
        )


class SeasonalityForm(forms.Form):
    """Twelve monthly percentages in fiscal order, for all metrics or one, optionally one product line.

    The months stay text: the service names the month whose weight is not a
    number or is negative, and says what the twelve total when it is not 100 %.
    """

    metric = forms.ChoiceField(
        label=gettext_lazy("Metric"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    product_line = forms.TypedChoiceField(
        label=gettext_lazy("Product line"),
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(
        self,
        *args: Any,
        month_labels: Sequence[str] = (),
        product_lines: Sequence[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [("", _("Every metric"))] + [  # type: ignore[attr-defined]
            (value, label) for value, label in Metric.choices if not target_metric(value).is_level
        ]
        self.fields["product_line"].choices = [  # type: ignore[attr-defined]
            ("", _("Every product line")),
            *product_lines,
        ]
        for position, label in enumerate(month_labels, start=1):
            self.fields[f"month_{position}"] = forms.CharField(
                label=label,
                required=False,
                max_length=20,
                widget=forms.TextInput(attrs={**SMALL_TEXT, "inputmode": "decimal", "size": 5}),
            )
        self.month_count = len(month_labels)

    def month_fields(self) -> list[forms.BoundField]:
        return [self[f"month_{position}"] for position in range(1, self.month_count + 1)]

    def percentages(self) -> list[str]:
        """The twelve entries as typed (an empty one counts as 0 %)."""
        return [
            (self.cleaned_data.get(f"month_{position}") or "0").strip() or "0"
            for position in range(1, self.month_count + 1)
        ]
