"""Where notifications about performance point to (the pages of this app).

Kept in one place so that the pages can move without touching the services.
"""

from __future__ import annotations


def period_url(period_id: int) -> str:
    """An evaluation period's page."""
    return f"/performance/periods/{period_id}/"


def feedback_url(period_id: int, person_id: int) -> str:
    """A person's feedback page for a period (manager feedback and self-assessment)."""
    return f"/performance/feedback/{period_id}/people/{person_id}/"


def my_feedback_url(period_id: int) -> str:
    """The feedback page on a period, where each person finds their own feedback first."""
    return f"/performance/feedback/?period={period_id}"


def invitation_url(invitation_id: int) -> str:
    """The page where a respondent answers a 360° invitation."""
    return f"/performance/360/invitations/{invitation_id}/"


def round_url(round_id: int) -> str:
    """A 360° round's page (its results, once closed)."""
    return f"/performance/360/{round_id}/"


def action_list_url() -> str:
    """The improvement actions page."""
    return "/performance/actions/"


def improvement_plan_url(plan_id: int) -> str:
    """An improvement plan's page (the person's own, or a manager's view of it)."""
    return f"/performance/improvement/plans/{plan_id}/"


def promotion_list_url() -> str:
    """The promotion candidates page."""
    return "/performance/promotion/"
