"""Pages for importing org units and people (admins), and the people export (everyone)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
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
from salesalign.organization import importing, selectors
from salesalign.organization.forms import PersonFilterForm
from salesalign.organization.import_forms import ImportUploadForm


def _require_admin(request: HttpRequest) -> None:
    # The import pages are an admin tool, not someone's record: others get 403, not 404.
    if not is_admin(request.user):
        raise PermissionDenied(_("Only administrators may import org units and people."))


def _batch_or_404(request: HttpRequest, pk: int, *, with_content: bool = False) -> ImportBatch:
    try:
        return importing.import_batch_get(
            user=request.user,  # type: ignore[arg-type]
            batch_id=pk,
            with_content=with_content,
        )
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        raise Http404(error.message) from error


@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    """Upload a file to check; links to the template and to past imports."""
    _require_admin(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = importing.organization_import_check(
                user=request.user,  # type: ignore[arg-type]
                file_name=upload.name,
                content=upload.read(),
                table_choice=importing.normalized_table_choice(form.cleaned_data["table"] or ""),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("organization:import_preview", pk=batch.pk)
    recent = importing.import_batch_list(user=request.user)[:5]  # type: ignore[arg-type]
    return render(
        request,
        "organization/import_start.html",
        {"form": form, "recent": recent, "columns": importing.COLUMNS},
    )


@require_GET
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """What the file would do: counts per table, every error, a sample of changes."""
    _require_admin(request)
    batch = _batch_or_404(request, pk)
    if batch.status == ImportBatch.Status.COMMITTED:
        return redirect("organization:import_result", pk=batch.pk)
    return render(request, "organization/import_preview.html", _batch_context(batch))


@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Write a checked file, all or nothing."""
    _require_admin(request)
    try:
        batch = importing.organization_import_commit(
            user=request.user,  # type: ignore[arg-type]
            batch_id=pk,
        )
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        if error.code == "not_found":
            raise Http404(error.message) from error
        messages.error(request, error.message)
        return redirect("organization:import_preview", pk=pk)
    messages.success(
        request,
        _("Imported: %(new)s new, %(changed)s changed, %(unchanged)s unchanged.")
        % {
            "new": batch.new_count,
            "changed": batch.changed_count,
            "unchanged": batch.unchanged_count,
        },
    )
    return redirect("organization:import_result", pk=batch.pk)


@require_GET
def import_result(request: HttpRequest, pk: int) -> HttpResponse:
    """What a committed import did."""
    _require_admin(request)
    batch = _batch_or_404(request, pk)
    if batch.status != ImportBatch.Status.COMMITTED:
        return redirect("organization:import_preview", pk=batch.pk)
    return render(request, "organization/import_result.html", _batch_context(batch))


@require_GET
def import_history(request: HttpRequest) -> HttpResponse:
    """Every past import: who, when, which file, the counts and the status."""
    _require_admin(request)
    batches = importing.import_batch_list(user=request.user)  # type: ignore[arg-type]
    page = Paginator(batches, 25).get_page(request.GET.get("page"))
    return render(request, "organization/import_history.html", {"page": page})


@require_GET
def import_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The original uploaded file of an import."""
    _require_admin(request)
    batch = _batch_or_404(request, pk, with_content=True)
    is_xlsx = batch.file_name.lower().endswith((".xlsx", ".xlsm"))
    return attachment_response(
        bytes(batch.content),
        file_name=batch.file_name,
        content_type=XLSX_TYPE if is_xlsx else "application/octet-stream",
    )


@require_GET
def import_template(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The import template: an XLSX workbook with both sheets, or one table as CSV."""
    _require_admin(request)
    if fmt == "xlsx":
        return attachment_response(
            write_xlsx(importing.template_sheets()),
            file_name="salesalign-org-import-template.xlsx",
            content_type=XLSX_TYPE,
        )
    if fmt != "csv":
        raise Http404
    table = request.GET.get("table", importing.PEOPLE)
    if table not in importing.TABLES:
        raise Http404
    return sheet_download(
        request,
        importing.template_table(table),
        fmt,
        f"salesalign-{table}-template",
        refused_url=reverse("organization:import_start"),
    )


@require_GET
def person_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The people the viewer may see, filtered like the people list, as CSV or XLSX.

    The columns are those of the import template, so an export can be edited and imported again.
    """
    if fmt not in EXPORT_FORMATS:
        raise Http404
    # The same query string as the people list, read by the same form and selector.
    values = selectors.person_filter_values(user=request.user)
    form = PersonFilterForm(request.GET, levels=values["levels"], titles=values["titles"])
    people = selectors.person_search(user=request.user, **form.search_arguments())
    stamp = timezone.localdate().strftime("%Y%m%d")
    return sheet_download(
        request,
        importing.people_sheet(people),
        fmt,
        f"people-{stamp}",
        refused_url=f"{reverse('organization:person_list')}?{request.GET.urlencode()}",
    )


def _batch_context(batch: ImportBatch) -> dict[str, Any]:
    """Template data of one batch: per-table counts, file-level and row errors, sample changes."""
    tables = batch.summary.get("tables", {})
    file_errors = [error for error in batch.errors if error.get("row") is None]
    row_errors = [error for error in batch.errors if error.get("row") is not None]
    labels = {key: str(label) for key, label in importing.TABLE_LABELS.items()}
    for error in row_errors:
        error["table_label"] = labels.get(error.get("table", ""), "")
    changes = batch.summary.get("changes", [])
    for change in changes:
        change["table_label"] = labels.get(change.get("table", ""), "")
    return {
        "batch": batch,
        "table_counts": [
            {"key": key, "label": labels[key], **tables[key]}
            for key in importing.TABLES
            if key in tables
        ],
        "file_errors": file_errors,
        "row_errors": row_errors,
        "hidden_errors": max(0, batch.error_count - len(batch.errors)),
        "changes": changes,
        "notes": batch.summary.get("notes", []),
    }
