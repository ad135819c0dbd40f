"""Step 3 of the method (measure and reward): evaluation periods, feedback, 360° rounds,
improvement actions and unit retrospectives.

An `EvaluationPeriod` is the month, quarter or fiscal year people are measured
on. It is opened, closed (the place where scorecards will be computed and
frozen) and published to employees; reopening needs a reason, is kept as a
`PeriodReopening` and bumps the period's `version`.

Visibility is decided by each queryset's `visible_to(user)`, used by every
page, API endpoint and notification:

- a person sees their own feedback, rounds and actions (manager feedback only
  once it is submitted and the period published);
- a manager sees the people of the units they manage (never their own records
  through that door), executives, HR and admins the whole company;
- 360° answers are never visible as rows to anyone: `RoundAnswer` has no link
  to its respondent and no time, and only aggregates leave the app.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesalign.core.choices import Metric, Role
from salesalign.core.models import BilingualNameModel, TimeStampedModel
from salesalign.core.visibility import scope_for
from salesalign.engines.periods import Period, parse_period_key
from salesalign.performance.choices import (
    CLOSED_STATUSES,
    ActionStatus,
    CandidateStatus,
    FeedbackKind,
    FeedbackStatus,
    KpiDirection,
    KpiKind,
    KpiUnit,
    PeriodKind,
    PeriodStatus,
    PlanOutcome,
    Relationship,
    RoundStatus,
    SessionState,
)

#: The lowest and highest rating on every 1–5 scale of this app.
RATING_MIN = 1
RATING_MAX = 5


def _in_units(field: str, paths: tuple[str, ...]) -> Q:
    """Rows whose `field` unit lies inside one of the subtrees `paths`."""
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{field}__path__startswith": path})
    return condition


def _others(user: Any, *, person_field: str, unit_field: str) -> Q | None:
    """Other people's rows the user may see through their role: everything (company-wide
    roles) or the subtrees they manage. Never their own rows: those follow the own-row rule.
    None when the user sees nothing at all."""
    scope = scope_for(user)
    if scope.nothing:
        return None
    mine = ~Q(**{person_field: scope.person_id}) if scope.person_id is not None else Q()
    if scope.everything:
        return mine
    return _in_units(unit_field, scope.unit_paths) & mine


# --- evaluation periods --------------------------------------------------------------------


class EvaluationPeriodQuerySet(models.QuerySet["EvaluationPeriod"]):
    def visible_to(self, user: Any) -> EvaluationPeriodQuerySet:
        """Periods are read by the company's people; a login without a person reads none."""
        if scope_for(user).nothing:
            return self.none()
        return self

    def closed(self) -> EvaluationPeriodQuerySet:
        return self.filter(status__in=CLOSED_STATUSES)


class EvaluationPeriod(TimeStampedModel):
    """A month, fiscal quarter or fiscal year people are evaluated on: open → closed → published.

    `version` counts the computations: it starts at 1 and each reopening adds one,
    so the next close writes results of a new version (the old ones stay readable).
    """

    kind = models.CharField(_("kind"), max_length=20, choices=PeriodKind.choices)
    key = models.CharField(_("period"), max_length=10, help_text="2026, 2026-Q1 or 2026-03")
    fiscal_year = models.PositiveIntegerField(_("fiscal year"))
    fiscal_start_month = models.PositiveSmallIntegerField(
        _("first month of the fiscal year"), default=1
    )
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    status = models.CharField(
        _("status"), max_length=20, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closing_since = models.DateTimeField(
        _("closing since"),
        null=True,
        blank=True,
        help_text=_("Set while a worker computes the close in the background."),
    )
    close_error = models.TextField(_("why the last close failed"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = EvaluationPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation period")
        verbose_name_plural = _("evaluation periods")
        ordering = ["-start", "-end", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "start"], name="evaluation_period_one_per_kind_and_start"
            ),
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="evaluation_period_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="evaluation_period_version_from_one"
            ),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def is_open(self) -> bool:
        return self.status == PeriodStatus.OPEN

    @property
    def is_closed(self) -> bool:
        """Closed or published: its results exist and do not change silently."""
        return self.status in CLOSED_STATUSES

    @property
    def is_published(self) -> bool:
        return self.status == PeriodStatus.PUBLISHED

    @property
    def closes_from(self) -> date:
        """The first day it may be closed: the day after its last."""
        return self.end + timedelta(days=1)

    @property
    def may_close_now(self) -> bool:
        """Open and over (today, the server's local date, is after its last day)."""
        return self.is_open and timezone.localdate() >= self.closes_from

    @property
    def engine_period(self) -> Period:
        """The same span as the engines know it (for actuals and, later, scorecards)."""
        return parse_period_key(self.key, self.fiscal_start_month)


class PeriodReopening(models.Model):
    """One reopening of a closed period: which version it ended, who, when and why."""

    period = models.ForeignKey(
        EvaluationPeriod,
        verbose_name=_("period"),
        on_delete=models.CASCADE,
        related_name="reopenings",
    )
    version = models.PositiveIntegerField(_("version reopened"))
    previous_status = models.CharField(
        _("status before"), max_length=20, choices=PeriodStatus.choices
    )
    reason = models.TextField(_("reason"))
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reopened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reopened_at = models.DateTimeField(_("reopened"), auto_now_add=True)

    class Meta:
        verbose_name = _("period reopening")
        verbose_name_plural = _("period reopenings")
        ordering = ["-reopened_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.period_id} v{self.version}"


# --- feedback ------------------------------------------------------------------------------


class FeedbackQuerySet(models.QuerySet["Feedback"]):
    def visible_to(self, user: Any) -> FeedbackQuerySet:
        """Own self-assessments always; manager feedback to oneself once submitted and the
        period published; what one wrote; other people's manager feedback and submitted
        self-assessments in one's scope (managed units, or everything for company-wide roles).
        """
        others = _others(user, person_field="person_id", unit_field="person__unit")
        if others is None:
            return self.none()
        person_id = scope_for(user).person_id
        condition = others & (
            Q(kind=FeedbackKind.MANAGER)
            | Q(kind=FeedbackKind.SELF, status=FeedbackStatus.SUBMITTED)
        )
        if person_id is not None:
            condition |= Q(person_id=person_id, kind=FeedbackKind.SELF)
            condition |= Q(
                person_id=person_id,
                kind=FeedbackKind.MANAGER,
                status=FeedbackStatus.SUBMITTED,
                period__status=PeriodStatus.PUBLISHED,
            )
            condition |= Q(author_id=person_id)
        return self.filter(condition)


class Feedback(TimeStampedModel):
    """Manager feedback to a person, or the person's self-assessment, for a closed period.

    One of each per person and period. A draft is seen by its author (and, for
    manager feedback, by the person's other managers and HR); the person reads
    their manager's feedback once it is submitted and the period is published.
    """

    period = models.ForeignKey(
        EvaluationPeriod, verbose_name=_("period"), on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        "organization.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="performance_feedback",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FeedbackKind.choices)
    author = models.ForeignKey(
        "organization.Person",
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rating = models.PositiveSmallIntegerField(
        _("overall rating"), null=True, blank=True, help_text=_("1 (poor) to 5 (excellent)")
    )
    went_well = models.TextField(_("what went well"), blank=True)
    to_improve = models.TextField(_("what to improve"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=FeedbackStatus.choices, default=FeedbackStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["period", "person", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "person", "kind"], name="feedback_one_of_each_per_period"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True)
                | (Q(rating__gte=RATING_MIN) & Q(rating__lte=RATING_MAX)),
                name="feedback_rating_one_to_five",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_id}/{self.person_id}/{self.kind}"

    @property
    def is_submitted(self) -> bool:
        return self.status == FeedbackStatus.SUBMITTED


# --- 360° feedback -------------------------------------------------------------------------


class FeedbackRoundQuerySet(models.QuerySet["FeedbackRound"]):
    def visible_to(self, user: Any) -> FeedbackRoundQuerySet:
        """One's own rounds (results as aggregates only) and the rounds of people in scope."""
        others = _others(user, person_field="person_id", unit_field="person__unit")
        if others is None:
            return self.none()
        person_id = scope_for(user).person_id
        condition = others
        if person_id is not None:
            condition |= Q(person_id=person_id)
        return self.filter(condition)


class FeedbackRound(TimeStampedModel):
    """A 360° round about one person for one period: questions, invitations, anonymous answers."""

    person = models.ForeignKey(
        "organization.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="feedback_rounds",
    )
    period = models.ForeignKey(
        EvaluationPeriod, verbose_name=_("period"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = FeedbackRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("360° feedback round")
        verbose_name_plural = _("360° feedback rounds")
        ordering = ["-period__start", "person", "pk"]
        constraints = [
            # A second round on the same person and period would let a reader subtract one
            # set of aggregates from the other.
            models.UniqueConstraint(
                fields=["person", "period"], name="feedback_round_one_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id}/{self.period_id}"

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN


class RoundQuestion(models.Model):
    """One rating question (1–5) of a round's questionnaire."""

    round = models.ForeignKey(
        FeedbackRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("question"), max_length=300)

    class Meta:
        verbose_name = _("360° question")
        verbose_name_plural = _("360° questions")
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "position"], name="round_question_position")
        ]

    def __str__(self) -> str:
        return self.text


class RoundInvitation(models.Model):
    """A person asked to answer a round, and whether they did — never what they answered.

    No `updated_at` and no audit trail on purpose: the moment an invitation turns
    answered must not be recorded anywhere.
    """

    round = models.ForeignKey(
        FeedbackRound,
        verbose_name=_("round"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    respondent = models.ForeignKey(
        "organization.Person",
        verbose_name=_("respondent"),
        on_delete=models.CASCADE,
        related_name="feedback_invitations",
    )
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    invited_at = models.DateTimeField(_("invited"), auto_now_add=True)
    answered = models.BooleanField(_("has answered"), default=False)

    class Meta:
        verbose_name = _("360° invitation")
        verbose_name_plural = _("360° invitations")
        ordering = ["round", "relationship", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "respondent"], name="round_invitation_once_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.respondent_id}"


class RoundAnswer(models.Model):
    """One anonymous answer: the respondent's group, a score per question, a comment.

    Deliberately without a respondent, a timestamp or a sequential id (the key is a
    random UUID), so nothing stored links it to the invitation it came from. When
    the round closes, groups too small to be shown are rewritten to "others", so
    the stored rows are no finer than what the results show.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(
        FeedbackRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="answers"
    )
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    scores = models.JSONField(_("scores"), default=dict)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("360° answer")
        verbose_name_plural = _("360° answers")
        ordering = ["round", "id"]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.relationship}"


# --- improvement actions and retrospectives ------------------------------------------------


class RetrospectiveQuerySet(models.QuerySet["Retrospective"]):
    def visible_to(self, user: Any) -> RetrospectiveQuerySet:
        """Retrospectives of the units in the user's scope (managers: the units they manage)."""
        scope = scope_for(user)
        if scope.nothing:
            return self.none()
        if scope.everything:
            return self
        return self.filter(_in_units("unit", scope.unit_paths))


class Retrospective(TimeStampedModel):
    """A unit's look back at a closed quarter: what worked, what did not (actions are linked)."""

    unit = models.ForeignKey(
        "organization.OrgUnit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="retrospectives",
    )
    period = models.ForeignKey(
        EvaluationPeriod, verbose_name=_("quarter"), on_delete=models.PROTECT, related_name="+"
    )
    what_worked = models.TextField(_("what worked"), blank=True)
    what_did_not = models.TextField(_("what did not work"), blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RetrospectiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("retrospective")
        verbose_name_plural = _("retrospectives")
        ordering = ["-period__start", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="retrospective_one_per_quarter")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.period_id}"


class ImprovementActionQuerySet(models.QuerySet["ImprovementAction"]):
    def visible_to(self, user: Any) -> ImprovementActionQuerySet:
        """Actions one owns or that are about oneself; those about people and units in scope."""
        scope = scope_for(user)
        if scope.nothing:
            return self.none()
        if scope.everything:
            return self
        condition = _in_units("person__unit", scope.unit_paths) | _in_units(
            "unit", scope.unit_paths
        )
        if scope.person_id is not None:
            condition |= Q(owner_id=scope.person_id) | Q(person_id=scope.person_id)
        return self.filter(condition)


class ImprovementAction(TimeStampedModel):
    """Something to do, by an owner before a date, that came from feedback, a 360° round or a
    unit's retrospective (exactly one of them)."""

    title = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        "organization.Person",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="improvement_actions",
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    feedback = models.ForeignKey(
        Feedback,
        verbose_name=_("feedback"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="actions",
    )
    round = models.ForeignKey(
        FeedbackRound,
        verbose_name=_("360° round"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="actions",
    )
    retrospective = models.ForeignKey(
        Retrospective,
        verbose_name=_("retrospective"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="actions",
    )
    # Who or what the action is about, copied from its source (for visibility and lists).
    person = models.ForeignKey(
        "organization.Person",
        verbose_name=_("about"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "organization.OrgUnit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_notified_on = models.DateField(_("due reminder sent"), null=True, blank=True)

    objects = ImprovementActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["status", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(feedback__isnull=False)
                    & Q(round__isnull=True)
                    & Q(retrospective__isnull=True)
                )
                | (
                    Q(feedback__isnull=True)
                    & Q(round__isnull=False)
                    & Q(retrospective__isnull=True)
                )
                | (
                    Q(feedback__isnull=True)
                    & Q(round__isnull=True)
                    & Q(retrospective__isnull=False)
                ),
                name="improvement_action_has_one_source",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == ActionStatus.OPEN


def _results_visible(user: Any) -> Q:
    """Scorecards and statements a user who does not see everything may read.

    Their own once the period is published; the rows of the units they manage
    (whatever the status: managers review before publishing).
    """
    scope = scope_for(user)
    if scope.nothing:
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    if scope.person_id is not None:
        condition |= Q(person_id=scope.person_id, period__status=PeriodStatus.PUBLISHED)
    if scope.unit_paths:
        condition |= _in_units("unit", scope.unit_paths)
    return condition


# --- KPIs and scorecard templates ----------------------------------------------------------


class Kpi(BilingualNameModel, TimeStampedModel):
    """A KPI of the library: a metric with actuals, a formula over metrics, or a manager's rating.

    The standard ones (revenue, gross profit, order count, new customers, customer
    satisfaction, gross margin) are made by a migration and cannot be deleted;
    companies add their own. `engines.scoring.KpiDefinition` is what the engine
    sees (`performance.services.scorecards.kpi_definition`).
    """

    key = models.SlugField(_("key"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=KpiKind.choices)
    metric = models.CharField(_("metric"), max_length=30, choices=Metric.choices, blank=True)
    formula = models.CharField(
        _("formula"), max_length=200, blank=True, help_text=_("e.g. gross_profit / revenue * 100")
    )
    direction = models.CharField(
        _("direction"), max_length=20, choices=KpiDirection.choices, default=KpiDirection.HIGHER
    )
    unit = models.CharField(
        pgettext_lazy("a unit of measure", "unit"), max_length=20, choices=KpiUnit.choices
    )
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=2)
    scale_min = models.DecimalField(
        _("lowest rating"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    scale_max = models.DecimalField(
        _("highest rating"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    is_standard = models.BooleanField(_("standard"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["-is_standard", "key"]

    def __str__(self) -> str:
        return self.display_name


class ScorecardTemplate(BilingualNameModel, TimeStampedModel):
    """KPIs with weights (100 % in all), a rule per KPI, rating bands and an optional forced
    distribution — for a role, or for the people of a unit's subtree (the most specific wins).

    `rating_bands`: [{"code": "S", "min_score": "120"}, …, {"code": "D", "min_score": null}],
    best first. `forced_distribution`: {"max_percent": {"S": "10", "A": "20"}, "scope": "all"}
    or null. `missing`: what a KPI without target or actual does (engines.scoring.MissingPolicy).
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    unit = models.ForeignKey(
        "organization.OrgUnit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Applies to the people of this unit and the units below it."),
    )
    rating_bands = models.JSONField(_("rating bands"), default=list)
    forced_distribution = models.JSONField(_("forced distribution"), null=True, blank=True)
    missing = models.CharField(_("a KPI without numbers"), max_length=20, default="exclude")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("scorecard template")
        verbose_name_plural = _("scorecard templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name


class TemplateKpi(models.Model):
    """One KPI on a template: its weight and scoring rule.

    `rule`: {"kind": "linear", "floor": "0", "cap": "120", "zero_below": null}, or
    {"kind": "bands", "bands": [{"from": "80", "score": "60"}, …]}; for lower-is-better
    KPIs also "inverse" and "max_attainment" (engines.scoring.ScorecardLine).
    """

    template = models.ForeignKey(
        ScorecardTemplate,
        verbose_name=_("template"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    kpi = models.ForeignKey(Kpi, verbose_name=_("KPI"), on_delete=models.PROTECT, related_name="+")
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)
    rule = models.JSONField(_("scoring rule"), default=dict)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("KPI of a template")
        verbose_name_plural = _("KPIs of a template")
        ordering = ["template", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["template", "kpi"], name="template_kpi_once")
        ]

    def __str__(self) -> str:
        return f"{self.template_id}: {self.kpi_id} {self.weight} %"


class ManagerRating(TimeStampedModel):
    """A manager's rating of a person on a rating KPI (e.g. teamwork) for a period."""

    period = models.ForeignKey(
        EvaluationPeriod, verbose_name=_("period"), on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        "organization.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    kpi = models.ForeignKey(Kpi, verbose_name=_("KPI"), on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("rating"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("manager rating")
        verbose_name_plural = _("manager ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "person", "kpi"], name="manager_rating_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_id} {self.person_id} {self.kpi_id}: {self.value}"


# --- scorecards: the frozen results of a close ---------------------------------------------


class ScorecardQuerySet(models.QuerySet["Scorecard"]):
    def visible_to(self, user: Any) -> ScorecardQuerySet:
        """A person: their own cards once the period is published. A manager: also every card
        of the units they manage (people's and the units'). Company-wide roles: everything."""
        return self.filter(_results_visible(user)) if not scope_for(user).everything else self


class Scorecard(models.Model):
    """One person's (or one unit's) scorecard of a period version, as the close computed it.

    A close writes every card of the period's current `version` in one transaction;
    a reopen + close writes the next version and keeps the old ones (what changed is a
    diff of two versions). `explanation` holds the engine's steps (codes and numbers).
    An override replaces the total score with a reason, audited.
    """

    period = models.ForeignKey(
        EvaluationPeriod,
        verbose_name=_("period"),
        on_delete=models.CASCADE,
        related_name="scorecards",
    )
    version = models.PositiveIntegerField(_("version"))
    person = models.ForeignKey(
        "organization.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "organization.OrgUnit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The person's unit at the end of the period, or the unit scored."),
    )
    template = models.ForeignKey(
        ScorecardTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="+"
    )
    total_score = models.DecimalField(
        _("total score"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    rating = models.CharField(_("rating"), max_length=10, blank=True)
    natural_rating = models.CharField(_("rating by the bands"), max_length=10, blank=True)
    team_rank = models.PositiveIntegerField(_("rank in the team"), null=True, blank=True)
    team_size = models.PositiveIntegerField(_("people in the team"), default=0)
    department_rank = models.PositiveIntegerField(
        _("rank in the department"), null=True, blank=True
    )
    department_size = models.PositiveIntegerField(_("people in the department"), default=0)
    weights_counted = models.DecimalField(
        _("weights counted (%)"), max_digits=5, decimal_places=2, default=100
    )
    explanation = models.JSONField(_("explanation"), default=list)
    override_score = models.DecimalField(
        _("overridden score"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    override_reason = models.TextField(_("why overridden"), blank=True)

    objects = ScorecardQuerySet.as_manager()

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "version", "person"],
                condition=Q(person__isnull=False),
                name="scorecard_one_per_person_and_version",
            ),
            models.UniqueConstraint(
                fields=["period", "version", "unit"],
                condition=Q(person__isnull=True),
                name="scorecard_one_per_unit_and_version",
            ),
        ]
        indexes = [models.Index(fields=["person", "period"])]

    def __str__(self) -> str:
        return f"{self.period_id} v{self.version} {self.person_id or self.unit_id}"


class ScorecardKpi(models.Model):
    """One KPI line of a scorecard: target, actual, attainment, score, weight, and its steps."""

    scorecard = models.ForeignKey(
        Scorecard, verbose_name=_("scorecard"), on_delete=models.CASCADE, related_name="kpis"
    )
    kpi = models.ForeignKey(Kpi, verbose_name=_("KPI"), on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    target = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    actual = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    attainment = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    weight = models.DecimalField(max_digits=5, decimal_places=2)
    weighted_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    explanation = models.JSONField(default=list)

    class Meta:
        ordering = ["scorecard", "position"]

    def __str__(self) -> str:
        return f"{self.scorecard_id} {self.kpi_id}: {self.score}"


# --- incentive plans and statements --------------------------------------------------------


class IncentivePlan(BilingualNameModel, TimeStampedModel):
    """A bonus / commission plan, for a role or a unit's subtree (the most specific wins).

    `definition` is the plan as engines.incentives.IncentivePlan reads it (components
    with tiers, multipliers, threshold, cap, gates, team scope, draw); the service
    validates it with `validate_plan` before saving, so a saved plan always computes.
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    unit = models.ForeignKey(
        "organization.OrgUnit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    definition = models.JSONField(_("definition"), default=dict)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("incentive plan")
        verbose_name_plural = _("incentive plans")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name


class StatementQuerySet(models.QuerySet["Statement"]):
    def visible_to(self, user: Any) -> StatementQuerySet:
        """As scorecards: own once published, managers their units', company-wide roles all."""
        return self.filter(_results_visible(user)) if not scope_for(user).everything else self


class Statement(TimeStampedModel):
    """One person's bonus statement of a period version: lines that add up to the total."""

    period = models.ForeignKey(
        EvaluationPeriod,
        verbose_name=_("period"),
        on_delete=models.CASCADE,
        related_name="statements",
    )
    version = models.PositiveIntegerField(_("version"))
    person = models.ForeignKey(
        "organization.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "organization.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    plan = models.ForeignKey(
        IncentivePlan,
        verbose_name=pgettext_lazy("an incentive plan", "plan"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    total_cents = models.BigIntegerField(_("total"))
    computed = models.JSONField(_("how it was computed"), default=dict)

    objects = StatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "version", "person"], name="statement_one_per_person_and_version"
            )
        ]
        indexes = [models.Index(fields=["person", "period"])]

    def __str__(self) -> str:
        return f"{self.period_id} v{self.version} {self.person_id}: {self.total_cents / 100:.2f}"


class StatementLine(models.Model):
    """One line: a component's tier, a gate, a cap, a draw — or an adjustment with its reason."""

    statement = models.ForeignKey(
        Statement, verbose_name=_("statement"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveIntegerField(default=0)
    component = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=40)
    base_cents = models.BigIntegerField(default=0)
    rate = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    amount_cents = models.BigIntegerField()
    details = models.JSONField(default=dict)  # params and orders (engines.incentives.StatementLine)
    reason = models.TextField(blank=True)  # adjustments
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["statement", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.code}: {self.amount_cents / 100:.2f}"


class StatementQuestion(TimeStampedModel):
    """A salesperson's question on their statement and the manager's answer."""

    statement = models.ForeignKey(
        Statement, verbose_name=_("statement"), on_delete=models.CASCADE, related_name="questions"
    )
    line = models.ForeignKey(
        StatementLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["statement", "created_at"]

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.question[:40]}"


# --- promotion and improvement -----------------------------------------------------------------


class PromotionRule(BilingualNameModel, TimeStampedModel):
    """ "Rating A or better in 3 of the last 4 quarters": who is put forward for promotion.

    `ratings` lists the rating codes that count (e.g. ["S", "A"]); a person with at
    least `required` of them among their last `of_last` closed periods of `period_kind`
    becomes a candidate when a period of that kind closes. `role` limits the rule
    to people of one role (blank: everyone scored).
    """

    ratings = models.JSONField(_("ratings that count"), default=list)
    required = models.PositiveSmallIntegerField(_("periods needed"))
    of_last = models.PositiveSmallIntegerField(_("out of the last"))
    period_kind = models.CharField(
        _("kind of period"), max_length=20, choices=PeriodKind.choices, default=PeriodKind.QUARTERLY
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("promotion rule")
        verbose_name_plural = _("promotion rules")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(required__gte=1) & Q(of_last__gte=models.F("required")),
                name="promotion_rule_needs_at_most_what_it_looks_at",
            )
        ]


class PromotionCandidateQuerySet(models.QuerySet["PromotionCandidate"]):
    def visible_to(self, user: Any) -> PromotionCandidateQuerySet:
        """Managers see the candidates of their units, company-wide roles all; never oneself."""
        others = _others(user, person_field="person_id", unit_field="person__unit")
        return self.none() if others is None else self.filter(others)


class PromotionCandidate(TimeStampedModel):
    """A person a rule put forward when `period` closed, with the ratings that did it."""

    rule = models.ForeignKey(
        PromotionRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="candidates"
    )
    person = models.ForeignKey(
        "organization.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    period = models.ForeignKey(
        EvaluationPeriod, verbose_name=_("period"), on_delete=models.CASCADE, related_name="+"
    )
    evidence = models.JSONField(_("ratings"), default=list)  # [{"period": key, "rating": code}]
    status = models.CharField(
        _("decision"),
        max_length=20,
        choices=CandidateStatus.choices,
        default=CandidateStatus.PENDING,
    )
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = PromotionCandidateQuerySet.as_manager()

    class Meta:
        verbose_name = _("promotion candidate")
        verbose_name_plural = _("promotion candidates")
        ordering = ["-period__start", "person__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "person", "period"], name="promotion_candidate_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} ({self.rule_id}, {self.period_id})"


class ImprovementRule(TimeStampedModel):
    """Who is flagged for an improvement plan: below a total score (or with one of the
    `ratings`) in `consecutive` closed periods of `period_kind` in a row."""

    below_score = models.DecimalField(
        _("total score below"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    ratings = models.JSONField(_("or one of these ratings"), default=list, blank=True)
    consecutive = models.PositiveSmallIntegerField(_("periods in a row"), default=2)
    period_kind = models.CharField(
        _("kind of period"), max_length=20, choices=PeriodKind.choices, default=PeriodKind.QUARTERLY
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("improvement rule")
        verbose_name_plural = _("improvement rules")

    def __str__(self) -> str:
        return f"{self.below_score} / {self.ratings} × {self.consecutive}"


class ImprovementPlanQuerySet(models.QuerySet["ImprovementPlan"]):
    def visible_to(self, user: Any) -> ImprovementPlanQuerySet:
        """The person sees their own plan; managers their units' people's; company-wide all."""
        scope = scope_for(user)
        if scope.nothing:
            return self.none()
        if scope.everything:
            return self
        condition = _in_units("person__unit", scope.unit_paths)
        if scope.person_id is not None:
            condition |= Q(person_id=scope.person_id)
        return self.filter(condition)


class ImprovementPlan(TimeStampedModel):
    """A plan for someone below the threshold: goals, coaching, training, reviews, an outcome."""

    person = models.ForeignKey(
        "organization.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="improvement_plans",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("why"), blank=True)
    evidence = models.JSONField(_("scores that flagged it"), default=list, blank=True)
    goals = models.TextField(_("goals"))
    training = models.TextField(
        _("training to take"), blank=True, help_text=_("Courses, one per line.")
    )
    starts_on = models.DateField(_("starts"))
    review_on = models.DateField(_("next review"))
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=PlanOutcome.choices, default=PlanOutcome.OPEN
    )
    outcome_note = models.TextField(_("outcome note"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = ImprovementPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("improvement plan")
        verbose_name_plural = _("improvement plans")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_on__gte=models.F("starts_on")),
                name="improvement_plan_review_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.starts_on}"

    @property
    def is_running(self) -> bool:
        return self.outcome in (PlanOutcome.OPEN, PlanOutcome.EXTENDED)


class CoachingSession(TimeStampedModel):
    """A coaching session of an improvement plan: planned ahead (a date, an agenda), then
    recorded once held (what was said and agreed). Without notes it has not been written up."""

    plan = models.ForeignKey(
        ImprovementPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="sessions"
    )
    held_on = models.DateField(_("date"))
    agenda = models.TextField(_("agenda"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coach"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("coaching session")
        verbose_name_plural = _("coaching sessions")
        ordering = ["plan", "held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.held_on}"

    def state_on(self, today: date) -> str:
        """Held (it has notes); planned (today or later); to record (past, no notes yet, the
        plan still running); or not held (no notes, and the plan closed without them)."""
        if self.notes:
            return SessionState.HELD
        if not self.plan.is_running:
            return SessionState.NOT_HELD
        return SessionState.PLANNED if self.held_on >= today else SessionState.TO_RECORD
