"""The "Our strategy" page: every employee reads the published statement and the goal tree."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import MEMBERS
from salesalign.strategy.tests.goals_fixtures import (
    new_edition,
    new_strategic_goal,
    new_tactical_goal,
)

pytestmark = pytest.mark.django_db

URL = reverse("strategy:our_strategy")
THIS_YEAR = timezone.localdate().year


@pytest.mark.parametrize("who", MEMBERS)
def test_every_member_of_the_cast_reads_vision_mission_values_and_goals(cast, who):
    new_edition(cast, year=THIS_YEAR, vision="Be the first choice", mission="Make buying simple")
    share = new_strategic_goal(cast, title="Market share 15 %")
    new_tactical_goal(
        cast,
        serves=[share],
        title="Win 40 key accounts",
        year=THIS_YEAR,
        deadline=date(THIS_YEAR, 12, 31),
    )
    response = cast.client_for(who).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Be the first choice",
        "Make buying simple",
        "客户第一",
        "We win when our customers win.",
    ):
        assert text in page
    assert "Market share 15 %" in page and "Win 40 key accounts" in page


@pytest.mark.parametrize("who", ["manager", "salesperson", "hr", "outsider"])
def test_a_draft_edition_is_never_shown_to_non_editors(cast, who):
    new_edition(cast, year=THIS_YEAR, vision="Secret draft vision", publish=False)
    page = cast.client_for(who).get(URL).content.decode()
    assert "Secret draft vision" not in page
    assert 'id="draft-notice"' not in page
    assert 'id="empty-strategy"' in page
    assert reverse("strategy:edition_create") not in page


@pytest.mark.parametrize("who", ["admin", "executive"])
def test_editors_see_the_empty_state_with_a_link_to_write_the_first_edition(cast, who):
    page = cast.client_for(who).get(URL).content.decode()
    assert 'id="empty-strategy"' in page
    assert reverse("strategy:edition_create") in page


def test_an_editor_is_pointed_to_the_draft_but_the_page_shows_only_the_published_text(cast):
    new_edition(cast, year=THIS_YEAR - 1, vision="Published vision")
    new_edition(cast, year=THIS_YEAR, vision="Draft vision", publish=False)
    page = cast.client_for("executive").get(URL).content.decode()
    assert "Published vision" in page
    assert "Draft vision" not in page
    assert 'id="draft-notice"' in page
    assert 'id="older-edition-note"' in page


def test_the_year_switcher_reads_an_earlier_edition(cast):
    new_edition(cast, year=THIS_YEAR - 2, vision="The old vision")
    new_edition(cast, year=THIS_YEAR, vision="The new vision")
    client = cast.client_for("salesperson")
    old = client.get(URL, {"year": THIS_YEAR - 2}).content.decode()
    new = client.get(URL).content.decode()
    assert "The old vision" in old and "The new vision" not in old
    assert "The new vision" in new
    assert f'<option value="{THIS_YEAR - 2}"' in new


def test_a_nonsense_year_falls_back_to_this_year(cast):
    new_edition(cast, year=THIS_YEAR, vision="This year's vision")
    response = cast.client_for("salesperson").get(URL, {"year": "abc"})
    assert response.status_code == 200
    assert "This year&#x27;s vision" in response.content.decode()


def test_only_this_years_goals_hang_under_a_strategic_goal(cast):
    share = new_strategic_goal(cast, baseline_year=THIS_YEAR - 2, horizon_year=THIS_YEAR + 3)
    new_tactical_goal(cast, serves=[share], title="This year", year=THIS_YEAR, deadline=None)
    new_tactical_goal(cast, serves=[share], title="Last year", year=THIS_YEAR - 1, deadline=None)
    page = cast.client_for("salesperson").get(URL).content.decode()
    assert "This year" in page
    assert "Last year" not in page


def test_the_page_costs_the_same_queries_as_goals_grow(cast, django_assert_max_num_queries):
    new_edition(cast, year=THIS_YEAR)
    client = cast.client_for("salesperson")
    share = new_strategic_goal(cast, baseline_year=None, horizon_year=None)
    new_tactical_goal(cast, serves=[share], year=THIS_YEAR, deadline=None)
    with django_assert_max_num_queries(30) as few:
        client.get(URL)
    baseline = len(few.captured_queries)
    for index in range(10):
        extra = new_strategic_goal(
            cast, title=f"Goal {index}", baseline_year=None, horizon_year=None
        )
        new_tactical_goal(cast, serves=[extra, share], year=THIS_YEAR, deadline=None)
    with django_assert_max_num_queries(baseline) as many:
        response = client.get(URL)
    assert response.content.decode().count('class="card mb-3 strategic-goal"') == 11
    assert len(many.captured_queries) == baseline
