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
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from salesalign.core.models import TimeStampedModel
from salesalign.core.visibility import scope_for
from salesalign.engines.periods import Period, parse_period_key
from salesalign.performance.choices import (
    CLOSED_STATUSES,
    ActionStatus,
    FeedbackKind,
    FeedbackStatus,
    PeriodKind,
    PeriodStatus,
    Relationship,
    RoundStatus,
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
