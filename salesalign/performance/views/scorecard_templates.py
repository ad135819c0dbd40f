"""Pages of scorecard templates: the list everyone may read, and the editor of executives, HR
and administrators.

Thin: the editor parses what was typed (`forms_templates.TemplateEditor`), calls
`services.scorecards.template_save` — the same service as the API — and shows its
refusal at the place it names.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from salesalign.core.exceptions import DomainError
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.performance.forms_templates import TemplateEditor
from salesalign.performance.models import ScorecardTemplate
from salesalign.performance.selectors import scorecards as selectors
from salesalign.performance.services import scorecards as services
from salesalign.performance.views.common import add_service_error, refuse_if_not_allowed


def scorecard_templates(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The scorecard templates with their KPIs, weights and rules in words; editors also get
    the buttons to add and change them."""
    return render(
        request,
        "performance/scorecard_templates.html",
        {
            "templates": selectors.template_list(user=request.user),
            "can_edit": services.can_edit_templates(request.user),
        },
    )


#: A place in a line as the service (`lines[0].rule.floor`) or the engine (`lines[0].floor`)
#: names it.
_LINE_PLACE = re.compile(r"lines\[(\d+)\]\.(?:rule\.)?(\w+)")

#: The editor's column for each place in a line; a duplicate KPI is named `lines[1].lines`,
#: a KPI's own flaw (formula, scale) by its name: both belong to the KPI column.
_LINE_COLUMNS = {
    "weight": "weight",
    "kind": "kind",
    "floor": "floor",
    "cap": "cap",
    "zero_below": "zero_below",
    "bands": "bands",
    "from_attainment": "bands",
    "score": "bands",
    "target": "target",
    "default_target": "target",
    "inverse": "inverse",
    "max_attainment": "max_attainment",
}


def _show_error(editor: TemplateEditor, error: DomainError) -> None:
    """The service's refusal at the place it names: a line's cell (`lines[i]` is the i-th
    line with a KPI, not the i-th row), the lines or the ratings as a whole, or a field."""
    refuse_if_not_allowed(error)
    field = error.field or ""
    place = _LINE_PLACE.fullmatch(field)
    if place and int(place[1]) < len(editor.line_forms):
        row = editor.lines.forms[editor.line_forms[int(place[1])]]
        row.add_error(_LINE_COLUMNS.get(place[2], "kpi"), error.message)
    elif field == "lines" or field.startswith("lines["):
        editor.lines.non_form_errors().append(error.message)
    elif field in {"rating_bands", "min_score"}:
        editor.ratings.non_form_errors().append(error.message)
    elif field in {"forced_distribution", "max_percent"}:
        editor.form.add_error("distribution_scope", error.message)
    else:
        add_service_error(editor.form, error)


def _editor(request: AuthenticatedHttpRequest, template: ScorecardTemplate | None) -> HttpResponse:
    if request.method == "POST":
        editor = TemplateEditor(request.POST, template=template)
        if editor.is_valid():
            try:
                saved = services.template_save(
                    actor=request.user, template=template, **editor.arguments()
                )
            except DomainError as error:
                _show_error(editor, error)
            else:
                messages.success(
                    request,
                    _("Scorecard template “%(template)s” saved.")
                    % {"template": saved.display_name},
                )
                return redirect("performance:scorecard_templates")
    else:
        editor = TemplateEditor(template=template)
    return render(
        request,
        "performance/scorecard_template_form.html",
        {"editor": editor, "template": template, "errors": editor.errors_in_words()},
    )


def _require_editor(request: AuthenticatedHttpRequest) -> None:
    """Anyone else gets a 403 before the editor is built (the service would refuse the save)."""
    try:
        services.require_template_editor(request.user)
    except DomainError as error:
        refuse_if_not_allowed(error)
        raise


def scorecard_template_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Add a scorecard template."""
    _require_editor(request)
    return _editor(request, None)


def scorecard_template_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change a template: its lines are replaced; cards already computed keep their numbers
    until their period is recalculated."""
    _require_editor(request)
    return _editor(request, selectors.template_get(pk=pk))
