"""A refused or missing page is ours: the navigation, the reason in the user's language, and a
way home — not the bare default page with the reason only in the server log."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_a_refusal_says_why_with_the_navigation(cast):
    response = cast.client_for("manager").get(reverse("sales:import_start"))
    assert response.status_code == 403
    page = response.content.decode()
    assert 'id="error-page"' in page
    assert 'id="error-reason">Only administrators may import sales data.<' in page
    assert 'id="main-nav"' in page  # the menu, to go on from here
    assert reverse("home") in page


def test_a_refusal_reads_in_chinese(cast):
    client = cast.client_for("manager")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("sales:import_start")).content.decode()
    assert "只有管理员可以导入销售数据。" in page
    assert "您无法打开此页面" in page
    assert "Forbidden" not in page


def test_a_missing_page_says_so_with_the_navigation(cast):
    response = cast.client_for("salesperson").get("/performance/scorecards/987654/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-status="404"' in page
    assert "There is nothing here" in page
    assert 'id="main-nav"' in page


def test_a_missing_page_for_a_visitor_who_is_not_logged_in_still_renders():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "There is nothing here" in response.content.decode()


def test_the_server_error_page_needs_nothing_from_the_request():
    # Django renders 500.html without the request's context: it must not depend on it.
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        response = server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert "出错了" in page
    assert 'data-status="500"' in page
