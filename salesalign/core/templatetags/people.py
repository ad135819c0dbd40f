"""Who did something, as the pages name them: `{{ plan.approved_by|person_name }}`."""

from __future__ import annotations

from typing import Any

from django import template

from salesalign.core.roles import person_of

register = template.Library()


@register.filter
def person_name(user: Any) -> str:
    """A login's person's name; the login itself for an account without a person; "–" for none."""
    if user is None:
        return "–"
    person = person_of(user)
    return (person.display_name if person is not None else "") or user.get_username()
