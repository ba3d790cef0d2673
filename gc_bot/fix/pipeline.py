"""Fix one proposal in a worktree of its own: its principle's fixers in order, then validation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gc_bot.findings import Finding
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
    max_diff_lines: int = 200
    agent: Any = None  # an AgentFixer when an agent is configured
    lessons: Callable[[str], Any] = lambda principle: None
    commit: bool = True  # False for --dry-run


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
    with ctx.git.worktree(ctx.base_commit) as tree:
        validator = Validator(
            worktree=tree,
            principles=ctx.principles,
            principle=proposal.principle,
            files=proposal.files,
            targeted=frozenset(proposal.fingerprints),
            before=frozenset(f.fingerprint for f in ctx.base_findings if f.path in proposal.files),
            exclude=ctx.exclude,
            test_command=ctx.test_command,
            max_diff_lines=ctx.max_diff_lines,
        )
        result = _run_fixers(ctx, principle, proposal, tree, validator)
        if result.error is None:
            result.diff = Git(tree).run("diff", "--no-color")
            if ctx.commit:
                result.commit = ctx.git.commit_worktree(tree, _message(principle, result))
        return result


def _run_fixers(
    ctx: FixContext, principle: Principle, proposal: Proposal, tree: Path, validator: Validator
) -> FixResult:
    originals = {path: (tree / path).read_text(encoding="utf-8") for path in proposal.files}
    current = dict(originals)
    used: list[str] = []
    result = FixResult(proposal)
    last_reason = "no fixer applies"
    remaining = frozenset(proposal.fingerprints)
    fixers = [f for f in principle.fix if f != "none"]
    for index, fixer in enumerate(fixers):
        has_next = any(f != "agent" or ctx.agent for f in fixers[index + 1 :])
        if fixer == "agent":
            if ctx.agent is None:
                result.waiting_for_agent = True
                last_reason = "waits for an agent (set OPENAI_API_KEY or OPENAI_BASE_URL)"
                continue
            return _agent(ctx, principle, result, current, validator, used, remaining)
        changed = _deterministic(fixer, principle, tree, current, result.proposal)
        if not changed:
            last_reason = f"{fixer} has no fix for these findings"
            continue
        current.update(changed)
        used.append(fixer)
        verdict = validator.check(current)
        if verdict.ok:
            return _done(result, used, principle)
        if verdict.remaining and not has_next:
            return _narrow(result, validator, verdict.remaining, used, principle, current)
        if not verdict.remaining:
            return replace(result, error=f"{fixer} fix failed validation: {verdict.reason}")
        last_reason, remaining = verdict.reason, verdict.remaining
    if used:  # a deterministic fix helped, a later fixer could not finish the job
        return _narrow(
            result, validator, validator.check(current).remaining, used, principle, current
        )
    return replace(result, error=last_reason)


def _deterministic(
    fixer: str, principle: Principle, tree: Path, current: dict[str, str], proposal: Proposal
) -> dict[str, str]:
    changed = {}
    for path in proposal.files:
        findings = [f for f in proposal.findings if f.path == path]
        if fixer == "ruff":
            from gc_bot.fix.ruff_fix import ruff_fix

            new = ruff_fix(tree, principle, path, current[path], findings)
        else:
            from gc_bot.fix.codemods import get_codemod
            from gc_bot.scan.checks import parse_options

            codemod = get_codemod(principle.detect.check) if principle.detect.check else None
            options = (
                parse_options(principle.detect.check, principle.detect.options) if codemod else None
            )
            new = codemod.fix(current[path], path, findings, options) if codemod else None
        if new is not None and new != current[path]:
            changed[path] = new
    return changed


def _narrow(
    result: FixResult,
    validator: Validator,
    remaining: frozenset[str],
    used: list[str],
    principle: Principle,
    current: dict[str, str],
) -> FixResult:
    """Keep the findings the fix cleared; the rest wait for another fixer or another run."""
    fixed = result.proposal.narrowed(lambda f: f.fingerprint not in remaining)
    if not fixed.findings:
        return replace(result, error="the fix cleared none of the targeted findings")
    validator.targeted = frozenset(fixed.fingerprints)
    verdict = validator.check({p: t for p, t in current.items()})
    if not verdict.ok:
        return replace(result, error=f"{'+'.join(used)} fix failed validation: {verdict.reason}")
    return _done(replace(result, proposal=fixed), used, principle)


def _agent(
    ctx: FixContext,
    principle: Principle,
    result: FixResult,
    current: dict[str, str],
    validator: Validator,
    used: list[str],
    remaining: frozenset[str],
) -> FixResult:
    outcome = ctx.agent.fix(
        principle=principle,
        findings=[f for f in result.proposal.findings if f.fingerprint in remaining],
        files=current,
        lessons=ctx.lessons(principle.id),
        validate=validator,
    )
    result = replace(
        result, tokens=outcome.tokens, attempts=outcome.attempts, session=outcome.session
    )
    if outcome.files is None:
        return replace(result, error=outcome.error or "the agent could not fix it")
    validator.write(outcome.files)  # the last validated attempt is what gets committed
    return replace(
        _done(result, [*used, "agent"], principle),
        summary=outcome.summary.strip() or result.summary,
        explanation=outcome.explanation,
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
        lines += ["", result.explanation.strip()]
    return "\n".join(lines) + "\n"
