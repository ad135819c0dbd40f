"""Choices of the performance app: periods, feedback, 360° rounds and improvement actions."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesalign.engines.periods import PeriodKind as EnginePeriodKind


class PeriodKind(models.TextChoices):
    """How long an evaluation period is."""

    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    ANNUAL = "annual", _("Annual")


#: The engines' name of each kind (periods.py computes the boundaries).
ENGINE_KIND: dict[str, EnginePeriodKind] = {
    PeriodKind.MONTHLY: EnginePeriodKind.MONTH,
    PeriodKind.QUARTERLY: EnginePeriodKind.QUARTER,
    PeriodKind.ANNUAL: EnginePeriodKind.YEAR,
}


class PeriodStatus(models.TextChoices):
    """open → closed (results computed, frozen) → published (employees see them)."""

    OPEN = "open", pgettext_lazy("evaluation period", "Open")
    CLOSED = "closed", _("Closed")
    PUBLISHED = "published", _("Published")


#: Periods whose results exist: feedback and retrospectives are written for them.
CLOSED_STATUSES = frozenset({PeriodStatus.CLOSED, PeriodStatus.PUBLISHED})


class FeedbackKind(models.TextChoices):
    """Who writes: the person's manager, or the person about themselves."""

    MANAGER = "manager", _("Manager feedback")
    SELF = "self", _("Self-assessment")


class FeedbackStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class RoundStatus(models.TextChoices):
    """A 360° round collects answers while open; its results exist only once closed."""

    OPEN = "open", _("Collecting answers")
    CLOSED = "closed", _("Closed")


class Relationship(models.TextChoices):
    """How a respondent knows the person. `OTHERS` pools groups too small to be shown."""

    PEER = "peer", _("Peers")
    MANAGER = "manager", _("Managers")
    OTHER_DEPARTMENT = "other_department", _("Colleagues from other departments")
    OTHERS = "others", _("Others")


#: What an inviter may choose (OTHERS is only the pool of small groups).
INVITED_RELATIONSHIPS = (Relationship.PEER, Relationship.MANAGER, Relationship.OTHER_DEPARTMENT)


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class KpiKind(models.TextChoices):
    """Where a KPI's actual comes from (engines.scoring.KpiKind)."""

    METRIC = "metric", _("A metric of the sales records")
    FORMULA = "formula", _("A formula over metrics")
    RATING = "rating", _("A manager's rating")


class KpiDirection(models.TextChoices):
    """engines.scoring.Direction."""

    HIGHER = "higher_is_better", _("Higher is better")
    LOWER = "lower_is_better", _("Lower is better")


class KpiUnit(models.TextChoices):
    """How a KPI's values read (engines.scoring.Unit); money is in cents."""

    CURRENCY = "currency", _("Money")
    COUNT = "count", _("Count")
    PERCENT = "percent", _("Percent")
    RATING = "rating", _("Rating")
    DAYS = "days", _("Days")
    NUMBER = "number", _("Number")


class CandidateStatus(models.TextChoices):
    """A promotion candidate waits for managers and HR to decide."""

    PENDING = "pending", _("To decide")
    PROMOTED = "promoted", _("Promoted")
    NOT_NOW = "not_now", _("Not now")


class PlanOutcome(models.TextChoices):
    """Where an improvement plan stands: running, or how it ended."""

    OPEN = "open", pgettext_lazy("improvement plan", "Running")
    EXTENDED = "extended", _("Extended")
    COMPLETED = "completed", _("Completed")
    ENDED = "ended", _("Ended without success")


#: Outcomes that close a plan.
PLAN_CLOSED = frozenset({PlanOutcome.COMPLETED, PlanOutcome.ENDED})


class SessionState(models.TextChoices):
    """Where a coaching session stands, worked out from its date, its notes and its plan
    (never stored): planned ahead, held but not written up yet, held, or never held."""

    PLANNED = "planned", pgettext_lazy("coaching session", "Planned")
    TO_RECORD = "to_record", _("To record")
    HELD = "held", pgettext_lazy("coaching session", "Held")
    NOT_HELD = "not_held", _("Not held")
