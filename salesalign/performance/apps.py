from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PerformanceConfig(AppConfig):
    name = "salesalign.performance"
    label = "performance"
    verbose_name = _("Performance")

    def ready(self) -> None:
        from salesalign.core.audit import audit_register
        from salesalign.performance import models

        audit_register(models.EvaluationPeriod)
        audit_register(models.PeriodReopening)
        audit_register(models.Feedback)
        audit_register(models.FeedbackRound)
        audit_register(models.RoundQuestion)
        audit_register(models.ImprovementAction)
        audit_register(models.Retrospective)
        audit_register(models.IncentivePlan)
        audit_register(models.Statement)
        audit_register(models.StatementLine)
        audit_register(models.ScorecardTemplate)
        audit_register(models.TemplateKpi)
        audit_register(models.Kpi)
        audit_register(models.ManagerRating)
        audit_register(models.Scorecard)
        audit_register(models.PromotionRule)
        audit_register(models.PromotionCandidate)
        audit_register(models.ImprovementRule)
        audit_register(models.ImprovementPlan)
        audit_register(models.CoachingSession)
        # RoundInvitation and RoundAnswer are never audited: a log entry names its actor and
        # time, and the time an invitation was answered is enough to link an answer to a name.
