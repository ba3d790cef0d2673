"""`gc-bot feedback reject ID --only PATH[:LINE]`: a no for those findings, the rest released."""

from __future__ import annotations

import json

from gc_bot.git import Git
from gc_bot.sweep import sweep
from tests.conftest import git, run_gc_bot

FILES = {
    "a.py": "import os\nimport re\n\nVALUE = 1\n",
    "b.py": "import json\n\nOTHER = 2\n",
    "gc-bot.toml": "max_files_per_proposal = 1\n",
}


def unused(report) -> dict:
    return {o.files[0]: o for o in report.proposals if o.principle == "no-unused-code"}


def test_rejecting_one_line_releases_the_rest_into_a_smaller_proposal(repo):
    root = repo(FILES)
    first = unused(sweep(root))["a.py"]
    assert len(first.fingerprints) == 2
    done = run_gc_bot(
        root, "feedback", "reject", first.id, "--only", "a.py:1", "--reason", "os stays"
    )
    assert done.returncode == 0, done.stderr
    assert "rejected 1 finding(s)" in done.stdout and "1 released" in done.stdout
    assert Git(root).rev(f"refs/heads/{first.branch}") is None

    again = sweep(root)
    smaller = unused(again)["a.py"]
    assert smaller.status == "proposed" and smaller.id != first.id
    assert len(smaller.fingerprints) == 1 and smaller.fingerprints[0] in first.fingerprints
    diff = git(root, "show", smaller.branch)
    assert "-import re" in diff and "-import os" not in diff
    assert again.suppressed == 1  # the rejected finding, not proposed again
    assert unused(again)["b.py"].status == "pending"  # other proposals untouched
    rows = json.loads(run_gc_bot(root, "feedback", "list", "--format", "json").stdout)
    assert {r["id"]: r["status"] for r in rows["proposals"]}[first.id] == "rejected"


def test_a_place_with_no_finding_of_the_proposal_is_a_usage_error(repo):
    root = repo(FILES)
    first = unused(sweep(root))["a.py"]
    done = run_gc_bot(root, "feedback", "reject", first.id, "--only", "a.py:4")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "no finding of proposal" in done.stderr and "a.py:1" in done.stderr
    assert Git(root).rev(f"refs/heads/{first.branch}") is not None  # nothing recorded
    # a whole file names every finding of the proposal in it
    whole = run_gc_bot(root, "feedback", "reject", first.id, "--only", "./a.py")
    assert whole.returncode == 0 and "rejected 2 finding(s)" in whole.stdout
    assert "a.py" not in unused(sweep(root))


TWINS = {
    "twins.py": "def first():\n    import os\n    return 1\n\n\ndef second():\n    import os\n    return 2\n",
}


def test_fixing_the_first_of_two_identical_spans_is_judged_by_place_not_order(repo):
    """Two identical `import os` lines differ only by their order in the file: fixing the first
    makes the second the first of its kind. The fix is still right, and the second, which
    people kept, is still the one they kept."""
    root = repo(TWINS)
    both = unused(sweep(root))["twins.py"]
    assert len(both.fingerprints) == 2
    done = run_gc_bot(root, "feedback", "reject", both.id, "--only", "twins.py:7")
    assert done.returncode == 0, done.stderr

    again = sweep(root)
    one = unused(again)["twins.py"]
    assert one.status == "proposed", one.reason
    diff = git(root, "show", one.branch)
    assert diff.count("-    import os") == 1 and "def first():\n-    import os" in diff
    assert again.suppressed == 1
    third = sweep(root)  # the kept one is not proposed again, nor the fixed one twice
    assert [o.id for o in third.proposals if o.principle == "no-unused-code"] == [one.id]
