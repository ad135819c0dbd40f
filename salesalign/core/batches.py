"""Helpers for batch computations: a close, an allocation, an import."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a batch builds its results.

    A close or an import makes hundreds of thousands of small objects that live
    until it ends; the collector would scan the whole, growing heap again and again
    (a sixth of a close's time, measured on the M benchmark). Nothing is lost:
    reference counting still frees what is dropped, and cycles are collected once
    the collector runs again. Nested or concurrent batches leave it to the
    outermost to switch it back on.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def without_cycle_collection(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """`cycle_collection_paused` around every call of `function`."""

    @wraps(function)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with cycle_collection_paused():
            return function(*args, **kwargs)

    return paused
