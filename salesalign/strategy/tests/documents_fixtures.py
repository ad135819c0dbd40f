"""Helpers for the strategy-document tests: documents written and published through the services."""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.context import set_actor

from salesalign.strategy.choices import DocumentKind, QuestionKind
from salesalign.strategy.services import documents as services


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Any) -> Any:
    """Attachments are written to a temporary MEDIA_ROOT, never to var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def new_document(
    cast: Any,
    *,
    units: list[Any] | None = None,
    kind: str = DocumentKind.DOCUMENT,
    title: str = "Strategy 2026",
    body: str = "We grow in the East.",
    requires_confirmation: bool = True,
    publish: bool = True,
    author: Any = None,
) -> Any:
    """A document by the admin (or `author`), for the whole company or for `units`, published unless told."""
    user = (author or cast.admin).user
    with set_actor(user):
        document = services.document_create(
            actor=user,
            title=title,
            body=body,
            kind=kind,
            audience_all=units is None,
            audience_units=units or [],
            requires_confirmation=requires_confirmation,
        )
        if publish:
            document = services.document_publish(actor=user, document=document)
    return document


def confirm(person: Any, document: Any, **kwargs: Any) -> Any:
    with set_actor(person.user):
        return services.document_confirm(actor=person.user, document=document, **kwargs)


def ask(person: Any, document: Any, text: str = "How do we count renewals?", **kwargs: Any) -> Any:
    kwargs.setdefault("kind", QuestionKind.QUESTION)
    with set_actor(person.user):
        return services.question_ask(actor=person.user, document=document, text=text, **kwargs)


def answer(question: Any, by: Any, text: str) -> Any:
    with set_actor(by.user):
        return services.question_answer(actor=by.user, question=question, answer=text)


def new_version(
    document: Any,
    *,
    author: Any,
    body: str | None = None,
    title: str | None = None,
    publish: bool = True,
) -> Any:
    """The next version of `document`, started by `author`, its text changed, published unless told."""
    user = author.user
    with set_actor(user):
        version = services.document_new_version(actor=user, document=document)
        if body is not None or title is not None:
            version = services.document_update(
                actor=user,
                document=version,
                title=title if title is not None else version.title,
                body=body if body is not None else version.body,
                kind=version.kind,
                edition=version.edition,
                audience_all=version.audience_all,
                audience_units=list(version.audience_units.all()),
                requires_confirmation=version.requires_confirmation,
            )
        if publish:
            version = services.document_publish(actor=user, document=version)
    return version
