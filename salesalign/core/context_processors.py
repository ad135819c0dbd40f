"""Template context every page needs: the navigation and who is looking."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from salesalign.core.navigation import build_navigation
from salesalign.core.roles import person_of, role_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = role_of(user)
    return {
        "nav_sections": build_navigation(role, request.path),
        "current_person": person_of(user),
        "current_role": role,
    }
