"""The API answers errors in JSON, naming the field and the reason."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_an_anonymous_call_gets_401_in_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "token" in response.json()["detail"].lower()


def test_a_missing_field_is_named(cast):
    client = cast.client_for("salesperson")
    response = client.post("/api/v1/tokens", {}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "name", "reason": "Field required"}]


def test_a_domain_error_names_its_field(cast):
    client = cast.client_for("salesperson")
    response = client.post("/api/v1/tokens", {"name": " "}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "name"


def test_an_unknown_object_is_404_in_json(cast):
    client = cast.client_for("salesperson")
    response = client.delete("/api/v1/tokens/999999")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_session_writes_need_the_csrf_token(cast):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.salesperson.user)
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code in (401, 403)
