"""Allocation through the services: exact sums, months, leavers, levels, evidence, manual edits."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesalign.core.choices import Metric, Role
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.tests.statistics import believed_rows, sqlite_has_statistics
from salesalign.organization.tests.factories import PersonFactory
from salesalign.targets.choices import TargetMethod
from salesalign.targets.models import AllocationRun, Target, TargetPeriod
from salesalign.targets.services import allocation
from salesalign.targets.services.allocation import AllocationParams, GrowthFactor, ManualAmount
from salesalign.targets.tests.conftest import YEAR

pytestmark = pytest.mark.django_db


def months_of(target):
    return list(target.periods.order_by("month").values_list("amount", flat=True))


def test_children_add_up_to_the_parent_to_the_cent_at_every_level_and_every_month(world):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan, value="1000000.01")
    _department, team, _other = world.cascade_to_teams(plan, root)
    allocation.allocation_apply(
        actor=cast.manager.user,
        plan=plan,
        parent=team,
        axes=["child", "product_line"],
        method="history",
    )
    for parent in Target.objects.filter(plan=plan):
        children = list(parent.children.all())
        if children:
            assert sum(child.amount for child in children) == parent.amount, parent
        assert sum(months_of(parent)) == parent.amount
        assert all(amount >= 0 for amount in months_of(parent))
    people = Target.objects.filter(plan=plan, person__isnull=False)
    assert people.count() == 4  # two salespeople × two product lines
    assert set(people.values_list("method", flat=True)) == {TargetMethod.HISTORY}


def test_each_month_of_a_parent_is_the_sum_of_its_childrens_months(world):
    """Children phased by their own seasonality (here a product line's) still add up monthly."""
    from salesalign.targets.services.seasonality import seasonality_enter

    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan, value="1000000.07")
    _department, team, _other = world.cascade_to_teams(plan, root)
    seasonality_enter(
        actor=cast.admin.user,
        plan=plan,
        percentages=[5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 45],
        metric=Metric.REVENUE,
        product_line_id=world.hardware.pk,
    )
    allocation.allocation_apply(
        actor=cast.manager.user,
        plan=plan,
        parent=team,
        axes=["child", "product_line"],
        method="history",
    )
    hardware = Target.objects.filter(plan=plan, product_line=world.hardware).first()
    assert months_of(hardware)[-1] > 8 * months_of(hardware)[0], "the product line's own season"
    checked = 0
    for parent in Target.objects.filter(plan=plan):
        children = list(parent.children.all())
        if not children:
            continue
        by_month = [sum(amounts) for amounts in zip(*map(months_of, children), strict=True)]
        assert by_month == months_of(parent), parent
        checked += 1
    assert checked >= 3  # company, department, team


def test_history_gives_more_to_who_sold_more_and_records_how(world):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    _department, team, _other = world.cascade_to_teams(plan, root)
    run, preview = allocation.allocation_apply(
        actor=cast.manager.user, plan=plan, parent=team, axes=["child"], method="history"
    )
    first = team.children.get(person=cast.salesperson)
    second = team.children.get(person=cast.salesperson2)
    assert first.amount == 3 * second.amount  # salesperson sold three times as much
    assert first.allocation_run == run and run.created_by == cast.manager.user
    assert first.inputs["history"] == {
        str(year): "18000.00" for year in (YEAR - 3, YEAR - 2, YEAR - 1)
    }
    assert [step["code"] for step in first.explanation][:1] == ["history_share"]
    assert run.params["history_years"] == 3 and run.inputs_digest == preview.inputs_digest
    # Last year the method would have split exactly as the people sold: no error.
    assert preview.backtest is not None and preview.backtest.wape == Decimal("0")
    assert run.backtest["wape"] == "0.0000"


def test_the_preview_writes_nothing(world):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    before = (Target.objects.count(), TargetPeriod.objects.count(), AllocationRun.objects.count())
    preview = allocation.allocation_preview(
        actor=cast.executive.user, plan=plan, parent=root, axes=["child"], method="equal"
    )
    assert [line.value for line in preview.lines] == [Decimal("1000000.00")]
    assert (
        Target.objects.count(),
        TargetPeriod.objects.count(),
        AllocationRun.objects.count(),
    ) == before


def test_a_leaver_gets_nothing_after_leaving_and_someone_gone_before_the_year_is_left_out(world):
    cast = world.cast
    leaving = PersonFactory(
        unit=cast.team,
        role=Role.SALESPERSON,
        is_active=False,
        hire_date=datetime.date(YEAR - 5, 1, 1),
        left_on=datetime.date(YEAR, 6, 15),
    )
    gone = PersonFactory(
        unit=cast.team,
        role=Role.SALESPERSON,
        is_active=False,
        left_on=datetime.date(YEAR - 1, 12, 31),
    )
    plan = world.plan()
    root = world.company_target(plan)
    _department, team, _other = world.cascade_to_teams(plan, root)
    allocation.allocation_apply(
        actor=cast.manager.user, plan=plan, parent=team, axes=["child"], method="equal"
    )
    people = {target.person_id: target for target in team.children.all()}
    assert gone.pk not in people
    leaver = people[leaving.pk]
    months = months_of(leaver)
    assert months[6:] == [0] * 6, "nothing after June"
    assert sum(months[:6]) == leaver.amount > 0
    # Half a year of work: half the share of a colleague who works all year (equal split).
    assert leaver.amount * 2 == pytest.approx(people[cast.salesperson.pk].amount, abs=2)
    assert sum(target.amount for target in people.values()) == team.amount


def test_a_manual_amount_for_someone_who_left_before_the_year_is_refused(world):
    cast = world.cast
    gone = PersonFactory(
        unit=cast.team,
        role=Role.SALESPERSON,
        is_active=False,
        left_on=datetime.date(YEAR - 1, 3, 1),
    )
    plan = world.plan()
    root = world.company_target(plan)
    _department, team, _other = world.cascade_to_teams(plan, root)
    with pytest.raises(DomainError) as refused:
        allocation.target_set_manual(
            actor=cast.manager.user,
            plan=plan,
            parent=team,
            amounts=[ManualAmount(value="100", person_id=gone.pk)],
        )
    assert refused.value.field == "amounts.0"
    assert not team.children.exists()


def test_satisfaction_cascades_as_the_same_level_for_everyone_below(world):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(
        plan, metric=Metric.CUSTOMER_SATISFACTION, value="4.5", tactical_goal_id=None
    )
    assert root.level == Decimal("4.5") and root.amount is None
    actor = cast.executive.user
    allocation.allocation_apply(
        actor=actor, plan=plan, parent=root, axes=["child"], method="history"
    )
    department = root.children.get()
    allocation.allocation_apply(
        actor=actor, plan=plan, parent=department, axes=["child"], method="equal"
    )
    team = department.children.get(unit=cast.team)
    allocation.allocation_apply(
        actor=cast.manager.user, plan=plan, parent=team, axes=["child"], method="capacity"
    )
    below = Target.objects.filter(plan=plan).exclude(pk=root.pk)
    assert below.count() == 1 + 2 + 2
    assert set(below.values_list("level", flat=True)) == {Decimal("4.5")}
    assert set(below.values_list("method", flat=True)) == {TargetMethod.LEVEL}
    assert set(TargetPeriod.objects.filter(target__plan=plan).values_list("level", flat=True)) == {
        Decimal("4.5")
    }


def test_market_factors_move_a_product_line_and_the_total_stays_exact(world):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    _department, team, _other = world.cascade_to_teams(plan, root)
    plain = allocation.allocation_preview(
        actor=cast.manager.user,
        plan=plan,
        parent=team,
        axes=["child", "product_line"],
        method="history",
    )
    grown = allocation.allocation_preview(
        actor=cast.manager.user,
        plan=plan,
        parent=team,
        axes=["child", "product_line"],
        method="history_market",
        params=AllocationParams(
            growth_factors=(GrowthFactor("product_line", world.software.pk, Decimal("1.5")),)
        ),
    )
    software = lambda preview: sum(  # noqa: E731
        line.amount for line in preview.lines if line.slice.product_line_id == world.software.pk
    )
    assert software(grown) > software(plain)
    assert sum(line.amount for line in grown.lines) == team.amount
    assert any(step.code == "growth" for line in grown.lines for step in line.explanation)


def test_a_person_target_is_split_by_product_line_without_the_child_axis(world):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    _department, team, _other = world.cascade_to_teams(plan, root)
    allocation.allocation_apply(
        actor=cast.manager.user, plan=plan, parent=team, axes=["child"], method="history"
    )
    mine = team.children.get(person=cast.salesperson)
    allocation.allocation_apply(
        actor=cast.manager.user, plan=plan, parent=mine, axes=["product_line"], method="history"
    )
    lines = {target.product_line_id: target.amount for target in mine.children.all()}
    assert lines[world.hardware.pk] == 2 * lines[world.software.pk]
    assert set(mine.children.values_list("person_id", flat=True)) == {cast.salesperson.pk}
    with pytest.raises(DomainError) as refused:
        allocation.allocation_preview(
            actor=cast.manager.user, plan=plan, parent=mine, axes=["child"], method="equal"
        )
    assert refused.value.field == "axes"


def test_reallocating_keeps_the_same_targets_and_replaces_the_numbers(world):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    _department, team, _other = world.cascade_to_teams(plan, root)
    allocation.allocation_apply(
        actor=cast.manager.user, plan=plan, parent=team, axes=["child"], method="history"
    )
    ids = set(team.children.values_list("pk", flat=True))
    allocation.allocation_apply(
        actor=cast.manager.user, plan=plan, parent=team, axes=["child"], method="equal"
    )
    children = list(team.children.all())
    assert {child.pk for child in children} == ids
    assert {child.amount for child in children} == {team.amount // 2}
    assert {child.method for child in children} == {TargetMethod.EQUAL}
    assert all(sum(months_of(child)) == child.amount for child in children)


@pytest.mark.parametrize("who", ["salesperson", "other_manager", "hr"])
def test_only_the_managers_of_a_target_allocate_it(world, who):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    _department, team, _other = world.cascade_to_teams(plan, root)
    with pytest.raises(NotAllowed):
        allocation.allocation_apply(
            actor=getattr(cast, who).user, plan=plan, parent=team, axes=["child"], method="equal"
        )
    assert not team.children.exists()


def test_manual_numbers_leave_a_visible_remainder_and_bad_rows_change_nothing(world, as_admin):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    _department, team, _other = world.cascade_to_teams(plan, root)
    result = allocation.target_set_manual(
        actor=cast.manager.user,
        plan=plan,
        parent=team,
        amounts=[
            ManualAmount(value="500000.00", person_id=cast.salesperson.pk),
            ManualAmount(value="200000.50", person_id=cast.salesperson2.pk),
        ],
    )
    assert result.remainder == team.value - Decimal("700000.50")
    assert {child.method for child in result.children} == {TargetMethod.MANUAL}
    mine = team.children.get(person=cast.salesperson)
    assert sum(months_of(mine)) == mine.amount == 50000000

    bad_rows = [
        [ManualAmount(value="-1", target_id=mine.pk)],
        [ManualAmount(value="abc", target_id=mine.pk)],
        [ManualAmount(value="1", person_id=cast.other_salesperson.pk)],
        [ManualAmount(value="5", target_id=mine.pk), ManualAmount(value="5", target_id=mine.pk)],
    ]
    for rows in bad_rows:
        with pytest.raises(DomainError) as refused:
            allocation.target_set_manual(
                actor=cast.manager.user, plan=plan, parent=team, amounts=rows
            )
        assert refused.value.field.startswith("amounts")
    mine.refresh_from_db()
    assert mine.amount == 50000000
    assert team.children.count() == 2

    allocation.target_set_manual(
        actor=cast.manager.user,
        plan=plan,
        parent=team,
        amounts=[ManualAmount(value="550000.00", target_id=mine.pk)],
    )
    assert LogEntry.objects.get_for_object(mine).filter(changes__icontains="55000000").exists()


def test_an_unknown_method_or_axis_is_a_clear_error(world):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    for kwargs, field in (
        ({"axes": ["child"], "method": "astrology"}, "method"),
        ({"axes": ["planet"], "method": "equal"}, "axes"),
        ({"axes": [], "method": "equal"}, "axes"),
    ):
        with pytest.raises(DomainError) as refused:
            allocation.allocation_preview(
                actor=cast.executive.user, plan=plan, parent=root, **kwargs
            )
        assert refused.value.field == field


def test_a_metric_without_history_cannot_be_allocated_by_history(world):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(
        plan,
        metric=Metric.CUSTOM,
        custom_metric_name="Demos given",
        value="120",
        tactical_goal_id=None,
    )
    with pytest.raises(DomainError) as refused:
        allocation.allocation_preview(
            actor=cast.executive.user, plan=plan, parent=root, axes=["child"], method="history"
        )
    assert refused.value.field == "method"
    preview = allocation.allocation_preview(
        actor=cast.executive.user, plan=plan, parent=root, axes=["child"], method="equal"
    )
    assert [line.amount for line in preview.lines] == [120]
    assert preview.backtest is None


def test_the_preview_shows_findings_beside_the_numbers(world):
    cast = world.cast
    plan = world.plan()
    # Ten times last year's sales: far above every child's own trend.
    root = world.company_target(plan, value="320000.00")
    preview = allocation.allocation_preview(
        actor=cast.executive.user, plan=plan, parent=root, axes=["child"], method="history"
    )
    [line] = preview.lines
    assert [finding.code for finding in line.findings] == ["growth_above_trend"]
    modest = world.company_target(plan, value="32000.00")
    calm = allocation.allocation_preview(
        actor=cast.executive.user, plan=plan, parent=modest, axes=["child"], method="history"
    )
    assert calm.lines[0].findings == []


def test_many_targets_are_allocated_at_once_from_one_aggregation_of_the_history(world):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    _department, team, other = world.cascade_to_teams(plan, root)
    with CaptureQueriesContext(connection) as queries:
        results = allocation.allocation_apply_many(
            actor=cast.executive.user,
            plan=plan,
            parents=[team, other],
            axes=["child", "product_line"],
            method="history",
        )
    # the facts, or one of the totals the sales app keeps of them
    sales_tables = (
        "sales_salesfact",
        "sales_salesyeartotal",
        "sales_salesproductlineyeartotal",
        "sales_salesmonthtotal",
    )
    history_reads = [
        query
        for query in queries.captured_queries
        if any(table in query["sql"] for table in sales_tables)
    ]
    assert len(history_reads) == 1
    assert [run.parent for run, _preview in results] == [team, other]
    for parent in (team, other):
        assert sum(child.amount for child in parent.children.all()) == parent.amount
    assert other.children.count() == 2  # one salesperson × two product lines


def test_each_run_of_many_parents_is_stored_as_returned_and_names_its_children(world):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    _department, team, other = world.cascade_to_teams(plan, root)
    results = allocation.allocation_apply_many(
        actor=cast.executive.user,
        plan=plan,
        parents=[team, other],
        axes=["child", "product_line"],
        method="history",
    )
    assert len({run.pk for run, _preview in results}) == 2
    for run, preview in results:
        stored = AllocationRun.objects.get(pk=run.pk)
        assert stored.parent_id == preview.parent.pk
        assert stored.method == "history"
        assert stored.axes == ["child", "product_line"]
        assert stored.line_count == len(preview.lines)
        assert stored.inputs_digest == preview.inputs_digest
        assert stored.params == AllocationParams().as_json()
        assert stored.created_by_id == cast.executive.user.pk
        assert stored.created_at is not None
        children = Target.objects.filter(parent=preview.parent)
        assert {child.allocation_run_id for child in children} == {run.pk}
        assert children.count() == len(preview.lines)


@pytest.mark.parametrize("metric", ["revenue", "gross_profit", "order_count", "new_customers"])
def test_minor_units_are_turned_into_values_as_the_metric_itself_does(metric):
    from salesalign.targets.metrics import target_metric

    kind = target_metric(metric)
    convert = allocation._from_minor(kind)
    for amount in [0, 1, 5, 99, 100, 101, 12345, -7, -100, 10**15 + 3, 98765432101234567]:
        fast, own = convert(amount), kind.from_minor(amount)
        assert fast.as_tuple() == own.as_tuple()  # the same digits and places, not only equal
        assert str(fast) == str(own)


def test_allocating_more_parents_at_once_takes_no_more_queries(world, django_assert_num_queries):
    cast = world.cast
    plan = world.plan()
    root = world.company_target(plan)
    _department, team, other = world.cascade_to_teams(plan, root)
    allocation.allocation_apply_many(
        actor=cast.executive.user,
        plan=plan,
        parents=[team, other],
        axes=["child"],
        method="history",
    )
    first, *rest = [
        person for parent in (team, other) for person in parent.children.order_by("slice_key")
    ]
    assert len(rest) == 2  # in both teams, so the months roll up through both

    def by_product_line(parents):
        return allocation.allocation_apply_many(
            actor=cast.executive.user,
            plan=plan,
            parents=parents,
            axes=["product_line"],
            method="history_market",
            params=AllocationParams(
                growth_factors=(GrowthFactor("product_line", world.hardware.pk, Decimal("1.1")),)
            ),
        )

    with CaptureQueriesContext(connection) as one_parent:
        by_product_line([first])
    with django_assert_num_queries(len(one_parent.captured_queries)):
        by_product_line(rest)
    for person in [first, *rest]:
        children = list(person.children.all())
        assert len(children) == 2
        assert sum(child.amount for child in children) == person.amount
    # the months add up at every level after both runs
    for parent in [first, *rest, team, other, root]:
        sums = TargetPeriod.objects.filter(target__parent=parent).values_list("amount", flat=True)
        assert sum(sums) == parent.amount
        assert months_of(parent) == [
            sum(
                TargetPeriod.objects.filter(target__parent=parent, month=month).values_list(
                    "amount", flat=True
                )
            )
            for month in parent.periods.order_by("month").values_list("month", flat=True)
        ]


def test_the_findings_of_many_parents_at_once_are_those_of_each_previewed_alone(world):
    cast = world.cast
    for _number in range(2):  # four salespeople in the team: enough peers to compare
        PersonFactory(unit=cast.team, role=Role.SALESPERSON, title=cast.salesperson.title)
    plan = world.plan()
    # Ten times last year's sales: far above the trend of every child with history.
    root = world.company_target(plan, value="320000.00")
    _department, team, other = world.cascade_to_teams(plan, root)
    alone = [
        allocation.allocation_preview(
            actor=cast.executive.user, plan=plan, parent=parent, axes=["child"], method="history"
        )
        for parent in (team, other)
    ]
    together = [
        preview
        for _run, preview in allocation.allocation_apply_many(
            actor=cast.executive.user,
            plan=plan,
            parents=[team, other],
            axes=["child"],
            method="history",
        )
    ]
    codes = {finding.code for preview in together for finding in preview.findings}
    assert {"growth_above_trend", "far_above_peers"} <= codes
    [peers] = [f for f in together[0].findings if f.code == "far_above_peers"]
    assert peers.params["peer_group"] == f"person/{cast.salesperson.title}"
    for one, other_preview in zip(alone, together, strict=True):
        assert other_preview.findings == one.findings
        assert [line.findings for line in other_preview.lines] == [
            line.findings for line in one.lines
        ]


def test_an_allocation_leaves_postgresql_statistics_of_the_targets_it_wrote(world):
    plan = world.plan()
    root = world.company_target(plan)
    world.cascade_to_teams(plan, root)
    if connection.vendor == "postgresql":
        # The tables were never analysed in this test's transaction; the allocation
        # analysed them with its own rows, for the editor and the close to plan with.
        believed = believed_rows(Target, TargetPeriod)
        assert believed["targets_target"] >= Target.objects.filter(plan=plan).count() - 1
        assert believed["targets_targetperiod"] > 0
    else:  # SQLite is planned without statistics, and left so
        assert not sqlite_has_statistics()
