"""Incentive plans and statements through the service: plan validation and resolution, the
engine's features on real sales facts, adjustments and the question thread."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesalign.core.choices import Role
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.models import Notification
from salesalign.performance.models import Statement, StatementLine
from salesalign.performance.services import periods, statements
from salesalign.performance.tests.conftest import TODAY
from salesalign.performance.tests.statements_world import (
    CAP,
    COMMISSION,
    commission_plan,
    satisfaction,
    sell,
    targets,
)

pytestmark = pytest.mark.django_db

FEB = datetime.date(2026, 2, 10)


def _statement(period, person):
    return Statement.objects.get(period=period, version=period.version, person=person)


def _codes(statement):
    return list(statement.lines.order_by("position").values_list("code", flat=True))


def test_a_plan_error_names_the_field_of_the_definition(cast):
    broken = {
        "components": [{**COMMISSION["components"][0], "tiers": [{"from": "10", "rate": "2"}]}]
    }
    with pytest.raises(DomainError) as raised:
        commission_plan(cast, definition=broken)
    assert raised.value.field == "definition.components[0].tiers"
    with pytest.raises(DomainError) as raised:
        commission_plan(
            cast,
            definition={"components": [{**COMMISSION["components"][0], "cap": "lots"}]},
        )
    assert raised.value.field == "definition.components[0].cap"


def test_only_hr_and_admins_write_plans(cast):
    with pytest.raises(NotAllowed):
        statements.plan_save(
            actor=cast.manager.user,
            name="x",
            definition=COMMISSION,
            valid_from=datetime.date(2026, 1, 1),
        )


def test_the_most_specific_plan_wins(cast):
    company = commission_plan(cast, name="公司", role="")
    team = commission_plan(cast, name="团队", unit=cast.team, role="")
    cast.salesperson.refresh_from_db()
    chosen = statements.plans_for_people(
        [cast.salesperson, cast.other_salesperson, cast.hr], on=datetime.date(2026, 3, 31)
    )
    assert chosen[cast.salesperson.pk] == team
    assert chosen[cast.other_salesperson.pk] == company
    # A plan no longer valid is not picked.
    team.valid_until = datetime.date(2026, 2, 28)
    team.save()
    chosen = statements.plans_for_people([cast.salesperson], on=datetime.date(2026, 3, 31))
    assert chosen[cast.salesperson.pk] == company


def test_a_split_order_credits_each_person_their_share(world):
    cast = world.cast
    commission_plan(cast)
    targets({cast.salesperson: 10_000_000, cast.salesperson2: 10_000_000})
    order = sell([cast.salesperson, cast.salesperson2], "50000.00", FEB, shares=[6000, 4000])
    statements.statements_compute(world.quarter)
    first = _statement(world.quarter, cast.salesperson)
    second = _statement(world.quarter, cast.salesperson2)
    counted = [item for line in first.lines.all() for item in line.details.get("orders", [])]
    assert counted == [[order.pk, "2026-02-10", 3_000_000]]
    # 30,000.00 and 20,000.00 both lie in the 2 % tier (below 80 % of 100,000.00).
    assert first.total_cents == 60_000
    assert second.total_cents == 40_000
    assert not Statement.objects.filter(person=cast.manager).exists()


def test_a_tier_boundary_exactly_at_100_percent(world):
    cast = world.cast
    commission_plan(cast)
    targets({cast.salesperson: 10_000_000})
    sell(cast.salesperson, "100000.00", FEB)
    statements.statements_compute(world.quarter)
    statement = _statement(world.quarter, cast.salesperson)
    # 80,000.00 × 2 % + 20,000.00 × 3 %; nothing yet at 5 %.
    assert statement.total_cents == 160_000 + 60_000
    component = statement.computed["components"][0]
    assert component["attainment"] == "100.00"
    tiers = statement.lines.filter(code="tier").order_by("position")
    assert [line.amount_cents for line in tiers][:2] == [160_000, 60_000]


def test_the_cap_is_reached(world):
    cast = world.cast
    commission_plan(cast)
    targets({cast.salesperson: 10_000_000})
    sell(cast.salesperson, "400000.00", FEB)
    statements.statements_compute(world.quarter)
    statement = _statement(world.quarter, cast.salesperson)
    assert "component_cap" in _codes(statement)
    assert statement.total_cents == CAP


def test_a_failed_gate_withholds_the_commission(world):
    cast = world.cast
    commission_plan(cast)
    targets({cast.salesperson: 10_000_000, cast.salesperson2: 10_000_000})
    sell(cast.salesperson, "50000.00", FEB)
    sell(cast.salesperson2, "50000.00", FEB)
    satisfaction(cast.salesperson, 3, FEB)
    satisfaction(cast.salesperson2, 4, FEB)
    statements.statements_compute(world.quarter)
    failed = _statement(world.quarter, cast.salesperson)
    passed = _statement(world.quarter, cast.salesperson2)
    assert _codes(failed)[-1] == "gate_failed"
    assert failed.total_cents == 0
    assert failed.computed["components"][0]["gates"][0]["passed"] is False
    assert passed.total_cents == 100_000


def test_a_return_in_the_next_quarter_reduces_that_quarter(world):
    cast = world.cast
    commission_plan(cast)
    targets({cast.salesperson: 20_000_000}, months=(1, 2, 3, 4, 5, 6))
    sell(cast.salesperson, "50000.00", FEB, external_id="SO-1")
    sell(cast.salesperson, "30000.00", datetime.date(2026, 4, 20))
    sell(
        cast.salesperson,
        "-10000.00",
        datetime.date(2026, 5, 3),
        external_id="SO-1-R",
        status="returned",
        original_external_id="SO-1",
    )
    second = periods.period_close(
        actor=cast.hr.user,
        period=world.open_period(number=2),
        today=datetime.date(2026, 7, 15),
    )
    statements.statements_compute(world.quarter)
    statements.statements_compute(second)
    first_quarter = _statement(world.quarter, cast.salesperson)
    second_quarter = _statement(second, cast.salesperson)
    assert first_quarter.total_cents == 100_000  # 50,000.00 × 2 %, untouched by the return
    component = second_quarter.computed["components"][0]
    assert (component["sales"], component["returns"]) == (3_000_000, -1_000_000)
    assert second_quarter.total_cents == 40_000  # (30,000.00 − 10,000.00) × 2 %


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    orders=st.lists(
        st.tuples(st.integers(min_value=1, max_value=9_000_000), st.integers(1, 9_999)),
        max_size=4,
    )
)
def test_the_stored_total_is_the_sum_of_the_stored_lines(world, orders):
    cast = world.cast
    if not statements.plans_in_force(datetime.date(2026, 3, 31)):
        commission_plan(cast)
        targets({cast.salesperson: 10_000_000, cast.salesperson2: 3_000_000})
    for cents, share in orders:
        sell(
            [cast.salesperson, cast.salesperson2],
            f"{cents / 100:.2f}",
            FEB,
            shares=[share, 10_000 - share],
        )
    statements.statements_compute(world.quarter)
    for statement in Statement.objects.filter(period=world.quarter):
        lines = StatementLine.objects.filter(statement=statement)
        assert statement.total_cents == sum(line.amount_cents for line in lines)


def test_an_adjustment_is_an_audited_line_with_its_reason(world):
    cast = world.cast
    commission_plan(cast)
    targets({cast.salesperson: 10_000_000})
    sell(cast.salesperson, "50000.00", FEB)
    statements.statements_compute(world.quarter)
    statement = _statement(world.quarter, cast.salesperson)
    with pytest.raises(NotAllowed):
        statements.statement_adjust(
            actor=cast.salesperson.user, statement=statement, amount=100, reason="me"
        )
    with pytest.raises(DomainError) as raised:
        statements.statement_adjust(actor=cast.hr.user, statement=statement, amount=100, reason="")
    assert raised.value.field == "reason"
    line = statements.statement_adjust(
        actor=cast.manager.user, statement=statement, amount=-25_000, reason="客户延期付款"
    )
    statement.refresh_from_db()
    assert statement.total_cents == 100_000 - 25_000
    assert line.reason == "客户延期付款" and line.created_by == cast.manager.user
    assert LogEntry.objects.get_for_object(line).exists()
    assert LogEntry.objects.get_for_object(statement).exists()


def test_a_lines_orders_are_stored_compactly_and_older_forms_still_read(world):
    from salesalign.performance.selectors.statements import explain_lines

    cast = world.cast
    commission_plan(cast)
    targets({cast.salesperson: 10_000_000})
    sell(cast.salesperson, "50000.00", FEB)
    statements.statements_compute(world.quarter)
    line = _statement(world.quarter, cast.salesperson).lines.get(code="tier")
    [(order_id, day, amount)] = line.details["orders"]
    assert (day, amount) == (FEB.isoformat(), 5_000_000) and isinstance(order_id, int)
    [explained] = explain_lines([line])
    # A statement closed before the compact form lists each order as an object.
    line.details = {
        **line.details,
        "orders": [{"order": order_id, "day": day, "amount": amount}],
    }
    [older] = explain_lines([line])
    assert older.orders == explained.orders
    assert [(o.day, o.cents) for o in explained.orders] == [(FEB.isoformat(), 5_000_000)]
    assert explained.orders[0].external_id and not explained.orders[0].external_id.startswith("#")


def test_adjustments_are_carried_into_the_recalculated_version(world, client):
    cast = world.cast
    commission_plan(cast)
    targets({cast.salesperson: 10_000_000, cast.salesperson2: 10_000_000})
    sell(cast.salesperson, "50000.00", FEB)
    sell(cast.salesperson2, "10000.00", FEB)
    periods.period_reopen(actor=cast.hr.user, period=world.quarter, reason="late orders")
    world.quarter.refresh_from_db()
    closed = periods.period_close(actor=cast.hr.user, period=world.quarter, today=TODAY)
    first = _statement(closed, cast.salesperson)
    statements.statement_adjust(
        actor=cast.manager.user, statement=first, amount=-25_000, reason="客户延期付款"
    )
    statements.statement_adjust(
        actor=cast.hr.user, statement=first, amount=7_000, reason="Spot award"
    )
    # A late order arrives; the period is reopened and closed again.
    sell(cast.salesperson, "10000.00", FEB)
    periods.period_reopen(actor=cast.hr.user, period=closed, reason="a late order")
    closed.refresh_from_db()
    again = periods.period_close(actor=cast.hr.user, period=closed, today=TODAY)

    second = _statement(again, cast.salesperson)
    carried = list(second.lines.filter(code=statements.ADJUSTMENT).order_by("position"))
    assert [(line.amount_cents, line.reason, line.created_by) for line in carried] == [
        (-25_000, "客户延期付款", cast.manager.user),
        (7_000, "Spot award", cast.hr.user),
    ]
    assert all(line.details["carried_from_version"] == closed.version - 1 for line in carried)
    # The new commission (2 % of 60,000) plus the two adjustments; the lines add up.
    assert second.total_cents == 120_000 - 25_000 + 7_000
    assert second.total_cents == sum(second.lines.values_list("amount_cents", flat=True))
    assert max(line.position for line in second.lines.all()) == carried[-1].position
    # The earlier version keeps its own lines; the other person had no adjustment.
    first.refresh_from_db()
    assert first.total_cents == 100_000 - 25_000 + 7_000
    assert first.lines.filter(code=statements.ADJUSTMENT).count() == 2
    other = _statement(again, cast.salesperson2)
    assert not other.lines.filter(code=statements.ADJUSTMENT).exists()
    client.force_login(cast.manager.user)
    page = client.get(statements.statement_url(second.pk)).content.decode()
    assert "客户延期付款" in page
    assert page.count(f"carried over from version {closed.version - 1}") == 2
    # Each says when it was made, the day kept through the recalculation.
    made = carried[0].details["adjusted_on"]
    assert made == first.lines.filter(code=statements.ADJUSTMENT).first().details["adjusted_on"]
    assert page.count(f" on {made}") == 2


def test_the_question_thread_tells_each_side(world):
    cast = world.cast
    commission_plan(cast)
    targets({cast.salesperson: 10_000_000})
    sell(cast.salesperson, "50000.00", FEB)
    statements.statements_compute(world.quarter)
    statement = _statement(world.quarter, cast.salesperson)
    with pytest.raises(NotAllowed):  # not published yet
        statements.statement_question_ask(
            actor=cast.salesperson.user, statement=statement, text="Why?"
        )
    world.publish()
    statement = Statement.objects.select_related("period", "person__unit").get(pk=statement.pk)
    with pytest.raises(NotAllowed):
        statements.statement_question_ask(
            actor=cast.salesperson2.user, statement=statement, text="Why?"
        )
    line = statement.lines.first()
    question = statements.statement_question_ask(
        actor=cast.salesperson.user, statement=statement, text="为什么是2%？", line=line
    )
    second = statements.statement_question_ask(
        actor=cast.salesperson.user, statement=statement, text="团队奖金呢？"
    )
    told = set(
        Notification.objects.filter(kind=statements.NOTIFY_QUESTION).values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {cast.manager.pk, world.head.pk}
    with pytest.raises(NotAllowed):
        statements.statement_question_answer(
            actor=cast.other_manager.user, question=question, text="No"
        )
    statements.statement_question_answer(
        actor=cast.manager.user, question=question, text="第一档是2%。"
    )
    waiting = Notification.objects.unread().filter(kind=statements.NOTIFY_QUESTION)
    assert waiting.count() == 4  # the second question still waits, for both managers
    statements.statement_question_answer(actor=world.head.user, question=second, text="见第二行")
    # Every question answered: nothing about the statement waits for either manager.
    assert not waiting.exists()
    question.refresh_from_db()
    assert question.answer == "第一档是2%。" and question.answered_at is not None
    answered = Notification.objects.filter(kind=statements.NOTIFY_ANSWER).first()
    assert Notification.objects.filter(kind=statements.NOTIFY_ANSWER).count() == 2
    assert answered is not None and answered.recipient_id == cast.salesperson.pk
    assert answered.url == statements.statement_url(statement.pk)


def test_the_close_writes_nothing_for_people_without_a_plan(world):
    commission_plan(world.cast, role=Role.EXECUTIVE)
    written = statements.statements_compute(world.quarter)
    assert written == Statement.objects.filter(period=world.quarter).count() > 0
    assert not Statement.objects.filter(person=world.cast.salesperson).exists()
    assert world.quarter.end < TODAY
