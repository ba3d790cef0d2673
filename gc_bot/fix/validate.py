"""Validation: nothing is proposed until it holds in a worktree of its own."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gc_bot.findings import Finding, carried_over
from gc_bot.fix.deadline import deadline_reason, remaining
from gc_bot.fix.edits import protected
from gc_bot.fix.exports import removed_imported_names
from gc_bot.fix.fence import files_to_hide, run_fenced
from gc_bot.fix.guards import RESULT_GUARDS, TEXT_GUARDS, Change, first_refusal
from gc_bot.fix.secrets import mask_secrets
from gc_bot.git import Git
from gc_bot.principles import PrincipleSet

TEST_TIMEOUT_SECONDS = 900
TEST_OUTPUT_LINES = 30  # the end of a failing run's output, fed back and recorded


@dataclass(frozen=True)
class Verdict:
    reason: str | None  # None: valid
    remaining: frozenset[str] = (
        frozenset()
    )  # targeted fingerprints still found, when that is all that is wrong

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass
class Validator:
    """Checks a candidate set of file contents in `worktree` (a checkout of the base).

    The checks run in order, cheapest and most dangerous first: paths, then the guards that
    need only the edited text (capabilities, tests kept; nothing has run yet), then the files
    are written, parsed and scanned, then the guards over the result (scope, correctness),
    suppressions, removed names, the diff's size, and last the team's test command.
    """

    worktree: Path
    principles: PrincipleSet
    principle: str  # the one the proposal fixes
    files: tuple[str, ...]  # what the proposal may touch
    targeted: frozenset[str]  # fingerprints the proposal must clear
    before: frozenset[str]  # fingerprints in the proposal's files before the change
    exclude: Sequence[str] = ()
    test_command: str | None = None
    test_timeout: float = TEST_TIMEOUT_SECONDS
    test_env: tuple[str, ...] = ()  # variables the test command may see (`test_env`)
    max_diff_lines: int = 200
    base_findings: tuple[Finding, ...] = ()  # the base's findings in the proposal's files
    held: frozenset[str] = frozenset()  # fingerprints people rejected or other proposals hold
    snapshot: Any = None  # the base scan's snapshot: only the proposal's files are scanned again
    _originals: dict[str, str] = field(default_factory=dict, repr=False)

    def write(self, contents: dict[str, str]) -> None:
        for path, text in contents.items():
            with open(self.worktree / path, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)  # newline="": the file's own line endings, CRLF included

    def __call__(self, contents: dict[str, str]) -> str | None:
        """None when `contents` is a valid fix, else the reason it is not (sent to the agent)."""
        return self.check(contents).reason

    def check(self, contents: dict[str, str]) -> Verdict:
        outside = sorted(set(contents) - set(self.files)) + [p for p in contents if protected(p)]
        if outside:
            return Verdict(f"edits files outside this proposal: {', '.join(outside)}")
        change = self._change({p: t for p, t in contents.items() if t != self._original(p)})
        refusal = first_refusal(TEXT_GUARDS, change)
        if refusal:
            return Verdict(refusal)
        self.write(contents)
        return self.check_worktree()

    def _original(self, path: str) -> str:
        if path not in self._originals:
            data = Git(self.worktree).show(f"HEAD:{path}")
            self._originals[path] = data.decode("utf-8", "replace") if data is not None else ""
        return self._originals[path]

    def _change(self, after: dict[str, str], **more: object) -> Change:
        principle = self.principles.get(self.principle)
        about = " ".join(
            [principle.id, principle.title, principle.rationale, principle.guidance]
            if principle
            else [self.principle]
        )
        return Change(
            before={path: self._original(path) for path in after},
            after=after,
            principle=self.principle,
            targeted=tuple(f for f in self.base_findings if f.fingerprint in self.targeted),
            base_findings=self.base_findings,
            held=self.held,
            about=about.lower(),
            root=str(self.worktree),
            **more,  # type: ignore[arg-type]
        )

    def check_worktree(self) -> Verdict:
        git = Git(self.worktree)
        changed = git.changed_files()
        stray = sorted((set(changed) - set(self.files)) | {p for p in changed if protected(p)})
        if stray:
            return Verdict(f"changes files outside this proposal: {', '.join(stray)}")
        if not changed:
            return Verdict("the change is empty")
        for path in changed:
            problem = _parse_problem(self.worktree / path)
            if problem:
                return Verdict(f"{path} no longer parses: {problem}")
        from gc_bot.scan import scan

        result = scan(
            self.worktree,
            self.principles,
            exclude=self.exclude,
            only=set(self.files),
            snapshot=self.snapshot or False,
        )
        unreadable = [s for s in result.skipped if s.path in self.files]
        if unreadable:
            return Verdict(f"{unreadable[0].path} cannot be scanned: {unreadable[0].reason}")
        texts = {path: (self.worktree / path).read_text(encoding="utf-8") for path in changed}
        was = carried_over(
            self.base_findings,
            result.findings,
            {path: self._original(path) for path in changed},
            texts,
        )
        left = [f for f in result.findings if was[f.fingerprint] in self.targeted]
        new = [f for f in result.findings if was[f.fingerprint] not in self.before]
        if left and not new:
            remaining = frozenset(str(was[f.fingerprint]) for f in left)
            return Verdict("the targeted findings are still there: " + _describe(left), remaining)
        reworked = [f for f in new if f.principle == self.principle]
        if left or reworked:
            return Verdict(
                "the principle is still broken (changed, not fixed): " + _describe(left + reworked)
            )
        if new:
            return Verdict("the change introduces new findings: " + _describe(new))
        change = self._change(texts, after_findings=tuple(result.findings))
        refusal = first_refusal(RESULT_GUARDS, change)
        if refusal:
            return Verdict(refusal)
        changes = {path: (change.before[path], texts[path]) for path in changed}
        silenced = [path for path, (before, after) in changes.items() if _silences(before, after)]
        if silenced:
            return Verdict(
                f"the change adds a suppression comment in {', '.join(silenced)}; "
                "silencing a finding is not fixing it"
            )
        still_imported = removed_imported_names(self.worktree, changes)
        if still_imported:
            return Verdict(
                "the change removes names other modules import: " + "; ".join(still_imported[:5])
            )
        lines = _changed_lines(git)
        if lines > self.max_diff_lines:
            return Verdict(f"the diff changes {lines} lines; the cap is {self.max_diff_lines}")
        if self.test_command:
            try:
                return Verdict(
                    _run_tests(self.worktree, self.test_command, self.test_timeout, self.test_env)
                )
            finally:
                git.clean()  # caches and reports the tests leave must not become part of a fix
        return Verdict(None)


_SUPPRESSION = re.compile(
    r"#\s*(?:noqa\b|gc-bot:\s*ignore|type:\s*ignore|pylint:\s*disable|nosec\b)", re.I
)


def _silences(before: str, after: str) -> bool:
    """More suppression comments after the change than before (rewording one is fine)."""
    return len(_SUPPRESSION.findall(after)) > len(_SUPPRESSION.findall(before))


def _parse_problem(path: Path) -> str | None:
    import libcst as cst

    from gc_bot.scan.parsed import parse_module

    try:  # remembered: the scan that follows parses the same text
        parse_module(path.read_bytes().decode("utf-8"), remember=True)
    except cst.ParserSyntaxError as error:
        return f"line {error.raw_line}: {error.message}"
    except (OSError, UnicodeDecodeError) as error:
        return str(error)
    return None


def _describe(findings: list[Finding]) -> str:
    shown = "; ".join(f"{f.path}:{f.line} [{f.principle}] {f.message}" for f in findings[:5])
    return shown + (f" (and {len(findings) - 5} more)" if len(findings) > 5 else "")


def _changed_lines(git: Git) -> int:
    total = 0
    for line in git.run("diff", "--numstat").splitlines():
        added, removed, _ = line.split("\t", 2)
        total += int(added) + int(removed) if added != "-" else 0
    return total


def _run_tests(
    worktree: Path, command: str, timeout: float, allowed_env: Sequence[str]
) -> str | None:
    """The team's own configured command, never anything a model wrote; fenced (`fix.fence`),
    and stopped at the proposal's deadline when that comes first."""
    left = remaining()
    hide = files_to_hide(worktree)
    if left is not None and left < timeout:
        done = run_fenced(
            command, worktree, timeout=max(left, 0.1), allowed_env=allowed_env, hide=hide
        )
        if done.timed_out:
            return deadline_reason()
    else:
        done = run_fenced(command, worktree, timeout=timeout, allowed_env=allowed_env, hide=hide)
    if done.timed_out:
        return f"the test command `{command}` was stopped at its time limit ({timeout:g}s)"
    if done.returncode != 0:
        return (
            f"the test command `{command}` failed (exit {done.returncode}):\n"
            + test_output_for_others(done.output)
        )
    return None


def test_output_for_others(output: str) -> str:
    """A failing run's output as it may leave the process: its last lines, secrets masked."""
    lines = output.strip().splitlines()
    tail = lines[-TEST_OUTPUT_LINES:]
    shown = "\n".join(line[:500] for line in tail)
    if len(lines) > len(tail):
        shown = f"[... {len(lines) - len(tail)} lines left out ...]\n" + shown
    return mask_secrets(shown)
