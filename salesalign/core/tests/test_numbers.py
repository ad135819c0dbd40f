"""`numbers.grouped` writes what Django's `number_format` writes, in every language we serve."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import override
from hypothesis import given
from hypothesis import strategies as st

from salesalign.core.numbers import grouped, percent_text
from salesalign.sales.models import Order
from salesalign.sales.tests.views_world import build_world

LANGUAGES = ["en", "zh-hans"]


@pytest.mark.parametrize(
    ("number", "places", "language", "expected"),
    [
        (Decimal("1234567.5"), 2, "en", "1,234,567.50"),
        (Decimal("1234567.5"), 2, "zh-hans", "1,234,567.50"),  # salesalign/formats/zh_Hans
        (Decimal("-1234.567"), 2, "en", "-1,234.56"),  # cut, not rounded
        (Decimal("-0.004"), 2, "en", "0.00"),  # too small to show: no minus sign
        (Decimal("999.999"), 0, "en", "999"),
        (Decimal("4.25"), 4, "zh-hans", "4.2500"),
    ],
)
def test_examples(number, places, language, expected):
    with override(language):
        assert grouped(number, places) == expected


@given(
    number=st.decimals(
        allow_nan=False, allow_infinity=False, min_value=-(10**16), max_value=10**16
    ),
    places=st.integers(min_value=0, max_value=4),
    language=st.sampled_from(LANGUAGES),
)
def test_the_same_as_djangos_number_format(number, places, language):
    with override(language):
        assert grouped(number, places) == number_format(number, places, force_grouping=True)


def test_another_format_falls_back_to_django():
    with override_settings(FORMAT_MODULE_PATH=None), override("de"):
        # German writes 1.234,50: not a Python format spec, so Django's own formatting.
        assert grouped(Decimal("1234.5"), 2) == number_format(
            Decimal("1234.5"), 2, force_grouping=True
        )
        assert grouped(Decimal("1234.5"), 2) == "1.234,50"


def test_chinese_writes_a_percentage_without_a_space_before_the_sign():
    from django.template import engines

    page = engines["django"].from_string("{{ share|percent_sign }} · {{ 12.5|percent_sign }}")
    with override("zh-hans"):
        assert percent_text("3.3") == "3.3%"
        assert page.render({"share": "+0.03"}) == "+0.03% · 12.5%"
    with override("en"):
        assert percent_text("3.3") == "3.3 %"
        assert page.render({"share": "+0.03"}) == "+0.03 % · 12.5 %"


@pytest.mark.django_db
def test_an_orders_amounts_are_grouped_in_chinese_as_in_english(cast):
    build_world(cast)
    order = Order.objects.order_by("pk").first()
    order.lines.update(amount=Decimal("1234567.50"))
    url = reverse("sales:order_detail", args=[order.pk])
    for language in ("en", "zh-hans"):
        page = cast.client_for("admin").get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert "1,234,567.50" in page, language
