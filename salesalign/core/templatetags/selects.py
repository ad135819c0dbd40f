"""`<select … {{ units|searchable }}>`: the mark of a long select that `core/selects.js`
makes searchable (see `core/widgets.py`)."""

from __future__ import annotations

from typing import Any

from django import template

from salesalign.core.widgets import SEARCHABLE, is_long

register = template.Library()


@register.filter
def searchable(choices: Any) -> str:
    """The `data-searchable` attribute when `choices` are more than SEARCHABLE_SELECT_FROM."""
    return SEARCHABLE if is_long(choices) else ""
