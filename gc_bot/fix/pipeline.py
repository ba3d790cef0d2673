"""Fix one proposal in a worktree of its own: its principle's fixers in order, then validation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gc_bot.findings import Finding
from gc_bot.fix.deadline import deadline, deadline_reason, remaining
from gc_bot.fix.secrets import mask_secrets
from gc_bot.fix.validate import Validator
from gc_bot.git import Git
from gc_bot.principles import Principle, PrincipleSet
from gc_bot.propose.planner import Proposal


@dataclass
class FixContext:
    git: Git
    base_commit: str
    principles: PrincipleSet
    base_findings: list[Finding]  # the scan of the base, every principle
    exclude: tuple[str, ...] = ()
    test_command: str | None = None
    test_timeout: float = 900
    test_env: tuple[str, ...] = ()
    proposal_timeout: float | None = None  # seconds for the whole proposal (`deadline`)
    max_diff_lines: int = 200
    agent: Any = None  # an AgentFixer when an agent is configured
    lessons: Callable[[str], Any] = lambda principle: None
    commit: bool = True  # False for --dry-run
    held: frozenset[str] = frozenset()  # fingerprints rejected or held by other proposals
    # What the scan of the base read (`scan(..., snapshot=True)`): validation rescans only the
    # proposal's files against it, and without a test command the worktree holds only those.
    snapshot: Any = None


@dataclass
class FixResult:
    proposal: Proposal  # narrowed to what was fixed
    fixer: str = ""
    commit: str | None = None
    diff: str = ""
    summary: str = ""
    explanation: str = ""
    tokens: int = 0
    attempts: int = 0
    session: list[dict] = field(default_factory=list)
    error: str | None = None
    waiting_for_agent: bool = False


def fix_proposal(ctx: FixContext, proposal: Proposal) -> FixResult:
    principle = ctx.principles.get(proposal.principle)
    with (
        deadline(ctx.proposal_timeout),
        ctx.git.worktree(ctx.base_commit, only=_sparse(ctx, proposal)) as tree,
    ):
        validator = Validator(
            worktree=tree,
            principles=ctx.principles,
            principle=proposal.principle,
            files=proposal.files,
            targeted=frozenset(proposal.fingerprints),
            before=frozenset(f.fingerprint for f in ctx.base_findings if f.path in proposal.files),
            base_findings=tuple(f for f in ctx.base_findings if f.path in proposal.files),
            held=ctx.held - frozenset(proposal.fingerprints),
            exclude=ctx.exclude,
            test_command=ctx.test_command,
            test_timeout=ctx.test_timeout,
            test_env=ctx.test_env,
            max_diff_lines=ctx.max_diff_lines,
            snapshot=ctx.snapshot,
        )
        result = _Fixing(ctx, principle, tree, validator, FixResult(proposal)).run()
        if result.error is not None and remaining() == 0.0:
            result = replace(result, error=deadline_reason())  # time, not the fix, ran out
        if result.error is not None:  # it is printed, stored and fed back: never a secret
            result = replace(result, error=mask_secrets(result.error))
        if result.error is None:
            result.diff = Git(tree).run("diff", "--no-color")
            if ctx.commit:
                files = list(result.proposal.files)
                result.commit = ctx.git.commit_worktree(tree, _message(principle, result), files)
        return result


def _sparse(ctx: FixContext, proposal: Proposal) -> tuple[str, ...] | None:
    """The files a worktree needs when nothing but gc-bot reads it, else None (all of them):
    the team's test command runs on the whole tree."""
    if ctx.test_command or ctx.snapshot is None or any("\n" in p for p in proposal.files):
        return None
    return tuple(proposal.files)


@dataclass
class _Fixing:
    """One proposal going through its principle's fixers, in order, in its worktree."""

    ctx: FixContext
    principle: Principle
    tree: Path
    validator: Validator
    result: FixResult
    current: dict[str, str] = field(default_factory=dict)
    used: list[str] = field(default_factory=list)

    def run(self) -> FixResult:
        proposal = self._readable()
        if not proposal.findings:
            return replace(
                self.result,
                error="not UTF-8 text; gc-bot does not rewrite files in other encodings",
            )
        last_reason = "no fixer applies"
        remaining = frozenset(proposal.fingerprints)
        fixers = [f for f in self.principle.fix if f != "none"]
        for index, fixer in enumerate(fixers):
            if fixer == "agent":
                if self.ctx.agent is None:
                    self.result.waiting_for_agent = True
                    last_reason = "waits for an agent (set OPENAI_API_KEY or OPENAI_BASE_URL)"
                    continue
                return self.agent(remaining)
            if not self.deterministic(fixer):
                last_reason = f"{fixer} has no fix for these findings"
                continue
            verdict = self.validator.check(self.current)
            has_next = any(f != "agent" or self.ctx.agent for f in fixers[index + 1 :])
            if verdict.ok:
                return self.done()
            if not verdict.remaining:
                return replace(
                    self.result, error=f"{fixer} fix failed validation: {verdict.reason}"
                )
            if not has_next:
                return self.narrow(verdict.remaining)
            last_reason, remaining = verdict.reason, verdict.remaining
        if self.used:  # a deterministic fix helped, a later fixer could not finish the job
            return self.narrow(self.validator.check(self.current).remaining)
        return replace(self.result, error=last_reason)

    def _readable(self) -> Proposal:
        """Read the proposal's files; one in another encoding is left out, with its findings."""
        unreadable = set()
        for path in self.result.proposal.files:
            try:
                self.current[path] = _read(self.tree / path)
            except UnicodeDecodeError:
                unreadable.add(path)
        if unreadable:
            narrowed = self.result.proposal.narrowed(lambda f: f.path not in unreadable)
            self.result = replace(self.result, proposal=narrowed)
            self.validator.files = narrowed.files
            self.validator.targeted = frozenset(narrowed.fingerprints)
        return self.result.proposal

    def deterministic(self, fixer: str) -> bool:
        """Apply a ruff or codemod fix to every file of the proposal; did it change anything?"""
        proposal, changed = self.result.proposal, False
        for path in proposal.files:
            findings = [f for f in proposal.findings if f.path == path]
            new = _deterministic_fix(
                fixer, self.principle, self.tree, path, self.current[path], findings
            )
            if new is not None and new != self.current[path]:
                self.current[path] = new
                changed = True
        if changed:
            self.used.append(fixer)
        return changed

    def narrow(self, remaining: frozenset[str]) -> FixResult:
        """Keep the findings the fix cleared; the rest wait for another fixer or another run."""
        fixed = self.result.proposal.narrowed(lambda f: f.fingerprint not in remaining)
        if not fixed.findings:
            return replace(self.result, error="the fix cleared none of the targeted findings")
        self.validator.targeted = frozenset(fixed.fingerprints)
        verdict = self.validator.check(self.current)
        if not verdict.ok:
            return replace(
                self.result, error=f"{'+'.join(self.used)} fix failed validation: {verdict.reason}"
            )
        self.result = replace(self.result, proposal=fixed)
        return self.done()

    def agent(self, remaining: frozenset[str]) -> FixResult:
        outcome = self.ctx.agent.fix(
            principle=self.principle,
            findings=[f for f in self.result.proposal.findings if f.fingerprint in remaining],
            files=self.current,
            lessons=self.ctx.lessons(self.principle.id),
            validate=self.validator,
        )
        self.result = replace(
            self.result, tokens=outcome.tokens, attempts=outcome.attempts, session=outcome.session
        )
        if outcome.files is None:
            return replace(self.result, error=outcome.error or "the agent could not fix it")
        self.validator.write(outcome.files)  # the last validated attempt is what gets committed
        self.used.append("agent")
        done = self.done()
        return replace(
            done, summary=outcome.summary.strip() or done.summary, explanation=outcome.explanation
        )

    def done(self) -> FixResult:
        return _done(self.result, self.used, self.principle)


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as handle:  # keep CRLF as it is
        return handle.read()


def _deterministic_fix(
    fixer: str, principle: Principle, tree: Path, path: str, text: str, findings
) -> str | None:
    if fixer == "ruff":
        from gc_bot.fix.ruff_fix import ruff_fix

        return ruff_fix(tree, principle, path, text, findings)
    if fixer == "pattern":
        from gc_bot.fix.pattern_fix import pattern_fix

        return pattern_fix(principle, text, findings)
    from gc_bot.fix.codemods import get_codemod
    from gc_bot.scan.checks import parse_options

    codemod = get_codemod(principle.detect.check) if principle.detect.check else None
    if codemod is None:
        return None
    return codemod.fix(
        text, path, findings, parse_options(principle.detect.check, principle.detect.options)
    )


def _done(result: FixResult, used: list[str], principle: Principle) -> FixResult:
    count = len(result.proposal.findings)
    files = ", ".join(result.proposal.files)
    summary = f"{principle.title} ({count} finding{'s' if count != 1 else ''} in {files})"
    return replace(result, fixer="+".join(used), summary=summary, error=None)


def _message(principle: Principle, result: FixResult) -> str:
    findings = "\n".join(f"- {f.path}:{f.line}: {f.message}" for f in result.proposal.findings)
    lines = [
        f"gc-bot: {result.summary}"[:200],
        "",
        f"Principle: {principle.id} ({principle.title})",
        f"Fixer: {result.fixer}",
        f"Proposal: {result.proposal.id}",
        "",
        "Findings:",
        findings,
    ]
    if result.explanation:
        lines += ["", result.explanation.strip()]  # clipped by the agent; git reads stdin
    return mask_secrets("\n".join(lines) + "\n")
