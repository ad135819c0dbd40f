"""Forms of the KPI library and of incentive plans: they parse; the services decide."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy, pgettext_lazy

from salesalign.core.choices import Role
from salesalign.core.widgets import DateInput, SearchableSelect
from salesalign.organization.models import OrgUnit
from salesalign.performance.choices import KpiDirection, KpiKind, KpiUnit
from salesalign.performance.forms import SELECT, TEXT, name_en_field, name_field

CUSTOM_KIND_CHOICES = [
    (KpiKind.FORMULA.value, KpiKind.FORMULA.label),
    (KpiKind.RATING.value, KpiKind.RATING.label),
]


class KpiForm(forms.Form):
    """A custom KPI: a formula over metrics, or a rating on a scale."""

    key = forms.SlugField(
        label=gettext_lazy("Key"),
        max_length=40,
        widget=forms.TextInput(attrs=TEXT),
        help_text=gettext_lazy("Letters, digits, - and _; it cannot change once saved."),
    )
    name = name_field()
    name_en = name_en_field()
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=CUSTOM_KIND_CHOICES,
        widget=forms.Select(attrs=SELECT),
    )
    formula = forms.CharField(
        label=gettext_lazy("Formula"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
        help_text=gettext_lazy("For a formula, e.g. gross_profit / revenue * 100"),
    )
    decimals = forms.IntegerField(
        label=gettext_lazy("Decimals"),
        min_value=0,
        max_value=8,
        initial=2,
        widget=forms.NumberInput(attrs={**TEXT, "min": 0, "max": 8}),
    )
    scale_min = forms.DecimalField(
        label=gettext_lazy("Lowest rating"),
        required=False,
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={**TEXT, "step": "0.01"}),
    )
    scale_max = forms.DecimalField(
        label=gettext_lazy("Highest rating"),
        required=False,
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={**TEXT, "step": "0.01"}),
    )
    direction = forms.ChoiceField(
        label=gettext_lazy("Direction"),
        choices=KpiDirection.choices,
        widget=forms.Select(attrs=SELECT),
    )
    unit = forms.ChoiceField(
        label=pgettext_lazy("a unit of measure", "Unit"),
        choices=KpiUnit.choices,
        widget=forms.Select(attrs=SELECT),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


class PlanForm(forms.Form):
    """An incentive plan; its definition is JSON as `engines.incentives` reads it."""

    name = name_field()
    name_en = name_en_field()
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=[("", "—"), *Role.choices],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit"),
        queryset=OrgUnit.objects.order_by("path"),
        required=False,
        widget=SearchableSelect(attrs=SELECT),
        help_text=gettext_lazy("Applies to the people of this unit and the units below it."),
    )
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), widget=DateInput(attrs=TEXT))
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=DateInput(attrs=TEXT),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    definition = forms.CharField(
        label=gettext_lazy("Definition (JSON)"),
        max_length=100_000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 16, "spellcheck": "false"}),
        help_text=gettext_lazy("Components with tiers, threshold, cap, gates and draw."),
    )

    def clean_definition(self) -> Any:
        text = self.cleaned_data["definition"]
        try:
            return json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(
                gettext_lazy("This is not valid JSON (line %(line)s, column %(column)s)."),
                params={
                    "line": getattr(error, "lineno", "?"),
                    "column": getattr(error, "colno", "?"),
                },
            ) from None
