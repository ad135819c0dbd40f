"""Step 2 of the method: plans, the target cascade, phasing, allocation runs and negotiation.

A `TargetPlan` is one version of a fiscal year's targets. Its `Target` rows
form a tree: the company targets at the root (each linked to the tactical goal
it serves), and below them the slices they were allocated to — units, people,
and within any of them product lines, regions and segments. Each target
records how it was made (method, inputs, explanation, who, when) and is
phased into months (`TargetPeriod`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesalign.core.choices import Metric
from salesalign.core.models import TimeStampedModel
from salesalign.organization.models import OrgUnit
from salesalign.targets.choices import (
    OPEN_PLAN_STATUSES,
    CounterStatus,
    MessageKind,
    PlanStatus,
    ProposalStatus,
    SeasonalitySource,
    TargetMethod,
)
from salesalign.targets.metrics import TargetMetric, target_metric


def level_field() -> models.DecimalField[Any, Any]:
    """The level of a metric that does not add up (satisfaction): the same for everyone below,
    on a target, its months, a counter-proposal and a message alike."""
    return models.DecimalField(
        pgettext_lazy("a target level", "level"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
    )


class TargetPlan(TimeStampedModel):
    """One version of the targets of a fiscal year: draft → negotiation → approved (locked)."""

    fiscal_year = models.PositiveIntegerField(_("fiscal year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    fiscal_start_month = models.PositiveSmallIntegerField(
        _("first month of the fiscal year"), default=1
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    reason = models.TextField(_("reason for the new version"), blank=True)
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("based on"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="later_versions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("sent for negotiation"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        verbose_name = _("target plan")
        verbose_name_plural = _("target plans")
        ordering = ["-fiscal_year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "version"], name="target_plan_version_unique_per_year"
            ),
            models.CheckConstraint(
                condition=Q(fiscal_start_month__gte=1) & Q(fiscal_start_month__lte=12),
                name="target_plan_fiscal_start_month_in_range",
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("Targets %(year)s, version %(version)s")
            % {"year": self.fiscal_year, "version": self.version}
        )

    @property
    def is_locked(self) -> bool:
        """Approved (and superseded) versions never change; a change is a new version."""
        return self.status not in OPEN_PLAN_STATUSES


class TargetQuerySet(models.QuerySet["Target"]):
    """Targets a user may see: see `salesalign.targets.selectors.visibility`."""

    def visible_to(self, user: object) -> TargetQuerySet:
        from salesalign.targets.selectors.visibility import visible_targets

        return visible_targets(self, user)


class AllocationRun(models.Model):
    """One applied allocation: a parent target split along axes by a method with parameters."""

    plan = models.ForeignKey(
        TargetPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="runs"
    )
    parent = models.ForeignKey(
        "targets.Target",
        verbose_name=_("allocated target"),
        on_delete=models.CASCADE,
        related_name="runs",
    )
    axes = models.JSONField(_("axes"), default=list)
    method = models.CharField(_("method"), max_length=20, choices=TargetMethod.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    inputs_digest = models.CharField(_("inputs digest"), max_length=64, blank=True)
    backtest = models.JSONField(_("backtest"), default=dict, blank=True)
    line_count = models.PositiveIntegerField(_("targets written"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("run by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("run at"), auto_now_add=True)

    class Meta:
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.parent_id}: {self.get_method_display()} ({', '.join(self.axes)})"


class Target(TimeStampedModel):
    """One annual slice: metric × unit or person × optional product line, region, segment.

    `amount` is integer minor units for metrics that add up; `level` is the
    value of a metric that does not (satisfaction), the same for every slice
    below unless set otherwise. `slice_key` is the slice's coordinates as text,
    kept by the services, so that a slice is unique in a plan even where
    coordinates are empty.
    """

    # No index of its own: the (plan, …) indexes and the slice constraint start with it.
    plan = models.ForeignKey(
        TargetPlan,
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        related_name="targets",
        db_index=False,
    )
    metric = models.CharField(_("metric"), max_length=30, choices=Metric.choices)
    custom_metric_name = models.CharField(_("custom metric"), max_length=100, blank=True)
    unit = models.ForeignKey(
        "organization.OrgUnit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets",
    )
    person = models.ForeignKey(
        "organization.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets",
    )
    product_line = models.ForeignKey(
        "organization.ProductLine",
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "organization.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    segment = models.ForeignKey(
        "organization.CustomerSegment",
        verbose_name=_("customer segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("allocated from"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    tactical_goal = models.ForeignKey(
        "strategy.TacticalGoal",
        verbose_name=pgettext_lazy("the tactical goal a target serves", "serves"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="targets",
    )
    amount = models.BigIntegerField(_("amount"), null=True, blank=True)
    level = level_field()
    method = models.CharField(
        _("method"), max_length=20, choices=TargetMethod.choices, default=TargetMethod.SET
    )
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    explanation = models.JSONField(_("explanation"), default=list, blank=True)
    allocation_run = models.ForeignKey(
        AllocationRun,
        verbose_name=_("allocation run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="targets",
    )
    slice_key = models.CharField(max_length=120, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["plan", "metric", "slice_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "metric", "custom_metric_name", "slice_key"],
                name="target_one_per_slice",
            ),
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(person__isnull=True))
                | (Q(unit__isnull=True) & Q(person__isnull=False)),
                name="target_subject_is_a_unit_or_a_person",
            ),
            models.CheckConstraint(
                condition=(Q(amount__isnull=False) & Q(level__isnull=True))
                | (Q(amount__isnull=True) & Q(level__isnull=False)),
                name="target_has_an_amount_or_a_level",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="target_amount_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "parent"]),
            models.Index(fields=["plan", "person"]),
            models.Index(fields=["plan", "unit"]),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.metric}/{self.slice_key}"

    @property
    def kind(self) -> TargetMetric:
        return target_metric(self.metric)

    @property
    def own_unit(self) -> OrgUnit:
        """The unit the target belongs to: its own, or its person's."""
        if self.unit is not None:
            return self.unit
        assert self.person is not None, "a target is a unit's or a person's"
        return self.person.unit

    @property
    def value(self) -> Decimal | None:
        """The target in its unit (yuan, customers, score), whatever is stored."""
        if self.level is not None:
            return self.level
        if self.amount is None:
            return None
        return self.kind.from_minor(self.amount)

    @property
    def metric_label(self) -> str:
        if self.metric == Metric.CUSTOM:
            return self.custom_metric_name or str(Metric.CUSTOM.label)
        return str(Metric(self.metric).label)


def slice_key_of(
    *,
    unit_id: int | None,
    person_id: int | None,
    product_line_id: int | None = None,
    region_id: int | None = None,
    segment_id: int | None = None,
) -> str:
    """The text key of a slice: "u12", "p7/pl3/r-/s2" style, one per subject and dimensions."""
    subject = f"u{unit_id}" if unit_id is not None else f"p{person_id}"

    def part(prefix: str, value: int | None) -> str:
        return f"{prefix}{value if value is not None else '-'}"

    return "/".join(
        [subject, part("pl", product_line_id), part("r", region_id), part("s", segment_id)]
    )


class TargetPeriod(models.Model):
    """A target's share of one calendar month (yyyymm); the months add up to the target exactly."""

    # No index of its own: the unique (target, month) index serves every lookup by target,
    # and one index less makes writing a year's months (12 rows a target) faster.
    target = models.ForeignKey(
        Target,
        verbose_name=_("target"),
        on_delete=models.CASCADE,
        related_name="periods",
        db_index=False,
    )
    month = models.PositiveIntegerField(_("month"), help_text="yyyymm")
    amount = models.BigIntegerField(_("amount"), null=True, blank=True)
    level = level_field()

    class Meta:
        verbose_name = _("monthly target")
        verbose_name_plural = _("monthly targets")
        ordering = ["target", "month"]
        constraints = [
            models.UniqueConstraint(fields=["target", "month"], name="target_period_once_a_month"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="target_period_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_id}@{self.month}"


class SeasonalityProfile(TimeStampedModel):
    """Twelve monthly weights (fractions of 1, in fiscal order) that phase a plan's targets.

    A profile may be for one metric and one product line; the most specific one
    that fits a target is used.
    """

    plan = models.ForeignKey(
        TargetPlan,
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        related_name="seasonality_profiles",
    )
    metric = models.CharField(_("metric"), max_length=30, choices=Metric.choices, blank=True)
    product_line = models.ForeignKey(
        "organization.ProductLine",
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(
        pgettext_lazy("where a seasonality profile comes from", "source"),
        max_length=20,
        choices=SeasonalitySource.choices,
    )
    weights = models.JSONField(_("weights"), default=list)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("seasonality profile")
        verbose_name_plural = _("seasonality profiles")
        ordering = ["plan", "metric", "product_line"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "metric"],
                condition=Q(product_line__isnull=True),
                name="seasonality_one_per_plan_and_metric",
            ),
            models.UniqueConstraint(
                fields=["plan", "metric", "product_line"],
                condition=Q(product_line__isnull=False),
                name="seasonality_one_per_plan_metric_and_product_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.metric or '*'}/{self.product_line_id or '*'}"

    @property
    def weight_values(self) -> tuple[Decimal, ...]:
        return tuple(Decimal(str(weight)) for weight in self.weights)


class TargetProposal(models.Model):
    """A target proposed to its recipient (the person, or the unit's manager) for an answer."""

    plan = models.ForeignKey(
        TargetPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="proposals"
    )
    target = models.ForeignKey(
        Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="proposals"
    )
    parent = models.ForeignKey(
        Target,
        verbose_name=_("allocated from"),
        on_delete=models.CASCADE,
        related_name="published_proposals",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    proposed_amount = models.BigIntegerField(_("proposed amount"), null=True, blank=True)
    proposed_level = models.DecimalField(
        _("proposed level"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("proposed"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("decided"), null=True, blank=True)
    final_amount = models.BigIntegerField(_("agreed amount"), null=True, blank=True)
    final_level = models.DecimalField(
        _("agreed level"), max_digits=14, decimal_places=4, null=True, blank=True
    )

    class Meta:
        verbose_name = _("target proposal")
        verbose_name_plural = _("target proposals")
        ordering = ["-published_at", "pk"]
        indexes = [
            models.Index(fields=["plan", "status"]),
            models.Index(fields=["parent", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.target_id}: {self.get_status_display()}"


class Counterproposal(models.Model):
    """A recipient's answer with another number and the reason for it."""

    proposal = models.ForeignKey(
        TargetProposal,
        verbose_name=_("proposal"),
        on_delete=models.CASCADE,
        related_name="counters",
    )
    amount = models.BigIntegerField(_("amount"), null=True, blank=True)
    level = level_field()
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=20, choices=CounterStatus.choices, default=CounterStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("counter-proposal")
        verbose_name_plural = _("counter-proposals")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="counterproposal_amount_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.amount if self.amount is not None else self.level}"


class TargetMessage(models.Model):
    """One line of the negotiation thread kept on a target."""

    target = models.ForeignKey(
        Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="messages"
    )
    proposal = models.ForeignKey(
        TargetProposal,
        verbose_name=_("proposal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("text"), blank=True)
    amount = models.BigIntegerField(_("amount"), null=True, blank=True)
    level = level_field()
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("negotiation message")
        verbose_name_plural = _("negotiation messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.target_id}: {self.get_kind_display()}"
