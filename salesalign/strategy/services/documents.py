"""Writes for strategy documents and announcements: drafts, attachments, publication, new
versions, confirmations, questions.

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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.roles import person_of
from salesalign.core.services import notify
from salesalign.core.visibility import scope_for
from salesalign.organization.models import OrgUnit, Person
from salesalign.strategy.choices import DocumentKind, DocumentStatus, QuestionKind
from salesalign.strategy.models import (
    DocumentAttachment,
    DocumentConfirmation,
    DocumentQuestion,
    StrategyDocument,
    StrategyEdition,
)
from salesalign.strategy.selectors.documents import is_in_audience, may_write_documents

#: The notification that tells a reader their question about a document was answered.
NOTIFY_ANSWER = "strategy_question_answer"
ANSWER_SUBJECT = gettext_noop("Your question about “%(title)s” was answered.")

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
    if document.status == DocumentStatus.SUPERSEDED:
        raise DomainError(
            _("An earlier version stays as it was published and is not changed."),
            field="status",
        )
    if document.status != DocumentStatus.DRAFT:
        raise DomainError(
            _("A published document is not edited: start a new version, or withdraw it first."),
            field="status",
        )


def _lock(document: StrategyDocument) -> None:
    """Lock the document's row for this transaction and read it afresh into the caller's object."""
    list(StrategyDocument.objects.select_for_update().filter(pk=document.pk).values_list("pk"))
    document.refresh_from_db()


def _locked(pk: int) -> StrategyDocument:
    """Another document's row, locked for this transaction and read afresh."""
    return cast(StrategyDocument, StrategyDocument.objects.select_for_update().get(pk=pk))


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
    document = StrategyDocument(status=DocumentStatus.DRAFT)
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


def _previous_in_force(document: StrategyDocument) -> StrategyDocument | None:
    """The version a draft replaces, locked, when it is still the published one; None for a
    first version. Refused when that version was withdrawn or superseded meanwhile."""
    if document.previous_version_id is None:
        return None
    previous = _locked(document.previous_version_id)
    if previous.status == DocumentStatus.DRAFT:
        raise DomainError(
            _(
                "Version %(number)s, which this draft replaces, was withdrawn meanwhile. "
                "Publish version %(number)s again first, then this one."
            )
            % {"number": previous.version},
            field="previous_version",
        )
    if previous.status == DocumentStatus.SUPERSEDED:
        raise DomainError(
            _("Version %(number)s, which this draft replaces, was superseded meanwhile.")
            % {"number": previous.version},
            field="previous_version",
        )
    return previous


def _confirm_for_publisher(document: StrategyDocument, actor: Any) -> None:
    """Whoever publishes a document has read it: they count as confirmed, not as missing
    (when it asks for confirmation and they are one of its readers)."""
    person = person_of(actor)
    if person is None or not document.requires_confirmation:
        return
    if is_in_audience(document, person):
        DocumentConfirmation.objects.get_or_create(document=document, person=person)


@transaction.atomic
def document_publish(*, actor: Any, document: StrategyDocument) -> StrategyDocument:
    """Publish a draft: from now on its audience sees it and is asked to confirm it.

    A new version supersedes the version it replaces, which stops asking for confirmation
    and stays readable. The publisher counts as having confirmed it.
    """
    _require_writer(actor)
    _lock(document)
    _require_draft(document)
    if not document.audience_all and not document.audience_units.exists():
        raise DomainError(
            _("Choose the units this is for, or send it to the whole company."),
            field="audience_units",
        )
    previous = _previous_in_force(document)
    now = timezone.now()
    document.status = DocumentStatus.PUBLISHED
    document.published_at = now
    document.published_by = actor if getattr(actor, "pk", None) else None
    document.full_clean()
    document.save()
    if previous is not None:
        previous.status = DocumentStatus.SUPERSEDED
        previous.superseded_at = now
        previous.full_clean()
        previous.save()
    _confirm_for_publisher(document, actor)
    return document


@transaction.atomic
def document_withdraw(*, actor: Any, document: StrategyDocument) -> StrategyDocument:
    """Take a published document back to draft: readers no longer see it; it can be corrected.

    Withdrawing a new version puts the version it superseded back in force.
    """
    _require_writer(actor)
    _lock(document)
    if document.status == DocumentStatus.SUPERSEDED:
        raise DomainError(
            _(
                "An earlier version stays as it was published. "
                "Withdraw the current version instead."
            ),
            field="status",
        )
    if document.status != DocumentStatus.PUBLISHED:
        raise DomainError(_("Only a published document can be withdrawn."), field="status")
    document.status = DocumentStatus.DRAFT
    document.full_clean()
    document.save()
    if document.previous_version_id is not None:
        previous = _locked(document.previous_version_id)
        if previous.status == DocumentStatus.SUPERSEDED:
            previous.status = DocumentStatus.PUBLISHED
            previous.superseded_at = None
            previous.full_clean()
            previous.save()
    return document


def _copy_attachments(source: StrategyDocument, target: StrategyDocument) -> None:
    """Copy the files of `source` to `target`: each version owns its files, so removing one
    from a draft never removes it from the version people read."""
    copied: list[DocumentAttachment] = []
    try:
        for attachment in source.attachments.all():
            copy = DocumentAttachment(document=target, name=attachment.name)
            try:
                with attachment.file.open("rb") as handle:
                    copy.file.save(attachment.name, handle, save=False)
            except FileNotFoundError:
                continue  # lost from storage: the old version cannot offer it either
            copied.append(copy)
            copy.full_clean()
            copy.save()
    except Exception:
        for copy in copied:
            copy.file.storage.delete(copy.file.name)
        raise


@transaction.atomic
def document_new_version(*, actor: Any, document: StrategyDocument) -> StrategyDocument:
    """Start the next version of a published document: a draft with its text, audience and
    files. Publishing the draft supersedes `document`; one new version is drafted at a time."""
    _require_writer(actor)
    _lock(document)
    if document.status == DocumentStatus.DRAFT:
        raise DomainError(
            _("Only a published document gets a new version. This one is a draft: edit it."),
            field="status",
        )
    if document.status == DocumentStatus.SUPERSEDED:
        raise DomainError(
            _("Version %(number)s is superseded. Start the new version from the current one.")
            % {"number": document.version},
            field="status",
        )
    draft = StrategyDocument.objects.filter(previous_version=document).first()
    if draft is not None:
        raise DomainError(
            _("Version %(number)s of this document is already being written. Continue it.")
            % {"number": draft.version},
            field="status",
        )
    version = StrategyDocument(
        kind=document.kind,
        title=document.title,
        body=document.body,
        edition=document.edition,
        audience_all=document.audience_all,
        requires_confirmation=document.requires_confirmation,
        status=DocumentStatus.DRAFT,
        version=document.version + 1,
        previous_version=document,
        first_version_id=document.series_id,
    )
    version.full_clean()
    version.save()
    if not document.audience_all:
        version.audience_units.set(document.audience_units.all())
    _copy_attachments(document, version)
    return version


def _require_reader(person: Person, document: StrategyDocument) -> None:
    if document.status == DocumentStatus.SUPERSEDED and is_in_audience(document, person):
        raise DomainError(
            _(
                "Version %(number)s was superseded by a newer version. "
                "Read, confirm and ask about the current version."
            )
            % {"number": document.version},
            field="status",
        )
    if document.status != DocumentStatus.PUBLISHED or not is_in_audience(document, person):
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
        .select_related("person__unit", "document")
        .get(pk=question.pk),
    )
    if not may_answer(actor, question):
        raise NotAllowed(_("You may not answer this question."))
    first_answer = not question.answer
    question.answer = _clean_text(answer, field="answer", label=_("Answer"))
    question.answered_by = person_of(actor)
    question.answered_at = timezone.now()
    question.full_clean()
    question.save()
    if first_answer and question.person_id != getattr(question.answered_by, "pk", None):
        # The asker is told once, on the version they asked about (it says if superseded).
        notify(
            people=[question.person_id],
            kind=NOTIFY_ANSWER,
            subject=ANSWER_SUBJECT,
            params={"title": question.document.title},
            url=reverse("strategy:document_detail", args=[question.document_id])
            + f"#question-{question.pk}",
        )
    return question
