"""Writes of the sales app. Every way in (pages, import, API, demo) goes through these."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from salesalign.sales.rows import OrderRow, UpsertResult


def orders_upsert(
    *,
    actor: Any,
    source: str,
    rows: Sequence[OrderRow],
    dry_run: bool = False,
    import_batch: Any = None,
) -> UpsertResult:
    """Create or update orders by (source, external ID), all or nothing. Being built: see the sales brief."""
    raise NotImplementedError
