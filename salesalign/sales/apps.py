from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "salesalign.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from salesalign.core.audit import audit_register

        from . import models

        audit_register(models.ExchangeRate)
        audit_register(models.Customer)
        audit_register(models.SatisfactionResponse)
