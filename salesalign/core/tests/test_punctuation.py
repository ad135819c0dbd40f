"""A label's colon and a list's commas follow the page's language, in every template."""

from __future__ import annotations

from django.template import engines
from django.utils import translation

from salesalign.core.templatetags.punctuation import joined


def render(text: str, **context: object) -> str:
    return engines["django"].from_string(text).render(context)


def test_chinese_pages_write_full_width_colons_and_enumeration_commas():
    page = "总分{% colon %}{{ score }} · {% for year in years %}{{ year }}{% if not forloop.last %}{% comma %}{% endif %}{% endfor %}"
    with translation.override("zh-hans"):
        assert render(page, score="122.33", years=[2023, 2024]) == "总分：122.33 · 2023、2024"
        assert joined([2023, 2024, 2025]) == "2023、2024、2025"
    with translation.override("en"):
        assert render(page, score="122.33", years=[2023, 2024]) == "总分: 122.33 · 2023, 2024"
        assert joined([2023, 2024, 2025]) == "2023, 2024, 2025"
