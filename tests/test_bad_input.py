"""Bad input stays local: one clear line for it, and the rest of the run goes on.

Real symlinks, the real ruff binary crashing, a file named like an option, a YAML alias bomb
under a memory limit, a bare repository.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from gc_bot.scan.ruff import ruff_binary
from tests.conftest import git, make_repo, run_gc_bot

UNUSED = "import os\n\nVALUE = 1\n"
# What makes ruff overflow its stack (a generated file, say): one expression of 20,000 terms.
HUGE_EXPRESSION = "x = " + " + ".join(["1"] * 20_000) + "\n"


def scan_json(root: Path, *args: str) -> dict:
    done = run_gc_bot(root, "scan", "--format", "json", "--no-cache", *args)
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)


def skipped(report: dict) -> dict[str, str]:
    return {s["path"]: s["reason"] for s in report["skipped"]}


def flagged(report: dict) -> set[str]:
    return {f["path"] for f in report["findings"] if f["principle"] == "no-unused-code"}


def with_symlink_loops(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo", {"a.py": UNUSED, "pkg/b.py": UNUSED}, commit=False)
    os.symlink("self.py", root / "self.py")
    os.symlink("two.py", root / "one.py")
    os.symlink("one.py", root / "two.py")
    os.symlink("..", root / "pkg" / "up")  # a folder loop: git keeps it as a link
    os.symlink("a.py", root / "alias.py")  # the look-alike: a link that resolves
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "links")
    return root


def test_symlink_loops_are_skipped_by_scan_and_sweep_and_the_rest_goes_on(tmp_path):
    root = with_symlink_loops(tmp_path)
    report = scan_json(root)
    reasons = skipped(report)
    assert {p for p, r in reasons.items() if "symlink loop" in r} == {"self.py", "one.py", "two.py"}
    assert {"a.py", "pkg/b.py", "alias.py"} <= flagged(report)

    done = run_gc_bot(root, "sweep", "--format", "json")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    proposed = [p for p in json.loads(done.stdout)["proposals"] if p["status"] == "proposed"]
    assert any("a.py" in p["files"] for p in proposed)
    assert git(root, "status", "--porcelain") == ""


def test_a_file_ruff_crashes_on_is_skipped_with_the_reason_and_the_batch_still_checked(tmp_path):
    files = {f"m{i}.py": UNUSED for i in range(5)}
    root = make_repo(tmp_path / "repo", {**files, "generated.py": HUGE_EXPRESSION})
    alone = subprocess.run(
        [ruff_binary(), "check", "--isolated", "--no-cache", "--", "generated.py"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert alone.returncode < 0 and "overflowed its stack" in alone.stderr  # it really crashes

    report = scan_json(root)
    assert "ruff crashed on it (stack overflow)" in skipped(report)["generated.py"]
    assert flagged(report) == set(files)  # every other file of its batch was still checked
    text = run_gc_bot(root, "scan", "--no-cache")
    assert "skipped generated.py" in text.stdout and "ruff crashed" in text.stdout
    assert "Traceback" not in text.stderr and "ruff failed" not in text.stderr


def test_a_long_operator_chain_over_many_lines_is_skipped_not_parsed_for_minutes(tmp_path):
    # libcst needs minutes for these (its time grows with the square of the chain), and the
    # one-line guard does not see them: split over lines, every line is short.
    chains = {
        "generated.py": "x = (\n" + " +\n".join(["1"] * 20_000) + ")\n",  # too deep for CPython
        "table.py": "y = (\n" + " +\n".join(["2"] * 1_500) + ")\n",  # CPython parses it
    }
    files = {f"m{i}.py": UNUSED for i in range(3)}
    look_alike = "z = [\n" + ",\n".join(["1 + 2"] * 3_000) + "]\n"  # many operators, no chain
    root = make_repo(tmp_path / "repo", {**files, **chains, "flat.py": look_alike + UNUSED})
    report = scan_json(root)
    reasons = skipped(report)
    assert set(chains) <= set(reasons)
    assert "chaining 1499 operators" in reasons["table.py"]
    assert "flat.py" not in reasons and flagged(report) == {*files, "flat.py"}


def test_a_file_named_like_an_option_is_scanned_and_fixed(tmp_path):
    root = make_repo(tmp_path / "repo", {"-dash.py": UNUSED, "--help.py": UNUSED})
    assert flagged(scan_json(root)) == {"-dash.py", "--help.py"}
    done = run_gc_bot(root, "sweep", "--format", "json")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    (proposal,) = json.loads(done.stdout)["proposals"]
    assert proposal["status"] == "proposed" and sorted(proposal["files"]) == [
        "--help.py",
        "-dash.py",
    ]
    fixed = git(root, "show", f"{proposal['branch']}:-dash.py")
    assert "import os" not in fixed and "VALUE = 1" in fixed


def billion_laughs() -> str:
    lines = ['      lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        refs = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"      lol{level}: &l{level} [{refs}]")
    return "\n".join(lines) + "\n"


PRINCIPLE = """\
id: {id}
title: A principle whose example is a bomb
severity: warning
rationale: Why.
detect:
  ruff: [F401]
fix: none
examples:
  - bad: |
      import os
    options:
{options}"""


def limited_memory() -> None:
    limit = 1 << 30  # 1 GiB: expanding the aliases would need several
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_limited(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gc_bot", *args],
        cwd=root,
        capture_output=True,
        text=True,
        preexec_fn=limited_memory,
        timeout=120,
    )


def test_a_yaml_alias_bomb_is_refused_with_file_and_line_in_little_memory(tmp_path):
    bomb = PRINCIPLE.format(id="bomb", options=billion_laughs())
    deep = PRINCIPLE.format(id="loop", options="      me: &me [1, *me]\n")
    many = PRINCIPLE.format(  # the look-alike: aliases used often, but small
        id="many",
        options="      base: &b [1, 2]\n" + "".join(f"      k{i}: *b\n" for i in range(200)),
    )
    root = make_repo(
        tmp_path / "repo",
        {"a.py": UNUSED, "p/bomb.yaml": bomb, "p/loop.yaml": deep, "ok/many.yaml": many},
    )
    done = run_limited(root, "scan", "--principles", "p")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    errors = done.stderr.splitlines()
    line_of_l5 = bomb.splitlines().index(next(x for x in bomb.splitlines() if "&l5" in x)) + 1
    assert f"p/bomb.yaml:{line_of_l5}: invalid YAML: its aliases expand" in done.stderr
    assert any("p/loop.yaml:" in e and "alias" in e for e in errors)

    fine = run_limited(root, "scan", "--principles", "ok")
    assert fine.returncode == 0 and "alias" not in fine.stderr, fine.stderr
    assert "a.py:1" in fine.stdout


def test_a_bare_repository_gets_a_gc_bot_message(tmp_path):
    seed = make_repo(tmp_path / "seed", {"a.py": UNUSED})
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(seed), str(bare)], check=True)
    for command in (["scan"], ["sweep"], ["feedback"], ["feedback", "stats"], ["report"]):
        done = run_gc_bot(bare, *command)
        assert done.returncode == 2, (command, done.stderr)
        assert done.stderr.startswith(f"gc-bot: {bare} is a bare repository"), done.stderr
        assert "fatal:" not in done.stderr and "Traceback" not in done.stderr
    inside = run_gc_bot(seed / ".git", "scan")
    assert inside.returncode == 2 and "inside a .git folder" in inside.stderr
    assert "a.py:1" in run_gc_bot(seed, "scan").stdout  # the look-alike: the checkout works
