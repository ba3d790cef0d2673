"""`fix: pattern`: a principle's `rewrite` template, its metavariables filled from each match.

ast-grep-py can replace a node's text but does not fill a template, so gc-bot does: `$NAME`
becomes the text of that single match, `$$$NAME` the source from the first to the last node of
the multi-match (separators and all, a trailing comma left out), a transform's name its transformed text. Only matches
that start where a targeted finding starts are rewritten, outermost first; the result is
validated like every other fix (it must parse, clear the findings, add none).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from gc_bot.scan.pattern import METAVARIABLE, rule_config, span

if TYPE_CHECKING:
    import re

    from ast_grep_py import SgNode

    from gc_bot.findings import Finding
    from gc_bot.principles import Principle


def pattern_fix(principle: Principle, text: str, findings: Sequence[Finding]) -> str | None:
    """`text` with every targeted match rewritten, or None when there is nothing to rewrite."""
    from ast_grep_py import SgRoot

    template = principle.detect.rewrite
    if template is None:
        return None
    starts = {(f.line, f.column) for f in findings}
    root = SgRoot(text, "python").root()
    edits: list[tuple[int, int, str]] = []
    for node in root.find_all(rule_config(principle.detect)):
        if span(node)[:2] in starts:
            where = node.range()
            edits.append((where.start.index, where.end.index, _fill(template, node, text)))
    return _apply(text, edits) if edits else None


def _fill(template: str, node: SgNode, text: str) -> str:
    def value(match: re.Match) -> str:
        multi, single = match.group(1), match.group(2)
        if multi:
            nodes = node.get_multiple_matches(multi)
            while nodes and nodes[-1].kind() == ",":  # a trailing comma stays out: `$$$A, x`
                nodes.pop()
            if not nodes:
                return ""
            return text[nodes[0].range().start.index : nodes[-1].range().end.index]
        found = node.get_match(single)
        if found is not None:
            return found.text()
        return node.get_transformed(single) or ""

    return METAVARIABLE.sub(value, _indent_like(template.rstrip("\n"), node, text))


def _indent_like(template: str, node: SgNode, text: str) -> str:
    """The template's own continuation lines take the indentation of the match's line."""
    start = node.range().start.index
    before = text[text.rfind("\n", 0, start) + 1 : start]
    indent = before[: len(before) - len(before.lstrip())]
    first, *rest = template.split("\n")
    return "\n".join([first, *(indent + line if line else line for line in rest)])


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Apply non-overlapping edits; of two that overlap, the outer (earlier, longer) wins."""
    kept: list[tuple[int, int, str]] = []
    for start, end, new in sorted(edits, key=lambda e: (e[0], -e[1])):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end, new))
    for start, end, new in reversed(kept):
        text = text[:start] + new + text[end:]
    return text
