"""Choices of the targets app: plan status, how a target was made, negotiation states."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PlanStatus(models.TextChoices):
    """draft → negotiation → approved (locked); a later approved version supersedes it."""

    DRAFT = "draft", _("Draft")
    NEGOTIATION = "negotiation", _("In negotiation")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


#: Plans whose numbers may still change.
OPEN_PLAN_STATUSES = frozenset({PlanStatus.DRAFT, PlanStatus.NEGOTIATION})


class TargetMethod(models.TextChoices):
    """How a target's number was made (the allocation methods, plus set and cascaded levels)."""

    SET = "set", _("Set directly")
    EQUAL = "equal", _("Equal split")
    HISTORY = "history", _("Historical share")
    HISTORY_MARKET = "history_market", _("History plus market change")
    CAPACITY = "capacity", _("By capacity")
    MANUAL = "manual", _("Manual")
    BLEND = "blend", _("Blend")
    LEVEL = "level", _("Same level as above")


class SeasonalitySource(models.TextChoices):
    """Where a seasonality profile's twelve weights come from."""

    HISTORY = "history", _("Derived from history")
    ENTERED = "entered", _("Entered")


class ProposalStatus(models.TextChoices):
    """Where a proposed target stands with its recipient."""

    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    COUNTERED = "countered", _("Counter-proposed")
    RESOLVED = "resolved", _("Agreed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: Proposals that still wait for someone: the recipient (pending) or the manager (countered).
OPEN_PROPOSAL_STATUSES = frozenset({ProposalStatus.PENDING, ProposalStatus.COUNTERED})


class CounterStatus(models.TextChoices):
    """What the manager made of a counter-proposal."""

    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    ADJUSTED = "adjusted", _("Adjusted")
    DECLINED = "declined", _("Declined")


class MessageKind(models.TextChoices):
    """One step of the negotiation thread of a target."""

    PUBLISHED = "published", pgettext_lazy("a target sent to its owner", "Proposed")
    ACCEPTED = "accepted", _("Accepted")
    COUNTERED = "countered", _("Counter-proposed")
    RESOLVED = "resolved", _("Decided")
    COMMENT = "comment", _("Comment")
