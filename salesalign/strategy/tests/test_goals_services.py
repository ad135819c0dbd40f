"""Writes of editions, values and goals: who may write, what publishing locks, what is audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.strategy.choices import PublicationStatus
from salesalign.strategy.models import CoreValue, StrategicGoal, StrategyEdition, TacticalGoal
from salesalign.strategy.services import goals as services
from salesalign.strategy.services.goals import CoreValueData, can_edit_strategy
from salesalign.strategy.tests.goals_fixtures import (
    new_edition,
    new_strategic_goal,
    new_tactical_goal,
)

pytestmark = pytest.mark.django_db


def test_only_admins_and_executives_may_edit_strategy(cast):
    editors = {
        who
        for who in ("admin", "executive", "hr", "manager", "salesperson", "other_manager")
        if can_edit_strategy(getattr(cast, who).user)
    }
    assert editors == {"admin", "executive"}
    assert not can_edit_strategy(cast.outsider)


def test_an_executive_creates_a_draft_edition_with_values_in_order(cast):
    user = cast.executive.user
    edition = services.edition_create(
        actor=user,
        year=2026,
        vision="Vision",
        mission="Mission",
        values=[CoreValueData("Speed", "Fast answers"), CoreValueData("Trust")],
    )
    assert edition.status == PublicationStatus.DRAFT
    assert list(edition.values.values_list("name", "position")) == [("Speed", 0), ("Trust", 1)]


def test_a_salesperson_cannot_create_an_edition_and_nothing_is_written(cast):
    with pytest.raises(NotAllowed):
        services.edition_create(actor=cast.salesperson.user, year=2026, vision="V", mission="M")
    assert not StrategyEdition.objects.exists()


def test_a_second_edition_for_the_same_year_is_refused_naming_the_year(cast):
    new_edition(cast, year=2025)
    with pytest.raises(DomainError) as error:
        services.edition_create(actor=cast.admin.user, year=2025, vision="V", mission="M")
    assert error.value.field == "year"


def test_a_new_edition_can_start_from_the_latest_one(cast):
    new_edition(cast, year=2025, vision="Old vision", mission="Old mission")
    edition = services.edition_create(
        actor=cast.admin.user, year=2026, mission="New mission", copy_from_latest=True
    )
    assert (edition.vision, edition.mission) == ("Old vision", "New mission")
    assert [value.name for value in edition.values.all()] == ["客户第一", "Integrity"]


def test_publishing_sets_when_and_who_and_locks_the_edition(cast):
    edition = new_edition(cast, publish=False)
    published = services.edition_publish(actor=cast.executive.user, edition=edition)
    assert published.status == PublicationStatus.PUBLISHED
    assert published.published_by == cast.executive.user
    assert published.published_at is not None
    with pytest.raises(DomainError):
        services.edition_update(
            actor=cast.admin.user, edition=published, year=2025, vision="Changed", mission="M"
        )
    with pytest.raises(DomainError):
        services.core_value_add(actor=cast.admin.user, edition=published, name="New value")
    with pytest.raises(DomainError):
        services.core_value_remove(actor=cast.admin.user, core_value=published.values.first())
    published.refresh_from_db()
    assert published.vision != "Changed"
    assert published.values.count() == 2


def test_an_edition_without_values_cannot_be_published(cast):
    edition = new_edition(cast, values=[], publish=False)
    with pytest.raises(DomainError) as error:
        services.edition_publish(actor=cast.admin.user, edition=edition)
    assert error.value.field == "values"


def test_values_are_added_renamed_reordered_and_removed_on_a_draft(cast):
    edition = new_edition(cast, publish=False)
    user = cast.admin.user
    added = services.core_value_add(actor=user, edition=edition, name="Courage", explanation="x")
    assert added.position == 2
    services.core_value_update(actor=user, core_value=added, name="Bravery", explanation="y")
    services.core_value_move(actor=user, core_value=added, offset=-1)
    assert [v.name for v in edition.values.order_by("position")] == [
        "客户第一",
        "Bravery",
        "Integrity",
    ]
    services.core_value_remove(actor=user, core_value=added)
    assert not CoreValue.objects.filter(name="Bravery").exists()


def test_a_duplicate_value_name_is_refused(cast):
    edition = new_edition(cast, publish=False)
    with pytest.raises(DomainError) as error:
        services.core_value_add(actor=cast.admin.user, edition=edition, name="integrity")
    assert error.value.field == "name"


def test_replacing_values_as_a_list_keeps_the_ones_that_stay(cast):
    edition = new_edition(cast, publish=False)
    kept = edition.values.get(name="Integrity")
    services.edition_update(
        actor=cast.admin.user,
        edition=edition,
        year=2025,
        vision="V",
        mission="M",
        values=[CoreValueData("Integrity", "Changed"), CoreValueData("Focus")],
    )
    values = list(edition.values.order_by("position"))
    assert [(v.name, v.explanation) for v in values] == [("Integrity", "Changed"), ("Focus", "")]
    assert values[0].pk == kept.pk


def test_a_tactical_goal_deadline_must_fall_in_its_year(cast):
    strategic = new_strategic_goal(cast)
    with pytest.raises(DomainError) as error:
        new_tactical_goal(cast, serves=[strategic], deadline=date(2026, 3, 1))
    assert error.value.field == "deadline"
    assert not TacticalGoal.objects.exists()


def test_a_horizon_before_the_baseline_is_refused_naming_the_horizon(cast):
    with pytest.raises(DomainError) as error:
        new_strategic_goal(cast, baseline_year=2025, horizon_year=2024)
    assert error.value.field == "horizon_year"


def test_an_unknown_strategic_goal_id_is_refused_naming_the_field(cast):
    with pytest.raises(DomainError) as error:
        new_tactical_goal(cast, strategic_goal_ids=[999])
    assert error.value.field == "strategic_goal_ids"


def test_a_custom_metric_name_is_dropped_for_a_standard_metric(cast):
    goal = new_strategic_goal(cast, custom_metric_name="ignored")
    assert goal.custom_metric_name == ""


def test_a_salesperson_cannot_write_goals_and_nothing_changes(cast):
    goal = new_strategic_goal(cast)
    user = cast.salesperson.user
    with pytest.raises(NotAllowed):
        services.strategic_goal_update(actor=user, goal=goal, title="Hacked")
    with pytest.raises(NotAllowed):
        services.strategic_goal_delete(actor=user, goal=goal)
    with pytest.raises(NotAllowed):
        services.tactical_goal_create(actor=user, title="Mine", year=2025)
    goal.refresh_from_db()
    assert goal.title == "Market share 15 % by 2028"
    assert not TacticalGoal.objects.exists()


def test_updating_a_tactical_goal_relinks_it(cast):
    first = new_strategic_goal(cast)
    second = new_strategic_goal(cast, title="Revenue growth 20 %/yr")
    tactical = new_tactical_goal(cast, serves=[first])
    services.tactical_goal_update(
        actor=cast.admin.user,
        goal=tactical,
        title=tactical.title,
        year=2025,
        strategic_goal_ids=[second.pk],
        target_value=Decimal("45"),
    )
    tactical.refresh_from_db()
    assert list(tactical.strategic_goals.all()) == [second]
    assert tactical.target_value == Decimal("45")


def test_deleting_a_strategic_goal_leaves_its_tactical_goals_unlinked(cast):
    strategic = new_strategic_goal(cast)
    tactical = new_tactical_goal(cast, serves=[strategic])
    with set_actor(cast.admin.user):
        services.strategic_goal_delete(actor=cast.admin.user, goal=strategic)
    assert not StrategicGoal.objects.exists()
    assert tactical.strategic_goals.count() == 0


def test_every_write_leaves_an_audit_entry_with_the_actor_and_the_changes(cast):
    goal = new_strategic_goal(cast)
    with set_actor(cast.executive.user):
        services.strategic_goal_update(
            actor=cast.executive.user,
            goal=goal,
            title="Market share 16 % by 2028",
            metric=goal.metric,
            unit_of_measure="%",
            baseline_value=goal.baseline_value,
            baseline_year=2024,
            target_value=Decimal("16"),
            horizon_year=2028,
            owner_id=cast.executive.pk,
        )
    entries = LogEntry.objects.get_for_object(goal).order_by("timestamp")
    assert [entry.action for entry in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    update = entries.last()
    assert update.actor == cast.executive.user
    assert update.changes_dict["title"] == [
        "Market share 15 % by 2028",
        "Market share 16 % by 2028",
    ]
    assert "target_value" in update.changes_dict


def test_publishing_and_value_changes_are_audited(cast):
    edition = new_edition(cast, publish=False)
    with set_actor(cast.executive.user):
        services.core_value_add(actor=cast.executive.user, edition=edition, name="Focus")
        services.edition_publish(actor=cast.executive.user, edition=edition)
    edition_entries = LogEntry.objects.get_for_object(edition)
    publish = edition_entries.filter(action=LogEntry.Action.UPDATE).get()
    assert publish.actor == cast.executive.user
    assert publish.changes_dict["status"] == ["draft", "published"]
    value = CoreValue.objects.get(name="Focus")
    assert LogEntry.objects.get_for_object(value).get().actor == cast.executive.user


def test_deleting_a_tactical_goal_is_audited(cast):
    tactical = new_tactical_goal(cast)
    pk = tactical.pk
    with set_actor(cast.admin.user):
        services.tactical_goal_delete(actor=cast.admin.user, goal=tactical)
    deletion = LogEntry.objects.filter(object_pk=str(pk), action=LogEntry.Action.DELETE).get()
    assert deletion.actor == cast.admin.user
