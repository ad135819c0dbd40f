"""The cascade editor: the tree below a target against the months (or the product lines),
with sums, remainders and warnings that come back with every edited cell; XLSX out and in.

A cell posts its value (htmx) and the block — rows, totals and warnings — comes
back rendered again; without JavaScript the "Save" button posts every cell and
only the changed ones are written. The tree is read with a fixed number of
queries whatever the number of people (see `cascade_tree`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from salesalign.core.batches import without_cycle_collection
from salesalign.core.choices import Metric
from salesalign.core.downloads import XLSX_TYPE, attachment_response
from salesalign.core.exceptions import DomainError
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.targets import importing
from salesalign.targets.forms import ImportForm
from salesalign.targets.models import Target, TargetPlan
from salesalign.targets.selectors import cascade as cascade_selectors
from salesalign.targets.selectors import plans as selectors
from salesalign.targets.selectors.pages import cascade_permissions, product_line_grid
from salesalign.targets.selectors.plans import TARGET_RELATED, target_label
from salesalign.targets.services.editing import target_values_set
from salesalign.targets.views.common import int_param, is_htmx, refuse_if_not_allowed

VIEWS = ("months", "product_lines")
CELL_PREFIX = "t"
IMPORT_SESSION_KEY = "targets_import"
#: Levels shown below the root unless all are asked for (deeper ones are a click away).
SHOWN_LEVELS = 2


def _choices(request: AuthenticatedHttpRequest) -> tuple[int | None, str | None, str]:
    data = request.POST if request.method == "POST" else request.GET
    root = int_param(data.get("root"))
    metric = data.get("metric") or None
    if metric not in Metric.values:
        metric = None
    view = str(data.get("view")) if data.get("view") in VIEWS else "months"
    return root, metric, view


def _all_levels(request: AuthenticatedHttpRequest) -> bool:
    data = request.POST if request.method == "POST" else request.GET
    return data.get("levels") == "all"


def _query(root: int | None, metric: str | None, view: str, *, all_levels: bool = False) -> str:
    parts = []
    if root is not None:
        parts.append(f"root={root}")
    if metric:
        parts.append(f"metric={metric}")
    parts.append(f"view={view}")
    if all_levels:
        parts.append("levels=all")
    return "&".join(parts)


def _short_labels(tree: cascade_selectors.CascadeTree) -> dict[int, str]:
    """Each row's label without what it repeats of the row above it: a person's product-line
    slice reads "IoT Platform", not "Li Ming · IoT Platform"."""
    by_id = {node.target.pk: node.target for node in tree.nodes}
    labels = {}
    for node in tree.nodes:
        target = node.target
        parent = by_id.get(target.parent_id or 0) if node.depth else None
        same_subject = parent is not None and (parent.unit_id, parent.person_id) == (
            target.unit_id,
            target.person_id,
        )
        if same_subject:
            parts = [
                getattr(target, name).display_name
                for name in ("product_line", "region", "segment")
                if getattr(target, f"{name}_id") is not None
                and getattr(target, f"{name}_id") != getattr(parent, f"{name}_id")
            ]
            labels[target.pk] = " · ".join(parts) or node.label
        else:
            labels[target.pk] = node.label
    return labels


def _chain_above(user: Any, root: Target) -> list[Target]:
    """The targets above the root that the user may see, nearest last (one query a level)."""
    chain: list[Target] = []
    current_id = root.parent_id
    for _level in range(12):
        if current_id is None:
            break
        above = (
            Target.objects.visible_to(user)
            .select_related(*TARGET_RELATED)
            .filter(pk=current_id)
            .first()
        )
        if above is None:
            break
        chain.insert(0, above)
        current_id = above.parent_id
    return chain


#: An id no route has of its own: replaced by each target's in `_urls_by_target`.
_ANY_ID = 987_654_321


def _urls_by_target(name: str, *args: Any, target_ids: Any) -> dict[int, str]:
    """`reverse(name, args=[*args, id])` for every id: one reverse, not two a row of the tree."""
    head, tail = reverse(name, args=[*args, _ANY_ID]).rsplit(str(_ANY_ID), 1)
    return {pk: f"{head}{pk}{tail}" for pk in target_ids}


def _block_context(
    request: AuthenticatedHttpRequest,
    plan: TargetPlan,
    *,
    root: int | None,
    metric: str | None,
    view: str,
    error: DomainError | None = None,
) -> dict[str, Any]:
    all_levels = _all_levels(request)
    tree = cascade_selectors.cascade_tree(user=request.user, plan=plan, root_id=root, metric=metric)
    permissions = cascade_permissions(request.user, tree)
    grid = product_line_grid(tree) if view == "product_lines" else None
    error_target = None
    if error is not None and (error.field or "").startswith("target."):
        error_target = int_param(error.field.split(".", 1)[1]) if error.field else None
    shown = [node for node in tree.nodes if all_levels or node.depth <= SHOWN_LEVELS]
    shown_ids = {node.target.pk for node in shown}
    if grid is not None:
        grid.rows = [row for row in grid.rows if all_levels or row.node.depth <= SHOWN_LEVELS]
    return {
        "plan": plan,
        "tree": tree,
        "nodes": shown,
        "hidden": len(tree.nodes) - len(shown),
        "all_levels": all_levels,
        "shown_levels": SHOWN_LEVELS,
        "labels": _short_labels(tree),
        "detail_urls": _urls_by_target("targets:target_detail", target_ids=shown_ids),
        "allocate_urls": _urls_by_target(
            "targets:allocate", plan.pk, target_ids=permissions.manageable & shown_ids
        ),
        "editable": permissions.editable,
        "manageable": permissions.manageable,
        "grid": grid,
        "view": view,
        "root_id": tree.root.target.pk,
        "metric": tree.root.target.metric,
        "query": _query(tree.root.target.pk, tree.root.target.metric, view, all_levels=all_levels),
        "error": error,
        "error_target": error_target,
        "can_edit_any": bool(permissions.editable),
    }


# The tree, its findings and a few thousand cells of template: thousands of short-lived
# objects that the cycle collector would scan the whole heap for, again and again.
@without_cycle_collection
def cascade(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The editor page: the tree below a target (by default the company target of a metric)."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    root, metric, view = _choices(request)
    try:
        context = _block_context(request, plan, root=root, metric=metric, view=view)
    except Http404:
        if root is not None:
            raise
        return render(
            request,
            "targets/cascade.html",
            {"plan": plan, "tree": None, "metric": metric or Metric.REVENUE, "view": view},
        )
    tree = context["tree"]
    context["chain"] = _chain_above(request.user, tree.root.target)
    context["company_targets"] = list(
        selectors.target_list(user=request.user, plan=plan, roots_only=True)
    )
    return render(request, "targets/cascade.html", context)


@require_POST
@without_cycle_collection
def cascade_save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Write the typed cells (fields `t<target id>`); the block comes back with the new sums
    and warnings, or with the error on the row at fault and nothing written."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    root, metric, view = _choices(request)
    values = {
        int(name[len(CELL_PREFIX) :]): value
        for name, value in request.POST.items()
        if name.startswith(CELL_PREFIX) and name[len(CELL_PREFIX) :].isdigit()
    }
    error = None
    changed = 0
    try:
        changed = len(target_values_set(actor=request.user, plan=plan, values=values))
    except DomainError as problem:
        refuse_if_not_allowed(problem)
        error = problem
    if is_htmx(request):
        context = _block_context(request, plan, root=root, metric=metric, view=view, error=error)
        context["saved"] = changed if error is None else None
        context["typed_value"] = values.get(context["error_target"] or 0)
        return render(request, "targets/_cascade_block.html", context)
    if error is not None:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(count)s targets changed.") % {"count": changed}
            if changed
            else _("Nothing changed."),
        )
    query = _query(root, metric, view, all_levels=_all_levels(request))
    return redirect(f"{reverse('targets:cascade', args=[plan.pk])}?{query}")


def cascade_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The tree on the page as an XLSX workbook, in the editor's layout."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    root, metric, _view = _choices(request)
    tree = cascade_selectors.cascade_tree(user=request.user, plan=plan, root_id=root, metric=metric)
    content = importing.export_cascade(tree)
    name = f"targets-{plan.fiscal_year}-v{plan.version}-{target_label(tree.root.target)}.xlsx"
    return attachment_response(content, file_name=name, content_type=XLSX_TYPE)


@require_http_methods(["GET", "POST"])
def cascade_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Upload a file in the editor's layout: the preview lists each change and every bad row."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    root, metric, view = _choices(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    preview = None
    if plan.is_locked:
        messages.error(
            request,
            _("This version is locked; re-plan to change its targets."),
        )
        return redirect("targets:plan_detail", pk=plan.pk)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            preview = importing.import_check(
                actor=request.user, plan=plan, data=upload.read(), file_name=upload.name
            )
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            if preview.is_clean and preview.changes:
                request.session[IMPORT_SESSION_KEY] = {
                    "plan": plan.pk,
                    "values": {
                        str(change.target.pk): str(change.after) for change in preview.changes
                    },
                }
            else:
                request.session.pop(IMPORT_SESSION_KEY, None)
    return render(
        request,
        "targets/import.html",
        {
            "plan": plan,
            "form": form,
            "preview": preview,
            "query": _query(root, metric, view),
            "root": root,
            "metric": metric,
            "view": view,
        },
    )


@require_POST
def cascade_import_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Write the checked file: every change or none."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    root, metric, view = _choices(request)
    stored = request.session.get(IMPORT_SESSION_KEY)
    if not stored or stored.get("plan") != plan.pk:
        messages.error(request, _("Upload the file again: there is nothing checked to import."))
        return redirect(
            f"{reverse('targets:cascade_import', args=[plan.pk])}?{_query(root, metric, view)}"
        )
    values = {int(key): value for key, value in stored["values"].items()}
    try:
        changes = importing.import_apply(actor=request.user, plan=plan, values=values)
    except DomainError as error:
        if error.code == "forbidden":
            raise PermissionDenied(error.message) from error
        messages.error(request, error.message)
        return redirect(
            f"{reverse('targets:cascade_import', args=[plan.pk])}?{_query(root, metric, view)}"
        )
    request.session.pop(IMPORT_SESSION_KEY, None)
    messages.success(
        request, _("%(count)s targets changed from the file.") % {"count": len(changes)}
    )
    return redirect(f"{reverse('targets:cascade', args=[plan.pk])}?{_query(root, metric, view)}")
