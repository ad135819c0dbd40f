"""The home page: what each role sees first."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from salesalign.dashboards.selectors import home_page
from salesalign.strategy.forms.documents import QuestionAnswerForm


def home(request: HttpRequest) -> HttpResponse:
    """One page for every role, composed by `home_page` from the apps' selectors."""
    return render(
        request,
        "dashboards/home.html",
        {"home": home_page(request.user), "answer_form": QuestionAnswerForm()},
    )
