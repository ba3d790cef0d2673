"""Ruff's own fixes, for exactly the findings a proposal targets.

Ruff's `--fix` would fix every instance of a code in a file, including ones people rejected
or silenced with `# gc-bot: ignore`; reading its JSON fix edits and applying only the
targeted ones keeps a proposal to what it says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from gc_bot.findings import Finding
from gc_bot.principles import Principle
from gc_bot.scan.ruff import invoke_ruff, ruff_check_args


def ruff_fix(
    root: Path, principle: Principle, path: str, text: str, findings: Sequence[Finding]
) -> str | None:
    """The file with ruff's fixes for `findings` applied, or None if ruff offers none."""
    codes = sorted({code for f in findings for code in f.rules if code in principle.detect.ruff})
    if not codes:
        return None
    args = [*ruff_check_args(codes), f"--stdin-filename={path}", "-"]
    rows = json.loads(invoke_ruff(args, cwd=root, stdin=text) or "[]")
    targeted = {(f.line, code) for f in findings for code in f.rules}
    allowed = {"safe", "unsafe"} if principle.fix_unsafe else {"safe"}
    starts = [0] + [match.end() for match in re.finditer("\n", text)]
    edits = []
    for row in rows:
        fix = row.get("fix")
        if not fix or fix.get("applicability") not in allowed:
            continue
        if (row["location"]["row"], row["code"]) in targeted:
            found = [_offsets(starts, e) for e in fix["edits"]]
            if not any(_leaves_bare_expression(text, edit) for edit in found):
                edits += found
    if not edits:
        return None
    result, last_start = text, len(text) + 1
    for start, end, content in sorted(edits, reverse=True):
        if end > last_start:
            continue  # overlaps an edit already applied; ruff would need another pass
        result = result[:start] + content + result[end:]
        last_start = start
    return result if result != text else None


def _leaves_bare_expression(text: str, edit: tuple[int, int, str]) -> bool:
    """Ruff's unsafe F841 fix deletes `unused = ` and keeps `len(x)`: a statement doing nothing."""
    start, end, content = edit
    return not content and _TARGET_ONLY.fullmatch(text[start:end]) is not None


_TARGET_ONLY = re.compile(r"[\w\s,.()\[\]*]+=\s*")


def _offsets(starts: list[int], edit: dict) -> tuple[int, int, str]:
    return _offset(starts, edit["location"]), _offset(starts, edit["end_location"]), edit["content"]


def _offset(starts: list[int], location: dict) -> int:
    row, column = location["row"], location["column"]
    return starts[row - 1] + column - 1 if row - 1 < len(starts) else starts[-1]
