"""Small things a newcomer hit: every one of them now gets a straight answer."""

from __future__ import annotations

import json

from gc_bot.feedback.decide import Store
from tests.conftest import run_gc_bot, write_files

FILES = {
    "pkg/__init__.py": "",
    "pkg/core.py": "import os\n\n\ndef total(items):\n    print(items)\n    return sum(items)\n",
}


def test_a_sweep_says_what_it_left_out_and_what_waits_for_an_agent(repo):
    root = repo(FILES)
    write_files(root, {"pkg/new.py": "import re\n", "pkg/core.py": "import os\n"})
    done = run_gc_bot(root, "sweep")
    assert done.returncode == 0, done.stderr
    assert "2 file(s) with uncommitted changes were ignored" in done.stdout
    assert "finding(s) of no-print-in-library wait for an agent" in done.stdout
    data = json.loads(run_gc_bot(root, "sweep", "--dry-run", "--format", "json").stdout)
    assert data["waiting_for_agent_principles"] == ["no-print-in-library"]
    assert data["uncommitted_ignored"] == 2


def test_resume_of_a_principle_that_is_not_paused_says_so_and_records_nothing(repo):
    root = repo(FILES)
    assert run_gc_bot(root, "sweep").returncode == 0
    done = run_gc_bot(root, "feedback", "resume", "no-unused-code")
    assert done.returncode == 0 and "no-unused-code is not paused" in done.stdout
    assert not [r for r in Store.open(root).ledger.read() if r["type"] == "resume"]


def test_learn_of_an_unknown_principle_says_unknown_principle(repo):
    root = repo(FILES)
    done = run_gc_bot(root, "learn", "no-unused-cod")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "unknown principle 'no-unused-cod' (did you mean 'no-unused-code'?)" in done.stderr


def test_repo_and_root_name_the_repository_alike_in_every_command(repo, tmp_path):
    root = repo(FILES)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    by_root = run_gc_bot(elsewhere, "scan", str(root), "--format", "json", "--fail-on", "never")
    by_repo = run_gc_bot(elsewhere, "scan", "--repo", str(root), "--format", "json")
    assert json.loads(by_root.stdout)["findings"] == json.loads(by_repo.stdout)["findings"] != []
    assert run_gc_bot(elsewhere, "sweep", "--repo", str(root)).returncode == 0
    listed = [
        run_gc_bot(elsewhere, *args).stdout
        for args in (
            ("feedback", "list", str(root)),
            ("feedback", "list", "--repo", str(root)),
            ("feedback", "--repo", str(root), "list"),
        )
    ]
    assert listed[0] == listed[1] == listed[2] and "no-unused-code" in listed[0]
    clash = run_gc_bot(elsewhere, "config", str(root), "--repo", str(elsewhere))
    assert clash.returncode == 2 and "ROOT and --repo name different folders" in clash.stderr


def test_an_unknown_gc_bot_variable_is_a_warning_with_the_near_match(repo):
    root = repo(FILES)
    done = run_gc_bot(root, "config", env={"GC_BOT_MAX_PR": "1"})
    assert done.returncode == 0
    assert "unknown variable GC_BOT_MAX_PR is ignored (did you mean 'GC_BOT_MAX_PRS'?)" in (
        done.stderr
    )
    assert done.stderr.count("GC_BOT_MAX_PR ") == 1  # once, however often settings are read


def test_a_repository_without_commits_says_no_commits_yet(repo):
    root = repo(FILES, commit=False)
    done = run_gc_bot(root, "sweep")
    assert done.returncode == 2 and "no commits yet" in done.stderr
    assert "Traceback" not in done.stderr
