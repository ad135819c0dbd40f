"""Background work of the performance app, run by huey workers (`manage.py run_huey`)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from salesalign.performance.services.actions import actions_notify_due


@db_periodic_task(crontab(hour="7", minute="0"))
def remind_due_actions_task() -> int:
    """Every morning: remind the owners of improvement actions that fall due."""
    return actions_notify_due(today=timezone.localdate())


@db_task(retries=0)
def close_period_task(period_id: int, user_id: int | None, today: str) -> None:
    """Close a period of a large company on a worker (`services.periods.period_close_request`)."""
    from salesalign.performance.services.periods import run_background_close

    run_background_close(period_id, user_id, date.fromisoformat(today))
