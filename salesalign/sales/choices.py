from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OrderStatus(models.TextChoices):
    """A won order counts; a cancelled one does not; a return subtracts (negative amounts)."""

    WON = "won", _("Won")
    CANCELLED = "cancelled", _("Cancelled")
    RETURNED = "returned", _("Return")


class SurveyScale(models.TextChoices):
    """How a satisfaction score was asked."""

    FIVE_POINT = "five", _("1–5 stars")
    NPS = "nps", _("0–10 (NPS)")


class SurveyChannel(models.TextChoices):
    """Where a satisfaction answer came from."""

    LINK = "link", _("Survey link")
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Visit")
    EMAIL = "email", pgettext_lazy("a survey channel", "Email")
    IMPORT = "import", _("Import")
    API = "api", _("API")
