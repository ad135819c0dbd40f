"""The upload form of the org units and people import."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from salesalign.core.spreadsheets import MAX_FILE_BYTES


class ImportUploadForm(forms.Form):
    """A file to check; for a CSV, which table it holds (recognised from the header by default)."""

    TABLE_CHOICES = (
        ("auto", _("Recognise from the header")),
        ("units", _("Units")),
        ("people", _("People")),
    )

    file = forms.FileField(
        label=_("File"),
        # An empty file reaches the import check, which explains it and keeps it in the history.
        allow_empty_file=True,
        help_text=format_lazy(
            _("XLSX, or CSV saved as UTF-8 or GBK; at most {size} MB."),
            size=MAX_FILE_BYTES // (1024 * 1024),
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt"}),
    )
    table = forms.ChoiceField(
        label=_("A CSV file holds"),
        choices=TABLE_CHOICES,
        initial="auto",
        required=False,
        help_text=_("An XLSX workbook is read by its sheets “Units”/“组织” and “People”/“人员”."),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload is not None and upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB."),
                params={"size": MAX_FILE_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload
