"""No new errors: ruff's correctness rules over each touched file, before and after.

Pyflakes (`F`: undefined names, redefinitions, bad format strings, ...), pylint's errors
(`PLE`) and syntax errors (`E9`). Unused imports and variables (F401, F841) are left to the
principles that select them, since a fix may rightly leave one for a later proposal. Hits are
compared as (code, message) counts, so a line that merely moved is not new.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from gc_bot.fix.guards import Change

CODES = ["F", "PLE", "E9"]
_LEFT_TO_PRINCIPLES = frozenset({"F401", "F841"})


def no_new_errors(change: Change) -> str | None:
    new = []
    for path, text in change.after.items():
        if not path.endswith((".py", ".pyi")):
            continue
        after = _errors(change.root, path, text)
        before = Counter(
            (code, message)
            for _, code, message in _errors(change.root, path, change.before.get(path, ""))
        )
        for line, code, message in after:
            if before[(code, message)]:
                before[(code, message)] -= 1
            else:
                new.append(f"{path}:{line} {code} {message}")
    if not new:
        return None
    return "the change introduces errors: " + "; ".join(new[:5])


def _errors(root: str, path: str, text: str) -> list[tuple[int, str, str]]:
    from gc_bot.scan.ruff import run_ruff_on_text

    if not text:
        return []
    hits = run_ruff_on_text(Path(root), path, text, CODES)
    return [(h.line, h.code, h.message) for h in hits if h.code not in _LEFT_TO_PRINCIPLES]
