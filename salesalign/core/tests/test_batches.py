"""The collector is paused inside a batch and switched back on after it, even on failure."""

from __future__ import annotations

import gc

import pytest

from salesalign.core.batches import cycle_collection_paused, without_cycle_collection


def test_the_collector_is_paused_inside_and_back_on_after_a_failure():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cycle_collection_paused():
        assert not gc.isenabled()
        raise RuntimeError("the batch failed")
    assert gc.isenabled()


def test_a_nested_batch_leaves_switching_it_on_to_the_outer_one():
    @without_cycle_collection
    def inner() -> bool:
        return gc.isenabled()

    with cycle_collection_paused():
        assert inner() is False
        assert not gc.isenabled()  # the inner batch did not switch it on under the outer one
    assert gc.isenabled()
    assert inner() is False and gc.isenabled()
