"""GitHub Actions workflow commands: one annotation per finding."""

from __future__ import annotations

from gc_bot.principles import PrincipleSet
from gc_bot.scan import ScanResult

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def render(result: ScanResult, principles: PrincipleSet) -> str:
    lines = []
    for f in result.findings:
        props = ",".join(
            [
                f"file={_escape(f.path, prop=True)}",
                f"line={f.line}",
                f"endLine={f.end_line}",
                f"col={f.column}",
                f"title={_escape(f.principle, prop=True)}",
            ]
        )
        lines.append(f"::{_LEVEL[f.severity]} {props}::{_escape(f.message)}")
    for s in result.skipped:
        lines.append(
            f"::notice file={_escape(s.path, prop=True)},title=skipped by gc-bot::{_escape(s.reason)}"
        )
    return "\n".join(lines)
