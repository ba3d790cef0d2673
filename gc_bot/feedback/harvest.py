"""Decisions people made with git itself: a gc-bot branch merged (up) or deleted unmerged (down)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from gc_bot.feedback.ledger import Ledger, now
from gc_bot.feedback.reconcile import reconcile, restore_lost_ledger
from gc_bot.feedback.remote import LedgerSource, deepen_for, fetch_ledger
from gc_bot.feedback.state import FeedbackState
from gc_bot.git import Git

Harvester = Callable[[Ledger, FeedbackState], object]


def load_state(
    git: Git,
    ledger: Ledger,
    *,
    harvest: Harvester | None,
    fetch: bool = True,
    refuse_lost_ledger: bool = False,
) -> tuple[FeedbackState, LedgerSource]:
    """The team's ledger, fetched, read, reconciled with the branches after any kill, and
    brought up to date by `harvest` (a forge's); `harvest=None` only reads.

    `fetch=False` leaves fetching to a forge that does it with its own credentials (github).

    Harvesting reads and writes under the ledger lock, so a concurrent `reject` (which records
    and deletes the branch under the same lock) is never also recorded as a deleted branch.
    """
    source = fetch_ledger(git) if fetch else LedgerSource(fetched="fetched by the forge")
    if harvest is None:
        return FeedbackState.from_records(ledger.read()), source
    with ledger.locked():
        restore_lost_ledger(git)
        state = FeedbackState.from_records(ledger.read())
        reconcile(git, state, refuse_lost_ledger=refuse_lost_ledger)
        if fetch:
            deepen_for(git, state.pending())
        if ledger.held_by_checkout():
            return state, source  # read only: recording would move the branch under the user
        if harvest(ledger, state):
            state = FeedbackState.from_records(ledger.read())
    return state, source


def repo_id(git: Git) -> str:
    """This clone's identity: a deleted branch counts as a rejection only where it was created."""
    path = git.common_dir() / "gc-bot" / "repo-id"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_suffix(f".{uuid.uuid4().hex}")
        tmp.write_text(uuid.uuid4().hex)
        tmp.replace(path)
    return path.read_text().strip()


def harvest_local(git: Git, ledger: Ledger, state: FeedbackState) -> list[dict]:
    """Record what happened to pending proposals' branches since the last look."""
    me = repo_id(git)
    found = []
    for proposal in state.pending():
        verdict = _verdict(git, proposal, me)
        if verdict:
            source, value = verdict
            found.append(
                {
                    "key": f"decision:{proposal['id']}:{source}",
                    "type": "decision",
                    "proposal": proposal["id"],
                    "verdict": value,
                    "source": source,
                    "who": "git",
                    "at": now(),
                    "reason": None,
                }
            )
    if found:
        ledger.append(found)
    return found


def _verdict(git: Git, proposal: dict, me: str) -> tuple[str, str] | None:
    commit = proposal.get("commit")
    if commit and git.rev(commit) and _merged_somewhere(git, commit, proposal.get("base")):
        return "branch-merged", "up"
    branch = proposal["branch"]
    gone = (
        git.rev(f"refs/heads/{branch}") is None and git.rev(f"refs/remotes/origin/{branch}") is None
    )
    if gone and proposal.get("repo_id") == me:
        return "branch-deleted", "down"
    return None


def _merged_somewhere(git: Git, commit: str, base: str | None) -> bool:
    """Is the proposal's patch on its base, on any other branch (a detached or tag base), or on
    a checkout's HEAD (merged on a detached HEAD, then its branch deleted)?"""
    candidates = [base] if base and base != "HEAD" else []
    candidates += [
        ref
        for ref in git.branches("refs/heads/") | git.branches("refs/remotes/origin/")
        if "/gc-bot/" not in ref and not ref.endswith("/HEAD")
    ]
    candidates += git.worktree_heads()
    return any(
        tip and git.patch_applied(commit, tip)
        for tip in dict.fromkeys(git.rev(c) for c in candidates)
    )
