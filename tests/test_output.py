"""Output that scales: one warning per cause per command, and a plain text table of findings."""

from __future__ import annotations

import json

from gc_bot.feedback.ledger import BRANCH
from tests.conftest import git, make_repo, run_gc_bot
from tests.test_state import push_lines, statuses, team

TORN = b'{"key": "decision:x", "type": "deci'
ODD = b'{"key":"d9","type":"decision","proposal":"p1","source":"cli","at":"2020"}'


def test_the_same_damage_read_many_times_is_one_warning_per_command(tmp_path):
    origin, first = team(tmp_path)
    push_lines(origin, tmp_path / "mate", [TORN, ODD, ODD, ODD])
    pending = next(i for i, s in statuses(first).items() if s == "pending")

    # a write merges the teammate's lines into this clone's ledger, then reads both again
    done = run_gc_bot(first, "feedback", "reject", pending, "--reason", "no")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("torn write") == 1
    assert done.stderr.count("'d9' skipped") == 1
    git(first, "push", "-q", "origin", BRANCH)
    for command in (["feedback", "stats"], ["feedback", "list"], ["sweep"]):
        done = run_gc_bot(first, *command)  # local and origin both hold the damage now
        assert done.returncode == 0, done.stderr
        assert done.stderr.count("torn write") == 1, done.stderr
        assert done.stderr.count("'d9' skipped") == 1, done.stderr
    assert list(statuses(first).values()).count("rejected") == 2  # nothing lost to the damage


def test_text_output_is_an_aligned_table_with_whole_messages(tmp_path):
    long_name = "very_long_module_name_" * 8
    root = make_repo(
        tmp_path / "repo",
        {"a.py": "import os\n", f"{long_name}.py": f"import {long_name}\n"},
    )
    text = run_gc_bot(root, "scan", "--no-cache").stdout.splitlines()
    report = json.loads(run_gc_bot(root, "scan", "--format", "json").stdout)
    header, *rows = text[: 1 + len(report["findings"])]
    assert header.split() == ["location", "severity", "principle", "message"]
    column = header.index("principle")
    for row, finding in zip(rows, report["findings"], strict=True):
        assert row.startswith(f"{finding['path']}:{finding['line']}:")
        assert row[column:].startswith(finding["principle"])
        assert row.endswith(finding["message"])  # never folded onto a second line
    assert text[-1].startswith("2 warning in 2 files")
