from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
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

        post_migrate.connect(_totals_for_the_fiscal_year, sender=self)


def _totals_for_the_fiscal_year(*, using: str, **kwargs: Any) -> None:
    """After `migrate`: the yearly totals' triggers follow FISCAL_YEAR_START_MONTH."""
    from salesalign.sales import totals

    totals.ensure_installed(using=using)
