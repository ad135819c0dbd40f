"""Long selects carry the mark that makes them searchable in the page; short ones do not."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.urls import reverse

from salesalign.core.templatetags.selects import searchable
from salesalign.core.widgets import SearchableSelect
from salesalign.organization.forms import TreeChoiceField
from salesalign.organization.models import OrgUnit
from salesalign.organization.tests.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db

NEW_CUSTOMER = reverse("sales:customer_create")


def select_tag(html: str, name: str) -> str:
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>', html)
    assert found is not None, name
    return found.group(0)


def test_a_select_is_searchable_from_more_choices_than_the_setting(settings):
    choices = [("", "—"), ("1", "one"), ("2", "two"), ("3", "three")]  # the empty one not counted
    settings.SEARCHABLE_SELECT_FROM = 2
    assert "data-searchable" in SearchableSelect(choices=choices).render("pick", "1")
    assert searchable(choices) == "data-searchable"
    settings.SEARCHABLE_SELECT_FROM = 3
    assert "data-searchable" not in SearchableSelect(choices=choices).render("pick", "1")
    assert searchable(choices) == ""


def test_a_tree_of_units_counts_its_choices_in_the_database(cast, settings):
    class Pick(forms.Form):
        unit = TreeChoiceField(queryset=OrgUnit.objects.order_by("path"))

    units = OrgUnit.objects.count()
    settings.SEARCHABLE_SELECT_FROM = units
    assert "data-searchable" not in str(Pick()["unit"])
    OrgUnitFactory(parent=cast.company)
    assert "data-searchable" in str(Pick()["unit"])


def test_the_unit_choice_of_the_actuals_and_scorecard_pages_is_searchable_when_long(cast, settings):
    client = cast.client_for("executive")
    pages = [reverse("sales:actuals"), reverse("performance:scorecard_list")]
    units = OrgUnit.objects.count()
    settings.SEARCHABLE_SELECT_FROM = units
    for url in pages:
        assert "data-searchable" not in select_tag(client.get(url).content.decode(), "unit")
    settings.SEARCHABLE_SELECT_FROM = units - 1
    for url in pages:
        assert "data-searchable" in select_tag(client.get(url).content.decode(), "unit")


def test_people_searched_on_the_server_are_not_searched_in_the_page_too(cast, settings):
    settings.SEARCHABLE_SELECT_FROM = 1
    settings.PEOPLE_SELECT_LIMIT = 1000
    tag = select_tag(cast.client_for("admin").get(NEW_CUSTOMER).content.decode(), "owner")
    assert "data-searchable" in tag and "data-people-search" not in tag
    settings.PEOPLE_SELECT_LIMIT = 1
    tag = select_tag(cast.client_for("admin").get(NEW_CUSTOMER).content.decode(), "owner")
    assert "data-people-search" in tag and "data-searchable" not in tag


def test_a_search_that_finds_nothing_says_so_in_the_pages_language(cast):
    client = cast.client_for("admin")
    english = client.get(NEW_CUSTOMER, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-no-results="Nothing matches."' in english
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(NEW_CUSTOMER, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-no-results="没有匹配的结果。"' in chinese


def test_a_tactical_goals_owning_unit_is_searchable_when_long(cast, settings):
    url = reverse("strategy:tactical_goal_create")
    client = cast.client_for("admin")
    units = OrgUnit.objects.count()
    settings.SEARCHABLE_SELECT_FROM = units
    assert "data-searchable" not in select_tag(client.get(url).content.decode(), "owning_unit")
    settings.SEARCHABLE_SELECT_FROM = units - 1
    assert "data-searchable" in select_tag(client.get(url).content.decode(), "owning_unit")


def test_a_documents_audience_units_are_searchable_when_long(cast, settings):
    url = reverse("strategy:document_create")
    client = cast.client_for("admin")
    units = OrgUnit.objects.filter(is_active=True).count()
    settings.SEARCHABLE_SELECT_FROM = units
    assert "data-searchable" not in select_tag(client.get(url).content.decode(), "audience_units")
    settings.SEARCHABLE_SELECT_FROM = units - 1
    tag = select_tag(client.get(url).content.decode(), "audience_units")
    assert "data-searchable" in tag and "multiple" in tag
