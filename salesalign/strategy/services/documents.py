"""Writes for strategy documents and announcements: drafts, attachments, publication, confirmations, questions.

Every write is saved row by row so django-auditlog records it (the actor comes from the
request middleware, or from `auditlog.context.set_actor` outside a request).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.roles import person_of
from salesalign.core.visibility import scope_for
from salesalign.organization.models import OrgUnit, Person
from salesalign.strategy.choices import DocumentKind, PublicationStatus, QuestionKind
from salesalign.strategy.models import (
    DocumentAttachment,
    DocumentConfirmation,
    DocumentQuestion,
    StrategyDocument,
    StrategyEdition,
)
from salesalign.strategy.selectors.documents import is_in_audience, may_write_documents

#: The largest attachment accepted, in bytes.
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024

#: File name endings refused as attachments: programs and scripts a reader could run.
EXECUTABLE_EXTENSIONS = frozenset(
    {
        "apk", "app", "bat", "bin", "cmd", "com", "cpl", "dll", "dmg", "elf", "exe", "gadget",
        "hta", "jar", "js", "jse", "lnk", "msc", "msi", "msp", "pif", "ps1", "psm1", "py", "pyc",
        "reg", "scr", "sh", "so", "vb", "vbe", "vbs", "ws", "wsf", "wsh",
    }
)  # fmt: skip

#: The first bytes of Windows, Linux, macOS and Java programs, and of scripts with a shebang.
EXECUTABLE_SIGNATURES = (
    b"MZ",
    b"\x7fELF",
    b"#!",
    b"\xca\xfe\xba\xbe",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
)

#: The longest question or answer accepted, in characters.
MAX_TEXT_LENGTH = 4000


def _require_writer(actor: Any) -> None:
    if not may_write_documents(actor):
        raise NotAllowed(_("Only administrators and executives write strategy documents."))


def _require_draft(document: StrategyDocument) -> None:
    if document.status != PublicationStatus.DRAFT:
        raise DomainError(
            _("A published document is not edited. Withdraw it first."), field="status"
        )


def _lock(document: StrategyDocument) -> None:
    """Lock the document's row for this transaction and read it afresh into the caller's object."""
    list(StrategyDocument.objects.select_for_update().filter(pk=document.pk).values_list("pk"))
    document.refresh_from_db()


def _require_person(actor: Any) -> Person:
    person = person_of(actor)
    if person is None:
        raise NotAllowed(_("Your login is not linked to an employee record."))
    return person


def _clean_text(value: str, *, field: str, label: str, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("%(label)s is required.") % {"label": label}, field=field)
    if len(value) > MAX_TEXT_LENGTH:
        raise DomainError(
            _("Keep it under %(limit)s characters.") % {"limit": MAX_TEXT_LENGTH}, field=field
        )
    return value


def _apply_fields(
    document: StrategyDocument,
    *,
    title: str,
    body: str,
    kind: str,
    edition: StrategyEdition | None,
    audience_all: bool,
    audience_units: Iterable[OrgUnit],
    requires_confirmation: bool,
) -> list[OrgUnit]:
    units = list(audience_units)
    if not audience_all and not units:
        raise DomainError(
            _("Choose the units this is for, or send it to the whole company."),
            field="audience_units",
        )
    if kind not in DocumentKind.values:
        raise DomainError(_("Choose a kind of document."), field="kind")
    document.title = (title or "").strip()
    document.body = (body or "").strip()
    document.kind = kind
    document.edition = edition
    document.audience_all = audience_all
    document.requires_confirmation = requires_confirmation
    return [] if audience_all else units


@transaction.atomic
def document_create(
    *,
    actor: Any,
    title: str,
    body: str,
    kind: str = DocumentKind.DOCUMENT,
    edition: StrategyEdition | None = None,
    audience_all: bool = True,
    audience_units: Iterable[OrgUnit] = (),
    requires_confirmation: bool = True,
) -> StrategyDocument:
    """Write a new draft document or announcement for the whole company or chosen units."""
    _require_writer(actor)
    document = StrategyDocument(status=PublicationStatus.DRAFT)
    units = _apply_fields(
        document,
        title=title,
        body=body,
        kind=kind,
        edition=edition,
        audience_all=audience_all,
        audience_units=audience_units,
        requires_confirmation=requires_confirmation,
    )
    document.full_clean()
    document.save()
    document.audience_units.set(units)
    return document


@transaction.atomic
def document_update(
    *,
    actor: Any,
    document: StrategyDocument,
    title: str,
    body: str,
    kind: str,
    edition: StrategyEdition | None,
    audience_all: bool,
    audience_units: Iterable[OrgUnit],
    requires_confirmation: bool,
) -> StrategyDocument:
    """Change a draft. A changed title or text voids earlier confirmations (of a withdrawn document)."""
    _require_writer(actor)
    _lock(document)
    _require_draft(document)
    old_text = (document.title, document.body)
    units = _apply_fields(
        document,
        title=title,
        body=body,
        kind=kind,
        edition=edition,
        audience_all=audience_all,
        audience_units=audience_units,
        requires_confirmation=requires_confirmation,
    )
    document.full_clean()
    document.save()
    if set(document.audience_units.values_list("pk", flat=True)) != {unit.pk for unit in units}:
        document.audience_units.set(units)
    if old_text != (document.title, document.body):
        # People confirmed the text they read; a new text needs a new confirmation.
        for confirmation in document.confirmations.all():
            confirmation.delete()
    return document


def _original_name(upload: UploadedFile) -> str:
    name = os.path.basename((upload.name or "").replace("\\", "/")).strip()
    return name[:200]


def _looks_executable(upload: UploadedFile, name: str) -> bool:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension in EXECUTABLE_EXTENSIONS:
        return True
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    return any(head.startswith(signature) for signature in EXECUTABLE_SIGNATURES)


@transaction.atomic
def attachment_add(
    *, actor: Any, document: StrategyDocument, upload: UploadedFile
) -> DocumentAttachment:
    """Attach a file to a draft; its original name is kept for the download."""
    _require_writer(actor)
    _require_draft(document)
    name = _original_name(upload)
    if not name:
        raise DomainError(_("The file has no name."), field="file")
    if upload.size is None or upload.size == 0:
        raise DomainError(_("The file is empty."), field="file")
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise DomainError(
            _("The file is larger than %(limit)s MB.")
            % {"limit": ATTACHMENT_MAX_BYTES // (1024 * 1024)},
            field="file",
        )
    if _looks_executable(upload, name):
        raise DomainError(_("Programs and scripts cannot be attached."), field="file")
    attachment = DocumentAttachment(document=document, name=name)
    attachment.file.save(name, upload, save=False)
    stored_name = attachment.file.name
    try:
        attachment.full_clean()
        attachment.save()
    except Exception:
        attachment.file.storage.delete(stored_name)
        raise
    return attachment


@transaction.atomic
def attachment_remove(*, actor: Any, attachment: DocumentAttachment) -> None:
    """Remove a file from a draft; the stored file is deleted once the change is saved."""
    _require_writer(actor)
    _require_draft(attachment.document)
    storage, stored_name = attachment.file.storage, attachment.file.name
    attachment.delete()
    if stored_name:
        transaction.on_commit(lambda: storage.delete(stored_name))


@transaction.atomic
def document_publish(*, actor: Any, document: StrategyDocument) -> StrategyDocument:
    """Publish a draft: from now on its audience sees it and is asked to confirm it."""
    _require_writer(actor)
    _lock(document)
    _require_draft(document)
    if not document.audience_all and not document.audience_units.exists():
        raise DomainError(
            _("Choose the units this is for, or send it to the whole company."),
            field="audience_units",
        )
    document.status = PublicationStatus.PUBLISHED
    document.published_at = timezone.now()
    document.published_by = actor if getattr(actor, "pk", None) else None
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def document_withdraw(*, actor: Any, document: StrategyDocument) -> StrategyDocument:
    """Take a published document back to draft: readers no longer see it; it can be corrected."""
    _require_writer(actor)
    _lock(document)
    if document.status != PublicationStatus.PUBLISHED:
        raise DomainError(_("Only a published document can be withdrawn."), field="status")
    document.status = PublicationStatus.DRAFT
    document.full_clean()
    document.save()
    return document


def _require_reader(person: Person, document: StrategyDocument) -> None:
    if document.status != PublicationStatus.PUBLISHED or not is_in_audience(document, person):
        raise DomainError(_("This document is not addressed to you."), code="not_found")


def _question_new(
    *, document: StrategyDocument, person: Person, text: str, kind: str
) -> DocumentQuestion:
    if kind not in QuestionKind.values:
        raise DomainError(_("Choose question or challenge."), field="kind")
    question = DocumentQuestion(document=document, person=person, kind=kind, text=text)
    question.full_clean()
    question.save()
    return question


@dataclass(frozen=True)
class ConfirmationResult:
    """What `document_confirm` did: the confirmation, whether it is new, and the question if one was asked."""

    confirmation: DocumentConfirmation
    created: bool
    question: DocumentQuestion | None


@transaction.atomic
def document_confirm(
    *,
    actor: Any,
    document: StrategyDocument,
    question_text: str = "",
    question_kind: str = QuestionKind.QUESTION,
) -> ConfirmationResult:
    """Record "I have read and understood" once per person, with an optional question or challenge.

    Confirming again keeps the first confirmation (and its time); a question sent with it is still recorded.
    """
    person = _require_person(actor)
    _require_reader(person, document)
    if not document.requires_confirmation:
        raise DomainError(_("This document does not ask for a confirmation."))
    question_text = _clean_text(
        question_text, field="question_text", label=_("Question"), required=False
    )
    confirmation, created = DocumentConfirmation.objects.get_or_create(
        document=document, person=person
    )
    question = None
    if question_text:
        question = _question_new(
            document=document, person=person, text=question_text, kind=question_kind
        )
    return ConfirmationResult(confirmation=confirmation, created=created, question=question)


@transaction.atomic
def question_ask(
    *,
    actor: Any,
    document: StrategyDocument,
    text: str,
    kind: str = QuestionKind.QUESTION,
) -> DocumentQuestion:
    """A reader asks a question or names a challenge they foresee."""
    person = _require_person(actor)
    _require_reader(person, document)
    text = _clean_text(text, field="text", label=_("Question"))
    return _question_new(document=document, person=person, text=text, kind=kind)


def may_answer(user: Any, question: DocumentQuestion) -> bool:
    """Executives, HR and admins answer any question; a manager those of the people in their units.

    Nobody answers their own question. `question.person.unit` should be loaded.
    """
    scope = scope_for(user)
    me = person_of(user)
    if me is not None and question.person_id == me.pk:
        return False
    if scope.everything:
        return True
    return bool(scope.unit_paths) and scope.covers_unit_path(question.person.unit.path)


@transaction.atomic
def question_answer(*, actor: Any, question: DocumentQuestion, answer: str) -> DocumentQuestion:
    """Answer (or correct the answer to) a reader's question."""
    question = cast(
        DocumentQuestion,
        DocumentQuestion.objects.select_for_update()
        .select_related("person__unit")
        .get(pk=question.pk),
    )
    if not may_answer(actor, question):
        raise NotAllowed(_("You may not answer this question."))
    question.answer = _clean_text(answer, field="answer", label=_("Answer"))
    question.answered_by = person_of(actor)
    question.answered_at = timezone.now()
    question.full_clean()
    question.save()
    return question
