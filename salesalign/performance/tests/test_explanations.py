"""The steps of "how was this computed" and the statement lines read as the rest of the page: numbers grouped as the
tables write them, formulas in the metrics' names, in the page's language."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from salesalign.performance.models import StatementLine
from salesalign.performance.selectors.scorecards import explain
from salesalign.performance.selectors.statements import explain as statement_explain


def _attainment(actual: str, target: str, attainment: str) -> dict:
    return {
        "code": "attainment",
        "params": {"actual": actual, "target": target, "attainment": attainment},
    }


def test_numbers_are_grouped_and_keep_money_decimals():
    with translation.override("en"):
        assert (
            explain(_attainment("872842.20", "1551283.21", "56.27"))
            == "Attainment: 872,842.20 against 1,551,283.21 = 56.27 %."
        )
    with translation.override("zh-hans"):
        text = explain(_attainment("872842.20", "1551283.21", "56.27"))
        assert "872,842.20" in text and "1,551,283.21" in text


def test_target_and_actual_read_as_the_table_writes_them():
    # The table writes 1.00 and 4.20: the engine's 1.0000 and 4.2 are said the same way.
    with translation.override("en"):
        assert explain(_attainment("1.0000", "1", "100.00")) == (
            "Attainment: 1.00 against 1.00 = 100.00 %."
        )
        assert explain(_attainment("4.2500", "4.2", "101.19")) == (
            "Attainment: 4.25 against 4.20 = 101.19 %."
        )
        template_target = {"code": "target_from_template", "params": {"target": "35"}}
        assert "35.00" in explain(template_target)


def test_other_numbers_keep_their_own_places():
    # Only trailing zeros beyond two decimals go; a count stays a count.
    step = {
        "code": "forced_distribution",
        "params": {
            "natural": "S",
            "max_percent": "10.0000",
            "allowed": "1",
            "group_size": "12",
            "rating": "A",
        },
    }
    with translation.override("en"):
        assert explain(step) == ("The rating S is full (at most 10 %, 1 of 12 people): A.")


def test_a_formula_is_said_with_the_metrics_names():
    step = {
        "code": "formula",
        "params": {"formula": "gross_profit / revenue * 100", "value": "44.61"},
    }
    with translation.override("en"):
        assert explain(step) == "Computed as Gross profit ÷ Revenue × 100 = 44.61."
    with translation.override("zh-hans"):
        assert "毛利 ÷ 销售收入 × 100" in explain(step)
        assert "gross_profit" not in explain(step)


def test_a_missing_value_still_reads_as_a_dash():
    with translation.override("en"):
        assert explain({"code": "attainment", "params": {"actual": "5"}}) == (
            "Attainment: 5.00 against — = — %."
        )


def _bonus_line(base_cents: int, rate: str, amount_cents: int, **params) -> StatementLine:
    return StatementLine(
        code="tier",
        base_cents=base_cents,
        rate=Decimal(rate),
        amount_cents=amount_cents,
        details={"params": {"tier": 1, "tier_from": "0", "tier_to": "", **params}},
    )


def test_a_bonus_line_shows_how_the_target_bonus_became_its_base():
    line = _bonus_line(308580, "100", 308580, attainment="102.86", target_amount=300000)
    with translation.override("en"):
        _title, text = statement_explain(line)
    assert "Target bonus at 100 %: 3,000.00." in text
    assert "Earned at 102.86 %: 3,000.00 × 102.86 % = 3,085.80." in text
    assert text.endswith("3,085.80 × 100.00 % = 3,085.80.")
    with translation.override("zh-hans"):
        _title, text = statement_explain(line)
    assert "102.86%" in text and "100.00%" in text and " %" not in text


def test_a_slice_of_a_bonus_names_its_bounds_instead():
    line = _bonus_line(
        50000, "150", 75000, attainment="120.00", target_amount=300000, base_from=300000, base_to=""
    )
    with translation.override("en"):
        _title, text = statement_explain(line)
    assert "This slice counts the bonus earned above 3,000.00." in text
    assert "Earned at" not in text


def test_a_forced_distribution_is_said_in_the_order_of_the_bands():
    from salesalign.performance.selectors.scorecards import distribution_text

    # As PostgreSQL gives the JSON back: keys sorted, A before S.
    distribution = {"max_percent": {"A": "20", "S": "10"}, "scope": "team"}
    bands = [{"code": "S", "min_score": "120"}, {"code": "A", "min_score": "100"}, {"code": "D"}]
    with translation.override("en"):
        assert distribution_text(distribution, bands) == (
            "S at most 10 %, A at most 20 % of the people, within each team."
        )
