"""Personal API tokens: stored hashed, shown once, revocable, usable as Bearer tokens."""

from __future__ import annotations

import pytest
from django.urls import reverse

from salesalign.core import services
from salesalign.core.models import ApiToken, hash_token

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_its_hash(cast):
    token, raw = services.api_token_create(user=cast.salesperson.user, name="ERP")
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith("sa_")
    assert stored.key_hash == hash_token(raw)
    assert raw not in {stored.key_hash, stored.hint, stored.name}
    assert stored.hint == raw[:8]


def test_the_token_page_shows_the_new_token_once(cast):
    client = cast.client_for("salesperson")
    response = client.post(reverse("core:token_list"), {"name": "ERP sync"})
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert raw in response.content.decode()
    again = client.get(reverse("core:token_list"))
    assert raw not in again.content.decode()
    assert "ERP sync" in again.content.decode()


def test_a_token_without_a_name_is_refused_with_the_field(cast):
    client = cast.client_for("salesperson")
    response = client.post(reverse("core:token_list"), {"name": "   "})
    assert response.context["form"].errors["name"]
    assert ApiToken.objects.count() == 0


def test_a_bearer_token_authenticates_the_api_as_its_owner(cast, client):
    _token, raw = services.api_token_create(user=cast.manager.user, name="BI")
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json()["person_id"] == cast.manager.pk
    assert response.json()["role"] == "manager"
    assert ApiToken.objects.get(user=cast.manager.user).last_used_at is not None


def test_a_revoked_token_stops_working_at_once(cast, client):
    token, raw = services.api_token_create(user=cast.manager.user, name="BI")
    page = cast.client_for("manager")
    page.post(reverse("core:token_revoke", args=[token.pk]))
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_nobody_can_revoke_another_users_token(cast):
    token, _raw = services.api_token_create(user=cast.manager.user, name="BI")
    cast.client_for("salesperson").post(reverse("core:token_revoke", args=[token.pk]))
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_tokens_can_be_made_listed_and_revoked_through_the_api(cast, client):
    _token, raw = services.api_token_create(user=cast.executive.user, name="first")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    created = client.post(
        "/api/v1/tokens", {"name": "second"}, content_type="application/json", **auth
    )
    assert created.status_code == 201
    assert created.json()["token"].startswith("sa_")
    listed = client.get("/api/v1/tokens", **auth).json()
    assert {row["name"] for row in listed} == {"first", "second"}
    revoked = client.delete(f"/api/v1/tokens/{created.json()['id']}", **auth)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None


def test_a_wrong_token_is_refused(client, cast):
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer sa_not-a-real-token")
    assert response.status_code == 401


def test_writes_made_with_a_token_name_its_owner_in_the_audit_trail(cast, client):
    from auditlog.models import LogEntry

    _token, raw = services.api_token_create(user=cast.admin.user, name="sync")
    response = client.post(
        "/api/v1/strategy/documents",
        {"title": "Token-made", "body": "Text", "kind": "announcement"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code in (200, 201), response.content
    entry = LogEntry.objects.filter(object_repr="Token-made").get()
    assert entry.actor == cast.admin.user
