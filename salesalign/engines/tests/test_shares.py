"""Money split by shares and converted between currencies, to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesalign.engines.shares import converted_cents, split_cents, to_cents


def test_conversion_rounds_half_away_from_zero():
    assert converted_cents(Decimal("0.07"), Decimal("7.1")) == 50  # 0.497 → 0.50
    assert converted_cents(Decimal("-0.07"), Decimal("7.1")) == -50
    assert converted_cents(Decimal("1.00"), Decimal("0.125")) == 13  # 0.125 → 0.13
    assert converted_cents(Decimal("100.00"), Decimal("7.25")) == 72500


@pytest.mark.parametrize("rate", [Decimal(0), Decimal(-1)])
def test_a_rate_must_be_positive(rate):
    with pytest.raises(ValueError, match="positive"):
        converted_cents(Decimal(1), rate)


@given(cents=st.integers(min_value=-(10**12), max_value=10**12))
def test_the_company_currency_converts_to_itself(cents):
    amount = Decimal(cents).scaleb(-2)
    assert converted_cents(amount, Decimal(1)) == to_cents(amount) == cents


@given(
    total=st.integers(min_value=-(10**12), max_value=10**12),
    shares=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=8).filter(
        lambda shares: sum(shares) > 0
    ),
)
def test_split_parts_add_up_and_stay_on_the_side_of_the_total(total, shares):
    parts = split_cents(total, shares)
    assert sum(parts) == total
    assert all(part * total >= 0 for part in parts)
    assert all(part == 0 for part, share in zip(parts, shares, strict=True) if share == 0)
