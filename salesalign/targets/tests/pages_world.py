"""Helpers for the page tests: a plan allocated down to the cast's salespeople."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from salesalign.targets.models import Target
from salesalign.targets.services import allocation, negotiation, plans


@dataclass
class Allocated:
    """A 2026 plan: company → department → both teams → the salespeople, by history."""

    plan: Any
    root: Any
    department: Any
    team: Any
    other_team: Any

    def person_target(self, person: Any) -> Target:
        return Target.objects.get(plan=self.plan, person=person, product_line=None)


def allocate_down(world: Any, *, to_people: bool = True) -> Allocated:
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    department, team, other = world.cascade_to_teams(plan, root)
    if to_people:
        allocation.allocation_apply_many(
            actor=cast.executive.user,
            plan=plan,
            parents=[team, other],
            axes=["child"],
            method="history",
        )
    return Allocated(plan=plan, root=root, department=department, team=team, other_team=other)


def negotiate(world: Any, allocated: Allocated) -> Any:
    """Open the plan and propose the team's targets to its two salespeople."""
    cast = world.cast
    plans.plan_submit_for_negotiation(actor=cast.executive.user, plan=allocated.plan)
    return negotiation.proposal_publish(
        actor=cast.manager.user,
        plan=allocated.plan,
        parent=allocated.team,
        note="Please confirm by Friday.",
    )
