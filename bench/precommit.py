"""Benchmark the pre-commit hook: `gc-bot scan FILE` on one changed file of Django, warm cache.

Usage: python bench/precommit.py [--runs N]

The hook's command as pre-commit runs it (`gc-bot scan <changed files>`), in Django's sdist
tree (a git repository of its own, from bench/run.py), after one priming scan of the tree. Each
run edits the same file first, so that file is parsed afresh while every other file's facts
come from the cache. Baselines, measured in the same run, alternating with the hook: the
interpreter start (`gc-bot --version`) and a warm scan of the whole tree with nothing changed.
Measured twice: on Django's package alone as the repository (the target's case) and on the
whole sdist (django/ and tests/). Results go to bench/PRECOMMIT.md. Target: under 0.5 s wall.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from run import (
    BENCH,
    GC_BOT,
    PROJECT_PYTHON,
    REPO,
    Sample,
    django_tree,
    package_tree,
    shown,
    timed,
    touch_target,
    use_source,
)

RESULTS = BENCH / "PRECOMMIT.md"
TARGET_SECONDS = 0.5


def measure(tree: Path, runs: int) -> tuple[dict[str, list[Sample]], str, list]:
    """Hook runs, alternating with the two baselines, on one primed cache."""
    changed = touch_target(tree)
    relative = changed.relative_to(tree).as_posix()
    original = changed.read_bytes()
    commands = {
        "hook": [GC_BOT, "scan", relative],
        "start": [GC_BOT, "--version"],
        "libcst": [PROJECT_PYTHON, "-c", "import libcst"],
        "whole": [GC_BOT, "scan", ".", "--fail-on", "never"],
    }
    samples: dict[str, list[Sample]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory(prefix="gc-bot-bench-") as cache:
        env = os.environ | {"XDG_CACHE_HOME": cache}
        timed(commands["whole"], tree, env, ok_codes=(0, 1))  # the cache a developer has
        try:
            for run in range(runs):
                samples["start"].append(timed(commands["start"], tree, env, ok_codes=(0,)))
                samples["libcst"].append(timed(commands["libcst"], tree, env, ok_codes=(0,)))
                changed.write_bytes(original + f"# gc-bot bench: edit {run}\n".encode())
                samples["hook"].append(timed(commands["hook"], tree, env, ok_codes=(0, 1)))
                changed.write_bytes(original)
                samples["whole"].append(timed(commands["whole"], tree, env, ok_codes=(0, 1)))
        finally:
            changed.write_bytes(original)
    return samples, relative, [commands[name] for name in ("hook", "start", "libcst", "whole")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--source", type=Path, help="measure gc-bot from this checkout")
    args = parser.parse_args()
    use_source(args.source)
    compile_bytecode(args.source or REPO)
    sdist = django_tree()
    sections = []
    met = True
    for label, tree in (
        ("Django's package alone as the repository (883 files)", package_tree(sdist)),
        ("Django's whole sdist as the repository (django/ and tests/, 2,818 files)", sdist),
    ):
        print(f"{label}: {args.runs} runs", file=sys.stderr)
        samples, relative, commands = measure(tree, args.runs)
        sections.append(render(label, samples, relative, commands))
        met = met and statistics.median(x.seconds for x in samples["hook"]) < TARGET_SECONDS
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M")
    RESULTS.write_text(
        "\n".join(
            [
                "# gc-bot pre-commit hook benchmark",
                "",
                "Written by `bench/precommit.py`; rerun with:",
                "",
                f"    .venv/bin/python bench/precommit.py --runs {args.runs}",
                "",
                "The hook's command as pre-commit runs it, on one changed file (edited before each",
                f"run), the cache primed by one whole scan; {args.runs} runs each, alternating with",
                "the baselines. Medians of the whole process: wall clock, and CPU (user + system of",
                "the process and its children, from wait4(): steadier on a shared machine). gc-bot's",
                "bytecode is compiled first, as pip does when it installs the hook.",
                "",
                *sections,
                f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
                f"{platform.python_version()}, {when} UTC (shared: other work ran beside it).",
                "",
            ]
        )
    )
    print(RESULTS.read_text())
    return 0 if met else 1


def compile_bytecode(source: Path) -> None:
    """Write gc-bot's bytecode first, as pip does when it installs a package.

    An editable checkout under PYTHONDONTWRITEBYTECODE (set on this project's machines) would
    otherwise compile every module from source on every run, which no installed hook does.
    """
    subprocess.run([PROJECT_PYTHON, "-m", "compileall", "-q", str(source / "gc_bot")], check=True)


def render(label: str, samples, relative: str, commands) -> str:
    median = {name: statistics.median(x.seconds for x in xs) for name, xs in samples.items()}
    cpu = {name: statistics.median(x.cpu for x in xs) for name, xs in samples.items()}
    rows = [
        (f"hook: `{relative}` changed", commands[0], "hook", f"< {TARGET_SECONDS} s"),
        ("baseline: interpreter start", commands[1], "start", ""),
        ("baseline: importing libcst alone (any libcst check pays it)", commands[2], "libcst", ""),
        ("baseline: warm scan of the whole tree, nothing changed", commands[3], "whole", ""),
    ]
    lines = [
        f"## {label}",
        "",
        "| measurement | command | wall median (s) | wall range (s) | x start | x libcst import "
        "| CPU median (s) | target | met |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, cmd, key, target in rows:
        values = [x.seconds for x in samples[key]]
        met = ("yes" if median[key] < TARGET_SECONDS else "no") if target else ""
        lines.append(
            f"| {name} | `{shown(cmd)}` | {median[key]:.3f} | {min(values):.3f}-{max(values):.3f} "
            f"| {median[key] / median['start']:.2f} | {median[key] / median['libcst']:.2f} "
            f"| {cpu[key]:.3f} | {target} | {met} |"
        )
    return "\n".join([*lines, ""])


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
