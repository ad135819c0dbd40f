"""What `collectstatic` gathers: our own and the packages' assets, nothing that reaches for the
internet from a page."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command


@pytest.fixture
def collected(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return tmp_path


def test_the_api_docs_and_vendored_assets_are_collected_without_redoc(collected):
    names = {path.relative_to(collected).as_posix() for path in collected.rglob("*")}
    assert "ninja/swagger-ui-bundle.js" in names  # the API docs page
    assert "vendor/tom-select/js/tom-select.complete.min.js" in names
    assert "core/selects.js" in names
    assert not [name for name in names if "redoc" in name]


def test_no_collected_script_or_style_names_a_cdn(collected):
    for path in collected.rglob("*"):
        if path.suffix in {".js", ".css"} and not path.name.endswith(".map"):
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not re.search(r"https?://cdn\.", text), path
