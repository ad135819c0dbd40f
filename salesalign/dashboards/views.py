"""The home page: what each role sees first; and the notifications behind the top bar's badge."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from salesalign.core.models import Notification
from salesalign.core.selectors import notification_list, notification_unread_count
from salesalign.core.services import notifications_mark_read
from salesalign.dashboards.selectors import home_page
from salesalign.strategy.forms.documents import QuestionAnswerForm

#: How many notifications the notifications page lists.
NOTIFICATIONS_LISTED = 50


def home(request: HttpRequest) -> HttpResponse:
    """One page for every role, composed by `home_page` from the apps' selectors."""
    return render(
        request,
        "dashboards/home.html",
        {"home": home_page(request.user), "answer_form": QuestionAnswerForm()},
    )


def notification_badge(request: HttpRequest) -> HttpResponse:
    """The top bar's bell with the number of unread notifications (loaded by htmx)."""
    return render(
        request,
        "dashboards/_notification_badge.html",
        {"unread": notification_unread_count(user=request.user)},
    )


def notifications(request: HttpRequest) -> HttpResponse:
    """The user's latest notifications, unread first marked."""
    return render(
        request,
        "dashboards/notifications.html",
        {
            "notifications": notification_list(user=request.user, limit=NOTIFICATIONS_LISTED),
            "unread": notification_unread_count(user=request.user),
        },
    )


def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read and go where it points."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    notifications_mark_read(user=request.user, ids=[notification.pk])
    if notification.url and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        return redirect(notification.url)
    return redirect("notifications")


@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark all of the user's notifications read."""
    notifications_mark_read(user=request.user)
    return redirect("notifications")
