"""The period close computes every scorecard: hand-checked numbers, versions, overrides."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.performance.models import Scorecard
from salesalign.performance.selectors import scorecards as selectors
from salesalign.performance.services import periods, scorecards
from salesalign.performance.tests.scorecard_world import (
    TODAY,
    build,
    close_quarter,
    sell,
)

pytestmark = pytest.mark.django_db


def _cards(period, version=None):
    return {
        card.person_id or f"u{card.unit_id}": card
        for card in Scorecard.objects.filter(
            period=period, version=version or period.version
        ).prefetch_related("kpis__kpi")
    }


def test_the_close_computes_every_salespersons_card_with_hand_checked_numbers(cast):
    build(cast)
    period = close_quarter(cast)
    cards = _cards(period)
    first = cards[cast.salesperson.pk]
    lines = {line.kpi.key: line for line in first.kpis.all()}
    assert lines["revenue"].target == Decimal("10000.00")
    assert lines["revenue"].actual == Decimal("11500.00")
    assert lines["revenue"].attainment == Decimal("115.00")
    assert lines["revenue"].weighted_score == Decimal("80.50")
    assert lines["gross_margin"].actual == Decimal("40.00")
    assert lines["gross_margin"].score == Decimal("100.00")
    assert (first.total_score, first.rating) == (Decimal("110.50"), "A")
    assert (first.team_rank, first.team_size) == (1, 2)
    assert (first.department_rank, first.department_size) == (2, 3)

    second = cards[cast.salesperson2.pk]
    assert (second.total_score, second.rating, second.team_rank) == (Decimal("35.00"), "D", 2)
    other = cards[cast.other_salesperson.pk]
    assert (other.total_score, other.rating, other.weights_counted) == (
        Decimal("120.00"),
        "S",
        Decimal("30.00"),
    )
    assert (other.department_rank, other.team_rank, other.team_size) == (1, 1, 1)
    # Managers, HR, executives and the admin have no salesperson template: no card.
    assert cast.manager.pk not in cards and cast.hr.pk not in cards
    team = cards[f"u{cast.team.pk}"]
    assert (team.person_id, team.total_score, team.rating) == (None, Decimal("60.00"), "C")
    assert team.team_rank is None
    explanation = [step["code"] for step in first.explanation]
    assert explanation[0] == "total" and "rating" in explanation


def test_a_closed_period_never_changes_silently_and_a_reclose_makes_version_2(cast):
    build(cast)
    period = close_quarter(cast)
    sell(cast, cast.salesperson2, "5000.00", "3000.00", datetime.date(2026, 3, 1))
    stored = _cards(period)[cast.salesperson2.pk]
    assert stored.total_score == Decimal("35.00")  # the new order changed nothing

    period = periods.period_reopen(actor=cast.hr.user, period=period, reason="late orders")
    period = periods.period_close(actor=cast.hr.user, period=period, today=TODAY)
    assert period.version == 2
    again = _cards(period)[cast.salesperson2.pk]
    # 10,000 / 10,000 = 100 % → 70.00; margin 3,000 / 10,000 = 30 % → 75 % → 0.
    assert (again.total_score, again.version) == (Decimal("70.00"), 2)
    assert _cards(period, version=1)[cast.salesperson2.pk].total_score == Decimal("35.00")

    changes = selectors.scorecard_changes(period=period, from_version=1, to_version=2)
    changed = {(change.person_id, change.what) for change in changes}
    assert (cast.salesperson2.pk, "total_score") in changed
    assert (cast.salesperson2.pk, "rating") in changed
    assert (cast.salesperson.pk, "total_score") not in changed
    total = next(
        change
        for change in changes
        if change.person_id == cast.salesperson2.pk and change.what == "total_score"
    )
    assert (total.before, total.after) == (Decimal("35.00"), Decimal("70.00"))


def test_the_close_makes_the_same_number_of_queries_for_3_and_30_people(
    cast, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from salesalign.organization.tests.factories import PersonFactory

    build(cast)
    period = periods.period_open(actor=cast.hr.user, kind="quarterly", fiscal_year=2026, number=1)
    with CaptureQueriesContext(connection) as small:
        period = periods.period_close(actor=cast.hr.user, period=period, today=TODAY)
    assert Scorecard.objects.filter(period=period, person__isnull=False).count() == 3
    for number in range(27):
        person = PersonFactory(unit=cast.other_team, employee_number=f"X{number:02d}")
        sell(cast, person, "100.00", "50.00", datetime.date(2026, 2, 1))
    period = periods.period_reopen(actor=cast.hr.user, period=period, reason="more people")
    with django_assert_num_queries(len(small)):
        period = periods.period_close(actor=cast.hr.user, period=period, today=TODAY)
    assert Scorecard.objects.filter(period=period, version=2, person__isnull=False).count() == 30


def test_templates_refuse_weights_that_do_not_total_100(cast):
    with pytest.raises(DomainError) as error:
        scorecards.template_save(
            actor=cast.admin.user,
            name="Broken",
            lines=[{"kpi": "revenue", "weight": "60"}, {"kpi": "new_customers", "weight": "30"}],
        )
    assert error.value.field == "lines"
    assert "90" in error.value.message
    with pytest.raises(DomainError) as error:
        scorecards.template_save(
            actor=cast.admin.user, name="Unknown", lines=[{"kpi": "nope", "weight": "100"}]
        )
    assert error.value.field == "lines[0].kpi"
    with pytest.raises(NotAllowed):
        scorecards.template_save(
            actor=cast.manager.user, name="X", lines=[{"kpi": "revenue", "weight": "100"}]
        )


def test_the_most_specific_template_wins(cast):
    from salesalign.core.choices import Role

    general = scorecards.template_save(
        actor=cast.admin.user,
        name="All sales",
        role=Role.SALESPERSON,
        lines=[{"kpi": "revenue", "weight": "100"}],
    )
    team = scorecards.template_save(
        actor=cast.admin.user,
        name="East team",
        unit=cast.team,
        lines=[{"kpi": "order_count", "weight": "100"}],
    )
    compiled = scorecards.compile_templates().values()
    assert (
        scorecards.template_for_person(
            compiled, role=Role.SALESPERSON, unit_path=cast.salesperson.unit.path
        ).pk
        == team.pk
    )
    assert (
        scorecards.template_for_person(
            compiled, role=Role.SALESPERSON, unit_path=cast.other_team.path
        ).pk
        == general.pk
    )
    assert (
        scorecards.template_for_person(compiled, role=Role.MANAGER, unit_path=cast.team.path)
        is None
    )


def test_an_override_replaces_the_score_with_its_reason_and_is_audited(cast):
    from auditlog.context import set_actor

    build(cast)
    period = close_quarter(cast)
    card = _cards(period)[cast.salesperson2.pk]
    with pytest.raises(NotAllowed):
        scorecards.scorecard_override(
            actor=cast.manager.user, scorecard=card, score="90", reason="x"
        )
    with pytest.raises(DomainError) as error:
        scorecards.scorecard_override(actor=cast.hr.user, scorecard=card, score="90", reason="")
    assert error.value.field == "reason"
    with set_actor(cast.hr.user):
        card = scorecards.scorecard_override(
            actor=cast.hr.user, scorecard=card, score="90", reason="Big deal signed late"
        )
    card.refresh_from_db()
    assert (card.override_score, card.rating, card.total_score) == (
        Decimal("90.00"),
        "B",
        Decimal("35.00"),
    )
    entry = LogEntry.objects.get_for_object(card).get(action=LogEntry.Action.UPDATE)
    assert entry.actor == cast.hr.user
    assert "override_score" in entry.changes_dict


def test_a_teams_card_counts_the_templates_new_customer_target_once_per_salesperson(cast):
    from salesalign.core.choices import Role
    from salesalign.performance.tests.scorecard_world import SALES_LINES, revenue_targets

    # Every salesperson is to win one new customer a quarter (the template's target); the
    # team of two has two to win, not one.
    lines = [
        {**SALES_LINES[0], "weight": "50"},
        {**SALES_LINES[1], "weight": "30"},
        {"kpi": "new_customers", "weight": "20", "rule": {"kind": "linear", "target": "1"}},
    ]
    scorecards.template_save(
        actor=cast.admin.user, name="Sales", role=Role.SALESPERSON, lines=lines
    )
    revenue_targets(cast, [cast.salesperson, cast.salesperson2])
    sell(cast, cast.salesperson, "11500.00", "6900.00", datetime.date(2026, 2, 10))
    sell(cast, cast.salesperson2, "5000.00", "4000.00", datetime.date(2026, 3, 31))
    period = close_quarter(cast)
    cards = _cards(period)
    team = cards[f"u{cast.team.pk}"]
    new = next(line for line in team.kpis.all() if line.kpi.key == "new_customers")
    assert (new.target, new.actual, new.attainment) == (Decimal(2), Decimal(2), Decimal(100))
    assert new.explanation[0]["code"] == "target_from_template_for_people"
    own = cards[cast.salesperson.pk]
    mine = next(line for line in own.kpis.all() if line.kpi.key == "new_customers")
    assert (mine.target, mine.actual) == (Decimal(1), Decimal(1))


def test_someone_who_left_during_the_quarter_is_scored_for_it_and_a_later_hire_is_not(cast):
    from salesalign.organization import services as organization_services
    from salesalign.organization.tests.factories import PersonFactory

    build(cast)
    organization_services.person_leave(
        actor=cast.admin.user, person=cast.salesperson2, left_on=datetime.date(2026, 3, 31)
    )
    hired_later = PersonFactory(unit=cast.team, hire_date=datetime.date(2026, 4, 13))
    period = close_quarter(cast)
    cards = _cards(period)
    # The leaver's quarter counts as it was sold: the same card as in the table above.
    leaver = cards[cast.salesperson2.pk]
    assert (leaver.total_score, leaver.rating, leaver.team_rank) == (Decimal("35.00"), "D", 2)
    assert hired_later.pk not in cards
    # Every statement of the close has its scorecard beside it.
    from salesalign.performance.models import Statement

    paid = set(Statement.objects.filter(period=period).values_list("person_id", flat=True))
    assert paid <= set(cards)
