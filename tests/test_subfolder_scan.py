"""A scan of a subfolder is a shard of the repository: its paths and its facts are the repository's."""

from __future__ import annotations

import json

from gc_bot.principles import STARTER_DIR, load_principles
from gc_bot.scan import scan
from tests.conftest import run_gc_bot

FILES = {
    "pkg/__init__.py": "",
    "pkg/util.py": "def _helper():\n    return 1\n\n\ndef _dead():\n    return 2\n",
    "app/main.py": "from pkg.util import _helper\n\n\ndef run():\n    return _helper()\n",
    "pkg/debug.py": "def f():\n    breakpoint()\n",
}


def dead_code(result) -> list[tuple[str, str]]:
    return sorted(
        (f.path, f.message) for f in result.findings if f.principle == "no-dead-private-code"
    )


def test_dead_code_answers_do_not_change_with_the_folder_scanned(repo):
    root = repo(FILES)
    starter = load_principles(STARTER_DIR)
    whole = dead_code(scan(root, starter))
    assert len(whole) == 1 and "_dead" in whole[0][1]
    assert dead_code(scan(root / "pkg", starter, use_cache=False)) == whole
    assert dead_code(scan(root / "pkg", starter)) == whole  # from the cache, too
    assert dead_code(scan(root / "app", starter)) == []


def test_every_format_names_files_from_the_top_level(repo):
    root = repo(FILES)
    sub = root / "pkg"

    def run(fmt: str) -> str:
        return run_gc_bot(sub, "scan", ".", "--format", fmt, "--fail-on", "never").stdout

    data = json.loads(run("json"))
    assert {f["path"] for f in data["findings"]} == {"pkg/util.py", "pkg/debug.py"}
    sarif = json.loads(run("sarif"))
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in sarif["runs"][0]["results"]
        for loc in result["locations"]
    }
    assert uris == {"pkg/util.py", "pkg/debug.py"}
    assert all((root / uri).is_file() for uri in uris)  # real files, from the repository's root
    assert "file=pkg/debug.py,line=2" in run("github")
    assert "pkg/debug.py:2" in run("text")
    assert data["stats"]["files"] == 3  # the folder's files, not the repository's
