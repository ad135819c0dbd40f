"""Forms for the statement of strategy: editions, core values, strategic and tactical goals.

Forms parse and check input; the services write. `service_kwargs()` turns the
cleaned data into the keyword arguments of the matching service.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesalign.core.templatetags.punctuation import parenthesized
from salesalign.core.widgets import DateInput, SearchableSelect
from salesalign.organization.forms import PersonChoiceField
from salesalign.organization.models import OrgUnit, Person
from salesalign.strategy.choices import GoalStatus
from salesalign.strategy.models import StrategicGoal, TacticalGoal
from salesalign.strategy.services.goals import MAX_YEAR, MIN_YEAR


def _limit_years(form: forms.BaseForm, *names: str) -> None:
    """Year fields accept only plausible years (the services check the same range)."""
    for name in names:
        field = form.fields[name]
        field.validators = [
            *field.validators,
            MinValueValidator(MIN_YEAR),
            MaxValueValidator(MAX_YEAR),
        ]
        field.widget.attrs.update({"min": MIN_YEAR, "max": MAX_YEAR})


class BootstrapMixin:
    """Gives every widget the Bootstrap class that fits it."""

    def _style_widgets(self) -> None:
        for bound_field in self.fields.values():  # type: ignore[attr-defined]
            widget = bound_field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class StrategyEditionForm(BootstrapMixin, forms.Form):
    """Year, vision and mission of an edition; on creation, optionally carried over."""

    year = forms.IntegerField(label=_("Year"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    vision = forms.CharField(
        label=_("Vision"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Where the company wants to be."),
    )
    mission = forms.CharField(
        label=_("Mission"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the company does, for whom, and why."),
    )
    copy_from_latest = forms.BooleanField(
        label=_("Start from the latest edition"),
        required=False,
        help_text=_("An empty vision or mission, and the core values, are copied from it."),
    )

    def __init__(self, *args: Any, creating: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not creating:
            del self.fields["copy_from_latest"]
        self._style_widgets()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("copy_from_latest"):
            for name in ("vision", "mission"):
                if name in cleaned and not cleaned[name].strip():
                    self.add_error(name, _("This field is required."))
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs = {"year": data["year"], "vision": data["vision"], "mission": data["mission"]}
        if "copy_from_latest" in self.fields:
            kwargs["copy_from_latest"] = data["copy_from_latest"]
        return kwargs


class CoreValueForm(BootstrapMixin, forms.Form):
    """One core value: a name and a short explanation."""

    name = forms.CharField(label=pgettext_lazy("a core value", "Value"), max_length=100)
    explanation = forms.CharField(
        label=_("Explanation"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style_widgets()

    def service_kwargs(self) -> dict[str, Any]:
        return {"name": self.cleaned_data["name"], "explanation": self.cleaned_data["explanation"]}


class UnitChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    widget = SearchableSelect  # searched when the company has many units

    def label_from_instance(self, obj: Any) -> str:
        return "— " * (obj.depth - 1) + obj.display_name


class StrategicGoalChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        if obj.horizon_year:
            return f"{obj.title}{parenthesized(obj.horizon_year)}"
        return str(obj.title)


class StrategicGoalForm(BootstrapMixin, forms.ModelForm):  # type: ignore[type-arg]
    """A long-term goal: metric, baseline value and year, target value and horizon year, owner."""

    owner = PersonChoiceField(label=_("Owner"), queryset=Person.objects.none(), required=False)

    class Meta:
        model = StrategicGoal
        fields = [
            "title",
            "description",
            "metric",
            "custom_metric_name",
            "unit_of_measure",
            "baseline_value",
            "baseline_year",
            "target_value",
            "horizon_year",
            "owner",
            "status",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "custom_metric_name": _("Only for a custom metric, e.g. “Distributor coverage”."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current_owner = self.instance.owner_id if self.instance.pk else None
        self.fields["owner"].queryset = Person.objects.filter(  # type: ignore[attr-defined]
            Q(is_active=True) | Q(pk=current_owner)
        ).order_by("employee_number")
        _limit_years(self, "baseline_year", "horizon_year")
        self._style_widgets()

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        owner = data.pop("owner", None)
        data["owner_id"] = owner.pk if owner else None
        data["status"] = data.get("status") or GoalStatus.ACTIVE
        return data


class TacticalGoalForm(BootstrapMixin, forms.ModelForm):  # type: ignore[type-arg]
    """A goal for one year: what it serves, metric, target value, deadline and owning unit."""

    strategic_goals = StrategicGoalChoiceField(
        label=_("Serves"),
        queryset=StrategicGoal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The strategic goal(s) this goal serves."),
    )
    owning_unit = UnitChoiceField(
        label=_("Owning unit"), queryset=OrgUnit.objects.none(), required=False
    )

    class Meta:
        model = TacticalGoal
        fields = [
            "title",
            "description",
            "year",
            "strategic_goals",
            "metric",
            "custom_metric_name",
            "unit_of_measure",
            "target_value",
            "deadline",
            "owning_unit",
            "status",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "deadline": DateInput(),
        }
        help_texts = {
            "custom_metric_name": _("Only for a custom metric, e.g. “Distributor coverage”."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        linked = (
            list(self.instance.strategic_goals.values_list("pk", flat=True))
            if self.instance.pk
            else []
        )
        self.fields["strategic_goals"].queryset = StrategicGoal.objects.filter(  # type: ignore[attr-defined]
            ~Q(status=GoalStatus.CANCELLED) | Q(pk__in=linked)
        ).order_by("horizon_year", "pk")
        current_unit = self.instance.owning_unit_id if self.instance.pk else None
        self.fields["owning_unit"].queryset = OrgUnit.objects.filter(  # type: ignore[attr-defined]
            Q(is_active=True) | Q(pk=current_unit)
        ).order_by("path")
        _limit_years(self, "year")
        self._style_widgets()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        year, deadline = cleaned.get("year"), cleaned.get("deadline")
        if year and deadline and deadline.year != year:
            self.add_error(
                "deadline", _("The deadline must fall within %(year)s.") % {"year": year}
            )
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        unit = data.pop("owning_unit", None)
        data["owning_unit_id"] = unit.pk if unit else None
        data["strategic_goal_ids"] = [goal.pk for goal in data.pop("strategic_goals", [])]
        data["status"] = data.get("status") or GoalStatus.ACTIVE
        return data
