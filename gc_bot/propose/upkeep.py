"""Proposals already out, after the sweep's base scan: retire or rebuild, else leave alone.

A pending proposal none of whose findings is left on the base is retired: closed with a word,
its branch deleted, and recorded as withdrawn (gc-bot's own act, never a person's no). One the
base moved under is rebuilt on it (its own branch moved, its description refreshed) only when
that matters: some of its findings are gone (its findings changed), or its commit no longer
merges cleanly onto the base (a conflict). Every other push to the base changes nothing, so
gc-bot never starts a rebase storm of CI runs on its open pull requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gc_bot.errors import OperationalError
from gc_bot.feedback.github_sync import withdrawn_record
from gc_bot.feedback.ledger import Ledger, now
from gc_bot.findings import Finding
from gc_bot.fix.secrets import mask_secrets
from gc_bot.git import Git
from gc_bot.propose.forge import Change, Forge
from gc_bot.propose.planner import Proposal

if TYPE_CHECKING:
    from gc_bot.fix.pipeline import FixContext

VANISHED = "none of the findings it fixed is left on the base branch (fixed or changed there)"
CONFLICT = "the base branch changed where it edits (it no longer merges cleanly)"
CHANGED = "some of its findings are gone from the base branch"


@dataclass
class Upkeep:
    """What happened to the proposals already out, for the run's report."""

    retired: list[str] = field(default_factory=list)  # ids
    refreshed: dict[str, str] = field(default_factory=dict)  # id -> why
    left: dict[str, str] = field(default_factory=dict)  # id -> why it was not retired/rebuilt
    tokens: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"retired": self.retired, "refreshed": self.refreshed, "left": self.left}


def tend(
    forge: Forge,
    ledger: Ledger,
    pending: list[dict],
    findings: list[Finding],
    context: FixContext,
    base: str,
) -> Upkeep:
    """Retire the pending proposals on `base` whose findings vanished, rebuild the stale ones."""
    done = Upkeep()
    present = {f.fingerprint: f for f in findings}
    for record in pending:
        if record.get("base", base) != base:
            continue  # proposed against another base: this scan says nothing about it
        left = [present[fp] for fp in record["fingerprints"] if fp in present]
        try:
            if not left:
                _retire(forge, ledger, record)
                done.retired.append(record["id"])
                continue
            why = stale_because(context.git, record, left, context.base_commit)
            if why:
                done.tokens += _rebuild(forge, ledger, record, left, context, why)
                done.refreshed[record["id"]] = why
        except OperationalError as error:
            done.left[record["id"]] = mask_secrets(str(error))
    return done


def stale_because(git: Git, record: dict, left: list[Finding], base_commit: str) -> str | None:
    """Why `record` must be rebuilt on `base_commit`, or None when it can stay as it is."""
    if record.get("base_commit") == base_commit:
        return None
    if len(left) < len(record["fingerprints"]):
        return CHANGED
    commit = record.get("commit")
    if commit and git.rev(commit) and conflicts(git, commit, base_commit):
        return CONFLICT
    return None


def conflicts(git: Git, commit: str, base_commit: str) -> bool:
    """Would merging `commit` into `base_commit` conflict? (`git merge-tree`: no checkout,
    no ref moved; both commits are known to exist, so a failure is a conflict.)"""
    return not git.ok("merge-tree", "--write-tree", "--name-only", base_commit, commit)


def _retire(forge: Forge, ledger: Ledger, record: dict) -> None:
    staged = forge.retire(record, VANISHED)
    ledger.append([withdrawn_record(record["id"], VANISHED, now())], refs=staged)


def _rebuild(
    forge: Forge,
    ledger: Ledger,
    record: dict,
    left: list[Finding],
    context: FixContext,
    why: str,
) -> int:
    """Make the fix again on the new base for the findings left; returns the tokens spent."""
    from gc_bot.fix.pipeline import fix_proposal

    result = fix_proposal(context, Proposal(record["principle"], tuple(left)))
    if result.error is not None or not result.commit:
        raise OperationalError(f"{why}, but the fix could not be made again: {result.error}")
    change = Change(
        proposal=result.proposal,
        base=record.get("base", "HEAD"),
        base_commit=context.base_commit,
        commit=result.commit,
        fixer=result.fixer,
        summary=result.summary,
        explanation=result.explanation,
        tokens=result.tokens,
        principle=context.principles.get(record["principle"]),
        replaces=record,
    )
    staged = forge.refresh(change)
    ledger.append([refresh_record(change, why)], refs=staged)
    return result.tokens


def refresh_record(change: Change, why: str) -> dict:
    findings = change.proposal.findings
    return {
        "key": f"refresh:{change.id}:{change.commit}",
        "type": "refresh",
        "proposal": change.id,
        "commit": change.commit,
        "base_commit": change.base_commit,
        "fingerprints": list(change.proposal.fingerprints),
        "lines": [[f.path, f.line, f.end_line, f.fingerprint] for f in findings],
        "files": list(change.proposal.files),
        "summary": change.summary,
        "reason": why,
        "at": now(),
    }
