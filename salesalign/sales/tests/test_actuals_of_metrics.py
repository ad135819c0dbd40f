"""Several metrics at once: the same numbers as one request per metric, from one aggregation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesalign.core.exceptions import DomainError
from salesalign.engines.metrics import MetricKey
from salesalign.engines.periods import month_period, quarter_period, year_period
from salesalign.sales.models import SalesFact, SalesMonthTotal, SatisfactionResponse
from salesalign.sales.selectors.actuals import actuals, actuals_of_metrics
from salesalign.sales.tests import test_year_totals
from salesalign.sales.tests.test_actuals_selector import answer
from salesalign.sales.tests.test_year_totals import _sales

pytestmark = pytest.mark.django_db

#: The year-totals tests' company and sales of 2024–2025 (a fixture).
world = test_year_totals.world

SUMMED = [
    MetricKey.REVENUE,
    MetricKey.GROSS_PROFIT,
    MetricKey.ORDER_COUNT,
    MetricKey.NEW_CUSTOMERS,
]


def _subjects(cast):
    return {
        "units": [cast.company, cast.team, cast.other_team],
        "people": [cast.salesperson, cast.salesperson2, cast.other_salesperson],
        "members_within": [cast.company],
    }


@pytest.mark.parametrize(
    ("periods", "split_by"),
    [
        ([quarter_period(2024, 1), quarter_period(2024, 4)], ()),
        ([month_period(2024, 2), month_period(2025, 1)], ("product_line",)),
        ([year_period(2024), year_period(2025)], ("segment",)),
    ],
)
def test_each_metric_answers_as_if_asked_alone(world, periods, split_by):
    cast, *_rest = world
    _sales(world)
    together = actuals_of_metrics(
        user=cast.executive.user,
        metrics=SUMMED,
        periods=periods,
        split_by=split_by,
        **_subjects(cast),
    )
    assert list(together) == SUMMED
    for metric in SUMMED:
        alone = actuals(
            user=cast.executive.user,
            metric=metric,
            periods=periods,
            split_by=split_by,
            **_subjects(cast),
        )
        assert together[metric].actuals.tallies == alone.actuals.tallies, metric
        assert together[metric].actuals.tallies, metric  # something was counted
    # A customer's first order is a new customer; A-2 is not: the counts differ.
    revenue = together[MetricKey.REVENUE].actuals.tallies
    new = together[MetricKey.NEW_CUSTOMERS].actuals.tallies
    assert sum(t.count for t in new.values()) < sum(t.count for t in revenue.values())


def test_the_summed_metrics_of_months_are_one_query_over_the_month_totals(world):
    cast, acme = world[0], world[3]
    _sales(world)
    answer(cast.salesperson, cast.team, 4, customer=acme)
    periods = [quarter_period(2024, 1)]
    with CaptureQueriesContext(connection) as queries:
        results = actuals_of_metrics(
            user=cast.executive.user,
            metrics=[*SUMMED, MetricKey.CUSTOMER_SATISFACTION],
            periods=periods,
            **_subjects(cast),
        )
    sql = [query["sql"] for query in queries.captured_queries]
    assert sum(SalesMonthTotal._meta.db_table in one for one in sql) == 1
    assert sum(SalesFact._meta.db_table in one for one in sql) == 0
    assert sum(SatisfactionResponse._meta.db_table in one for one in sql) == 1
    company = results[MetricKey.REVENUE].value(unit=cast.company, period=periods[0])
    assert company == Decimal("1333.33")  # 1,000.00 + 333.33
    assert results[MetricKey.CUSTOMER_SATISFACTION].value(
        person=cast.salesperson, period=periods[0]
    ) == Decimal("4.00")


def test_a_split_one_of_the_metrics_cannot_take_is_refused(world):
    cast, *_rest = world
    with pytest.raises(DomainError) as refused:
        actuals_of_metrics(
            user=cast.executive.user,
            metrics=[MetricKey.REVENUE, MetricKey.CUSTOMER_SATISFACTION],
            periods=[year_period(2024)],
            split_by=["product_line"],
            units=[cast.company],
        )
    assert refused.value.field == "split_by"
