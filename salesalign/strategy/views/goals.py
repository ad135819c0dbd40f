"""Pages for the statement of strategy: editions, values, goals, "Our strategy"."""

from django.http import HttpRequest, HttpResponse


def our_strategy(request: HttpRequest) -> HttpResponse:  # placeholder until built
    return HttpResponse("our strategy")


def edition_list(request: HttpRequest) -> HttpResponse:  # placeholder until built
    return HttpResponse("editions")


def goal_list(request: HttpRequest) -> HttpResponse:  # placeholder until built
    return HttpResponse("goals")
