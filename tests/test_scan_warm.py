"""A warm rescan does no work for what did not change, and still sees every change that counts:
content (even with size and time put back), the repository's ruff settings, the scope, and a
rescan of a few files against what a scan of the whole tree read (validation)."""

from __future__ import annotations

import os
import shutil

import pytest

from gc_bot.principles import STARTER_DIR, load_principles
from gc_bot.scan import scan
from tests.conftest import git, write_files


@pytest.fixture(scope="module")
def starter():
    return load_principles(STARTER_DIR)


def found(result):
    return sorted((f.path, f.line, f.principle, f.fingerprint) for f in result.findings)


def _age(root, seconds=10):
    """Files written a while ago, as a developer's are (fresh ones are always read again)."""
    for path in root.rglob("*.py"):
        info = path.stat()
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns - seconds * 1_000_000_000))


def test_an_unchanged_tree_is_answered_from_the_cache_as_scanned(repo, starter):
    root = repo({"a.py": "import os\n", "b.py": "def f(x=[]):\n    return x\n"})
    _age(root)
    cold = scan(root, starter)
    warm = scan(root, starter)
    assert warm.stats["parsed"] == 0 and warm.stats["cached"] == 2
    assert found(warm) == found(cold) and warm.skipped == cold.skipped
    assert [f.rules for f in warm.findings] == [f.rules for f in cold.findings]


def test_a_rewrite_that_keeps_size_and_time_is_still_seen(repo, starter):
    root = repo({"a.py": "import os\n"})
    _age(root)
    scan(root, starter)
    path = root / "a.py"
    info = path.stat()
    path.write_text("import re\n")  # same size
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # the old modification time
    again = scan(root, starter)
    assert again.stats["parsed"] == 1
    assert [f.message for f in again.findings] == ["F401: `re` imported but unused"]


def test_new_ruff_settings_hide_findings_on_the_next_warm_scan(repo, starter):
    root = repo({"pkg/a.py": "import os\n"})
    _age(root)
    assert [f.rule for f in scan(root, starter).findings] == ["F401"]
    write_files(root, {"pkg/ruff.toml": '[lint]\nignore = ["F401"]\n'})
    assert scan(root, starter).findings == []
    (root / "pkg" / "ruff.toml").unlink()
    assert [f.rule for f in scan(root, starter).findings] == ["F401"]


def test_the_scope_is_part_of_what_is_remembered(repo, starter):
    root = repo({"a.py": "import os\n", "b.py": "import sys\n"})
    _age(root)
    assert {f.path for f in scan(root, starter).findings} == {"a.py", "b.py"}
    assert {f.path for f in scan(root, starter, only={"b.py"}).findings} == {"b.py"}
    assert {f.path for f in scan(root, starter).findings} == {"a.py", "b.py"}


def test_a_rescan_against_a_snapshot_equals_a_scan_of_the_whole_tree(repo, starter, tmp_path):
    body = "def {name}(items):\n    total = 0\n    for i in items:\n        total += i * 2\n    return total\n"
    files = {
        "shop/a.py": body.format(name="one") + "\n\ndef _helper():\n    return 1\n",
        "shop/b.py": body.format(name="two") + "\nfrom shop.a import _helper\n",
        "shop/c.py": "import os\n",
    }
    root = repo(files)
    base = scan(root, starter, snapshot=True)
    assert base.snapshot is not None
    # The proposal's files with b.py changed, and the other files not there at all (a sparse
    # worktree): the rescan reads only those and knows the rest from the snapshot.
    changed = tmp_path / "changed"
    changed.mkdir()
    write_files(changed, {"shop/a.py": files["shop/a.py"], "shop/b.py": body.format(name="two")})
    rescanned = scan(changed, starter, only={"shop/a.py", "shop/b.py"}, snapshot=base.snapshot)
    # The same edit in a full checkout, scanned the ordinary way.
    full = tmp_path / "full"
    shutil.copytree(root, full)
    write_files(full, {"shop/b.py": body.format(name="two")})
    git(full, "add", "-A")
    expected = scan(full, starter, only={"shop/a.py", "shop/b.py"}, use_cache=False)
    assert found(rescanned) == found(expected)
    assert ("shop/a.py", 8, "no-dead-private-code") in {f[:3] for f in found(rescanned)}
    assert rescanned.stats["parsed"] == 1
