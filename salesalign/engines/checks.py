"""Checks on plans: is a goal SMART (specific, measurable, achievable, relevant, time-bound)?

Pure Python: the caller turns its records into `GoalFacts` and translates the
gap codes into words. Nothing here knows about Django or the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class GoalKind(StrEnum):
    """Strategic goals are long-term (baseline → target by a horizon year); tactical ones are for a year."""

    STRATEGIC = "strategic"
    TACTICAL = "tactical"


class SmartCriterion(StrEnum):
    """The letter of SMART a gap offends."""

    SPECIFIC = "specific"
    MEASURABLE = "measurable"
    ACHIEVABLE = "achievable"
    RELEVANT = "relevant"
    TIME_BOUND = "time_bound"


class SmartGapCode(StrEnum):
    """What a goal is missing; the page and the API name gaps by these codes."""

    NO_METRIC = "no_metric"
    CUSTOM_METRIC_UNNAMED = "custom_metric_unnamed"
    NO_TARGET_VALUE = "no_target_value"
    NO_BASELINE = "no_baseline"
    NO_OWNER = "no_owner"
    NOT_LINKED = "not_linked"
    NO_DEADLINE = "no_deadline"
    DEADLINE_OUTSIDE_YEAR = "deadline_outside_year"
    HORIZON_NOT_AFTER_BASELINE = "horizon_not_after_baseline"


CRITERION_OF: dict[SmartGapCode, SmartCriterion] = {
    SmartGapCode.NO_METRIC: SmartCriterion.SPECIFIC,
    SmartGapCode.CUSTOM_METRIC_UNNAMED: SmartCriterion.SPECIFIC,
    SmartGapCode.NO_OWNER: SmartCriterion.SPECIFIC,
    SmartGapCode.NO_TARGET_VALUE: SmartCriterion.MEASURABLE,
    SmartGapCode.NO_BASELINE: SmartCriterion.ACHIEVABLE,
    SmartGapCode.NOT_LINKED: SmartCriterion.RELEVANT,
    SmartGapCode.NO_DEADLINE: SmartCriterion.TIME_BOUND,
    SmartGapCode.DEADLINE_OUTSIDE_YEAR: SmartCriterion.TIME_BOUND,
    SmartGapCode.HORIZON_NOT_AFTER_BASELINE: SmartCriterion.TIME_BOUND,
}


@dataclass(frozen=True)
class SmartGap:
    """One thing a goal is missing, with the SMART criterion it offends."""

    code: SmartGapCode

    @property
    def criterion(self) -> SmartCriterion:
        return CRITERION_OF[self.code]


@dataclass(frozen=True)
class GoalFacts:
    """What the SMART check needs to know about one goal.

    Strategic goals use `has_baseline`, `baseline_year` and `horizon_year`
    (the horizon is their deadline) and an owning person; tactical goals use
    `year`, `deadline`, an owning unit and `linked_strategic_goal_count`.
    """

    kind: GoalKind
    has_metric: bool
    metric_is_custom: bool = False
    custom_metric_name: str = ""
    has_target_value: bool = False
    has_owner: bool = False
    # strategic
    has_baseline: bool = False
    baseline_year: int | None = None
    horizon_year: int | None = None
    # tactical
    year: int | None = None
    deadline: date | None = None
    linked_strategic_goal_count: int = 0


def _gap_codes(facts: GoalFacts) -> Iterable[SmartGapCode]:
    if not facts.has_metric:
        yield SmartGapCode.NO_METRIC
    elif facts.metric_is_custom and not facts.custom_metric_name.strip():
        yield SmartGapCode.CUSTOM_METRIC_UNNAMED
    if not facts.has_owner:
        yield SmartGapCode.NO_OWNER
    if not facts.has_target_value:
        yield SmartGapCode.NO_TARGET_VALUE
    if facts.kind is GoalKind.STRATEGIC:
        if not facts.has_baseline:
            yield SmartGapCode.NO_BASELINE
        if facts.horizon_year is None:
            yield SmartGapCode.NO_DEADLINE
        elif facts.baseline_year is not None and facts.horizon_year <= facts.baseline_year:
            yield SmartGapCode.HORIZON_NOT_AFTER_BASELINE
    else:
        if facts.linked_strategic_goal_count < 1:
            yield SmartGapCode.NOT_LINKED
        if facts.deadline is None:
            yield SmartGapCode.NO_DEADLINE
        elif facts.year is not None and facts.deadline.year != facts.year:
            yield SmartGapCode.DEADLINE_OUTSIDE_YEAR


def check_goal_smart(facts: GoalFacts) -> tuple[SmartGap, ...]:
    """The gaps that keep one goal from being SMART, in SMART order; empty when it is."""
    order = list(SmartCriterion)
    gaps = [SmartGap(code) for code in _gap_codes(facts)]
    return tuple(sorted(gaps, key=lambda gap: order.index(gap.criterion)))


def check_goals_smart(all_facts: Iterable[GoalFacts]) -> tuple[tuple[SmartGap, ...], ...]:
    """The SMART check for a list of goals, one result per goal, in the same order."""
    return tuple(check_goal_smart(facts) for facts in all_facts)
