"""Stretches of work the cyclic garbage collector is kept out of."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Allocate without the cycle collector walking every live object, again and again.

    For work that builds many objects with no reference cycles (an `ast`, the decoded facts of
    every cached file): reference counting frees them, and a collection pass would only walk
    them (a tenth of a warm scan of Django's sdist). Whatever it was, the collector is put back.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
