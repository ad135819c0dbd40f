"""The Django admin opens for a superuser on the core models."""

from __future__ import annotations

import pytest

from salesalign.core import services

pytestmark = pytest.mark.django_db


def test_the_admin_lists_tokens_without_their_hash(admin_client, django_user_model):
    owner = django_user_model.objects.create_user("owner", password="x-long-password-1")
    token, _raw = services.api_token_create(user=owner, name="ERP")
    changelist = admin_client.get("/admin/core/apitoken/")
    assert "ERP" in changelist.content.decode()
    change = admin_client.get(f"/admin/core/apitoken/{token.pk}/change/")
    assert change.status_code == 200
    assert token.key_hash not in change.content.decode()


def test_the_admin_lists_users_and_imports(admin_client):
    assert admin_client.get("/admin/core/user/").status_code == 200
    assert "admin" in admin_client.get("/admin/core/user/").content.decode()
    assert admin_client.get("/admin/core/importbatch/").status_code == 200
