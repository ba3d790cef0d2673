"""Validation's checks: each a small named guard over one candidate change, run in order.

A guard looks at a `Change` (the touched files before and after, the proposal's findings, the
findings others hold) and returns None or the reason it refuses, written for the agent, which
gets it back. `TEXT_GUARDS` need only the edited text and run before anything else (before the
files are written, scanned or tested); `RESULT_GUARDS` also need the scan of the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gc_bot.findings import Finding


@dataclass(frozen=True)
class Change:
    """One candidate fix: every touched file's text at the base and after the change."""

    before: dict[str, str]  # path -> text at the base ("" for a file that did not exist)
    after: dict[str, str]  # path -> text after the change (only the touched files)
    principle: str
    targeted: tuple[Finding, ...]  # what the proposal was asked to fix
    base_findings: tuple[Finding, ...] = ()  # every finding in the touched files at the base
    held: frozenset[str] = frozenset()  # fingerprints people rejected or other proposals hold
    after_findings: tuple[Finding, ...] = ()  # filled in once the result is scanned
    about: str = ""  # the principle's own words (id, title, rationale, guidance), lower case
    root: str = "."  # the worktree, for tools that need a folder to run in


Guard = Callable[[Change], "str | None"]


@dataclass(frozen=True)
class NamedGuard:
    name: str
    check: Guard

    def __call__(self, change: Change) -> str | None:
        return self.check(change)


def first_refusal(guards: tuple[NamedGuard, ...], change: Change) -> str | None:
    for guard in guards:
        reason = guard(change)
        if reason:
            return reason
    return None


def _text_guards() -> tuple[NamedGuard, ...]:
    from gc_bot.fix.guards.capabilities import new_capabilities
    from gc_bot.fix.guards.tests_kept import tests_kept

    return (NamedGuard("capabilities", new_capabilities), NamedGuard("tests-kept", tests_kept))


def _result_guards() -> tuple[NamedGuard, ...]:
    from gc_bot.fix.guards.correctness import no_new_errors
    from gc_bot.fix.guards.scope import only_its_findings

    return (NamedGuard("scope", only_its_findings), NamedGuard("correctness", no_new_errors))


TEXT_GUARDS = _text_guards()
RESULT_GUARDS = _result_guards()
