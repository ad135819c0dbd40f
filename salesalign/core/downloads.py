"""File downloads shared by the pages: a spreadsheet or an uploaded file, named safely."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect

from salesalign.core.spreadsheets import (
    EXCEL_MAX_ROWS,
    Sheet,
    SheetTooLarge,
    csv_chunks,
    write_xlsx,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
EXPORT_FORMATS = ("csv", "xlsx")


def attachment_response(content: bytes, *, file_name: str, content_type: str) -> HttpResponse:
    """A download under its own name (Chinese included, RFC 6266), never rendered inline."""
    return _as_attachment(HttpResponse(content, content_type=content_type), file_name)


def streamed_attachment(
    chunks: Iterable[bytes], *, file_name: str, content_type: str
) -> StreamingHttpResponse:
    """`attachment_response` for a download written as it is sent (an export of any size)."""
    return _as_attachment(StreamingHttpResponse(chunks, content_type=content_type), file_name)


_Response = TypeVar("_Response", HttpResponse, StreamingHttpResponse)


def _as_attachment(response: _Response, file_name: str) -> _Response:
    ascii_name = re.sub(r'[^\x20-\x7e]|["\\]', "_", file_name)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def sheet_download(
    request: HttpRequest,
    sheet: Sheet,
    fmt: str,
    stem: str,
    *,
    refused_url: str,
    rows_at_least: int = 0,
) -> HttpResponseBase:
    """A sheet as `<stem>.csv`, streamed as it is written, or as `<stem>.xlsx`, built whole.

    An XLSX with more rows than Excel holds is refused (the file would not open): the user
    is sent back to `refused_url`, with the reason and what to do instead. `rows_at_least`,
    when known, refuses it before a million rows are written for nothing.
    """
    if fmt == "xlsx":
        try:
            if rows_at_least >= EXCEL_MAX_ROWS:
                raise SheetTooLarge()
            content = write_xlsx([sheet])
        except SheetTooLarge as error:
            messages.error(request, error.message)
            return redirect(refused_url)
        return attachment_response(content, file_name=f"{stem}.xlsx", content_type=XLSX_TYPE)
    return streamed_attachment(
        csv_chunks(sheet.header, sheet.rows), file_name=f"{stem}.csv", content_type=CSV_TYPE
    )
