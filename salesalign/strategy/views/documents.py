"""Pages for strategy documents and announcements."""

from django.http import HttpRequest, HttpResponse


def document_list(request: HttpRequest) -> HttpResponse:  # placeholder until built
    return HttpResponse("documents")
