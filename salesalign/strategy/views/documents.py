"""Pages for strategy documents and announcements: read and confirm, ask, answer, write, publish,
start a new version, follow up."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.roles import person_of
from salesalign.organization.models import OrgUnit
from salesalign.strategy.choices import DocumentStatus
from salesalign.strategy.forms.documents import (
    DocumentAttachmentForm,
    DocumentConfirmationForm,
    DocumentFilterForm,
    DocumentQuestionForm,
    QuestionAnswerForm,
    StrategyDocumentForm,
)
from salesalign.strategy.models import StrategyDocument
from salesalign.strategy.selectors import documents as selectors
from salesalign.strategy.services import documents as services

PEOPLE_PER_PAGE = 100
DOCUMENTS_PER_PAGE = 50


def _document_or_404(request: HttpRequest, pk: int) -> StrategyDocument:
    document = selectors.document_for_viewer(request.user, pk)
    if document is None:
        raise Http404(_("No such document."))
    return document


def _detail_url(pk: int) -> str:
    return reverse("strategy:document_detail", kwargs={"pk": pk})


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _require_writer(request: HttpRequest) -> None:
    if not selectors.may_write_documents(request.user):
        raise PermissionDenied(_("Only administrators and executives write strategy documents."))


def _back(request: HttpRequest, default: str) -> str:
    """The page to go back to: a safe `next` field, or `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _detail_context(
    request: HttpRequest, document: StrategyDocument, **forms: Any
) -> dict[str, Any]:
    reader = bool(document.in_audience) and document.status == DocumentStatus.PUBLISHED  # type: ignore[attr-defined]
    history = selectors.document_history(document, request.user)
    questions = selectors.document_questions(document, request.user, versions=history.versions)
    return {
        "document": document,
        "history": history,
        "questions": questions.own,
        "earlier_open_questions": questions.earlier_open,
        "earlier_questions": questions.earlier_answered,
        "is_reader": reader,
        "may_write": selectors.may_write_documents(request.user),
        "may_view_status": selectors.may_view_status(request.user)
        and document.status in selectors.READABLE,
        "confirm_form": forms.get("confirm_form") or DocumentConfirmationForm(),
        "question_form": forms.get("question_form") or DocumentQuestionForm(),
        "attachment_form": forms.get("attachment_form") or DocumentAttachmentForm(),
        "answer_form": QuestionAnswerForm(),
    }


def document_list(request: HttpRequest) -> HttpResponse:
    """Documents and announcements for me, with my confirmation; writers also see drafts."""
    filters = DocumentFilterForm(request.GET or None)
    valid = filters.is_valid()
    kind = filters.cleaned_data.get("kind") if valid else None
    earlier = bool(filters.cleaned_data.get("earlier")) if valid else False
    documents = selectors.documents_for_viewer(
        request.user, kind=kind or None, earlier_versions=earlier
    )
    page = Paginator(documents, DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "strategy/document_list.html",
        {
            "page": page,
            "filters": filters,
            "kind": kind or "",
            "earlier": earlier,
            "may_write": selectors.may_write_documents(request.user),
            "may_view_status": selectors.may_view_status(request.user),
            "has_person": person_of(request.user) is not None,
        },
    )


def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The text, the files, my confirmation and the questions and answers."""
    document = _document_or_404(request, pk)
    return render(request, "strategy/document_detail.html", _detail_context(request, document))


def document_create(request: HttpRequest) -> HttpResponse:
    """Write a new draft."""
    _require_writer(request)
    form = StrategyDocumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_create(actor=request.user, **form.service_arguments())
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Draft saved. Attach files, then publish it."))
            return redirect("strategy:document_detail", pk=document.pk)
    return render(request, "strategy/document_form.html", {"form": form, "document": None})


def document_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft."""
    document = _document_or_404(request, pk)
    _require_writer(request)
    if document.status == DocumentStatus.SUPERSEDED:
        messages.warning(
            request, _("An earlier version stays as it was published and is not changed.")
        )
        return redirect("strategy:document_detail", pk=document.pk)
    if document.status != DocumentStatus.DRAFT:
        messages.warning(
            request,
            _("A published document is not edited: start a new version, or withdraw it first."),
        )
        return redirect("strategy:document_detail", pk=document.pk)
    form = StrategyDocumentForm(request.POST or None, instance=document)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_update(
                actor=request.user, document=document, **form.service_arguments()
            )
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("strategy:document_detail", pk=document.pk)
    return render(request, "strategy/document_form.html", {"form": form, "document": document})


@require_POST
def document_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish a draft to its audience."""
    document = _document_or_404(request, pk)
    _require_writer(request)
    try:
        services.document_publish(actor=request.user, document=document)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Published. Its readers now see it on their home page."))
        if document.previous_version_id is not None:
            messages.info(
                request,
                _(
                    "Version %(number)s is superseded: it no longer asks for confirmation and "
                    "stays readable in the history."
                )
                % {"number": document.version - 1},
            )
    return redirect("strategy:document_detail", pk=document.pk)


@require_POST
def document_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a published document back to draft."""
    document = _document_or_404(request, pk)
    _require_writer(request)
    try:
        services.document_withdraw(actor=request.user, document=document)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Withdrawn: readers no longer see it. It is a draft again."))
        if document.previous_version_id is not None:
            messages.info(
                request,
                _("Version %(number)s is in force again and asks for confirmation as before.")
                % {"number": document.version - 1},
            )
    return redirect("strategy:document_detail", pk=document.pk)


@require_POST
def document_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the next version of a published document, as a draft prefilled from it."""
    document = _document_or_404(request, pk)
    _require_writer(request)
    try:
        version = services.document_new_version(actor=request.user, document=document)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("strategy:document_detail", pk=document.pk)
    messages.success(
        request,
        _(
            "Version %(number)s is a draft with the text, readers and files of version "
            "%(previous)s. Change it, then publish it: it replaces version %(previous)s and "
            "every reader is asked to confirm it."
        )
        % {"number": version.version, "previous": document.version},
    )
    return redirect("strategy:document_update", pk=version.pk)


@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a file to a draft."""
    document = _document_or_404(request, pk)
    _require_writer(request)
    form = DocumentAttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                actor=request.user, document=document, upload=form.cleaned_data["file"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("“%(name)s” attached.") % {"name": attachment.name})
    else:
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, str(message))
    return redirect("strategy:document_detail", pk=document.pk)


@require_POST
def attachment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a file from a draft."""
    attachment = selectors.attachment_for_viewer(request.user, pk)
    if attachment is None:
        raise Http404(_("No such file."))
    _require_writer(request)
    try:
        services.attachment_remove(actor=request.user, attachment=attachment)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(name)s” removed.") % {"name": attachment.name})
    return redirect("strategy:document_detail", pk=attachment.document_id)


def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file, as a download under its original name; only for those who may open the document."""
    attachment = selectors.attachment_for_viewer(request.user, pk)
    if attachment is None:
        raise Http404(_("No such file."))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404(_("The file is missing from storage.")) from missing
    response = FileResponse(handle, as_attachment=True, filename=attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def document_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """“I have read and understood”, with an optional question or challenge."""
    document = _document_or_404(request, pk)
    form = DocumentConfirmationForm(request.POST)
    if form.is_valid():
        try:
            result = services.document_confirm(
                actor=request.user,
                document=document,
                question_text=form.cleaned_data["question_text"],
                question_kind=form.cleaned_data["question_kind"] or "question",
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            if error.code == "not_found":
                raise Http404(error.message) from error
            form.add_error(None, error.message)
        else:
            if result.created:
                messages.success(request, _("Thank you: your confirmation is recorded."))
            else:
                messages.info(request, _("You had already confirmed this document."))
            if result.question is not None:
                messages.success(request, _("Your question is sent to your manager."))
            return redirect(_back(request, _detail_url(document.pk)))
    return render(
        request,
        "strategy/document_detail.html",
        _detail_context(request, document, confirm_form=form),
        status=400,
    )


@require_POST
def question_ask(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask a question or name a challenge about a document."""
    document = _document_or_404(request, pk)
    form = DocumentQuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_ask(
                actor=request.user,
                document=document,
                text=form.cleaned_data["text"],
                kind=form.cleaned_data["kind"],
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            if error.code == "not_found":
                raise Http404(error.message) from error
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Your question is sent to your manager."))
            return redirect(f"{_detail_url(document.pk)}#questions")
    return render(
        request,
        "strategy/document_detail.html",
        _detail_context(request, document, question_form=form),
        status=400,
    )


def question_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer a question (inline, with htmx, or as a plain form post)."""
    question = selectors.question_for_answering(request.user, pk)
    if question is None:
        raise Http404(_("No such question."))
    if not question.can_answer:  # type: ignore[attr-defined]
        raise PermissionDenied(_("You may not answer this question."))
    form = QuestionAnswerForm(request.POST or None, initial={"answer": question.answer})
    # Answered from a later version's page, where it was shown as asked on an earlier one.
    carried_over = request.POST.get("carried_over") == "1"
    if request.method == "POST" and form.is_valid():
        try:
            services.question_answer(
                actor=request.user, question=question, answer=form.cleaned_data["answer"]
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            form.add_error("answer", error.message)
        else:
            question = selectors.question_for_answering(request.user, pk)
            if _is_htmx(request):
                return render(
                    request,
                    "strategy/_document_question.html",
                    {
                        "question": question,
                        "answer_form": QuestionAnswerForm(),
                        "just_answered": True,
                        "carried_over": carried_over,
                    },
                )
            messages.success(request, _("Answer saved."))
            return redirect(_back(request, _detail_url(question.document_id)))  # type: ignore[union-attr]
    template = (
        "strategy/_document_question.html"
        if _is_htmx(request)
        else "strategy/document_question_answer.html"
    )  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {"question": question, "answer_form": form, "editing": True, "carried_over": carried_over},
        status=400 if request.method == "POST" else 200,
    )


def question_list(request: HttpRequest) -> HttpResponse:
    """Open questions from the people in my units (all of them for executives, HR and admins)."""
    if not selectors.may_view_status(request.user):
        raise PermissionDenied(_("Only managers, executives, HR and admins answer questions."))
    return render(
        request,
        "strategy/document_question_list.html",
        {
            "questions": selectors.open_questions_for_answering(request.user),
            "answer_form": QuestionAnswerForm(),
        },
    )


def document_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Who has confirmed and who has not, per unit and per person, in my scope."""
    document = _document_or_404(request, pk)
    if not selectors.may_view_status(request.user):
        raise PermissionDenied(_("Only managers, executives, HR and admins follow confirmations."))
    only_missing = request.GET.get("missing") == "1"
    unit = None
    if request.GET.get("unit", "").isdigit():
        unit = get_object_or_404(OrgUnit, pk=int(request.GET["unit"]))
    status = selectors.confirmation_status(
        document, request.user, only_missing=only_missing, unit=unit
    )
    page = Paginator(status.people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "strategy/document_status.html",
        {
            "document": document,
            "status": status,
            "page": page,
            "only_missing": only_missing,
            "unit": unit,
        },
    )
