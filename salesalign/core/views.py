"""Pages of the core app: personal API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesalign.core import services
from salesalign.core.exceptions import DomainError
from salesalign.core.forms import ApiTokenForm
from salesalign.core.models import ApiToken
from salesalign.core.types import AuthenticatedHttpRequest


def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the user's tokens and create a new one; the new raw token is shown once."""
    new_token = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = services.api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],  # type: ignore[arg-type]
            )
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            form = ApiTokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "core/token_list.html",
        {"form": form, "tokens": tokens, "new_token": new_token},
    )


@require_POST
def token_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    try:
        token = services.api_token_revoke(user=request.user, token_id=token_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("core:token_list")
