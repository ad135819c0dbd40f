"""Date pickers show their value in every language: a date input takes only ISO dates."""

from __future__ import annotations

import datetime
import importlib
import pkgutil
import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

import salesalign
from salesalign.core.widgets import DateInput
from salesalign.performance.services.statements import plan_save
from salesalign.performance.tests.statements_world import COMMISSION


def _all_form_classes() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(salesalign.__path__, "salesalign."):
        if ".tests" not in module.name and ".migrations" not in module.name:
            importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    pending: list[type[forms.BaseForm]] = [forms.Form, forms.ModelForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.startswith("salesalign."):
                found.append(subclass)
    return found


def test_the_date_input_writes_its_value_as_iso_in_chinese():
    with translation.override("zh-hans"):
        html = DateInput().render("day", datetime.date(2025, 1, 1))
    assert 'type="date"' in html and 'value="2025-01-01"' in html


def test_every_date_picker_of_the_forms_is_the_iso_date_input():
    pickers = {
        f"{form.__module__}.{form.__name__}.{name}": field.widget
        for form in _all_form_classes()
        for name, field in form.base_fields.items()
        if getattr(field.widget, "input_type", None) == "date"
    }
    plain = [name for name, widget in pickers.items() if not isinstance(widget, DateInput)]
    assert len(pickers) > 10  # the walk found the forms
    assert plain == []


@pytest.mark.django_db
def test_a_plans_valid_from_shows_on_its_page_in_chinese(cast):
    plan = plan_save(
        actor=cast.hr.user,
        name="销售提成",
        definition=COMMISSION,
        valid_from=datetime.date(2026, 1, 1),
    )
    page = cast.client_for("hr").get(
        reverse("performance:plan_edit", args=[plan.pk]), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9"
    )
    tag = re.search(r'<input[^>]*name="valid_from"[^>]*>', page.content.decode())
    assert tag is not None and 'value="2026-01-01"' in tag.group(0)
