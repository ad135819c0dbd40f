"""The OpenAPI document lists every endpoint the API serves, each with a summary."""

from __future__ import annotations

import re

import pytest
from django.templatetags.static import static
from django.urls import URLPattern

from config.api import api

pytestmark = pytest.mark.django_db

#: The endpoints of the organisation and strategy (method step 1); later steps add theirs.
EXPECTED = {
    ("get", "/api/v1/me"),
    ("get", "/api/v1/tokens"),
    ("post", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/{token_id}"),
    ("get", "/api/v1/organization/units"),
    ("post", "/api/v1/organization/units"),
    ("get", "/api/v1/organization/people"),
    ("post", "/api/v1/organization/people"),
    ("get", "/api/v1/organization/people/{person_id}"),
    ("get", "/api/v1/organization/product-lines"),
    ("get", "/api/v1/organization/regions"),
    ("get", "/api/v1/organization/customer-segments"),
    ("get", "/api/v1/strategy/editions"),
    ("post", "/api/v1/strategy/editions/{edition_id}/publish"),
    ("get", "/api/v1/strategy/strategic-goals"),
    ("get", "/api/v1/strategy/tactical-goals"),
    ("get", "/api/v1/strategy/our-strategy"),
    ("get", "/api/v1/strategy/documents"),
    ("post", "/api/v1/strategy/documents/{document_id}/confirm"),
    ("get", "/api/v1/strategy/documents/{document_id}/status"),
}


def served_paths() -> set[str]:
    """Every URL the API routes, in OpenAPI's {name} form."""
    paths = set()
    for pattern in api.urls[0]:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        if route in {"", "openapi.json", "docs"}:  # the root, the document and its viewer
            continue
        paths.add("/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))
    return paths


def test_the_document_lists_every_served_path(cast):
    document = cast.client_for("salesperson").get("/api/v1/openapi.json").json()
    assert served_paths() - set(document["paths"]) == set()


def test_the_document_lists_the_endpoints_of_the_organisation_and_strategy(cast):
    document = cast.client_for("salesperson").get("/api/v1/openapi.json").json()
    listed = {
        (method, path) for path, operations in document["paths"].items() for method in operations
    }
    assert EXPECTED - listed == set()


def test_every_operation_has_a_summary_and_declares_authentication(cast):
    document = cast.client_for("salesperson").get("/api/v1/openapi.json").json()
    unnamed = [
        (method, path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if not operation.get("summary")
    ]
    assert unnamed == []
    schemes = document["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} >= {"apiKey", "http"}


def test_the_interactive_docs_load_their_assets_locally(cast):
    html = cast.client_for("salesperson").get("/api/v1/docs").content.decode()
    # static(): the hashed name once collectstatic has run (after `make demo`), else plain.
    assert static("ninja/swagger-ui-bundle.js") in html
    assert "cdn." not in html and "jsdelivr" not in html
