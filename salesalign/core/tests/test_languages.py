"""The one test of the reader's language that names, numbers and punctuation share."""

from __future__ import annotations

import pytest
from django.utils import translation

from salesalign.core.languages import in_chinese, in_english


@pytest.mark.parametrize(
    ("language", "english", "chinese"),
    [
        ("en", True, False),
        ("en-us", True, False),
        ("zh-hans", False, True),
        ("zh-hant", False, True),
    ],
)
def test_the_active_language_decides(language, english, chinese):
    with translation.override(language):
        assert (in_english(), in_chinese()) == (english, chinese)
