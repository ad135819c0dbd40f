"""What the performance services share: the author to record, the person behind a login."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.roles import person_of
from salesalign.core.visibility import Scope
from salesalign.organization.models import Person


def employed_during(period: Any) -> Q:
    """People employed at some day of the period: those who left during it are scored and
    paid for it, those hired after it are not (a `Person` filter)."""
    return (Q(is_active=True) | Q(left_on__gte=period.start)) & ~Q(hire_date__gt=period.end)


def actor_or_none(actor: Any) -> Any:
    """The user to record as author (None for an anonymous or unsaved actor)."""
    return actor if getattr(actor, "pk", None) else None


def require_person(actor: Any) -> Person:
    """The person behind the login; feedback and answers are written by people."""
    person = person_of(actor)
    if person is None:
        raise NotAllowed(_("Only people of the company can do this."))
    return person


def clean_text(value: str | None, *, field: str, max_length: int = 5000) -> str:
    """Free text as typed, trimmed; refused when longer than `max_length`."""
    text = (value or "").strip()
    if len(text) > max_length:
        raise DomainError(
            _("Keep it under %(count)s characters.") % {"count": max_length}, field=field
        )
    return text


def check_rating(value: int | None, *, field: str = "rating", required: bool = False) -> int | None:
    """A rating on the 1–5 scale (or nothing, when not required)."""
    if value is None:
        if required:
            raise DomainError(_("Give a rating from 1 to 5."), field=field)
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise DomainError(_("Give a rating from 1 to 5."), field=field)
    return value


class _CompanyReader:
    """Who a period close reads actuals as: the whole company, whoever pressed the button
    (the results are then shown through each model's `visible_to`)."""

    is_authenticated = True
    is_superuser = True
    pk = None
    person = None
    _salesalign_scope = Scope(everything=True, person_id=None, unit_paths=())


COMPANY_READER = _CompanyReader()
