"""Pages for the statement of strategy: editions, values, goals, "Our strategy".

Everyone reads published editions and goals; admins and executives write.
Write pages refuse others with 403 before touching anything.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.selectors import describe_entries
from salesalign.strategy.choices import PublicationStatus
from salesalign.strategy.forms.goals import (
    CoreValueForm,
    StrategicGoalForm,
    StrategyEditionForm,
    TacticalGoalForm,
)
from salesalign.strategy.models import StrategyEdition
from salesalign.strategy.selectors import goals as selectors
from salesalign.strategy.services import goals as services
from salesalign.strategy.services.goals import MAX_YEAR, MIN_YEAR, can_edit_strategy

#: Service argument names → the form field that shows the error.
FORM_FIELD_OF = {
    "owner_id": "owner",
    "owning_unit_id": "owning_unit",
    "strategic_goal_ids": "strategic_goals",
}


def _require_editor(request: HttpRequest) -> None:
    if not can_edit_strategy(request.user):
        raise PermissionDenied(_("Only administrators and executives may change the strategy."))


def _year_param(request: HttpRequest, name: str = "year") -> int:
    """The year asked for in the query string, else this year."""
    raw = request.GET.get(name, "")
    if raw.isdigit() and MIN_YEAR <= int(raw) <= MAX_YEAR:
        return int(raw)
    return timezone.localdate().year


def _add_error(form: forms.BaseForm, error: DomainError | ValidationError) -> None:
    """Show a service's error on the form field it names (or on the form as a whole)."""
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message)
    if isinstance(error, DomainError):
        field = FORM_FIELD_OF.get(error.field or "", error.field)
        form.add_error(field if field in form.fields else None, error.message)
        return
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            field = FORM_FIELD_OF.get(field, field)
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


# --- "Our strategy" ----------------------------------------------------------------------


def our_strategy(request: HttpRequest) -> HttpResponse:
    """Vision, mission, values and the tree strategic goal → this year's goals, for everyone."""
    today = timezone.localdate()
    data = selectors.our_strategy(user=request.user, year=_year_param(request), today=today)
    return render(request, "strategy/our_strategy.html", {"data": data, "today": today})


# --- editions ----------------------------------------------------------------------------


def edition_list(request: HttpRequest) -> HttpResponse:
    """Every edition the user may read; drafts only for those who write strategy."""
    editions = selectors.edition_list(user=request.user)
    return render(
        request,
        "strategy/edition_list.html",
        {"editions": editions, "can_edit": can_edit_strategy(request.user)},
    )


def _edition_context(
    request: HttpRequest, edition: StrategyEdition, **extra: Any
) -> dict[str, Any]:
    can_edit = can_edit_strategy(request.user) and edition.status == PublicationStatus.DRAFT
    context = {
        "edition": edition,
        "values": list(edition.values.all()),
        "can_edit": can_edit,
        "add_form": CoreValueForm(prefix="add") if can_edit else None,
        "editing": None,
        "edit_form": None,
    }
    context.update(extra)
    return context


def edition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An edition: vision, mission, values (edited inline while a draft) and its history."""
    edition = selectors.edition_get(user=request.user, pk=pk)
    context = _edition_context(request, edition)
    editing = request.GET.get("edit_value", "")
    if context["can_edit"] and editing.isdigit():
        value = next((v for v in context["values"] if v.pk == int(editing)), None)
        if value is not None:
            context["editing"] = value.pk
            context["edit_form"] = CoreValueForm(
                prefix="edit", initial={"name": value.name, "explanation": value.explanation}
            )
    context["history"] = describe_entries(
        selectors.edition_history(edition=edition), primary=StrategyEdition
    )
    return render(request, "strategy/edition_detail.html", context)


@require_http_methods(["GET", "POST"])
def edition_create(request: HttpRequest) -> HttpResponse:
    """Start a draft edition, optionally from the latest one."""
    _require_editor(request)
    initial = {"year": timezone.localdate().year + 1, "copy_from_latest": True}
    form = StrategyEditionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            edition = services.edition_create(actor=request.user, **form.service_kwargs())
        except (DomainError, ValidationError) as error:
            _add_error(form, error)
        else:
            messages.success(
                request, _("Draft edition for %(year)s created.") % {"year": edition.year}
            )
            return redirect("strategy:edition_detail", pk=edition.pk)
    return render(request, "strategy/edition_form.html", {"form": form, "edition": None})


@require_http_methods(["GET", "POST"])
def edition_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft edition's year, vision and mission."""
    _require_editor(request)
    edition = selectors.edition_get(user=request.user, pk=pk)
    if edition.status != PublicationStatus.DRAFT:
        messages.warning(request, _("A published edition can no longer be changed."))
        return redirect("strategy:edition_detail", pk=edition.pk)
    initial = {"year": edition.year, "vision": edition.vision, "mission": edition.mission}
    form = StrategyEditionForm(request.POST or None, initial=initial, creating=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.edition_update(actor=request.user, edition=edition, **form.service_kwargs())
        except (DomainError, ValidationError) as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Edition saved."))
            return redirect("strategy:edition_detail", pk=edition.pk)
    return render(request, "strategy/edition_form.html", {"form": form, "edition": edition})


@require_http_methods(["GET", "POST"])
def edition_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for confirmation (GET), then publish the draft (POST)."""
    _require_editor(request)
    edition = selectors.edition_get(user=request.user, pk=pk)
    error = None
    if request.method == "POST":
        try:
            services.edition_publish(actor=request.user, edition=edition)
        except NotAllowed as refusal:
            raise PermissionDenied(refusal.message) from refusal
        except DomainError as problem:
            error = problem.message
        else:
            messages.success(
                request,
                _("The %(year)s edition is published: every employee can read it.")
                % {"year": edition.year},
            )
            return redirect("strategy:edition_detail", pk=edition.pk)
    return render(
        request,
        "strategy/edition_publish.html",
        {"edition": edition, "error": error, "value_count": len(edition.values.all())},
    )


# --- core values (inline on the edition page, htmx rows with a plain-form fallback) --------


def _values_response(request: HttpRequest, edition_pk: int, **extra: Any) -> HttpResponse:
    """The values block for htmx; a redirect to the edition page for a plain form post."""
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("strategy:edition_detail", pk=edition_pk)
    edition = selectors.edition_get(user=request.user, pk=edition_pk)
    return render(
        request, "strategy/_core_values.html", _edition_context(request, edition, **extra)
    )


@require_POST
def core_value_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a value to a draft edition."""
    _require_editor(request)
    edition = selectors.edition_get(user=request.user, pk=pk)
    form = CoreValueForm(request.POST, prefix="add")
    if form.is_valid():
        try:
            services.core_value_add(actor=request.user, edition=edition, **form.service_kwargs())
        except (DomainError, ValidationError) as error:
            _add_error(form, error)
    if form.errors:
        if not request.htmx:  # type: ignore[attr-defined]
            for message in form.errors.values():
                messages.error(request, " ".join(str(item) for item in message))
        return _values_response(request, edition.pk, add_form=form)
    return _values_response(request, edition.pk)


@require_http_methods(["GET", "POST"])
def core_value_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit one value in its row (GET shows the row's form, POST saves it)."""
    _require_editor(request)
    value = selectors.core_value_get(user=request.user, pk=pk)
    if request.method == "GET":
        if not request.htmx:  # type: ignore[attr-defined]
            url = reverse("strategy:edition_detail", kwargs={"pk": value.edition_id})
            return redirect(f"{url}?edit_value={value.pk}#value-{value.pk}")
        form = CoreValueForm(
            prefix="edit", initial={"name": value.name, "explanation": value.explanation}
        )
        return _values_response(request, value.edition_id, editing=value.pk, edit_form=form)
    form = CoreValueForm(request.POST, prefix="edit")
    if form.is_valid():
        try:
            services.core_value_update(
                actor=request.user, core_value=value, **form.service_kwargs()
            )
        except (DomainError, ValidationError) as error:
            _add_error(form, error)
    if form.errors:
        if not request.htmx:  # type: ignore[attr-defined]
            for message in form.errors.values():
                messages.error(request, " ".join(str(item) for item in message))
        return _values_response(request, value.edition_id, editing=value.pk, edit_form=form)
    return _values_response(request, value.edition_id)


@require_POST
def core_value_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a value from a draft edition."""
    _require_editor(request)
    value = selectors.core_value_get(user=request.user, pk=pk)
    try:
        services.core_value_remove(actor=request.user, core_value=value)
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from refusal
    except DomainError as error:
        messages.error(request, error.message)
    return _values_response(request, value.edition_id)


@require_POST
def core_value_move(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    """Move a value one place up or down."""
    _require_editor(request)
    value = selectors.core_value_get(user=request.user, pk=pk)
    try:
        services.core_value_move(
            actor=request.user, core_value=value, offset=-1 if direction == "up" else 1
        )
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from refusal
    except DomainError as error:
        messages.error(request, error.message)
    return _values_response(request, value.edition_id)


# --- goals -------------------------------------------------------------------------------


def goal_list(request: HttpRequest) -> HttpResponse:
    """Strategic goals with the chosen year's tactical goals, each with what it misses (SMART)."""
    year = _year_param(request)
    tree = selectors.goal_tree(year=year)
    return render(
        request,
        "strategy/goal_list.html",
        {
            "tree": tree,
            "year": year,
            "years": [year - 1, year, year + 1],
            "can_edit": can_edit_strategy(request.user),
        },
    )


def strategic_goal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A strategic goal, its SMART check, the tactical goals serving it, and its history."""
    goal, tactical_goals = selectors.strategic_goal_detail(pk=pk)
    return render(
        request,
        "strategy/strategic_goal_detail.html",
        {
            "goal": goal,
            "tactical_goals": tactical_goals,
            "can_edit": can_edit_strategy(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def strategic_goal_create(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    form = StrategicGoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.strategic_goal_create(actor=request.user, **form.service_kwargs())
        except (DomainError, ValidationError) as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Strategic goal created."))
            return redirect("strategy:strategic_goal_detail", pk=goal.pk)
    return render(
        request, "strategy/goal_form.html", {"form": form, "goal": None, "kind": "strategic"}
    )


@require_http_methods(["GET", "POST"])
def strategic_goal_update(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    goal = selectors.strategic_goal_get(pk=pk)
    form = StrategicGoalForm(request.POST or None, instance=goal)
    if request.method == "POST" and form.is_valid():
        try:
            services.strategic_goal_update(actor=request.user, goal=goal, **form.service_kwargs())
        except (DomainError, ValidationError) as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Strategic goal saved."))
            return redirect("strategy:strategic_goal_detail", pk=goal.pk)
    return render(
        request, "strategy/goal_form.html", {"form": form, "goal": goal, "kind": "strategic"}
    )


@require_http_methods(["GET", "POST"])
def strategic_goal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm (GET) and delete (POST); the page lists the tactical goals that lose their link."""
    _require_editor(request)
    goal, tactical_goals = selectors.strategic_goal_detail(pk=pk)
    if request.method == "POST":
        try:
            services.strategic_goal_delete(actor=request.user, goal=goal)
        except NotAllowed as refusal:
            raise PermissionDenied(refusal.message) from refusal
        messages.success(request, _("Strategic goal “%(title)s” deleted.") % {"title": goal.title})
        return redirect("strategy:goal_list")
    return render(
        request,
        "strategy/goal_confirm_delete.html",
        {"goal": goal, "tactical_goals": tactical_goals, "kind": "strategic"},
    )


def tactical_goal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A tactical goal, the strategic goals it serves, its SMART check and its history."""
    goal = selectors.tactical_goal_get(pk=pk)
    return render(
        request,
        "strategy/tactical_goal_detail.html",
        {"goal": goal, "can_edit": can_edit_strategy(request.user)},
    )


@require_http_methods(["GET", "POST"])
def tactical_goal_create(request: HttpRequest) -> HttpResponse:
    """A new goal for a year; `?year=` and `?serves=<strategic goal id>` fill the form in."""
    _require_editor(request)
    initial: dict[str, Any] = {"year": _year_param(request)}
    if request.GET.get("serves", "").isdigit():
        initial["strategic_goals"] = [int(request.GET["serves"])]
    form = TacticalGoalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.tactical_goal_create(actor=request.user, **form.service_kwargs())
        except (DomainError, ValidationError) as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Tactical goal created."))
            return redirect("strategy:tactical_goal_detail", pk=goal.pk)
    return render(
        request, "strategy/goal_form.html", {"form": form, "goal": None, "kind": "tactical"}
    )


@require_http_methods(["GET", "POST"])
def tactical_goal_update(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    goal = selectors.tactical_goal_get(pk=pk)
    form = TacticalGoalForm(request.POST or None, instance=goal)
    if request.method == "POST" and form.is_valid():
        try:
            services.tactical_goal_update(actor=request.user, goal=goal, **form.service_kwargs())
        except (DomainError, ValidationError) as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Tactical goal saved."))
            return redirect("strategy:tactical_goal_detail", pk=goal.pk)
    return render(
        request, "strategy/goal_form.html", {"form": form, "goal": goal, "kind": "tactical"}
    )


@require_http_methods(["GET", "POST"])
def tactical_goal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    goal = selectors.tactical_goal_get(pk=pk)
    if request.method == "POST":
        try:
            services.tactical_goal_delete(actor=request.user, goal=goal)
        except NotAllowed as refusal:
            raise PermissionDenied(refusal.message) from refusal
        messages.success(request, _("Tactical goal “%(title)s” deleted.") % {"title": goal.title})
        return redirect(f"{reverse('strategy:goal_list')}?year={goal.year}")
    return render(
        request,
        "strategy/goal_confirm_delete.html",
        {"goal": goal, "tactical_goals": [], "kind": "tactical"},
    )
