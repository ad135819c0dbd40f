"""Pages of the sales imports — orders, customers, satisfaction answers (administrators) — and the
exports of orders and customers (everyone)."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salesalign.core.downloads import (
    EXPORT_FORMATS,
    XLSX_TYPE,
    attachment_response,
    sheet_download,
)
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.models import ImportBatch
from salesalign.core.roles import is_admin
from salesalign.core.spreadsheets import write_xlsx
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.sales import importing, importing_records
from salesalign.sales.import_forms import ImportMappingForm, ImportUploadForm


def _require_importer(request: AuthenticatedHttpRequest) -> None:
    # The import is an admin tool, not someone's record: others get 403, not 404.
    if not is_admin(request.user):
        raise PermissionDenied(_("Only administrators may import sales data."))


def _batch_or_404(
    request: AuthenticatedHttpRequest, pk: int, *, with_content: bool = False
) -> ImportBatch:
    try:
        return importing_records.import_batch_get(
            user=request.user, batch_id=pk, with_content=with_content
        )
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        raise Http404(error.message) from error


@require_http_methods(["GET", "POST"])
def import_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose what to import, upload a file to check; the recent imports below."""
    _require_importer(request)
    # "Upload a corrected file" keeps the source: under another one, its orders would count twice.
    source = request.GET.get("source", "").strip()
    form = ImportUploadForm(
        request.POST or None, request.FILES or None, initial={"source": source} if source else None
    )
    kind = importing_records.kind_of(request.POST.get("kind") or request.GET.get("kind"))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = importing_records.import_check(
                user=request.user,
                kind=form.cleaned_data["kind"],
                file_name=upload.name,
                content=upload.read(),
                source=form.cleaned_data["source"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("sales:import_preview", pk=batch.pk)
    recent = importing_records.label_batches(
        importing_records.import_batch_list(user=request.user)[:5]
    )
    return render(
        request,
        "sales/import_start.html",
        {
            "form": form,
            "kind": kind,
            "kinds": importing_records.KINDS.values(),
            "recent": recent,
            "columns": kind.columns,
            "one_of_required": any(column.one_of_required for column in kind.columns),
            "sources": importing.known_sources(kind.kind),
            "order_sources": importing.order_sources()
            if kind.kind == importing.KIND_ORDERS
            else [],
        },
    )


@require_GET
def import_preview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """What the file would do: counts, every error, unknown values to map, the column mapping."""
    _require_importer(request)
    batch = _batch_or_404(request, pk)
    return render(request, "sales/import_preview.html", _batch_context(batch))


@require_POST
def import_mapping(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Correct the column and value mapping (saved for the source) and check the file again."""
    _require_importer(request)
    batch = _batch_or_404(request, pk)
    form = _mapping_form(batch, request.POST)
    if not form.is_valid():
        context = _batch_context(batch)
        context["mapping_form"] = form
        return render(request, "sales/import_preview.html", context, status=400)
    try:
        importing_records.import_remap(
            user=request.user, batch=batch, columns=form.columns(), values=form.values()
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("sales:import_preview", pk=batch.pk)


@require_POST
def import_commit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Write a checked file, all or nothing (a large one on a worker)."""
    _require_importer(request)
    try:
        batch = importing_records.import_commit(user=request.user, batch_id=pk)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        if error.code == "not_found":
            raise Http404(error.message) from error
        messages.error(request, error.message)
        return redirect("sales:import_preview", pk=pk)
    if batch.status == ImportBatch.Status.COMMITTED:
        messages.success(
            request,
            str(importing_records.kind_of(batch.kind).done)
            % {
                "new": batch.new_count,
                "changed": batch.changed_count,
                "unchanged": batch.unchanged_count,
            },
        )
    return redirect("sales:import_preview", pk=batch.pk)


@require_GET
def import_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The progress bar of a batch a worker is on; polled by htmx until the work is done."""
    _require_importer(request)
    batch = _batch_or_404(request, pk)
    if not batch.is_working:
        if request.headers.get("HX-Request") == "true":
            # Done: htmx reloads the page, which then shows the result.
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return redirect("sales:import_preview", pk=batch.pk)
    return render(request, "sales/_import_progress.html", {"batch": batch})


@require_GET
def import_history(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every past import of every kind (or of one): who, when, which file and source, the counts."""
    _require_importer(request)
    slug = request.GET.get("kind", "")
    kind = importing_records.BY_SLUG.get(slug)
    batches = importing_records.import_batch_list(
        user=request.user, kind=kind.kind if kind else None
    )
    page = Paginator(batches, 25).get_page(request.GET.get("page"))
    page.object_list = importing_records.label_batches(page.object_list)
    return render(
        request,
        "sales/import_history.html",
        {"page": page, "kind": kind, "kinds": importing_records.KINDS.values()},
    )


@require_GET
def import_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The original uploaded file of an import."""
    _require_importer(request)
    batch = _batch_or_404(request, pk, with_content=True)
    is_xlsx = batch.file_name.lower().endswith((".xlsx", ".xlsm"))
    return attachment_response(
        bytes(batch.content),
        file_name=batch.file_name,
        content_type=XLSX_TYPE if is_xlsx else "application/octet-stream",
    )


@require_GET
def import_errors_download(
    request: AuthenticatedHttpRequest, pk: int, fmt: str
) -> HttpResponseBase:
    """The error report of an import, as CSV or XLSX."""
    _require_importer(request)
    if fmt not in EXPORT_FORMATS:
        raise Http404
    batch = _batch_or_404(request, pk)
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", batch.file_name) or "import"
    return sheet_download(
        request,
        importing.error_report_sheet(batch),
        fmt,
        f"{stem}-errors",
        refused_url=reverse("sales:import_preview", args=[batch.pk]),
    )


@require_GET
def import_template(request: AuthenticatedHttpRequest, kind: str, fmt: str) -> HttpResponseBase:
    """The import template of a kind: XLSX with the columns and notes on them, or CSV with the header."""
    _require_importer(request)
    spec = importing_records.BY_SLUG.get(kind)
    if spec is None or fmt not in EXPORT_FORMATS:
        raise Http404
    sheets = importing_records.template_sheets(spec.kind)
    stem = importing_records.template_name(spec.kind)
    if fmt == "xlsx":
        return attachment_response(
            write_xlsx(sheets), file_name=f"{stem}.xlsx", content_type=XLSX_TYPE
        )
    return sheet_download(request, sheets[0], fmt, stem, refused_url=reverse("sales:import_start"))


@require_GET
def order_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponseBase:
    """The orders the viewer may see (`?source=`: of one source), in the columns of the import:
    it re-imports unchanged under that source."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    source = request.GET.get("source", "").strip()
    stamp = timezone.localdate().strftime("%Y%m%d")
    named = re.sub(r"[^\w.-]+", "_", source)  # a source in the file name, never a path
    stem = f"orders-{named}-{stamp}" if source else f"orders-{stamp}"
    sheet = importing.order_sheet(user=request.user, source=source)
    lines = importing.order_line_count(user=request.user, source=source) if fmt == "xlsx" else 0
    return sheet_download(
        request, sheet, fmt, stem, refused_url=reverse("sales:import_start"), rows_at_least=lines
    )


@require_GET
def customer_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponseBase:
    """The customers the viewer may see."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    stamp = timezone.localdate().strftime("%Y%m%d")
    sheet = importing.customer_sheet(user=request.user)
    return sheet_download(
        request, sheet, fmt, f"customers-{stamp}", refused_url=reverse("sales:import_start")
    )


def _mapping_form(batch: ImportBatch, data: Any = None) -> ImportMappingForm:
    summary = batch.summary or {}
    kind = importing_records.kind_of(batch.kind)
    unknown = summary.get("unknown", {})
    return ImportMappingForm(
        data,
        header=list(summary.get("header", [])),
        positions={key: int(index) for key, index in summary.get("positions", {}).items()},
        unknown=unknown,
        choices=importing_records.dimension_choices(unknown) if unknown else {},
        columns=kind.columns,
        dimensions=kind.dimensions,
    )


def _batch_context(batch: ImportBatch) -> dict[str, Any]:
    """Template data of one batch: counts, file-level and row errors, the mapping, changes."""
    summary = batch.summary or {}
    errors = batch.errors or []
    kind = importing_records.kind_of(batch.kind)
    return {
        "batch": batch,
        "kind": kind,
        "file_errors": [error for error in errors if error.get("row") is None],
        "row_errors": [error for error in errors if error.get("row") is not None],
        "hidden_errors": max(0, batch.error_count - len(errors)),
        "mapping_form": _mapping_form(batch) if summary.get("header") else None,
        "changes": importing.readable_changes(summary.get("changes", []), kind.columns),
        "notes": summary.get("notes", []),
        "warnings": summary.get("warnings", []),
        "rows": summary.get("rows", 0),
        "records": summary.get("records", summary.get("orders", 0)),
        "progress_url": reverse("sales:import_progress", args=[batch.pk]),
    }
