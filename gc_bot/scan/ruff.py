"""The ruff runner: ruff's own binary, isolated from the repository's settings."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field, replace
from functools import cache
from importlib.metadata import version
from pathlib import Path

from gc_bot.errors import OperationalError
from gc_bot.state import cache_dir

# Paths go to ruff in batches, so that a huge monorepo never hits the OS's argument limit.
_BATCH = 2000


@dataclass(frozen=True)
class RuffHit:
    path: str
    code: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str

    def to_json(self) -> list:
        return [self.code, self.line, self.column, self.end_line, self.end_column, self.message]


def ruff_version() -> str:
    return version("ruff")


@cache
def ruff_binary() -> str:
    try:
        from ruff.__main__ import find_ruff_bin
    except ImportError as error:
        raise OperationalError("the ruff package is not installed (pip install ruff)") from error
    try:
        return str(find_ruff_bin())
    except FileNotFoundError as error:
        raise OperationalError(f"ruff's binary is missing: {error}") from error


@cache
def known_codes() -> frozenset[str]:
    """Every rule code this ruff knows, cached per ruff version (asking ruff costs ~0.1 s)."""
    cached = _rules_file()
    try:
        return frozenset(json.loads(cached.read_text())) if cached else _ask_ruff_for_codes()
    except (OSError, ValueError):
        codes = _ask_ruff_for_codes()
    try:
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(sorted(codes)))
        tmp.replace(cached)
    except OSError:
        pass  # an unwritable cache: ask ruff again next time
    return codes


def _rules_file() -> Path | None:
    try:
        return cache_dir() / f"ruff-rules-{ruff_version()}.json"
    except OSError:
        return None


def _ask_ruff_for_codes() -> frozenset[str]:
    output = invoke_ruff(["rule", "--all", "--output-format", "json"], cwd=Path.cwd())
    return frozenset(rule["code"] for rule in json.loads(output) if rule.get("code"))


class RuffCrash(OperationalError):
    """ruff died on its input (a stack overflow, a panic), not on how it was called."""


@dataclass
class RuffRun:
    """ruff's hits, and the files it crashed on (path -> why), which it could not check."""

    hits: list[RuffHit] = field(default_factory=list)
    crashed: dict[str, str] = field(default_factory=dict)


def run_ruff(root: Path, paths: list[str], codes: list[str]) -> RuffRun:
    """Run the given codes over `paths` (relative to `root`); ignore any ruff config of theirs.

    A file ruff crashes on is found by halving the batch, and only it goes unchecked.
    """
    run = RuffRun()
    if not paths or not codes:
        return run
    for start in range(0, len(paths), _BATCH):
        _check_bisecting(root, paths[start : start + _BATCH], codes, run)
    return run


def _check_bisecting(root: Path, paths: list[str], codes: list[str], run: RuffRun) -> None:
    try:
        run.hits += _parse(invoke_ruff([*ruff_check_args(codes), "--", *paths], cwd=root), root)
    except RuffCrash as crash:
        if len(paths) == 1:
            run.crashed[paths[0]] = f"ruff crashed on it ({crash}); its ruff rules were not checked"
            return
        middle = len(paths) // 2
        _check_bisecting(root, paths[:middle], codes, run)
        _check_bisecting(root, paths[middle:], codes, run)


def check_text(root: Path, path: str, text: str, codes: list[str]) -> RuffRun:
    """`run_ruff_on_text` for the scan: a crash on this file is its own, not the scan's."""
    try:
        return RuffRun(run_ruff_on_text(root, path, text, codes))
    except RuffCrash as crash:
        return RuffRun(
            crashed={path: f"ruff crashed on it ({crash}); its ruff rules were not checked"}
        )


def run_ruff_on_text(root: Path, path: str, text: str, codes: list[str]) -> list[RuffHit]:
    """For a file ruff cannot read itself (ruff reads only UTF-8): its decoded text on stdin."""
    if not codes:
        return []
    args = [*ruff_check_args(codes), f"--stdin-filename={path}", "-"]
    return [
        replace(hit, path=path) for hit in _parse(invoke_ruff(args, cwd=root, stdin=text), root)
    ]


def ruff_check_args(codes: list[str]) -> list[str]:
    return [
        "check",
        "--isolated",
        "--no-cache",
        "--exit-zero",
        "--output-format",
        "json",
        "--select",
        ",".join(codes),
    ]


def _parse(output: str, root: Path) -> list[RuffHit]:
    return [
        RuffHit(
            path=Path(os.path.relpath(row["filename"], root.resolve())).as_posix(),
            code=row["code"],
            line=row["location"]["row"],
            column=row["location"]["column"],
            end_line=row["end_location"]["row"],
            end_column=row["end_location"]["column"],
            message=row["message"],
        )
        for row in json.loads(output or "[]")
        if row.get("code") and row["code"] != "invalid-syntax"
    ]


def invoke_ruff(args: list[str], cwd: Path, stdin: str | None = None) -> str:
    try:
        done = subprocess.run(
            [ruff_binary(), *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as error:
        raise OperationalError(f"could not start ruff: {error}") from error
    if done.returncode == 0:
        return done.stdout
    detail = " ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
    if done.returncode < 0 or "panicked" in detail or "overflowed its stack" in detail:
        raise RuffCrash(_crash_cause(done.returncode, detail))
    raise OperationalError(f"ruff failed (exit {done.returncode}): {detail}")


def _crash_cause(returncode: int, detail: str) -> str:
    if "overflowed its stack" in detail:
        return "stack overflow"
    if returncode < 0:
        return f"killed by signal {-returncode}"
    return detail[:200]
