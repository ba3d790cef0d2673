"""Named crash points, so tests can SIGKILL gc-bot at an exact moment of a write.

`GC_BOT_CRASH_AT=name` (or `name:N` for its N-th passage, counting from 1) kills the process
there with SIGKILL, as a CI timeout or a cancelled job would: no cleanup, no `finally`. Unset,
a crash point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
import threading

_passed: dict[str, int] = {}
_lock = threading.Lock()


def crash_point(name: str) -> None:
    wanted = os.environ.get("GC_BOT_CRASH_AT")
    if not wanted:
        return
    target, _, nth = wanted.partition(":")
    if target != name:
        return
    with _lock:
        _passed[name] = _passed.get(name, 0) + 1
        count = _passed[name]
    if count == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
