"""Choices shared by every app: roles and metrics."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person does in SalesAlign; decides what they may see and edit."""

    ADMIN = "admin", _("Administrator")
    EXECUTIVE = "executive", _("Executive")
    MANAGER = "manager", _("Sales manager")
    SALESPERSON = "salesperson", _("Salesperson")
    HR = "hr", _("HR / trainer")


#: Roles that see the whole company.
COMPANY_WIDE_ROLES = frozenset({Role.ADMIN, Role.EXECUTIVE, Role.HR})


class Metric(models.TextChoices):
    """What is counted. Goals, targets and KPIs refer to the same metrics."""

    REVENUE = "revenue", _("Revenue")
    REVENUE_GROWTH = "revenue_growth", _("Revenue growth")
    GROSS_PROFIT = "gross_profit", _("Gross profit")
    ORDER_COUNT = "order_count", _("Order count")
    NEW_CUSTOMERS = "new_customers", _("New customers")
    CUSTOMER_SATISFACTION = "customer_satisfaction", _("Customer satisfaction")
    MARKET_SHARE = "market_share", _("Market share")
    CUSTOM = "custom", _("Custom")
