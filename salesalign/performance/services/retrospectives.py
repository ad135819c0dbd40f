"""Writes of unit retrospectives: after a closed quarter, what worked and what did not."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.organization.models import OrgUnit
from salesalign.performance.choices import PeriodKind
from salesalign.performance.models import EvaluationPeriod, Retrospective
from salesalign.performance.selectors.access import can_write_retrospective
from salesalign.performance.services.common import actor_or_none, clean_text


@transaction.atomic
def retrospective_save(
    *,
    actor: Any,
    unit: OrgUnit,
    period: EvaluationPeriod,
    what_worked: str = "",
    what_did_not: str = "",
) -> Retrospective:
    """Write (or rewrite) a unit's retrospective of a closed quarter; one per unit and quarter."""
    if not can_write_retrospective(actor, unit):
        raise NotAllowed(
            _("Only the unit's managers, executives and admins write its retrospective.")
        )
    if period.kind != PeriodKind.QUARTERLY:
        raise DomainError(_("A retrospective looks back at a quarter."), field="period")
    if not period.is_closed:
        raise DomainError(
            _("The retrospective of %(period)s is written once the quarter is closed.")
            % {"period": period.key},
            field="period",
        )
    what_worked = clean_text(what_worked, field="what_worked")
    what_did_not = clean_text(what_did_not, field="what_did_not")
    if not (what_worked or what_did_not):
        raise DomainError(_("Write what worked or what did not."), field="what_worked")
    retrospective = Retrospective.objects.select_for_update().filter(
        unit=unit, period=period
    ).first() or Retrospective(unit=unit, period=period)
    retrospective.what_worked = what_worked
    retrospective.what_did_not = what_did_not
    retrospective.written_by = actor_or_none(actor)
    retrospective.full_clean()
    retrospective.save()
    return retrospective
