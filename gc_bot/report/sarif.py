"""SARIF 2.1.0 for GitHub code scanning: rule ids are principle ids, fingerprints are stable."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from gc_bot import __version__
from gc_bot.findings import Finding
from gc_bot.principles import Principle, PrincipleSet
from gc_bot.report.sarif_limits import fit_upload_limits
from gc_bot.scan import ScanResult

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(result: ScanResult, principles: PrincipleSet) -> str:
    index = {p.id: i for i, p in enumerate(principles)}
    run = {
        "tool": {
            "driver": {
                "name": "gc-bot",
                "version": __version__,
                "informationUri": "https://github.com/gc-bot/gc-bot",
                "rules": [_rule(p) for p in principles],
            }
        },
        "results": [
            _result(f, index[f.principle]) for f in result.findings if f.principle in index
        ],
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [_skipped(s.path, s.reason) for s in result.skipped],
            }
        ],
        "columnKind": "unicodeCodePoints",
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    fit_upload_limits(document)
    return json.dumps(document, indent=2)


def _rule(p: Principle) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": "".join(part.title() for part in p.id.split("-")),
        "shortDescription": {"text": p.title},
        "fullDescription": {"text": p.rationale.strip() or p.title},
        "defaultConfiguration": {"level": _LEVEL[p.severity]},
        "help": {"text": (p.rationale + "\n" + p.guidance).strip()},
    }


def _result(f: Finding, rule_index: int) -> dict[str, Any]:
    region = {
        "startLine": f.line,
        "startColumn": f.column,
        "endLine": f.end_line,
        "endColumn": max(f.end_column, 1),
    }
    return {
        "ruleId": f.principle,
        "ruleIndex": rule_index,
        "level": _LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [
            {"physicalLocation": {"artifactLocation": _artifact(f.path), "region": region}}
        ],
        "partialFingerprints": {"primaryLocationLineHash": f.fingerprint},
        "properties": {"rules": list(f.rules or (f.rule,)), "source": f.source},
    }


def _skipped(path: str, reason: str) -> dict[str, Any]:
    return {
        "level": "warning",
        "message": {"text": f"skipped: {reason}"},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(path)}}],
    }


def _artifact(path: str) -> dict[str, str]:
    return {"uri": quote(path), "uriBaseId": "%SRCROOT%"}  # a URI: spaces and the like encoded
