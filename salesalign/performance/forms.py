"""Forms of the performance pages: they parse what was typed; the services decide what is allowed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from salesalign.core.widgets import SEARCHABLE, DateInput
from salesalign.organization.widgets import PeopleSelect, PeopleSelectMultiple
from salesalign.performance.choices import INVITED_RELATIONSHIPS, PeriodKind

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
RATING_CHOICES = [(str(value), str(value)) for value in range(1, 6)]


def name_field() -> forms.CharField:
    """A record's name in the company's working language (`BilingualNameModel.name`)."""
    return forms.CharField(
        label=gettext_lazy("Name (Chinese)"), max_length=200, widget=forms.TextInput(attrs=TEXT)
    )


def name_en_field() -> forms.CharField:
    """Its optional English name (`BilingualNameModel.name_en`)."""
    return forms.CharField(
        label=gettext_lazy("Name (English)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )


class PeriodOpenForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=PeriodKind.choices, widget=forms.Select(attrs=SELECT)
    )
    fiscal_year = forms.IntegerField(
        label=gettext_lazy("Fiscal year"),
        widget=forms.NumberInput(attrs={**TEXT, "min": 1990, "max": 2200}),
    )
    number = forms.IntegerField(
        label=gettext_lazy("Quarter or month"),
        required=False,
        widget=forms.NumberInput(attrs={**TEXT, "min": 1, "max": 12}),
        help_text=gettext_lazy("Quarter 1–4 of the fiscal year, or calendar month 1–12."),
    )


class PeriodReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is the period reopened?"),
        max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )


class FeedbackForm(forms.Form):
    """Manager feedback or a self-assessment; the "submit" button sends it, "save" keeps a draft."""

    rating = forms.TypedChoiceField(
        label=gettext_lazy("Overall rating"),
        choices=[("", "—"), *RATING_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs=SELECT),
        help_text=gettext_lazy("1 (poor) to 5 (excellent)"),
    )
    went_well = forms.CharField(
        label=gettext_lazy("What went well"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
    )
    to_improve = forms.CharField(
        label=gettext_lazy("What to improve"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
    )


class RoundOpenForm(forms.Form):
    person = forms.TypedChoiceField(
        label=gettext_lazy("About"), coerce=int, widget=PeopleSelect(attrs=SELECT)
    )
    period = forms.TypedChoiceField(
        label=gettext_lazy("Period"), coerce=int, widget=forms.Select(attrs=SELECT)
    )
    questions = forms.CharField(
        label=gettext_lazy("Rating questions (one per line, answered 1–5)"),
        max_length=4000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 5}),
    )

    def __init__(
        self,
        *args: Any,
        people: Sequence[tuple[int, str]] = (),
        periods: Sequence[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Nobody chosen at first: a round is opened about someone on purpose.
        self.fields["person"].choices = [("", "—"), *people]  # type: ignore[attr-defined]
        self.fields["period"].choices = list(periods)  # type: ignore[attr-defined]

    def question_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["questions"].splitlines()]


class RespondentsField(forms.TypedMultipleChoiceField):
    """People chosen by id. It offers the people its choices list, but takes any id: whether
    that person may be invited (as that, now) is the service's to say, with their name."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, required=False, **kwargs)

    def valid_value(self, value: Any) -> bool:
        text = str(value)
        return text.isdigit() and len(text) < 12


class InviteForm(forms.Form):
    """Several respondents at once, one list per relationship; each list offers only those
    who may be invited as such. Nobody is chosen at first."""

    def __init__(
        self,
        *args: Any,
        groups: Mapping[str, Sequence[tuple[int, str]]] | None = None,
        search_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for relationship in INVITED_RELATIONSHIPS:
            choices = list((groups or {}).get(relationship, []))
            # Always searched, with each chosen person a tag: a plain multiple select needs
            # Ctrl-click, and one stray click unselects everyone. A long list (the other
            # departments of a large company) is searched on the server, at `search_url`.
            attrs = {**SELECT, SEARCHABLE: ""}
            self.fields[str(relationship)] = RespondentsField(
                label=relationship.label,
                choices=choices,
                widget=PeopleSelectMultiple(
                    attrs=attrs,
                    search_url=f"{search_url}?relationship={relationship}" if search_url else None,
                ),
                help_text="" if choices else gettext_lazy("Nobody left to invite as such."),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not any(cleaned.get(str(item)) for item in INVITED_RELATIONSHIPS):
            raise forms.ValidationError(gettext_lazy("Choose at least one person to invite."))
        return cleaned

    def chosen_ids(self) -> dict[str, list[int]]:
        """The ids chosen under each relationship, in the order chosen."""
        return {
            str(item): list(self.cleaned_data.get(str(item)) or [])
            for item in INVITED_RELATIONSHIPS
        }


class AnswerForm(forms.Form):
    """A score 1–5 for each question of the round, and an optional comment."""

    comment = forms.CharField(
        label=gettext_lazy(
            "Comment (shown without your name, only with at least two other answers)"
        ),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
    )

    def __init__(self, *args: Any, questions: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.question_fields: list[tuple[Any, str]] = []
        for question in questions:
            name = f"question_{question.pk}"
            self.fields[name] = forms.TypedChoiceField(
                label=question.text,
                choices=RATING_CHOICES,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
            self.question_fields.append((question, name))
        self.order_fields([name for _question, name in self.question_fields] + ["comment"])

    def scores(self) -> dict[int, int]:
        return {question.pk: self.cleaned_data[name] for question, name in self.question_fields}


class ActionForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Improvement action"), max_length=300, widget=forms.TextInput(attrs=TEXT)
    )
    owner = forms.TypedChoiceField(
        label=gettext_lazy("Owner"), coerce=int, widget=forms.Select(attrs=SELECT)
    )
    due_on = forms.DateField(label=gettext_lazy("Due"), widget=DateInput(attrs=TEXT))

    def __init__(self, *args: Any, owners: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = list(owners)  # type: ignore[attr-defined]


class RetrospectiveForm(forms.Form):
    what_worked = forms.CharField(
        label=gettext_lazy("What worked"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 4}),
    )
    what_did_not = forms.CharField(
        label=gettext_lazy("What did not work"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 4}),
    )


class RetrospectiveStartForm(forms.Form):
    """Pick a unit and a closed quarter to write (or read) its retrospective."""

    unit = forms.TypedChoiceField(
        label=gettext_lazy("Unit"), coerce=int, widget=forms.Select(attrs=SELECT)
    )
    period = forms.TypedChoiceField(
        label=gettext_lazy("Quarter"), coerce=int, widget=forms.Select(attrs=SELECT)
    )

    def __init__(
        self,
        *args: Any,
        units: Sequence[tuple[int, str]] = (),
        periods: Sequence[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = list(units)  # type: ignore[attr-defined]
        self.fields["period"].choices = list(periods)  # type: ignore[attr-defined]
