"""The allocation engine: every method by hand, the invariants under hypothesis, the backtest."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesalign.engines.allocation import (
    AllocationError,
    AllocationInput,
    AllocationRequest,
    AllocationResult,
    Key,
    Method,
    Step,
    StepCode,
    allocate,
    backtest,
    backtest_request,
    inputs_digest,
    key_order,
)
from salesalign.engines.phasing import active_months, fiscal_months, flat_profile, phase

YEAR = 2026


def request(
    method: Method, total: int, inputs: Sequence[AllocationInput], **options: Any
) -> AllocationRequest:
    return AllocationRequest(
        method=method,
        total=total,
        plan_year=options.pop("plan_year", YEAR),
        inputs=inputs,
        **options,
    )


def person(name: str, **fields: Any) -> AllocationInput:
    return AllocationInput((name,), **fields)


def codes(result: AllocationResult, key: Key) -> list[StepCode]:
    line = next(line for line in result.lines if line.key == key)
    return [step.code for step in line.explanation]


def step(result: AllocationResult, key: Key, code: StepCode) -> Step:
    line = next(line for line in result.lines if line.key == key)
    return next(item for item in line.explanation if item.code is code)


# --- EQUAL -------------------------------------------------------------------------------


def test_an_equal_split_keeps_the_total_exact_and_gives_the_odd_cent_to_the_first_key():
    result = allocate(request(Method.EQUAL, 100, [person("c"), person("a"), person("b")]))
    assert [(line.key, line.amount) for line in result.lines] == [
        (("a",), 34),
        (("b",), 33),
        (("c",), 33),
    ]
    assert result.lines[0].share == Decimal("0.33333333")
    assert codes(result, ("a",)) == [StepCode.EQUAL_SHARE, StepCode.SHARE, StepCode.ROUNDED]
    assert step(result, ("a",), StepCode.EQUAL_SHARE).params == {"count": 3}
    assert step(result, ("a",), StepCode.ROUNDED).params == {"delta": Decimal("0.6667")}
    assert result.remainder == 0


def test_keys_sort_numbers_before_text_at_each_position():
    inputs = [AllocationInput(("x", 2)), AllocationInput((10, "a")), AllocationInput((9, "b"))]
    result = allocate(request(Method.EQUAL, 3, inputs, axes=("a", "b")))
    assert [line.key for line in result.lines] == [(9, "b"), (10, "a"), ("x", 2)]
    assert key_order((2,)) < key_order(("1",))


def test_a_person_hired_mid_year_gets_an_equal_share_for_the_months_they_work():
    inputs = [person("a"), person("b", start_on=date(2026, 7, 1))]
    result = allocate(request(Method.EQUAL, 1800, inputs))
    assert result.amounts() == {("a",): 1200, ("b",): 600}
    assert step(result, ("b",), StepCode.PRORATED).params == {"active_months": 6, "months": 12}
    unprorated = allocate(request(Method.EQUAL, 1800, inputs, prorate_partial_year=False))
    assert unprorated.amounts() == {("a",): 900, ("b",): 900}


# --- HISTORY -----------------------------------------------------------------------------


def test_history_weights_each_years_share_by_the_year_weights():
    # 2024: a 1/4, b 3/4; 2025: a 3/4, b 1/4; weights 1, 2 → a (1/4 + 2·3/4) / 3 = 7/12.
    inputs = [
        person("a", history={2024: 100, 2025: 300}),
        person("b", history={2024: 300, 2025: 100}),
    ]
    result = allocate(request(Method.HISTORY, 1200, inputs, history_years=2, year_weights=(1, 2)))
    assert result.amounts() == {("a",): 700, ("b",): 500}
    assert step(result, ("a",), StepCode.HISTORY_SHARE).params == {
        "share": Decimal("0.58333333"),
        "years": "2024,2025",
        "weights": "1,2",
        "actuals": "100,300",
    }
    assert StepCode.SHRUNK_TOWARD_MARGINALS not in codes(result, ("a",))  # one axis: no prior


def test_history_reads_only_the_years_before_the_plan_year():
    inputs = [
        person("a", history={2022: 9_000, 2025: 100, 2026: 9_000}),
        person("b", history={2025: 300, 2027: 1}),
    ]
    result = allocate(request(Method.HISTORY, 400, inputs, history_years=3))
    assert result.amounts() == {("a",): 100, ("b",): 300}


def test_the_default_year_weights_count_recent_years_more():
    # 2024 (weight 1): a all; 2025 (weight 2): b all → a 1/3, b 2/3.
    inputs = [person("a", history={2024: 50}), person("b", history={2025: 50})]
    result = allocate(request(Method.HISTORY, 300, inputs, history_years=2))
    assert result.amounts() == {("a",): 100, ("b",): 200}


def test_without_any_history_the_history_method_splits_equally_and_says_so():
    inputs = [person("a"), person("b", history={2020: 500})]
    result = allocate(request(Method.HISTORY, 10, inputs))
    assert result.amounts() == {("a",): 5, ("b",): 5}
    assert step(result, ("a",), StepCode.NO_HISTORY).params == {"years": "2023,2024,2025"}


def test_returns_over_sales_count_as_no_sales_in_the_history():
    inputs = [person("a", history={2025: -500}), person("b", history={2025: 100})]
    result = allocate(request(Method.HISTORY, 100, inputs, history_years=1))
    assert result.amounts() == {("a",): 0, ("b",): 100}


def test_a_cell_is_shrunk_toward_the_product_of_its_marginals_by_its_evidence():
    # One year. Observed A·N .5, A·S 0, B·N .3, B·S .2. Each cell's marginals come from the
    # cells off its row or column: A·S: line A outside region S .5/.8, region S outside
    # line A .2/.5 → .25; B·N: (.2/.2)·(.5/.5) = 1; A·N and B·S: 0 (their line sells nothing
    # outside their region) → priors ÷ 1.25: 0, .2, .8, 0. Credibility is 1/2 with 10 facts
    # and κ = 10, 0 without facts: .25, .2, .55, .1 (sum 1.1) → × 1,100 / 1.1.
    def cell(line: str, region: str, amount: int, facts: int) -> AllocationInput:
        return AllocationInput(
            (line, region), history={2025: amount}, history_counts={2025: facts} if facts else {}
        )

    inputs = [
        cell("A", "N", 50, 10),
        cell("A", "S", 0, 0),
        cell("B", "N", 30, 10),
        cell("B", "S", 20, 10),
    ]
    result = allocate(
        request(
            Method.HISTORY,
            1100,
            inputs,
            axes=("product_line", "region"),
            history_years=1,
            prior_strength=Decimal(10),
        )
    )
    assert result.amounts() == {("A", "N"): 250, ("A", "S"): 200, ("B", "N"): 550, ("B", "S"): 100}
    assert step(result, ("B", "N"), StepCode.SHRUNK_TOWARD_MARGINALS).params == {
        "observed": Decimal("0.3"),
        "prior": Decimal("0.8"),
        "weight": Decimal("0.5"),
        "evidence": 10,
        "strength": Decimal(10),
    }
    assert step(result, ("A", "S"), StepCode.SHRUNK_TOWARD_MARGINALS).params["weight"] == 0
    assert codes(result, ("A", "S")) == [
        StepCode.HISTORY_SHARE,
        StepCode.SHRUNK_TOWARD_MARGINALS,
        StepCode.SHARE,
    ]


def test_with_no_prior_strength_every_cell_keeps_its_own_share_even_without_facts():
    # κ = 0: the prior is worth nothing. A·N sold without facts counted, B·S with; the
    # priors of both are 0 (neither line sells outside its region), so taking the prior
    # for the cell without facts would leave nothing to allocate by.
    inputs = [
        AllocationInput(("A", "N"), history={2025: 30}),
        AllocationInput(("A", "S")),
        AllocationInput(("B", "N")),
        AllocationInput(("B", "S"), history={2025: 10}, history_counts={2025: 4}),
    ]
    result = allocate(
        request(
            Method.HISTORY,
            400,
            inputs,
            axes=("product_line", "region"),
            history_years=1,
            prior_strength=Decimal(0),
        )
    )
    assert result.amounts() == {("A", "N"): 300, ("A", "S"): 0, ("B", "N"): 0, ("B", "S"): 100}
    assert step(result, ("A", "N"), StepCode.SHRUNK_TOWARD_MARGINALS).params["weight"] == 1


def grid_with_one_lucky_order() -> list[AllocationInput]:
    """Three product lines × three regions selling steadily; C·S sold once, one large order."""
    inputs = []
    for line in "ABC":
        for region in "NSW":
            if (line, region) == ("C", "S"):
                history, counts = {2025: 10_000}, {2025: 1}
            else:
                history = {year: 1_000 for year in (2023, 2024, 2025)}
                counts = {year: 100 for year in (2023, 2024, 2025)}
            inputs.append(AllocationInput((line, region), history=history, history_counts=counts))
    return inputs


def share_of(result: AllocationResult, key: Key) -> Decimal:
    return next(line.share for line in result.lines if line.key == key)


def test_one_lucky_order_in_a_thin_cell_does_not_set_its_target():
    result = allocate(
        request(
            Method.HISTORY, 1_000_000, grid_with_one_lucky_order(), axes=("product_line", "region")
        )
    )
    thin = step(result, ("C", "S"), StepCode.SHRUNK_TOWARD_MARGINALS).params
    observed, prior = Decimal(thin["observed"]), Decimal(thin["prior"])
    assert thin["evidence"] == 1
    assert thin["weight"] == Decimal("0.0909")  # 1 fact / (1 + 10)
    # Its own order does not raise its prior: the other cells say about 1/9.
    assert abs(prior - Decimal(1) / 9) < Decimal("0.005")
    assert observed > 2 * prior
    # nearly all the way to the prior (the rest is renormalising)
    assert abs(share_of(result, ("C", "S")) - prior) < Decimal("0.25") * (observed - prior)
    # and the steady cells get back what the lucky order no longer claims
    steady = step(result, ("A", "N"), StepCode.SHRUNK_TOWARD_MARGINALS).params
    assert abs(share_of(result, ("A", "N")) - Decimal(1) / 9) < abs(
        Decimal(steady["observed"]) - Decimal(1) / 9
    )


def strong_cell_grid() -> list[AllocationInput]:
    """A·N really sells far above what its product line and region suggest, every year."""
    sales = {("A", "N"): 600, ("A", "S"): 100, ("B", "N"): 100, ("B", "S"): 200}
    return [
        AllocationInput(
            key,
            history=dict.fromkeys((2023, 2024, 2025), amount),
            history_counts=dict.fromkeys((2023, 2024, 2025), 100),
        )
        for key, amount in sales.items()
    ]


def test_a_thick_cell_keeps_about_its_observed_share():
    result = allocate(
        request(Method.HISTORY, 1_000_000, strong_cell_grid(), axes=("product_line", "region"))
    )
    thick = step(result, ("A", "N"), StepCode.SHRUNK_TOWARD_MARGINALS).params
    assert thick["observed"] == Decimal("0.6")
    assert Decimal(thick["prior"]) < Decimal("0.1")  # A·S and B·N alone would put it far lower
    assert thick["weight"] == Decimal("0.9677")  # 300 facts / (300 + 10)
    assert abs(share_of(result, ("A", "N")) - Decimal("0.6")) < Decimal("0.03")


def test_a_strong_prior_pulls_even_a_thick_cell_to_its_marginals():
    result = allocate(
        request(
            Method.HISTORY,
            1_000_000,
            strong_cell_grid(),
            axes=("product_line", "region"),
            prior_strength=Decimal(10**6),
        )
    )
    prior = step(result, ("A", "N"), StepCode.SHRUNK_TOWARD_MARGINALS).params["prior"]
    assert abs(share_of(result, ("A", "N")) - Decimal(prior)) < Decimal("0.001")


def test_a_prior_from_cells_that_say_nothing_about_each_other_leaves_the_shares():
    # A·N and B·S share no product line and no region: no cell can vouch for another.
    inputs = [
        AllocationInput(("A", "N"), history={2025: 300}, history_counts={2025: 1}),
        AllocationInput(("B", "S"), history={2025: 100}, history_counts={2025: 1}),
    ]
    result = allocate(request(Method.HISTORY, 400, inputs, axes=("line", "region")))
    assert result.amounts() == {("A", "N"): 300, ("B", "S"): 100}


def test_without_counts_the_years_with_sales_are_the_evidence():
    inputs = [
        AllocationInput(("A", "N"), history={2023: 10, 2024: 10, 2025: 10}),
        AllocationInput(("A", "S"), history={2025: 10}),
        AllocationInput(("B", "N"), history={2024: 10}),
    ]
    result = allocate(request(Method.HISTORY, 100, inputs, axes=("line", "region")))
    assert step(result, ("A", "N"), StepCode.SHRUNK_TOWARD_MARGINALS).params["evidence"] == 3
    assert step(result, ("A", "S"), StepCode.SHRUNK_TOWARD_MARGINALS).params["evidence"] == 1


# --- HISTORY_MARKET ----------------------------------------------------------------------


def test_market_growth_factors_multiply_the_history_share_and_renormalise():
    inputs = [person("a", history={2025: 50}), person("b", history={2025: 50})]
    factors = {("child", "a"): Decimal("1.2"), ("child", "b"): Decimal("0.8")}
    result = allocate(request(Method.HISTORY_MARKET, 1000, inputs, growth_factors=factors))
    assert result.amounts() == {("a",): 600, ("b",): 400}
    assert step(result, ("a",), StepCode.GROWTH).params == {
        "axis": "child",
        "value": "a",
        "factor": Decimal("1.2"),
    }


def test_growth_factors_apply_per_axis_value_and_default_to_one():
    # History: each of the four cells 1/4. Product line P grows 1.5, region S shrinks to 0.5.
    inputs = [
        AllocationInput((line, region), history={2025: 100}) for line in "PQ" for region in "NS"
    ]
    factors = {("line", "P"): Decimal("1.5"), ("region", "S"): Decimal("0.5")}
    result = allocate(
        request(
            Method.HISTORY_MARKET, 3300, inputs, axes=("line", "region"), growth_factors=factors
        )
    )
    # weights P·N 1.5, P·S 0.75, Q·N 1, Q·S 0.5 (sum 3.75) → × 3300 / 3.75
    assert result.amounts() == {("P", "N"): 1320, ("P", "S"): 660, ("Q", "N"): 880, ("Q", "S"): 440}
    assert [s.params["axis"] for s in result.lines[1].explanation if s.code is StepCode.GROWTH] == [
        "line",
        "region",
    ]


def test_growth_factors_that_leave_nothing_are_refused():
    inputs = [person("a", history={2025: 50})]
    with pytest.raises(AllocationError, match="nothing to allocate") as error:
        allocate(
            request(Method.HISTORY_MARKET, 10, inputs, growth_factors={("child", "a"): Decimal(0)})
        )
    assert error.value.field == "growth_factors"


def test_a_growth_factor_for_an_axis_not_in_the_request_is_refused():
    with pytest.raises(AllocationError, match="not an axis") as error:
        allocate(
            request(
                Method.HISTORY_MARKET,
                10,
                [person("a")],
                growth_factors={("region", "N"): Decimal(1)},
            )
        )
    assert error.value.field == "growth_factors"


# --- CAPACITY ----------------------------------------------------------------------------


def test_capacity_counts_active_months_with_a_ramp_for_new_hires():
    inputs = [
        person("a"),  # 12 months
        person("b", start_on=date(2026, 7, 10)),  # Jul 25 %, Aug 50 %, Sep 75 %, Oct–Dec: 4.5
        person("c", left_on=date(2026, 3, 31)),  # Jan–Mar: 3
        person("d", left_on=date(2025, 12, 31)),  # left before the year: nothing
    ]
    result = allocate(request(Method.CAPACITY, 1950, inputs))
    assert result.amounts() == {("a",): 1200, ("b",): 450, ("c",): 300, ("d",): 0}
    assert step(result, ("b",), StepCode.RAMP).params == {
        "start_on": "2026-07-10",
        "percents": "25,50,75",
    }
    assert step(result, ("b",), StepCode.CAPACITY).params == {
        "headcount": Decimal(1),
        "active_months": 6,
        "ramped_months": Decimal("4.5"),
        "capacity": Decimal("4.5"),
    }
    assert step(result, ("c",), StepCode.LEFT_DURING_YEAR).params == {
        "left_on": "2026-03-31",
        "active_months": 3,
    }
    assert codes(result, ("d",)) == [StepCode.LEFT_BEFORE_YEAR]


def test_a_ramp_that_began_last_year_continues_into_the_plan_year():
    # Hired in November 2025: Nov 25 %, Dec 50 %, January 2026 75 %, then full → 11.75 months.
    inputs = [person("a"), person("b", start_on=date(2025, 11, 15))]
    result = allocate(request(Method.CAPACITY, 2375, inputs))
    assert result.amounts() == {("a",): 1200, ("b",): 1175}


def test_capacity_takes_headcount_and_a_custom_ramp():
    inputs = [
        AllocationInput(("team1",), headcount=Decimal(2)),
        AllocationInput(("team2",), headcount=Decimal(1), start_on=date(2026, 1, 1)),
    ]
    result = allocate(request(Method.CAPACITY, 3550, inputs, ramp=(Decimal(50),)))
    # team1 2 × 12 = 24; team2 1 × (0.5 + 11) = 11.5
    assert result.amounts() == {("team1",): 2400, ("team2",): 1150}


def test_capacity_follows_the_fiscal_year():
    # Fiscal 2026 from April: a leaver of 31 March 2026 is gone before it starts.
    inputs = [
        person("a"),
        person("b", left_on=date(2026, 3, 31)),
        person("c", left_on=date(2026, 6, 30)),
    ]
    result = allocate(request(Method.CAPACITY, 1500, inputs, fiscal_start_month=4))
    assert result.amounts() == {("a",): 1200, ("b",): 0, ("c",): 300}


def test_without_any_capacity_the_active_keys_split_equally():
    inputs = [person("a", headcount=Decimal(0)), person("b", headcount=Decimal(0))]
    result = allocate(request(Method.CAPACITY, 10, inputs))
    assert result.amounts() == {("a",): 5, ("b",): 5}
    assert StepCode.NO_CAPACITY in codes(result, ("a",))


# --- MANUAL ------------------------------------------------------------------------------


def test_manual_amounts_are_kept_and_the_remainder_shown():
    inputs = [person("a", manual_amount=300), person("b", manual_amount=200), person("c")]
    result = allocate(request(Method.MANUAL, 1000, inputs))
    assert result.amounts() == {("a",): 300, ("b",): 200, ("c",): 0}
    assert result.remainder == 500
    assert result.lines[0].share == Decimal("0.3")
    assert codes(result, ("c",)) == [StepCode.NO_MANUAL_AMOUNT]


def test_manual_amounts_above_the_total_leave_a_negative_remainder():
    inputs = [person("a", manual_amount=800), person("b", manual_amount=300)]
    assert allocate(request(Method.MANUAL, 1000, inputs)).remainder == -100


def test_a_manual_amount_for_someone_who_left_before_the_year_is_not_kept():
    inputs = [person("a", manual_amount=300, left_on=date(2025, 6, 30))]
    result = allocate(request(Method.MANUAL, 1000, inputs))
    assert result.amounts() == {("a",): 0}
    assert result.remainder == 1000
    assert codes(result, ("a",)) == [StepCode.LEFT_BEFORE_YEAR]


# --- BLEND -------------------------------------------------------------------------------


def test_a_blend_weights_the_shares_of_its_methods():
    # History .8 / .2, capacity .25 / .75 → 70 % and 30 %: a .635, b .365.
    inputs = [
        person("a", history={2025: 80}, headcount=Decimal(1)),
        person("b", history={2025: 20}, headcount=Decimal(3)),
    ]
    blend = {Method.CAPACITY: Decimal(30), Method.HISTORY: Decimal(70)}
    result = allocate(request(Method.BLEND, 1000, inputs, blend=blend))
    assert result.amounts() == {("a",): 635, ("b",): 365}
    assert codes(result, ("a",)) == [
        StepCode.BLEND_PART,
        StepCode.HISTORY_SHARE,
        StepCode.SHARE,
        StepCode.BLEND_PART,
        StepCode.CAPACITY,
        StepCode.SHARE,
        StepCode.BLENDED_SHARE,  # the parts' shares weighted: said as their result
    ]
    assert step(result, ("a",), StepCode.BLEND_PART).params == {
        "method": "history",
        "weight": Decimal(70),
    }


def test_a_blend_may_take_manual_amounts_as_shares():
    inputs = [person("a", manual_amount=1), person("b", manual_amount=3)]
    blend = {Method.MANUAL: 50, Method.EQUAL: 50}
    result = allocate(request(Method.BLEND, 800, inputs, blend=blend))
    assert result.amounts() == {("a",): 300, ("b",): 500}


@pytest.mark.parametrize(
    ("blend", "message"),
    [
        ({Method.HISTORY: 70, Method.CAPACITY: 20}, "total 90 %, not 100 %"),
        ({}, "at least one method"),
        ({Method.BLEND: 100}, "cannot contain"),
        ({Method.HISTORY: 120, Method.EQUAL: -20}, "negative"),
    ],
)
def test_a_blend_whose_weights_do_not_total_100_is_refused(blend, message):
    with pytest.raises(AllocationError, match=message) as error:
        allocate(request(Method.BLEND, 10, [person("a")], blend=blend))
    assert error.value.field == "blend"


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"total": -1}, "total"),
        ({"inputs": [person("a"), person("a")]}, "inputs"),
        ({"inputs": [AllocationInput(("a", "b"))]}, "inputs"),
        ({"inputs": [person("a", headcount=Decimal(-1))]}, "headcount"),
        ({"inputs": [person("a", manual_amount=-5)]}, "manual_amount"),
        ({"inputs": [person("a", history={2025: Decimal("1.5")})]}, "history"),
        ({"inputs": [person("a", history_counts={2025: -1})]}, "history_counts"),
        (
            {"inputs": [person("a", start_on=date(2026, 5, 1), left_on=date(2026, 4, 1))]},
            "left_on",
        ),
        ({"year_weights": (1, 2)}, "year_weights"),
        ({"year_weights": (0, 0, 0)}, "year_weights"),
        ({"history_years": 0}, "history_years"),
        ({"ramp": (Decimal(120),)}, "ramp"),
        ({"prior_strength": Decimal(-1)}, "prior_strength"),
        ({"fiscal_start_month": 13}, "fiscal_start_month"),
        ({"axes": ()}, "axes"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(changes, field):
    base = request(Method.HISTORY, 100, [person("a")])
    with pytest.raises(AllocationError) as error:
        allocate(replace(base, **changes))
    assert error.value.field == field


def test_a_total_with_nobody_active_to_carry_it_is_refused():
    inputs = [person("a", left_on=date(2025, 1, 31)), person("b", start_on=date(2027, 2, 1))]
    with pytest.raises(AllocationError, match="nobody is active") as error:
        allocate(request(Method.EQUAL, 100, inputs))
    assert error.value.field == "inputs"
    nothing = allocate(request(Method.EQUAL, 0, inputs))
    assert nothing.amounts() == {("a",): 0, ("b",): 0}
    assert codes(nothing, ("b",)) == [StepCode.STARTS_AFTER_YEAR]


# --- explanations and the digest ---------------------------------------------------------


def test_steps_become_json_with_decimals_as_text():
    result = allocate(request(Method.EQUAL, 100, [person("a"), person("b"), person("c")]))
    assert [item.as_json() for item in result.lines[0].explanation] == [
        {"code": "equal_share", "params": {"count": 3}},
        {"code": "share", "params": {"share": "0.33333333"}},
        {"code": "rounded", "params": {"delta": "0.6667"}},
    ]


def test_the_digest_changes_with_any_input_and_not_with_their_order():
    inputs = [person("a", history={2025: 1}), person("b", history={2025: 2})]
    base = request(Method.HISTORY, 100, inputs)
    digest = inputs_digest(base)
    assert inputs_digest(replace(base, inputs=list(reversed(inputs)))) == digest
    assert inputs_digest(replace(base, prior_strength=Decimal("10.0"))) == digest
    assert inputs_digest(replace(base, total=101)) != digest
    assert (
        inputs_digest(replace(base, inputs=[inputs[0], person("b", history={2025: 3})])) != digest
    )
    numbered = request(Method.EQUAL, 1, [AllocationInput((1,))])
    texted = request(Method.EQUAL, 1, [AllocationInput(("1",))])
    assert inputs_digest(numbered) != inputs_digest(texted)
    assert allocate(base).inputs_digest == digest


def test_the_digest_of_the_same_inputs_stays_the_same_from_release_to_release():
    # Stored with every run: a faster digest must spell the very same text.
    pinned = AllocationRequest(
        method=Method.BLEND,
        total=1_000_00,
        plan_year=YEAR,
        axes=("child", "product_line"),
        inputs=[
            AllocationInput(
                ("ann", 3),
                history={2024: 10, 2025: 20},
                history_counts={2025: 2},
                headcount=Decimal("0.5"),
                start_on=date(2026, 3, 2),
            ),
            AllocationInput(
                ("bob", 3), history={2025: 7}, left_on=date(2026, 8, 31), manual_amount=40_00
            ),
        ],
        year_weights=[Decimal(1), Decimal("2.0"), 3],
        prior_strength=Decimal(5),
        growth_factors={("product_line", 3): Decimal("1.150")},
        ramp=(Decimal(30), 60),
        blend={Method.HISTORY: 70, Method.CAPACITY: Decimal("30.0")},
    )
    expected = "beb36702a63aa578aa15049971f80e6b0d763faf54fb3da70995a9a807bbc1fe"
    assert inputs_digest(pinned) == expected
    assert inputs_digest(replace(pinned, total=1_000_01)) != expected


# --- invariants under hypothesis ---------------------------------------------------------

PEOPLE = ("ann", "bob", "cai", "dee", "eve")
LINES = ("P1", "P2", "P3")
dates = st.one_of(st.none(), st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 1, 1)))


@st.composite
def requests(draw: st.DrawFn, methods: Sequence[Method] = tuple(Method)) -> AllocationRequest:
    two_axes = draw(st.booleans())
    axes = ("child", "line") if two_axes else ("child",)
    keys: list[Key] = (
        [(name, line) for name in PEOPLE[:3] for line in LINES]
        if two_axes
        else [(n,) for n in PEOPLE]
    )
    chosen = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=len(keys), unique=True))
    inputs = []
    for key in chosen:
        start_on, left_on = draw(dates), draw(dates)
        if start_on and left_on and left_on < start_on:
            start_on, left_on = left_on, start_on
        history = draw(
            st.dictionaries(st.integers(2021, 2026), st.integers(-100, 10**9), max_size=5)
        )
        counts = draw(st.dictionaries(st.integers(2021, 2026), st.integers(0, 500), max_size=5))
        inputs.append(
            AllocationInput(
                key,
                history=history,
                history_counts=counts,
                headcount=draw(st.decimals(0, 5, places=1)),
                start_on=start_on,
                left_on=left_on,
                manual_amount=draw(st.one_of(st.none(), st.integers(0, 10**9))),
            )
        )
    axis_values = sorted(
        {(axis, value) for key in chosen for axis, value in zip(axes, key, strict=True)}
    )
    factors = draw(
        st.dictionaries(
            st.sampled_from(axis_values), st.decimals(Decimal("0.1"), 3, places=2), max_size=4
        )
    )
    split = draw(st.integers(0, 100))
    first, second = draw(
        st.lists(
            st.sampled_from([Method.EQUAL, Method.HISTORY, Method.HISTORY_MARKET, Method.CAPACITY]),
            min_size=2,
            max_size=2,
            unique=True,
        )
    )
    return AllocationRequest(
        method=draw(st.sampled_from(methods)),
        total=draw(st.integers(0, 10**12)),
        plan_year=YEAR,
        inputs=inputs,
        axes=axes,
        fiscal_start_month=draw(st.integers(1, 12)),
        history_years=3,
        prior_strength=draw(st.decimals(0, 50, places=1)),
        growth_factors=factors,
        blend={first: Decimal(split), second: Decimal(100 - split)},
        prorate_partial_year=draw(st.booleans()),
    )


def anybody_active(allocation_request: AllocationRequest) -> bool:
    months = fiscal_months(allocation_request.plan_year, allocation_request.fiscal_start_month)
    return any(
        any(active_months(months, item.start_on, item.left_on))
        for item in allocation_request.inputs
    )


AUTOMATIC = [m for m in Method if m is not Method.MANUAL]


@settings(max_examples=300, deadline=None)
@given(requests(AUTOMATIC))
def test_children_add_up_to_the_parent_exactly_and_none_is_negative(allocation_request):
    if not anybody_active(allocation_request) and allocation_request.total > 0:
        with pytest.raises(AllocationError):
            allocate(allocation_request)
        return
    result = allocate(allocation_request)
    assert sum(line.amount for line in result.lines) == allocation_request.total
    assert all(line.amount >= 0 for line in result.lines)
    assert result.remainder == 0
    assert [line.key for line in result.lines] == sorted(
        (item.key for item in allocation_request.inputs), key=key_order
    )
    if anybody_active(allocation_request):
        shares = sum((line.share for line in result.lines), Decimal(0))
        assert abs(shares - 1) < Decimal("0.0000001")


@settings(max_examples=200, deadline=None)
@given(requests(), st.randoms(use_true_random=False))
def test_the_same_inputs_in_any_order_give_the_same_output(allocation_request, shuffler):
    shuffled = list(allocation_request.inputs)
    shuffler.shuffle(shuffled)
    try:
        first = allocate(allocation_request)
    except AllocationError:
        with pytest.raises(AllocationError):
            allocate(replace(allocation_request, inputs=shuffled))
        return
    assert allocate(allocation_request) == first
    assert allocate(replace(allocation_request, inputs=shuffled)) == first


@settings(max_examples=200, deadline=None)
@given(requests(), st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31)))
def test_a_person_who_left_gets_nothing_after_leaving(allocation_request, left_on):
    inputs = list(allocation_request.inputs)
    leaver = replace(inputs[0], start_on=None, left_on=left_on)
    allocation_request = replace(allocation_request, inputs=[leaver, *inputs[1:]])
    months = fiscal_months(YEAR, allocation_request.fiscal_start_month)
    try:
        result = allocate(allocation_request)
    except AllocationError:
        return  # nobody active at all: nothing was given to anybody
    amount = result.amounts()[leaver.key]
    active = active_months(months, None, left_on)
    if not any(active):
        assert amount == 0
        return
    phased = phase(amount, flat_profile(), months, active)
    after = [
        part
        for yyyymm, part in zip(months, phased, strict=True)
        if date(yyyymm // 100, yyyymm % 100, 1) > left_on
    ]
    assert sum(after) == 0
    assert sum(phased) == amount


@settings(max_examples=200, deadline=None)
@given(requests([Method.MANUAL]))
def test_the_manual_remainder_is_the_total_less_the_manual_amounts(allocation_request):
    result = allocate(allocation_request)
    assert result.remainder == allocation_request.total - sum(line.amount for line in result.lines)
    months = fiscal_months(YEAR, allocation_request.fiscal_start_month)
    for item in allocation_request.inputs:
        kept = any(active_months(months, item.start_on, item.left_on))
        expected = (item.manual_amount or 0) if kept else 0
        assert result.amounts()[item.key] == expected


# --- backtest ----------------------------------------------------------------------------


def test_the_backtest_of_an_equal_split_on_an_uneven_year_is_known():
    # 2025 actual: a 300, b 100. Equal gives 200 each: errors +100 / −100, WAPE 200 / 400.
    actual = {("a",): 300, ("b",): 100}
    plan = request(Method.EQUAL, 0, [person("a"), person("b")])
    last_year = backtest_request(plan, actual)
    assert (last_year.plan_year, last_year.total) == (2025, 400)
    trial = backtest(last_year, actual)
    assert trial.wape == Decimal("0.5")
    assert [(line.target, line.actual, line.error) for line in trial.lines] == [
        (200, 300, -100),
        (200, 100, 100),
    ]
    assert [line.abs_pct_error for line in trial.lines] == [Decimal("0.3333"), Decimal(1)]
    assert (trial.total_target, trial.total_actual) == (400, 400)


def test_a_stable_history_backtests_perfectly():
    inputs = [
        person("a", history={year: 600 for year in (2022, 2023, 2024)}),
        person("b", history={year: 400 for year in (2022, 2023, 2024)}),
    ]
    actual = {("a",): 1200, ("b",): 800}
    trial = backtest(backtest_request(request(Method.HISTORY, 0, inputs), actual), actual)
    assert trial.wape == 0
    assert all(line.error == 0 for line in trial.lines)


def test_the_backtest_does_not_peek_at_the_year_it_tests():
    inputs = [person("a", history={2024: 500}), person("b", history={2024: 500})]
    actual = {("a",): 900, ("b",): 100}
    leaky = [
        person("a", history={2024: 500, 2025: 900}),
        person("b", history={2024: 500, 2025: 100}),
    ]
    plain = backtest(request(Method.HISTORY, 1000, inputs, plan_year=2025), actual)
    peeking = backtest(request(Method.HISTORY, 1000, leaky, plan_year=2025), actual)
    assert (
        [line.target for line in peeking.lines]
        == [line.target for line in plain.lines]
        == [500, 500]
    )
    assert peeking.wape == Decimal("0.8")


def test_a_backtest_on_a_year_without_sales_has_no_wape():
    trial = backtest(request(Method.EQUAL, 10, [person("a"), person("b")]), {})
    assert trial.wape is None
    assert all(line.abs_pct_error is None for line in trial.lines)


def test_actuals_of_keys_outside_the_request_are_reported_apart():
    actual = {("a",): 100, ("gone",): 50}
    trial = backtest(request(Method.EQUAL, 100, [person("a")]), actual)
    assert trial.actual_outside == 50
    assert trial.wape == 0


@settings(max_examples=100, deadline=None)
@given(requests(AUTOMATIC), st.integers(0, 10**9))
def test_the_wape_is_the_absolute_errors_over_the_actual_total(allocation_request, scale):
    rng = random.Random(scale)
    actual = {item.key: rng.randint(0, 10**6) for item in allocation_request.inputs}
    try:
        trial = backtest(allocation_request, actual)
    except AllocationError:
        return
    total_actual = sum(actual.values())
    assert trial.total_actual == total_actual
    if total_actual == 0:
        assert trial.wape is None
    else:
        expected = Decimal(sum(abs(line.target - actual[line.key]) for line in trial.lines))
        assert trial.wape is not None
        assert abs(trial.wape - expected / total_actual) <= Decimal("0.00005")
