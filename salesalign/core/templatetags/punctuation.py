"""Punctuation that differs between the page's languages: a built-in template library.

Chinese writes a label's colon, a list's commas, a full stop and parentheses full width, with no space
("总分：123.43", "2023、2024", "（2028）"); English writes ": ", ", " and " (2028)". The
translators choose them, like any other text, so a template writes
`{% translate "Total score" %}{% colon %}`. A percentage is "3.3 %" in English and "3.3%"
in Chinese: `{{ value|percent_sign }}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.translation import pgettext

from salesalign.core.languages import in_chinese
from salesalign.core.numbers import percent_text

register = template.Library()


def colon_text() -> str:
    return pgettext("punctuation after a label", ": ")


def list_separator() -> str:
    return pgettext("punctuation between the items of a list", ", ")


def clause_separator() -> str:
    return pgettext("punctuation between the clauses of a sentence", "; ")


def clauses(items: Iterable[Any]) -> str:
    """Clauses of one sentence in the page's language: "from 80 %: 60 points; from 100 %: …"
    or "80% 起：60 分；100% 起：…"."""
    return clause_separator().join(str(item) for item in items)


def sentences(items: Iterable[Any]) -> str:
    """Sentences one after the other: English puts a space between them, Chinese none (its
    full stop is full width: "达成率 148.25%。本段计入…")."""
    separator = "" if in_chinese() else " "
    return separator.join(str(item) for item in items)


def parenthesized(remark: Any) -> str:
    """A remark after a text, in parentheses as the page's language writes them: English
    " (2028)" with a space before, Chinese "（2028）" full width, without one."""
    return pgettext("a remark in parentheses after a text", " (%(remark)s)") % {"remark": remark}


def joined(items: Iterable[Any]) -> str:
    """Items as a list in the page's language: "2023, 2024" or "2023、2024"."""
    return list_separator().join(str(item) for item in items)


@register.simple_tag
def colon() -> str:
    """The colon after a label, as the page's language writes it."""
    return colon_text()


@register.filter(name="parenthesized")
def parenthesized_filter(remark: Any) -> str:
    """`{{ goal.horizon_year|parenthesized }}`: " (2028)" or "（2028）"."""
    return parenthesized(remark)


@register.filter
def percent_sign(number: Any) -> str:
    """`{{ share|floatformat:1|percent_sign }}`: "12.5 %" in English, "12.5%" in Chinese."""
    return percent_text(str(number))


@register.simple_tag
def full_stop() -> str:
    """The end of a sentence that a template finishes itself (after a list of links): "." or
    the full-width "。"."""
    return pgettext("punctuation at the end of a sentence", ".")


@register.simple_tag
def comma() -> str:
    """The separator between the items of a list, as the page's language writes it."""
    return list_separator()
