"""A real Chromium (the system's, driven by Playwright from PyPI) against a live server."""

from __future__ import annotations

import datetime
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
)

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make between page actions are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

requires_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no system Chromium (install the Debian package `chromium`; .ci/run does)",
)

#: The marks of a browser test: Chromium is needed, and the live server sees the test's rows
#: (each test in its own transaction, rolled back by flushing).
BROWSER_TEST = [
    pytest.mark.browser,
    requires_chromium,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    # An assertion waits as long as a page action may (15 s, below), not Playwright's 5 s:
    # CI runs two workers, each with its Chromium and live server, on two cores.
    expect.set_options(timeout=15_000)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def load_demo_company(
    settings: Any,
    password: str,
    *,
    order_lines: int | None = None,
    today: datetime.date | None = None,
) -> None:
    """The demo company for a journey (fast password hashing; `order_lines` sales lines
    instead of the full history; `today` fixed so that the closed periods do not move)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if order_lines is not None:
        settings.DEMO_ORDER_LINES = order_lines
    options = {"today": today.isoformat()} if today is not None else {}
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", password=password, verbosity=0, stdout=quiet, **options)


def type_to_search(page: Any, control: Any, text: str, *, path: str) -> list[dict[str, Any]]:
    """Type `text` in a select that asks the server (core/selects.js) and wait for the answer
    to exactly that text, whatever the load: the select asks only once typing pauses (about
    half a second), and then the server answers. Returns the answer's rows, after checking
    that the server answered at all (a failed search shows as no suggestions in the page)."""
    from urllib.parse import parse_qs, urlsplit

    def is_the_search(response: Any) -> bool:
        url = urlsplit(response.url)
        return url.path == path and parse_qs(url.query).get("q") == [text]

    with page.expect_response(is_the_search) as answer:
        control.press_sequentially(text)
    assert control.input_value() == text, (
        f"typed {text!r}, the select holds {control.input_value()!r}"
    )
    response = answer.value
    assert response.ok, f"the search for {text!r} answered {response.status}"
    rows: list[dict[str, Any]] = response.json()
    return rows
