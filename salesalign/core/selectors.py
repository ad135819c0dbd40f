"""Reads of the core app: the audit history of a record."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.db import models
from django.db.models import QuerySet


def history_for(obj: models.Model, *, limit: int = 100) -> QuerySet[LogEntry]:
    """Who changed this record, when, and what changed; newest first."""
    return (
        LogEntry.objects.get_for_object(obj).select_related("actor").order_by("-timestamp")[:limit]
    )
