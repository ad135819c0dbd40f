from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationConfig(AppConfig):
    name = "salesalign.organization"
    label = "organization"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from salesalign.core.audit import audit_register
        from salesalign.organization import models

        for model in (
            models.OrgUnit,
            models.Person,
            models.ProductLine,
            models.Region,
            models.CustomerSegment,
        ):
            audit_register(model)
