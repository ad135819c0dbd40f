"""`{% record_history obj %}`: the audit trail of a record, for its detail page."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

from salesalign.core.selectors import history_entries

register = template.Library()


@register.inclusion_tag("core/_history.html")
def record_history(obj: models.Model) -> dict[str, Any]:
    return {"entries": history_entries(obj)}
