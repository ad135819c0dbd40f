"""The close's reading of a period's sales: each person's value, one by one or all at once."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from salesalign.engines.metrics import ZERO, value_of
from salesalign.performance.services.period_actuals import PeriodActuals
from salesalign.performance.tests.statements_world import satisfaction, sell

pytestmark = pytest.mark.django_db

FEB = datetime.date(2026, 2, 10)
METRICS = ["revenue", "gross_profit", "order_count", "new_customers", "customer_satisfaction"]


def one_by_one(reading: PeriodActuals, metric: str, person_id: int):
    """A person's value looked up in the result root by root: what `of_people` must give."""
    result = reading._result(metric)
    tally = ZERO
    for root in reading._roots:
        tally += result.tally(period=reading.span, person=person_id, within=root)
    return value_of(result.metric, tally)


def test_everyone_read_at_once_has_the_values_read_one_by_one(world):
    cast = world.cast
    sell([cast.salesperson, cast.salesperson2], "50000.00", FEB, shares=[6000, 4000])
    sell(cast.salesperson, "10000.00", FEB)
    sell(cast.other_salesperson, "2500.00", FEB)
    satisfaction(cast.salesperson, 4, FEB)
    satisfaction(cast.salesperson, 5, FEB)
    people = [
        cast.salesperson.pk,
        cast.salesperson2.pk,
        cast.other_salesperson.pk,
        cast.manager.pk,  # sold nothing
    ]
    reading = PeriodActuals(world.quarter)
    reading.read(METRICS)
    for metric in METRICS:
        assert reading.of_people(metric, people) == {
            person: one_by_one(reading, metric, person) for person in people
        }, metric
    revenue = reading.of_people("revenue", people)
    assert revenue == {
        cast.salesperson.pk: Decimal("40000.00"),
        cast.salesperson2.pk: Decimal("20000.00"),
        cast.other_salesperson.pk: Decimal("2500.00"),
        cast.manager.pk: Decimal(0),
    }
    satisfied = reading.of_people("customer_satisfaction", people)
    assert satisfied[cast.salesperson.pk] == Decimal("4.5")
    assert satisfied[cast.manager.pk] is None  # no answers: no average, not 0
