"""The exchange-rates page: everyone reads the rates, administrators maintain them."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from conftest import MEMBERS
from salesalign.sales.models import ExchangeRate

pytestmark = pytest.mark.django_db

PAGE = reverse("sales:exchange_rates")
SAVE = {"currency": "usd", "valid_from": "2024-01-01", "rate": "7.1"}


@pytest.mark.parametrize("who", MEMBERS)
def test_everyone_reads_the_rates_and_only_admins_see_the_form(cast, who):
    ExchangeRate.objects.create(currency="EUR", valid_from=datetime.date(2024, 1, 1), rate=7)
    response = cast.client_for(who).get(PAGE)
    assert response.status_code == 200
    assert "EUR" in response.content.decode()
    assert ('id="rate-form"' in response.content.decode()) == (who == "admin")


@pytest.mark.parametrize("who", [who for who in MEMBERS if who != "admin"])
def test_only_admins_may_save_or_delete_a_rate(cast, who):
    rate = ExchangeRate.objects.create(currency="EUR", valid_from=datetime.date(2024, 1, 1), rate=7)
    client = cast.client_for(who)
    assert client.post(PAGE, SAVE).status_code == 403
    delete = reverse("sales:exchange_rate_delete", args=[rate.pk])
    assert client.post(delete).status_code == 403
    assert list(ExchangeRate.objects.values_list("currency", flat=True)) == ["EUR"]


def test_an_admin_adds_changes_and_deletes_a_rate(cast):
    client = cast.client_for("admin")
    response = client.post(PAGE, SAVE, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    rate = ExchangeRate.objects.get()
    assert (rate.currency, rate.rate) == ("USD", Decimal("7.1"))
    client.post(PAGE, {**SAVE, "rate": "7.2"})
    assert ExchangeRate.objects.get().rate == Decimal("7.2")
    client.post(reverse("sales:exchange_rate_delete", args=[rate.pk]))
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("currency", "CNY", "CNY is the company currency: its rate is always 1."),
        ("currency", "E1", "A currency is a three-letter code such as USD."),
        ("rate", "-3", "An exchange rate is more than zero."),
        ("rate", "0", "An exchange rate is more than zero."),
    ],
)
def test_a_bad_rate_is_shown_next_to_its_field_and_nothing_is_saved(cast, field, value, message):
    response = cast.client_for("admin").post(PAGE, {**SAVE, field: value})
    assert response.status_code == 200
    html = response.content.decode()
    # Bootstrap shows a field's .invalid-feedback only after an input marked is-invalid.
    field_input = re.search(rf'<input [^>]*name="{field}"[^>]*>', html)
    assert field_input is not None
    assert "form-control" in field_input.group(0) and "is-invalid" in field_input.group(0)
    after_input = html[field_input.end() :]
    assert re.match(
        rf'\s*<div class="invalid-feedback" id="id_{field}_error">{re.escape(escape(message))}</div>',
        after_input,
    )
    assert html.count("is-invalid") == 1
    assert not ExchangeRate.objects.exists()


def test_a_rate_is_deleted_only_after_its_confirmation(cast):
    rate = ExchangeRate.objects.create(currency="EUR", valid_from=datetime.date(2024, 1, 1), rate=7)
    client = cast.client_for("admin")
    delete = reverse("sales:exchange_rate_delete", args=[rate.pk])
    assert f'href="{delete}"' in client.get(PAGE).content.decode()
    asked = client.get(delete)
    assert asked.status_code == 200
    assert "Delete the rate of EUR from 2024-01-01?" in asked.content.decode()
    assert 'id="confirm-delete"' in asked.content.decode()
    assert ExchangeRate.objects.exists()
    assert client.post(delete).status_code == 302
    assert not ExchangeRate.objects.exists()


def test_the_confirmation_says_which_orders_a_deletion_recounts_or_why_it_cannot(cast):
    from salesalign.organization.tests.factories import ProductLineFactory
    from salesalign.sales.tests.factories import CustomerFactory, make_order

    earlier = ExchangeRate.objects.create(
        currency="EUR", valid_from=datetime.date(2024, 1, 1), rate=Decimal("7.5")
    )
    later = ExchangeRate.objects.create(
        currency="EUR", valid_from=datetime.date(2024, 6, 1), rate=Decimal("7.8")
    )
    make_order(
        customer=CustomerFactory(owner=cast.salesperson),
        salespeople=cast.salesperson,
        product_line=ProductLineFactory(),
        ordered_on=datetime.date(2024, 7, 1),
        currency="EUR",
    )
    client = cast.client_for("admin")
    html = client.get(reverse("sales:exchange_rate_delete", args=[later.pk])).content.decode()
    assert (
        "1 order in EUR takes this rate: it will be recounted at the rate from 2024-01-01 (7.5)."
        in html
    )
    assert 'id="confirm-delete"' in html
    ExchangeRate.objects.filter(pk=later.pk).delete()
    html = client.get(reverse("sales:exchange_rate_delete", args=[earlier.pk])).content.decode()
    assert "no earlier one to take its place" in html
    assert 'id="confirm-delete"' not in html


@pytest.mark.parametrize("who", [who for who in MEMBERS if who != "admin"])
def test_only_admins_are_asked_to_confirm_a_deletion(cast, who):
    rate = ExchangeRate.objects.create(currency="EUR", valid_from=datetime.date(2024, 1, 1), rate=7)
    delete = reverse("sales:exchange_rate_delete", args=[rate.pk])
    assert cast.client_for(who).get(delete).status_code == 403


def test_the_page_reads_a_constant_number_of_queries(cast, django_assert_max_num_queries):
    client = cast.client_for("executive")
    client.get(PAGE)
    for day in range(1, 30):
        ExchangeRate.objects.create(currency="USD", valid_from=datetime.date(2024, 1, day), rate=7)
    with django_assert_max_num_queries(12):
        assert client.get(PAGE).status_code == 200
