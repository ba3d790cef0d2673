"""gc-bot under pre-commit: only the changed files are reported on, with every other file's
facts (from the cache) still counting, and the hook manifest works with real pre-commit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import make_repo, run_gc_bot

ROOT = Path(__file__).resolve().parent.parent
BODY = """\
def {name}(items, rate):
    total = 0
    for item in items:
        if item.quantity <= 0:
            continue
        total += item.price * item.quantity
    total = total * (1 + rate)
    return round(total, 2)
"""


def _findings(repo: Path, *args: str) -> list[tuple[str, str]]:
    done = run_gc_bot(repo, "scan", *args, "--format", "json", "--fail-on", "never")
    assert done.returncode == 0, done.stderr
    return [(f["path"], f["principle"]) for f in json.loads(done.stdout)["findings"]]


def test_files_given_are_reported_with_facts_from_the_whole_repository(tmp_path):
    repo = make_repo(
        tmp_path / "shop",
        {
            "shop/pricing.py": BODY.format(name="retail_total"),
            "shop/invoices.py": BODY.format(name="invoice_total")
            + "\n\ndef f(x=[]):\n    return x\n",
        },
    )
    everything = _findings(repo)
    assert ("shop/pricing.py", "no-duplicate-code") in everything
    # The copy alone: the original, never passed, is still known from its facts.
    assert _findings(repo, "shop/pricing.py") == [("shop/pricing.py", "no-duplicate-code")]
    # The original alone: nothing of the other file is reported.
    assert _findings(repo, "shop/invoices.py") == [("shop/invoices.py", "no-mutable-defaults")]
    # From a subfolder, paths are the repository's, as pre-commit gives them from the top.
    assert _findings(repo / "shop", "pricing.py") == _findings(repo, "shop/pricing.py")


def test_a_folder_and_files_together_is_a_usage_error(tmp_path):
    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    done = run_gc_bot(repo, "scan", ".", "a.py")
    assert done.returncode == 2 and "one folder, or files" in done.stderr


def test_the_hook_runs_under_real_pre_commit(tmp_path):
    """pre-commit installs gc-bot from this repository, as a team's config would, and runs it."""
    repo = make_repo(
        tmp_path / "team",
        {"bad.py": "def f(x=[]):\n    return x\n", "fine.py": "def ok():\n    return 1\n"},
    )
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    pre_commit = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "gc-bot"]
    failed = subprocess.run(
        [*pre_commit, "--files", "bad.py", "fine.py"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "bad.py:1:9" in failed.stdout and "no-mutable-defaults" in failed.stdout
    passed = subprocess.run(
        [*pre_commit, "--files", "fine.py"], cwd=repo, capture_output=True, text=True, env=env
    )
    assert passed.returncode == 0, passed.stdout
    assert "gc-bot" in passed.stdout and "Passed" in passed.stdout
