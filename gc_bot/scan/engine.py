"""The libcst check engine: one parse per file, every applicable check on it, across cores."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from gc_bot.scan.pattern import PatternSpec, run_patterns
from gc_bot.workers import take_warm_worker

# Below this many files a process pool costs more than it saves.
_POOL_THRESHOLD = 24
# libcst's native parser overflows the C stack (a crash, not an exception) on a few thousand
# nested brackets and crawls on enormous one-line expressions: such files are screened first.
_MAX_BRACKET_DEPTH = 100
_MAX_LINE_CHARS = 20_000
_NOT_BRACKETS = re.compile(r"[^()\[\]{}]+")
# libcst's time grows with the square of a chain of binary operators (1,000 terms 0.4 s, 4,000
# over 20 s), however the chain is split over lines; a file with fewer operator characters than
# this cannot hold a longer chain, so only such files pay for a screening parse.
_MAX_OPERATOR_CHAIN = 1_000
_OPERATOR_CHARS = "+-*/%|&^@<>"


@dataclass(frozen=True)
class CheckSpec:
    """One principle's use of one check, as sent to a worker (plain data, picklable)."""

    principle: str
    check: str
    options: dict[str, Any]
    team: str | None = None  # the team's checks folder, for a check of its own
    only_for_facts: bool = False  # run only if it is a cross-file check (its facts are needed)


@dataclass(frozen=True)
class Job:
    path: str  # as principle globs see it
    text: str
    specs: tuple[CheckSpec, ...]
    patterns: tuple[PatternSpec, ...] = ()  # ast-grep rules, run on one parse of their own


def analyze(job: Job) -> dict[str, Any]:
    """Parse once and run every spec; a file that cannot be parsed says why instead."""
    import libcst as cst

    from gc_bot.scan.checks import get_check, parse_options
    from gc_bot.scan.parsed import ParsedFile, parse_module

    problem = _unparseable(job.text)
    if problem:
        return {"error": problem}
    try:
        module = parse_module(job.text)
    except cst.ParserSyntaxError as error:
        return {"error": f"syntax error at line {error.raw_line}: {error.message}"}
    except RecursionError:
        return {"error": "nested too deeply to parse"}
    source = ParsedFile(job.path, job.text, module)
    hits: dict[str, list] = {}
    facts: dict[str, Any] = {}
    quiet: dict[str, list] = {}
    failures: list[str] = []
    for spec in job.specs:
        try:
            check = get_check(spec.check, spec.team)
            if spec.only_for_facts and not check.cross_file:
                continue
            result = check.run(source, parse_options(spec.check, spec.options, spec.team))
        except RecursionError:
            return {"error": "nested too deeply to analyse"}
        except Exception as error:  # a bug in one check must not sink the scan: report it, go on
            failures.append(f"check {spec.check} failed: {type(error).__name__}: {error}")
            continue
        if result.hits:
            hits[spec.principle] = [list(hit) for hit in result.hits]
        if result.facts is not None:
            facts[spec.principle] = result.facts
        if result.quiet:
            quiet[spec.principle] = [list(span) for span in result.quiet]
    if job.patterns:
        try:
            hits.update(run_patterns(job.text, job.patterns))
        except Exception as error:  # ast-grep failing on one file must not sink the scan
            failures.append(f"pattern rules failed: {type(error).__name__}: {error}")
    extra = {"failures": failures} if failures else {}
    return {"hits": hits, "facts": facts, **({"quiet": quiet} if quiet else {}), **extra}


def _unparseable(text: str) -> str | None:
    """Why libcst must not be given this file, or None; cheap for ordinary code."""
    longest = max(map(len, text.splitlines()), default=0)
    if longest > _MAX_LINE_CHARS:
        return f"generated code? a line of {longest} characters"
    depth = deepest = 0
    for char in _NOT_BRACKETS.sub("", text):
        depth = depth + 1 if char in "([{" else depth - 1
        deepest = max(deepest, depth)
    operators = sum(map(text.count, _OPERATOR_CHARS))
    if deepest <= _MAX_BRACKET_DEPTH and operators <= _MAX_OPERATOR_CHAIN:
        return None
    try:  # brackets inside strings and comments count above; CPython's parser decides
        tree = ast.parse(text)
    except SyntaxError as error:
        return f"nested too deeply to parse ({error.msg})"
    except (RecursionError, MemoryError, ValueError):
        return "nested too deeply to parse"
    chain = _longest_operator_chain(tree)
    if chain > _MAX_OPERATOR_CHAIN:
        return f"generated code? an expression chaining {chain} operators"
    return None


def _longest_operator_chain(tree: ast.AST) -> int:
    """The most binary operators nested in one another (`1 + 1 + ... + 1` counts each `+`)."""
    longest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, chain = stack.pop()
        chain = chain + 1 if isinstance(node, ast.BinOp) else 0
        longest = max(longest, chain)
        stack.extend((child, chain) for child in ast.iter_child_nodes(node))
    return longest


def analyze_all(
    jobs: list[Job], workers: int, on_done: Callable[[], None] | None = None
) -> Iterator[tuple[Job, dict]]:
    """Results in the order of `jobs`; for few files the warm worker if there is one, else
    in-process; for many, a process pool."""
    if workers <= 1 or len(jobs) < _POOL_THRESHOLD:
        warm = take_warm_worker()
        results = warm.analyze(jobs) if warm is not None and jobs else None
        answers = iter(results) if results is not None else map(analyze, jobs)
        for job, result in zip(jobs, answers, strict=True):
            yield job, result
            if on_done:
                on_done()
        return
    from concurrent.futures import ProcessPoolExecutor  # 40 ms to import: only for a pool
    from multiprocessing import get_context

    context = get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        chunk = max(1, min(16, len(jobs) // (workers * 8)))
        for job, result in zip(jobs, pool.map(analyze, jobs, chunksize=chunk), strict=True):
            yield job, result
            if on_done:
                on_done()
