"""Reads of seasonality profiles for the seasonality page: each profile's twelve months."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from salesalign.core.choices import Metric
from salesalign.core.templatetags.punctuation import joined
from salesalign.engines.periods import month_start
from salesalign.engines.phasing import fiscal_months
from salesalign.organization.models import ProductLine
from salesalign.targets.choices import SeasonalitySource
from salesalign.targets.models import SeasonalityProfile, TargetPlan

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ProfileRow:
    """One profile as the page shows it: whom it phases and its twelve percentages."""

    profile: SeasonalityProfile
    metric_label: str
    product_line_name: str
    percentages: list[Decimal]

    @property
    def entered_percentages(self) -> list[str]:
        """What was typed for an entered profile, else the derived percentages rounded."""
        typed = self.profile.details.get("percentages") if self.profile.details else None
        if typed and len(typed) == len(self.percentages):
            return [str(value) for value in typed]
        return [str(value.quantize(Decimal("0.01"))) for value in self.percentages]

    @property
    def derived_from(self) -> str:
        """For a derived profile, the years it averages and a year it left out or filled in."""
        details = self.profile.details or {}
        if self.profile.source != SeasonalitySource.HISTORY or "years_used" not in details:
            return ""
        used = details["years_used"]
        if not used:
            return _("No sales in these years: equal months.")
        words = [_("From %(years)s.") % {"years": joined(used)}]
        if details.get("skipped_year") is not None:
            words.append(
                _("%(year)s left out: its records begin after its first month.")
                % {"year": details["skipped_year"]}
            )
        if details.get("filled_year") is not None:
            words.append(_("Its months before the first records count as its average month."))
        return " ".join(words)


@dataclass(frozen=True)
class SeasonalityPage:
    plan: TargetPlan
    month_labels: list[str]
    profiles: list[ProfileRow]
    product_lines: list[tuple[int, str]]


def seasonality_page(*, plan: TargetPlan) -> SeasonalityPage:
    """The plan's profiles (most general first) with the fiscal months they phase.

    The caller has checked that the user may read the plan (`plan_get`); profiles
    hold no one's personal numbers, so whoever reads the plan reads them.
    """
    months = fiscal_months(plan.fiscal_year, plan.fiscal_start_month)
    labels = [date_format(month_start(month), "M") for month in months]
    profiles = (
        SeasonalityProfile.objects.filter(plan=plan)
        .select_related("product_line", "created_by__person")
        .order_by("product_line__path", "metric", "pk")
    )
    rows = [
        ProfileRow(
            profile=profile,
            metric_label=str(Metric(profile.metric).label) if profile.metric else "",
            product_line_name=profile.product_line.display_name if profile.product_line else "",
            percentages=[Decimal(weight) * HUNDRED for weight in profile.weights],
        )
        for profile in profiles
    ]
    rows.sort(key=lambda row: (row.profile.product_line_id is not None, bool(row.profile.metric)))
    product_lines = [
        (product_line.pk, product_line.display_name)
        for product_line in ProductLine.objects.active()
    ]
    return SeasonalityPage(
        plan=plan, month_labels=labels, profiles=rows, product_lines=product_lines
    )
