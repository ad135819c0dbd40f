"""Forms of the promotion and improvement pages (they parse; the services decide)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from salesalign.core.widgets import DateInput
from salesalign.organization.widgets import PeopleSelect
from salesalign.performance.choices import CandidateStatus, PlanOutcome

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


class DecisionForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        # Nothing chosen at first: a preselected "promoted" promoted whoever a click on Decide
        # was near.
        choices=[
            ("", "—"),
            (CandidateStatus.PROMOTED, CandidateStatus.PROMOTED.label),
            (CandidateStatus.NOT_NOW, CandidateStatus.NOT_NOW.label),
        ],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


class PlanOpenForm(forms.Form):
    person = forms.TypedChoiceField(
        label=gettext_lazy("Person"), coerce=int, widget=PeopleSelect(attrs=SELECT)
    )
    reason = forms.CharField(
        label=gettext_lazy("Why"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )
    goals = forms.CharField(
        label=gettext_lazy("Goals"),
        max_length=5000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 4}),
    )
    training = forms.CharField(
        label=gettext_lazy("Training to take"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
        help_text=gettext_lazy("Courses, one per line."),
    )
    starts_on = forms.DateField(label=gettext_lazy("Starts"), widget=DateInput(attrs=TEXT))
    review_on = forms.DateField(label=gettext_lazy("Review on"), widget=DateInput(attrs=TEXT))

    def __init__(self, *args: Any, people: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Nobody chosen at first: a plan is opened for someone on purpose.
        self.fields["person"].choices = [("", "—"), *people]  # type: ignore[attr-defined]


class SessionForm(forms.Form):
    """A session held (and not planned beforehand): its date and what was said."""

    held_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput(attrs=TEXT))
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        max_length=5000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
    )


class SessionPlanForm(forms.Form):
    """A session to come: its date and, if already known, what it will cover."""

    prefix = "plan"

    held_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput(attrs=TEXT))
    agenda = forms.CharField(
        label=gettext_lazy("Agenda"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )


class SessionRecordForm(forms.Form):
    """What was said at a planned session, and the day it took place (its planned day unless
    it moved)."""

    held_on = forms.DateField(label=gettext_lazy("Held on"), widget=DateInput(attrs=TEXT))
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        max_length=5000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
    )


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[
            (PlanOutcome.EXTENDED, PlanOutcome.EXTENDED.label),
            (PlanOutcome.COMPLETED, PlanOutcome.COMPLETED.label),
            (PlanOutcome.ENDED, PlanOutcome.ENDED.label),
        ],
        widget=forms.Select(attrs=SELECT),
    )
    review_on = forms.DateField(
        label=gettext_lazy("Next review (when extended)"),
        required=False,
        widget=DateInput(attrs=TEXT),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )
