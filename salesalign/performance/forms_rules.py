"""Forms of the promotion and improvement rules: they parse; `services.rules` decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from salesalign.core.choices import Role
from salesalign.performance.choices import PeriodKind
from salesalign.performance.forms import SELECT, TEXT, name_en_field, name_field
from salesalign.performance.services.rules import MAX_WINDOW, rating_codes

_COUNT = {**TEXT, "min": 1, "max": MAX_WINDOW, "inputmode": "numeric"}


class _RatingsForm(forms.Form):
    ratings = forms.MultipleChoiceField(
        label=gettext_lazy("Ratings"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    period_kind = forms.ChoiceField(
        label=gettext_lazy("Kind of period"),
        choices=PeriodKind.choices,
        initial=PeriodKind.QUARTERLY,
        widget=forms.Select(attrs=SELECT),
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("Active"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, kept: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The templates' ratings, and any the rule already names (shown, for the service to
        # refuse with its reason, rather than silently dropped).
        codes = rating_codes()
        codes += [code for code in kept or [] if code not in codes]
        ratings = self.fields["ratings"]
        assert isinstance(ratings, forms.MultipleChoiceField)
        ratings.choices = [(code, code) for code in codes]


class PromotionRuleForm(_RatingsForm):
    """E.g. rated S or A in at least 2 of the last 3 closed quarters, for a role or everyone."""

    field_order = ["name", "name_en", "ratings", "required", "of_last", "period_kind", "role"]

    name = name_field()
    name_en = name_en_field()
    required = forms.IntegerField(
        label=gettext_lazy("Periods needed"),
        initial=3,
        widget=forms.NumberInput(attrs=_COUNT),
        help_text=gettext_lazy("How many of the periods looked at must carry one of the ratings."),
    )
    of_last = forms.IntegerField(
        label=gettext_lazy("Out of the last"),
        initial=4,
        widget=forms.NumberInput(attrs=_COUNT),
        help_text=gettext_lazy("How many closed periods, the latest one included, are looked at."),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Applies to"),
        choices=[("", gettext_lazy("Everyone scored")), *Role.choices],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )


class ImprovementRuleForm(_RatingsForm):
    """E.g. a total score below 70, or rated D, in 2 closed quarters in a row."""

    field_order = ["below_score", "ratings", "consecutive", "period_kind"]

    below_score = forms.CharField(
        label=gettext_lazy("Total score below"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "decimal"}),
        help_text=gettext_lazy("Leave empty to flag by ratings only."),
    )
    consecutive = forms.IntegerField(
        label=gettext_lazy("Periods in a row"),
        initial=2,
        widget=forms.NumberInput(attrs=_COUNT),
    )
