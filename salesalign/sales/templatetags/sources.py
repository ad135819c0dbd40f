"""`{{ order.source|source_label }}`: where an order or customer comes from, in words."""

from __future__ import annotations

from django import template

from salesalign.sales.choices import source_label as label_of_source

register = template.Library()


@register.filter
def source_label(source: str | None) -> str:
    """A known source in the reader's language ("Entered by hand"), any other as given."""
    return label_of_source(source or "")
