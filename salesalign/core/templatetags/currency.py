"""`{% company_currency %}`: the company currency as the reader's language names it."""

from __future__ import annotations

from django import template

from salesalign.core.currency import company_currency_name

register = template.Library()


@register.simple_tag
def company_currency() -> str:
    return company_currency_name()
