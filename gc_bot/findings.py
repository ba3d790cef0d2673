"""`Finding`, the unit every stage passes on, and the fingerprints that keep it stable."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
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
