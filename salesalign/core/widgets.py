"""A `<select>` that offers a search box when it is long.

Up to `settings.SEARCHABLE_SELECT_FROM` choices it is a plain `<select>`. Above, it is
marked `data-searchable` and `core/selects.js` turns it into a Tom Select that filters its
own options as one types: a unit picked among a thousand, or a person among two hundred,
by any part of the name or code (a browser's own select only jumps by the first letters,
and a tree's indented labels all start alike). Without JavaScript it stays a plain select.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.forms.models import ModelChoiceIterator

SEARCHABLE = "data-searchable"


def more_than(choices: Iterable[Any], limit: int) -> bool:
    """More than `limit` choices, the empty one not counted (a queryset's are counted in the
    database). A choice is a (value, label) pair, or an object (a unit) in a template."""
    if isinstance(choices, ModelChoiceIterator):
        return bool(choices.queryset.order_by()[limit : limit + 1].exists())
    values = (choice[0] if isinstance(choice, tuple) else choice for choice in choices)
    return sum(1 for value in values if value != "") > limit


def is_long(choices: Iterable[Any]) -> bool:
    """More than `SEARCHABLE_SELECT_FROM` choices: searched in the page."""
    return more_than(choices, settings.SEARCHABLE_SELECT_FROM)


class _Searchable:
    """Marks the select `data-searchable` when its choices are many."""

    choices: Any

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context(name, value, attrs)  # type: ignore[misc]
        if is_long(self.choices):
            context["widget"]["attrs"][SEARCHABLE] = ""
        return context


class SearchableSelect(_Searchable, forms.Select):
    """A select whose long lists of choices are searched in the page."""


class SearchableSelectMultiple(_Searchable, forms.SelectMultiple):
    """A multiple select whose long lists are searched in the page; the chosen ones show as
    tags with a button that removes each."""


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is always ISO (2024-03-05): a date field sends and
    takes nothing else, so a localised format (2024/03/05 in Chinese) would show it empty."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
