"""The engines' codes in words: allocation steps and findings, in English and in Chinese."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from salesalign.engines.reasonableness import Finding, FindingCode
from salesalign.targets.metrics import target_metric
from salesalign.targets.texts import FINDING_TEXTS, STEP_TEXTS, finding_text, step_text

REVENUE = target_metric("revenue")


def test_a_history_step_reads_as_a_share_of_the_years():
    step = {
        "code": "history_share",
        "params": {"share": "0.125", "years": "2023,2024,2025", "weights": "1,2,3"},
    }
    with translation.override("en"):
        assert (
            step_text(step, REVENUE)
            == "12.5 % of the sales in 2023,2024,2025 (year weights 1,2,3)."
        )


def test_amounts_in_cents_read_in_yuan_and_growth_names_the_product_line():
    with translation.override("en"):
        assert step_text({"code": "manual", "params": {"amount": 123456789}}, REVENUE) == (
            "Entered by hand: 1,234,567.89."
        )
        growth = {"code": "growth", "params": {"axis": "product_line", "value": 3, "factor": "1.2"}}
        assert step_text(growth, REVENUE, {("product_line", 3): "Robots"}) == (
            "Market change ×1.2 for Robots."
        )


def test_a_finding_reads_with_its_numbers_and_in_chinese_too():
    finding = Finding(
        FindingCode.CHILDREN_BELOW_PARENT,
        ("target", 1),
        {"parent": 100000, "children": 90000, "difference": 10000, "child_count": 2},
    )
    with translation.override("en"):
        assert finding_text(finding, REVENUE) == (
            "The targets below add up to 900.00: 100.00 still to place."
        )
    with translation.override("zh-hans"):
        chinese = finding_text(finding, REVENUE)
    assert "900.00" in chinese and "The targets" not in chinese


def test_growth_is_shown_with_a_sign():
    finding = Finding(
        FindingCode.GROWTH_ABOVE_TREND,
        ("p1",),
        {"base_year": 2025, "target_growth": Decimal("0.4"), "trend_growth": Decimal("-0.05")},
    )
    with translation.override("en"):
        assert finding_text(finding, REVENUE) == (
            "Grows +40.0 % on 2025, 45.0 points above its own trend (-5.0 %)."
        )


@pytest.mark.parametrize("code", list(FindingCode))
def test_every_finding_code_has_words(code):
    assert code in FINDING_TEXTS


def test_every_step_code_has_words():
    from salesalign.engines.allocation import StepCode

    assert {str(code) for code in StepCode} <= set(STEP_TEXTS)


def test_a_blend_names_each_part_and_its_result_and_rounding_says_no_fraction_of_a_cent():
    with translation.override("en"):
        part = {"code": "blend_part", "params": {"method": "capacity", "weight": "30"}}
        assert step_text(part, REVENUE) == "By capacity, weighted 30 %:"
        blended = {"code": "blended_share", "params": {"share": "0.014"}}
        assert step_text(blended, REVENUE) == "Blended, the share of the total: 1.4 %."
        rounded = {"code": "rounded", "params": {"delta": "-0.3600"}}
        assert step_text(rounded, REVENUE) == (
            "Rounded to the cent, so that the parts add up exactly to the total."
        )
        counted = {"code": "rounded", "params": {"delta": "0.4000"}}
        assert step_text(counted, target_metric("new_customers")) == (
            "Rounded by +0.40 to a whole number, so that the parts add up exactly to the total."
        )
    with translation.override("zh-hans"):
        assert step_text(part, REVENUE) == "按产能（权重 30%）："
        assert "-0.36" not in step_text(rounded, REVENUE)


def test_a_small_change_does_not_read_as_none():
    from salesalign.targets.texts import percent

    with translation.override("en"):
        assert percent(Decimal("0.000334"), signed=True) == "+0.03 %"  # 3,294.79 on 9.86 m
        assert percent(Decimal("-0.00002"), signed=True) == "-<0.01 %"
        assert percent(Decimal("0"), signed=True) == "0.0 %"
        assert percent(Decimal("0.125")) == "12.5 %"
    with translation.override("zh-hans"):
        assert percent(Decimal("0.000334"), signed=True) == "+0.03%"
        assert percent(Decimal("-0.00002"), signed=True) == "-<0.01%"
        assert percent(Decimal("0.125")) == "12.5%"


def test_a_salespersons_own_target_is_not_said_per_head():
    params = {"per_head": 400000, "median": 200000, "group_size": 5}
    with translation.override("en"):
        person = Finding(FindingCode.FAR_ABOVE_PEERS, ("p1",), {**params, "one_head": True})
        assert finding_text(person, REVENUE) == (
            "4,000.00, far above the median of 5 peers (2,000.00)."
        )
        team = Finding(FindingCode.FAR_ABOVE_PEERS, ("u1",), {**params, "one_head": False})
        assert finding_text(team, REVENUE) == (
            "4,000.00 per head, far above the median of 5 peers (2,000.00)."
        )


def test_the_points_between_two_rates_are_those_of_the_rates_as_shown():
    finding = Finding(
        FindingCode.GROWTH_ABOVE_MARKET,
        ("p1",),
        # 69.555 % and 20.64 % show as +69.6 % and +20.6 %: 49.0 points apart, not 48.9.
        {
            "base_year": 2025,
            "target_growth": Decimal("0.69555"),
            "market_growth": Decimal("0.2064"),
        },
    )
    with translation.override("en"):
        text = finding_text(finding, REVENUE)
    assert "+69.6 %" in text and "+20.6 %" in text and "49.0 points" in text


def test_a_target_below_last_years_falls_rather_than_grows_by_a_negative_rate():
    finding = Finding(
        FindingCode.GROWTH_BELOW_TREND,
        ("p1",),
        {"base_year": 2025, "target_growth": Decimal("-0.072"), "trend_growth": Decimal("0.062")},
    )
    with translation.override("en"):
        assert finding_text(finding, REVENUE) == (
            "Falls 7.2 % on 2025, 13.4 points below its own trend (+6.2 %)."
        )
    with translation.override("zh-hans"):
        assert finding_text(finding, REVENUE) == (
            "较 2025 年下降 7.2%，比自身趋势（+6.2%）低 13.4 个百分点。"
        )
