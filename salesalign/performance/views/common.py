"""What the performance pages share: turning service errors into messages, parameters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.organization.models import Person


def refuse_if_not_allowed(error: DomainError) -> None:
    """A write the user may not make is a 403, never a message on a form."""
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message) from error


def add_service_error(
    form: forms.BaseForm, error: DomainError, field_map: dict[str, str] | None = None
) -> None:
    """Show a service's error on the form field it names (or on the form as a whole)."""
    refuse_if_not_allowed(error)
    field = (field_map or {}).get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, error.message)


def int_param(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else None


def person_by_pk(pk: int) -> Person:
    """A person a form offered as a choice (the form has already checked the id)."""
    return Person.objects.select_related("unit").get(pk=pk)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go back to after a POST: the `next` it names when it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
