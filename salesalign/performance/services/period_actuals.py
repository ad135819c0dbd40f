"""The sales actuals a period close reads, read once and shared by its parts."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.utils.functional import cached_property

from salesalign.engines.metrics import ZERO, MetricKey, SubjectKind, Tally, value_of
from salesalign.organization.models import OrgUnit
from salesalign.performance.models import EvaluationPeriod
from salesalign.performance.services.common import COMPANY_READER
from salesalign.sales.selectors.actuals import ActualsResult, actuals_of_metrics


class PeriodActuals:
    """Every unit's (with its subtree) and every person's actuals of a period, by metric.

    The scorecards (each person's and each scored unit's KPIs) and the statements
    (each person's gate and bonus measures, each team's revenue) ask about the same
    period and mostly the same metrics. Each batch of metrics not read yet is read in
    one aggregation over the facts (`actuals_of_metrics`: every unit, and every person
    who sold inside the company's roots); a metric asked for again is answered from
    what was read.
    """

    def __init__(self, period: EvaluationPeriod) -> None:
        self.period = period
        self.span = period.engine_period
        self._results: dict[MetricKey, ActualsResult] = {}

    @cached_property
    def _units(self) -> list[tuple[int, str]]:
        return list(OrgUnit.objects.order_by("path").values_list("pk", "path"))

    @cached_property
    def _roots(self) -> list[int]:
        return [pk for pk, path in self._units if len(path) == OrgUnit.steplen]

    def read(self, metrics: Iterable[str]) -> list[MetricKey]:
        """Read the metrics not read yet; the ones that have actual values (a custom
        metric has none: it is left out)."""
        keys: set[MetricKey] = set()
        for metric in metrics:
            try:
                keys.add(MetricKey(metric))
            except ValueError:
                continue
        missing = sorted(key for key in keys if key not in self._results)
        if missing:
            self._results.update(
                actuals_of_metrics(
                    user=COMPANY_READER,
                    metrics=missing,
                    periods=[self.span],
                    units=[pk for pk, _path in self._units],
                    members_within=self._roots,
                )
            )
        return sorted(keys)

    def _result(self, metric: str) -> ActualsResult:
        key = MetricKey(metric)
        if key not in self._results:
            self.read([key])
        return self._results[key]

    def of_people(self, metric: str, person_ids: Iterable[int]) -> dict[int, Decimal | None]:
        """Each person's value wherever they sold (0 of a sum without facts, None of an
        average without answers): their tallies within every root, added up in one pass
        over the result (ten thousand people at L)."""
        result = self._result(metric)
        roots = set(self._roots)
        period_key = self.span.key
        tallies: dict[int, Tally] = {}
        for (subject, key, split), tally in result.actuals.tallies.items():
            if (
                subject.kind is SubjectKind.PERSON
                and subject.within in roots
                and key == period_key
                and not split
            ):
                found = tallies.get(subject.id)
                tallies[subject.id] = tally if found is None else found + tally
        return {
            person_id: value_of(result.metric, tallies.get(person_id, ZERO))
            for person_id in person_ids
        }

    def of_unit(self, metric: str, unit_id: int) -> Decimal | None:
        """A unit's value, its whole subtree counted."""
        return self._result(metric).value(period=self.span, unit=unit_id)
