"""The people select of a large company: only the chosen people in the page, the rest searched
on the server, and the form still checks every choice."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from salesalign.organization.tests.factories import PersonFactory
from salesalign.sales.models import Customer

pytestmark = pytest.mark.django_db

SEARCH = reverse("organization:person_search")
NEW_CUSTOMER = reverse("sales:customer_create")


def owner_select(html: str) -> tuple[str, list[str]]:
    """The owner `<select>` tag and the values of its options."""
    found = re.search(r'(<select[^>]*name="owner"[^>]*>)(.*?)</select>', html, re.S)
    assert found is not None
    return found.group(1), re.findall(r'<option value="([^"]*)"', found.group(2))


def test_a_few_people_are_a_plain_select_of_them_all(cast):
    tag, values = owner_select(cast.client_for("admin").get(NEW_CUSTOMER).content.decode())
    assert "data-people-search" not in tag
    assert str(cast.other_salesperson.pk) in values
    assert len(values) > 3


def test_many_people_send_only_the_chosen_one_and_search_the_rest(cast, settings):
    settings.PEOPLE_SELECT_LIMIT = 2
    client = cast.client_for("admin")
    html = client.get(NEW_CUSTOMER).content.decode()
    tag, values = owner_select(html)
    assert f'data-people-search="{SEARCH}"' in tag
    assert all(value in {"", str(cast.admin.pk)} for value in values)  # empty, or the default
    assert str(cast.other_salesperson.pk) not in values
    assert "core/selects.js" in html and "tom-select.complete.min.js" in html
    # A person found by the search (so not in the page) is still a valid choice.
    response = client.post(
        NEW_CUSTOMER,
        {"code": "NEW1", "name": "新客户", "owner": cast.other_salesperson.pk, "is_active": "on"},
    )
    assert response.status_code == 302
    assert Customer.objects.get(code="NEW1").owner == cast.other_salesperson


def test_the_form_still_refuses_a_person_out_of_sight(cast, settings):
    settings.PEOPLE_SELECT_LIMIT = 0
    response = cast.client_for("salesperson").post(
        NEW_CUSTOMER, {"code": "NEW2", "name": "新客户", "owner": cast.other_salesperson.pk}
    )
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert not Customer.objects.filter(code="NEW2").exists()


def test_a_form_sent_back_with_errors_keeps_the_chosen_person(cast, settings):
    settings.PEOPLE_SELECT_LIMIT = 2
    response = cast.client_for("admin").post(
        NEW_CUSTOMER, {"code": "", "name": "新客户", "owner": cast.salesperson2.pk}
    )
    _tag, values = owner_select(response.content.decode())
    assert "code" in response.context["form"].errors
    assert str(cast.salesperson2.pk) in values
    assert f'<option value="{cast.salesperson2.pk}" selected>' in response.content.decode()


def test_a_list_of_choices_is_searched_too(cast, settings):
    # The improvement plan's person is a list of choices, not a query.
    settings.PEOPLE_SELECT_LIMIT = 0
    html = cast.client_for("manager").get(reverse("performance:improvement_list")).content
    found = re.search(rb'<select[^>]*name="person"[^>]*>(.*?)</select>', html, re.S)
    assert found is not None
    assert b"data-people-search" in found.group(0)
    # Only the empty "nobody chosen yet" choice: the people come from the search.
    assert re.findall(rb"<option[^>]*>", found.group(1)) == [b'<option value="" selected>']


def test_the_search_answers_the_people_the_viewer_may_see(cast, client):
    extra = [
        PersonFactory(unit=cast.team, name=f"张{number}", employee_number=f"ZS{number:02d}")
        for number in range(25)
    ]
    manager = cast.client_for("manager")
    found = manager.get(SEARCH, {"q": "ZS"}).json()
    assert len(found) == 20  # at most a screenful
    assert {item["value"] for item in found} <= {person.pk for person in extra}
    assert found[0]["text"].startswith(f"{extra[0].display_name} (ZS00) · ")
    # The other team's salesperson is out of the manager's sight, in the search too.
    number = cast.other_salesperson.employee_number
    assert manager.get(SEARCH, {"q": number}).json() == []
    assert [
        item["value"] for item in cast.client_for("admin").get(SEARCH, {"q": number}).json()
    ] == [cast.other_salesperson.pk]
    assert manager.get(SEARCH, {"q": "  "}).json() == []
    assert cast.client_for("outsider").get(SEARCH, {"q": "ZS"}).json() == []
    assert client.get(SEARCH, {"q": "ZS"}).status_code == 302  # to the login page
