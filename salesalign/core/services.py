"""Writes of the core app: personal API tokens and notifications."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesalign.core.exceptions import DomainError
from salesalign.core.models import ApiToken, Notification, User, hash_token


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and only its hash is stored."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the token a name."), field="name")
    raw = ApiToken.generate()
    token = ApiToken(user=user, name=name, key_hash=hash_token(raw), hint=raw[:8])
    token.full_clean()
    token.save()
    return token, raw


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; it stops working at once."""
    token = ApiToken.objects.select_for_update().filter(user=user, pk=token_id).first()
    if token is None:
        raise DomainError(_("No such token."), field="token_id", code="not_found")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(raw: str) -> User | None:
    """The active user a raw token belongs to, or None. Marks the token as used."""
    token = (
        ApiToken.objects.active().select_related("user").filter(key_hash=hash_token(raw)).first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- notifications -----------------------------------------------------------------------


def notify(
    *,
    people: Iterable[Any],
    kind: str,
    subject: str,
    url: str = "",
    params: Mapping[str, Any] | None = None,
) -> list[Notification]:
    """Tell each person (a `Person` or its id) that something waits for them; one insert.

    `subject` is an English message id (mark it with `gettext_noop`) with
    `%(name)s` placeholders filled from `params` when shown, in the reader's
    language. The same person listed twice is told once.
    """
    recipient_ids = dict.fromkeys(getattr(person, "pk", person) for person in people)
    return notify_each(
        kind=kind,
        subject=subject,
        notices=[(recipient_id, url, params or {}) for recipient_id in recipient_ids],
    )


def notify_each(
    *,
    kind: str,
    subject: str,
    notices: Iterable[tuple[Any, str, Mapping[str, Any]]],
) -> list[Notification]:
    """Tell several people the same kind of thing, each with their own link and details
    (`notices`: person or id, url, params); one insert. `subject` is as for `notify`."""
    rows = [
        Notification(
            recipient_id=getattr(person, "pk", person),
            kind=kind,
            subject=subject[:300],
            params=dict(params),
            url=url,
        )
        for person, url, params in notices
    ]
    return Notification.objects.bulk_create(rows) if rows else []


def settle_notifications(
    *,
    kind: str,
    people: Iterable[Any] | None = None,
    url: str | None = None,
    urls: Iterable[str] | None = None,
    **params: Any,
) -> int:
    """Mark read the unread notifications of `kind` (to `people`, with this `url` or one of
    these `urls`, and these `params`, where given) that no longer wait for anyone: a newer
    proposal replaced them, or the plan they asked about is approved. The bell then counts
    what still waits."""
    waiting = Notification.objects.unread().filter(kind=kind)
    if people is not None:
        waiting = waiting.filter(recipient_id__in=[getattr(p, "pk", p) for p in people])
    if url is not None:
        waiting = waiting.filter(url=url)
    if urls is not None:
        waiting = waiting.filter(url__in=list(urls))
    for name, value in params.items():
        waiting = waiting.filter(**{f"params__{name}": value})
    return waiting.update(read_at=timezone.now())


def name_params(person: Any) -> dict[str, str]:
    """A person's name for a notification's `params`: both forms, so that `Notification.text`
    names them in the reader's language."""
    return {"name": person.name, "name_en": person.name_en}


def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (the given ones, or all); how many changed."""
    notifications = Notification.objects.for_user(user).unread()
    if ids is not None:
        notifications = notifications.filter(pk__in=list(ids))
    return notifications.update(read_at=timezone.now())
