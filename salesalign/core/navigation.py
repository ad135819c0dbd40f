"""The navigation: the five steps of the method, then the organisation underneath.

An item whose page does not exist yet (a later step not built) is shown
disabled, so the shape of the method stays visible from the first day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from salesalign.core.choices import Role
from salesalign.performance import navigation as performance_navigation


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str] | None = None  # None: everyone


@dataclass(frozen=True)
class NavSection:
    key: str
    number: int | None
    label: str | Promise
    items: tuple[NavItem, ...]


EDITORS = frozenset({Role.ADMIN})

SECTIONS: tuple[NavSection, ...] = (
    NavSection(
        "strategy",
        1,
        _("Strategy"),
        (
            NavItem(_("Our strategy"), "strategy:our_strategy"),
            NavItem(_("Documents and announcements"), "strategy:document_list"),
            NavItem(_("Strategic and tactical goals"), "strategy:goal_list"),
            NavItem(_("Strategy editions"), "strategy:edition_list"),
        ),
    ),
    NavSection(
        "targets",
        2,
        _("Break it down"),
        (
            NavItem(_("My targets"), "targets:my_targets"),
            NavItem(_("Negotiation"), "targets:negotiation"),
            NavItem(_("Target plans"), "targets:plan_list"),
        ),
    ),
    NavSection(
        "performance",
        3,
        _("Measure and reward"),
        tuple(
            NavItem(label, url_name, roles)
            for label, url_name, roles in performance_navigation.NAV_ITEMS
        ),
    ),
    NavSection(
        "communication",
        4,
        _("Communicate"),
        (NavItem(_("Meetings"), "communication:meeting_list"),),
    ),
    NavSection(
        "training",
        5,
        _("Train and support"),
        (NavItem(_("Training"), "training:course_list"),),
    ),
    NavSection(
        "sales",
        None,
        _("Sales"),
        (
            NavItem(_("Actuals"), "sales:actuals"),
            NavItem(_("Orders"), "sales:order_list"),
            NavItem(_("Customers"), "sales:customer_list"),
            NavItem(_("Satisfaction"), "sales:satisfaction_list"),
            NavItem(_("Import sales data"), "sales:import_start", EDITORS),
            NavItem(_("Exchange rates"), "sales:exchange_rates"),
        ),
    ),
    NavSection(
        "organization",
        None,
        _("Organisation"),
        (
            NavItem(_("Org chart"), "organization:org_chart"),
            NavItem(_("People"), "organization:person_list"),
            NavItem(_("Product lines"), "organization:productline_list"),
            NavItem(_("Regions"), "organization:region_list"),
            NavItem(_("Customer segments"), "organization:customersegment_list"),
            NavItem(_("Import people and units"), "organization:import_start", EDITORS),
        ),
    ),
)


def _url(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def build_navigation(role: str | None, current_path: str) -> list[dict[str, Any]]:
    """The sections with their items, each resolved to a URL or marked as not yet available."""
    sections: list[dict[str, Any]] = []
    for section in SECTIONS:
        items: list[dict[str, Any]] = []
        for item in section.items:
            if item.roles is not None and role not in item.roles:
                continue
            url = _url(item.url_name)
            items.append(
                {
                    "label": item.label,
                    "url": url,
                    "active": bool(url and current_path.startswith(url) and url != "/"),
                }
            )
        if not items:
            continue
        sections.append(
            {
                "key": section.key,
                "number": section.number,
                "label": section.label,
                "items": items,
                "available": any(entry["url"] for entry in items),
                "active": any(entry["active"] for entry in items),
            }
        )
    return sections
