"""Splitting money by shares so that nothing is lost or made up in rounding."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

_ONE = Decimal(1)


def to_cents(amount: Decimal) -> int:
    """An amount with at most two decimal places, as integer cents (exact)."""
    return int((amount * 100).to_integral_value())


def converted_cents(amount: Decimal, rate: Decimal) -> int:
    """`amount` times an exchange `rate`, as integer cents rounded half away from zero.

    A rate of exactly 1 (the company currency) gives `to_cents(amount)` unchanged.
    """
    if rate <= 0:
        raise ValueError("an exchange rate is positive")
    # Every order line of an import passes here: no multiplication by a rate of 1.
    converted = amount if rate == _ONE else amount * rate
    return int((converted * 100).quantize(_ONE, rounding=ROUND_HALF_UP))


def split_cents(total: int, shares: Sequence[int]) -> list[int]:
    """Split `total` cents by `shares` with the largest remainder, so the parts add up exactly.

    Each part is `total * share / sum(shares)` rounded down (toward zero for a
    negative total); the cents left over go, one each, to the parts with the
    largest remainders (the earlier part first on a tie).
    """
    if len(shares) == 1 and shares[0] > 0:
        return [total]  # most orders have one salesperson
    if not shares:
        raise ValueError("at least one share is needed")
    if any(share < 0 for share in shares):
        raise ValueError("shares cannot be negative")
    whole = sum(shares)
    if whole == 0:
        raise ValueError("the shares add up to zero")
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    parts = []
    remainders = []
    for share in shares:
        part, remainder = divmod(magnitude * share, whole)
        parts.append(part)
        remainders.append(remainder)
    left = magnitude - sum(parts)
    by_remainder = sorted(range(len(shares)), key=lambda index: (-remainders[index], index))
    for index in by_remainder[:left]:
        parts[index] += 1
    return [sign * part for part in parts]
