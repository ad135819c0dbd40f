"""Which language the text being made is in: the one test the pages, names and numbers share.

The active language is the reader's (the locale middleware sets it for a page, a
notification or e-mail sets it for its recipient); Chinese is the default.
"""

from __future__ import annotations

from django.utils.translation import get_language


def in_english() -> bool:
    """Text is being made in English (names read their English form, where there is one)."""
    return (get_language() or "").startswith("en")


def in_chinese() -> bool:
    """Text is being made in Chinese (full-width punctuation, no space before a unit)."""
    return (get_language() or "").startswith("zh")
