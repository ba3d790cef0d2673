"""Decisions are exact: one record per person action, whatever runs beside it or wherever HEAD is.

Real processes in parallel, real branches merged and deleted with git, a checked-out ledger.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gc_bot.feedback.ledger import BRANCH, LEDGER_PATH, LOCAL_REF, Ledger
from gc_bot.git import Git
from tests.conftest import git, make_repo, run_gc_bot

FILES = {
    **{f"m{i}.py": f"import os\n\nVALUE_{i} = {i}\n" for i in range(6)},
    "gc-bot.toml": "max_files_per_proposal = 1\nmax_prs = 6\n",
}


def swept(tmp_path: Path) -> tuple[Path, list[dict]]:
    root = make_repo(tmp_path / "repo", FILES)
    done = run_gc_bot(root, "sweep", "--format", "json")
    assert done.returncode == 0, done.stderr
    proposals = [p for p in json.loads(done.stdout)["proposals"] if p["status"] == "proposed"]
    assert len(proposals) >= 4
    return root, proposals


def decisions(root: Path) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for record in Ledger(Git(root)).read():
        if record["type"] == "decision":
            found.setdefault(record["proposal"], []).append(record)
    return found


def gc_bot(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gc_bot", *args],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_reject_beside_stats_and_show_is_one_decision_with_its_reason(tmp_path):
    root, proposals = swept(tmp_path)
    for proposal in proposals:
        reason = f"keep the import of {proposal['files'][0]}"
        rivals = [
            gc_bot(root, "feedback", "stats"),
            gc_bot(root, "feedback", "show", proposal["id"]),
        ]
        reject = gc_bot(root, "feedback", "reject", proposal["id"], "--reason", reason)
        rivals += [gc_bot(root, "feedback", "stats", "--format", "json"), gc_bot(root, "feedback")]
        for process in [reject, *rivals]:
            _, err = process.communicate(timeout=120)
            assert process.returncode == 0 and "Traceback" not in err, err

    recorded = decisions(root)
    for proposal in proposals:
        (only,) = recorded[proposal["id"]]  # never a second, reasonless branch-deleted one
        assert only["source"] == "cli" and only["reason"].endswith(proposal["files"][0])
    stats = json.loads(run_gc_bot(root, "feedback", "stats", "--format", "json").stdout)
    row = stats["principles"][0]
    assert row["rejected"] == len(proposals)
    assert row["reasons"] and all(r.startswith("keep the import of") for r in row["reasons"])


def test_approve_after_reject_recreates_the_branch_at_the_recorded_commit(tmp_path):
    root, proposals = swept(tmp_path)
    proposal = proposals[0]
    ref = f"refs/heads/{proposal['branch']}"
    tip = Git(root).rev(ref)
    assert run_gc_bot(root, "feedback", "reject", proposal["id"], "--reason", "no").returncode == 0
    assert Git(root).rev(ref) is None

    done = run_gc_bot(root, "feedback", "approve", proposal["id"])
    assert done.returncode == 0, done.stderr
    assert f"recreated {proposal['branch']} at {tip[:10]}" in done.stdout
    assert Git(root).rev(ref) == tip
    rows = json.loads(run_gc_bot(root, "feedback", "list", "--format", "json").stdout)
    assert {r["id"]: r["status"] for r in rows["proposals"]}[proposal["id"]] == "accepted"
    git(root, "merge", "-q", "--no-edit", proposal["branch"])  # what the message invites
    assert "VALUE" in (root / proposal["files"][0]).read_text()


def test_approve_after_reject_says_when_the_commit_is_gone(tmp_path):
    root, proposals = swept(tmp_path)
    proposal = proposals[0]
    assert run_gc_bot(root, "feedback", "reject", proposal["id"]).returncode == 0
    git(root, "reflog", "expire", "--expire=now", "--all")
    git(root, "gc", "-q", "--prune=now")
    done = run_gc_bot(root, "feedback", "approve", proposal["id"])
    assert done.returncode == 0, done.stderr
    assert "cannot be recreated" in done.stdout and "merge it when" not in done.stdout


def test_merged_on_a_detached_head_then_deleted_is_an_acceptance(tmp_path):
    root, proposals = swept(tmp_path)
    merged, deleted = proposals[0], proposals[1]
    git(root, "checkout", "-q", "--detach")
    git(root, "merge", "-q", "--no-edit", merged["branch"])
    git(root, "branch", "-q", "-D", merged["branch"], deleted["branch"])
    rows = json.loads(run_gc_bot(root, "feedback", "list", "--format", "json").stdout)
    status = {r["id"]: r["status"] for r in rows["proposals"]}
    assert status[merged["id"]] == "accepted"
    assert status[deleted["id"]] == "rejected"  # the look-alike: deleted without a merge


def test_merged_in_another_worktree_on_a_detached_head_is_an_acceptance(tmp_path):
    root, proposals = swept(tmp_path)
    other = tmp_path / "other"
    git(root, "worktree", "add", "-q", "--detach", str(other), "main")
    git(other, "merge", "-q", "--no-edit", proposals[0]["branch"])
    git(root, "branch", "-q", "-D", proposals[0]["branch"])
    rows = json.loads(run_gc_bot(root, "feedback", "list", "--format", "json").stdout)
    assert {r["id"]: r["status"] for r in rows["proposals"]}[proposals[0]["id"]] == "accepted"


def test_commands_never_move_the_ledger_branch_while_it_is_checked_out(tmp_path):
    root, proposals = swept(tmp_path)
    git(root, "branch", "-q", "-D", proposals[1]["branch"])  # a decision waiting to be harvested
    git(root, "checkout", "-q", BRANCH)
    before = Git(root).rev(LOCAL_REF)

    approve = run_gc_bot(root, "feedback", "approve", proposals[0]["id"])
    assert approve.returncode != 0 and "Traceback" not in approve.stderr
    assert "checked out" in approve.stderr and "switch" in approve.stderr
    stats = run_gc_bot(root, "feedback", "stats")
    assert stats.returncode == 0 and "Traceback" not in stats.stderr, stats.stderr
    assert stats.stderr.count("is checked out") == 1
    sweep = run_gc_bot(root, "sweep")
    assert sweep.returncode == 1 and sweep.stderr.count("is checked out") == 1, sweep.stderr
    assert "Traceback" not in sweep.stderr and "proposed" not in sweep.stdout
    assert Git(root).rev(LOCAL_REF) == before
    assert git(root, "status", "--porcelain") == ""  # no `M feedback/ledger.jsonl`

    git(root, "checkout", "-q", "main")
    assert run_gc_bot(root, "feedback", "approve", proposals[0]["id"]).returncode == 0
    recorded = decisions(root)
    assert recorded[proposals[0]["id"]][0]["verdict"] == "up"
    assert recorded[proposals[1]["id"]][0]["source"] == "branch-deleted"  # harvested now
    assert LEDGER_PATH in git(root, "ls-tree", "-r", "--name-only", LOCAL_REF)


def test_a_deleted_ledger_branch_is_rebuilt_from_its_last_commit(tmp_path):
    root, proposals = swept(tmp_path)
    rejected = proposals[0]
    assert (
        run_gc_bot(root, "feedback", "reject", rejected["id"], "--reason", "keep it").returncode
        == 0
    )
    git(root, "branch", "-q", "-D", BRANCH)  # gone, with the other gc-bot branches still there

    done = run_gc_bot(root, "sweep", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count(f"the ledger branch {BRANCH} was gone; rebuilt it") == 1
    again = json.loads(done.stdout)["proposals"]
    assert not any(p["files"] == rejected["files"] and p["status"] == "proposed" for p in again)
    stats = json.loads(run_gc_bot(root, "feedback", "stats", "--format", "json").stdout)
    assert stats["principles"][0]["rejected"] == 1
    assert stats["principles"][0]["reasons"] == ["keep it"]


def test_a_ledger_git_no_longer_has_is_refused_while_gc_bot_branches_exist(tmp_path):
    root, proposals = swept(tmp_path)
    assert run_gc_bot(root, "feedback", "reject", proposals[0]["id"]).returncode == 0
    git(root, "branch", "-q", "-D", BRANCH)
    git(root, "reflog", "expire", "--expire=now", "--all")
    git(root, "gc", "-q", "--prune=now")
    branches = git(root, "for-each-ref", "refs/heads/gc-bot/")

    done = run_gc_bot(root, "sweep")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"the ledger branch {BRANCH} is gone" in done.stderr and "proposed again" in done.stderr
    assert git(root, "for-each-ref", "refs/heads/gc-bot/") == branches  # nothing proposed
