"""Where notifications about targets point to (the pages of the targets app).

Kept in one place so that the pages can move without touching the services.
"""

from __future__ import annotations


def plan_url(plan_id: int) -> str:
    """A plan's page."""
    return f"/targets/plans/{plan_id}/"


def negotiation_url(plan_id: int) -> str:
    """The negotiation inbox of a plan."""
    return f"/targets/plans/{plan_id}/negotiation/"
