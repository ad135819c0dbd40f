"""The exchange-rates page: everyone reads the rates, administrators maintain them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

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


def test_a_bad_rate_is_shown_next_to_its_field_and_nothing_is_saved(cast):
    response = cast.client_for("admin").post(PAGE, {**SAVE, "currency": "CNY"})
    assert response.status_code == 200
    assert "company currency" in response.context["form"].errors["currency"][0]
    assert not ExchangeRate.objects.exists()


def test_the_page_reads_a_constant_number_of_queries(cast, django_assert_max_num_queries):
    client = cast.client_for("executive")
    client.get(PAGE)
    for day in range(1, 30):
        ExchangeRate.objects.create(currency="USD", valid_from=datetime.date(2024, 1, day), rate=7)
    with django_assert_max_num_queries(12):
        assert client.get(PAGE).status_code == 200
