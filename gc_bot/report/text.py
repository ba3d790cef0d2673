"""A readable table of findings for people at a terminal.

Written as plain aligned columns in one string: a table library lays out every cell (15,000
findings took 8 s that way), and a long message is better left whole for grep and the terminal.
"""

from __future__ import annotations

from collections import Counter

from gc_bot.principles import PrincipleSet
from gc_bot.scan import ScanResult

_COLUMNS = ("location", "severity", "principle", "message")


def render(result: ScanResult, principles: PrincipleSet) -> str:
    lines = _table(
        [
            (f"{f.path}:{f.line}:{f.column}", f.severity, f.principle, f.message)
            for f in result.findings
        ]
    )
    lines += [f"skipped {s.path}: {s.reason}" for s in result.skipped]
    lines += _not_checked(result.stats.get("not_checked", ()))
    counts = Counter(f.severity for f in result.findings)
    summary = (
        ", ".join(f"{counts[s]} {s}" for s in ("error", "warning", "info") if counts[s])
        or "no findings"
    )
    stats = result.stats
    lines.append(
        f"{summary} in {stats.get('scanned', 0)} files "
        f"({stats.get('cached', 0)} from cache, {len(result.skipped)} skipped) "
        f"in {stats.get('seconds', 0):.2f}s"
    )
    return "\n".join(lines)


def _table(rows: list[tuple[str, str, str, str]]) -> list[str]:
    """The rows under a header, every column but the last padded to its widest cell."""
    if not rows:
        return []
    rows = [_COLUMNS, *rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS) - 1)]
    return ["  ".join([*map(str.ljust, row[:-1], widths), row[-1]]).rstrip() for row in rows]


def _not_checked(entries) -> list[str]:
    """Prose principles the agent did not check, one line per reason."""
    by_reason: dict[str, list[str]] = {}
    for entry in entries:
        what = entry["principle"] + (f" ({entry['path']})" if entry.get("path") else "")
        by_reason.setdefault(entry["reason"], []).append(what)
    return [f"not checked ({reason}): {', '.join(items)}" for reason, items in by_reason.items()]
