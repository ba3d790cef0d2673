"""Benchmark scan output: `--format text` against `--format json` on 15,000 findings, warm cache.

Usage: python bench/output.py [--runs N] [--findings N]

A generated repository (files of unused imports, 30 findings each) is scanned once to prime the
cache; then the text and the JSON report are timed alternately, so both see the same machine
load. What differs between them is only the renderer. Target: text within 2x of JSON.
Results go to bench/OUTPUT.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from run import BENCH, GC_BOT, timed

RESULTS = BENCH / "OUTPUT.md"
PER_FILE = 30
TARGET_RATIO = 2.0
KEEP = "<!-- notes below this line are kept when the benchmark rewrites the file -->"


def make_repo(root: Path, findings: int) -> Path:
    """A committed repository whose scan yields `findings` no-unused-code findings."""
    root.mkdir(parents=True)
    for index in range(findings // PER_FILE):
        imports = "".join(f"import module_{index}_{n}\n" for n in range(PER_FILE))
        (root / f"mod_{index:04d}.py").write_text(f'"""Module {index}."""\n\n{imports}')
    identity = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "bench"]):
        subprocess.run(["git", *identity, *args], cwd=root, check=True)
    return root


def measure(root: Path, runs: int, env: dict[str, str]) -> tuple[dict[str, list[float]], dict]:
    commands = {
        fmt: [GC_BOT, "scan", "--format", fmt, "--fail-on", "never"] for fmt in ("text", "json")
    }
    out = root.parent / "report"
    timed(commands["json"], root, env, stdout=out, ok_codes=(0,))  # prime the cache
    counted = len(json.loads(out.read_text())["findings"])
    samples: dict[str, list[float]] = {fmt: [] for fmt in commands}
    for _ in range(runs):
        for fmt, command in commands.items():
            samples[fmt].append(timed(command, root, env, stdout=out, ok_codes=(0,)).seconds)
    return samples, {"findings": counted, "commands": commands}


def write(samples: dict[str, list[float]], info: dict, runs: int) -> str:
    median = {fmt: statistics.median(values) for fmt, values in samples.items()}
    ratio = median["text"] / median["json"]
    rows = [
        f"| `{fmt}` | `{' '.join(['gc-bot', *map(str, info['commands'][fmt][1:])])}` | "
        f"{median[fmt]:.3f} | {min(values):.3f}-{max(values):.3f} | {median[fmt] / median['json']:.2f} |"
        for fmt, values in samples.items()
    ]
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join(
        [
            "# gc-bot scan output benchmark",
            "",
            "Written by `bench/output.py`; rerun with:",
            "",
            f"    .venv/bin/python bench/output.py --runs {runs}",
            "",
            f"A generated repository with {info['findings']:,} findings (unused imports, "
            f"{PER_FILE} per file), the cache primed by one scan; {runs} runs of each format, "
            "alternating. Wall-clock medians of the whole process.",
            "",
            "| format | command | wall median (s) | wall range (s) | x json |",
            "|---|---|---:|---:|---:|",
            *rows,
            "",
            f"Text / JSON: {ratio:.2f} (target: within {TARGET_RATIO:.0f}x; "
            f"{'met' if ratio <= TARGET_RATIO else 'not met'}).",
            "",
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, {now} (shared: other work ran beside it).",
            "",
        ]
    )
    kept = RESULTS.read_text().partition(KEEP)[2] if RESULTS.exists() else "\n"
    RESULTS.write_text(text + "\n" + KEEP + kept)
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--findings", type=int, default=15_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gc-bot-bench-output-") as tmp:
        root = make_repo(Path(tmp) / "repo", args.findings)
        env = os.environ | {"XDG_CACHE_HOME": str(Path(tmp) / "cache")}
        samples, info = measure(root, args.runs, env)
    print(write(samples, info, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
