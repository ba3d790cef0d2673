"""What `detect: pattern` principles cost on Django's package, against the libcst parse.

Usage: python bench/pattern_cost.py [--runs N] [--write]

Every Python file of Django's package (the pinned sdist, downloaded with pip into bench/.cache
on first use, as bench/run.py does) is read into memory once. Then, in one process, on one
core, each run times: the libcst parse of every file (`libcst.parse_module`, what the scan's
checks pay and what bench/parse_only.py does on every core), the ast-grep parse of every file
(paid once for all pattern principles together), each pattern principle's search over the
parsed trees (`find_all` with its rule, as gc_bot/scan/pattern.py runs it), and the scan's own
`run_patterns` for all of them together (parse included). The principles are the gallery's
(docs/principles) and a few realistic ones written here, loaded and validated by gc-bot's own
principle loader. Medians of N runs, interleaved; the ratio is to the libcst parse of the same
run. bench/parse_only.py is run once too, for the wall clock of the parse on every core.
`--write` puts the table in bench/PATTERNS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import libcst
from run import BENCH, DJANGO_VERSION, PROJECT_PYTHON, django_tree

from gc_bot.principles import load_principles
from gc_bot.scan.pattern import LANGUAGE, PatternSpec, rule_config, run_patterns

GALLERY = BENCH.parent / "docs" / "principles"
RESULTS = BENCH / "PATTERNS.md"
BAR = 0.10
# Rules a team might write on a first afternoon, beside the gallery's (loaded as principles).
REALISTIC = {
    "open-needs-encoding": """\
pattern:
  pattern: open($$$ARGS)
  not: {has: {kind: keyword_argument, regex: ^encoding, stopBy: end}}""",
    "no-print-call": "pattern: print($$$ARGS)",
    "no-bare-except-pass": """\
pattern:
  kind: except_clause
  not: {has: {kind: identifier, stopBy: neighbor}}
  has: {kind: block, has: {kind: pass_statement}}""",
    "compare-none-with-is": """\
pattern:
  any:
    - pattern: $X == None
    - pattern: $X != None""",
    "no-eval": """\
pattern:
  any: [{pattern: eval($$$ARGS)}, {pattern: exec($$$ARGS)}]""",
}


def realistic_folder(into: Path) -> Path:
    for name, detect in REALISTIC.items():
        body = "\n".join("  " + line for line in detect.splitlines())
        (into / f"{name}.yaml").write_text(
            f"id: {name}\ntitle: {name}\nseverity: warning\nrationale: a bench rule\n"
            f"detect:\n{body}\nfix: none\n",
            encoding="utf-8",
        )
    return into


def pattern_specs(folder: Path) -> list[PatternSpec]:
    principles = load_principles(folder)
    return [
        PatternSpec(p.id, rule_config(p.detect), p.title)
        for p in principles
        if p.detect.pattern is not None
    ]


def clock(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def parse_libcst(texts: Sequence[str]) -> None:
    for text in texts:
        libcst.parse_module(text)


def parse_ast_grep(texts: Sequence[str]) -> list:
    from ast_grep_py import SgRoot

    return [SgRoot(text, LANGUAGE).root() for text in texts]


def search(roots: Sequence, spec: PatternSpec) -> int:
    return sum(len(root.find_all(spec.config)) for root in roots)


def measure(texts: list[str], specs: list[PatternSpec], runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    for _ in range(runs):
        for name, seconds in one_run(texts, tuple(specs)).items():
            times.setdefault(name, []).append(seconds)
    return times


def one_run(texts: list[str], specs: tuple[PatternSpec, ...]) -> dict[str, float]:
    seconds = {"libcst parse": clock(lambda: parse_libcst(texts))}
    roots: list = []
    seconds["ast-grep parse"] = clock(lambda: roots.extend(parse_ast_grep(texts)))
    for spec in specs:
        seconds[spec.principle] = clock(lambda s=spec: search(roots, s))
    seconds["run_patterns, all together"] = clock(
        lambda: [run_patterns(text, specs) for text in texts]
    )
    return seconds


def parse_only_wall() -> str:
    start = time.perf_counter()
    done = subprocess.run(
        [PROJECT_PYTHON, BENCH / "parse_only.py", django_tree() / "django"],
        capture_output=True,
        text=True,
        check=True,
    )
    return f"{time.perf_counter() - start:.2f} s ({done.stdout.strip()})"


def render(times: dict[str, list[float]], hits: dict[str, int], files: int, runs: int) -> str:
    base = statistics.median(times["libcst parse"])
    lines = [
        "| what | median s | of the libcst parse | hits |",
        "|---|---:|---:|---:|",
    ]
    for name, samples in times.items():
        median = statistics.median(samples)
        ratio = "1" if name == "libcst parse" else f"{median / base:.1%}"
        lines.append(f"| {name} | {median:.3f} | {ratio} | {hits.get(name, '')} |")
    per = [statistics.median(times[n]) / base for n in hits]
    verdict = "under" if max(per) < BAR else "NOT under"
    lines += [
        "",
        f"{files} files of Django {DJANGO_VERSION}'s package, {runs} runs, one process on one "
        f"core. Every pattern principle is {verdict} {BAR:.0%} of the libcst parse "
        f"(the most: {max(per):.1%}). Load average at the end: "
        + " ".join(f"{x:.1f}" for x in os.getloadavg())
        + f" on {len(os.sched_getaffinity(0))} cores.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", action="store_true", help=f"write the table to {RESULTS}")
    args = parser.parse_args(argv)
    package = django_tree() / "django"
    texts = [p.read_text(encoding="utf-8") for p in sorted(package.rglob("*.py"))]
    with tempfile.TemporaryDirectory() as folder:
        specs = pattern_specs(GALLERY) + pattern_specs(realistic_folder(Path(folder)))
    roots = parse_ast_grep(texts)
    hits = {spec.principle: search(roots, spec) for spec in specs}
    del roots
    times = measure(texts, specs, args.runs)
    table = render(times, hits, len(texts), args.runs)
    wall = parse_only_wall()
    print(table)
    print(f"\nbench/parse_only.py on every core: {wall}")
    if args.write:
        RESULTS.write_text(
            RESULTS.read_text(encoding="utf-8").split("<!-- results -->")[0]
            + "<!-- results -->\n\n"
            + table
            + f"\n\nbench/parse_only.py (libcst parse on every core), same machine: {wall}\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
