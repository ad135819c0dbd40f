"""Forms of the organisation app. They parse input; the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesalign.core.choices import Role
from salesalign.core.widgets import DateInput, SearchableSelect
from salesalign.organization.models import OrgUnit, Person
from salesalign.organization.selectors import (
    PERSON_SORTS,
    STATUS_ACTIVE,
    STATUS_ALL,
    STATUS_LEFT,
    dimension_model_or_404,
)
from salesalign.organization.widgets import PeopleSelect


class BootstrapFormMixin:
    """Give every widget the Bootstrap 5 class it needs, and mark invalid fields."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        self._mark_invalid()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        self._mark_invalid()

    def _mark_invalid(self) -> None:
        for name in getattr(self, "_errors", None) or {}:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"


class TreeChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A select over a tree, each entry indented by its depth (searchable when long)."""

    widget = SearchableSelect

    def label_from_instance(self, obj: Any) -> str:
        return "\u2003" * (obj.depth - 1) + f"{obj.display_name} ({obj.code})"


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A select of people, shown as "name (employee number)"; searched when there are many."""

    widget = PeopleSelect

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.employee_number})"


def _model_field(model: Any, name: str, **kwargs: Any) -> Any:
    """The model field's own form field: same label, length and validation."""
    return model._meta.get_field(name).formfield(**kwargs)


class ManagerField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A manager chosen by employee number (a select of every person would not scale)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            queryset=Person.objects.filter(is_active=True),
            to_field_name="employee_number",
            required=False,
            label=_("Manager (employee number)"),
            help_text=_("Leave empty for a unit without a manager."),
            error_messages={"invalid_choice": _("No active person has this employee number.")},
            widget=forms.TextInput(attrs={"autocomplete": "off"}),
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Person):
            return value.employee_number
        return super().prepare_value(value)


class OrgUnitForm(BootstrapFormMixin, forms.Form):
    """Create or change an org unit (and where it hangs in the tree)."""

    code = _model_field(OrgUnit, "code")
    name = _model_field(OrgUnit, "name")
    name_en = _model_field(OrgUnit, "name_en")
    kind = _model_field(OrgUnit, "kind")
    parent = TreeChoiceField(
        queryset=OrgUnit.objects.order_by("path"),
        required=False,
        label=_("Parent unit"),
        empty_label=_("— none (top of the tree) —"),
    )
    manager = ManagerField()
    is_active = _model_field(OrgUnit, "is_active")

    @classmethod
    def initial_for(cls, unit: OrgUnit) -> dict[str, Any]:
        return {
            "code": unit.code,
            "name": unit.name,
            "name_en": unit.name_en,
            "kind": unit.kind,
            "parent": OrgUnit.objects.get_parent(unit),
            "manager": unit.manager,
            "is_active": unit.is_active,
        }


PERSON_FIELDS = (
    "employee_number",
    "name",
    "name_en",
    "email",
    "phone",
    "wecom_id",
    "dingtalk_id",
    "feishu_id",
    "title",
    "level",
    "role",
    "hire_date",
)


class PersonForm(BootstrapFormMixin, forms.Form):
    """Create or change a person's details."""

    employee_number = _model_field(Person, "employee_number")
    name = _model_field(Person, "name")
    name_en = _model_field(Person, "name_en")
    unit = TreeChoiceField(queryset=OrgUnit.objects.order_by("path"), label=_("Unit"))
    title = _model_field(Person, "title")
    level = _model_field(Person, "level")
    role = _model_field(Person, "role")
    hire_date = _model_field(Person, "hire_date", widget=DateInput())
    email = _model_field(Person, "email")
    phone = _model_field(Person, "phone")
    wecom_id = _model_field(Person, "wecom_id")
    dingtalk_id = _model_field(Person, "dingtalk_id")
    feishu_id = _model_field(Person, "feishu_id")

    CONTACT_FIELDS = ("email", "phone", "wecom_id", "dingtalk_id", "feishu_id")

    def position_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.CONTACT_FIELDS]

    def contact_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.CONTACT_FIELDS]

    @classmethod
    def initial_for(cls, person: Person) -> dict[str, Any]:
        initial = {name: getattr(person, name) for name in PERSON_FIELDS}
        initial["unit"] = person.unit_id
        return initial


class PersonLeaveForm(BootstrapFormMixin, forms.Form):
    left_on = forms.DateField(label=_("Left on"), widget=DateInput(), initial=timezone.localdate)


class PersonLoginForm(BootstrapFormMixin, forms.Form):
    """Set a person's login: a username, and a password for a new login or a reset."""

    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Needed for a new login; leave empty to keep the current password. "
            "Tell it to the person, who should change it after logging in."
        ),
    )


class DimensionForm(BootstrapFormMixin, forms.Form):
    """Create or change a product line, region or customer segment."""

    code = forms.CharField(label=_("code"), max_length=40)
    name = forms.CharField(label=_("name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    parent = TreeChoiceField(
        queryset=OrgUnit.objects.none(),
        required=False,
        label=_("Under"),
        empty_label=_("— none (top level) —"),
    )
    description = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model = dimension_model_or_404(kind)
        self.fields["parent"].queryset = model.objects.order_by("path")  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, node: Any) -> dict[str, Any]:
        return {
            "code": node.code,
            "name": node.name,
            "name_en": node.name_en,
            "parent": type(node).objects.get_parent(node),
            "description": node.description,
            "is_active": node.is_active,
        }


STATUS_CHOICES = [
    (STATUS_ACTIVE, _("Active")),
    (STATUS_LEFT, _("Left")),
    (STATUS_ALL, _("All")),
]


class PersonFilterForm(BootstrapFormMixin, forms.Form):
    """The search box and filters of the people list (all optional)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("Name, employee number, email or phone"), "type": "search"}
        ),
    )
    unit = TreeChoiceField(
        queryset=OrgUnit.objects.order_by("path"),
        required=False,
        label=_("Unit (and below)"),
        empty_label=_("All units"),
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=STATUS_CHOICES, initial=STATUS_ACTIVE
    )
    level = forms.ChoiceField(label=_("Level"), required=False)
    title = forms.ChoiceField(label=_("Title"), required=False)
    # Set by the column headers of the list; any other value falls back to the name.
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, key) for key in PERSON_SORTS],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, levels: list[str], titles: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", _("All levels")), *((v, v) for v in levels)]  # type: ignore[attr-defined]
        self.fields["title"].choices = [("", _("All titles")), *((v, v) for v in titles)]  # type: ignore[attr-defined]

    def search_arguments(self) -> dict[str, Any]:
        """The arguments of `selectors.person_search`; invalid filters are ignored, not fatal."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "query": data.get("q") or "",
            "unit": data.get("unit"),
            "role": data.get("role") or "",
            "status": data.get("status") or STATUS_ACTIVE,
            "level": data.get("level") or "",
            "title": data.get("title") or "",
            "sort": data.get("sort") or "name",
        }
