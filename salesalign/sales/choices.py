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


#: A scale as a remark after a score, "8 (NPS 0–10)": the choice labels have parentheses of
#: their own, which a remark in parentheses would double.
SCALE_REMARKS = {SurveyScale.FIVE_POINT: _("1–5 stars"), SurveyScale.NPS: _("NPS 0–10")}


class SurveyChannel(models.TextChoices):
    """Where a satisfaction answer came from."""

    LINK = "link", _("Survey link")
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Visit")
    EMAIL = "email", pgettext_lazy("a survey channel", "Email")
    IMPORT = "import", _("Import")
    API = "api", _("API")


#: The sources SalesAlign itself gives orders and customers, said in words: typed on a page
#: (`services.MANUAL_SOURCE`), written by the demo (`demo.SOURCE`), sent through the API
#: without naming a source. Any other source is the name an import gave it (an ERP's).
SOURCE_LABELS = {
    "manual": pgettext_lazy("where an order comes from", "Entered by hand"),
    "demo": pgettext_lazy("where an order comes from", "Demo data"),
    "api": pgettext_lazy("where an order comes from", "Through the API"),
}


def source_label(source: str) -> str:
    """A source as the pages name it: a known one in the reader's language, any other as
    it was given ("SAP ERP")."""
    label = SOURCE_LABELS.get(source)
    return str(label) if label is not None else source
