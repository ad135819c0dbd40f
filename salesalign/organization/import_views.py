"""Pages for importing and exporting org units and people."""

from django.http import HttpRequest, HttpResponse


def import_start(request: HttpRequest) -> HttpResponse:  # placeholder until built
    return HttpResponse("import")


def person_export(request: HttpRequest, fmt: str) -> HttpResponse:  # placeholder until built
    return HttpResponse(fmt)
