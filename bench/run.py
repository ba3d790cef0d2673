"""Benchmark `gc-bot scan` on Django's source against the libcst parse-only floor and peer tools.

Usage: python bench/run.py [--runs N] [--quick] [--no-peers] [--profile]

Every figure times a command end to end as a user runs it (a subprocess, wall clock, interpreter
start and imports included) and is the median of several runs. Downloads, the extracted Django
tree and the peers' virtualenvs live in bench/.cache (gitignored), so a rerun only measures.
The table is printed and written to bench/RESULTS.md; notes below the marker line there are kept.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import pstats
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CACHE = BENCH / ".cache"
RESULTS = BENCH / "RESULTS.md"
PROJECT_BIN = REPO / ".venv" / "bin"
PROJECT_PYTHON = PROJECT_BIN / "python"
GC_BOT = PROJECT_BIN / "gc-bot"
DJANGO_VERSION = "5.2.8"
PEERS = {"fixit": "fixit==2.2.1", "vulture": "vulture==2.16", "pylint": "pylint==4.1.4"}
GC_BOT_OK = (0, 1)  # 1 means "findings at or above --fail-on", which Django has
MIB = 1024 * 1024
GIB = 1024 * MIB
KEEP_MARKER = (
    "<!-- Hand-written notes below this line are kept when bench/run.py rewrites the file. -->"
)


@dataclass(frozen=True)
class Sample:
    seconds: float
    cpu: float  # user + system seconds of the process and its reaped children
    max_rss: int  # bytes: the largest single process of the tree (see memory notes)
    exit_code: int


@dataclass(frozen=True)
class Target:
    limit: float
    relative: bool  # True: at most `limit` times the floor; False: under `limit` seconds

    def describe(self) -> str:
        return f"<= {self.limit:g}x floor" if self.relative else f"< {self.limit:g} s"

    def met(self, seconds: float, floor: float) -> bool:
        return seconds / floor <= self.limit if self.relative else seconds < self.limit


@dataclass(frozen=True)
class Measurement:
    name: str
    command: str
    samples: tuple[Sample, ...]
    target: Target | None = None
    parsed: tuple[int, ...] = ()  # gc-bot's own count of files it parsed, per run

    @property
    def parsed_range(self) -> str:
        low, high = (min(self.parsed), max(self.parsed)) if self.parsed else (None, None)
        return "" if low is None else str(low) if low == high else f"{low}-{high}"

    @property
    def median(self) -> float:
        return statistics.median(sample.seconds for sample in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(sample.cpu for sample in self.samples)

    @property
    def spread(self) -> str:
        seconds = [sample.seconds for sample in self.samples]
        return f"{min(seconds):.2f}-{max(seconds):.2f}"


@dataclass(frozen=True)
class Memory:
    max_rss: int  # largest single process over the cold runs, from wait4()
    tree_pss: int  # peak of the summed PSS of the whole process tree, sampled in one cold run


# ---------------------------------------------------------------- running commands


def run_checked(cmd: Sequence[str | Path], cwd: Path | None = None) -> str:
    """Run a setup command; its output, or a clear failure."""
    done = subprocess.run(list(map(str, cmd)), cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(
            f"failed ({done.returncode}): {shlex.join(map(str, cmd))}\n{done.stderr[-2000:]}"
        )
    return done.stdout


def timed(
    cmd: Sequence[str | Path],
    cwd: Path,
    env: dict[str, str] | None = None,
    stdout: Path | None = None,
    ok_codes: Sequence[int] | None = None,
) -> Sample:
    """Wall clock and peak RSS of one run; wait4() gives the max over the process and its reaped children."""
    with open(stdout or os.devnull, "wb") as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(map(str, cmd)), cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if ok_codes is not None and proc.returncode not in ok_codes:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"exit {proc.returncode}: {shlex.join(map(str, cmd))}\n{tail}")
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(seconds, cpu, usage.ru_maxrss * 1024, proc.returncode)


def process_children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children[int(fields[1])].append(int(stat.parent.name))
    return children


def pss(pid: int) -> int:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    kib = next((line.split()[1] for line in rollup.splitlines() if line.startswith("Pss:")), "0")
    return int(kib) * 1024


def tree_pss(root: int) -> int:
    """Proportional set size of a process and all its descendants: shared pages counted once."""
    children = process_children()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += pss(pid)
        stack.extend(children.get(pid, ()))
    return total


def peak_tree_pss(cmd: Sequence[str | Path], cwd: Path, env: dict[str, str]) -> int:
    """Sample the tree's PSS every 20 ms until the command ends (an untimed run: sampling costs CPU)."""
    proc = subprocess.Popen(
        list(map(str, cmd)), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_pss(proc.pid))
        time.sleep(0.02)
    return peak


# ---------------------------------------------------------------- the corpus and the tools


def django_tree() -> Path:
    """The extracted sdist's root (it holds `django/`), downloaded with pip on first use."""
    root = CACHE / f"django-{DJANGO_VERSION}"
    if (root / ".git").exists():
        return root
    downloads = CACHE / "downloads"
    archive = downloads / f"django-{DJANGO_VERSION}.tar.gz"
    if not archive.exists():
        print(f"downloading Django {DJANGO_VERSION} source distribution with pip", file=sys.stderr)
        pip = [
            PROJECT_PYTHON,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
        ]
        run_checked([*pip, "--dest", downloads, f"django=={DJANGO_VERSION}"])
    with tarfile.open(archive) as sdist:
        sdist.extractall(CACHE, filter="data")
    commit_tree(root)
    return root


def package_tree(sdist: Path) -> Path:
    """Django's package alone as a repository of its own (the sweep's and the hook's corpus)."""
    root = CACHE / f"django-package-{DJANGO_VERSION}"
    if not (root / ".git").exists():
        shutil.copytree(sdist / "django", root / "django", dirs_exist_ok=True)
        commit_tree(root)
    return root


def commit_tree(root: Path) -> None:
    """Make the tree a git repository of its own, as a user's checkout is.

    Inside bench/.cache it would otherwise belong to gc-bot's repository, which ignores it.
    """
    git = [
        "git",
        "-c",
        "user.name=bench",
        "-c",
        "user.email=bench@localhost",
        "-c",
        "commit.gpgsign=false",
    ]
    run_checked([*git, "init", "--quiet"], cwd=root)
    run_checked([*git, "add", "--all"], cwd=root)
    run_checked(
        [*git, "commit", "--quiet", "--message", f"Django {DJANGO_VERSION} sdist"], cwd=root
    )


def peer_bin(name: str) -> Path:
    """A virtualenv of its own per peer, so its libcst never touches the project's."""
    venv = CACHE / "venvs" / name
    stamp = venv / f"installed-{PEERS[name]}"
    if not stamp.exists():
        print(f"installing {PEERS[name]} in {venv}", file=sys.stderr)
        run_checked([PROJECT_PYTHON, "-m", "venv", "--clear", venv])
        run_checked([venv / "bin" / "python", "-m", "pip", "install", "--quiet", PEERS[name]])
        stamp.touch()
    return venv / "bin"


def versions(python: Path, packages: Sequence[str]) -> dict[str, str]:
    code = "import importlib.metadata as m, json, sys; print(json.dumps({p: m.version(p) for p in sys.argv[1:]}))"
    return json.loads(run_checked([python, "-c", code, *packages]))


def scan_command(*extra: str) -> list[str | Path]:
    return [GC_BOT, "scan", "django", "--format", "json", *extra]


@contextmanager
def fresh_cache() -> Iterator[dict[str, str]]:
    """An environment whose gc-bot cache folder is new and empty."""
    with tempfile.TemporaryDirectory(prefix="gc-bot-bench-") as folder:
        yield os.environ | {"XDG_CACHE_HOME": folder}


def touch_target(tree: Path) -> Path:
    """A file in the middle of the tree, the same one on every rerun."""
    files = sorted((tree / "django").rglob("*.py"))
    return files[len(files) // 2]


# ---------------------------------------------------------------- the measurements


def shown(cmd: Sequence[str | Path]) -> str:
    """The command as typed from the Django tree, with the repository's own paths relative to it."""
    return shlex.join(
        str(part.relative_to(REPO)) if isinstance(part, Path) else part for part in cmd
    )


def measure(
    name: str, cmd: Sequence[str | Path], tree: Path, runs: int, target: Target | None = None
) -> Measurement:
    print(f"{name}: {runs} run(s)", file=sys.stderr)
    samples = tuple(timed(cmd, tree) for _ in range(runs))
    return Measurement(name, shown(cmd), samples, target)


def scan_once(tree: Path, env: dict[str, str], report: Path) -> tuple[Sample, int]:
    """One timed `gc-bot scan`, and how many files it says it parsed (the rest came from its cache)."""
    sample = timed(scan_command(), tree, env, stdout=report, ok_codes=GC_BOT_OK)
    return sample, json.loads(report.read_text())["stats"]["parsed"]


def scan_measurement(name: str, runs: Sequence[tuple[Sample, int]], target: Target) -> Measurement:
    samples, parsed = zip(*runs, strict=True)
    return Measurement(name, shown(scan_command()), samples, target, parsed)


def measure_floor_and_cold(
    tree: Path, runs: int, report: Path, warmup: bool
) -> tuple[Measurement, Measurement]:
    """Parse-only and cold scan runs alternate, so that both see the same load from other users."""
    print(f"libcst parse only and gc-bot cold, alternating: {runs} run(s) each", file=sys.stderr)
    parse = [PROJECT_PYTHON, BENCH / "parse_only.py", "django"]
    if warmup:  # reads the tree into the page cache, as every later command finds it
        timed(parse, tree, ok_codes=(0,))
    floor, cold = [], []
    for _ in range(runs):
        floor.append(timed(parse, tree, ok_codes=(0,)))
        with fresh_cache() as env:
            cold.append(scan_once(tree, env, report))
    return (
        Measurement("libcst parse only (floor)", shown(parse), tuple(floor)),
        scan_measurement("gc-bot scan, cold (empty cache)", cold, Target(1.7, True)),
    )


def measure_warm_and_touched(tree: Path, runs: int) -> tuple[Measurement, Measurement]:
    """On one cache: a priming run, `runs` unchanged runs, then `runs` runs each after a one-file edit."""
    print(f"gc-bot warm and touched: {runs} run(s) each", file=sys.stderr)
    touched = touch_target(tree)
    original = touched.read_bytes()
    with fresh_cache() as env, tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "scan.json"
        scan_once(tree, env, report)
        warm = [scan_once(tree, env, report) for _ in range(runs)]
        edits = []
        try:
            for run in range(runs):
                touched.write_bytes(original + f"# gc-bot bench: edit {run}\n".encode())
                edits.append(scan_once(tree, env, report))
        finally:
            touched.write_bytes(original)
    name = f"gc-bot scan, one file touched ({touched.relative_to(tree)})"
    return (
        scan_measurement("gc-bot scan, warm (no change)", warm, Target(0.5, False)),
        scan_measurement(name, edits, Target(2, False)),
    )


@dataclass(frozen=True)
class SweepRuns:
    """Sweeps of Django's package on a warm cache: none, one and `cap` new proposals."""

    fixed: Measurement  # --max-prs 0: everything but fixing
    one: Measurement
    many: Measurement
    proposed: tuple[int, ...]  # proposals made by each run of `many`

    @property
    def per_proposal(self) -> tuple[float, float]:
        """(wall, CPU) seconds a proposal adds: (many - fixed) / proposals, medians."""
        count = statistics.median(self.proposed) or 1
        return (
            (self.many.median - self.fixed.median) / count,
            (self.many.cpu - self.fixed.cpu) / count,
        )


def sweep_command(cap: int) -> list[str | Path]:
    return [GC_BOT, "sweep", "--max-prs", str(cap), "--format", "json"]


def measure_sweeps(package: Path, runs: int, cap: int = 5) -> SweepRuns:
    """Each run sweeps a fresh clone (a fresh ledger) with no agent and no test command, so
    every second is the sweep's own: the codemod and ruff fixers, validation, git."""
    print(
        f"gc-bot sweep, warm cache: {runs} run(s) each of 0, 1 and {cap} proposals", file=sys.stderr
    )
    samples: dict[int, list[Sample]] = {0: [], 1: [], cap: []}
    proposed: list[int] = []
    with fresh_cache() as env, tempfile.TemporaryDirectory(prefix="gc-bot-sweep-") as folder:
        timed([GC_BOT, "scan", ".", "--fail-on", "never"], package, env, ok_codes=(0,))
        for run in range(runs):
            for wanted in samples:
                clone = Path(folder) / f"run{run}-{wanted}"
                run_checked(["git", "clone", "--quiet", package, clone])
                report = Path(folder) / f"sweep{run}-{wanted}.json"
                samples[wanted].append(
                    timed(sweep_command(wanted), clone, env, stdout=report, ok_codes=(0,))
                )
                made = [
                    p
                    for p in json.loads(report.read_text())["proposals"]
                    if p["status"] == "proposed"
                ]
                if wanted == cap:
                    proposed.append(len(made))
                shutil.rmtree(clone, ignore_errors=True)
    return SweepRuns(
        Measurement(
            "gc-bot sweep, no new proposal (--max-prs 0)",
            shown(sweep_command(0)),
            tuple(samples[0]),
        ),
        Measurement("gc-bot sweep, one new proposal", shown(sweep_command(1)), tuple(samples[1])),
        Measurement(
            f"gc-bot sweep, up to {cap} new proposals",
            shown(sweep_command(cap)),
            tuple(samples[cap]),
        ),
        tuple(proposed),
    )


def sweep_table(sweeps: SweepRuns) -> list[str]:
    wall, cpu = sweeps.per_proposal
    lines = [
        "| measurement | runs | wall median (s) | wall range (s) | CPU median (s) | proposals |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for item, made in (
        (sweeps.fixed, "0"),
        (sweeps.one, "1"),
        (sweeps.many, "-".join(sorted({str(n) for n in sweeps.proposed}))),
    ):
        lines.append(
            f"| {item.name} | {len(item.samples)} | {item.median:.2f} | {item.spread} | {item.cpu:.1f} | {made} |"
        )
    met = "yes" if wall <= 1 else "**no**"
    lines += [
        "",
        "| the sweep's own cost per proposal (no agent, no test command) | wall (s) | CPU (s) | target (wall) | met |",
        "|---|---:|---:|---|---|",
        f"| (up to N proposals - no proposal) / proposals made | {wall:.2f} | {cpu:.2f} | <= 1 s | {met} |",
    ]
    return lines


def measure_memory(tree: Path, cold: Measurement) -> Memory:
    print("gc-bot cold, sampling memory", file=sys.stderr)
    with fresh_cache() as env:
        peak = peak_tree_pss(scan_command(), tree, env)
    return Memory(max(sample.max_rss for sample in cold.samples), peak)


def measure_peers(tree: Path, runs: int, slow_runs: int) -> list[Measurement]:
    fixit, vulture, pylint = (peer_bin(name) for name in ("fixit", "vulture", "pylint"))
    return [
        measure(
            f"Fixit {PEERS['fixit'].split('==')[1]}, default rules",
            [fixit / "fixit", "lint", "django"],
            tree,
            slow_runs,
        ),
        measure(
            f"vulture {PEERS['vulture'].split('==')[1]}",
            [vulture / "vulture", "django"],
            tree,
            runs,
        ),
        measure(
            f"pylint {PEERS['pylint'].split('==')[1]}, duplicate-code only",
            [pylint / "pylint", "--disable=all", "--enable=duplicate-code", "django"],
            tree,
            min(runs, 3),
        ),
    ]


# ---------------------------------------------------------------- profiling


def area(filename: str) -> str:
    """Where a profiled function lives, coarsely: a gc_bot module, a libcst subpackage, a library."""
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C)"
    parts = Path(filename).parts
    if "gc_bot" in parts:
        return "/".join(parts[parts.index("gc_bot") :])
    if "site-packages" in parts:
        package = parts[parts.index("site-packages") + 1 :]
        return "/".join(package[:2]) if package[0] == "libcst" and len(package) > 2 else package[0]
    return "stdlib/" + parts[-1]


def profiles_for(
    tree: Path, ours: Sequence[Measurement], floor: Measurement, forced: bool, quick: bool
) -> dict[str, str]:
    """A profile of the cold scan and of the warm scan wherever their targets were missed."""
    cold, *cached = ours
    missed = {
        item.name for item in ours if item.target and not item.target.met(item.median, floor.median)
    }
    profiles = {}
    if forced or (cold.name in missed and not quick):
        profiles["cold scan"] = check_costs(tree) + "\n\n" + profile_scan(tree, warm=False)
    if forced or (missed.intersection(item.name for item in cached) and not quick):
        profiles["warm scan"] = profile_scan(tree, warm=True)
    return profiles


def check_costs(tree: Path) -> str:
    """Each check's CPU next to the parse, unprofiled (cProfile inflates many small calls)."""
    print("timing each check against the parse", file=sys.stderr)
    table = run_checked([PROJECT_PYTHON, BENCH / "check_costs.py", "django"], cwd=tree)
    return f"Per check, from `{shown([PROJECT_PYTHON, BENCH / 'check_costs.py', 'django'])}`:\n\n{table.strip()}"


def profile_scan(tree: Path, warm: bool, top: int = 15) -> str:
    """A cProfile of one scan in a single process (`--jobs 1`), summed by area and by function."""
    print(f"profiling a {'warm' if warm else 'cold'} scan with --jobs 1", file=sys.stderr)
    scan = ["-m", "gc_bot", "scan", "django", "--format", "json", "--jobs", "1"]
    with fresh_cache() as env, tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "scan.prof"
        if warm:
            timed([PROJECT_PYTHON, *scan], tree, env, ok_codes=GC_BOT_OK)
        cmd = [PROJECT_PYTHON, "-m", "cProfile", "-o", output, *scan]
        sample = timed(cmd, tree, env, ok_codes=GC_BOT_OK)
        stats = pstats.Stats(str(output))
    by_area: Counter[str] = Counter()
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        by_area[area(filename)] += tottime
    total = sum(by_area.values())
    lines = [
        f"Profiled run: {sample.seconds:.1f} s wall under cProfile, {total:.1f} s of profiled CPU.",
        "",
    ]
    lines += ["| area (own time) | seconds | share |", "|---|---:|---:|"]
    lines += [
        f"| `{name}` | {secs:.2f} | {secs / total:.0%} |" for name, secs in by_area.most_common(top)
    ]
    listing = io.StringIO()
    stats.stream = listing  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(top * 2)
    body = listing.getvalue().split("ncalls", 1)[-1]
    lines += [
        "",
        "Top functions by cumulative time:",
        "",
        "```",
        "   ncalls" + body.rstrip(),
        "```",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- reporting


def machine(with_peers: bool) -> list[tuple[str, str]]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    project = versions(PROJECT_PYTHON, ["gc-bot", "ruff", "libcst"])
    commit = run_checked(["git", "rev-parse", "--short", "HEAD"], cwd=REPO).strip()
    dirty = run_checked(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO).strip()
    python = run_checked(
        [PROJECT_PYTHON, "-c", "import platform; print(platform.python_version())"]
    ).strip()
    rows = [
        ("date (UTC)", datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M")),
        (
            "cores usable (sched_getaffinity) / online",
            f"{len(os.sched_getaffinity(0))} / {os.cpu_count()}",
        ),
        ("CPU", model),
        ("OS", platform.platform()),
        ("python", python),
        (
            "gc-bot",
            f"{project['gc-bot']} (commit {commit}{', with uncommitted changes' if dirty else ''})",
        ),
        ("ruff / libcst (project venv)", f"{project['ruff']} / {project['libcst']}"),
        ("corpus", f"Django {DJANGO_VERSION} sdist's `django/` package, a repository of its own"),
    ]
    for name in PEERS if with_peers else ():
        found = versions(peer_bin(name) / "python", [name, "libcst"] if name == "fixit" else [name])
        rows.append(
            (
                f"peer: {name}",
                ", ".join(f"{package} {version}" for package, version in found.items()),
            )
        )
    return rows


def table(measurements: Sequence[Measurement], floor: Measurement) -> list[str]:
    lines = [
        "| measurement | runs | wall median (s) | wall range (s) | wall x floor "
        "| CPU median (s) | CPU x floor | files parsed | target (wall) | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for item in measurements:
        target = item.target.describe() if item.target else ""
        met = (
            ("yes" if item.target.met(item.median, floor.median) else "**no**")
            if item.target
            else ""
        )
        lines.append(
            f"| {item.name} | {len(item.samples)} | {item.median:.2f} | {item.spread} "
            f"| {item.median / floor.median:.2f} | {item.cpu:.1f} | {item.cpu / floor.cpu:.2f} "
            f"| {item.parsed_range} | {target} | {met} |"
        )
    return lines


def memory_table(memory: Memory) -> list[str]:
    def row(name: str, value: int) -> str:
        return f"| {name} | {value / MIB:.0f} | < 1024 | {'yes' if value < GIB else '**no**'} |"

    return [
        "| peak memory, gc-bot cold scan | MiB | target | met |",
        "|---|---:|---|---|",
        row("max RSS of the largest single process (parent, worker or ruff)", memory.max_rss),
        row("peak total PSS of the whole process tree (sampled every 20 ms)", memory.tree_pss),
    ]


def findings_table(report: Path) -> list[str]:
    data = json.loads(report.read_text())
    counts = Counter(finding["principle"] for finding in data["findings"])
    stats = data.get("stats", {})
    lines = [
        f"Files: {stats.get('files', '?')}, principles: {stats.get('principles', '?')}, findings: {len(data['findings'])}.",
        "",
    ]
    lines += ["| principle | findings |", "|---|---:|"]
    lines += [f"| {principle} | {count} |" for principle, count in counts.most_common()]
    return lines


def kept_notes() -> str:
    if not RESULTS.exists():
        return ""
    _, found, notes = RESULTS.read_text().partition(KEEP_MARKER)
    return notes if found else ""


def render(sections: dict[str, list[str]], command: str) -> str:
    lines = [
        "# gc-bot scan benchmark",
        "",
        "Written by `bench/run.py`; a snapshot: checks are still being added, so rerun it with:",
        "",
        f"    {command}",
        "",
    ]
    for title, body in sections.items():
        lines += [f"## {title}", "", *body, ""]
    return "\n".join(lines) + KEEP_MARKER + (kept_notes() or "\n")


def method_notes(runs: int, slow_runs: int, quick: bool, load: tuple[str, str]) -> list[str]:
    return [
        f"- Each time is a median of wall-clock times of the command run as a subprocess from the root "
        f"of Django's package repository (runs: {runs}; Fixit {slow_runs}, pylint {min(runs, 3)}, as they are slow), interpreter "
        "start and imports included. The parse-only floor (`bench/parse_only.py`) parses every file with "
        "`libcst.parse_module` over a process pool on all usable cores"
        + (" (`--quick`: no warm-up run)." if quick else ", after one untimed warm-up run."),
        "- Django's package (`django/` of the sdist) is made a git repository of its own (one "
        "commit), as a user's checkout is, so gc-bot lists files with git as it does there; in "
        "the whole sdist a scan of `django/` would read `tests/` too for cross-file facts.",
        "- The parse-only and cold runs alternate (parse, cold, parse, cold, ...) so that the ratio "
        "compares runs made under the same load. CPU is user + system time of the command and every "
        "child it waited for (from `wait4()`): it hardly moves when other users compete for the cores, "
        "so its ratio is the steadier comparison on a shared machine; the targets are judged on wall time. "
        "Files parsed is gc-bot's own count (`stats.parsed` in its JSON): all files cold, none warm, one "
        "after the touch; anything else means the code or principles changed during the run.",
        "- Cold: every run gets a fresh, empty `XDG_CACHE_HOME`. Warm: one priming run, then unchanged runs "
        "on that cache. One file touched: on the same cache, a different comment line is appended to the "
        "same mid-tree file before each run (so exactly one file is re-parsed); the file is restored after.",
        "- Sweep: each run sweeps a fresh `git clone` of the package repository (a fresh ledger) "
        "on one cache primed by a scan, with no agent and no test command, so every second is the "
        "sweep's own (ruff and codemod fixers, validation, git); runs of no, one and up to five "
        "new proposals alternate. Per proposal: (up to five - none) / proposals made, medians.",
        "- Memory: RSS is per process, and the scan's workers are forked, sharing the parent's pages, so a "
        "sum of RSS counts shared pages several times. The first row is `ru_maxrss` from `wait4()` on the "
        "`gc-bot` process, which Linux reports as the max over that process and every child it reaped "
        "(workers and ruff): the largest single process. The second samples PSS (shared pages divided "
        "among their sharers) summed over the live process tree: the whole tool's footprint.",
        f"- Shared machine: other engineers were using the same cores. Load average (1, 5, 15 min) "
        f"was {load[0]} at the start and {load[1]} at the end; expect a few percent of noise.",
    ]


def sweep_measurements(sweeps: SweepRuns | None) -> list[Measurement]:
    return [sweeps.fixed, sweeps.one, sweeps.many] if sweeps else []


def use_source(source: Path | None) -> None:
    """gc-bot's commands import it from `source` (PYTHONPATH wins over the editable install)."""
    if source is not None:
        os.environ["PYTHONPATH"] = str(source.resolve())
        print(f"measuring gc-bot from {source.resolve()}", file=sys.stderr)


def loadavg() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (default 5)")
    parser.add_argument(
        "--slow-runs", type=int, default=1, help="runs of Fixit, ~3 min each (default 1)"
    )
    parser.add_argument("--quick", action="store_true", help="every measurement once, no warm-up")
    parser.add_argument("--no-peers", action="store_true", help="skip Fixit, vulture and pylint")
    parser.add_argument(
        "--profile", action="store_true", help="profile the cold scan even if it meets its target"
    )
    parser.add_argument("--no-sweep", action="store_true", help="skip the sweep measurement")
    parser.add_argument(
        "--source",
        type=Path,
        help="measure gc-bot from this checkout (e.g. a git worktree of an older commit)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    use_source(args.source)
    runs, slow_runs = (1, 1) if args.quick else (args.runs, args.slow_runs)
    command = shlex.join(["python", "bench/run.py", *(sys.argv[1:] if argv is None else argv)])
    start_load = loadavg()
    # Django's package as a repository of its own: a scan of `django/` in the whole sdist also
    # reads tests/ for cross-file facts (2,818 files), while the floor parses django/ (883).
    tree = package_tree(django_tree())
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "cold.json"
        floor, cold = measure_floor_and_cold(tree, runs, report, warmup=not args.quick)
        warm, touched = measure_warm_and_touched(tree, runs)
        memory = measure_memory(tree, cold)
        peers = [] if args.no_peers else measure_peers(tree, runs, slow_runs)
        sweeps = None if args.no_sweep else measure_sweeps(tree, min(runs, 3))
        findings = findings_table(report)
    ours = [cold, warm, touched]
    profiles = profiles_for(tree, ours, floor, forced=args.profile, quick=args.quick)
    sections = {
        "Results": table([floor, *ours, *peers], floor),
        "Peak memory": memory_table(memory),
        **({"Sweep of Django's package, warm cache": sweep_table(sweeps)} if sweeps else {}),
        "Machine": [
            "| | |",
            "|---|---|",
            *(f"| {key} | {value} |" for key, value in machine(with_peers=bool(peers))),
        ],
        "Commands": [
            f"- {item.name}: `{item.command}`"
            for item in [floor, *ours, *peers, *(sweep_measurements(sweeps))]
        ],
        "How it is measured": method_notes(runs, slow_runs, args.quick, (start_load, loadavg())),
        "Findings of the cold scan, per principle": findings,
    }
    for title, profile in profiles.items():
        sections[f"Where the time goes: {title}, profiled"] = profile.splitlines()
    print("\n".join([*sections["Results"], "", *sections["Peak memory"]]))
    RESULTS.write_text(render(sections, command))
    print(f"\nwrote {RESULTS.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
