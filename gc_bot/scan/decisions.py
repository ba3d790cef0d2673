"""A team's written decisions that hide findings: gc-bot's own ignore comments, the repository's
ruff settings, and `# noqa` of a ruff code that does the same job as a built-in check.

Built-in checks that do a ruff rule's job answer to that rule's codes, here, in one table: a
`# noqa: C901` on a `def` line silences function-size there, as the team meant it to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gc_bot.findings import Finding
from gc_bot.principles import PrincipleSet
from gc_bot.scan.ruff_settings import RuffSettings, matches
from gc_bot.scan.suppress import suppressed

EQUIVALENT_CODES: dict[str, tuple[str, ...]] = {
    "function-size": ("C901", "PLR0912", "PLR0913", "PLR0915"),
    "commented-out-code": ("ERA001",),
}
_CODES = r"(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)"
_NOQA = re.compile(r"#\s*noqa\s*:\s*" + _CODES, re.IGNORECASE)
_FILE_NOQA = re.compile(r"^\s*#\s*(?:ruff|flake8)\s*:\s*noqa\s*:\s*" + _CODES, re.IGNORECASE)


def codes_behind(finding: Finding) -> tuple[str, ...]:
    """The ruff codes a finding answers to: its own, or its check's equivalents."""
    if finding.source == "ruff":
        return (finding.rule,)
    return EQUIVALENT_CODES.get(finding.rule, ())


def codes_of(principles: PrincipleSet) -> frozenset[str]:
    """Every ruff code the principles' findings answer to."""
    codes = set(principles.ruff_codes())
    for principle in principles:
        codes.update(EQUIVALENT_CODES.get(principle.detect.check or "", ()))
    return frozenset(codes)


@dataclass
class Decisions:
    """Decides, finding by finding, whether the team already said no to it."""

    ruff: RuffSettings
    _off: dict[str, frozenset[str]] = field(default_factory=dict)
    _file_noqa: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def for_repository(cls, top: Path, principles: PrincipleSet) -> Decisions:
        return cls(RuffSettings(top, codes_of(principles)))

    def keeps(self, finding: Finding, lines: Sequence[str]) -> bool:
        if suppressed(lines, finding.line, finding.principle):
            return False
        codes = set(codes_behind(finding))
        if not codes:
            return True
        if codes & self.turned_off(finding.path):
            return False
        # ruff honours its own noqa comments; a built-in check answers to them here
        return finding.source == "ruff" or not codes & self._noqa(finding.path, lines, finding.line)

    def turned_off(self, path: str) -> frozenset[str]:
        if path not in self._off:
            self._off[path] = self.ruff.turned_off(path)
        return self._off[path]

    def _noqa(self, path: str, lines: Sequence[str], line: int) -> frozenset[str]:
        if path not in self._file_noqa:
            self._file_noqa[path] = frozenset(
                code for text in lines for code in _codes(_FILE_NOQA.match(text))
            )
        on_line = _codes(_NOQA.search(lines[line - 1])) if 1 <= line <= len(lines) else ()
        return self._file_noqa[path] | frozenset(on_line)


def _codes(match: re.Match[str] | None) -> list[str]:
    return re.split(r"[\s,]+", match.group("codes").upper()) if match else []


def ruff_decisions(top: Path, principles: PrincipleSet) -> list[str]:
    """What the repository's ruff settings turn off, one line per setting, for `gc-bot config`."""
    from gc_bot.scan.files import discover

    settings = RuffSettings(top, codes_of(principles))
    owners: dict[str, list[str]] = {}
    for principle in principles:
        for code in (
            *principle.detect.ruff,
            *EQUIVALENT_CODES.get(principle.detect.check or "", ()),
        ):
            owners.setdefault(code, []).append(principle.id)

    def named(selectors: Sequence[str]) -> str:
        codes = sorted(c for c in settings.codes if any(matches(s, c) for s in selectors))
        return ", ".join(f"{c} ({'/'.join(owners[c])})" for c in codes)

    lines = []
    for config in settings.configs(discover(top).files):
        if named(config.ignore):
            lines.append(f"{config.path}: ignore {named(config.ignore)}")
        for rule in config.per_file:
            if named(rule.selectors):
                lines.append(
                    f"{config.path}: per-file-ignores {rule.pattern!r}: {named(rule.selectors)}"
                )
    return lines
