"""Pages of the organisation app: the org chart, units, people and the three dimensions.

Everyone sees the structure; people's records follow `visible_to`; only admins
edit (the edit pages answer 403 to anyone else, and the services check again).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.roles import is_admin
from salesalign.organization import selectors, services
from salesalign.organization.forms import (
    DimensionForm,
    OrgUnitForm,
    PersonFilterForm,
    PersonForm,
    PersonLeaveForm,
    PersonLoginForm,
)

PEOPLE_PER_PAGE = 50

# The sortable columns of the people list, in display order.
PERSON_COLUMNS = (
    ("name", pgettext_lazy("a person's name", "Name")),
    ("employee_number", gettext_lazy("Employee number")),
    ("unit", gettext_lazy("Unit")),
    ("title", gettext_lazy("Title")),
    ("level", gettext_lazy("Level")),
    ("role", gettext_lazy("Role")),
    ("hire_date", gettext_lazy("Hire date")),
)


def _require_admin(request: HttpRequest) -> None:
    if not is_admin(request.user):
        raise PermissionDenied(_("Only administrators may change the organisation."))


def _show_errors(form: forms.Form, error: DomainError | ValidationError) -> None:
    """Put a service's error next to the field it names (or above the form)."""
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message)
    if isinstance(error, DomainError):
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- org chart and units -----------------------------------------------------------------


def org_chart(request: HttpRequest) -> HttpResponse:
    """The whole tree: kind, manager and headcount of every unit, folding open and shut."""
    return render(
        request,
        "organization/org_chart.html",
        {"roots": selectors.org_tree(), "can_edit": is_admin(request.user)},
    )


def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit: its place in the tree, manager, sub-units, the members the viewer may see."""
    page = selectors.unit_page(user=request.user, unit_id=pk)
    return render(
        request,
        "organization/unit_detail.html",
        {"page": page, "unit": page.unit, "can_edit": is_admin(request.user)},
    )


def unit_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    initial = {"parent": request.GET.get("parent")}
    form = OrgUnitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Unit “%(name)s” created.") % {"name": unit.display_name})
            return redirect("organization:unit_detail", pk=unit.pk)
    return render(request, "organization/unit_form.html", {"form": form, "unit": None})


def unit_update(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    unit = selectors.unit_get(unit_id=pk)
    form = OrgUnitForm(request.POST or None, initial=OrgUnitForm.initial_for(unit))
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(actor=request.user, unit=unit, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Unit “%(name)s” saved.") % {"name": unit.display_name})
            return redirect("organization:unit_detail", pk=unit.pk)
    return render(request, "organization/unit_form.html", {"form": form, "unit": unit})


def unit_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    unit = selectors.unit_get(unit_id=pk)
    if request.method == "POST":
        try:
            services.unit_delete(actor=request.user, unit=unit)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("organization:unit_detail", pk=unit.pk)
        messages.success(request, _("Unit “%(name)s” deleted.") % {"name": unit.display_name})
        parent_id = getattr(unit, "parent_id", None)
        if parent_id:
            return redirect("organization:unit_detail", pk=parent_id)
        return redirect("organization:org_chart")
    return render(
        request,
        "organization/confirm_delete.html",
        {
            "object": unit,
            "cancel_url": reverse("organization:unit_detail", args=[unit.pk]),
            "what": _("unit"),
        },
    )


# --- people ------------------------------------------------------------------------------


def person_list(request: HttpRequest) -> HttpResponse:
    """People the viewer may see: search, filters, sorting, 50 to a page, export links."""
    values = selectors.person_filter_values(user=request.user)
    form = PersonFilterForm(request.GET, levels=values["levels"], titles=values["titles"])
    search = form.search_arguments()
    people = selectors.person_search(user=request.user, **search)
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "organization/person_list.html",
        {
            "form": form,
            "page_obj": page,
            "people": page.object_list,
            "querystring": query.urlencode(),
            "sort_columns": _sort_columns(query, search["sort"]),
            "can_edit": is_admin(request.user),
        },
    )


#: People a search of the people select answers at most.
PERSON_SEARCH_LIMIT = 20


@require_GET
def person_search(request: HttpRequest) -> JsonResponse:
    """People the viewer may see whose name, English name or employee number (or e-mail,
    phone) has every word typed: `[{"value": id, "text": label}]`, active people first, for
    the people select of a large company. The form still checks the choice."""
    words = request.GET.get("q", "").strip()
    if not words:
        return JsonResponse([], safe=False)
    people = selectors.person_search(
        user=request.user, query=words, status=selectors.STATUS_ALL
    ).order_by("-is_active", "employee_number")[:PERSON_SEARCH_LIMIT]
    return JsonResponse(
        [
            {
                "value": person.pk,
                "text": f"{person.display_name} ({person.employee_number}) · "
                f"{person.unit.display_name}",
            }
            for person in people
        ],
        safe=False,
    )


def _sort_columns(query: Any, current: str) -> list[dict[str, Any]]:
    """Column headers that sort by themselves; a second click reverses the order."""
    columns = []
    for key, label in PERSON_COLUMNS:
        descending = current == key
        link = query.copy()
        link["sort"] = f"-{key}" if descending else key
        arrow = "▲" if current == key else "▼" if current == f"-{key}" else ""
        columns.append({"label": label, "querystring": link.urlencode(), "arrow": arrow})
    return columns


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Every field of one person the viewer may see (404 otherwise), units managed, history."""
    person = selectors.person_for_user(user=request.user, person_id=pk)
    return render(
        request,
        "organization/person_detail.html",
        {
            "person": person,
            "managed_units": selectors.units_managed_by(person=person),
            "can_edit": is_admin(request.user),
        },
    )


def person_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = PersonForm(request.POST or None, initial={"unit": request.GET.get("unit")})
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(actor=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("%(name)s added.") % {"name": person.display_name})
            return redirect("organization:person_detail", pk=person.pk)
    return render(request, "organization/person_form.html", {"form": form, "person": None})


def person_update(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    person = selectors.person_get(person_id=pk)
    form = PersonForm(request.POST or None, initial=PersonForm.initial_for(person))
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=request.user, person=person, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": person.display_name})
            return redirect("organization:person_detail", pk=person.pk)
    return render(request, "organization/person_form.html", {"form": form, "person": person})


def person_leave(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that a person has left; their login stops working."""
    _require_admin(request)
    person = selectors.person_get(person_id=pk)
    form = PersonLeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_leave(actor=request.user, person=person, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("%(name)s has left.") % {"name": person.display_name})
            return redirect("organization:person_detail", pk=person.pk)
    return render(
        request,
        "organization/person_leave.html",
        {
            "form": form,
            "person": person,
            "managed_units": selectors.units_managed_by(person=person),
        },
    )


@require_POST
def person_rejoin(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    person = selectors.person_get(person_id=pk)
    try:
        services.person_rejoin(actor=request.user, person=person)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s is active again.") % {"name": person.display_name})
    return redirect("organization:person_detail", pk=person.pk)


def person_login(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a person a login, rename it, reset its password, or remove it."""
    _require_admin(request)
    person = selectors.person_get(person_id=pk)
    if request.method == "POST" and "remove" in request.POST:
        return _person_login_remove(request, person)
    initial = {"username": person.user.get_username() if person.user else person.employee_number}
    form = PersonLoginForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_login_set(actor=request.user, person=person, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The login was saved."))
            return redirect("organization:person_detail", pk=person.pk)
    return render(request, "organization/person_login.html", {"form": form, "person": person})


def _person_login_remove(request: HttpRequest, person: Any) -> HttpResponse:
    try:
        services.person_login_set(actor=request.user, person=person, remove=True)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The login was removed and disabled."))
    return redirect("organization:person_detail", pk=person.pk)


# --- dimensions --------------------------------------------------------------------------


def _dimension_context(kind: str) -> dict[str, Any]:
    model = selectors.dimension_model_or_404(kind)
    return {
        "kind": kind,
        "kind_label": model._meta.verbose_name,
        "kind_label_plural": model._meta.verbose_name_plural,
        "list_url": reverse(f"organization:{kind}_list"),
    }


def dimension_list(request: HttpRequest, kind: str) -> HttpResponse:
    """One dimension as an indented tree: code, name, English name, active."""
    context = _dimension_context(kind)
    context["nodes"] = selectors.dimension_tree(kind=kind)
    context["can_edit"] = is_admin(request.user)
    return render(request, "organization/dimension_list.html", context)


def dimension_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    context = _dimension_context(kind)
    context.update(selectors.dimension_page(kind=kind, pk=pk))
    context["can_edit"] = is_admin(request.user)
    return render(request, "organization/dimension_detail.html", context)


def dimension_create(request: HttpRequest, kind: str) -> HttpResponse:
    _require_admin(request)
    context = _dimension_context(kind)
    form = DimensionForm(
        request.POST or None, kind=kind, initial={"parent": request.GET.get("parent")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            node = services.dimension_create(actor=request.user, kind=kind, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” created.") % {"name": node.display_name})
            return redirect("organization:dimension_detail", kind=kind, pk=node.pk)
    context.update({"form": form, "node": None})
    return render(request, "organization/dimension_form.html", context)


def dimension_update(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    _require_admin(request)
    context = _dimension_context(kind)
    node = selectors.dimension_get(kind=kind, pk=pk)
    form = DimensionForm(request.POST or None, kind=kind, initial=DimensionForm.initial_for(node))
    if request.method == "POST" and form.is_valid():
        try:
            services.dimension_update(actor=request.user, node=node, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” saved.") % {"name": node.display_name})
            return redirect("organization:dimension_detail", kind=kind, pk=node.pk)
    context.update({"form": form, "node": node})
    return render(request, "organization/dimension_form.html", context)


def dimension_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    _require_admin(request)
    context = _dimension_context(kind)
    node = selectors.dimension_get(kind=kind, pk=pk)
    if request.method == "POST":
        try:
            services.dimension_delete(actor=request.user, node=node)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("organization:dimension_detail", kind=kind, pk=node.pk)
        messages.success(request, _("“%(name)s” deleted.") % {"name": node.display_name})
        return redirect(context["list_url"])
    context.update(
        {
            "object": node,
            "cancel_url": reverse("organization:dimension_detail", kwargs={"kind": kind, "pk": pk}),
            "what": context["kind_label"],
        }
    )
    return render(request, "organization/confirm_delete.html", context)
