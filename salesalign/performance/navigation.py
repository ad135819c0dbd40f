"""The items of step 3 ("Measure and reward") in the main navigation.

The labels live here, in this app's catalogue, so the app brings its own
translations; `salesalign.core.navigation` lists them in its section.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from salesalign.core.choices import COMPANY_WIDE_ROLES, Role

#: Who writes and reads unit retrospectives: managers and the company-wide roles.
LEADERS = frozenset(COMPANY_WIDE_ROLES | {Role.MANAGER})

#: (label, url name, roles or None for everyone), in the order shown.
NAV_ITEMS: tuple[tuple[str | Promise, str, frozenset[str] | None], ...] = (
    (_("Evaluation periods"), "performance:period_list", None),
    (_("Feedback"), "performance:feedback_list", None),
    (_("360° feedback"), "performance:round_list", None),
    (_("Improvement actions"), "performance:action_list", None),
    (_("Retrospectives"), "performance:retrospective_list", LEADERS),
)
