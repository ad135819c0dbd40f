"""File downloads shared by the pages: a spreadsheet or an uploaded file, named safely."""

from __future__ import annotations

import re
from urllib.parse import quote

from django.http import HttpResponse

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
EXPORT_FORMATS = ("csv", "xlsx")


def attachment_response(content: bytes, *, file_name: str, content_type: str) -> HttpResponse:
    """A download under its own name (Chinese included, RFC 6266), never rendered inline."""
    response = HttpResponse(content, content_type=content_type)
    ascii_name = re.sub(r'[^\x20-\x7e]|["\\]', "_", file_name)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
