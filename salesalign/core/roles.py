"""Who a user is in SalesAlign: their person record and role, read once per request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist

from salesalign.core.choices import COMPANY_WIDE_ROLES, Role

if TYPE_CHECKING:
    from salesalign.organization.models import Person


def person_of(user: Any) -> Person | None:
    """The person behind a login, or None (anonymous, or a bare technical account)."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.person  # type: ignore[no-any-return]
    except ObjectDoesNotExist:
        return None


def role_of(user: Any) -> str | None:
    """The user's role; a superuser without a person record counts as an admin."""
    person = person_of(user)
    if person is not None:
        return person.role
    if user is not None and user.is_authenticated and user.is_superuser:
        return Role.ADMIN
    return None


def is_admin(user: Any) -> bool:
    """Admins edit the organisation and the strategy."""
    return role_of(user) == Role.ADMIN


def sees_company(user: Any) -> bool:
    """Executives, HR and admins see the whole company."""
    return role_of(user) in COMPANY_WIDE_ROLES
