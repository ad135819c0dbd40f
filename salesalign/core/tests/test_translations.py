"""Every user-facing string has a Simplified Chinese translation.

The strings are extracted the way `makemessages` finds them (gettext calls in
Python, `{% translate %}` / `{% blocktranslate %}` in templates through Django's
own `templatize`), without needing GNU gettext on the machine, and compared with
each app's zh_Hans catalogue.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib  # type: ignore[import-untyped]
import pytest
from django.utils import translation
from django.utils.translation.template import templatize

from salesalign.engines.reasonableness import SEVERITY_OF, Finding, Severity
from salesalign.performance.choices import KpiUnit
from salesalign.performance.forms_kpis import KpiForm
from salesalign.performance.models import Kpi, Statement
from salesalign.sales.choices import SurveyChannel
from salesalign.targets.choices import MessageKind
from salesalign.targets.forms import AnswerForm
from salesalign.targets.texts import severity_label

ROOT = Path(__file__).resolve().parents[2]
APPS = sorted(path.parent for path in ROOT.glob("*/apps.py"))
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
CONTEXT_NAMES = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}
# templatize quotes a message with '…', or with "…" when it holds an apostrophe.
_LITERAL = r"""u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
# A filter's argument `_("…")` is a message too.
TEMPLATE_CALL = re.compile(rf"(?<![\w.])(n?p?gettext|_)\(({_LITERAL})(?:\s*,\s*({_LITERAL}))?")


def _skip(path: Path) -> bool:
    return (
        bool({"tests", "migrations", "locale", "management"} & set(path.parts))
        or path.name == "demo.py"
    )


def python_messages(path: Path) -> set[str]:
    messages: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        position = 0 if name in GETTEXT_NAMES else 1 if name in CONTEXT_NAMES else None
        if position is None or len(node.args) <= position:
            continue
        argument = node.args[position]
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            messages.add(argument.value)
    return messages


def template_messages(path: Path) -> set[str]:
    messages: set[str] = set()
    for name, first, second in TEMPLATE_CALL.findall(templatize(path.read_text(encoding="utf-8"))):
        literal = second if name.startswith(("pgettext", "npgettext")) and second else first
        messages.add(ast.literal_eval(literal.removeprefix("u")))
    return messages


def app_messages(app: Path) -> set[str]:
    messages: set[str] = set()
    for path in app.rglob("*.py"):
        if not _skip(path.relative_to(app)):
            messages |= python_messages(path)
    for path in app.rglob("templates/**/*.html"):
        messages |= template_messages(path)
    messages.discard("")
    return messages


@pytest.mark.parametrize("app", APPS, ids=[app.name for app in APPS])
def test_every_string_of_the_app_has_a_chinese_translation(app):
    messages = app_messages(app)
    if not messages:
        return
    catalogue_path = app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    assert catalogue_path.exists(), f"{app.name} has strings but no zh_Hans catalogue"
    catalogue = polib.pofile(str(catalogue_path))
    translated = {
        entry.msgid
        for entry in catalogue
        if not entry.obsolete
        and "fuzzy" not in entry.flags
        and (entry.msgstr or any(entry.msgstr_plural.values()))
    }
    missing = sorted(messages - translated)
    assert missing == [], (
        f"{app.name}: {len(missing)} strings without a translation, e.g. {missing[:5]}"
    )


def test_the_extraction_finds_template_and_python_strings(tmp_path):
    template = tmp_path / "page.html"
    template.write_text(
        '{% load i18n %}{% translate "Hello" %}{% blocktranslate %}Hi {{ name }}{% endblocktranslate %}'
        '{% translate "Don\'t" %}{% translate "It\'s" context "menu" %}'
        '{{ who|default_if_none:_("nobody") }}'
    )
    assert template_messages(template) == {"Hello", "Hi %(name)s", "Don't", "It's", "nobody"}
    module = tmp_path / "module.py"
    module.write_text(
        'from django.utils.translation import gettext as _\nX = _("Bye")\nY = pgettext("menu", "Open")\n'
    )
    assert python_messages(module) == {"Bye", "Open"}


NAMED = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifrgeEx]")
POSITIONAL = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[sdifrgeEx]")


def _placeholders(text: str) -> tuple[set[str], int]:
    """The named placeholders of a %-format string, and how many positional ones it has."""
    text = text.replace("%%", "")
    return set(NAMED.findall(text)), len(POSITIONAL.findall(NAMED.sub("", text)))


@pytest.mark.parametrize("app", APPS, ids=[app.name for app in APPS])
def test_every_translation_fills_the_placeholders_of_its_original(app):
    # A translation naming a placeholder its original does not fill is a KeyError on the
    # page (a 500 in Chinese only); one dropping a placeholder loses the number it shows.
    catalogue_path = app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    if not catalogue_path.exists():
        return
    wrong = []
    for entry in polib.pofile(str(catalogue_path)):
        if entry.obsolete or "python-format" not in entry.flags:
            continue
        original = _placeholders(entry.msgid)
        if entry.msgid_plural:
            plural = _placeholders(entry.msgid_plural)
            translations = list(entry.msgstr_plural.values())
            expected = [plural] * len(translations)
        else:
            translations, expected = [entry.msgstr], [original]
        for text, wanted in zip(translations, expected, strict=True):
            if text and _placeholders(text) != wanted:
                wrong.append((entry.msgid, text))
    assert wrong == []


@pytest.mark.parametrize("app", APPS, ids=[app.name for app in APPS])
def test_a_catalogue_defines_each_message_once(app):
    # GNU msgfmt refuses a catalogue with a message twice; Django's compiler keeps one of them
    # silently, and which one reads on the page is an accident of order.
    catalogue_path = app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    if not catalogue_path.exists():
        return
    keys = [
        (entry.msgctxt, entry.msgid)
        for entry in polib.pofile(str(catalogue_path))
        if not entry.obsolete
    ]
    assert sorted({key for key in keys if keys.count(key) > 1}, key=str) == []


def test_the_placeholder_check_reads_named_positional_and_escaped_percents():
    assert _placeholders("%(count)d of %(total)s, 5 %% and %s") == ({"count", "total"}, 1)
    assert _placeholders("%.2f %%") == (set(), 1)


def test_one_english_word_with_two_meanings_reads_right_in_chinese_in_each_place():
    note = next(code for code, severity in SEVERITY_OF.items() if severity is Severity.INFO)
    with translation.override("zh-hans"):
        assert severity_label(Finding(code=note, key=None)) == "提示"  # a finding's severity
        assert str(AnswerForm().fields["note"].label) == "备注"  # a note one writes
        assert str(KpiUnit.DAYS.label) == "天数"  # a KPI counted in days
        assert translation.gettext("Dates") == "日期"  # the period list's column
        assert translation.pgettext("backtest deviation", "Error") == "误差"
        # Django merges every app's catalogue into one per language: without a context,
        # the first app's word would show on the other apps' pages too.
        assert translation.gettext("Rate") == "汇率"  # an exchange rate
        assert translation.pgettext("share of people who confirmed", "Rate") == "确认率"
        assert translation.gettext("Unit") == "组织单元"  # an organisation unit
        assert str(KpiForm.base_fields["unit"].label) == "单位"  # a KPI's unit of measure
        assert str(Kpi._meta.get_field("unit").verbose_name) == "单位"
        assert translation.gettext("Title") == "职位"  # a person's job title
        assert translation.pgettext("a document's title", "Title") == "标题"
        assert translation.gettext("Name") == "名称"
        assert translation.pgettext("a person's name", "Name") == "姓名"
        assert translation.gettext("Proposed") == "提议中"  # a strategy goal's status
        assert str(MessageKind.PUBLISHED.label) == "已下达"  # a target sent to its owner
        assert translation.pgettext("the proposed number", "Proposed") == "建议值"
        assert translation.gettext("Email") == "邮箱"  # an address
        assert str(SurveyChannel.EMAIL.label) == "邮件"  # how a survey was sent
        assert str(Statement._meta.get_field("plan").verbose_name) == "方案"  # incentive plan
        assert translation.gettext("plan") == "计划"
        assert translation.gettext("Target") == "目标"
        assert translation.pgettext("a goal's target value", "Target") == "目标值"


CATALOGUES = [
    *sorted(ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po")),
    ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po",
]


def test_a_message_reads_the_same_in_every_app():
    # Django merges all catalogues into one per language, and for a message the app
    # listed first in INSTALLED_APPS wins: two apps translating the same English text
    # differently put one app's word on the other app's pages ("Rate" read as exchange
    # rate on the dashboard). A second meaning takes a context (pgettext) instead.
    translations: dict[tuple[str | None, str], dict[str, str]] = {}
    for path in CATALOGUES:
        app = path.parents[3].name
        for entry in polib.pofile(str(path)):
            if entry.obsolete or not entry.msgstr:
                continue
            translations.setdefault((entry.msgctxt, entry.msgid), {})[app] = entry.msgstr
    conflicts = {
        message: by_app for message, by_app in translations.items() if len(set(by_app.values())) > 1
    }
    assert conflicts == {}, "\n".join(
        f"{message!r}: {by_app}" for message, by_app in sorted(conflicts.items(), key=str)
    )
