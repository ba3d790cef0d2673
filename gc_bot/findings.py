"""`Finding`, the unit every stage passes on, and the fingerprints that keep it stable."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace

SEVERITIES = ("info", "warning", "error")
_WHITESPACE = re.compile(r"\s+")
# A very long span (a whole 200-line function) is fingerprinted by its first lines only,
# so that the hash stays cheap; any change there still changes the fingerprint.
_MAX_FINGERPRINT_LINES = 400


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Lines as Python and libcst count them: only \\n, \\r\\n and \\r end a line.

    `str.splitlines` also breaks at form feeds and other separators, which would shift every
    line number after one.
    """
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    column: int
    principle: str
    end_line: int
    end_column: int
    message: str
    severity: str
    source: str
    rule: str
    fingerprint: str = ""
    rules: tuple[str, ...] = field(default=(), compare=False)

    def to_json(self) -> dict[str, object]:
        data = {name: getattr(self, name) for name in _FIELDS}  # asdict() deep-copies: slow
        data["rules"] = list(self.rules or (self.rule,))
        return data


_FIELDS = tuple(f.name for f in fields(Finding))


def _span_text(lines: Sequence[str], line: int, end_line: int) -> str:
    end = min(end_line, line + _MAX_FINGERPRINT_LINES)
    return _WHITESPACE.sub(" ", " ".join(lines[line - 1 : end])).strip()


def fingerprint_all(
    findings: Iterable[Finding], lines_of: dict[str, Sequence[str]]
) -> list[Finding]:
    """Give each finding a fingerprint from its principle, path and the code it points at.

    Line numbers stay out of the hash, so inserting lines above a finding keeps it; two
    identical offending spans in one file are told apart by their occurrence index.
    """
    seen: Counter[tuple[str, str, str]] = Counter()
    result = []
    for finding in sorted(findings):
        text = _span_text(lines_of.get(finding.path, ()), finding.line, finding.end_line)
        key = (finding.principle, finding.path, text)
        occurrence = seen[key]
        seen[key] += 1
        digest = hashlib.sha256("\0".join((*key, str(occurrence))).encode()).hexdigest()
        result.append(replace(finding, fingerprint=digest[:20]))
    return result


def carried_over(
    before: Iterable[Finding],
    after: Iterable[Finding],
    old_texts: Mapping[str, str],
    new_texts: Mapping[str, str],
) -> dict[str, str | None]:
    """Which finding before an edit each finding after it is: after fingerprint -> before
    fingerprint, None for a finding the edit brought.

    Fingerprints tell identical spans of one file apart by their order, so removing the first
    of two renames the second; an edit is judged by where its findings went instead. A finding
    is the one of the same principle and code whose line the edit carried to its line (a diff
    of the file); one whose own lines the edit rewrote is, failing that, the one still unmatched
    nearest to where the edit would have moved it. Files missing from `new_texts` are unchanged.
    """
    olds: dict[str, list[Finding]] = {}
    for finding in before:
        olds.setdefault(finding.path, []).append(finding)
    news: dict[str, list[Finding]] = {}
    for finding in after:
        news.setdefault(finding.path, []).append(finding)
    matched: dict[str, str | None] = {}
    for path, found in news.items():
        if path not in new_texts:
            known = {f.fingerprint for f in olds.get(path, ())}
            matched.update(
                {f.fingerprint: f.fingerprint if f.fingerprint in known else None for f in found}
            )
            continue
        old_lines, new_lines = split_lines(old_texts.get(path, "")), split_lines(new_texts[path])
        moved = _line_map(old_lines, new_lines)
        candidates: dict[tuple[str, str], list[Finding]] = {}
        for f in sorted(olds.get(path, ())):
            key = (f.principle, _span_text(old_lines, f.line, f.end_line))
            candidates.setdefault(key, []).append(f)
        rewritten = []
        for f in sorted(found):
            pool = candidates.get((f.principle, _span_text(new_lines, f.line, f.end_line)), [])
            same = next((old for old in pool if moved.get(old.line) == f.line), None)
            if same is None:
                rewritten.append((f, pool))
            else:
                pool.remove(same)
                matched[f.fingerprint] = same.fingerprint
        for f, pool in rewritten:  # nearest to where the edit would have put it
            if not pool:
                matched[f.fingerprint] = None
                continue
            nearest = min(pool, key=lambda old: (abs(_estimated(moved, old.line) - f.line), old))
            pool.remove(nearest)
            matched[f.fingerprint] = nearest.fingerprint
    return matched


def _estimated(moved: Mapping[int, int], line: int) -> int:
    """Where an old line went: through the nearest unchanged line above it."""
    above = max((old for old in moved if old <= line), default=0)
    return moved.get(above, 0) + line - above


def _line_map(old: Sequence[str], new: Sequence[str]) -> dict[int, int]:
    """Old line -> new line (1-based) for every line the edit left as it was."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return {
        i + offset + 1: j + offset + 1
        for i, j, size in matcher.get_matching_blocks()
        for offset in range(size)
    }


def merge_same_place(findings: Iterable[Finding]) -> list[Finding]:
    """One place breaking one principle is one finding, whatever number of rules fired there."""
    merged: dict[tuple[str, str, int], Finding] = {}
    for finding in sorted(findings):
        key = (finding.principle, finding.path, finding.line)
        first = merged.get(key)
        if first is None:
            merged[key] = replace(finding, rules=finding.rules or (finding.rule,))
            continue
        rules = tuple(dict.fromkeys((*first.rules, *(finding.rules or (finding.rule,)))))
        merged[key] = replace(
            first,
            rules=rules,
            rule=",".join(rules),
            end_line=max(first.end_line, finding.end_line),
            message=first.message
            if finding.message in first.message
            else f"{first.message}; {finding.message}",
        )
    return list(merged.values())
