"""A sweep SIGKILLed at every point that writes, then a rerun: the repository stays whole.

Crash points (`GC_BOT_CRASH_AT`) kill gc-bot itself at an exact moment (after a worktree was
added, between the ledger commit and the ref transaction, after it). A process-group SIGKILL
while `git worktree add` is under way (a CI timeout kills git too) covers the moment inside git.
After each kill: `git fsck`, `git worktree list` and `git status` are clean, and one rerun ends
where an uninterrupted run ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gc_bot.feedback.ledger import LOCAL_REF, Ledger
from gc_bot.git import Git
from tests.conftest import git, make_repo, run_gc_bot

FILES = {
    "a.py": "import os\n\nVALUE = 1\n",
    "b.py": "import re\n\nOTHER = 2\n",
    "c.py": "import sys\n\nTHIRD = 3\n",
    "gc-bot.toml": "max_files_per_proposal = 1\n",
}


def end_state(root: Path) -> dict[str, str]:
    """gc-bot branch -> its tree; and every branch's tip is the commit its record names."""
    g = Git(root)
    records = {p["branch"]: p for p in Ledger(g).read() if p["type"] == "proposal"}
    state = {}
    for ref, tip in g.branches("refs/heads/gc-bot/").items():
        if ref == LOCAL_REF:
            continue
        branch = ref.removeprefix("refs/heads/")
        assert records[branch]["commit"] == tip, f"{branch} tip is not its record's commit"
        state[branch] = g.run("rev-parse", f"{tip}^{{tree}}")
    assert sorted(records) == sorted(state)
    return state


def assert_whole(root: Path, tmp: Path) -> None:
    fsck = subprocess.run(["git", "fsck", "--no-progress"], cwd=root, capture_output=True)
    assert fsck.returncode == 0, fsck.stderr
    listed = subprocess.run(["git", "worktree", "list"], cwd=root, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    assert git(root, "status", "--porcelain") == ""


def env_for(tmp: Path, **extra: str) -> dict[str, str]:
    tmp.mkdir(exist_ok=True)
    return {"TMPDIR": str(tmp), **extra}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict[str, str]:
    root = make_repo(tmp_path_factory.mktemp("reference") / "repo", FILES)
    done = run_gc_bot(root, "sweep", env=env_for(root.parent / "tmp"))
    assert done.returncode == 0, done.stderr
    return end_state(root)


@pytest.mark.parametrize(
    "point",
    [
        "worktree-before-add",
        "worktree-added:1",  # the scan's worktree
        "worktree-added:3",  # a proposal's worktree
        "ledger-before-commit",  # commits written, no ref moved: the old "between branch and ledger"
        "ledger-after-commit",
    ],
)
def test_a_kill_at_any_point_leaves_a_repository_a_rerun_completes(point, tmp_path, uninterrupted):
    root = make_repo(tmp_path / "repo", FILES)
    tmp = tmp_path / "tmp"
    killed = run_gc_bot(root, "sweep", env=env_for(tmp, GC_BOT_CRASH_AT=point))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert_whole(root, tmp)

    rerun = run_gc_bot(root, "sweep", env=env_for(tmp))
    assert rerun.returncode == 0 and "Traceback" not in rerun.stderr, rerun.stderr
    assert_whole(root, tmp)
    assert end_state(root) == uninterrupted
    assert git(root, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert not list(tmp.glob("gc-bot-wt-*"))


def test_a_kill_inside_git_worktree_add_is_repaired(tmp_path, uninterrupted):
    """SIGKILL to the whole process group the moment git starts writing the worktree record."""
    root = make_repo(tmp_path / "repo", FILES)
    tmp = tmp_path / "tmp"
    records = root / ".git" / "worktrees"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gc_bot", "sweep"],
        cwd=root,
        env={**os.environ, **env_for(tmp)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if records.is_dir() and any(records.iterdir()):
            os.killpg(proc.pid, signal.SIGKILL)
            break
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    rerun = run_gc_bot(root, "sweep", env=env_for(tmp))
    assert rerun.returncode == 0 and "Traceback" not in rerun.stderr, rerun.stderr
    assert_whole(root, tmp)
    assert end_state(root) == uninterrupted
    assert git(root, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_broken_worktree_records_and_stale_locks_are_repaired_others_untouched(tmp_path):
    """What kills were seen to leave: an empty commondir, an all-zero HEAD, a HEAD.lock."""
    root = make_repo(tmp_path / "repo", FILES)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    theirs = tmp_path / "their-worktree"
    git(root, "worktree", "add", "-q", "--detach", str(theirs))
    admin = root / ".git" / "worktrees"
    for name, files in {
        "gc-bot-wt-empty": {
            "commondir": "",
            "gitdir": f"{tmp}/gc-bot-wt-empty/gc-bot-wt-empty/.git",
        },
        "gc-bot-wt-zero": {"commondir": "../..", "HEAD": "0" * 40, "HEAD.lock": ""},
    }.items():
        (admin / name).mkdir()
        for file, text in files.items():
            (admin / name / file).write_text(text + "\n")
    (tmp / "gc-bot-wt-empty" / "gc-bot-wt-empty").mkdir(parents=True)
    lock = root / ".git" / "refs" / "heads" / "gc-bot" / "x.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text("")

    done = run_gc_bot(root, "sweep", env=env_for(tmp))
    assert done.returncode == 0, done.stderr
    assert_whole(root, tmp)
    assert sorted(p.name for p in admin.iterdir()) == ["their-worktree"]
    assert theirs.is_dir() and not lock.exists()
    assert not list(tmp.glob("gc-bot-wt-*"))


def test_a_branch_no_record_names_is_removed_and_the_rerun_records_the_tip(tmp_path):
    """An older gc-bot published branches before writing the ledger; a kill in between."""
    root = make_repo(tmp_path / "repo", FILES)
    env = env_for(tmp_path / "tmp")
    assert run_gc_bot(root, "sweep", "--max-prs", "1", env=env).returncode == 0
    g = Git(root)
    orphan_tip = g.rev(next(r for r in g.branches("refs/heads/gc-bot/") if r != LOCAL_REF))
    g.update_ref("refs/heads/gc-bot/no-unused-code/0123456789", orphan_tip)
    assert run_gc_bot(root, "sweep", env=env).returncode == 0
    assert g.rev("refs/heads/gc-bot/no-unused-code/0123456789") is None
    end_state(root)
