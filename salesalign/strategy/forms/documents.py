"""Forms for strategy documents: writing a draft, attaching a file, confirming, asking, answering."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from salesalign.core.widgets import SearchableSelectMultiple
from salesalign.organization.models import OrgUnit
from salesalign.strategy.choices import DocumentKind, QuestionKind
from salesalign.strategy.models import StrategyDocument, StrategyEdition
from salesalign.strategy.services.documents import ATTACHMENT_MAX_BYTES, MAX_TEXT_LENGTH


class UnitChoiceField(forms.ModelMultipleChoiceField):
    """Org units shown as an indented tree."""

    def label_from_instance(self, obj: Any) -> str:
        return "\u3000" * (obj.depth - 1) + obj.display_name


class StrategyDocumentForm(forms.ModelForm):
    """A draft document or announcement; saved through `document_create` / `document_update`."""

    audience_units = UnitChoiceField(
        label=_("Units"),
        queryset=OrgUnit.objects.filter(is_active=True).order_by("path"),
        required=False,
        help_text=_("Each unit includes the units below it. Used when “whole company” is off."),
        widget=SearchableSelectMultiple(attrs={"class": "form-select", "size": 10}),
    )
    edition = forms.ModelChoiceField(
        label=_("Strategy edition"),
        queryset=StrategyEdition.objects.order_by("-year"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    class Meta:
        model = StrategyDocument
        fields = [
            "kind",
            "title",
            "body",
            "edition",
            "audience_all",
            "audience_units",
            "requires_confirmation",
        ]
        widgets = {
            "kind": forms.Select(attrs={"class": "form-select"}),
            "title": forms.TextInput(attrs={"class": "form-control"}),
            "body": forms.Textarea(attrs={"class": "form-control", "rows": 14}),
            "audience_all": forms.CheckboxInput(attrs={"class": "form-check-input"}),
            "requires_confirmation": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }
        help_texts = {
            "requires_confirmation": _(
                "Each reader is asked to confirm “I have read and understood”."
            ),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("audience_all") and not cleaned.get("audience_units"):
            self.add_error(
                "audience_units",
                _("Choose the units this is for, or send it to the whole company."),
            )
        elif cleaned.get("audience_all") and cleaned.get("audience_units"):
            # Silently dropping the chosen units would send a team memo to everyone.
            self.add_error(
                "audience_units",
                _("Untick “whole company” to send it to these units only, or clear the units."),
            )
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned fields as keyword arguments of `document_create` / `document_update`."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "kind": data["kind"],
            "edition": data.get("edition"),
            "audience_all": bool(data.get("audience_all")),
            "audience_units": list(data.get("audience_units") or []),
            "requires_confirmation": bool(data.get("requires_confirmation")),
        }


class DocumentAttachmentForm(forms.Form):
    """One file to attach to a draft."""

    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Formatted per request: formatted once at import, it stayed in the import's language.
        self.fields["file"].help_text = _(
            "Up to %(limit)s MB. Programs and scripts are refused."
        ) % {"limit": ATTACHMENT_MAX_BYTES // (1024 * 1024)}


class DocumentConfirmationForm(forms.Form):
    """“I have read and understood”, with an optional question or foreseen challenge."""

    question_kind = forms.ChoiceField(
        label=_("Kind"),
        choices=QuestionKind.choices,
        initial=QuestionKind.QUESTION,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    question_text = forms.CharField(
        label=_("A question, or a challenge you foresee (optional)"),
        required=False,
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )


class DocumentQuestionForm(forms.Form):
    """A question or foreseen challenge, asked without (or after) confirming."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=QuestionKind.choices,
        initial=QuestionKind.QUESTION,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    text = forms.CharField(
        label=_("Your question or challenge"),
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )


class QuestionAnswerForm(forms.Form):
    """A manager's answer to a reader's question."""

    answer = forms.CharField(
        label=_("Answer"),
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )


class DocumentFilterForm(forms.Form):
    """The filter of the document list."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All kinds")), *DocumentKind.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    earlier = forms.BooleanField(
        label=_("Earlier versions too"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
