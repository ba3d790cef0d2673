"""The sweep: harvest, scan, lessons, plan, fix and validate, forge, ledger; one after another."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from gc_bot.config import Config, load_config
from gc_bot.errors import OperationalError, UsageError
from gc_bot.feedback.harvest import load_state, repo_id
from gc_bot.feedback.ledger import Ledger, now, session_path
from gc_bot.feedback.state import FeedbackState, dropped_key
from gc_bot.findings import Finding
from gc_bot.fix.pipeline import FixContext, FixResult, fix_proposal
from gc_bot.fix.secrets import mask_secrets, use_repository
from gc_bot.git import Git
from gc_bot.principles import Principle, PrincipleSet
from gc_bot.propose.forge import Change, Forge, choose_forge, make_forge
from gc_bot.propose.planner import Proposal, next_generation, plan
from gc_bot.selection import principles_in_force

JSON_VERSION = 1
DIFF_RECORD_CHARS = 4000
# Failures that say nothing about the proposal itself: it is tried again next run.
INTERNAL_ERROR = "internal error"
OPERATIONAL = ("API error", "token budget", "deadline", INTERNAL_ERROR)


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
    explanation: str = ""
    proposal: Proposal | None = None  # what the forge publishes, findings included

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in _INTERNAL_FIELDS}


_INTERNAL_FIELDS = ("diff", "operational", "explanation", "proposal")


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
    waiting_principles: list[str] = field(default_factory=list)  # whose findings wait
    uncommitted: int = 0  # files with uncommitted changes, which a sweep never reads
    reported_only: int = 0
    suppressed: int = 0
    agent: bool = False
    forge: str = "local"
    forge_description: str = ""
    review: dict[str, Any] = field(default_factory=dict)  # prose principles: the agent's review
    by_principle: dict[str, int] = field(default_factory=dict)  # findings at the base
    waiting: list[Proposal] = field(default_factory=list)  # planned, not tried: no slot left
    upkeep: dict[str, Any] = field(default_factory=dict)  # proposals out: retired, refreshed
    dashboard: str | None = None  # the dashboard issue's address, when the forge keeps one

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
            "waiting_for_agent_principles": self.waiting_principles,
            "uncommitted_ignored": self.uncommitted,
            "reported_only": self.reported_only,
            "suppressed_by_feedback": self.suppressed,
            "agent": self.agent,
            "review": self.review,
            "forge": self.forge,
            "dashboard": self.dashboard,
            "waiting": [
                {"id": p.id, "principle": p.principle, "files": list(p.files)} for p in self.waiting
            ],
            "upkeep": self.upkeep,
        }


def principle_digest(principle: Principle) -> str:
    return hashlib.sha256(principle.model_dump_json().encode()).hexdigest()[:12]


# gc-bot: ignore[small-functions]  (the public entry point: every option is keyword-only)
def sweep(
    root: Path,
    *,
    forge: str | None = "local",
    base: str | None = None,
    max_prs: int | None = None,
    dry_run: bool = False,
    agent: Any = None,
    findings_file: Path | None = None,
) -> SweepReport:
    """One sweep: harvest, scan, lessons, plan, fix and validate, forge, ledger.

    `forge=None` chooses github when a repository and a token are set, else local.
    `findings_file` (a scan's JSON of the base, e.g. merged shards) replaces the scan.
    """
    forge_name = choose_forge(forge, dict(os.environ))
    git = Git.open(root)
    with _one_sweep_at_a_time(git):
        flags = {"base": base, "max_prs": max_prs}
        return _sweep(git, flags, forge_name, dry_run, agent, findings_file)


@contextmanager
def _one_sweep_at_a_time(git: Git) -> Iterator[None]:
    lock_dir = git.common_dir() / "gc-bot"
    lock_dir.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(lock_dir / "sweep.lock"), timeout=0):
            yield
    except Timeout:
        raise UsageError(
            "another gc-bot sweep is running in this repository; try again when it ends"
        ) from None


def _sweep(
    git: Git, flags: dict[str, Any], forge: str, dry_run: bool, agent: Any, findings_file=None
) -> SweepReport:
    run = _Run.start(git, flags, forge, dry_run, agent)
    findings = run.scan_base(findings_file)
    if not dry_run:
        run.tend(findings)
    candidates = run.candidates(findings)
    asked = run.asked_first(candidates)
    candidates = asked + [p for p in candidates if p not in asked]
    pending = run.state.pending()
    run.report.proposals += [_pending_outcome(p) for p in pending]
    slots = max(0, run.config.max_prs - len(pending))
    forge_slots = run.forge.open_slots()
    if forge_slots is not None:
        slots = min(slots, max(0, forge_slots))
    slots = max(slots, len(asked))  # a person asked for these now, as Renovate's ticks do
    outcomes, sessions = run.fix_in_waves(candidates, findings, slots)
    run.report.proposals += outcomes
    review_tokens = run.report.review.get("review", {}).get("tokens", 0)
    upkeep_tokens = run.report.upkeep.get("tokens", 0)
    run.report.tokens = review_tokens + upkeep_tokens + sum(o.tokens for o in outcomes)
    if not dry_run:
        run.publish_and_record(outcomes, sessions)
        run.report.dashboard = run.forge.update_dashboard(run.report)
    return run.report


@dataclass
class _Run:
    """What one sweep knows: the repository, its settings, its ledger, and the report so far."""

    git: Git
    config: Config
    principles: PrincipleSet
    ledger: Ledger
    state: FeedbackState
    report: SweepReport
    agent: Any
    forge: Forge
    snapshot: Any = None  # what the scan of the base read, for validation to rescan against

    @classmethod
    def start(
        cls, git: Git, flags: dict[str, Any], forge_name: str, dry_run: bool, agent: Any
    ) -> _Run:
        config = load_config(git.root, flags)
        principles = principles_in_force(git.root, config).active
        base_name, base_commit = git.resolve_base(config.base)
        use_repository(git.root, base_commit)  # its .env values are masked wherever they go
        forge = make_forge(forge_name, git, config)
        git.prune_worktrees()
        ledger = Ledger(git)
        if not dry_run:
            ledger.refuse_if_checked_out()  # before the work, not after it
        state, _ = load_state(
            git,
            ledger,
            harvest=None if dry_run else forge.harvest,
            fetch=forge.name == "local",
            refuse_lost_ledger=True,
        )
        agent = agent if agent is not None else _agent(config)
        report = SweepReport(base_name, base_commit, dry_run, agent=agent is not None)
        report.uncommitted = _count_uncommitted(git)
        report.forge, report.forge_description = forge.name, forge.describe()
        return cls(git, config, principles, ledger, state, report, agent, forge)

    def scan_base(self, findings_file: Path | None = None) -> list[Finding]:
        """Scan the committed tree of the base, never the user's uncommitted files."""
        if findings_file is not None:
            from gc_bot.scan.merge import findings_for_base

            findings = findings_for_base(findings_file, self.git, self.report.base_commit)
        else:
            from gc_bot.scan import scan

            with self.git.worktree(self.report.base_commit) as tree:
                result = scan(
                    tree,
                    self.principles,
                    exclude=self.config.exclude,
                    agent=self._reviewer(),
                    snapshot=True,
                )
            findings, self.snapshot = result.findings, result.snapshot
            self.report.review = {
                key: result.stats[key] for key in ("review", "not_checked") if key in result.stats
            }
        findings = [f for f in findings if self.principles.get(f.principle)]
        self.report.findings = len(findings)
        self.report.by_principle = dict(Counter(f.principle for f in findings))
        return findings

    def tend(self, findings: list[Finding]) -> None:
        """Proposals already out: retire those whose findings all vanished from the base,
        rebuild those it conflicts with or whose findings changed; leave the rest alone."""
        from gc_bot.propose.upkeep import tend

        context = self._fix_context(findings)
        done = tend(
            self.forge, self.ledger, self.state.pending(), findings, context, self.report.base
        )
        self.report.upkeep = {**done.to_json(), "tokens": done.tokens}
        if done.retired or done.refreshed:
            self.state = FeedbackState.from_records(self.ledger.read())

    def _reviewer(self) -> Any:
        """Prose principles are reviewed when an agent is configured, on the run's budget."""
        from gc_bot.scan.agent_review import reviewer_for

        return reviewer_for(self.config, getattr(self.agent, "budget", None))

    def paused(self) -> set[str]:
        stats = self.state.stats(self.config.pause_below, self.config.min_decisions)
        paused = {p for p, row in stats.items() if row.paused and self.principles.get(p)}
        self.report.paused = [
            {
                "principle": p,
                "acceptance_rate": stats[p].to_json()["acceptance_rate"],
                "reasons": stats[p].reasons,
            }
            for p in sorted(paused)
        ]
        return paused

    def candidates(self, findings: list[Finding]) -> list[Proposal]:
        """Fixable findings, minus what feedback rules out, grouped and ranked."""
        paused, report = self.paused(), self.report
        in_flight = self.state.fingerprints_in_flight()
        rejected = self.state.rejected_fingerprints()
        fixable = []
        for finding in findings:
            fixers = [f for f in self.principles.get(finding.principle).fix if f != "none"]
            if not fixers:
                report.reported_only += 1
            elif finding.principle in paused or finding.fingerprint in in_flight:
                continue
            elif finding.fingerprint in rejected:
                report.suppressed += 1
            elif fixers == ["agent"] and self.agent is None:
                report.waiting_for_agent += 1
                if finding.principle not in report.waiting_principles:
                    report.waiting_principles.append(finding.principle)
            else:
                fixable.append(finding)
        acceptance = self.state.acceptance(self.config.min_decisions)
        planned = plan(fixable, max_files=self.config.max_files_per_proposal, acceptance=acceptance)
        return [next_generation(p, self.state.released_again) for p in planned]

    def asked_first(self, candidates: list[Proposal]) -> list[Proposal]:
        """Candidates holding findings people asked to be proposed first (a dashboard tick)."""
        wanted = self.state.asked_first()
        return [
            p
            for p in candidates
            if wanted & set(p.fingerprints) and p.id not in self.state.proposals
        ]

    def fix_in_waves(self, candidates: list[Proposal], findings: list[Finding], slots: int):
        """Fix the best candidates until `slots` proposals stand; a failed one frees its slot."""
        outcomes: list[Outcome] = []
        sessions: dict[str, list[dict]] = {}
        queue = []
        for proposal in candidates:
            if proposal.id in self.state.proposals:
                continue
            digest = principle_digest(self.principles.get(proposal.principle))
            dropped = self.state.was_dropped(proposal.id, digest)
            if dropped:
                outcomes.append(
                    self._outcome(proposal, "skipped", f"dropped earlier: {dropped['reason']}")
                )
            else:
                queue.append(proposal)
        context = self._fix_context(findings)
        budget = slots + max(3, slots)  # bounded work when many candidates fail
        taken: set[str] = set()
        with ThreadPoolExecutor(max_workers=max(1, self.config.concurrency)) as pool:
            while slots > 0 and queue and budget > 0:
                size = min(slots, budget)
                wave, queue = queue[:size], queue[size:]
                budget -= len(wave)
                for proposal, result in zip(
                    wave, pool.map(lambda p: _fix_safely(context, p), wave), strict=True
                ):
                    outcome = self._result_outcome(proposal, result, taken)
                    if result.session:
                        sessions[outcome.id] = result.session
                    outcomes.append(outcome)
                    if outcome.status == "proposed":
                        slots -= 1
                        taken.add(outcome.id)
        self.report.waiting = queue
        return outcomes, sessions

    def _fix_context(self, findings: list[Finding]) -> FixContext:
        config, state = self.config, self.state

        def lessons(principle: str):
            from gc_bot.feedback.lessons import lessons_for

            return lessons_for(state, principle, config.lessons_max_items, config.lessons_max_chars)

        return FixContext(
            git=self.git,
            base_commit=self.report.base_commit,
            principles=self.principles,
            base_findings=findings,
            exclude=tuple(config.exclude),
            test_command=config.test_command,
            test_timeout=config.test_timeout,
            test_env=tuple(config.test_env),
            proposal_timeout=config.proposal_timeout,
            max_diff_lines=config.max_diff_lines,
            agent=self.agent,
            lessons=lessons,
            commit=not self.report.dry_run,
            held=frozenset(state.rejected_fingerprints() | state.fingerprints_in_flight()),
            snapshot=self.snapshot,
        )

    def _result_outcome(self, proposal: Proposal, result: FixResult, taken: set[str]) -> Outcome:
        if result.error is not None:
            waiting = result.waiting_for_agent and not result.tokens
            status = "skipped" if waiting or result.error.startswith("deadline") else "dropped"
            outcome = self._outcome(proposal, status, result.error, result.fixer)
            outcome.tokens, outcome.attempts = result.tokens, result.attempts
            outcome.operational = result.error.startswith(OPERATIONAL)
            return outcome
        fixed = result.proposal
        if fixed.id in self.state.proposals or fixed.id in taken:
            return self._outcome(fixed, "pending", "already proposed", result.fixer)
        outcome = self._outcome(fixed, "proposed", None, result.fixer)
        outcome.commit, outcome.summary, outcome.diff = result.commit, result.summary, result.diff
        outcome.explanation, outcome.proposal = result.explanation, fixed
        outcome.tokens, outcome.attempts = result.tokens, result.attempts
        return outcome

    def _outcome(
        self, proposal: Proposal, status: str, reason: str | None, fixer: str = ""
    ) -> Outcome:
        return Outcome(
            id=proposal.id,
            principle=proposal.principle,
            branch=proposal.branch,
            base=self.report.base,
            commit=None,
            files=list(proposal.files),
            fingerprints=list(proposal.fingerprints),
            fixer=fixer,
            status=status,
            reason=reason,
        )

    def publish_and_record(self, outcomes: list[Outcome], sessions: dict[str, list[dict]]) -> None:
        """The new proposals through the forge; their records, the dropped ones and the run in
        the ledger; then the forge shares the ledger."""
        at = now()
        records, refs = [], {}
        for o in outcomes:
            if o.status == "proposed" and o.commit:
                staged = self._publish(o)
                if staged is None:
                    continue
                refs.update(staged)
                records.append(self._proposal_record(o, o.id in sessions, at))
            elif o.status == "dropped" and not o.operational:
                records.append(self._dropped_record(o, o.id in sessions, at))
        records.append(
            {
                "key": f"run:{uuid.uuid4().hex}",
                "type": "run",
                "at": at,
                "base_commit": self.report.base_commit,
                "findings": self.report.findings,
                "findings_by_principle": self.report.by_principle,
                "proposed": dict(Counter(o.principle for o in outcomes if o.status == "proposed")),
                "dropped": dict(Counter(o.principle for o in outcomes if o.status == "dropped")),
                "tokens": self.report.tokens,
            }
        )
        self.ledger.append(records, sessions, refs=refs)  # the branches and their records at once
        self.forge.share_ledger()

    def _publish(self, o: Outcome) -> dict[str, tuple[str, str | None]] | None:
        """One proposal to the forge: the refs it stages for the ledger's transaction, or None
        when it failed (that proposal's failure, retried next run, not the run's)."""
        assert o.commit is not None and o.proposal is not None
        change = Change(
            proposal=o.proposal,
            base=o.base,
            base_commit=self.report.base_commit,
            commit=o.commit,
            fixer=o.fixer,
            summary=o.summary,
            explanation=o.explanation,
            tokens=o.tokens,
            principle=self.principles.get(o.principle),
        )
        try:
            staged = self.forge.publish(change)
        except Exception as error:  # reported as an operational failure (exit 1), retried next run
            what = (
                str(error)
                if isinstance(error, OperationalError)
                else f"{INTERNAL_ERROR}: {error!r}"
            )
            o.status, o.reason, o.operational = "skipped", mask_secrets(what), True
            return None
        return staged or {}

    def _proposal_record(self, o: Outcome, has_session: bool, at: str) -> dict:
        return {
            "key": f"proposal:{o.id}",
            "type": "proposal",
            "kind": "fix",
            "id": o.id,
            "principle": o.principle,
            "principle_digest": principle_digest(self.principles.get(o.principle)),
            "fingerprints": o.fingerprints,
            "lines": [[f.path, f.line, f.end_line, f.fingerprint] for f in o.proposal.findings]
            if o.proposal
            else [],
            "files": o.files,
            "branch": o.branch,
            "base": o.base,
            "base_commit": self.report.base_commit,
            "commit": o.commit,
            "fixer": o.fixer,
            "tokens": o.tokens,
            "summary": o.summary,
            "diff": mask_secrets(o.diff)[:DIFF_RECORD_CHARS],
            "session": session_path(o.id) if has_session else None,
            "repo_id": repo_id(self.git),
            "at": at,
        }

    def _dropped_record(self, o: Outcome, has_session: bool, at: str) -> dict:
        return {
            "key": dropped_key(o.id, principle_digest(self.principles.get(o.principle))),
            "type": "dropped",
            "id": o.id,
            "principle": o.principle,
            "fingerprints": o.fingerprints,
            "reason": o.reason,
            "fixer": o.fixer,
            "tokens": o.tokens,
            "session": session_path(o.id) if has_session else None,
            "at": at,
        }


def _count_uncommitted(git: Git) -> int:
    """Changed or untracked files: the sweep works on commits, so it says these were left out."""
    status = git.run("status", "--porcelain", "--untracked-files=normal", check=False)
    return len([line for line in status.splitlines() if line.strip()])


def _fix_safely(context: FixContext, proposal: Proposal) -> FixResult:
    """One proposal's failure, whatever it is, is that proposal's outcome, not the run's end."""
    try:
        return fix_proposal(context, proposal)
    except Exception as error:  # reported as an operational failure (exit 1), retried next run
        what = f"{INTERNAL_ERROR}: {type(error).__name__}: {error}"
        return FixResult(proposal, error=mask_secrets(what))


def _agent(config: Config) -> Any:
    if not config.agent_enabled():
        return None
    from gc_bot.fix.agent import AgentFixer, TokenBudget

    return AgentFixer(
        model=config.model,
        budget=TokenBudget(config.token_budget),
        max_attempts=config.max_attempts,
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
        summary=record.get("summary", ""),
    )
