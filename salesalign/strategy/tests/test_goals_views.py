"""Pages for editions, values and goals: everyone reads, only admins and executives write."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from conftest import MEMBERS
from salesalign.strategy.choices import PublicationStatus
from salesalign.strategy.models import CoreValue, StrategicGoal, StrategyEdition, TacticalGoal
from salesalign.strategy.tests.goals_fixtures import (
    new_edition,
    new_strategic_goal,
    new_tactical_goal,
)

pytestmark = pytest.mark.django_db

EDITORS = ["admin", "executive"]
READERS = [who for who in MEMBERS if who not in EDITORS]
THIS_YEAR = timezone.localdate().year


def goal_post(cast, **overrides):
    data = {
        "title": "Revenue growth 20 %/yr",
        "description": "",
        "metric": "revenue_growth",
        "custom_metric_name": "",
        "unit_of_measure": "%",
        "baseline_value": "12",
        "baseline_year": str(THIS_YEAR - 1),
        "target_value": "20",
        "horizon_year": str(THIS_YEAR + 2),
        "owner": str(cast.executive.pk),
        "status": "active",
    }
    data.update(overrides)
    return data


def tactical_post(cast, serves, **overrides):
    data = {
        "title": "Open 3 new provinces",
        "description": "",
        "year": str(THIS_YEAR),
        "strategic_goals": [str(goal.pk) for goal in serves],
        "metric": "custom",
        "custom_metric_name": "Provinces opened",
        "unit_of_measure": "",
        "target_value": "3",
        "deadline": f"{THIS_YEAR}-09-30",
        "owning_unit": str(cast.department.pk),
        "status": "active",
    }
    data.update(overrides)
    return data


# --- reading -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", MEMBERS)
def test_everyone_reads_the_goal_list_with_smart_badges_and_only_editors_get_edit_links(cast, who):
    share = new_strategic_goal(cast, baseline_year=THIS_YEAR - 1, horizon_year=THIS_YEAR + 3)
    new_tactical_goal(
        cast, serves=[share], title="Complete", year=THIS_YEAR, deadline=date(THIS_YEAR, 6, 1)
    )
    new_tactical_goal(cast, title="Vague", year=THIS_YEAR, deadline=None, target_value=None)
    response = cast.client_for(who).get(reverse("strategy:goal_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Complete" in page and "Vague" in page
    assert 'data-gap="not_linked"' in page and 'data-gap="no_target_value"' in page
    assert "not linked to any strategic goal" in page
    assert (reverse("strategy:strategic_goal_create") in page) == (who in EDITORS)


@pytest.mark.parametrize("who", MEMBERS)
def test_everyone_reads_goal_details_with_the_smart_check_and_history(cast, who):
    share = new_strategic_goal(cast, owner_id=None)
    tactical = new_tactical_goal(cast, serves=[share], deadline=None)
    client = cast.client_for(who)
    strategic_page = client.get(reverse("strategy:strategic_goal_detail", args=[share.pk]))
    tactical_page = client.get(reverse("strategy:tactical_goal_detail", args=[tactical.pk]))
    assert strategic_page.status_code == tactical_page.status_code == 200
    assert 'data-gap="no_owner"' in strategic_page.content.decode()
    assert 'data-gap="no_deadline"' in tactical_page.content.decode()
    assert 'id="history-heading"' in tactical_page.content.decode()
    assert (b'id="edit-goal"' in strategic_page.content) == (who in EDITORS)


@pytest.mark.parametrize("who", MEMBERS)
def test_drafts_are_listed_and_opened_only_by_editors(cast, who):
    published = new_edition(cast, year=THIS_YEAR - 1)
    draft = new_edition(cast, year=THIS_YEAR, publish=False)
    client = cast.client_for(who)
    listing = client.get(reverse("strategy:edition_list")).content.decode()
    assert reverse("strategy:edition_detail", args=[published.pk]) in listing
    assert (reverse("strategy:edition_detail", args=[draft.pk]) in listing) == (who in EDITORS)
    draft_page = client.get(reverse("strategy:edition_detail", args=[draft.pk]))
    assert draft_page.status_code == (200 if who in EDITORS else 404)


def test_a_goal_s_year_is_in_parentheses_as_each_language_writes_them(cast):
    # Chinese writes full-width parentheses with no space before: 9.5 %（2024）, not (2024).
    strategic = new_strategic_goal(cast)  # from 2024 to 2028
    tactical = new_tactical_goal(cast, serves=[strategic])  # for 2025
    client = cast.client_for("admin")
    pages = {
        reverse("strategy:goal_list") + "?year=2025": "2024",  # the baseline's year
        reverse("strategy:strategic_goal_detail", args=[strategic.pk]): "2024",
        reverse("strategy:tactical_goal_detail", args=[tactical.pk]): "2028",  # the horizon
        reverse("strategy:strategic_goal_delete", args=[strategic.pk]): "2025",  # goals lost
        reverse("strategy:tactical_goal_update", args=[tactical.pk]): "2028",  # the choices
    }
    for language, written, not_written in [
        ("en", " ({year})", "（{year}）"),
        ("zh-hans", "（{year}）", "({year})"),
    ]:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for url, year in pages.items():
            page = client.get(url).content.decode()
            assert written.format(year=year) in page, (language, url)
            assert not_written.format(year=year) not in page, (language, url)
    # A goal kept in percent: 9.50 % in English, 9.50% in Chinese.
    detail = reverse("strategy:strategic_goal_detail", args=[strategic.pk])
    assert "9.50%（2024）" in client.get(detail).content.decode()  # still in Chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "9.50 % (2024)" in client.get(detail).content.decode()


def test_missing_goals_answer_404(cast):
    client = cast.client_for("salesperson")
    assert client.get(reverse("strategy:strategic_goal_detail", args=[999])).status_code == 404
    assert client.get(reverse("strategy:tactical_goal_detail", args=[999])).status_code == 404


def test_the_goal_list_costs_the_same_queries_as_goals_grow(cast, django_assert_max_num_queries):
    client = cast.client_for("manager")
    share = new_strategic_goal(cast, baseline_year=None, horizon_year=None)
    new_tactical_goal(cast, serves=[share], year=THIS_YEAR, deadline=None)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("strategy:goal_list"))
    baseline = len(few.captured_queries)
    for index in range(10):
        extra = new_strategic_goal(
            cast, title=f"Goal {index}", baseline_year=None, horizon_year=None
        )
        new_tactical_goal(
            cast, serves=[extra, share], title=f"T{index}", year=THIS_YEAR, deadline=None
        )
        new_tactical_goal(cast, title=f"U{index}", year=THIS_YEAR, deadline=None)
    with django_assert_max_num_queries(baseline):
        response = client.get(reverse("strategy:goal_list"))
    assert response.content.decode().count('class="list-group-item tactical-goal"') == 31


# --- writing: editions and values --------------------------------------------------------


@pytest.mark.parametrize("who", EDITORS)
def test_an_editor_creates_edits_and_publishes_an_edition(cast, who):
    new_edition(cast, year=THIS_YEAR - 1, vision="Old vision")
    client = cast.client_for(who)
    response = client.post(
        reverse("strategy:edition_create"),
        {"year": THIS_YEAR, "vision": "", "mission": "New mission", "copy_from_latest": "on"},
    )
    edition = StrategyEdition.objects.get(year=THIS_YEAR)
    assert response.url == reverse("strategy:edition_detail", args=[edition.pk])
    assert (edition.vision, edition.mission) == ("Old vision", "New mission")
    assert edition.values.count() == 2
    client.post(
        reverse("strategy:edition_update", args=[edition.pk]),
        {"year": THIS_YEAR, "vision": "New vision", "mission": "New mission"},
    )
    confirm = client.get(reverse("strategy:edition_publish", args=[edition.pk]))
    assert b'id="confirm-publish"' in confirm.content
    client.post(reverse("strategy:edition_publish", args=[edition.pk]))
    edition.refresh_from_db()
    assert edition.vision == "New vision"
    assert edition.status == PublicationStatus.PUBLISHED
    assert edition.published_by == getattr(cast, who).user


def test_a_new_edition_without_vision_shows_the_error_on_the_field(cast):
    response = cast.client_for("admin").post(
        reverse("strategy:edition_create"), {"year": THIS_YEAR, "vision": "", "mission": "M"}
    )
    assert response.status_code == 200
    assert "vision" in response.context["form"].errors
    assert not StrategyEdition.objects.exists()


def test_a_duplicate_year_is_shown_on_the_year_field(cast):
    new_edition(cast, year=THIS_YEAR)
    response = cast.client_for("admin").post(
        reverse("strategy:edition_create"), {"year": THIS_YEAR, "vision": "V", "mission": "M"}
    )
    assert "year" in response.context["form"].errors


def test_a_published_edition_cannot_be_edited_through_the_page(cast):
    edition = new_edition(cast, year=THIS_YEAR, vision="Fixed")
    client = cast.client_for("admin")
    client.post(
        reverse("strategy:edition_update", args=[edition.pk]),
        {"year": THIS_YEAR, "vision": "Changed", "mission": "M"},
    )
    client.post(reverse("strategy:core_value_add", args=[edition.pk]), {"add-name": "Sneaky"})
    edition.refresh_from_db()
    assert edition.vision == "Fixed"
    assert not edition.values.filter(name="Sneaky").exists()
    page = client.get(reverse("strategy:edition_detail", args=[edition.pk])).content.decode()
    assert 'id="add-value"' not in page and 'id="edit-edition"' not in page


def test_values_are_edited_inline_with_htmx(cast):
    edition = new_edition(cast, year=THIS_YEAR, publish=False)
    client = cast.client_for("executive")
    htmx = {"HTTP_HX_REQUEST": "true"}
    added = client.post(
        reverse("strategy:core_value_add", args=[edition.pk]),
        {"add-name": "Courage", "add-explanation": "We speak up."},
        **htmx,
    )
    assert added.status_code == 200
    assert added.content.decode().lstrip().startswith('<div id="core-values">')
    assert "Courage" in added.content.decode()
    value = CoreValue.objects.get(name="Courage")
    row_form = client.get(reverse("strategy:core_value_update", args=[value.pk]), **htmx)
    assert 'name="edit-name"' in row_form.content.decode()
    client.post(
        reverse("strategy:core_value_update", args=[value.pk]),
        {"edit-name": "Bravery", "edit-explanation": "We speak up."},
        **htmx,
    )
    client.post(reverse("strategy:core_value_move", args=[value.pk, "up"]), **htmx)
    assert [v.name for v in edition.values.order_by("position")] == [
        "客户第一",
        "Bravery",
        "Integrity",
    ]
    duplicate = client.post(
        reverse("strategy:core_value_add", args=[edition.pk]), {"add-name": "bravery"}, **htmx
    )
    assert "already in this edition" in duplicate.content.decode()
    removed = client.post(reverse("strategy:core_value_delete", args=[value.pk]), **htmx)
    assert "Bravery" not in removed.content.decode()
    assert edition.values.count() == 2


def test_without_htmx_value_forms_post_and_return_to_the_edition(cast):
    edition = new_edition(cast, year=THIS_YEAR, publish=False)
    response = cast.client_for("admin").post(
        reverse("strategy:core_value_add", args=[edition.pk]), {"add-name": "Focus"}
    )
    assert response.status_code == 302
    assert response.url == reverse("strategy:edition_detail", args=[edition.pk])
    assert edition.values.filter(name="Focus").exists()


@pytest.mark.parametrize("who", READERS)
def test_a_reader_cannot_write_editions_or_values_and_nothing_changes(cast, who):
    draft = new_edition(cast, year=THIS_YEAR, vision="Draft", publish=False)
    value = draft.values.first()
    client = cast.client_for(who)
    attempts = [
        client.get(reverse("strategy:edition_create")),
        client.post(
            reverse("strategy:edition_create"),
            {"year": THIS_YEAR + 1, "vision": "V", "mission": "M"},
        ),
        client.post(
            reverse("strategy:edition_update", args=[draft.pk]),
            {"year": THIS_YEAR, "vision": "X", "mission": "M"},
        ),
        client.post(reverse("strategy:edition_publish", args=[draft.pk])),
        client.post(reverse("strategy:core_value_add", args=[draft.pk]), {"add-name": "X"}),
        client.post(reverse("strategy:core_value_update", args=[value.pk]), {"edit-name": "X"}),
        client.post(reverse("strategy:core_value_delete", args=[value.pk])),
        client.post(reverse("strategy:core_value_move", args=[value.pk, "down"])),
    ]
    assert {response.status_code for response in attempts} <= {403, 404}
    draft.refresh_from_db()
    assert (draft.vision, draft.status) == ("Draft", PublicationStatus.DRAFT)
    assert StrategyEdition.objects.count() == 1
    assert list(draft.values.values_list("name", flat=True)) == ["客户第一", "Integrity"]


# --- writing: goals ----------------------------------------------------------------------


@pytest.mark.parametrize("who", EDITORS)
def test_an_editor_creates_updates_and_deletes_goals(cast, who):
    client = cast.client_for(who)
    response = client.post(reverse("strategy:strategic_goal_create"), goal_post(cast))
    strategic = StrategicGoal.objects.get()
    assert response.url == reverse("strategy:strategic_goal_detail", args=[strategic.pk])
    assert strategic.owner == cast.executive
    response = client.post(
        reverse("strategy:tactical_goal_create"), tactical_post(cast, [strategic])
    )
    tactical = TacticalGoal.objects.get()
    assert list(tactical.strategic_goals.all()) == [strategic]
    assert tactical.custom_metric_name == "Provinces opened"
    client.post(
        reverse("strategy:tactical_goal_update", args=[tactical.pk]),
        tactical_post(cast, [strategic], target_value="4"),
    )
    tactical.refresh_from_db()
    assert tactical.target_value == 4
    detail = client.get(
        reverse("strategy:tactical_goal_detail", args=[tactical.pk])
    ).content.decode()
    assert "target value" in detail  # the history names the change
    confirm = client.get(reverse("strategy:strategic_goal_delete", args=[strategic.pk]))
    assert "Open 3 new provinces" in confirm.content.decode()
    client.post(reverse("strategy:strategic_goal_delete", args=[strategic.pk]))
    client.post(reverse("strategy:tactical_goal_delete", args=[tactical.pk]))
    assert not StrategicGoal.objects.exists() and not TacticalGoal.objects.exists()


def test_a_deadline_outside_the_year_is_shown_on_the_deadline_field(cast):
    strategic = new_strategic_goal(cast)
    response = cast.client_for("admin").post(
        reverse("strategy:tactical_goal_create"),
        tactical_post(cast, [strategic], deadline=f"{THIS_YEAR + 1}-01-15"),
    )
    assert response.status_code == 200
    assert "deadline" in response.context["form"].errors
    assert not TacticalGoal.objects.exists()


def test_the_tactical_form_is_prefilled_with_the_goal_it_serves(cast):
    strategic = new_strategic_goal(cast)
    response = cast.client_for("admin").get(
        reverse("strategy:tactical_goal_create"), {"serves": strategic.pk, "year": THIS_YEAR}
    )
    form = response.context["form"]
    assert form.initial["strategic_goals"] == [strategic.pk]
    assert form.initial["year"] == THIS_YEAR


@pytest.mark.parametrize("who", READERS)
def test_a_reader_cannot_write_goals_and_nothing_changes(cast, who):
    strategic = new_strategic_goal(cast)
    tactical = new_tactical_goal(cast, serves=[strategic])
    client = cast.client_for(who)
    attempts = [
        client.get(reverse("strategy:strategic_goal_create")),
        client.post(reverse("strategy:strategic_goal_create"), goal_post(cast)),
        client.post(
            reverse("strategy:strategic_goal_update", args=[strategic.pk]),
            goal_post(cast, title="X"),
        ),
        client.post(reverse("strategy:strategic_goal_delete", args=[strategic.pk])),
        client.post(reverse("strategy:tactical_goal_create"), tactical_post(cast, [strategic])),
        client.post(
            reverse("strategy:tactical_goal_update", args=[tactical.pk]),
            tactical_post(cast, [], title="X"),
        ),
        client.post(reverse("strategy:tactical_goal_delete", args=[tactical.pk])),
    ]
    assert {response.status_code for response in attempts} == {403}
    assert list(StrategicGoal.objects.values_list("title", flat=True)) == [strategic.title]
    assert list(TacticalGoal.objects.values_list("title", flat=True)) == [tactical.title]


def test_the_edition_page_history_includes_added_and_removed_values(cast):
    edition = new_edition(cast, year=THIS_YEAR, publish=False)
    client = cast.client_for("executive")
    client.post(reverse("strategy:core_value_add", args=[edition.pk]), {"add-name": "Courage"})
    removed = edition.values.get(name="Integrity")
    client.post(reverse("strategy:core_value_delete", args=[removed.pk]))
    response = client.get(reverse("strategy:edition_detail", args=[edition.pk]))
    # Entries about a value name it as their subject; the edition's own entries have none.
    actions = [(entry.subject, entry.action) for entry in response.context["history"]]
    assert ("Courage", "create") in actions  # Courage added
    assert ("Integrity", "delete") in actions  # Integrity removed
    assert ("", "create") in actions  # the edition itself
    assert "Courage" in response.content.decode()
