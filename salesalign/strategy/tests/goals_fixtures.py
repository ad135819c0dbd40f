"""Helpers for the goals tests: editions and goals written through the services, as the admin."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from auditlog.context import set_actor

from salesalign.core.choices import Metric
from salesalign.strategy.services import goals as services
from salesalign.strategy.services.goals import CoreValueData

VALUES = [
    CoreValueData(name="客户第一", explanation="We win when our customers win."),
    CoreValueData(name="Integrity", explanation="We say what we do and do what we say."),
]


def new_edition(
    cast: Any,
    *,
    year: int = 2025,
    vision: str = "The first choice of every buyer in East China.",
    mission: str = "We make buying simple.",
    values: list[CoreValueData] | None = None,
    publish: bool = True,
) -> Any:
    """An edition written by the admin, published unless told otherwise."""
    user = cast.admin.user
    with set_actor(user):
        edition = services.edition_create(
            actor=user,
            year=year,
            vision=vision,
            mission=mission,
            values=VALUES if values is None else values,
        )
        if publish:
            edition = services.edition_publish(actor=user, edition=edition)
    return edition


def new_strategic_goal(cast: Any, **fields: Any) -> Any:
    """A complete (SMART) strategic goal unless fields say otherwise."""
    data: dict[str, Any] = {
        "title": "Market share 15 % by 2028",
        "metric": Metric.MARKET_SHARE,
        "unit_of_measure": "%",
        "baseline_value": Decimal("9.5"),
        "baseline_year": 2024,
        "target_value": Decimal("15"),
        "horizon_year": 2028,
        "owner_id": cast.executive.pk,
    }
    data.update(fields)
    with set_actor(cast.admin.user):
        return services.strategic_goal_create(actor=cast.admin.user, **data)


def new_tactical_goal(cast: Any, *, serves: list[Any] | None = None, **fields: Any) -> Any:
    """A complete (SMART) goal for 2025 unless fields say otherwise."""
    data: dict[str, Any] = {
        "title": "Win 40 new key accounts",
        "year": 2025,
        "metric": Metric.NEW_CUSTOMERS,
        "target_value": Decimal("40"),
        "deadline": date(2025, 12, 31),
        "owning_unit_id": cast.team.pk,
        "strategic_goal_ids": [goal.pk for goal in serves or []],
    }
    data.update(fields)
    with set_actor(cast.admin.user):
        return services.tactical_goal_create(actor=cast.admin.user, **data)
