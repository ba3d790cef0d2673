"""The feedback loop closed locally: decisions recorded once, and every later sweep different."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
from pathlib import Path

from gc_bot.feedback.decide import Store, decide
from gc_bot.feedback.ledger import LEDGER_PATH, LOCAL_REF, Ledger
from gc_bot.git import Git
from gc_bot.sweep import sweep
from tests.conftest import git, run_gc_bot, write_files

FILES = {
    "a.py": "import os\n\nVALUE = 1\n",
    "b.py": "import re\n\nOTHER = 2\n",
    "c.py": "def add(item, items=[]):\n    items.append(item)\n    return items\n",
    "gc-bot.toml": "max_files_per_proposal = 1\nmin_decisions = 2\npause_below = 0.5\n",
}


def by_file(report, principle="no-unused-code"):
    return {o.files[0]: o for o in report.proposals if o.principle == principle}


def test_rejected_finding_is_not_proposed_again_until_its_code_changes(repo):
    root = repo(FILES)
    first = by_file(sweep(root))
    done = run_gc_bot(
        root, "feedback", "reject", first["a.py"].id, "--reason", "os is imported for side effects"
    )
    assert done.returncode == 0, done.stderr
    assert Git(root).rev(f"refs/heads/{first['a.py'].branch}") is None
    again = sweep(root)
    assert "a.py" not in by_file(again) and again.suppressed == 1
    write_files(root, {"a.py": "import os  # now with a comment\n\nVALUE = 1\n"})
    git(root, "commit", "-qam", "touch a")
    changed = by_file(sweep(root))
    assert changed["a.py"].status == "proposed"
    assert git(root, "status", "--porcelain") == ""


def test_merged_branch_counts_as_approval_once_and_cli_plus_merge_is_one(repo):
    root = repo(FILES)
    first = by_file(sweep(root))
    assert run_gc_bot(root, "feedback", "approve", first["a.py"].branch).returncode == 0
    git(root, "merge", "-q", "--no-edit", first["a.py"].branch)
    # a squash merge counts too
    git(root, "merge", "-q", "--squash", first["b.py"].branch)
    git(root, "commit", "-q", "-m", "squashed")
    sweep(root)
    sweep(root)
    stats = json.loads(run_gc_bot(root, "feedback", "stats", "--format", "json").stdout)[
        "principles"
    ]
    row = next(r for r in stats if r["principle"] == "no-unused-code")
    assert (row["proposed"], row["accepted"], row["rejected"], row["pending"]) == (2, 2, 0, 0)
    decisions = [r for r in Ledger(Git(root)).read() if r["type"] == "decision"]
    assert sorted(d["source"] for d in decisions) == [
        "branch-merged",
        "cli",
    ]  # a.py: the CLI verdict stands


def test_deleted_branch_counts_as_rejection_only_where_it_was_created(repo, tmp_path):
    root = repo(FILES)
    first = by_file(sweep(root))
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    # the teammate's clone has no gc-bot branches of its own: nothing counts as rejected there
    assert run_gc_bot(clone, "feedback", "stats", "--format", "json").returncode == 0
    git(root, "branch", "-D", first["b.py"].branch)
    run_gc_bot(root, "feedback", "list")
    rows = {
        r["id"]: r
        for r in json.loads(run_gc_bot(root, "feedback", "list", "--format", "json").stdout)[
            "proposals"
        ]
    }
    assert rows[first["b.py"].id]["status"] == "rejected"
    assert rows[first["a.py"].id]["status"] == "pending"
    clone_rows = {
        r["id"]: r["status"]
        for r in json.loads(run_gc_bot(clone, "feedback", "list", "--format", "json").stdout)[
            "proposals"
        ]
    }
    # the clone fetched the team's rejection of b.py and decided nothing of its own
    assert {i: s for i, s in clone_rows.items() if i != first["b.py"].id} == {
        i: "pending" for i in clone_rows if i != first["b.py"].id
    }
    assert clone_rows[first["b.py"].id] == "rejected"
    assert Ledger(Git(clone)).read() and Git(clone).rev(LOCAL_REF) is None


def test_a_fresh_clone_sees_every_decision(repo, tmp_path):
    root = repo(FILES)
    first = by_file(sweep(root))
    run_gc_bot(root, "feedback", "reject", first["a.py"].id, "--reason", "keep it")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    rows = {
        r["id"]: r
        for r in json.loads(run_gc_bot(clone, "feedback", "list", "--format", "json").stdout)[
            "proposals"
        ]
    }
    assert (
        rows[first["a.py"].id]["status"] == "rejected"
        and rows[first["a.py"].id]["reason"] == "keep it"
    )
    report = sweep(clone)
    assert "a.py" not in by_file(report) and report.suppressed == 1


def test_pausing_after_enough_rejections_and_resume(repo):
    root = repo(FILES)
    first = by_file(sweep(root))
    for name, reason in (("a.py", "we keep these imports"), ("b.py", "re is re-exported")):
        assert (
            run_gc_bot(root, "feedback", "reject", first[name].id, "--reason", reason).returncode
            == 0
        )
    write_files(root, {"d.py": "import json\n\nX = 3\n"})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "more")
    report = sweep(root)
    assert [p["principle"] for p in report.paused] == ["no-unused-code"]
    assert set(report.paused[0]["reasons"]) == {"we keep these imports", "re is re-exported"}
    assert not by_file(report)
    text = run_gc_bot(root, "sweep").stdout
    assert "paused: no-unused-code" in text and "re is re-exported" in text
    stats = run_gc_bot(root, "feedback", "stats").stdout
    assert "PAUSED" in stats
    assert run_gc_bot(root, "feedback", "resume", "no-unused-code").returncode == 0
    resumed = sweep(root)
    assert resumed.paused == [] and by_file(resumed)["d.py"].status == "proposed"


def test_unknown_proposal_is_a_clear_error(repo):
    root = repo(FILES)
    sweep(root)
    done = run_gc_bot(root, "feedback", "approve", "no-such-id")
    assert (
        done.returncode == 2 and "not a proposal" in done.stderr and "Traceback" not in done.stderr
    )


def test_a_torn_last_line_is_skipped_not_fatal(repo):
    root = repo(FILES)
    sweep(root)
    g = Git(root)
    ledger = Ledger(g)
    good = g.show(f"{LOCAL_REF}:{LEDGER_PATH}")
    torn = good + b'{"key": "decision:abc", "type": "deci'
    tree = g.tree_with(g.rev(LOCAL_REF), {LEDGER_PATH: g.hash_blob(torn)})
    g.update_ref(LOCAL_REF, g.commit_tree(tree, [g.rev(LOCAL_REF)], "torn"))
    assert len(ledger.read()) == len(good.splitlines())
    rows = json.loads(run_gc_bot(root, "feedback", "list", "--format", "json").stdout)["proposals"]
    assert run_gc_bot(root, "feedback", "reject", rows[0]["id"]).returncode == 0
    assert len(ledger.read()) == len(good.splitlines()) + 1


def _append_many(root: str, worker: int) -> None:
    ledger = Ledger(Git(Path(root)))
    for n in range(10):
        ledger.append([{"key": f"test:{worker}:{n}", "type": "test", "at": f"{worker}-{n}"}])


def test_two_writers_at_once_lose_nothing(repo):
    root = repo(FILES)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(str(root), w)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert all(p.exitcode == 0 for p in procs)
    keys = [r["key"] for r in Ledger(Git(root)).read()]
    assert sorted(keys) == sorted(f"test:{w}:{n}" for w in range(2) for n in range(10))


def test_recording_the_same_event_twice_records_it_once(repo):
    root = repo(FILES)
    ledger = Ledger(Git(root))
    record = {"key": "test:once", "type": "test", "at": "now"}
    assert ledger.append([record]) == 1
    assert ledger.append([record, record]) == 0
    assert [r["key"] for r in ledger.read()] == ["test:once"]


def test_show_prints_the_proposal_and_its_decisions(repo):
    root = repo(FILES)
    first = by_file(sweep(root))
    decide(Store.open(root), first["a.py"].id, "down", "not now")
    out = run_gc_bot(root, "feedback", "show", first["a.py"].id).stdout
    assert first["a.py"].branch in out and "down via cli" in out and "not now" in out
    assert "fixed without the agent" in out
    assert os.environ.get("GIT_DIR") is None


def test_a_merge_counts_even_when_the_sweep_ran_on_a_detached_head_or_a_tag(repo):
    root = repo(FILES)
    git(root, "tag", "v1")
    git(root, "checkout", "-q", "--detach")
    proposals = sweep(root).proposals
    git(root, "checkout", "-q", "main")
    for o in proposals:
        git(root, "merge", "-q", "--no-edit", o.branch)
        git(root, "branch", "-d", o.branch)
    rows = json.loads(run_gc_bot(root, "feedback", "list", "--format", "json").stdout)["proposals"]
    assert {r["status"] for r in rows} == {"accepted"}


def test_reject_never_deletes_a_branch_someone_built_on(repo):
    root = repo(FILES)
    first = by_file(sweep(root))
    branch = first["a.py"].branch
    git(root, "checkout", "-q", branch)
    write_files(root, {"mine.py": "MINE = 1\n"})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "my work on top")
    done = run_gc_bot(root, "feedback", "reject", first["a.py"].id)
    assert done.returncode == 0 and "it stays" in done.stdout
    assert git(root, "symbolic-ref", "--short", "HEAD") == branch
    assert (root / "mine.py").exists()


def test_two_clones_ledgers_merge_so_pushing_stays_a_fast_forward(repo, tmp_path):
    root = repo(FILES)
    first = by_file(sweep(root))
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(root), str(origin)], check=True)
    git(root, "remote", "add", "origin", str(origin))
    git(root, "fetch", "-q", "origin")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True)
    assert (
        run_gc_bot(
            clone, "feedback", "approve", first["a.py"].id, "--reason", "teammate"
        ).returncode
        == 0
    )
    git(clone, "push", "-q", "origin", "gc-bot/feedback")
    assert (
        run_gc_bot(root, "feedback", "reject", first["b.py"].id, "--reason", "me").returncode == 0
    )
    git(root, "fetch", "-q", "origin")
    assert (
        run_gc_bot(root, "feedback", "resume", "no-unused-code").returncode == 0
    )  # a write after the fetch
    git(root, "push", "-q", "origin", "gc-bot/feedback")  # fails unless the ledgers were merged
    rows = {
        r["id"]: r["status"]
        for r in json.loads(run_gc_bot(root, "feedback", "list", "--format", "json").stdout)[
            "proposals"
        ]
    }
    assert rows[first["a.py"].id] == "accepted" and rows[first["b.py"].id] == "rejected"
