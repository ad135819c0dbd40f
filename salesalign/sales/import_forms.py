"""Forms of the sales imports: the upload, and the column and value mapping on the preview."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from salesalign.core.spreadsheets import MAX_FILE_BYTES, Column
from salesalign.sales import importing, importing_records


class ImportUploadForm(forms.Form):
    """A file to check, what it holds, and the system it comes from (its saved mapping is used)."""

    kind = forms.ChoiceField(
        label=_("What to import"),
        choices=[(kind.slug, kind.label) for kind in importing_records.KINDS.values()],
        required=False,
        widget=forms.HiddenInput,
    )
    file = forms.FileField(
        label=_("File"),
        # An empty file reaches the check, which explains it and keeps it in the history.
        allow_empty_file=True,
        help_text=format_lazy(
            _("XLSX, or CSV saved as UTF-8 or GBK; at most {size} MB."),
            size=MAX_FILE_BYTES // (1024 * 1024),
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt"}),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=importing.SOURCE_MAX_LENGTH,
        required=False,
        initial=importing.DEFAULT_SOURCE,
        help_text=_(
            "A short name of the system the file comes from, e.g. “ERP”. The column mapping you "
            "correct is kept for the next file from the same source."
        ),
    )

    def clean_kind(self) -> str:
        """The kind's name ("sales.customers"); a form without one imports orders."""
        return importing_records.kind_of(self.cleaned_data.get("kind")).kind

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is not None and upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB."),
                params={"size": MAX_FILE_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload


NOT_IN_FILE = "__none__"


class ImportMappingForm(forms.Form):
    """One select per column (the file's headers) and one per unknown value (existing records).

    Built from what the check stored on the batch: its header, the recognised
    positions and the unknown values, for the kind's columns and dimensions.
    """

    def __init__(
        self,
        data: Any = None,
        *,
        header: list[str],
        positions: dict[str, int],
        unknown: dict[str, list[dict[str, Any]]],
        choices: dict[str, list[tuple[int, str]]],
        columns: Sequence[Column] = importing.ORDER_COLUMNS,
        dimensions: Sequence[str] = importing.DIMENSIONS,
    ) -> None:
        super().__init__(data)
        self.columns_of_kind = tuple(columns)
        header_choices = [(NOT_IN_FILE, _("— not in the file —"))] + [
            (text, text) for text in header if text
        ]
        self.column_fields: list[str] = []
        for column in self.columns_of_kind:
            name = f"column__{column.key}"
            index = positions.get(column.key)
            initial = header[index] if index is not None and index < len(header) else NOT_IN_FILE
            self.fields[name] = forms.ChoiceField(
                label=str(column.label),
                choices=header_choices,
                initial=initial,
                required=False,
            )
            self.column_fields.append(name)
        self.value_fields: list[tuple[str, str, dict[str, Any]]] = []
        for dimension in dimensions:
            for index, value in enumerate(unknown.get(dimension, [])):
                name = f"value__{dimension}__{index}"
                self.fields[name] = forms.TypedChoiceField(
                    label=value["raw"],
                    choices=[("", _("— choose —"))]
                    + [(str(pk), label) for pk, label in choices.get(dimension, [])],
                    coerce=int,
                    empty_value=None,
                    required=False,
                )
                self.value_fields.append((name, dimension, value))

    def columns(self) -> dict[str, str]:
        """Column key → the file's header text, or "" for a column the file does not have."""
        mapping = {}
        for column in self.columns_of_kind:
            value = self.cleaned_data.get(f"column__{column.key}") or NOT_IN_FILE
            mapping[column.key] = "" if value == NOT_IN_FILE else value
        return mapping

    def values(self) -> dict[str, dict[str, int]]:
        """Dimension → {the file's value: the id it stands for}, for the values the user chose."""
        mapping: dict[str, dict[str, int]] = {}
        for name, dimension, value in self.value_fields:
            chosen = self.cleaned_data.get(name)
            if chosen is not None:
                mapping.setdefault(dimension, {})[value["key"]] = chosen
        return mapping

    def column_rows(self) -> list[Any]:
        return [self[name] for name in self.column_fields]

    def value_rows(self) -> list[tuple[Any, str, dict[str, Any]]]:
        return [
            (self[name], importing_records.dimension_label(dimension), value)
            for name, dimension, value in self.value_fields
        ]
