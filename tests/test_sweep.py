"""`gc-bot sweep` with the local forge and no agent: ruff and codemod fixes as branches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gc_bot.feedback.ledger import Ledger
from gc_bot.git import Git
from gc_bot.sweep import sweep
from tests.conftest import git, run_gc_bot, write_files

SLOPPY = {
    "pkg/__init__.py": "",
    "pkg/mod.py": """\
        import os
        import sys


        def add(item, items=[]):
            items.append(item)
            return items


        def main():
            unused = 3
            return sys.argv
        """,
    "pkg/plugins.py": """\
        def load():
            try:
                import yaml
            except:
                pass
        """,
}


def branches(root: Path) -> dict[str, str]:
    out = git(root, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/gc-bot/")
    return dict(line.split() for line in out.splitlines() if not line.startswith("gc-bot/feedback"))


def test_each_fixable_principle_becomes_one_branch_with_one_bot_commit(repo):
    root = repo(SLOPPY)
    head = git(root, "rev-parse", "HEAD")
    report = sweep(root)
    proposed = {o.principle: o for o in report.proposals if o.status == "proposed"}
    assert set(proposed) == {"no-unused-code", "no-mutable-defaults", "no-silent-except"}
    assert proposed["no-silent-except"].fixer == "codemod"
    made = branches(root)
    assert set(made) == {o.branch for o in proposed.values()}
    for o in proposed.values():
        assert o.branch == f"gc-bot/{o.principle}/{o.id}"
        assert git(root, "rev-list", "--count", f"{head}..{o.branch}") == "1"
        assert git(root, "log", "-1", "--format=%an <%ae>|%cn <%ce>", o.branch) == (
            "gc-bot <gc-bot@users.noreply.github.com>|gc-bot <gc-bot@users.noreply.github.com>"
        )
        assert o.principle in git(root, "log", "-1", "--format=%B", o.branch)
    diff = git(root, "diff", head, proposed["no-silent-except"].branch)
    assert "-    except:\n+    except ImportError:" in diff
    assert "import os" in git(root, "diff", head, proposed["no-unused-code"].branch)
    # The user's checkout: same branch, same HEAD, nothing changed.
    assert git(root, "rev-parse", "HEAD") == head
    assert git(root, "symbolic-ref", "--short", "HEAD") == "main"
    assert git(root, "status", "--porcelain") == ""


def test_ledger_records_each_proposal_on_its_own_branch(repo):
    root = repo(SLOPPY)
    report = sweep(root)
    records = Ledger(Git(root)).read()
    proposals = {r["id"]: r for r in records if r["type"] == "proposal"}
    for o in report.proposals:
        record = proposals[o.id]
        assert (
            record["base"] == "main"
            and record["commit"] == o.commit
            and record["diff"].startswith("diff --git")
        )
        assert record["fingerprints"] == o.fingerprints
    assert any(r["type"] == "run" for r in records)
    assert not (root / "feedback").exists()


def test_rerun_on_an_unchanged_tree_creates_nothing_new(repo):
    root = repo(SLOPPY)
    sweep(root)
    before = branches(root)
    ledger_tip = git(root, "rev-parse", "gc-bot/feedback")
    again = sweep(root)
    assert {o.status for o in again.proposals} == {"pending"}
    assert branches(root) == before
    # only a run record is added
    assert git(root, "rev-list", "--count", f"{ledger_tip}..gc-bot/feedback") == "1"


def test_uncommitted_changes_are_neither_fixed_nor_touched(repo):
    root = repo(SLOPPY)
    write_files(root, {"pkg/mod.py": "import json\n", "pkg/new.py": "import re\n"})
    status = git(root, "status", "--porcelain")
    report = sweep(root)
    assert git(root, "status", "--porcelain") == status
    assert (root / "pkg/mod.py").read_text() == "import json\n"
    files = {f for o in report.proposals for f in o.files}
    assert "pkg/new.py" not in files
    assert "pkg/mod.py" in files  # the committed version is what gets fixed


def test_dry_run_shows_diffs_and_creates_nothing(repo):
    root = repo(SLOPPY)
    done = run_gc_bot(root, "sweep", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "[dry run]" in done.stdout and "-import os" in done.stdout
    assert branches(root) == {}
    assert Git(root).rev("refs/heads/gc-bot/feedback") is None


def test_max_prs_caps_pending_proposals_including_earlier_ones(repo):
    root = repo(SLOPPY)
    first = sweep(root, max_prs=1)
    assert [o.status for o in first.proposals] == ["proposed"]
    assert first.proposals[0].principle in (
        "no-mutable-defaults",
        "no-silent-except",
    )  # errors rank first
    second = sweep(root, max_prs=2)
    assert sorted(o.status for o in second.proposals) == ["pending", "proposed"]
    third = sweep(root, max_prs=2)
    assert sorted(o.status for o in third.proposals) == ["pending", "pending"]
    assert len(branches(root)) == 2


def test_json_output_and_no_git_identity_needed(repo, tmp_path):
    root = repo(SLOPPY)
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / "none"), "GIT_CONFIG_NOSYSTEM": "1"}
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "EMAIL",
    ):
        env[name] = ""
    done = subprocess.run(
        [sys.executable, "-m", "gc_bot", "sweep", "--format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        env={k: v for k, v in {**os.environ, **env}.items() if v != ""},
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert {"version", "proposals", "paused", "tokens"} <= set(data)
    keys = {
        "id",
        "principle",
        "branch",
        "base",
        "commit",
        "files",
        "fingerprints",
        "fixer",
        "status",
        "reason",
        "tokens",
    }
    assert data["proposals"] and all(keys <= set(p) for p in data["proposals"])
    assert data["tokens"] == 0


def test_a_failing_fix_is_dropped_with_its_reason_and_not_retried(repo):
    root = repo(
        {
            **SLOPPY,
            "pyproject.toml": '[tool.gc-bot]\ntest_command = "python -c \\"raise SystemExit(3)\\""\n',
        }
    )
    report = sweep(root)
    assert {o.status for o in report.proposals} == {"dropped"}
    assert all("test command" in o.reason and "exit 3" in o.reason for o in report.proposals)
    assert branches(root) == {}
    again = sweep(root)
    assert {o.status for o in again.proposals} == {"skipped"}
    assert all(o.reason.startswith("dropped earlier") for o in again.proposals)


def test_a_passing_test_command_lets_fixes_through(repo):
    root = repo({**SLOPPY, "gc-bot.toml": 'test_command = "python -c \\"import pkg.mod\\""\n'})
    report = sweep(root)
    assert {o.status for o in report.proposals} == {"proposed"}


def test_ruff_fixes_only_the_targeted_findings(repo):
    root = repo({"a.py": "import os\nimport re  # gc-bot: ignore[no-unused-code]\n\nVALUE = 1\n"})
    report = sweep(root)
    [proposal] = report.proposals
    diff = git(root, "diff", "main", proposal.branch)
    assert "-import os" in diff and "-import re" not in diff


def test_base_option_fixes_another_branch(repo):
    root = repo({"a.py": "VALUE = 1\n"})
    git(root, "checkout", "-q", "-b", "feature")
    write_files(root, {"b.py": "import os\n"})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "feature")
    git(root, "checkout", "-q", "main")
    assert sweep(root).proposals == []
    report = sweep(root, base="feature")
    assert [o.files for o in report.proposals] == [["b.py"]]
    assert report.proposals[0].base == "feature"


def test_unknown_base_and_non_repository_are_usage_errors(repo, tmp_path):
    root = repo({"a.py": "VALUE = 1\n"})
    assert run_gc_bot(root, "sweep", "--base", "nope").returncode == 2
    outside = tmp_path / "plain"
    outside.mkdir()
    done = run_gc_bot(outside, "sweep")
    assert done.returncode == 2 and "not inside a git repository" in done.stderr


def test_findings_for_the_agent_are_counted_without_one(repo):
    root = repo({"pkg/lib.py": "def f():\n    print('hi')\n"})
    report = sweep(root)
    assert report.proposals == [] and report.waiting_for_agent == 1
    assert "wait for an agent" in run_gc_bot(root, "sweep").stdout


def test_demo_works_end_to_end(tmp_path):
    done = run_gc_bot(None, "demo", "--format", "json", env={"TMPDIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    proposed = [p for p in data["proposals"] if p["status"] == "proposed"]
    assert len(proposed) >= 3
    root = Path(data["repository"])
    assert set(branches(root)) == {p["branch"] for p in proposed}


def test_a_fix_never_removes_a_name_another_module_imports(repo):
    root = repo(
        {
            "pkg/__init__.py": "",
            "pkg/compat.py": "from os.path import join\nfrom json import dumps\n",
            "pkg/user.py": "from .compat import join\n\nPATH = join('a', 'b')\n",
            "gc-bot.toml": "max_attempts = 1\n",
        }
    )
    [o] = sweep(root).proposals
    assert o.status == "dropped"
    assert (
        "removes names other modules import: `pkg.compat.join` (imported by pkg/user.py:1)"
        in o.reason
    )


def test_what_the_test_command_leaves_behind_never_enters_a_proposal(repo):
    root = repo(
        {
            **SLOPPY,
            "gc-bot.toml": "test_command = \"python -c \\\"import pkg.mod; open('report.xml', 'w')\\\"\"\n",
        }
    )
    report = sweep(root, max_prs=1)
    [o] = [p for p in report.proposals if p.status == "proposed"]
    files = git(root, "diff", "--name-only", "main", o.branch).split()
    assert files == o.files


def test_crlf_files_keep_their_line_endings(repo):
    root = repo({"a.py": b"import os\r\n\r\nVALUE = 1\r\n"})
    [o] = sweep(root).proposals
    assert git(root, "diff", "--numstat", "main", o.branch).split()[:2] == ["0", "1"]
    assert Git(root).show(f"{o.branch}:a.py") == b"\r\nVALUE = 1\r\n"


def test_a_file_in_another_encoding_is_left_alone_not_a_crash(repo):
    root = repo(
        {"a.py": b"# -*- coding: latin-1 -*-\nimport os\nNAME = 'caf\xe9'\n", "b.py": "import re\n"}
    )
    [o] = sweep(root).proposals
    assert o.status == "proposed" and o.files == ["b.py"]
    assert Git(root).show("main:a.py") == Git(root).show(f"{o.branch}:a.py")


def test_a_path_git_would_quote_is_fixed_like_any_other(repo):
    root = repo({'my pkg/q"uote.py': "import os\n\nVALUE = 1\n"})
    [o] = sweep(root).proposals
    assert o.status == "proposed", o.reason
