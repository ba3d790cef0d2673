"""A deadline per proposal, kept per thread (the sweep fixes proposals in a thread pool).

`deadline(seconds)` bounds everything the thread does inside it: the agent's requests take at
most the time left as their timeout and none is sent after it (`gc_bot.fix.bounds`), and the
test command runs at most that long (`gc_bot.fix.validate`). No openai import here: the
pipeline sets deadlines for deterministic fixes too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_local = threading.local()


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Bound the work of this thread to `seconds` from now (None: no bound; nested: the
    earlier deadline holds)."""
    before = getattr(_local, "deadline", None)
    if seconds is not None:
        mine = time.monotonic() + max(0.0, seconds)
        _local.deadline = mine if before is None else min(before, mine)
        _local.seconds = seconds if before is None or mine < before else _local.seconds
    try:
        yield
    finally:
        _local.deadline = before


def remaining() -> float | None:
    """Seconds left before this thread's deadline (None: no deadline; never below 0)."""
    at = getattr(_local, "deadline", None)
    return None if at is None else max(0.0, at - time.monotonic())


def deadline_reason() -> str:
    seconds = getattr(_local, "seconds", None)
    limit = f" ({seconds:g}s, the proposal_timeout setting)" if seconds is not None else ""
    return f"deadline: the proposal ran out of time{limit}; skipped, tried again next run"
