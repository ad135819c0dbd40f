"""Customer pages: the list, a customer's page, adding and changing, the survey link form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import MEMBERS
from salesalign.organization.tests.factories import PersonFactory, RegionFactory
from salesalign.sales.models import Customer, SurveyInvitation
from salesalign.sales.tests.factories import CustomerFactory, make_order
from salesalign.sales.tests.views_world import CUSTOMERS_SEEN, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast) -> World:
    return build_world(cast)


LIST = reverse("sales:customer_list")
ENTERERS = ["admin", "executive", "manager", "salesperson", "salesperson2", "other_salesperson"]


def detail_url(customer) -> str:
    return reverse("sales:customer_detail", args=[customer.pk])


def codes_listed(response) -> set[str]:
    return {customer.code for customer in response.context["customers"]}


# --- the list ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", MEMBERS)
def test_the_customer_list_shows_exactly_the_customers_the_viewer_may_see(cast, world, who):
    response = cast.client_for(who).get(LIST)
    assert response.status_code == 200
    assert codes_listed(response) == CUSTOMERS_SEEN[who]
    html = response.content.decode()
    assert (detail_url(world.gamma) in html) == ("GAMMA" in CUSTOMERS_SEEN[who])


def test_the_customer_list_searches_by_code_and_by_name(cast, world):
    client = cast.client_for("executive")
    assert codes_listed(client.get(LIST, {"q": "bet"})) == {"BETA"}
    assert codes_listed(client.get(LIST, {"q": "伽马"})) == {"GAMMA"}


def test_the_customer_list_filters_by_region_with_its_subregions_owner_and_status(cast, world):
    north = RegionFactory(code="NORTH")
    beijing = RegionFactory(code="BJ", parent=north)
    Customer.objects.filter(pk=world.beta.pk).update(region=beijing)
    Customer.objects.filter(pk=world.gamma.pk).update(is_active=False)
    client = cast.client_for("admin")
    assert codes_listed(client.get(LIST, {"region": north.pk})) == {"BETA"}
    assert codes_listed(client.get(LIST, {"owner": cast.salesperson.pk})) == {"ACME"}
    assert codes_listed(client.get(LIST)) == {"ACME", "BETA"}  # active ones by default
    assert codes_listed(client.get(LIST, {"active": "no"})) == {"GAMMA"}
    assert codes_listed(client.get(LIST, {"active": ""})) == {"ACME", "BETA", "GAMMA"}


def test_a_manager_cannot_filter_by_an_owner_outside_their_team(cast, world):
    response = cast.client_for("manager").get(LIST, {"owner": cast.other_salesperson.pk})
    # The unknown choice is ignored, not an error; nothing outside the team appears.
    assert codes_listed(response) == {"ACME", "BETA"}


def test_the_customer_list_keeps_a_constant_query_count_as_customers_grow(
    cast, world, django_assert_max_num_queries
):
    client = cast.client_for("manager")
    client.get(LIST)  # warm up: session, user
    with django_assert_max_num_queries(20) as few:
        client.get(LIST)
    for number in range(30):
        owner = PersonFactory(unit=cast.team) if number % 3 == 0 else cast.salesperson2
        CustomerFactory(code=f"MORE{number:02d}", owner=owner)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(codes_listed(response)) == 32


def test_the_customer_list_pages_by_fifty(cast, world):
    CustomerFactory.create_batch(55, owner=cast.salesperson)
    client = cast.client_for("salesperson")
    first = client.get(LIST)
    second = client.get(LIST, {"page": 2})
    assert len(codes_listed(first)) == 50
    assert len(codes_listed(second)) == 6
    assert first.context["page_obj"].paginator.count == 56


@pytest.mark.parametrize("who", MEMBERS)
def test_only_people_who_enter_sales_see_the_new_customer_button(cast, world, who):
    html = cast.client_for(who).get(LIST).content.decode()
    assert (reverse("sales:customer_create") in html) == (who in ENTERERS)


# --- a customer's page -------------------------------------------------------------------


@pytest.mark.parametrize("who", MEMBERS)
def test_a_customer_page_answers_404_to_those_who_may_not_see_it(cast, world, who):
    response = cast.client_for(who).get(detail_url(world.acme))
    expected = 200 if "ACME" in CUSTOMERS_SEEN[who] else 404
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [("admin", {"B-1", "B-2"}), ("manager", {"B-1"}), ("salesperson2", {"B-1"})],
)
def test_a_customer_page_lists_only_the_orders_the_viewer_may_see(cast, world, who, expected):
    # Another team's salesperson sold to BETA too: only those who see them see that order.
    make_order(
        external_id="B-2",
        customer=world.beta,
        salespeople=cast.other_salesperson,
        product_line=world.product_line,
    )
    response = cast.client_for(who).get(detail_url(world.beta))
    assert response.status_code == 200
    shown = {order.external_id for order in response.context["page"].orders}
    assert shown == expected
    assert response.context["page"].order_count == len(expected)


def test_a_customer_page_shows_its_data_first_won_order_and_answers(cast, world):
    response = cast.client_for("salesperson").get(detail_url(world.acme))
    html = response.content.decode()
    assert "2024-03-05" in html
    assert reverse("sales:order_detail", args=[world.acme_order.pk]) in html
    assert response.context["page"].first_won_order == world.acme_order
    assert response.context["page"].average_score == 5
    assert 'id="customer-answers"' in html
    # Typed on a page (source "manual"): said in words, not the stored value.
    assert '<dd class="col-sm-8">Entered by hand</dd>' in html


def test_a_customer_page_hides_answers_about_people_the_viewer_may_not_see(cast, world):
    from salesalign.sales.tests.views_world import answer

    answer(world.acme, cast.other_salesperson, 1)
    seen_by_salesperson = cast.client_for("salesperson").get(detail_url(world.acme))
    seen_by_admin = cast.client_for("admin").get(detail_url(world.acme))
    assert [r.score for r in seen_by_salesperson.context["page"].responses] == [5]
    assert sorted(r.score for r in seen_by_admin.context["page"].responses) == [1, 5]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", '8<small class="text-body-secondary"> (NPS 0–10)</small>'),
        ("zh-hans", '8<small class="text-body-secondary">（NPS 0–10 分）</small>'),
    ],
)
def test_a_customer_page_says_an_answers_scale_in_the_parentheses_of_its_language(
    cast, world, language, expected
):
    from salesalign.sales.tests.views_world import answer

    answer(world.acme, cast.salesperson, 8, scale="nps")
    client = cast.client_for("salesperson")
    client.cookies["django_language"] = language
    html = client.get(detail_url(world.acme)).content.decode()
    assert expected in html
    assert "((" not in html and "))" not in html and "））" not in html


def test_hr_reads_a_customer_page_without_edit_or_survey_buttons(cast, world):
    html = cast.client_for("hr").get(detail_url(world.acme)).content.decode()
    assert reverse("sales:customer_update", args=[world.acme.pk]) not in html
    assert reverse("sales:customer_survey_link", args=[world.acme.pk]) not in html


# --- adding and changing -----------------------------------------------------------------


def customer_data(**overrides):
    data = {"code": "NEW1", "name": "新客户", "name_en": "New one", "is_active": "on"}
    data.update(overrides)
    return data


def test_a_salesperson_adds_a_customer_they_own(cast, world):
    client = cast.client_for("salesperson")
    form = client.get(reverse("sales:customer_create")).context["form"]
    assert set(form.fields["owner"].queryset) == {cast.salesperson}
    response = client.post(
        reverse("sales:customer_create"), customer_data(owner=cast.salesperson.pk)
    )
    customer = Customer.objects.get(code="NEW1")
    assert response.status_code == 302
    assert response["Location"] == detail_url(customer)
    assert customer.owner == cast.salesperson
    assert customer.name_en == "New one"


def test_a_salesperson_cannot_give_a_new_customer_to_someone_they_may_not_see(cast, world):
    response = cast.client_for("salesperson").post(
        reverse("sales:customer_create"), customer_data(owner=cast.other_salesperson.pk)
    )
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert not Customer.objects.filter(code="NEW1").exists()


def test_a_taken_customer_code_is_shown_next_to_the_code_field(cast, world):
    response = cast.client_for("admin").post(
        reverse("sales:customer_create"), customer_data(code="ACME", owner=cast.salesperson.pk)
    )
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert Customer.objects.filter(code="ACME").count() == 1


@pytest.mark.parametrize("who", ["hr", "outsider"])
def test_hr_and_outsiders_may_not_add_customers(cast, world, who):
    client = cast.client_for(who)
    assert client.get(reverse("sales:customer_create")).status_code == 403
    response = client.post(reverse("sales:customer_create"), customer_data())
    assert response.status_code == 403
    assert not Customer.objects.filter(code="NEW1").exists()


def test_a_manager_moves_a_customer_to_another_salesperson_of_the_team(cast, world):
    url = reverse("sales:customer_update", args=[world.acme.pk])
    client = cast.client_for("manager")
    assert client.get(url).context["form"].initial["owner"] == cast.salesperson.pk
    response = client.post(
        url, customer_data(code="ACME", name="艾克米", owner=cast.salesperson2.pk)
    )
    assert response.status_code == 302
    world.acme.refresh_from_db()
    assert world.acme.owner == cast.salesperson2
    assert world.acme.name_en == "New one"


@pytest.mark.parametrize("who", ["salesperson2", "other_salesperson", "outsider"])
def test_a_customer_the_viewer_may_not_see_cannot_be_changed(cast, world, who):
    url = reverse("sales:customer_update", args=[world.acme.pk])
    client = cast.client_for(who)
    assert client.get(url).status_code == 404
    assert client.post(url, customer_data(code="ACME")).status_code == 404
    world.acme.refresh_from_db()
    assert world.acme.name == "艾克米"


# --- the survey link ---------------------------------------------------------------------


def test_a_salesperson_makes_a_survey_link_and_sees_it_once_with_a_mail_link(cast, world):
    url = reverse("sales:customer_survey_link", args=[world.acme.pk])
    response = cast.client_for("salesperson").post(
        url, {"salesperson": cast.salesperson.pk, "scale": "five", "days_valid": 7}
    )
    assert response.status_code == 200
    link = response.context["survey_link"]
    invitation = SurveyInvitation.objects.get()
    assert invitation.customer == world.acme
    assert invitation.salesperson == cast.salesperson
    assert invitation.sent_by == cast.salesperson.user
    assert link["url"].startswith("http://testserver/sales/survey/")
    assert link["mailto"].startswith("mailto:?subject=")
    html = response.content.decode()
    assert link["url"] in html
    # The page shows the raw token; only its hash is stored.
    token = link["url"].rstrip("/").rsplit("/", 1)[1]
    assert token not in invitation.token_hash
    # Opening the customer page again does not show the link any more.
    again = cast.client_for("salesperson").get(detail_url(world.acme)).content.decode()
    assert token not in again


def test_the_survey_link_form_answers_htmx_with_the_box_only(cast, world):
    url = reverse("sales:customer_survey_link", args=[world.acme.pk])
    response = cast.client_for("manager").post(
        url,
        {"salesperson": cast.salesperson.pk, "scale": "nps", "days_valid": 14},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="card" id="survey-box">')
    assert "<nav" not in html
    assert SurveyInvitation.objects.get().scale == "nps"


@pytest.mark.parametrize("who", ["salesperson2", "other_salesperson", "outsider"])
def test_no_survey_link_for_a_customer_the_viewer_may_not_see(cast, world, who):
    url = reverse("sales:customer_survey_link", args=[world.acme.pk])
    response = cast.client_for(who).post(
        url, {"salesperson": cast.salesperson.pk, "scale": "five", "days_valid": 7}
    )
    assert response.status_code == 404
    assert not SurveyInvitation.objects.exists()


def test_a_salesperson_cannot_make_a_survey_link_about_a_colleague(cast, world):
    url = reverse("sales:customer_survey_link", args=[world.acme.pk])
    response = cast.client_for("salesperson").post(
        url, {"salesperson": cast.salesperson2.pk, "scale": "five", "days_valid": 7}
    )
    assert "salesperson" in response.context["survey_form"].errors
    assert not SurveyInvitation.objects.exists()
