"""State that survives teammates, shallow CI clones and odd records (real git, real clones)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from gc_bot.feedback.ledger import BRANCH, LEDGER_PATH, LOCAL_REF
from gc_bot.git import Git
from tests.conftest import git, make_repo, run_gc_bot

FILES = {
    "a.py": "import os\n\nVALUE = 1\n",
    "b.py": "import re\n\nOTHER = 2\n",
    "gc-bot.toml": "max_files_per_proposal = 1\n",
}


def clone(source: Path | str, dest: Path, *flags: str) -> Path:
    subprocess.run(["git", "clone", "-q", *flags, str(source), str(dest)], check=True)
    return dest


def sweep_json(root: Path, *args: str) -> dict:
    done = run_gc_bot(root, "sweep", "--format", "json", *args)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)


def proposals_by_file(report: dict) -> dict[str, dict]:
    return {p["files"][0]: p for p in report["proposals"] if p["principle"] == "no-unused-code"}


def statuses(root: Path) -> dict[str, str]:
    done = run_gc_bot(root, "feedback", "list", "--format", "json")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return {row["id"]: row["status"] for row in json.loads(done.stdout)["proposals"]}


def team(tmp_path: Path) -> tuple[Path, Path]:
    """A shared bare origin, and a first clone that swept, rejected a.py and pushed its ledger."""
    seed = make_repo(tmp_path / "seed", FILES)
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(seed), str(origin)], check=True)
    first = clone(origin, tmp_path / "first")
    report = proposals_by_file(sweep_json(first))
    done = run_gc_bot(first, "feedback", "reject", report["a.py"]["id"], "--reason", "keep os")
    assert done.returncode == 0, done.stderr
    git(first, "push", "-q", "origin", BRANCH)
    return origin, first


def push_lines(origin: Path, workdir: Path, lines: list[bytes]) -> None:
    """A teammate appends raw lines to the shared ledger and pushes them."""
    mate = clone(origin, workdir, "--no-checkout")
    g = Git(mate)
    tip = g.rev(f"origin/{BRANCH}")
    text = g.show(f"{tip}:{LEDGER_PATH}") + b"".join(line + b"\n" for line in lines)
    tree = g.tree_with(tip, {LEDGER_PATH: g.hash_blob(text)})
    g.run("push", "-q", "origin", f"{g.commit_tree(tree, [tip], 'teammate')}:refs/heads/{BRANCH}")


ODD = [
    b'{"key":"p1","type":"proposal"}',
    b'{"key":"d1","type":"decision","proposal":"p1","source":"cli","at":"2020"}',
    b'{"key":"d2","type":"decision","proposal":"p1","verdict":"down","source":"cli","at":5}',
    b'{"key":["a","list"],"type":"run","at":"2020"}',
    b'{"type":"decision","verdict":"down"}',
    b"[1, 2, 3]",
    b'"just a string"',
    b"42",
    b'{"key":"d3","type":"decision","proposal":"p1","verdict":"maybe","source":"x","at":"1"}',
    b'{"key":"r1","type":"run","at":"2020","findings":-3}',
    b"[" * 5000 + b"]" * 5000,
    b"\xff\xfe not utf-8 \x00",
    b'{"key":"future:1","type":"sync","at":"2020","anything":{"new":true}}',
    b'{"key":"p2","type":"proposal","at":"2020","id":"p2","principle":"x","fingerprints":[],'
    b'"files":[],"branch":"gc-bot/x/p2","lines":5}',
]


def test_odd_records_from_a_teammates_push_are_skipped_one_warning_each(tmp_path):
    origin, first = team(tmp_path)
    push_lines(origin, tmp_path / "mate", ODD)
    rejected = next(i for i, s in statuses(first).items() if s == "rejected")

    done = run_gc_bot(first, "feedback", "stats", "--format", "json")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "skipped" in line]
    assert len(warnings) == len(ODD) - 1  # the unknown future type is kept, not a problem
    assert any("line" in w and "'p1'" in w and "id" in w for w in warnings)
    assert any("['a', 'list']" in w for w in warnings)
    assert any("without a key" in w for w in warnings)
    row = json.loads(done.stdout)["principles"][0]
    assert (row["rejected"], row["pending"]) == (1, 1)

    # every command still works, and the team's decision still holds
    assert statuses(first)[rejected] == "rejected"
    report = sweep_json(first)
    assert "a.py" not in proposals_by_file(report)
    # the odd lines are never rewritten: after our own write and merge they are still there
    git(first, "push", "-q", "origin", BRANCH)
    pushed = Git(first).show(f"{LOCAL_REF}:{LEDGER_PATH}")
    assert all(line in pushed.splitlines() for line in ODD)


def test_a_shallow_single_branch_clone_remembers_the_teams_rejections(tmp_path):
    origin, _ = team(tmp_path)
    ci = clone(f"file://{origin}", tmp_path / "ci", "--depth", "1", "--single-branch")
    assert Git(ci).rev(f"refs/remotes/origin/{BRANCH}") is None  # what actions/checkout gives

    report = sweep_json(ci)
    assert "a.py" not in proposals_by_file(report)
    assert report["suppressed_by_feedback"] == 1
    assert list(statuses(ci).values()).count("rejected") == 1
    out = run_gc_bot(ci, "feedback").stdout
    assert f"origin/{BRANCH}" in out and "fetched from origin" in out


def test_a_clone_that_could_not_fetch_never_overrides_the_teams_decision(tmp_path):
    origin, _ = team(tmp_path)
    ci = clone(f"file://{origin}", tmp_path / "ci", "--depth", "1", "--single-branch")
    git(ci, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    offline = run_gc_bot(ci, "sweep", "--format", "json")
    assert offline.returncode == 0, offline.stderr
    assert offline.stderr.count("could not fetch gc-bot/feedback") == 1
    again = proposals_by_file(json.loads(offline.stdout))["a.py"]
    assert again["status"] == "proposed"  # it could not know; it said so above

    git(ci, "remote", "set-url", "origin", f"file://{origin}")
    assert statuses(ci)[again["id"]] == "rejected"  # the re-proposal carries no verdict
    stats = json.loads(run_gc_bot(ci, "feedback", "stats", "--format", "json").stdout)
    assert stats["principles"][0]["rejected"] == 1


def test_a_torn_line_is_reported_once_per_command(tmp_path):
    origin, first = team(tmp_path)
    push_lines(origin, tmp_path / "mate", [b'{"key": "decision:x", "type": "deci'])
    done = run_gc_bot(first, "sweep")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("torn write") == 1
