"""Types shared by views: every page needs a login (LoginRequiredMiddleware), so `request.user` is a User."""

from __future__ import annotations

from django.http import HttpRequest

from salesalign.core.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """Annotate views with this: the login middleware has already turned anonymous visitors away."""

    user: User  # type: ignore[assignment]
