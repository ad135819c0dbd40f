"""How each metric behaves as a target: summed in integer minor units, or cascaded as a level.

Targets of additive metrics are integers in minor units (cents for money, 1 for
counts and custom metrics) so that children add up to their parent exactly.
Levels (satisfaction, market share, growth rates) do not add up: every slice
below carries the same level as its parent unless someone sets another one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from salesalign.core.choices import Metric
from salesalign.engines.metrics import MetricKey, metric_definition

#: Metrics whose targets are levels, not amounts.
LEVEL_METRICS: Final = frozenset(
    {Metric.CUSTOMER_SATISFACTION, Metric.MARKET_SHARE, Metric.REVENUE_GROWTH}
)
#: Money metrics: targets in cents.
MONEY_METRICS: Final = frozenset({Metric.REVENUE, Metric.GROSS_PROFIT})
#: Places kept for a level.
LEVEL_PLACES: Final = 4

#: A tactical goal measured by the key may be served by targets of these metrics.
SERVED_BY: Final[dict[str, frozenset[str]]] = {
    Metric.REVENUE_GROWTH: frozenset({Metric.REVENUE_GROWTH, Metric.REVENUE}),
    Metric.MARKET_SHARE: frozenset({Metric.MARKET_SHARE, Metric.REVENUE}),
}


def metrics_serving(goal_metric: str) -> frozenset[str]:
    """The metrics of the targets that may serve a tactical goal measured by `goal_metric`."""
    return SERVED_BY.get(goal_metric, frozenset({goal_metric}))


@dataclass(frozen=True)
class TargetMetric:
    """A metric as targets use it: summed or a level, its minor unit, its link to actuals."""

    metric: str
    is_level: bool
    scale: int  # minor units per unit of value (100 for money)
    actual_key: MetricKey | None  # the metric with actual values, if any

    @property
    def is_money(self) -> bool:
        return self.metric in MONEY_METRICS

    @property
    def has_history(self) -> bool:
        return self.actual_key is not None

    @property
    def decimals(self) -> int:
        return LEVEL_PLACES if self.is_level else (2 if self.scale == 100 else 0)

    def to_minor(self, value: Decimal) -> int:
        """A value in its unit (e.g. yuan) as integer minor units, rounded half up."""
        return int((value * self.scale).to_integral_value(rounding=ROUND_HALF_UP))

    def from_minor(self, amount: int | Decimal) -> Decimal:
        """(Integer) minor units as a value in the metric's unit."""
        return (Decimal(amount) / self.scale).quantize(Decimal(1).scaleb(-self.decimals))

    def history_to_minor(self, raw: int) -> int:
        """An actual tally (cents, basis points of an order) in this metric's minor units."""
        if self.actual_key is None:
            return raw
        divisor = metric_definition(self.actual_key).divisor
        return int((Decimal(raw) * self.scale / divisor).to_integral_value(ROUND_HALF_UP))

    def level(self, value: Decimal) -> Decimal:
        return value.quantize(Decimal(1).scaleb(-LEVEL_PLACES), rounding=ROUND_HALF_UP)


def target_metric(metric: str) -> TargetMetric:
    """How targets of `metric` are kept; ValueError for an unknown metric."""
    metric = Metric(metric).value
    try:
        actual_key: MetricKey | None = MetricKey(metric)
    except ValueError:
        actual_key = None
    return TargetMetric(
        metric=metric,
        is_level=metric in LEVEL_METRICS,
        scale=100 if metric in MONEY_METRICS else 1,
        actual_key=actual_key,
    )
