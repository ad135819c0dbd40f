"""The `allocate_year` operation: a whole year's revenue targets, company to every salesperson.

Company → departments → teams → salespeople by history, then each salesperson by
product line with market growth factors, every target phased into months by the
seasonality derived from history — through the targets services the pages and
the API call, writes included. The check: every level adds up to the company
target to the cent, in total and in every month.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any


class AllocationMismatch(Exception):
    """The allocated targets do not add up to the company target."""


def allocate_year(user: Any, fiscal_year: int, last_year_revenue: Decimal) -> tuple[int, float]:
    """Allocate and write the year; return (targets written, seconds)."""
    from django.db.models import Count, Sum

    from salesalign.organization.models import ProductLine
    from salesalign.targets.models import Target, TargetPeriod
    from salesalign.targets.services import allocation, plans
    from salesalign.targets.services.allocation import AllocationParams, GrowthFactor

    # Market factors for the product-line families: some grow, some shrink.
    factors = tuple(
        GrowthFactor("product_line", pk, Decimal("1.15") if index % 3 == 0 else Decimal("0.95"))
        for index, pk in enumerate(
            ProductLine.objects.order_by("path").values_list("pk", flat=True)
        )
    )
    plan = plans.plan_create(actor=user, fiscal_year=fiscal_year)
    value = (last_year_revenue * Decimal("1.12")).quantize(Decimal(1))

    def children(parents: list[Any]) -> list[Any]:
        # Only what picks the next parents: the service reads the rest of them itself.
        return list(
            Target.objects.filter(parent__in=parents).only("pk", "amount").order_by("slice_key")
        )

    started = time.perf_counter()
    root = plans.company_target_set(actor=user, plan=plan, metric="revenue", value=value)
    allocation.allocation_apply(
        actor=user, plan=plan, parent=root, axes=["child"], method="history"
    )
    departments = children([root])
    allocation.allocation_apply_many(
        actor=user, plan=plan, parents=departments, axes=["child"], method="history"
    )
    teams = children(departments)
    allocation.allocation_apply_many(
        actor=user, plan=plan, parents=teams, axes=["child"], method="history"
    )
    people = [target for target in children(teams) if target.amount]
    allocation.allocation_apply_many(
        actor=user,
        plan=plan,
        parents=people,
        axes=["product_line"],
        method="history_market",
        params=AllocationParams(growth_factors=factors),
    )
    seconds = time.perf_counter() - started

    # Every level adds up to the company target, in the year and in each month.
    root.refresh_from_db()
    levels = [
        Target.objects.filter(plan=plan, parent=root),
        Target.objects.filter(plan=plan, parent__parent=root),
        Target.objects.filter(plan=plan, parent__parent__parent=root),
        Target.objects.filter(plan=plan, parent__parent__parent__parent=root),
    ]
    root_months = dict(TargetPeriod.objects.filter(target=root).values_list("month", "amount"))
    for depth, level in enumerate(levels, start=1):
        total = level.aggregate(total=Sum("amount"))["total"]
        if total != root.amount:
            raise AllocationMismatch(f"level {depth}: {total} ≠ company {root.amount}")
        months = dict(
            TargetPeriod.objects.filter(target__in=level)
            .values("month")
            .annotate(total=Sum("amount"))
            .values_list("month", "total")
        )
        if months != root_months:
            raise AllocationMismatch(f"level {depth}: months {months} ≠ {root_months}")
    people_with_lines = Target.objects.filter(
        plan=plan, parent__parent__parent__parent=root
    ).aggregate(people=Count("person", distinct=True))["people"]
    written = Target.objects.filter(plan=plan).count()
    print(
        f"allocate_year: {written:,} targets ({people_with_lines:,} salespeople by product "
        f"line), {TargetPeriod.objects.filter(target__plan=plan).count():,} months"
    )
    return written, seconds
