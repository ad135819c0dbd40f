"""The items of step 3 ("Measure and reward") in the main navigation.

The labels live here, in this app's catalogue, so the app brings its own
translations; `salesalign.core.navigation` lists them in its section.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from salesalign.core.choices import COMPANY_WIDE_ROLES, Role

#: Managers and the company-wide roles: they read others' cards, statements and
#: retrospectives, and decide on promotion candidates.
LEADERS = frozenset(COMPANY_WIDE_ROLES | {Role.MANAGER})

#: Who enters managers' ratings (HR rates anyone, managers their people).
RATERS = frozenset({Role.MANAGER, Role.HR})
#: Who writes incentive plans (services.statements.PLAN_ROLES).
PLAN_WRITERS = frozenset({Role.ADMIN, Role.HR})

#: (label, url name, roles or None for everyone), in the order shown.
NAV_ITEMS: tuple[tuple[str | Promise, str, frozenset[str] | None], ...] = (
    (_("My scorecard"), "performance:my_scorecard", None),
    (_("My statements"), "performance:statement_list", None),
    (_("Scorecards"), "performance:scorecard_list", LEADERS),
    (_("Scorecards so far"), "performance:unit_so_far", LEADERS),
    (_("Statements"), "performance:statement_overview", LEADERS),
    (_("Evaluation periods"), "performance:period_list", None),
    (_("Feedback"), "performance:feedback_list", None),
    (_("360° feedback"), "performance:round_list", None),
    (_("Improvement plans"), "performance:improvement_list", None),
    (_("Promotion candidates"), "performance:promotion_list", LEADERS),
    (_("Improvement actions"), "performance:action_list", None),
    (_("Retrospectives"), "performance:retrospective_list", LEADERS),
    (_("KPI library"), "performance:kpi_list", None),
    (_("Manager ratings"), "performance:rating_index", RATERS),
    (_("Incentive plans"), "performance:plan_list", PLAN_WRITERS),
)
