"""Worker processes: the cores a scan may use, and a worker forked at a command's start to
parse a few files while the main process does the rest.

Importing libcst costs more than checking a file with it (0.2 s of building its node classes),
and a pre-commit run checks one or two files. Forked before the main process imports much,
the worker imports libcst and the checks while the main process loads the principles, lists
the repository's files and reads the cache; then it parses what it is sent. The main process
never needs libcst: cross-file checks combine their facts without it.

Only where processes are forked (Linux), with a second core, and from a process with no other
thread (a fork copies one thread, and a lock another one held would never be released). A
worker that is not used, or that fails, costs nothing but its own core: it is killed, and
the files are parsed in-process.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

logger = logging.getLogger(__name__)

_worker: WarmWorker | None = None


class WarmWorker:
    """A forked child that imports the checks, then analyses the one batch of jobs it is sent."""

    def __init__(self, pid: int, jobs_out: int, results_in: int) -> None:
        self.pid = pid
        self._jobs_out = jobs_out
        self._results_in = results_in
        self._done = False

    @classmethod
    def fork(cls) -> WarmWorker | None:
        jobs_in, jobs_out = os.pipe()
        results_in, results_out = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(jobs_out)
            os.close(results_in)
            _serve(jobs_in, results_out)
        os.close(jobs_in)
        os.close(results_out)
        return cls(pid, jobs_out, results_in)

    def analyze(self, jobs: list) -> list[dict[str, Any]] | None:
        """Each job's result, in order; None if the worker failed (then parse in-process)."""
        try:
            with os.fdopen(self._jobs_out, "wb") as out:
                pickle.dump(jobs, out, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(self._results_in, "rb") as incoming:
                status, value = pickle.load(incoming)
        except (OSError, EOFError, pickle.UnpicklingError) as error:
            status, value = "failed", f"no answer ({type(error).__name__})"
        finally:
            self._done = True
            self._reap()
        if status != "ok":
            logger.warning("the warm worker failed (%s); parsing in this process", value)
            return None
        return value

    def close(self) -> None:
        """Kill a worker that was never used; reap it either way."""
        if self._done:
            return
        self._done = True
        for fd in (self._jobs_out, self._results_in):
            os.close(fd)
        with suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self._reap()

    def _reap(self) -> None:
        with suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _serve(jobs_in: int, results_out: int) -> None:
    """The child's whole life: warm up, read the jobs, answer, exit without the parent's cleanup."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        from gc_bot.scan.checks import BUILTIN_MODULES, check_class
        from gc_bot.scan.engine import analyze

        for name in BUILTIN_MODULES:
            check_class(name)
        with os.fdopen(jobs_in, "rb") as incoming:
            jobs = pickle.load(incoming)
        answer: tuple[str, Any] = ("ok", [analyze(job) for job in jobs])
    except BaseException as error:  # the parent parses in-process; it must hear why, not hang
        answer = ("failed", f"{type(error).__name__}: {error}")
    try:
        with os.fdopen(results_out, "wb") as out:
            pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:  # the parent went away; nobody to tell
        pass
    os._exit(0)


def usable_cores() -> int:
    """The cores this process may run on (its affinity, as `taskset` or a container sets it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def can_fork() -> bool:
    return sys.platform == "linux" and threading.active_count() == 1 and usable_cores() > 1


@contextmanager
def warm_worker(wanted: bool) -> Iterator[None]:
    """While inside, the engine hands its first small batch to a warm worker, if one could start."""
    global _worker
    _worker = WarmWorker.fork() if wanted and can_fork() else None
    try:
        yield
    finally:
        worker, _worker = _worker, None
        if worker is not None:
            worker.close()


def take_warm_worker() -> WarmWorker | None:
    """The warm worker, for one batch; None if there is none (or it was taken)."""
    global _worker
    worker, _worker = _worker, None
    return worker
