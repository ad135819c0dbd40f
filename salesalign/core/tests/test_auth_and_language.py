"""Logging in and out, changing the password, and the language switch."""

from __future__ import annotations

import pytest
from django.urls import reverse

from salesalign.organization.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_pages_need_a_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logging_in_lands_on_the_home_page(client, cast):
    response = client.post(reverse("login"), {"username": "sales1", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_wrong_password_is_refused_with_a_message(client, cast):
    response = client.post(reverse("login"), {"username": "sales1", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_logging_out_ends_the_session(cast):
    client = cast.client_for("salesperson")
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_changing_the_password(cast):
    client = cast.client_for("salesperson")
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-pass-42",
            "new_password2": "a-new-long-pass-42",
        },
    )
    assert response.status_code == 302
    cast.salesperson.user.refresh_from_db()
    assert cast.salesperson.user.check_password("a-new-long-pass-42")


def test_the_language_defaults_to_the_browsers(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert response.context["LANGUAGE_CODE"] == "zh-hans"
    assert "登录" in response.content.decode()


def test_the_language_switch_keeps_the_choice(cast):
    client = cast.client_for("salesperson")
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    response = client.get(reverse("core:token_list"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["LANGUAGE_CODE"] == "zh-hans"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("core:token_list"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.context["LANGUAGE_CODE"] == "en"


def test_the_navigation_follows_the_five_steps(cast):
    response = cast.client_for("salesperson").get(reverse("core:token_list"))
    sections = response.context["nav_sections"]
    assert [section["number"] for section in sections][:5] == [1, 2, 3, 4, 5]
    assert sections[0]["available"] is True


@pytest.mark.parametrize("who", ["admin", "executive", "hr", "manager", "salesperson"])
def test_every_navigation_link_a_role_sees_opens_for_it(cast, who):
    # A link in the menu that answers 403 is a broken promise: the menu shows each role only
    # what it may open.
    client = cast.client_for(who)
    sections = client.get(reverse("core:token_list")).context["nav_sections"]
    urls = [item["url"] for section in sections for item in section["items"] if item["url"]]
    assert urls
    refused = {url: client.get(url).status_code for url in urls}
    assert {url: status for url, status in refused.items() if status != 200} == {}


def test_pages_name_an_icon_from_our_own_static_files(cast):
    # Without one, every browser asks for /favicon.ico and every log shows a 404.
    from django.contrib.staticfiles import finders
    from django.templatetags.static import static

    page = cast.client_for("salesperson").get(reverse("core:token_list")).content.decode()
    assert f'<link rel="icon" href="{static("core/favicon.svg")}"' in page
    assert finders.find("core/favicon.svg") is not None


def test_the_password_pages_are_ours_not_the_admins(cast):
    client = cast.client_for("salesperson")
    form = client.get(reverse("password_change"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="main-nav"' in form and "Django" not in form
    assert 'name="new_password2"' in form
    done = client.get(reverse("password_change_done")).content.decode()
    assert 'id="main-nav"' in done and "Django" not in done
