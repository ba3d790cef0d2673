"""A team's own checks under `principles/checks/`: loaded from the checkout, never from a base."""

from __future__ import annotations

import json

from gc_bot.sweep import sweep
from tests.conftest import git, make_repo, run_gc_bot, write_files

CHECK = """\
import libcst as cst

from gc_bot.api import Check, FileResult, Hit, ParsedFile, register


@register
class NoRawRequests(Check):
    name = "no-raw-requests"

    def run(self, source: ParsedFile, options) -> FileResult:
        hits = []
        for statement in source.of_type(cst.SimpleStatementLine):
            for small in statement.node.body:
                if isinstance(small, cst.Import) and any(
                    alias.evalued_name == "requests" for alias in small.names
                ):
                    line, column, end_line, end_column = source.position(statement.node)
                    hits.append(Hit(line, column, end_line, end_column, "use our http client"))
        return FileResult(hits)
""".replace("evalued_name", "evaluated_name")

PRINCIPLE = """\
id: {id}
title: HTTP goes through our client
severity: error
rationale: Our client sets timeouts, retries and tracing.
detect:
  check: {check}
examples:
  - bad: |
      import requests
    good: |
      import requests_cache_is_not_requests
"""


def team_repo(tmp_path, extra: dict | None = None):
    return make_repo(
        tmp_path / "repo",
        {
            "principles/raw-requests.yaml": PRINCIPLE.format(
                id="raw-requests", check="no-raw-requests"
            ),
            "principles/checks/http.py": CHECK,
            "app/client.py": "import requests\n\n\ndef get(url):\n    return requests.get(url)\n",
            "app/ok.py": "import json\n",
            **(extra or {}),
        },
    )


def test_a_team_check_from_the_checkout_finds_and_its_examples_pass(tmp_path):
    root = team_repo(tmp_path)
    done = run_gc_bot(root, "scan", ".", "--format", "json")
    findings = json.loads(done.stdout)["findings"]
    assert [(f["path"], f["line"], f["rule"]) for f in findings] == [
        ("app/client.py", 1, "no-raw-requests")
    ]
    assert done.returncode == 1
    tested = run_gc_bot(root, "principles", "test")
    assert tested.returncode == 0, tested.stdout
    assert "2 passed, 0 failed" in tested.stdout


def test_a_team_check_whose_example_fails_fails_principles_test(tmp_path):
    wrong = PRINCIPLE.format(id="raw-requests", check="no-raw-requests").replace(
        "import requests_cache_is_not_requests", "import requests"
    )
    root = team_repo(tmp_path, {"principles/raw-requests.yaml": wrong})
    tested = run_gc_bot(root, "principles", "test")
    assert tested.returncode == 1 and "good example is flagged" in tested.stdout


def test_a_broken_team_module_is_an_error_naming_file_and_line(tmp_path):
    broken = CHECK.replace("hits = []", "hits = [\n")
    root = team_repo(tmp_path, {"principles/checks/http.py": broken})
    done = run_gc_bot(root, "scan", ".")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "principles/checks/http.py:" in done.stderr and "cannot load check module" in done.stderr
    raising = CHECK + "\nraise RuntimeError('boom')\n"
    write_files(root, {"principles/checks/http.py": raising})
    done = run_gc_bot(root, "scan", ".")
    assert done.returncode == 2 and f"http.py:{raising.count(chr(10))}: " in done.stderr


def test_an_unknown_team_check_name_is_an_error_at_its_line(tmp_path):
    root = team_repo(
        tmp_path,
        {"principles/raw-requests.yaml": PRINCIPLE.format(id="raw-requests", check="no-such")},
    )
    done = run_gc_bot(root, "scan", ".")
    assert done.returncode == 2
    assert "raw-requests.yaml:6: unknown check 'no-such'" in done.stderr
    assert "no-raw-requests" in done.stderr  # the team's own check is among the known ones


def test_a_check_module_on_the_base_under_review_is_never_loaded(tmp_path):
    """The checkout's own module runs; one that a reviewed branch adds is never imported."""
    root = team_repo(tmp_path)
    marker = tmp_path / "imported"
    git(root, "switch", "-q", "-c", "feature")
    write_files(
        root,
        {
            "principles/checks/evil.py": f"open({str(marker)!r}, 'w').write('ran')\n",
            "principles/evil.yaml": PRINCIPLE.format(id="evil", check="evil"),
        },
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a branch brings its own check")
    git(root, "switch", "-q", "main")
    report = sweep(root, base="feature", dry_run=True)
    assert not marker.exists()
    assert report.findings == 1  # the checkout's check found app/client.py on the base
