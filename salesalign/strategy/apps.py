from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategyConfig(AppConfig):
    name = "salesalign.strategy"
    label = "strategy"
    verbose_name = _("Strategy")

    def ready(self) -> None:
        from salesalign.core.audit import audit_register
        from salesalign.strategy import models

        audit_register(models.StrategyEdition)
        audit_register(models.CoreValue)
        audit_register(models.StrategicGoal)
        audit_register(models.TacticalGoal, m2m_fields=["strategic_goals"])
        audit_register(models.StrategyDocument, m2m_fields=["audience_units"])
        audit_register(models.DocumentAttachment)
        audit_register(models.DocumentQuestion)
        audit_register(models.DocumentConfirmation)
