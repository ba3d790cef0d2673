"""The libcst check engine: one parse per file, every applicable check on it, across cores."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

# Below this many files a process pool costs more than it saves.
_POOL_THRESHOLD = 24


@dataclass(frozen=True)
class CheckSpec:
    """One principle's use of one check, as sent to a worker (plain data, picklable)."""

    principle: str
    check: str
    options: dict[str, Any]


@dataclass(frozen=True)
class Job:
    path: str  # as principle globs see it
    text: str
    specs: tuple[CheckSpec, ...]


def analyze(job: Job) -> dict[str, Any]:
    """Parse once and run every spec; a file that cannot be parsed says why instead."""
    import libcst as cst

    from gc_bot.scan.checks import get_check, parse_options
    from gc_bot.scan.parsed import ParsedFile

    try:
        module = cst.parse_module(job.text)
    except cst.ParserSyntaxError as error:
        return {"error": f"syntax error at line {error.raw_line}: {error.message}"}
    except RecursionError:
        return {"error": "nested too deeply to parse"}
    source = ParsedFile(job.path, job.text, module)
    hits: dict[str, list] = {}
    facts: dict[str, Any] = {}
    try:
        for spec in job.specs:
            result = get_check(spec.check).run(source, parse_options(spec.check, spec.options))
            if result.hits:
                hits[spec.principle] = [list(hit) for hit in result.hits]
            if result.facts is not None:
                facts[spec.principle] = result.facts
    except RecursionError:
        return {"error": "nested too deeply to analyse"}
    return {"hits": hits, "facts": facts}


def analyze_all(jobs: list[Job], workers: int, on_done: Callable[[], None] | None = None) -> Iterator[tuple[Job, dict]]:
    """Results in the order of `jobs`; in-process for few files, else a process pool."""
    if workers <= 1 or len(jobs) < _POOL_THRESHOLD:
        for job in jobs:
            yield job, analyze(job)
            if on_done:
                on_done()
        return
    context = get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        chunk = max(1, min(16, len(jobs) // (workers * 8)))
        for job, result in zip(jobs, pool.map(analyze, jobs, chunksize=chunk), strict=True):
            yield job, result
            if on_done:
                on_done()


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
