"""Registering models with the audit trail, one way for every app."""

from __future__ import annotations

from collections.abc import Iterable

from auditlog.registry import auditlog
from django.db import models

#: Bookkeeping that says nothing to a reader of the history.
NOT_AUDITED = frozenset({"created_at", "updated_at", "path", "depth", "numchild"})


def audit_register(model: type[models.Model], *, m2m_fields: Iterable[str] = ()) -> None:
    """Record who created, changed or deleted rows of `model`, and what changed.

    Only the model's own fields are compared (no reverse relations, timestamps or
    tree bookkeeping), so each history line is something a person decided.
    """
    include = [
        field.name
        for field in model._meta.concrete_fields
        if field.name not in NOT_AUDITED and not field.primary_key
    ]
    auditlog.register(model, include_fields=include, m2m_fields=set(m2m_fields))
