from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategyConfig(AppConfig):
    name = "salesalign.strategy"
    label = "strategy"
    verbose_name = _("Strategy")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from salesalign.strategy import models

        auditlog.register(models.StrategyEdition)
        auditlog.register(models.CoreValue)
        auditlog.register(models.StrategicGoal)
        auditlog.register(models.TacticalGoal, m2m_fields={"strategic_goals"})
        auditlog.register(models.StrategyDocument, m2m_fields={"audience_units"})
        auditlog.register(models.DocumentAttachment)
        auditlog.register(models.DocumentQuestion)
        auditlog.register(models.DocumentConfirmation)
