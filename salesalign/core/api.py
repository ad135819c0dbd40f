"""The API's shared parts: authentication (session or personal token), errors as JSON, /me and tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from auditlog.context import auditlog_value
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from salesalign.core import services
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.models import ApiToken, User
from salesalign.core.roles import person_of, role_of


class TokenAuth(HttpBearer):
    """`Authorization: Bearer sa_…` with a personal API token."""

    openapi_description = "A personal API token, made on the API tokens page."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = services.api_token_authenticate(token)
        if user is None:
            return None
        request.user = user
        # The audit middleware ran before the token was read; name the token's owner as the actor.
        audit_context = auditlog_value.get(None)
        if audit_context is not None and audit_context.get("actor") is None:
            audit_context["actor"] = user
        return user


AUTH = [SessionAuth(), TokenAuth()]


def api_user(request: HttpRequest) -> User:
    """The authenticated user of an API call (every endpoint requires AUTH)."""
    user = request.user
    if not isinstance(user, User):
        raise AuthenticationError()
    return user


def kept(is_active: bool | None, existing: Any) -> bool:
    """`is_active` as a PUT or POST gave it; left out (None), a new record is active and a
    changed one keeps its state, so a client that does not know the field cannot switch a
    retired record back on."""
    if is_active is not None:
        return is_active
    return True if existing is None else bool(existing.is_active)


class PageIn(Schema):
    """`?limit=&offset=` of a list that can grow with the company: at most 1,000 items a call."""

    limit: int = Field(50, ge=1, le=1000)
    offset: int = Field(0, ge=0)


def page_of(items: QuerySet[Any] | Sequence[Any], page: PageIn) -> dict[str, Any]:
    """A paged list's answer: `count` (all of them), `limit`, `offset` and this page's `items`.

    A queryset is counted and sliced in the database."""
    count = items.count() if isinstance(items, QuerySet) else len(items)
    return {
        "count": count,
        "limit": page.limit,
        "offset": page.offset,
        "items": list(items[page.offset : page.offset + page.limit]),
    }


def _field_of(location: list[Any] | tuple[Any, ...]) -> str:
    """Turn pydantic's location (body, payload, name) into the field name a user knows."""
    parts = [
        str(part) for part in location if part not in ("body", "payload", "query", "path", "form")
    ]
    return ".".join(parts) or "__all__"


def error_body(detail: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or []}


def install_error_handlers(api: NinjaAPI) -> None:
    """Every error is JSON with a detail and, where it applies, the field and the reason."""

    @api.exception_handler(NinjaValidationError)
    def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {"field": _field_of(error.get("loc", ())), "reason": str(error.get("msg", ""))}
            for error in exc.errors
        ]
        return api.create_response(
            request, error_body(_("The request is not valid."), errors), status=422
        )

    @api.exception_handler(NotAllowed)
    def on_not_allowed(request: HttpRequest, exc: NotAllowed) -> HttpResponse:
        return api.create_response(request, error_body(exc.message), status=403)

    @api.exception_handler(DomainError)
    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        status = 404 if exc.code == "not_found" else 400
        errors = [{"field": exc.field or "__all__", "reason": exc.message}]
        return api.create_response(request, error_body(exc.message, errors), status=status)

    @api.exception_handler(DjangoValidationError)
    def on_model_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = [
                {"field": field, "reason": " ".join(str(m) for m in messages)}
                for field, messages in exc.message_dict.items()
            ]
        else:
            errors = [{"field": "__all__", "reason": " ".join(exc.messages)}]
        return api.create_response(
            request, error_body(_("The request is not valid."), errors), status=400
        )

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body(_("Not found.")), status=404)

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(
            request, error_body(str(exc) or _("You may not do this.")), status=403
        )

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request, error_body(_("Log in or send a valid API token.")), status=401
        )

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return api.create_response(request, error_body(str(exc)), status=exc.status_code)


router = Router(tags=["me"])


class MeOut(Schema):
    username: str
    person_id: int | None
    name: str | None
    role: str | None


class ApiTokenIn(Schema):
    name: str


class ApiTokenOut(Schema):
    id: int
    name: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreatedOut(ApiTokenOut):
    token: str


@router.get("/me", response=MeOut, summary="Who am I")
def me(request: HttpRequest) -> dict[str, Any]:
    person = person_of(request.user)
    return {
        "username": request.user.get_username(),
        "person_id": person.pk if person else None,
        "name": person.name if person else None,
        "role": role_of(request.user),
    }


@router.get("/tokens", response=list[ApiTokenOut], summary="My API tokens")
def token_list(request: HttpRequest) -> Any:
    return ApiToken.objects.filter(user=api_user(request))


@router.post("/tokens", response={201: ApiTokenCreatedOut}, summary="Create an API token")
def token_create(request: HttpRequest, payload: ApiTokenIn) -> Any:
    token, raw = services.api_token_create(user=api_user(request), name=payload.name)
    token.token = raw  # type: ignore[attr-defined]
    return Status(201, token)


@router.delete("/tokens/{token_id}", response=ApiTokenOut, summary="Revoke an API token")
def token_revoke(request: HttpRequest, token_id: int) -> Any:
    return services.api_token_revoke(user=api_user(request), token_id=token_id)
