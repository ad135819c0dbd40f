"""Reads of the core app: the audit history of a record, ready to show; notifications."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from salesalign.core.models import BilingualNameModel, Notification
from salesalign.core.numbers import readable
from salesalign.core.templatetags.punctuation import clauses, joined


@dataclass(frozen=True)
class HistoryChange:
    """One changed field: its label and the value before and after (or the links added/removed)."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    """Who did what to a record, and when."""

    timestamp: datetime
    actor: str | None
    action: str
    changes: tuple[HistoryChange, ...]
    subject: str = (
        ""  # set when the entry is about a related record (e.g. one core value of an edition)
    )


def history_for(obj: models.Model, *, limit: int = 100) -> QuerySet[LogEntry]:
    """The raw audit entries of a record, newest first (actor and their person in the same query)."""
    return (
        LogEntry.objects.get_for_object(obj)
        .select_related("actor", "actor__person", "content_type")
        .order_by("-timestamp")[:limit]
    )


def _shown(value: Any) -> str:
    """How a logged value reads: no "None", yes/no instead of True/False."""
    text = "" if value is None else str(value)
    return {"": "—", "None": "—", "True": _("yes"), "False": _("no")}.get(text, text)


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # a field removed since the entry was written
        return None


def _is_user_field(field: Any) -> bool:
    return isinstance(field, models.ForeignKey) and field.related_model is get_user_model()


def _raw_values(change: Any) -> tuple[str | None, str | None]:
    if isinstance(change, list | tuple) and len(change) == 2:
        return tuple(None if value in (None, "None", "") else str(value) for value in change)  # type: ignore[return-value]
    return None, None


def _date_text(field: Any, raw: str | None) -> str | None:
    """A logged date as the pages write dates (ISO), a time in the reader's time zone.

    auditlog logs a time without its zone, in UTC (with USE_TZ): read as such, not as the
    reader's local time, or it sits eight hours off the entry's own time in Shanghai."""
    if raw is None:
        return None
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(raw)
        if moment is None:
            return raw
        if timezone.is_naive(moment) and settings.USE_TZ:
            moment = moment.replace(tzinfo=UTC)
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M")
    return raw  # a date is logged as 2026-10-01 already


def _decimal_text(field: Any, raw: str | None) -> str | None:
    """A logged number as the pages write numbers: grouped, with the field's decimals up to
    two (70.00); a field kept to more places drops its trailing zeros (120,000,000, not
    120000000.0000)."""
    if raw is None:
        return None
    try:
        places = int(field.decimal_places)
        number = Decimal(raw).quantize(Decimal(1).scaleb(-places))  # as the field keeps it
    except (InvalidOperation, TypeError, ValueError):
        return raw
    if not number.is_finite():
        return raw
    return readable(number, least_places=places if places <= 2 else 0)


def _json_words(raw: str | None) -> str | None:
    """A logged JSON value said plainly: ["S", "A"] → S / A; objects as their values."""
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    if value is None or value == [] or value == {}:
        return None
    return _words(value)


def _words(value: Any, *, record: bool = False) -> str:
    """A record in a list (a rating band) by its values: S 120; a mapping by its pairs:
    A 20, S 10; a list of plain values: S / A."""
    if isinstance(value, dict):
        plain = all(not isinstance(item, dict | list) for item in value.values())
        if plain and record:
            return " ".join(str(item) for item in value.values() if item not in (None, ""))
        if plain:
            return joined(f"{key} {item}" for key, item in value.items() if item is not None)
        return clauses(f"{key}: {_words(item)}" for key, item in value.items() if item)
    if isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            return " / ".join(str(item) for item in value)
        return joined(_words(item, record=True) for item in value)
    return str(value)


def _user_names(entries: Iterable[LogEntry]) -> dict[str, str]:
    """The people behind the user ids that changed fields name (one query, none without)."""
    ids: set[str] = set()
    for entry in entries:
        model = entry.content_type.model_class()
        for name, change in (entry.changes_dict or {}).items():
            if _is_user_field(_field(model, name)):
                ids.update(value for value in _raw_values(change) if value is not None)
    numbers = [int(value) for value in ids if value.isdigit()]
    if not numbers:
        return {}
    return {
        str(user.pk): user.person.display_name
        if getattr(user, "person", None) is not None
        else user.get_username()
        for user in get_user_model().objects.filter(pk__in=numbers).select_related("person")
    }


def _bilingual_related(field: Any) -> type[BilingualNameModel] | None:
    """The model a link field points to, when its records have a name in each language."""
    related = getattr(field, "related_model", None)
    if isinstance(related, type) and issubclass(related, BilingualNameModel):
        return related
    return None


def _linked_names(entries: Iterable[LogEntry]) -> dict[tuple[Any, str], str]:
    """The names, in the reader's language, of the records that link changes name.

    auditlog logs the records added to or removed from a link as their names in the
    language of whoever made the change ("East China"); a Chinese reader reads 华东大区.
    A logged name is matched with the record's name or English name (one query per model,
    none without); a name that two records share, or no record has any more, stays as it
    was logged."""
    wanted: dict[type[BilingualNameModel], set[str]] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        for name, change in (entry.changes_dict or {}).items():
            if isinstance(change, dict) and change.get("type") == "m2m":
                related = _bilingual_related(_field(model, name))
                if related is not None:
                    wanted[related].update(str(text) for text in change.get("objects", []))
    names: dict[tuple[Any, str], str] = {}
    for related, texts in wanted.items():
        shown: dict[str, set[str]] = defaultdict(set)
        records = related._default_manager.filter(Q(name__in=texts) | Q(name_en__in=texts))
        for record in records:
            for text in {record.name, record.name_en} & texts:
                shown[text].add(record.display_name)
        names.update(
            {(related, text): next(iter(found)) for text, found in shown.items() if len(found) == 1}
        )
    return names


def describe_entries(
    entries: Iterable[LogEntry], *, primary: type[models.Model] | None = None
) -> list[HistoryEntry]:
    """Audit entries as people read them: labelled fields, readable values, link changes.

    Entries about another model than `primary` carry the record they are about as `subject`.
    """
    entries = list(entries)
    users = _user_names(entries)
    linked = _linked_names(entries)
    described = []
    for entry in entries:
        model = entry.content_type.model_class()
        display = entry.changes_display_dict
        changes: list[HistoryChange] = []
        for name, change in (entry.changes_dict or {}).items():
            field = _field(model, name)
            label = str(field.verbose_name) if field is not None else name
            if isinstance(change, dict) and change.get("type") == "m2m":
                related = _bilingual_related(field)
                objects = joined(
                    linked.get((related, str(text)), text) for text in change.get("objects", [])
                )
                if change.get("operation") == "delete":
                    changes.append(HistoryChange(label, objects, "—"))
                else:
                    changes.append(HistoryChange(label, "—", objects))
                continue
            if _is_user_field(field):  # a person's name, not a login
                before, after = (
                    None if value is None else users.get(value, value)
                    for value in _raw_values(change)
                )
            elif isinstance(field, models.DateField):  # DateTimeField is one too
                before, after = (_date_text(field, value) for value in _raw_values(change))
            elif isinstance(field, models.DecimalField):  # 70.00 → 40.00, not 70.00 → 40
                before, after = (_decimal_text(field, value) for value in _raw_values(change))
            elif isinstance(field, models.JSONField):  # the logged text in full, as words
                before, after = (_json_words(value) for value in _raw_values(change))
            else:
                shown = display.get(label) or change
                before, after = (
                    ([*list(shown), None, None])[:2] if isinstance(shown, list) else (None, shown)
                )
            if _shown(before) == _shown(after):
                continue  # e.g. nothing → empty: no change anyone could see
            changes.append(HistoryChange(label, _shown(before), _shown(after)))
        actor = entry.actor
        actor_name = None
        if actor is not None:
            person = getattr(actor, "person", None)
            actor_name = person.display_name if person is not None else actor.get_username()
        described.append(
            HistoryEntry(
                timestamp=entry.timestamp,
                actor=actor_name,
                action=str(entry.get_action_display()),
                changes=tuple(changes),
                subject=entry.object_repr if primary is not None and model is not primary else "",
            )
        )
    return described


def history_entries(obj: models.Model, *, limit: int = 100) -> list[HistoryEntry]:
    """The history of one record, ready to show."""
    return describe_entries(history_for(obj, limit=limit), primary=type(obj))


# --- notifications -----------------------------------------------------------------------


def notification_unread_count(*, user: Any) -> int:
    """How many of the user's notifications are unread (the badge); one query."""
    return Notification.objects.for_user(user).unread().count()


def notification_list(
    *, user: Any, unread_only: bool = False, limit: int = 20
) -> list[Notification]:
    """The user's latest notifications, newest first (each has `.text` in their language)."""
    notifications = Notification.objects.for_user(user)
    if unread_only:
        notifications = notifications.unread()
    return list(notifications.order_by("-created_at", "-pk")[:limit])
