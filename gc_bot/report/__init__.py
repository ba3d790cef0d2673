"""Scan reports: text, JSON, SARIF and GitHub workflow annotations."""

from __future__ import annotations

from collections.abc import Callable

from gc_bot.principles import PrincipleSet
from gc_bot.scan import ScanResult

FORMATS = ("text", "json", "sarif", "github")


def render(result: ScanResult, principles: PrincipleSet, fmt: str) -> str:
    renderer: Callable[[ScanResult, PrincipleSet], str]
    if fmt == "json":
        from gc_bot.report.json_report import render as renderer
    elif fmt == "sarif":
        from gc_bot.report.sarif import render as renderer
    elif fmt == "github":
        from gc_bot.report.github import render as renderer
    else:
        from gc_bot.report.text import render as renderer
    return renderer(result, principles)
