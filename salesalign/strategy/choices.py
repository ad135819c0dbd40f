from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicationStatus(models.TextChoices):
    """Drafts are edited; published records are read by everyone and no longer edited."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class DocumentStatus(models.TextChoices):
    """A draft is edited; a published document is read and confirmed; a superseded one is an
    earlier version, kept readable for the record, that a newer published version replaced."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


class GoalStatus(models.TextChoices):
    """Where a goal stands."""

    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    ACHIEVED = "achieved", _("Achieved")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


class DocumentKind(models.TextChoices):
    """A strategy document (read and accept) or an announcement."""

    DOCUMENT = "document", _("Strategy document")
    ANNOUNCEMENT = "announcement", _("Announcement")


class QuestionKind(models.TextChoices):
    """What a reader attaches when confirming."""

    QUESTION = "question", _("Question")
    CHALLENGE = "challenge", _("Foreseen challenge")
