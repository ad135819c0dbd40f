"""The incentive engine: every plan feature against hand-computed statements, then the invariants.

Amounts are cents: 10,000,000 is 100,000.00. Each line's amount is base × rate,
rounded half away from zero, and the total is the sum of the lines.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesalign.engines.incentives import (
    Component,
    ComponentKind,
    CreditedOrderLine,
    Draw,
    DrawKind,
    ErrorCode,
    Gate,
    GateMissing,
    IncentiveError,
    IncentivePlan,
    LineCode,
    Multiplier,
    Scope,
    Statement,
    StatementInput,
    StatementLine,
    TeamMeasures,
    Tier,
    TierMode,
    compute_statements,
    validate_plan,
)
from salesalign.engines.periods import PeriodKind, month_period, quarter_period

D = Decimal
MARCH = month_period(2026, 3)
APRIL = month_period(2026, 4)
MAY = month_period(2026, 5)
TARGET = 10_000_000  # 100,000.00
TIERS_2_4_6 = (Tier(D(0), D(2)), Tier(D(80), D(4)), Tier(D(100), D(6)))


def commission(**options: Any) -> Component:
    options.setdefault("tiers", TIERS_2_4_6)
    return Component(key="commission", kind=ComponentKind.COMMISSION, **options)


def plan(*components: Component, **options: Any) -> IncentivePlan:
    return IncentivePlan(key="p", components=components or (commission(),), **options)


def sale(
    amount: int, order: str | int = "SO-1", day: int = 10, month: int = 3
) -> CreditedOrderLine:
    return CreditedOrderLine(order, date(2026, month, day), amount)


def statement(
    the_plan: IncentivePlan, *lines: CreditedOrderLine, period=MARCH, teams=None, **fields: Any
) -> Statement:
    fields.setdefault("targets", {"revenue": TARGET})
    person = StatementInput(person_id=1, plan="p", order_lines=lines, **fields)
    return compute_statements(plans={"p": the_plan}, people=[person], period=period, teams=teams)[0]


def summary(result: Statement) -> list[tuple[LineCode, int, Decimal | None, int]]:
    return [(line.code, line.base, line.rate, line.amount) for line in result.lines]


def line_of(result: Statement, code: LineCode) -> StatementLine:
    return next(line for line in result.lines if line.code is code)


# --- the worked statement of the module docstring ----------------------------------------


def test_the_worked_statement_of_the_module_docstring():
    component = commission(
        multipliers=(Multiplier(D(120), D("1.5")),),
        gates=(Gate("customer_satisfaction", D("3.5")),),
    )
    result = statement(
        plan(component),
        sale(-1_000_000, "Z", day=20),
        sale(3_500_000, "C", day=9),
        sale(7_000_000, "A", day=2),
        sale(2_000_000, "B", day=5),
        actuals={"customer_satisfaction": D("3.8")},
    )
    assert summary(result) == [
        (LineCode.TIER, 8_000_000, D(2), 160_000),
        (LineCode.TIER, 2_000_000, D(4), 80_000),
        (LineCode.TIER, 1_500_000, D(6), 90_000),
        (LineCode.TIER, 0, D("9.0"), 0),
    ]
    assert [[(part.order, part.amount) for part in line.orders] for line in result.lines] == [
        [("A", 7_000_000), ("B", 1_000_000)],
        [("B", 1_000_000), ("C", 1_000_000)],
        [("C", 2_000_000), ("Z", -500_000)],
        [("C", 500_000), ("Z", -500_000)],
    ]
    assert result.total == 330_000
    assert result.components[0].attainment == D("115.00")
    assert result.components[0].gates[0].passed


# --- tiers -------------------------------------------------------------------------------


def test_marginal_tiers_at_exactly_100_percent_pay_each_slice_its_rate_and_nothing_in_the_top_tier():
    # Revenue 100,000.00 = target → 100.00 %.
    # [0, 80,000.00) at 2 % = 1,600.00; [80,000.00, 100,000.00) at 4 % = 800.00; nothing above.
    result = statement(plan(), sale(TARGET))
    assert summary(result) == [
        (LineCode.TIER, 8_000_000, D(2), 160_000),
        (LineCode.TIER, 2_000_000, D(4), 80_000),
    ]
    assert result.total == 240_000
    assert result.components[0].attainment == D("100.00")
    assert line_of(result, LineCode.TIER).params == {
        "tier": 1,
        "tier_from": D("0.00"),
        "tier_to": D("80.00"),
        "tier_rate": D(2),
        "multiplier": D(1),
        "multiplier_from": "",
        "attainment": D("100.00"),
        "mode": "marginal",
        "base_from": 0,
        "base_to": 8_000_000,
        "orders": 1,
    }


def test_one_cent_above_target_reaches_the_top_marginal_tier():
    # 100,000.01: the last cent is at 6 % = 0.06 cents → rounds to 0 on its line.
    result = statement(plan(), sale(TARGET + 1))
    assert summary(result)[-1] == (LineCode.TIER, 1, D(6), 0)
    assert line_of(result, LineCode.TIER).params["attainment"] == D("100.00")


@pytest.mark.parametrize(
    ("revenue", "attainment", "rate", "amount"),
    [
        (TARGET, D("100.00"), D(6), 600_000),  # exactly 100 %: the 100 % tier, 6 % of all
        (9_999_000, D("99.99"), D(4), 399_960),  # 99.99 %: the tier below, 4 % of all
        (9_999_500, D("100.00"), D(6), 599_970),  # 99.995 % shows as 100.00 %: the 100 % tier
        (8_000_000, D("80.00"), D(4), 320_000),
    ],
)
def test_flat_tiers_pay_the_reached_tiers_rate_on_everything(revenue, attainment, rate, amount):
    result = statement(plan(commission(mode=TierMode.FLAT)), sale(revenue))
    assert summary(result) == [(LineCode.TIER, revenue, rate, amount)]
    assert line_of(result, LineCode.TIER).params["attainment"] == attainment


def test_an_order_crossing_a_tier_bound_shows_its_part_in_each_slice():
    # Orders in date order: A 70,000.00 (2 Mar), B 20,000.00 (5 Mar), C 15,000.00 (9 Mar).
    # Bounds 80,000.00 and 100,000.00. A lies in the first slice; B has 10,000.00 below 80,000.00
    # and 10,000.00 above; C has 10,000.00 below 100,000.00 and 5,000.00 above.
    result = statement(
        plan(),
        sale(1_500_000, "C", day=9),
        sale(7_000_000, "A", day=2),
        sale(2_000_000, "B", day=5),
    )
    orders = [[(part.order, part.amount) for part in line.orders] for line in result.lines]
    assert orders == [
        [("A", 7_000_000), ("B", 1_000_000)],
        [("B", 1_000_000), ("C", 1_000_000)],
        [("C", 500_000)],
    ]
    # 80,000.00 × 2 % + 20,000.00 × 4 % + 5,000.00 × 6 % = 1,600 + 800 + 300.
    assert result.total == 160_000 + 80_000 + 30_000


def test_each_line_is_rounded_half_away_from_zero():
    # 12,345 cents × 2.5 % = 308.625 → 309 (and a clawback of −12,345 → −309).
    single = commission(tiers=(Tier(D(0), D("2.5")),), clawback_rate=D("2.5"))
    assert statement(plan(single), sale(12_345)).total == 309
    assert statement(plan(single), sale(-12_345)).total == -309


# --- accelerators and decelerators -------------------------------------------------------

MULTIPLIERS = (
    Multiplier(D(0), D("0.5")),  # decelerator below 80 %
    Multiplier(D(80), D(1)),
    Multiplier(D(120), D("1.5")),  # accelerator from 120 %
)


def test_accelerators_and_decelerators_multiply_the_rate_of_each_marginal_slice():
    # One tier at 5 %, revenue 130,000.00 (130 %):
    # [0, 80,000.00) at 5 % × 0.5 = 2.5 % → 2,000.00; [80,000.00, 120,000.00) at 5 % → 2,000.00;
    # [120,000.00, …) 10,000.00 at 5 % × 1.5 = 7.5 % → 750.00. Total 4,750.00.
    component = commission(tiers=(Tier(D(0), D(5)),), multipliers=MULTIPLIERS)
    result = statement(plan(component), sale(13_000_000))
    assert summary(result) == [
        (LineCode.TIER, 8_000_000, D("2.5"), 200_000),
        (LineCode.TIER, 4_000_000, D(5), 200_000),
        (LineCode.TIER, 1_000_000, D("7.5"), 75_000),
    ]
    assert result.lines[2].params["multiplier"] == D("1.5")
    assert result.lines[2].params["multiplier_from"] == D("120.00")
    assert result.total == 475_000


def test_a_decelerator_applies_to_everything_when_tiers_are_flat():
    # 70 %: flat 5 % × 0.5 = 2.5 % of 70,000.00 = 1,750.00.
    component = commission(tiers=(Tier(D(0), D(5)),), multipliers=MULTIPLIERS, mode=TierMode.FLAT)
    result = statement(plan(component), sale(7_000_000))
    assert summary(result) == [(LineCode.TIER, 7_000_000, D("2.5"), 175_000)]


# --- threshold, cap, gates ---------------------------------------------------------------


def test_below_the_threshold_nothing_is_paid_and_the_line_says_why():
    # 49,990.00 / 100,000.00 = 49.99 % < 50 %.
    result = statement(plan(commission(threshold=D(50))), sale(4_999_000))
    assert summary(result) == [(LineCode.THRESHOLD_NOT_MET, 4_999_000, None, 0)]
    assert result.lines[0].params == {
        "attainment": D("49.99"),
        "threshold": D("50.00"),
        "orders": 1,
    }
    assert [part.order for part in result.lines[0].orders] == ["SO-1"]
    assert result.total == 0


def test_at_exactly_the_threshold_the_tiers_pay_from_the_first():
    # 50 % → 50,000.00 × 2 % = 1,000.00.
    result = statement(plan(commission(threshold=D(50))), sale(5_000_000))
    assert result.total == 100_000


def test_a_component_cap_takes_the_excess_back_in_its_own_line():
    # 2,400.00 earned at 100 % (see above), cap 2,000.00 → −400.00.
    result = statement(plan(commission(cap=200_000)), sale(TARGET))
    assert summary(result)[-1] == (LineCode.COMPONENT_CAP, 0, None, -40_000)
    assert result.lines[-1].params == {"cap": 200_000, "uncapped": 240_000}
    assert result.total == 200_000
    assert result.components[0].payout == 200_000


def test_a_plan_cap_limits_the_whole_statement():
    bonus = Component(
        key="bonus", kind=ComponentKind.BONUS, tiers=(Tier(D(0), D(100)),), target_amount=100_000
    )
    result = statement(
        plan(commission(), bonus, cap=300_000),
        sale(TARGET),
        actuals={"revenue": TARGET},
    )
    # Commission 2,400.00 + bonus 1,000.00 = 3,400.00 → plan cap 3,000.00.
    assert summary(result)[-1] == (LineCode.PLAN_CAP, 0, None, -40_000)
    assert result.lines[-1].component is None
    assert (result.earned, result.total) == (300_000, 300_000)


SATISFACTION_GATE = Gate("customer_satisfaction", D("3.5"))


def test_a_failing_gate_keeps_the_lines_and_takes_the_payout_back_to_zero():
    result = statement(
        plan(commission(gates=(SATISFACTION_GATE,))),
        sale(TARGET),
        actuals={"customer_satisfaction": D("3.4")},
    )
    assert summary(result) == [
        (LineCode.TIER, 8_000_000, D(2), 160_000),
        (LineCode.TIER, 2_000_000, D(4), 80_000),
        (LineCode.GATE_FAILED, 0, None, -240_000),
    ]
    assert result.lines[-1].params == {
        "measure": "customer_satisfaction",
        "value": D("3.4"),
        "minimum": D("3.5"),
        "forfeited": 240_000,
    }
    assert result.total == 0
    assert result.components[0].gates[0].passed is False


@pytest.mark.parametrize(
    ("actuals", "when_missing", "total"),
    [
        ({"customer_satisfaction": D("3.5")}, GateMissing.PASSES, 240_000),  # at the minimum
        ({}, GateMissing.PASSES, 240_000),  # no answers: passes by default
        ({}, GateMissing.FAILS, 0),
    ],
)
def test_a_gate_passes_at_its_minimum_and_as_configured_without_a_value(
    actuals, when_missing, total
):
    gate = replace(SATISFACTION_GATE, when_missing=when_missing)
    result = statement(plan(commission(gates=(gate,))), sale(TARGET), actuals=actuals)
    assert result.total == total


def test_a_gate_never_cancels_a_clawback():
    component = commission(clawback_rate=D(5), gates=(SATISFACTION_GATE,))
    result = statement(plan(component), sale(-100_000), actuals={"customer_satisfaction": D(1)})
    assert summary(result) == [(LineCode.CLAWBACK, -100_000, D(5), -5_000)]


# --- credits and returns -----------------------------------------------------------------


def test_a_split_credit_pays_each_person_on_their_share_of_the_order():
    # Order SO-9 of 10,000.00 credited 40 % / 60 %: 4,000.00 and 6,000.00, each at 2 % (one tier).
    flat_rate = plan(commission(tiers=(Tier(D(0), D(2)),)))
    people = [
        StatementInput(person_id=7, plan="p", order_lines=[sale(400_000, "SO-9")]),
        StatementInput(person_id=8, plan="p", order_lines=[sale(600_000, "SO-9")]),
    ]
    seven, eight = compute_statements(plans={"p": flat_rate}, people=people, period=MARCH)
    assert (seven.total, eight.total) == (8_000, 12_000)
    assert seven.lines[0].orders == (CreditedOrderLine("SO-9", date(2026, 3, 10), 400_000),)
    # One tier, no threshold: attainment does not matter, so no target is needed.
    assert seven.components[0].attainment is None


FLAT_5 = plan(commission(tiers=(Tier(D(0), D(5)),)))


def test_a_return_in_the_next_period_reduces_that_periods_commission():
    # March: order A 10,000.00 → 500.00. April: A returned (−10,000.00), B sold 30,000.00:
    # net 20,000.00 → 1,000.00, and both order lines are listed.
    march = statement(FLAT_5, sale(1_000_000, "A"))
    april = statement(
        FLAT_5, sale(-1_000_000, "A", day=3, month=4), sale(3_000_000, "B", month=4), period=APRIL
    )
    assert (march.total, april.total) == (50_000, 100_000)
    assert [(part.order, part.amount) for part in april.lines[0].orders] == [
        ("A", -1_000_000),
        ("B", 3_000_000),
    ]
    assert (april.components[0].sales, april.components[0].returns) == (3_000_000, -1_000_000)


def test_without_clawback_a_period_of_net_returns_pays_nothing_and_goes_no_lower():
    april = statement(FLAT_5, sale(-1_000_000, "A", month=4), period=APRIL)
    assert summary(april) == [(LineCode.NOTHING_EARNED, -1_000_000, None, 0)]
    assert april.lines[0].params == {"sales": 0, "returns": -1_000_000, "orders": 1}
    assert april.total == 0


def test_with_clawback_net_returns_are_charged_at_the_clawback_rate():
    # −10,000.00 + 2,000.00 = −8,000.00 × 5 % = −400.00.
    clawing = plan(commission(tiers=(Tier(D(0), D(5)),), clawback_rate=D(5)))
    april = statement(
        clawing, sale(-1_000_000, "A", month=4), sale(200_000, "B", month=4), period=APRIL
    )
    assert summary(april) == [(LineCode.CLAWBACK, -800_000, D(5), -40_000)]
    assert april.total == -40_000


def test_a_return_early_in_the_period_is_shown_as_a_negative_part_of_the_first_slice():
    # Return −500.00 on the 1st, sale 2,000.00 on the 2nd: the running total dips below 0,
    # and the slice shows the return as −500.00 and the sale as 2,000.00 (net 1,500.00).
    result = statement(plan(), sale(-50_000, "R", day=1), sale(200_000, "S", day=2))
    assert [(part.order, part.amount) for part in result.lines[0].orders] == [
        ("R", -50_000),
        ("S", 200_000),
    ]
    assert result.lines[0].base == 150_000


# --- team and bonus components -----------------------------------------------------------

TEAM_BONUS = Component(
    key="team_bonus",
    kind=ComponentKind.BONUS,
    scope=Scope.TEAM,
    tiers=(Tier(D(0), D(100)),),
    multipliers=(Multiplier(D(100), D(2)),),
    threshold=D(80),
    target_amount=200_000,
)


def test_a_team_bonus_reads_the_teams_attainment_not_the_persons():
    # Team 110 %: earned base 2,000.00 × 110 % = 2,200.00; [0, 2,000.00) at 100 % = 2,000.00;
    # [2,000.00, …) 200.00 at 100 % × 2 = 400.00. Total 2,400.00. The person sold nothing.
    teams = {5: TeamMeasures(targets={"revenue": 1_000}, actuals={"revenue": 1_100})}
    result = statement(plan(TEAM_BONUS), team=5, teams=teams)
    assert summary(result) == [
        (LineCode.TIER, 200_000, D(100), 200_000),
        (LineCode.TIER, 20_000, D(200), 40_000),
    ]
    assert result.components[0].attainment == D("110.00")
    assert result.lines[0].params["target_amount"] == 200_000


def test_a_team_bonus_below_the_teams_threshold_pays_nothing():
    teams = {5: TeamMeasures(targets={"revenue": 1_000}, actuals={"revenue": 799})}
    result = statement(plan(TEAM_BONUS), team=5, teams=teams)
    assert summary(result) == [(LineCode.THRESHOLD_NOT_MET, 0, None, 0)]


def test_a_person_without_a_team_gets_no_team_bonus_and_is_told_why():
    result = statement(plan(TEAM_BONUS))
    assert summary(result) == [(LineCode.NO_TARGET, 0, None, 0)]
    assert result.lines[0].params == {"missing": "team", "measure": "revenue"}


def test_a_person_may_have_their_own_target_bonus():
    teams = {5: TeamMeasures(targets={"revenue": 1}, actuals={"revenue": 1})}
    result = statement(
        plan(TEAM_BONUS), team=5, teams=teams, target_amounts={"team_bonus": 300_000}
    )
    assert result.total == 300_000


def test_a_team_commission_pays_the_tier_the_team_reached_on_the_persons_own_revenue():
    # Team at 100 %: 6 % flat on the person's 10,000.00 = 600.00, though they alone are at 10 %.
    component = commission(scope=Scope.TEAM, mode=TierMode.FLAT)
    teams = {5: TeamMeasures(targets={"revenue": 100}, actuals={"revenue": 100})}
    result = statement(plan(component), sale(1_000_000), team=5, teams=teams)
    assert summary(result) == [(LineCode.TIER, 1_000_000, D(6), 60_000)]


def test_a_scorecard_bonus_pays_on_the_total_score():
    # Score 85.5 of 100 → 85.50 % of 5,000.00 = 4,275.00.
    bonus = Component(
        key="bonus",
        kind=ComponentKind.BONUS,
        measure="score",
        period_kind=PeriodKind.QUARTER,
        tiers=(Tier(D(0), D(100)),),
        target_amount=500_000,
    )
    result = statement(
        plan(bonus),
        targets={"score": 100},
        actuals={"score": D("85.5")},
        period=quarter_period(2026, 1),
    )
    assert result.total == 427_500


def test_components_pay_only_on_statements_of_their_period_kind():
    quarterly = Component(
        key="bonus",
        kind=ComponentKind.BONUS,
        period_kind=PeriodKind.QUARTER,
        tiers=(Tier(D(0), D(100)),),
        target_amount=100_000,
    )
    both = plan(commission(), quarterly)
    month = statement(both, sale(TARGET), actuals={"revenue": TARGET})
    assert [result.key for result in month.components] == ["commission"]
    quarter = statement(
        both,
        targets={"revenue": TARGET},
        actuals={"revenue": TARGET},
        period=quarter_period(2026, 1),
    )
    assert [result.key for result in quarter.components] == ["bonus"]
    assert quarter.total == 100_000


# --- draws and guarantees ----------------------------------------------------------------

HIRED = date(2026, 2, 15)  # months 1–3: February, March, April


def test_a_guarantee_tops_a_new_hire_up_and_is_not_recovered():
    # March: earned 1,000.00 (50,000.00 at 2 %), guaranteed 5,000.00 → +4,000.00.
    guaranteed = plan(draw=Draw(kind=DrawKind.GUARANTEE, amount_per_month=500_000, months=3))
    result = statement(guaranteed, sale(5_000_000), hire_date=HIRED)
    assert summary(result)[-1] == (LineCode.GUARANTEE, 0, None, 400_000)
    assert result.lines[-1].params == {
        "guaranteed": 500_000,
        "earned": 100_000,
        "months": 1,
        "hire_date": "2026-02-15",
    }
    assert (result.earned, result.total, result.draw_balance_after) == (100_000, 500_000, 0)
    may = statement(guaranteed, sale(5_000_000, month=5), hire_date=HIRED, period=MAY)
    assert may.total == 100_000  # month 4: no longer guaranteed, nothing recovered


def test_a_recoverable_draw_is_advanced_then_recovered_from_later_earnings():
    drawing = plan(
        draw=Draw(
            kind=DrawKind.RECOVERABLE,
            amount_per_month=500_000,
            months=3,
            recovery_percent=D(50),
        )
    )
    # March: earned 1,000.00 → draw 4,000.00, balance 4,000.00.
    march = statement(drawing, sale(5_000_000), hire_date=HIRED)
    assert summary(march)[-1] == (LineCode.DRAW, 0, None, 400_000)
    assert (march.total, march.draw_balance_after) == (500_000, 400_000)
    # May (not covered): 100,000.00 → 2,400.00 earned; recover 50 % of 2,400.00 = 1,200.00.
    may = statement(
        drawing, sale(TARGET, month=5), hire_date=HIRED, period=MAY, draw_balance=400_000
    )
    assert summary(may)[-1] == (LineCode.DRAW_RECOVERY, 0, None, -120_000)
    assert may.lines[-1].params == {
        "balance_before": 400_000,
        "excess": 240_000,
        "recovery_percent": D(50),
        "balance_after": 280_000,
    }
    assert (may.total, may.draw_balance_before, may.draw_balance_after) == (
        120_000,
        400_000,
        280_000,
    )


def test_a_covered_month_recovers_only_what_is_earned_above_the_draw():
    # April (month 3): earned 2,400.00 > draw 2,000.00 → recover the 400.00 above it.
    drawing = plan(draw=Draw(kind=DrawKind.RECOVERABLE, amount_per_month=200_000, months=3))
    april = statement(
        drawing, sale(TARGET, month=4), hire_date=HIRED, period=APRIL, draw_balance=1_000_000
    )
    assert april.total == 200_000
    assert april.draw_balance_after == 960_000


def test_a_quarterly_draw_counts_the_covered_months_of_the_quarter():
    # Q1 with a hire on 15 Feb: February and March are covered → 2 × 1,000.00.
    quarterly = plan(
        Component(
            key="bonus",
            kind=ComponentKind.BONUS,
            period_kind=PeriodKind.QUARTER,
            tiers=(Tier(D(0), D(100)),),
            target_amount=0,
        ),
        draw=Draw(
            kind=DrawKind.GUARANTEE,
            amount_per_month=100_000,
            months=3,
            period_kind=PeriodKind.QUARTER,
        ),
    )
    result = statement(
        quarterly,
        hire_date=HIRED,
        targets={"revenue": 1},
        actuals={"revenue": 1},
        period=quarter_period(2026, 1),
    )
    assert result.total == 200_000
    assert result.lines[-1].params["months"] == 2


# --- plain text options ------------------------------------------------------------------


def test_options_given_as_plain_text_work_like_the_enums():
    # What a service reads from model fields: "flat" rather than TierMode.FLAT.
    from_text = Component(
        key="commission",
        kind="commission",
        mode="flat",
        period_kind="month",
        tiers=TIERS_2_4_6,
        gates=(Gate("customer_satisfaction", D("3.5"), when_missing="fails"),),
    )
    result = statement(plan(from_text), sale(TARGET), actuals={"customer_satisfaction": D(4)})
    assert summary(result) == [(LineCode.TIER, TARGET, D(6), 600_000)]
    assert result.components[0].kind is ComponentKind.COMMISSION
    guaranteed = plan(draw=Draw(kind="guarantee", amount_per_month=500_000, months=3))
    assert statement(guaranteed, sale(100), hire_date=HIRED).total == 500_000


# --- refused plans and inputs ------------------------------------------------------------


@pytest.mark.parametrize(
    ("component", "code"),
    [
        (commission(tiers=(Tier(D(10), D(2)),)), ErrorCode.BAD_TIERS),
        (commission(tiers=(Tier(D(0), D(2)), Tier(D(0), D(3)))), ErrorCode.BAD_TIERS),
        (commission(tiers=()), ErrorCode.BAD_TIERS),
        (commission(tiers=(Tier(D(0), D(-1)),)), ErrorCode.BAD_NUMBER),
        (commission(threshold=D("50.001")), ErrorCode.BAD_NUMBER),
        (commission(cap=-1), ErrorCode.BAD_AMOUNT),
        (commission(scope=Scope.TEAM), ErrorCode.BAD_OPTION),  # a team commission must be flat
        (commission(target_amount=5), ErrorCode.BAD_OPTION),
        (commission(period_kind=PeriodKind.WEEK), ErrorCode.BAD_PERIOD_KIND),
        (
            commission(multipliers=(Multiplier(D(100), D(2)), Multiplier(D(90), D(1)))),
            ErrorCode.BAD_MULTIPLIERS,
        ),
    ],
)
def test_plans_that_cannot_be_paid_are_refused_naming_the_component(component, code):
    with pytest.raises(IncentiveError) as raised:
        validate_plan(plan(component))
    assert raised.value.code is code
    assert raised.value.component == "commission"


def test_an_order_line_outside_the_period_is_refused():
    with pytest.raises(IncentiveError) as raised:
        statement(plan(), sale(100, month=4))
    assert raised.value.code is ErrorCode.ORDER_OUTSIDE_PERIOD
    assert raised.value.person == 1


def test_an_unknown_plan_is_refused():
    with pytest.raises(IncentiveError) as raised:
        compute_statements(plans={}, people=[StatementInput(person_id=1, plan="x")], period=MARCH)
    assert raised.value.code is ErrorCode.UNKNOWN_PLAN


def test_a_line_turns_into_json():
    result = statement(FLAT_5, sale(1_000, "A"))
    assert result.lines[0].as_json() == {
        "component": "commission",
        "code": "tier",
        "base": 1_000,
        "rate": "5",
        "amount": 50,
        "params": {
            "tier": 1,
            "tier_from": "0.00",
            "tier_to": "",
            "tier_rate": "5",
            "multiplier": "1",
            "multiplier_from": "",
            "attainment": "0.01",
            "mode": "marginal",
            "base_from": 0,
            "base_to": "",
            "orders": 1,
        },
        "orders": [{"order": "A", "day": "2026-03-10", "amount": 1_000}],
    }
    # The compact form: the orders as they are, (order, day, amount), for orjson.
    compact = result.lines[0].as_json(compact=True)
    assert compact["orders"] == (("A", date(2026, 3, 10), 1_000),)
    assert {**compact, "orders": None} == {**result.lines[0].as_json(), "orders": None}


# --- invariants --------------------------------------------------------------------------

PERCENTS = st.integers(0, 200).map(D)
RATES = st.decimals(min_value=0, max_value=20, places=3, allow_nan=False, allow_infinity=False)


@st.composite
def plans(draw: st.DrawFn) -> IncentivePlan:
    starts = sorted(draw(st.lists(st.integers(1, 150), max_size=3, unique=True)))
    tiers = tuple(Tier(D(start), draw(RATES)) for start in [0, *starts])
    multiplier_starts = sorted(draw(st.lists(st.integers(0, 150), max_size=3, unique=True)))
    multipliers = tuple(
        Multiplier(
            D(start),
            draw(
                st.decimals(
                    min_value=0, max_value=3, places=2, allow_nan=False, allow_infinity=False
                )
            ),
        )
        for start in multiplier_starts
    )
    components = [
        commission(
            tiers=tiers,
            multipliers=multipliers,
            mode=draw(st.sampled_from(list(TierMode))),
            threshold=draw(st.none() | PERCENTS),
            cap=draw(st.none() | st.integers(0, 500_000)),
            gates=draw(st.sampled_from([(), (SATISFACTION_GATE,)])),
            clawback_rate=draw(st.none() | RATES),
        )
    ]
    if draw(st.booleans()):
        components.append(
            Component(
                key="bonus",
                kind=ComponentKind.BONUS,
                tiers=tiers,
                multipliers=multipliers,
                mode=draw(st.sampled_from(list(TierMode))),
                target_amount=draw(st.integers(0, 300_000)),
                cap=draw(st.none() | st.integers(0, 500_000)),
            )
        )
    draw_kind = draw(st.none() | st.sampled_from(list(DrawKind)))
    return IncentivePlan(
        key="p",
        components=tuple(components),
        cap=draw(st.none() | st.integers(0, 800_000)),
        draw=None
        if draw_kind is None
        else Draw(kind=draw_kind, amount_per_month=draw(st.integers(0, 300_000)), months=3),
    )


ORDER_LINES = st.lists(
    st.builds(
        CreditedOrderLine,
        st.sampled_from(["A", "B", "C", "D"]),
        st.integers(1, 31).map(lambda day: date(2026, 3, day)),
        st.integers(-3_000_000, 6_000_000),
    ),
    max_size=12,
)


@st.composite
def people(draw: st.DrawFn) -> list[StatementInput]:
    return [
        StatementInput(
            person_id=index,
            plan="p",
            hire_date=draw(st.none() | st.just(HIRED)),
            order_lines=draw(ORDER_LINES),
            targets={"revenue": draw(st.none() | st.integers(0, 20_000_000))},
            actuals={
                "revenue": draw(st.integers(-1_000_000, 20_000_000)),
                "customer_satisfaction": draw(st.none() | st.sampled_from([D(3), D("3.5"), D(4)])),
            },
            draw_balance=draw(st.integers(0, 500_000)),
        )
        for index in range(draw(st.integers(1, 5)))
    ]


def allows_clawback(the_plan: IncentivePlan) -> bool:
    return any(component.clawback_rate is not None for component in the_plan.components)


@settings(max_examples=300, deadline=None)
@given(the_plan=plans(), inputs=people(), seed=st.integers(0, 1_000))
def test_statements_add_up_stay_within_the_plan_and_do_not_depend_on_input_order(
    the_plan, inputs, seed
):
    statements = compute_statements(plans={"p": the_plan}, people=inputs, period=MARCH)
    for result, person in zip(statements, inputs, strict=True):
        assert result.total == sum(line.amount for line in result.lines)
        assert all(type(line.amount) is int for line in result.lines)
        if not allows_clawback(the_plan):
            assert result.total >= 0
        if the_plan.cap is not None:
            assert result.total <= max(the_plan.cap, 0)
            assert result.earned <= the_plan.cap
        for component, outcome in zip(the_plan.components, result.components, strict=True):
            assert outcome.payout == sum(
                line.amount for line in result.lines if line.component == component.key
            )
            if component.cap is not None:
                assert outcome.payout <= component.cap
            if component.clawback_rate is None:
                assert outcome.payout >= 0
        # Every credited order line is on the statement, in parts that add up to it.
        listed: dict[tuple[str | int, date], int] = {}
        for line in result.lines:
            for part in line.orders:
                listed[(part.order, part.day)] = listed.get((part.order, part.day), 0) + part.amount
        credited: dict[tuple[str | int, date], int] = {}
        for order_line in person.order_lines:
            key = (order_line.order, order_line.day)
            credited[key] = credited.get(key, 0) + order_line.amount
        assert listed == credited
        for line in result.lines:
            if line.code is LineCode.TIER and line.orders:
                assert sum(part.amount for part in line.orders) == line.base
        assert result.draw_balance_after >= 0
    shuffled = [
        replace(
            person,
            order_lines=random.Random(seed).sample(person.order_lines, len(person.order_lines)),
        )
        for person in inputs
    ]
    random.Random(seed).shuffle(shuffled)
    again = {
        result.person_id: result
        for result in compute_statements(plans={"p": the_plan}, people=shuffled, period=MARCH)
    }
    assert all(again[result.person_id] == result for result in statements)
