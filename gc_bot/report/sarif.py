"""SARIF 2.1.0 for GitHub code scanning: rule ids are principle ids, fingerprints are stable."""

from __future__ import annotations

import json

from gc_bot import __version__
from gc_bot.principles import PrincipleSet
from gc_bot.scan import ScanResult

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(result: ScanResult, principles: PrincipleSet) -> str:
    rules = [
        {
            "id": p.id,
            "name": "".join(part.title() for part in p.id.split("-")),
            "shortDescription": {"text": p.title},
            "fullDescription": {"text": p.rationale.strip() or p.title},
            "defaultConfiguration": {"level": _LEVEL[p.severity]},
            "help": {"text": (p.rationale + "\n" + p.guidance).strip()},
        }
        for p in principles
    ]
    index = {p.id: i for i, p in enumerate(principles)}
    results = [
        {
            "ruleId": f.principle,
            "ruleIndex": index[f.principle],
            "level": _LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.column,
                            "endLine": f.end_line,
                            "endColumn": max(f.end_column, 1),
                        },
                    }
                }
            ],
            "partialFingerprints": {"primaryLocationLineHash": f.fingerprint},
            "properties": {"rules": list(f.rules or (f.rule,)), "source": f.source},
        }
        for f in result.findings
        if f.principle in index
    ]
    notifications = [
        {
            "level": "warning",
            "message": {"text": f"skipped: {s.reason}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": s.path, "uriBaseId": "%SRCROOT%"}
                    }
                }
            ],
        }
        for s in result.skipped
    ]
    run = {
        "tool": {
            "driver": {
                "name": "gc-bot",
                "version": __version__,
                "informationUri": "https://github.com/gc-bot/gc-bot",
                "rules": rules,
            }
        },
        "results": results,
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "columnKind": "unicodeCodePoints",
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2)
