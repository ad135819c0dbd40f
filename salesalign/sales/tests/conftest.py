"""Fixtures of the sales tests (import, export, tasks): a small sales world, and inline tasks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from huey.contrib.djhuey import HUEY

from salesalign.organization.tests.factories import (
    CustomerSegmentFactory,
    ProductLineFactory,
    RegionFactory,
)
from salesalign.sales.models import Customer


@dataclass
class World:
    """The cast, two product lines, a region, a segment and one existing customer."""

    cast: Any
    hardware: Any
    software: Any
    east: Any
    key_accounts: Any
    customer: Any


@pytest.fixture
def world(cast: Any) -> World:
    hardware = ProductLineFactory(code="HW", name="硬件", name_en="Hardware")
    software = ProductLineFactory(code="SW", name="软件", name_en="Software")
    east = RegionFactory(code="EAST", name="华东", name_en="East China")
    key_accounts = CustomerSegmentFactory(code="KA", name="大客户", name_en="Key accounts")
    customer = Customer.objects.create(
        code="C001",
        name="甲公司",
        name_en="Alpha Ltd",
        region=east,
        segment=key_accounts,
        owner=cast.salesperson,
    )
    return World(cast, hardware, software, east, key_accounts, customer)


@pytest.fixture
def immediate_tasks() -> Iterator[Any]:
    """Run huey tasks inline (in memory), as the background path does in tests."""
    previous = HUEY.immediate
    HUEY.immediate = True
    try:
        yield HUEY
    finally:
        HUEY.immediate = previous
