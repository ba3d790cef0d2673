"""A fix changes only what it was asked to fix.

Over the whole touched files, before and after:
- a finding of the proposal's principle that it did not target may not disappear;
- nothing may change inside the span of a finding that people rejected or that another
  proposal holds;
- every changed hunk must be where the fix needs it: inside the function (or top-level
  statement) of a targeted finding, an import, a new definition the fix uses, or a call site
  of a name the fix changes. Anything else is refused with the lines it may change.
"""

from __future__ import annotations

import ast
import difflib
import re
import textwrap
from dataclasses import dataclass

from gc_bot.findings import Finding, carried_over, split_lines
from gc_bot.fix.guards import Change

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class Hunk:
    start: int  # first old line changed (1-based); for an insertion, the line it goes after
    end: int  # last old line changed; start - 1 for an insertion
    removed: tuple[str, ...]
    added: tuple[str, ...]

    def touches(self, first: int, last: int) -> bool:
        if self.end < self.start:  # an insertion between `end` and `start`
            return first <= self.end and self.start <= last
        return self.start <= last and first <= self.end

    def where(self) -> str:
        return f"line {self.start}" if self.end <= self.start else f"lines {self.start}-{self.end}"


def only_its_findings(change: Change) -> str | None:
    targeted = {f.fingerprint for f in change.targeted}
    gone = _untargeted_gone(change, targeted)
    if gone:
        return _refusal(change, f"it also clears findings it was not asked to fix ({gone})")
    names = _names_defined_at(change)
    for path, text in change.after.items():
        before = change.before.get(path, "")
        hunks = diff_hunks(before, text)
        held = [
            f
            for f in change.base_findings
            if f.path == path and f.fingerprint in change.held and f.fingerprint not in targeted
        ]
        for hunk in hunks:
            for finding in held:
                if hunk.touches(finding.line, _end(finding)):
                    return _refusal(
                        change,
                        f"it changes {path} {hunk.where()}, inside a finding that people "
                        "rejected or another proposal holds",
                    )
        regions = _with_blank_lines(
            _regions(before, [f for f in change.targeted if f.path == path]), split_lines(before)
        )
        for hunk in hunks:
            if not _allowed(hunk, regions, names):
                return _refusal(
                    change, f"it also changes {path} {hunk.where()}, which it does not need"
                )
    return None


def diff_hunks(before: str, after: str) -> list[Hunk]:
    old, new = split_lines(before), split_lines(after)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [
        Hunk(i1 + 1, i2, tuple(old[i1:i2]), tuple(new[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _untargeted_gone(change: Change, targeted: set[str]) -> str:
    carried = carried_over(change.base_findings, change.after_findings, change.before, change.after)
    after = set(carried.values())
    gone = [
        f
        for f in change.base_findings
        if f.principle == change.principle
        and f.path in change.after
        and f.fingerprint not in targeted
        and f.fingerprint not in after
    ]
    return ", ".join(f"{f.path}:{f.line}" for f in gone[:5])


def _refusal(change: Change, what: str) -> str:
    by_path: dict[str, list[str]] = {}
    for f in sorted(change.targeted, key=lambda f: (f.path, f.line)):
        span = f"{f.line}" if _end(f) == f.line else f"{f.line}-{_end(f)}"
        by_path.setdefault(f.path, []).append(span)
    allowed = "; ".join(
        f"{path} line{'s' if len(spans) > 1 or '-' in spans[0] else ''} {', '.join(spans)}"
        for path, spans in by_path.items()
    )
    return (
        f"the change does more than fix its findings: {what}. Only fix {allowed}, plus what "
        "that fix needs (an import, a definition it uses); leave everything else as it is."
    )


def _end(finding: Finding) -> int:
    return max(finding.end_line or finding.line, finding.line)


def _regions(before: str, targeted: list[Finding]) -> list[tuple[int, int]]:
    """Old-line spans a fix may rewrite: each finding's function, else its top statement."""
    spans = [(f.line, _end(f)) for f in targeted]
    try:
        tree = ast.parse(before)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return spans
    statements = []
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            if isinstance(child, ast.stmt):
                start = min(
                    [child.lineno, *(d.lineno for d in getattr(child, "decorator_list", []))]
                )
                statements.append((start, child.end_lineno or child.lineno, child, parent))
    regions = []
    for first, last in spans:
        around = [s for s in statements if s[0] <= first and last <= s[1]]
        functions = [s for s in around if isinstance(s[2], ast.FunctionDef | ast.AsyncFunctionDef)]
        top = [s for s in around if isinstance(s[3], ast.Module | ast.ClassDef)]
        pick = min(functions or top or [(first, last, None, None)], key=lambda s: s[1] - s[0])
        regions.append((min(first, pick[0]), max(last, pick[1])))
    return regions


def _with_blank_lines(regions: list[tuple[int, int]], lines: list[str]) -> list[tuple[int, int]]:
    """Regions grown over the blank lines around them, then merged where they meet."""

    def blank(number: int) -> bool:
        return 1 <= number <= len(lines) and not lines[number - 1].strip()

    grown = []
    for first, last in sorted(regions):
        while blank(first - 1):
            first -= 1
        while blank(last + 1):
            last += 1
        if grown and first <= grown[-1][1] + 1:
            grown[-1] = (grown[-1][0], max(grown[-1][1], last))
        else:
            grown.append((first, last))
    return grown


def _names_defined_at(change: Change) -> set[str]:
    """Names the targeted code defines (a wrapper the fix removes): their call sites may change."""
    names: set[str] = set()
    for path, before in change.before.items():
        spans = [(f.line, _end(f)) for f in change.targeted if f.path == path]
        try:
            tree = ast.parse(before)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and any(
                node.lineno <= last and first <= (node.end_lineno or node.lineno)
                for first, last in spans
            ):
                names.add(node.name)
    return names


def _allowed(hunk: Hunk, regions: list[tuple[int, int]], names: set[str]) -> bool:
    if any(_within(hunk, first, last) for first, last in regions):
        return True
    removed = [line for line in hunk.removed if line.strip()]
    added = [line for line in hunk.added if line.strip()]
    if not removed and not added:
        return True  # blank lines around an added definition
    if _all_of(removed, (ast.Import, ast.ImportFrom)) and _all_of(
        added, (ast.Import, ast.ImportFrom)
    ):
        return True
    if not removed and _only_definitions(added):
        return True
    return bool(removed) and all(names & set(_WORD.findall(line)) for line in removed)


def _within(hunk: Hunk, first: int, last: int) -> bool:
    if hunk.end < hunk.start:  # an insertion after line `end`
        return first <= hunk.end and hunk.start <= last
    return first <= hunk.start and hunk.end <= last


def _parsed(lines: list[str]) -> list[ast.stmt] | None:
    try:
        return ast.parse(textwrap.dedent("\n".join(lines))).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _all_of(lines: list[str], kinds: tuple[type, ...]) -> bool:
    body = _parsed(lines) if lines else []
    return body is not None and all(isinstance(node, kinds) for node in body)


def _only_definitions(added: list[str]) -> bool:
    """Added lines that are whole new definitions (a logger, a helper, a constant)."""
    body = _parsed(added)
    return body is not None and all(
        isinstance(node, _DEFINITIONS)
        or (
            isinstance(node, ast.Assign | ast.AnnAssign) and not _calls_anything_but_a_factory(node)
        )
        for node in body
    )


def _calls_anything_but_a_factory(node: ast.AST) -> bool:
    """An assignment that is a plain value or one call (`logging.getLogger(__name__)`)."""
    calls = [n for n in ast.walk(node) if isinstance(n, ast.Call)]
    return len(calls) > 1
