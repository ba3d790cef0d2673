"""A sharded run: `scan --shard I/N` jobs, `gc-bot merge` of their outputs, and a sweep that
plans from the merged set, as a workflow matrix would run them."""

from __future__ import annotations

import json
from pathlib import Path

from gc_bot.feedback.ledger import Ledger
from gc_bot.git import Git
from tests.conftest import make_repo, run_gc_bot
from tests.test_sweep import SLOPPY

MORE = {f"pkg/extra_{i}.py": f"import json\n\n\ndef f{i}(x=[]):\n    return x\n" for i in range(6)}


def _scan(repo: Path, out: Path, *args: str) -> dict:
    done = run_gc_bot(
        repo, "scan", ".", "--format", "json", "--fail-on", "never", "-o", str(out), *args
    )
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


def test_merged_shards_equal_one_scan_and_a_sweep_plans_from_them(tmp_path):
    repo = make_repo(tmp_path / "big", {**SLOPPY, **MORE})
    whole = _scan(repo, tmp_path / "whole.json")
    shards = [_scan(repo, tmp_path / f"shard-{i}.json", "--shard", f"{i}/3") for i in (1, 2, 3)]
    assert all(s["findings"] for s in shards), "each shard reports some files"
    merged_path = tmp_path / "merged.json"
    done = run_gc_bot(
        repo,
        "merge",
        *(str(tmp_path / f"shard-{i}.json") for i in (1, 2, 3)),
        "-o",
        str(merged_path),
    )
    assert done.returncode == 0, done.stderr
    merged = json.loads(merged_path.read_text())
    assert merged["version"] == whole["version"]
    assert merged["findings"] == whole["findings"], "the union of the shards is the whole scan"
    assert merged["stats"]["shards"] == 3

    planned = run_gc_bot(
        repo, "sweep", "--dry-run", "--format", "json", "--findings", str(merged_path)
    )
    scanned = run_gc_bot(repo, "sweep", "--dry-run", "--format", "json")
    assert planned.returncode == scanned.returncode == 0, planned.stderr + scanned.stderr
    ids = lambda out: sorted((p["id"], p["status"]) for p in json.loads(out)["proposals"])  # noqa: E731
    assert ids(planned.stdout) == ids(scanned.stdout) != []
    assert json.loads(planned.stdout)["findings"] == len(whole["findings"])


def test_a_sweep_from_findings_records_counts_per_principle_and_skips_vanished_files(tmp_path):
    repo = make_repo(tmp_path / "r", SLOPPY)
    data = _scan(repo, tmp_path / "scan.json")
    ghost = dict(data["findings"][0], path="pkg/gone.py", fingerprint="f" * 20)
    data["findings"].append(ghost)
    (tmp_path / "scan.json").write_text(json.dumps(data))
    done = run_gc_bot(repo, "sweep", "--findings", str(tmp_path / "scan.json"))
    assert done.returncode == 0, done.stderr
    assert "pkg/gone.py" in done.stderr, "a finding in a file the base lacks is left out, saying so"
    (run,) = [r for r in Ledger(Git.open(repo)).read() if r["type"] == "run"]
    expected: dict[str, int] = {}
    for f in data["findings"][:-1]:
        expected[f["principle"]] = expected.get(f["principle"], 0) + 1
    assert run["findings_by_principle"] == expected
    assert run["findings"] == len(data["findings"]) - 1


def test_merge_answers_bad_input_clearly(tmp_path):
    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    done = run_gc_bot(repo, "merge", str(bad))
    assert done.returncode == 2 and "bad.json" in done.stderr and "Traceback" not in done.stderr
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"version": 99, "findings": []}))
    done = run_gc_bot(repo, "sweep", "--findings", str(other))
    assert done.returncode == 2 and "version" in done.stderr
