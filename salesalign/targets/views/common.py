"""What the targets pages share: reading a plan, turning service errors into messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.engines.periods import fiscal_year_of


def this_fiscal_year() -> int:
    return fiscal_year_of(timezone.localdate(), settings.FISCAL_YEAR_START_MONTH)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


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


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go back to after a POST: the `next` it names when it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
