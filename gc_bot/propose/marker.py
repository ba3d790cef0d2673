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
    data = _hidden_json(_MARKER, body)
    if data is None or any(k not in data for k in FIELDS):
        return None
    if not isinstance(data["fingerprints"], list) or not isinstance(data["files"], list):
        return None
    return data


_CLOSING = re.compile(r"<!-- gc-bot:closed (?P<data>\{.*?\}) -->", re.DOTALL)
CLOSED_BECAUSE = ("vanished", "partial")  # findings gone from the base; a no to some of them


def closing_marker(proposal: str, because: str) -> str:
    """The hidden line in gc-bot's own closing comment: why gc-bot closed it, not a person."""
    return f"<!-- gc-bot:closed {json.dumps({'id': proposal, 'because': because})} -->"


def read_closing(body: str | None, proposal: str) -> str | None:
    """Why gc-bot closed `proposal` (one of CLOSED_BECAUSE), from its closing comment's marker."""
    data = _hidden_json(_CLOSING, body)
    if data is None or data.get("id") != proposal:
        return None
    because = data.get("because")
    return because if because in CLOSED_BECAUSE else None


def _hidden_json(marker: re.Pattern[str], body: str | None) -> dict | None:
    """The JSON object a hidden marker holds, or None when there is none or it is garbled."""
    match = marker.search(body or "")
    if not match:
        return None
    try:
        data = json.loads(match["data"])
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None
