from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "salesalign.targets"
    label = "targets"
    verbose_name = _("Targets")

    def ready(self) -> None:
        from salesalign.core.audit import audit_register
        from salesalign.targets import models

        audit_register(models.TargetPlan)
        audit_register(models.Target)
        audit_register(models.SeasonalityProfile)
        audit_register(models.AllocationRun)
        audit_register(models.TargetProposal)
        audit_register(models.Counterproposal)
        audit_register(models.TargetMessage)
