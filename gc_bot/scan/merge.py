"""Scan results as JSON, read back: the shards of a matrix merged into one result.

Each shard (`scan --shard I/N --format json`) reports only its own files while reading every
file's facts, so their union is the unsharded scan; merging checks that the shards agree on
the principle set and cover each file once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import fields
from pathlib import Path
from typing import Any

from gc_bot.errors import UsageError
from gc_bot.findings import Finding
from gc_bot.scan import JSON_VERSION
from gc_bot.scan.files import Skipped

logger = logging.getLogger(__name__)
_FINDING_FIELDS = {f.name for f in fields(Finding)}


def finding_from_json(data: dict[str, Any]) -> Finding:
    values = {k: v for k, v in data.items() if k in _FINDING_FIELDS}
    values["rules"] = tuple(data.get("rules") or ())
    return Finding(**values)


def read_scan_json(path: Path) -> dict[str, Any]:
    """One `gc-bot scan --format json` output, checked enough to merge or plan from."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"{path}: not a gc-bot scan JSON file ({error})") from None
    if not isinstance(data, dict) or data.get("version") != JSON_VERSION:
        raise UsageError(f"{path}: not a gc-bot scan JSON file of version {JSON_VERSION}")
    if not isinstance(data.get("findings"), list):
        raise UsageError(f"{path}: has no findings list")
    try:
        data["findings"] = [finding_from_json(f) for f in data["findings"]]
    except (TypeError, AttributeError) as error:
        raise UsageError(f"{path}: a finding does not fit the findings format ({error})") from None
    return data


def merge_scans(paths: list[Path]) -> dict[str, Any]:
    """The union of several shards' JSON outputs, in the same format as one scan's."""
    if not paths:
        raise UsageError("gc-bot merge needs at least one scan JSON file")
    findings: dict[str, Finding] = {}
    skipped: dict[str, dict] = {}
    stats: dict[str, Any] = {"shards": len(paths)}
    principles_seen: set[Any] = set()
    for path in paths:
        data = read_scan_json(path)
        principles_seen.add(data.get("stats", {}).get("principles"))
        for finding in data["findings"]:
            findings.setdefault(finding.fingerprint or repr(finding), finding)
        for item in data.get("skipped", []):
            skipped.setdefault(item.get("path", ""), item)
        shard_stats = data.get("stats", {})
        for key in ("parsed", "cached"):  # work done: each shard's own
            stats[key] = stats.get(key, 0) + int(shard_stats.get(key, 0) or 0)
        for key in ("files", "scanned"):  # the tree: every shard sees all of it
            stats[key] = max(stats.get(key, 0), int(shard_stats.get(key, 0) or 0))
    if len(principles_seen) > 1:
        raise UsageError("the shards were scanned with different principle sets; rerun them alike")
    merged = sorted(findings.values())
    stats.update(findings=len(merged), skipped=len(skipped), principles=principles_seen.pop())
    return {
        "version": JSON_VERSION,
        "findings": [f.to_json() for f in merged],
        "skipped": [skipped[k] for k in sorted(skipped)],
        "stats": stats,
    }


def skipped_from_json(items: list[dict]) -> list[Skipped]:
    return [Skipped(i["path"], i["reason"]) for i in items if "path" in i and "reason" in i]


def findings_for_base(path: Path, git: Any, base_commit: str) -> list[Finding]:
    """A scan's findings to plan a sweep from: only those in files the base commit has.

    The file should come from scanning the same commit (as a workflow's shard jobs do); a
    finding whose lines moved since is caught by validation, which scans what it touches.
    """
    findings = read_scan_json(path)["findings"]
    present = set(git.run("ls-tree", "-r", "--name-only", "-z", base_commit).split("\0"))
    kept = [f for f in findings if f.path in present]
    missing = sorted({f.path for f in findings} - present)
    if missing:
        logger.warning(
            "%s: findings in files the base %s does not have were left out: %s",
            path,
            base_commit[:10],
            ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else ""),
        )
    return kept
