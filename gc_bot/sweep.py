"""The sweep: harvest, scan, lessons, plan, fix and validate, forge, ledger; one after another."""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gc_bot.config import Config, load_config
from gc_bot.errors import UsageError
from gc_bot.feedback.harvest import harvest_local, repo_id
from gc_bot.feedback.ledger import Ledger, now, session_path
from gc_bot.feedback.state import FeedbackState, dropped_key
from gc_bot.findings import Finding
from gc_bot.fix.pipeline import FixContext, FixResult, fix_proposal
from gc_bot.fix.secrets import mask_secrets
from gc_bot.git import Git
from gc_bot.principles import Principle, PrincipleSet, load_principles, principles_dir_for
from gc_bot.propose.local import LocalForge
from gc_bot.propose.planner import Proposal, plan

JSON_VERSION = 1
DIFF_RECORD_CHARS = 4000
# Failures that say nothing about the proposal itself: it is tried again next run.
OPERATIONAL = ("API error", "token budget")


@dataclass
class Outcome:
    id: str
    principle: str
    branch: str
    base: str
    commit: str | None
    files: list[str]
    fingerprints: list[str]
    fixer: str
    status: str  # proposed | pending | dropped | skipped
    reason: str | None = None
    tokens: int = 0
    attempts: int = 0
    summary: str = ""
    diff: str = ""
    operational: bool = False

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k not in ("diff", "operational")}
        return data


@dataclass
class SweepReport:
    base: str
    base_commit: str
    dry_run: bool
    proposals: list[Outcome] = field(default_factory=list)
    paused: list[dict] = field(default_factory=list)
    tokens: int = 0
    findings: int = 0
    waiting_for_agent: int = 0
    reported_only: int = 0
    suppressed: int = 0
    agent: bool = False

    @property
    def failed(self) -> bool:
        return any(o.operational for o in self.proposals)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": JSON_VERSION,
            "base": self.base,
            "base_commit": self.base_commit,
            "dry_run": self.dry_run,
            "proposals": [o.to_json() for o in self.proposals],
            "paused": self.paused,
            "tokens": self.tokens,
            "findings": self.findings,
            "waiting_for_agent": self.waiting_for_agent,
            "reported_only": self.reported_only,
            "suppressed_by_feedback": self.suppressed,
            "agent": self.agent,
        }


def principle_digest(principle: Principle) -> str:
    return hashlib.sha256(principle.model_dump_json().encode()).hexdigest()[:12]


def sweep(
    root: Path,
    *,
    forge: str = "local",
    base: str | None = None,
    max_prs: int | None = None,
    dry_run: bool = False,
    agent: Any = None,
) -> SweepReport:
    if forge != "local":
        raise UsageError(f"forge {forge!r} is not available yet; use --forge local")
    git = Git.open(root)
    config = load_config(git.root, {"base": base, "max_prs": max_prs})
    principles = load_principles(principles_dir_for(git.root, config.principles))
    base_name, base_commit = git.resolve_base(config.base)
    git.prune_worktrees()
    ledger = Ledger(git)
    state = FeedbackState.from_records(ledger.read())
    if not dry_run and harvest_local(git, ledger, state):
        state = FeedbackState.from_records(ledger.read())
    report = SweepReport(base_name, base_commit, dry_run)
    agent = agent if agent is not None else _agent(config)
    report.agent = agent is not None

    base_findings = _scan_base(git, base_commit, principles, config)
    report.findings = len(base_findings)
    stats = state.stats(config.pause_below, config.min_decisions)
    paused = {p for p, row in stats.items() if row.paused and principles.get(p)}
    report.paused = [
        {
            "principle": p,
            "acceptance_rate": stats[p].to_json()["acceptance_rate"],
            "reasons": stats[p].reasons,
        }
        for p in sorted(paused)
    ]
    candidates = _candidates(
        base_findings, principles, state, paused, report, agent is not None, config
    )

    pending = state.pending()
    report.proposals += [_pending_outcome(p) for p in pending]
    slots = max(0, config.max_prs - len(pending))
    context = FixContext(
        git=git,
        base_commit=base_commit,
        principles=principles,
        base_findings=base_findings,
        exclude=tuple(config.exclude),
        test_command=config.test_command,
        max_diff_lines=config.max_diff_lines,
        agent=agent,
        lessons=_lessons_for(state, config, git),
        commit=not dry_run,
    )
    outcomes, sessions = _fix_in_waves(
        context, candidates, slots, state, principles, base_name, config
    )
    report.proposals += outcomes
    report.tokens = sum(o.tokens for o in outcomes)
    if not dry_run:
        _publish_and_record(git, ledger, report, outcomes, sessions, principles, base_commit)
    return report


def _agent(config: Config) -> Any:
    if not config.agent_enabled():
        return None
    from gc_bot.fix.agent import AgentFixer, TokenBudget

    return AgentFixer(
        model=config.model,
        budget=TokenBudget(config.token_budget),
        max_attempts=config.max_attempts,
    )


def _scan_base(git: Git, commit: str, principles: PrincipleSet, config: Config) -> list[Finding]:
    """Scan the committed tree of the base, never the user's uncommitted files."""
    from gc_bot.scan import scan

    with git.worktree(commit) as tree:
        return scan(tree, principles, exclude=config.exclude).findings


def _candidates(findings, principles, state, paused, report, has_agent, config) -> list[Proposal]:
    in_flight = state.fingerprints_in_flight()
    rejected = state.rejected_fingerprints()
    fixable = []
    for finding in findings:
        principle = principles.get(finding.principle)
        fixers = [f for f in principle.fix if f != "none"]
        if not fixers:
            report.reported_only += 1
        elif finding.principle in paused:
            continue
        elif finding.fingerprint in rejected:
            report.suppressed += 1
        elif finding.fingerprint in in_flight:
            continue
        elif fixers == ["agent"] and not has_agent:
            report.waiting_for_agent += 1
        else:
            fixable.append(finding)
    return plan(
        fixable,
        max_files=config.max_files_per_proposal,
        acceptance=state.acceptance(config.min_decisions),
    )


def _fix_in_waves(context, candidates, slots, state, principles, base_name, config):
    """Fix the best candidates until `slots` proposals stand; a failed one frees its slot."""
    outcomes: list[Outcome] = []
    sessions: dict[str, list[dict]] = {}
    queue = []
    for proposal in candidates:
        digest = principle_digest(principles.get(proposal.principle))
        if proposal.id in state.proposals:
            continue
        dropped = state.was_dropped(proposal.id, digest)
        if dropped:
            outcomes.append(
                _outcome(proposal, base_name, "skipped", f"dropped earlier: {dropped['reason']}")
            )
            continue
        queue.append(proposal)
    budget = slots + max(3, slots)  # bounded work when many candidates fail
    workers = max(1, config.concurrency)
    taken: set[str] = set()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while slots > 0 and queue and budget > 0:
            wave, queue = queue[: min(slots, budget)], queue[min(slots, budget) :]
            budget -= len(wave)
            for proposal, result in zip(
                wave, pool.map(lambda p: fix_proposal(context, p), wave), strict=True
            ):
                outcome = _result_outcome(proposal, result, base_name, state, taken)
                if result.session:
                    sessions[outcome.id] = result.session
                outcomes.append(outcome)
                if outcome.status == "proposed":
                    slots -= 1
                    taken.add(outcome.id)
    return outcomes, sessions


def _result_outcome(
    proposal: Proposal, result: FixResult, base_name: str, state: FeedbackState, taken: set[str]
) -> Outcome:
    if result.error is not None:
        status = "skipped" if result.waiting_for_agent and not result.tokens else "dropped"
        outcome = _outcome(proposal, base_name, status, result.error, result.fixer)
        outcome.tokens, outcome.attempts = result.tokens, result.attempts
        outcome.operational = result.error.startswith(OPERATIONAL)
        return outcome
    fixed = result.proposal
    if fixed.id in state.proposals or fixed.id in taken:
        return _outcome(fixed, base_name, "pending", "already proposed", result.fixer)
    outcome = _outcome(fixed, base_name, "proposed", None, result.fixer)
    outcome.commit, outcome.tokens, outcome.summary, outcome.diff = (
        result.commit,
        result.tokens,
        result.summary,
        result.diff,
    )
    outcome.attempts = result.attempts
    return outcome


def _outcome(
    proposal: Proposal, base: str, status: str, reason: str | None, fixer: str = ""
) -> Outcome:
    return Outcome(
        id=proposal.id,
        principle=proposal.principle,
        branch=proposal.branch,
        base=base,
        commit=None,
        files=list(proposal.files),
        fingerprints=list(proposal.fingerprints),
        fixer=fixer,
        status=status,
        reason=reason,
    )


def _pending_outcome(record: dict) -> Outcome:
    return Outcome(
        id=record["id"],
        principle=record["principle"],
        branch=record["branch"],
        base=record["base"],
        commit=record.get("commit"),
        files=record["files"],
        fingerprints=record["fingerprints"],
        fixer=record.get("fixer", ""),
        status="pending",
        reason="proposed earlier, waiting for a decision",
        tokens=0,
        summary=record.get("summary", ""),
    )


def _lessons_for(state: FeedbackState, config: Config, git: Git):
    def lessons(principle: str):
        from gc_bot.feedback.lessons import lessons_for

        return lessons_for(state, principle, config.lessons_max_items, config.lessons_max_chars)

    return lessons


def _publish_and_record(git, ledger, report, outcomes, sessions, principles, base_commit) -> None:
    forge = LocalForge(git)
    me = repo_id(git)
    records = []
    at = now()
    for o in outcomes:
        principle = principles.get(o.principle)
        if o.status == "proposed" and o.commit:
            if not forge.exists(o.branch):
                forge.publish(o.branch, o.commit)
            records.append(
                {
                    "key": f"proposal:{o.id}",
                    "type": "proposal",
                    "kind": "fix",
                    "id": o.id,
                    "principle": o.principle,
                    "principle_digest": principle_digest(principle),
                    "fingerprints": o.fingerprints,
                    "files": o.files,
                    "branch": o.branch,
                    "base": o.base,
                    "base_commit": base_commit,
                    "commit": o.commit,
                    "fixer": o.fixer,
                    "tokens": o.tokens,
                    "summary": o.summary,
                    "diff": mask_secrets(o.diff)[:DIFF_RECORD_CHARS],
                    "session": session_path(o.id) if o.id in sessions else None,
                    "repo_id": me,
                    "at": at,
                }
            )
        elif o.status == "dropped" and not o.operational:
            digest = principle_digest(principle)
            records.append(
                {
                    "key": dropped_key(o.id, digest),
                    "type": "dropped",
                    "id": o.id,
                    "principle": o.principle,
                    "fingerprints": o.fingerprints,
                    "reason": o.reason,
                    "fixer": o.fixer,
                    "tokens": o.tokens,
                    "session": session_path(o.id) if o.id in sessions else None,
                    "at": at,
                }
            )
    counts = Counter(o.principle for o in outcomes if o.status == "proposed")
    records.append(
        {
            "key": f"run:{uuid.uuid4().hex}",
            "type": "run",
            "at": at,
            "base_commit": base_commit,
            "findings": report.findings,
            "proposed": dict(counts),
            "dropped": dict(Counter(o.principle for o in outcomes if o.status == "dropped")),
            "tokens": report.tokens,
        }
    )
    ledger.append(records, sessions)
