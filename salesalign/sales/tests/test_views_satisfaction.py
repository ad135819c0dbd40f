"""Satisfaction pages: the list of answers and entering an answer by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import MEMBERS
from salesalign.organization.tests.factories import PersonFactory
from salesalign.sales.models import SatisfactionResponse
from salesalign.sales.tests.factories import CustomerFactory
from salesalign.sales.tests.views_world import World, answer, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast) -> World:
    return build_world(cast)


LIST = reverse("sales:satisfaction_list")
CREATE = reverse("sales:satisfaction_create")

#: Which answers (by customer code) each member sees: answers follow the salesperson.
ANSWERS_SEEN = {
    "admin": {"ACME", "BETA", "GAMMA"},
    "executive": {"ACME", "BETA", "GAMMA"},
    "hr": {"ACME", "BETA", "GAMMA"},
    "manager": {"ACME", "BETA"},
    "salesperson": {"ACME"},
    "salesperson2": {"BETA"},
    "other_salesperson": {"GAMMA"},
    "outsider": set(),
}


def customers_listed(response) -> set[str]:
    return {response_.customer.code for response_ in response.context["responses"]}


def test_an_answer_names_a_customer_the_viewer_may_not_open_without_a_link(cast, world):
    # BETA (salesperson2's customer) answered about other_salesperson, who sees the answer but
    # may not open BETA: the name is shown, the link (a 404) is not. Their own GAMMA links.
    answer(world.beta, cast.other_salesperson, 4)
    html = cast.client_for("other_salesperson").get(LIST).content.decode()
    assert "Beta" in html
    assert reverse("sales:customer_detail", args=[world.beta.pk]) not in html
    assert reverse("sales:customer_detail", args=[world.gamma.pk]) in html


@pytest.mark.parametrize("who", MEMBERS)
def test_the_satisfaction_list_shows_exactly_the_answers_the_viewer_may_see(cast, world, who):
    response = cast.client_for(who).get(LIST)
    assert response.status_code == 200
    assert customers_listed(response) == ANSWERS_SEEN[who]
    assert response.context["summary"]["count"] == len(ANSWERS_SEEN[who])


def test_the_average_puts_both_scales_on_one_to_five(cast, world):
    summary = cast.client_for("admin").get(LIST).context["summary"]
    # 5 and 3 on five points, 9 of 10 (4.6 on five points): (500 + 300 + 460) / 3 / 100
    assert summary["average"] == Decimal("4.20")


def test_the_satisfaction_list_filters_by_salesperson_date_and_scale(cast, world):
    late = answer(world.acme, cast.salesperson, 2)
    SatisfactionResponse.objects.filter(pk=late.pk).update(
        responded_on=datetime.date(2024, 6, 1), month=202406
    )
    client = cast.client_for("executive")
    by_person = client.get(LIST, {"salesperson": cast.salesperson2.pk})
    assert customers_listed(by_person) == {"BETA"}
    since_june = client.get(LIST, {"date_from": "2024-06-01"})
    assert [r.score for r in since_june.context["responses"]] == [2]
    until_march = client.get(LIST, {"date_to": "2024-03-31"})
    assert len(until_march.context["responses"]) == 3
    assert customers_listed(client.get(LIST, {"scale": "nps"})) == {"GAMMA"}


def test_the_satisfaction_list_keeps_a_constant_query_count_as_answers_grow(
    cast, world, django_assert_max_num_queries
):
    client = cast.client_for("manager")
    client.get(LIST)
    with django_assert_max_num_queries(20) as few:
        client.get(LIST)
    for number in range(15):
        person = PersonFactory(unit=cast.team) if number % 3 == 0 else cast.salesperson2
        answer(CustomerFactory(owner=person), person, 1 + number % 5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert response.context["summary"]["count"] == 17


def answer_data(**overrides):
    data = {
        "customer": "ACME",
        "salesperson": "",
        "scale": "five",
        "score": "4",
        "channel": "phone",
        "responded_on": "2024-04-01",
        "comment": "准时交付",
    }
    data.update(overrides)
    return data


def test_a_salesperson_records_a_phone_answer_about_themselves(cast, world):
    response = cast.client_for("salesperson").post(
        CREATE, answer_data(salesperson=cast.salesperson.pk)
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("sales:customer_detail", args=[world.acme.pk])
    recorded = SatisfactionResponse.objects.get(comment="准时交付")
    assert (recorded.score, recorded.channel, recorded.unit) == (4, "phone", cast.team)
    assert recorded.score_normalized == 400


def test_a_manager_records_an_nps_answer_about_a_team_member(cast, world):
    response = cast.client_for("manager").post(
        CREATE,
        answer_data(customer="BETA", salesperson=cast.salesperson2.pk, scale="nps", score="10"),
    )
    assert response.status_code == 302
    assert SatisfactionResponse.objects.get(score=10).score_normalized == 500


def test_a_score_off_its_scale_is_shown_on_the_score(cast, world):
    response = cast.client_for("salesperson").post(
        CREATE, answer_data(salesperson=cast.salesperson.pk, score="7")
    )
    assert "score" in response.context["form"].errors
    assert not SatisfactionResponse.objects.filter(comment="准时交付").exists()


def test_a_salesperson_cannot_record_an_answer_about_a_colleague_or_for_an_unseen_customer(
    cast, world
):
    client = cast.client_for("salesperson")
    about_colleague = client.post(CREATE, answer_data(salesperson=cast.salesperson2.pk))
    assert "salesperson" in about_colleague.context["form"].errors
    unseen_customer = client.post(
        CREATE, answer_data(customer="GAMMA", salesperson=cast.salesperson.pk)
    )
    assert "customer" in unseen_customer.context["form"].errors
    assert not SatisfactionResponse.objects.filter(comment="准时交付").exists()


def test_a_customer_page_link_starts_the_answer_for_that_customer(cast, world):
    response = cast.client_for("salesperson").get(CREATE, {"customer": "ACME"})
    assert response.context["form"]["customer"].value() == "ACME"
    assert response.context["form"]["salesperson"].value() == cast.salesperson.pk


@pytest.mark.parametrize("who", ["hr", "outsider"])
def test_hr_and_outsiders_may_not_record_answers(cast, world, who):
    client = cast.client_for(who)
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, answer_data(salesperson=cast.salesperson.pk)).status_code == 403
    assert SatisfactionResponse.objects.count() == 3
