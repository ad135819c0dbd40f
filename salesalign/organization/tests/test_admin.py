"""The Django admin pages of the organisation load for a superuser."""

from __future__ import annotations

import pytest
from django.test import Client

from salesalign.organization.tests.factories import RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["orgunit", "person", "productline", "region", "customersegment"])
def test_the_admin_lists_and_adds_each_organisation_model(cast, model):
    RegionFactory(code="R-ADMIN")
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    listing = client.get(f"/admin/organization/{model}/")
    assert listing.status_code == 200
    assert client.get(f"/admin/organization/{model}/add/").status_code == 200
    if model == "orgunit":
        assert 'field-code">CO<' in listing.content.decode()
