"""The public survey page: no login, one answer per link, expired links say so, two languages."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from salesalign.sales import services
from salesalign.sales.models import SatisfactionResponse, SurveyInvitation
from salesalign.sales.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(cast):
    return CustomerFactory(code="ACME", name="艾克米", name_en="Acme", owner=cast.salesperson)


def survey_url(cast, customer, *, scale="five") -> str:
    token = services.survey_invitation_create(
        actor=cast.salesperson.user, customer=customer, salesperson=cast.salesperson, scale=scale
    )
    return reverse("sales:survey_answer", args=[token])


def test_a_customer_opens_the_link_without_logging_in_and_sees_who_asks(cast, customer):
    url = survey_url(cast, customer)
    response = Client().get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Example Co" in html  # the company asking
    assert "Sales1" in html  # the salesperson's name
    assert "Acme" in html
    assert html.count('type="radio"') == 5  # five stars
    assert 'id="main-nav"' not in html  # its own small page, not the app's navigation
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_page_speaks_chinese_to_a_chinese_browser(cast, customer):
    response = Client().get(survey_url(cast, customer), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "示例公司" in html and "销售一" in html and "艾克米" in html


def test_an_nps_link_offers_eleven_buttons_from_0_to_10(cast, customer):
    response = Client().get(survey_url(cast, customer, scale="nps"))
    html = response.content.decode()
    assert html.count('type="radio"') == 11
    assert 'value="0"' in html and 'value="10"' in html


def test_an_answer_is_recorded_once_and_a_second_visit_says_it_was_answered(cast, customer):
    url = survey_url(cast, customer)
    client = Client()
    thanks = client.post(url, {"score": "4", "comment": "很好"})
    assert thanks.status_code == 200
    assert 'id="survey-thanks"' in thanks.content.decode()
    recorded = SatisfactionResponse.objects.get()
    assert (recorded.customer, recorded.salesperson, recorded.score) == (
        customer,
        cast.salesperson,
        4,
    )
    assert (recorded.channel, recorded.comment) == ("link", "很好")
    assert SurveyInvitation.objects.get().response == recorded

    again = Client().get(url)
    assert 'data-state="answered"' in again.content.decode()
    assert 'id="survey-form"' not in again.content.decode()
    Client().post(url, {"score": "1"})
    assert SatisfactionResponse.objects.count() == 1


def test_an_expired_link_says_so_and_takes_no_answer(cast, customer):
    url = survey_url(cast, customer)
    SurveyInvitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = Client().get(url)
    assert response.status_code == 410
    assert 'data-state="expired"' in response.content.decode()
    Client().post(url, {"score": "5"})
    assert not SatisfactionResponse.objects.exists()


def test_an_unknown_link_is_not_found(cast, customer):
    response = Client().get(reverse("sales:survey_answer", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert 'data-state="unknown"' in response.content.decode()


def test_a_score_is_required_and_must_be_on_the_links_scale(cast, customer):
    url = survey_url(cast, customer)
    missing = Client().post(url, {"comment": "no score"})
    assert "score" in missing.context["form"].errors
    off_scale = Client().post(url, {"score": "7"})
    assert "score" in off_scale.context["form"].errors
    assert not SatisfactionResponse.objects.exists()
    assert SurveyInvitation.objects.get().used_at is None


def test_the_answer_form_is_protected_against_cross_site_posts(cast, customer):
    url = survey_url(cast, customer)
    client = Client(enforce_csrf_checks=True)
    forged = client.post(url, {"score": "5"})
    assert forged.status_code == 403
    assert not SatisfactionResponse.objects.exists()
    client.get(url)  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    answered = client.post(url, {"score": "5", "csrfmiddlewaretoken": token})
    assert answered.status_code == 200
    assert SatisfactionResponse.objects.get().score == 5


def test_a_browser_may_post_the_answer_under_the_pages_referrer_policy(cast, customer):
    """Under "no-referrer" a browser posts the form with `Origin: null`, which CSRF refuses.

    The page keeps its token out of other sites' logs with "same-origin" instead, under
    which the browser sends the page's own origin with the answer.
    """
    url = survey_url(cast, customer)
    client = Client(enforce_csrf_checks=True)
    html = client.get(url).content.decode()
    assert 'name="referrer" content="no-referrer"' not in html
    assert 'name="referrer" content="same-origin"' in html
    answered = client.post(
        url,
        {"score": "4", "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
        HTTP_ORIGIN="http://testserver",
    )
    assert answered.status_code == 200
    assert SatisfactionResponse.objects.get().score == 4


def test_a_logged_in_colleague_opening_the_link_sees_the_same_page(cast, customer):
    response = cast.client_for("manager").get(survey_url(cast, customer))
    assert response.status_code == 200
    assert 'id="survey-form"' in response.content.decode()


def test_an_answer_tells_the_salesperson_and_their_manager_in_their_language(cast, customer):
    from django.utils import translation

    from salesalign.core.models import Notification

    Client().post(survey_url(cast, customer), {"score": "5"})
    told = Notification.objects.filter(kind=services.NOTIFY_SURVEY_ANSWERED)
    assert set(told.values_list("recipient", flat=True)) == {cast.salesperson.pk, cast.manager.pk}
    notice = told.get(recipient=cast.manager)
    assert notice.url == reverse("sales:customer_detail", args=[customer.pk])
    with translation.override("en"):
        assert notice.text == "Acme answered the satisfaction survey of Sales1."
    with translation.override("zh-hans"):
        assert notice.text == "艾克米回答了销售一的满意度调查。"
