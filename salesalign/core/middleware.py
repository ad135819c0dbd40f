"""Every page needs a login, except the login page itself; the API answers 401 in JSON instead."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponseBase


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Django's login-required middleware, leaving /api/ to the API's own authentication."""

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if request.path.startswith("/api/") or request.path.startswith("/static/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
