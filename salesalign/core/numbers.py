"""Numbers as the pages write them and as people type them.

`grouped` is Django's `number_format(..., force_grouping=True)` for a Decimal, several
times faster in the formats SalesAlign's languages use; `percent_text` puts the percent
sign after a number as the page's language does; `plain_text` writes a number
without trailing zeros or exponent (120, not 120.00 or 1.2E+2); `typed_decimal` reads
one typed with commas only as thousands separators (1,234.50, not 1,2,3).

A cascade editor or a scorecard table writes a thousand numbers a page; Django's
`number_format` takes about 20 µs each (it splits and joins the digits in
Python), Python's own format spec a tenth of that.
"""

from __future__ import annotations

import functools
import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.formats import get_format, number_format
from django.utils.translation import get_language

from salesalign.core.languages import in_chinese

#: Numbers this large or larger go to Django: rounding them to a few decimals could exceed
#: the decimal context's 28 digits. No amount comes near it.
_LARGEST = Decimal(10) ** 20


@functools.cache
def _spec(language: str | None) -> str | None:
    """The format spec that writes a grouped number as `language` does, if there is one."""
    decimal = get_format("DECIMAL_SEPARATOR", language)
    thousands = get_format("THOUSAND_SEPARATOR", language)
    grouping = get_format("NUMBER_GROUPING", language)
    if decimal != ".":
        return None
    if not thousands or grouping == 0:
        return "f"  # e.g. Simplified Chinese: no separator
    if thousands == "," and grouping == 3:
        return ",f"
    return None


@receiver(setting_changed)
def _formats_changed(**kwargs: Any) -> None:
    _spec.cache_clear()


@functools.cache
def _step_and_cutoff(places: int) -> tuple[Decimal, Decimal]:
    # Django's cutoff: a number below it is written as 0 (0.1 when no decimals are shown).
    return Decimal(1).scaleb(-places), Decimal("0." + "1".rjust(places, "0"))


def grouped(number: Decimal, places: int) -> str:
    """`number` with `places` decimals and the language's digit grouping, exactly as
    `number_format(number, places, force_grouping=True)` writes it: extra decimals are cut,
    not rounded, and a number too small to show is 0."""
    spec = _spec(get_language())
    if spec is None or not number.is_finite() or abs(number) >= _LARGEST:
        return number_format(number, places, force_grouping=True)
    step, cutoff = _step_and_cutoff(places)
    if abs(number) < cutoff:
        number = Decimal(0)
    return format(number.quantize(step, rounding=ROUND_DOWN), spec)


def readable(number: Decimal, *, least_places: int = 0) -> str:
    """A finite number as the pages write numbers: grouped, up to two decimals kept as they
    are, trailing zeros beyond them dropped (1.0000 → 1, 4.2500 → 4.25), and at least
    `least_places` decimals (4.5 → 4.50 beside a table that writes 4.50)."""
    places = -int(number.as_tuple().exponent)
    if places > 2:
        number = number.normalize()
        places = -int(number.as_tuple().exponent)
    return grouped(number, max(0, places, least_places))


def percent_text(number: str) -> str:
    """A number already written, as a percentage the way the page's language writes one:
    "3.3 %" in English, "3.3%" in Chinese (no space before the sign). Only for display:
    what is stored, typed or sent by the API keeps its own form."""
    if in_chinese():
        return f"{number}%"
    return f"{number} %"


#: Commas only as thousands separators: 1,234,567.50, not 1,2,3.
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def typed_decimal(text: str) -> Decimal:
    """A number as people type it, commas only between groups of three; ValueError when it
    is not one (nor an infinity or NaN)."""
    text = text.strip()
    if "," in text:
        if not _GROUPED.fullmatch(text):
            raise ValueError(text)
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return number


def plain_text(value: Any) -> str:
    """A number as text without trailing zeros or exponent: 120, not 120.00 or 1.2E+2 ("" for
    nothing; anything that is not a number as it is)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    return format(number.normalize(), "f")
