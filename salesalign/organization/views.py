"""Pages of the organisation app."""

from django.http import HttpRequest, HttpResponse


def org_chart(request: HttpRequest) -> HttpResponse:  # placeholder until built
    return HttpResponse("org chart")


def person_list(request: HttpRequest) -> HttpResponse:  # placeholder until built
    return HttpResponse("people")


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:  # placeholder until built
    return HttpResponse("person")


def dimension_list(request: HttpRequest, kind: str) -> HttpResponse:  # placeholder until built
    return HttpResponse(kind)
