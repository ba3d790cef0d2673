"""A readable table of findings for people at a terminal."""

from __future__ import annotations

import io
from collections import Counter

from rich.console import Console
from rich.table import Table

from gc_bot.principles import PrincipleSet
from gc_bot.scan import ScanResult

_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


def render(result: ScanResult, principles: PrincipleSet) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, force_terminal=False, no_color=True)
    if result.findings:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for column in ("location", "severity", "principle", "message"):
            table.add_column(column, overflow="fold")
        for f in result.findings:
            table.add_row(f"{f.path}:{f.line}:{f.column}", f.severity, f.principle, f.message)
        console.print(table)
    for s in result.skipped:
        console.print(f"skipped {s.path}: {s.reason}", highlight=False)
    for line in _not_checked(result.stats.get("not_checked", ())):
        console.print(line, highlight=False)
    counts = Counter(f.severity for f in result.findings)
    summary = (
        ", ".join(f"{counts[s]} {s}" for s in ("error", "warning", "info") if counts[s])
        or "no findings"
    )
    stats = result.stats
    console.print(
        f"{summary} in {stats.get('scanned', 0)} files "
        f"({stats.get('cached', 0)} from cache, {len(result.skipped)} skipped) "
        f"in {stats.get('seconds', 0):.2f}s",
        highlight=False,
    )
    return buffer.getvalue().rstrip("\n")


def _not_checked(entries) -> list[str]:
    """Prose principles the agent did not check, one line per reason."""
    by_reason: dict[str, list[str]] = {}
    for entry in entries:
        what = entry["principle"] + (f" ({entry['path']})" if entry.get("path") else "")
        by_reason.setdefault(entry["reason"], []).append(what)
    return [f"not checked ({reason}): {', '.join(items)}" for reason, items in by_reason.items()]
