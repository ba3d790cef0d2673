"""The hidden marker in a gc-bot pull request's body: how it knows its own PRs with no state.

Like Renovate's, the key is stable: the proposal id, its principle and fingerprints, so a
closed PR means "no" to those findings even after the ledger is lost.
"""

from __future__ import annotations

import json
import re

_MARKER = re.compile(r"<!-- gc-bot:proposal (?P<data>\{.*?\}) -->", re.DOTALL)
FIELDS = ("id", "principle", "fingerprints", "files", "base", "base_commit")
# Optional: `lines`, [path, line, end_line, fingerprint] per finding, so that a review comment
# on a line can be a no for that line's findings only.


def marker(data: dict) -> str:
    """An HTML comment that renders as nothing; `--` cannot occur in it to close it early."""
    payload = json.dumps({k: data[k] for k in (*FIELDS, "lines") if k in data}, sort_keys=True)
    safe = payload.replace("--", "-\\u002d")
    return f"<!-- gc-bot:proposal {safe} -->"


def read_marker(body: str | None) -> dict | None:
    """The marker's data, or None when the body has none or a garbled one."""
    match = _MARKER.search(body or "")
    if not match:
        return None
    try:
        data = json.loads(match["data"])
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or any(k not in data for k in FIELDS):
        return None
    if not isinstance(data["fingerprints"], list) or not isinstance(data["files"], list):
        return None
    return data
