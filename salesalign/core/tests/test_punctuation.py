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


def test_sentences_and_clauses_are_joined_as_each_language_writes_them():
    from salesalign.core.templatetags.punctuation import clauses, sentences

    with translation.override("zh-hans"):
        assert sentences(["达成率 148.25%。", "本段计入收入。"]) == "达成率 148.25%。本段计入收入。"
        assert clauses(["0% 起：40 分", "100% 起：100 分"]) == "0% 起：40 分；100% 起：100 分"
    with translation.override("en"):
        assert sentences(["Attainment 148.25 %.", "This slice counts."]) == (
            "Attainment 148.25 %. This slice counts."
        )
        assert clauses(["from 0 %: 40 points", "from 100 %: 100 points"]) == (
            "from 0 %: 40 points; from 100 %: 100 points"
        )


def test_a_sentence_a_template_finishes_ends_with_the_full_stop_of_the_language():
    page = "{% for name in names %}{{ name }}{% if not forloop.last %}{% comma %}{% endif %}{% endfor %}{% full_stop %}"
    with translation.override("zh-hans"):
        assert render(page, names=["战略", "目标"]) == "战略、目标。"
    with translation.override("en"):
        assert render(page, names=["Strategy", "Targets"]) == "Strategy, Targets."


def test_a_remark_is_in_parentheses_as_each_language_writes_them():
    page = "{{ title }}{{ year|parenthesized }}"
    with translation.override("zh-hans"):
        assert render(page, title="市场占有率 15%", year=2028) == "市场占有率 15%（2028）"
    with translation.override("en"):
        assert render(page, title="Market share 15 %", year=2028) == "Market share 15 % (2028)"
