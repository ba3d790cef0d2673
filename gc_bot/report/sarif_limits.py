"""Fit a SARIF run inside what GitHub code scanning accepts, saying plainly what was left out.

Code scanning rejects a whole upload over 25,000 results in a run or over 10 MB gzipped; a
truncated upload with a note beats a rejected one. Errors are kept before warnings and notes.
"""

from __future__ import annotations

import gzip
import json
import logging
from typing import Any

logger = logging.getLogger(__name__)

MAX_RESULTS = 25_000
MAX_GZIP_BYTES = 10_000_000
_RANK = {"error": 0, "warning": 1, "note": 2, "none": 3}


def gzip_size(document: dict[str, Any]) -> int:
    return len(gzip.compress(json.dumps(document, indent=2).encode(), mtime=0))


def fit_upload_limits(
    document: dict[str, Any],
    max_results: int = MAX_RESULTS,
    max_gzip_bytes: int = MAX_GZIP_BYTES,
) -> int:
    """Trim the first run's results in place; returns how many were left out (0: none)."""
    run = document["runs"][0]
    results = run["results"]
    total = len(results)
    ranked = sorted(results, key=lambda r: _RANK.get(r.get("level", "warning"), 1))
    keep = min(total, max_results)
    run["results"] = ranked[:keep]
    while keep and gzip_size(document) > max_gzip_bytes:
        keep = int(keep * 0.9 * max_gzip_bytes / gzip_size(document))
        run["results"] = ranked[:keep]
    left_out = total - keep
    if left_out:
        _note(run, total, keep, max_results, max_gzip_bytes)
    return left_out


def _note(run: dict[str, Any], total: int, kept: int, max_results: int, max_bytes: int) -> None:
    text = (
        f"gc-bot: {total - kept} of {total} results left out of this upload (errors kept first): "
        f"code scanning accepts at most {max_results:,} results per run and "
        f"{max_bytes / 1_000_000:g} MB gzipped. The full list: gc-bot scan --format json"
    )
    logger.warning(text)
    notes = run.setdefault("invocations", [{"executionSuccessful": True}])[0]
    notes.setdefault("toolExecutionNotifications", []).insert(
        0, {"level": "warning", "message": {"text": text}}
    )
    run.setdefault("properties", {})["truncated"] = {"total": total, "kept": kept}
