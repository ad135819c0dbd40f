"""Writes of improvement actions: made from feedback, a 360° round or a unit's retrospective.

An action has a title, an owner and a due date, and is open or done. Who may
set one follows its source: for a person (feedback, 360° round) the person
themselves, their managers and HR; for a unit's retrospective those who write
it. The owner is the person, one of their managers, or someone of the unit.
Owners are reminded inside SalesAlign when an open action falls due
(`actions_notify_due`, run daily by the task queue).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.roles import person_of
from salesalign.core.services import notify
from salesalign.organization.models import OrgUnit, Person
from salesalign.performance.choices import ActionStatus
from salesalign.performance.links import action_list_url
from salesalign.performance.models import (
    Feedback,
    FeedbackRound,
    ImprovementAction,
    Retrospective,
)
from salesalign.performance.selectors.access import (
    ancestor_paths,
    can_write_retrospective,
    manager_ids_of,
    may_act_for_person,
)
from salesalign.performance.services.common import actor_or_none, clean_text

NOTIFY_DUE = "performance_action_due"
#: How many days ahead an owner is reminded of an open action.
DUE_REMINDER_DAYS = 3


def _owner_fits_person(owner: Person, person: Person) -> bool:
    return owner.pk == person.pk or owner.pk in manager_ids_of(person)


def _owner_fits_unit(owner: Person, unit: OrgUnit) -> bool:
    """Someone of the unit (or below it), or a manager of the unit or of a unit above."""
    if owner.unit.path.startswith(unit.path):
        return True
    return OrgUnit.objects.filter(path__in=ancestor_paths(unit.path), manager_id=owner.pk).exists()


def may_edit_action(actor: Any, action: ImprovementAction) -> bool:
    """The owner, and whoever may set such an action, mark it done or open again."""
    me = person_of(actor)
    if me is not None and me.pk == action.owner_id:
        return True
    if action.person is not None:
        return may_act_for_person(actor, action.person)
    return action.unit is not None and can_write_retrospective(actor, action.unit)


@transaction.atomic
def action_create(
    *,
    actor: Any,
    title: str,
    owner: Person,
    due_on: date,
    feedback: Feedback | None = None,
    feedback_round: FeedbackRound | None = None,
    retrospective: Retrospective | None = None,
) -> ImprovementAction:
    """Set an improvement action from one source: feedback, a 360° round or a retrospective."""
    sources = [source for source in (feedback, feedback_round, retrospective) if source is not None]
    if len(sources) != 1:
        raise DomainError(
            _("An action comes from one feedback, one 360° round or one retrospective."),
            field="source",
        )
    title = clean_text(title, field="title", max_length=300)
    if not title:
        raise DomainError(_("Say what is to be done."), field="title")
    if due_on is None:
        raise DomainError(_("Give a due date."), field="due_on")
    if not owner.is_active:
        raise DomainError(_("This person has left."), field="owner")
    action = ImprovementAction(
        title=title,
        owner=owner,
        due_on=due_on,
        status=ActionStatus.OPEN,
        feedback=feedback,
        round=feedback_round,
        retrospective=retrospective,
        created_by=actor_or_none(actor),
    )
    if retrospective is not None:
        unit = retrospective.unit
        if not can_write_retrospective(actor, unit):
            raise NotAllowed(_("Only the unit's managers set actions from its retrospective."))
        if not _owner_fits_unit(owner, unit):
            raise DomainError(_("The owner works in the unit or manages it."), field="owner")
        action.unit = unit
    else:
        source = feedback if feedback is not None else feedback_round
        assert source is not None
        person = source.person
        if not may_act_for_person(actor, person):
            raise NotAllowed(
                _("Only the person, their managers and HR set actions about the person.")
            )
        if not _owner_fits_person(owner, person):
            raise DomainError(_("The owner is the person or one of their managers."), field="owner")
        action.person = person
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def action_set_status(*, actor: Any, action: ImprovementAction, done: bool) -> ImprovementAction:
    """Mark an action done (or open again)."""
    if not may_edit_action(actor, action):
        raise NotAllowed(_("Only the owner and the person's managers change this action."))
    action = ImprovementAction.objects.select_for_update().get(pk=action.pk)
    action.status = ActionStatus.DONE if done else ActionStatus.OPEN
    action.done_at = timezone.now() if done else None
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def actions_notify_due(*, today: date, within_days: int = DUE_REMINDER_DAYS) -> int:
    """Remind the owners of open actions due within `within_days` (or overdue), once per action;
    one insert. Returns how many actions were reminded of."""
    due_by = today + timedelta(days=within_days)
    due = ImprovementAction.objects.select_for_update().filter(
        status=ActionStatus.OPEN, due_on__lte=due_by, due_notified_on__isnull=True
    )
    rows = list(due.order_by("owner_id", "pk").values_list("pk", "owner_id"))
    if not rows:
        return 0
    notify(
        people=[owner_id for _pk, owner_id in rows],
        kind=NOTIFY_DUE,
        subject=gettext_noop("You have improvement actions due by %(date)s."),
        params={"date": due_by.isoformat()},
        url=action_list_url(),
    )
    ImprovementAction.objects.filter(pk__in=[pk for pk, _owner in rows]).update(
        due_notified_on=today
    )
    return len(rows)
