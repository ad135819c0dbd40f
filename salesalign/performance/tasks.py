"""Background work of the performance app, run by huey workers (`manage.py run_huey`)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from salesalign.performance.services.actions import actions_notify_due


@db_periodic_task(crontab(hour="7", minute="0"))
def remind_due_actions_task() -> int:
    """Every morning: remind the owners of improvement actions that fall due."""
    return actions_notify_due(today=timezone.localdate())
