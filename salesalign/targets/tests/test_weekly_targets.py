"""Weekly targets (TARGET_WEEKS): this month's target spread over its ISO weeks, exactly."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import override_settings

from salesalign.targets.selectors.line_of_sight import line_of_sight
from salesalign.targets.tests.test_views_sight import approved

pytestmark = pytest.mark.django_db

#: 13 May 2026 is a Wednesday in ISO week 20; May 2026 starts on a Friday. (The world's
#: history sells in February, May, September and December, so May has a target.)
TODAY = datetime.date(2026, 5, 13)


def _sight(world, person):
    return line_of_sight(user=world.cast.admin.user, today=TODAY, person_id=person.pk)


@override_settings(TARGET_WEEKS="days")
def test_this_months_target_is_spread_over_its_weeks_by_days_and_adds_up(world):
    approved(world)
    [revenue] = _sight(world, world.cast.salesperson).metrics
    weeks = revenue.this_month_weeks
    assert [week.key for week in weeks] == [
        "2026-W18",
        "2026-W19",
        "2026-W20",
        "2026-W21",
        "2026-W22",
    ]
    assert sum(week.value for week in weeks) == revenue.this_month
    assert revenue.this_month > 0
    # May's three days in week 18 against seven in week 19: 3/31 and 7/31 of the month.
    assert abs(weeks[0].value - revenue.this_month * 3 / 31) <= Decimal("0.01")
    assert abs(weeks[1].value - revenue.this_month * 7 / 31) <= Decimal("0.01")
    assert (weeks[0].first, weeks[0].last) == (datetime.date(2026, 5, 1), datetime.date(2026, 5, 3))
    assert (weeks[-1].first, weeks[-1].last) == (
        datetime.date(2026, 5, 25),
        datetime.date(2026, 5, 31),
    )
    assert [week.current for week in weeks] == [False, False, True, False, False]

    html = render_to_string(
        "targets/_line_of_sight.html", {"sight": _sight(world, world.cast.salesperson)}
    )
    assert 'data-week="2026-W20" class="table-active" aria-current="date"' in html


@override_settings(TARGET_WEEKS="weekdays")
def test_by_weekdays_a_weekend_counts_for_nothing(world):
    approved(world)
    [revenue] = _sight(world, world.cast.salesperson).metrics
    weeks = {week.key: week.value for week in revenue.this_month_weeks}
    assert sum(weeks.values()) == revenue.this_month
    # 21 weekdays in May 2026: week 18 holds one (Friday the 1st), a full week five.
    assert abs(weeks["2026-W18"] - revenue.this_month / 21) <= Decimal("0.01")
    assert abs(weeks["2026-W19"] - revenue.this_month * 5 / 21) <= Decimal("0.01")


def test_without_the_setting_there_are_no_weeks(world):
    approved(world)
    [revenue] = _sight(world, world.cast.salesperson).metrics
    assert revenue.this_month is not None
    assert revenue.this_month_weeks == []
