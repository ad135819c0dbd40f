"""Step 1 of the method: vision, mission, values, strategic and tactical goals, documents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesalign.core.choices import Metric
from salesalign.core.models import TimeStampedModel
from salesalign.core.visibility import VisibleQuerySet
from salesalign.strategy.choices import (
    DocumentKind,
    DocumentStatus,
    GoalStatus,
    PublicationStatus,
    QuestionKind,
)


class StrategyEdition(TimeStampedModel):
    """The company's statement of strategy for one year: vision, mission, values."""

    year = models.PositiveIntegerField(_("year"), unique=True)
    vision = models.TextField(_("vision"))
    mission = models.TextField(_("mission"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("strategy edition")
        verbose_name_plural = _("strategy editions")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(_("Strategy %(year)s") % {"year": self.year})


class CoreValue(models.Model):
    """One of the company's core values, with a short explanation."""

    edition = models.ForeignKey(
        StrategyEdition,
        verbose_name=_("strategy edition"),
        on_delete=models.CASCADE,
        related_name="values",
    )
    name = models.CharField(_("value"), max_length=100)
    explanation = models.TextField(_("explanation"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("core value")
        verbose_name_plural = _("core values")
        ordering = ["edition", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "name"], name="core_value_unique_per_edition"
            )
        ]

    def __str__(self) -> str:
        return self.name


class GoalBase(TimeStampedModel):
    """What strategic and tactical goals share: a title and a measurable metric."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    metric = models.CharField(_("metric"), max_length=30, choices=Metric.choices, blank=True)
    custom_metric_name = models.CharField(_("custom metric"), max_length=100, blank=True)
    unit_of_measure = models.CharField(
        _("unit of measure"), max_length=20, blank=True, help_text=_("e.g. %, CNY, customers")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=GoalStatus.choices, default=GoalStatus.ACTIVE
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title

    @property
    def metric_label(self) -> str:
        if self.metric == Metric.CUSTOM:
            return self.custom_metric_name or str(Metric.CUSTOM.label)
        return str(Metric(self.metric).label) if self.metric else ""


class StrategicGoal(GoalBase):
    """A long-term goal: from a baseline value in one year to a target value by a horizon year."""

    baseline_value = models.DecimalField(
        _("baseline value"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    baseline_year = models.PositiveIntegerField(_("baseline year"), null=True, blank=True)
    target_value = models.DecimalField(
        _("target value"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    horizon_year = models.PositiveIntegerField(_("horizon year"), null=True, blank=True)
    owner = models.ForeignKey(
        "organization.Person",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_strategic_goals",
    )

    class Meta:
        verbose_name = _("strategic goal")
        verbose_name_plural = _("strategic goals")
        ordering = ["horizon_year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(horizon_year__isnull=True)
                | Q(baseline_year__isnull=True)
                | Q(horizon_year__gt=models.F("baseline_year")),
                name="strategic_goal_horizon_after_baseline",
            )
        ]


class TacticalGoal(GoalBase):
    """A goal for one year that serves one or more strategic goals."""

    year = models.PositiveIntegerField(_("year"))
    strategic_goals = models.ManyToManyField(
        StrategicGoal, verbose_name=_("serves"), blank=True, related_name="tactical_goals"
    )
    target_value = models.DecimalField(
        _("target value"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    owning_unit = models.ForeignKey(
        "organization.OrgUnit",
        verbose_name=_("owning unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tactical_goals",
    )

    class Meta:
        verbose_name = _("tactical goal")
        verbose_name_plural = _("tactical goals")
        ordering = ["year", "deadline", "pk"]
        indexes = [models.Index(fields=["year"])]


class StrategyDocument(TimeStampedModel):
    """A strategy document or announcement for the whole company or chosen units."""

    kind = models.CharField(
        _("kind"), max_length=20, choices=DocumentKind.choices, default=DocumentKind.DOCUMENT
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(pgettext_lazy("a document's body", "text"))
    edition = models.ForeignKey(
        StrategyEdition,
        verbose_name=_("strategy edition"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )
    audience_all = models.BooleanField(_("whole company"), default=True)
    audience_units = models.ManyToManyField(
        "organization.OrgUnit",
        verbose_name=_("units"),
        blank=True,
        related_name="+",
        help_text=_("Each unit includes the units below it."),
    )
    requires_confirmation = models.BooleanField(_("readers confirm"), default=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DocumentStatus.choices,
        default=DocumentStatus.DRAFT,
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    previous_version = models.OneToOneField(
        "self",
        verbose_name=_("previous version"),
        null=True,
        blank=True,
        # An earlier version is the record of what people confirmed: it is not deleted.
        on_delete=models.PROTECT,
        related_name="next_version",
    )
    # Empty on the first version itself; every later one names it, so that all versions of
    # a document are read in one query.
    first_version = models.ForeignKey(
        "self",
        verbose_name=_("first version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="later_versions",
    )
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)

    class Meta:
        verbose_name = _("strategy document")
        verbose_name_plural = _("strategy documents")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(version=1, previous_version__isnull=True, first_version__isnull=True)
                | Q(version__gt=1, previous_version__isnull=False, first_version__isnull=False),
                name="strategy_document_version_follows_its_previous",
            ),
            models.CheckConstraint(
                condition=Q(status=DocumentStatus.SUPERSEDED, superseded_at__isnull=False)
                | (~Q(status=DocumentStatus.SUPERSEDED) & Q(superseded_at__isnull=True)),
                name="strategy_document_superseded_has_a_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def series_id(self) -> int:
        """The first version's id, shared by every version of the document."""
        return self.first_version_id or self.pk


def attachment_path(instance: DocumentAttachment, filename: str) -> str:
    return f"strategy/documents/{instance.document_id}/{filename}"


class DocumentAttachment(TimeStampedModel):
    """A file attached to a strategy document."""

    document = models.ForeignKey(
        StrategyDocument,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class PersonRecordQuerySet(VisibleQuerySet[models.Model]):
    """Confirmations and questions belong to the person who made them."""

    person_field = "person"
    unit_field = "person__unit"


class DocumentConfirmation(models.Model):
    """A person's "I have read and understood" for one document."""

    document = models.ForeignKey(
        StrategyDocument,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="confirmations",
    )
    person = models.ForeignKey(
        "organization.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="document_confirmations",
    )
    confirmed_at = models.DateTimeField(_("confirmed"), auto_now_add=True)

    objects = PersonRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("confirmation")
        verbose_name_plural = _("confirmations")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "person"], name="document_confirmation_once_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ✓ {self.document}"


class DocumentQuestion(TimeStampedModel):
    """A question or a foreseen challenge a reader attaches; a manager answers it."""

    document = models.ForeignKey(
        StrategyDocument,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="questions",
    )
    person = models.ForeignKey(
        "organization.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="document_questions",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=QuestionKind.choices, default=QuestionKind.QUESTION
    )
    text = models.TextField(_("text"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        "organization.Person",
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="answered_document_questions",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    objects = PersonRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]
