"""API endpoints for strategy documents (thin: parse, call a service or selector, answer).

Mounted at /api/v1/strategy/documents. A document the caller may not open answers 404;
an action their role does not allow on a document they may open answers 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.organization.models import OrgUnit
from salesalign.strategy.choices import DocumentKind, DocumentStatus, QuestionKind
from salesalign.strategy.models import DocumentQuestion, StrategyDocument, StrategyEdition
from salesalign.strategy.selectors import documents as selectors
from salesalign.strategy.services import documents as services

router = Router(tags=["strategy: documents"])


# --- schemas ------------------------------------------------------------------------------


class DocumentAttachmentOut(Schema):
    id: int
    name: str
    size: int | None
    download_url: str

    @staticmethod
    def resolve_size(obj: Any) -> int | None:
        try:
            return int(obj.file.size)
        except (FileNotFoundError, OSError):
            return None

    @staticmethod
    def resolve_download_url(obj: Any) -> str:
        return reverse("api:document_attachment_download", kwargs={"attachment_id": obj.pk})


class StrategyDocumentIn(Schema):
    kind: DocumentKind = DocumentKind.DOCUMENT
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1)
    edition_id: int | None = None
    audience_all: bool = True
    audience_unit_ids: list[int] = Field(
        default_factory=list, description="Units the document is for (each with its subtree)."
    )
    requires_confirmation: bool = True


class StrategyDocumentOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    status: str
    edition_id: int | None
    audience_all: bool
    audience_unit_ids: list[int]
    requires_confirmation: bool
    published_at: datetime | None
    version: int = Field(description="1 for a first version; each new version counts up.")
    previous_version_id: int | None = Field(description="The version this one replaces.")
    next_version_id: int | None = Field(
        description="The version that superseded this one or, for writers, the draft of the "
        "next version."
    )
    superseded_at: datetime | None = Field(description="When a newer version replaced it.")
    in_audience: bool = Field(description="The document is addressed to the caller.")
    my_confirmed_at: datetime | None = Field(description="When the caller confirmed it, if so.")
    attachments: list[DocumentAttachmentOut]

    @staticmethod
    def resolve_audience_unit_ids(obj: Any) -> list[int]:
        return [unit.pk for unit in obj.audience_units.all()]

    @staticmethod
    def resolve_next_version_id(obj: Any) -> int | None:
        return getattr(obj, "newer_version_id", None)

    @staticmethod
    def resolve_in_audience(obj: Any) -> bool:
        return bool(getattr(obj, "in_audience", False))

    @staticmethod
    def resolve_my_confirmed_at(obj: Any) -> datetime | None:
        return getattr(obj, "my_confirmed_at", None)

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        return list(obj.attachments.all())


class ChangeSegmentOut(Schema):
    kind: str = Field(description="equal, inserted or deleted")
    text: str


class ChangeLineOut(Schema):
    kind: str = Field(description="equal, inserted, deleted, changed, or skipped")
    segments: list[ChangeSegmentOut]
    skipped: int = Field(description="How many unchanged lines a skipped line stands for.")


class DocumentChangesOut(Schema):
    document_id: int
    version: int
    since_id: int
    since_version: int
    since_confirmed: bool = Field(description="The caller confirmed the version compared with.")
    title_before: str
    title: str
    changed: bool = Field(description="The text differs (blank lines and spacing aside).")
    lines: list[ChangeLineOut]


class ChangesFilter(Schema):
    since_id: int | None = Field(
        default=None,
        description="An earlier version to compare with; by default the latest one the caller "
        "confirmed, else the previous version.",
    )


class DocumentQuestionIn(Schema):
    kind: QuestionKind = QuestionKind.QUESTION
    text: str = Field(min_length=1, max_length=services.MAX_TEXT_LENGTH)


class QuestionAnswerIn(Schema):
    answer: str = Field(min_length=1, max_length=services.MAX_TEXT_LENGTH)


class DocumentQuestionOut(Schema):
    id: int
    document_id: int = Field(description="The version of the document it was asked on.")
    version: int = Field(description="The number of that version (1 for a first version).")
    kind: str
    text: str
    person_id: int | None = Field(description="The asker, when they are in the caller's scope.")
    person_name: str | None
    answer: str
    answered_by_id: int | None
    answered_at: datetime | None
    created_at: datetime
    can_answer: bool

    @staticmethod
    def resolve_version(obj: Any) -> int:
        # The selectors load the question's document with it (no query here).
        return int(obj.document.version)

    @staticmethod
    def resolve_person_id(obj: Any) -> int | None:
        return obj.person_id if getattr(obj, "asker_visible", False) else None

    @staticmethod
    def resolve_person_name(obj: Any) -> str | None:
        return obj.person.display_name if getattr(obj, "asker_visible", False) else None

    @staticmethod
    def resolve_can_answer(obj: Any) -> bool:
        return bool(getattr(obj, "can_answer", False))


class DocumentConfirmationIn(Schema):
    question_text: str = Field(default="", max_length=services.MAX_TEXT_LENGTH)
    question_kind: QuestionKind = QuestionKind.QUESTION


class DocumentConfirmationOut(Schema):
    document_id: int
    person_id: int
    confirmed_at: datetime
    created: bool = Field(description="False when the caller had already confirmed.")
    question: DocumentQuestionOut | None


class UnitProgressOut(Schema):
    unit_id: int
    code: str
    name: str
    audience: int
    confirmed: int
    percent: int


class PersonConfirmationOut(Schema):
    person_id: int
    employee_number: str
    name: str
    unit_id: int
    confirmed_at: datetime | None


class ConfirmationStatusOut(Schema):
    document_id: int
    audience: int
    confirmed: int
    percent: int
    units: list[UnitProgressOut]
    people_count: int
    people: list[PersonConfirmationOut]


class StatusFilter(Schema):
    only_missing: bool = False
    unit_id: int | None = None
    limit: int = Field(default=200, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)


class DocumentFilter(Schema):
    kind: DocumentKind | None = None
    status: DocumentStatus | None = None


# --- helpers ------------------------------------------------------------------------------


def _document(request: HttpRequest, document_id: int) -> StrategyDocument:
    document = selectors.document_for_viewer(request.user, document_id)
    if document is None:
        raise Http404
    return document


def _fresh(request: HttpRequest, document_id: int) -> StrategyDocument:
    """Read the document again after a write, with the caller's annotations."""
    return _document(request, document_id)


def _service_fields(payload: StrategyDocumentIn) -> dict[str, Any]:
    edition = None
    if payload.edition_id is not None:
        edition = StrategyEdition.objects.filter(pk=payload.edition_id).first()
        if edition is None:
            raise DomainError(_("No such strategy edition."), field="edition_id")
    ids = set(payload.audience_unit_ids)
    units = list(OrgUnit.objects.filter(pk__in=ids))
    if len(units) != len(ids):
        raise DomainError(_("Some of these units do not exist."), field="audience_unit_ids")
    return {
        "title": payload.title,
        "body": payload.body,
        "kind": payload.kind,
        "edition": edition,
        "audience_all": payload.audience_all,
        "audience_units": units,
        "requires_confirmation": payload.requires_confirmation,
    }


def _question_out(request: HttpRequest, question: DocumentQuestion) -> DocumentQuestion:
    marked = selectors.question_for_answering(request.user, question.pk)
    return marked if marked is not None else question


# --- documents ----------------------------------------------------------------------------


@router.get(
    "",
    response=list[StrategyDocumentOut],
    summary="List the documents I may read, with my confirmation",
)
def document_list(request: HttpRequest, filters: Query[DocumentFilter]) -> Any:
    documents = selectors.documents_for_viewer(request.user, kind=filters.kind)
    if filters.status:
        documents = documents.filter(status=filters.status)
    return documents.prefetch_related("audience_units", "attachments")


@router.post(
    "", response={201: StrategyDocumentOut}, summary="Write a draft document (admins, executives)"
)
def document_create(request: HttpRequest, payload: StrategyDocumentIn) -> Any:
    document = services.document_create(actor=request.user, **_service_fields(payload))
    return Status(201, _fresh(request, document.pk))


@router.get("/{int:document_id}", response=StrategyDocumentOut, summary="Read one document")
def document_get(request: HttpRequest, document_id: int) -> Any:
    return _document(request, document_id)


@router.put(
    "/{int:document_id}",
    response=StrategyDocumentOut,
    summary="Change a draft (admins, executives)",
)
def document_update(request: HttpRequest, document_id: int, payload: StrategyDocumentIn) -> Any:
    document = _document(request, document_id)
    services.document_update(actor=request.user, document=document, **_service_fields(payload))
    return _fresh(request, document_id)


@router.post(
    "/{int:document_id}/publish",
    response=StrategyDocumentOut,
    summary="Publish a draft to its audience",
)
def document_publish(request: HttpRequest, document_id: int) -> Any:
    services.document_publish(actor=request.user, document=_document(request, document_id))
    return _fresh(request, document_id)


@router.post(
    "/{int:document_id}/withdraw",
    response=StrategyDocumentOut,
    summary="Take a published document back to draft",
)
def document_withdraw(request: HttpRequest, document_id: int) -> Any:
    services.document_withdraw(actor=request.user, document=_document(request, document_id))
    return _fresh(request, document_id)


# --- versions -----------------------------------------------------------------------------


@router.post(
    "/{int:document_id}/versions",
    response={201: StrategyDocumentOut},
    summary="Start a new version of a published document: a draft prefilled from it",
)
def document_new_version(request: HttpRequest, document_id: int) -> Any:
    version = services.document_new_version(
        actor=request.user, document=_document(request, document_id)
    )
    return Status(201, _fresh(request, version.pk))


@router.get(
    "/{int:document_id}/versions",
    response=list[StrategyDocumentOut],
    summary="Every version of a document I may read, oldest first",
)
def document_version_list(request: HttpRequest, document_id: int) -> Any:
    document = _document(request, document_id)
    return selectors.document_versions(document, request.user).prefetch_related(
        "audience_units", "attachments"
    )


@router.get(
    "/{int:document_id}/changes",
    response=DocumentChangesOut,
    summary="What changed in the text since an earlier version",
)
def document_changes(request: HttpRequest, document_id: int, filters: Query[ChangesFilter]) -> Any:
    document = _document(request, document_id)
    history = selectors.document_history(document, request.user)
    since, since_confirmed = history.since, history.since_confirmed
    if filters.since_id is not None:
        since = next(
            (
                version
                for version in history.versions
                if version.pk == filters.since_id and version.version < document.version
            ),
            None,
        )
        if since is None:
            raise DomainError(
                _("Compare with an earlier version of the same document."), field="since_id"
            )
        since_confirmed = bool(since.my_confirmed_at)  # type: ignore[attr-defined]
    elif since is None and document.previous_version_id is not None:
        since = next((v for v in history.versions if v.pk == document.previous_version_id), None)
    if since is None:
        raise DomainError(
            _("This is the first version: there is no earlier one to compare with."),
            field="since_id",
        )
    changes = selectors.version_changes(since, document)
    return {
        "document_id": document.pk,
        "version": document.version,
        "since_id": since.pk,
        "since_version": since.version,
        "since_confirmed": since_confirmed,
        "title_before": since.title,
        "title": document.title,
        "changed": changes.changed or since.title != document.title,
        "lines": [
            {
                "kind": line.kind,
                "segments": [{"kind": s.kind, "text": s.text} for s in line.segments],
                "skipped": line.skipped,
            }
            for line in changes.lines
        ],
    }


# --- attachments --------------------------------------------------------------------------


@router.post(
    "/{int:document_id}/attachments",
    response={201: DocumentAttachmentOut},
    summary="Attach a file to a draft (multipart, field `file`)",
)
def attachment_add(request: HttpRequest, document_id: int, file: File[UploadedFile]) -> Any:
    attachment = services.attachment_add(
        actor=request.user, document=_document(request, document_id), upload=file
    )
    return Status(201, attachment)


@router.delete(
    "/attachments/{int:attachment_id}", response={204: None}, summary="Remove a file from a draft"
)
def attachment_remove(request: HttpRequest, attachment_id: int) -> Any:
    attachment = selectors.attachment_for_viewer(request.user, attachment_id)
    if attachment is None:
        raise Http404
    services.attachment_remove(actor=request.user, attachment=attachment)
    return Status(204, None)


@router.get(
    "/attachments/{int:attachment_id}/download",
    url_name="document_attachment_download",
    summary="Download an attached file",
)
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = selectors.attachment_for_viewer(request.user, attachment_id)
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(handle, as_attachment=True, filename=attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- reading and confirming ---------------------------------------------------------------


@router.post(
    "/{int:document_id}/confirm",
    response=DocumentConfirmationOut,
    summary="Confirm “I have read and understood”, optionally with a question",
)
def document_confirm(
    request: HttpRequest, document_id: int, payload: DocumentConfirmationIn
) -> Any:
    result = services.document_confirm(
        actor=request.user,
        document=_document(request, document_id),
        question_text=payload.question_text,
        question_kind=payload.question_kind,
    )
    return {
        "document_id": document_id,
        "person_id": result.confirmation.person_id,
        "confirmed_at": result.confirmation.confirmed_at,
        "created": result.created,
        "question": _question_out(request, result.question) if result.question else None,
    }


@router.get(
    "/{int:document_id}/questions",
    response=list[DocumentQuestionOut],
    summary="Questions on a document I may read (answered ones, and those from my scope), "
    "with those of its earlier versions",
    description="The questions asked on this version, oldest first, then those asked on the "
    "earlier versions the caller may read, newest version first: `document_id` and `version` "
    "say which version each was asked on. An open question of an earlier version is answered "
    "there (`/questions/{id}/answer`) and keeps its version.",
)
def question_list(request: HttpRequest, document_id: int) -> Any:
    document = _document(request, document_id)
    return selectors.document_questions(document, request.user).all


@router.post(
    "/{int:document_id}/questions",
    response={201: DocumentQuestionOut},
    summary="Ask a question or name a foreseen challenge",
)
def question_ask(request: HttpRequest, document_id: int, payload: DocumentQuestionIn) -> Any:
    question = services.question_ask(
        actor=request.user,
        document=_document(request, document_id),
        text=payload.text,
        kind=payload.kind,
    )
    return Status(201, _question_out(request, question))


@router.get(
    "/questions/open",
    response=list[DocumentQuestionOut],
    summary="Open questions I may answer",
)
def question_open_list(request: HttpRequest) -> Any:
    return selectors.open_questions_for_answering(request.user)


@router.post(
    "/questions/{int:question_id}/answer",
    response=DocumentQuestionOut,
    summary="Answer a question (managers of the asker, executives, HR, admins)",
)
def question_answer(request: HttpRequest, question_id: int, payload: QuestionAnswerIn) -> Any:
    question = selectors.question_for_answering(request.user, question_id)
    if question is None:
        raise Http404
    services.question_answer(actor=request.user, question=question, answer=payload.answer)
    return selectors.question_for_answering(request.user, question_id)


@router.get(
    "/{int:document_id}/status",
    response=ConfirmationStatusOut,
    summary="Who has confirmed, per unit and per person, in my scope",
)
def document_status(request: HttpRequest, document_id: int, filters: Query[StatusFilter]) -> Any:
    document = _document(request, document_id)
    if not selectors.may_view_status(request.user):
        raise NotAllowed(_("Only managers, executives, HR and admins follow confirmations."))
    unit = None
    if filters.unit_id is not None:
        unit = OrgUnit.objects.filter(pk=filters.unit_id).first()
        if unit is None:
            raise DomainError(_("No such unit."), field="unit_id")
    status = selectors.confirmation_status(
        document, request.user, only_missing=filters.only_missing, unit=unit
    )
    people = status.people[filters.offset : filters.offset + filters.limit]
    return {
        "document_id": document.pk,
        "audience": status.audience,
        "confirmed": status.confirmed,
        "percent": status.percent,
        "units": [
            {
                "unit_id": row.unit.pk,
                "code": row.unit.code,
                "name": row.unit.display_name,
                "audience": row.audience,
                "confirmed": row.confirmed,
                "percent": row.percent,
            }
            for row in status.units
        ],
        "people_count": status.people.count(),
        "people": [
            {
                "person_id": person.pk,
                "employee_number": person.employee_number,
                "name": person.display_name,
                "unit_id": person.unit_id,
                "confirmed_at": person.confirmed_at,  # type: ignore[attr-defined]
            }
            for person in people
        ],
    }
