"""At start, under the ledger lock: make the branches agree with the ledger after any kill.

Branches and their records are written in one git transaction, so a kill leaves both or
neither; what is left to mend is what a kill inside git leaves (stale ref locks) and the
second half of a command that does two things: `reject` records, then deletes the branch. A
`gc-bot/*` branch no record names (left by an older gc-bot) is removed when it is still
gc-bot's own commit; a branch someone built on, checked out, or that a teammate pushed stays.
A ledger branch that is gone while gc-bot branches exist is rebuilt from its last commit, which
git keeps as an unreachable object for weeks after the branch is deleted; when git has pruned it
too, the sweep refuses: proposing again would repeat what people already rejected.
"""

from __future__ import annotations

import logging

from gc_bot.errors import OperationalError
from gc_bot.feedback.ledger import BRANCH, LEDGER_PATH, LOCAL_REF, REMOTE_REF
from gc_bot.feedback.state import FeedbackState
from gc_bot.git import BOT_EMAIL, Git

logger = logging.getLogger(__name__)

PROPOSALS = "refs/heads/gc-bot/"


def reconcile(git: Git, state: FeedbackState, *, refuse_lost_ledger: bool) -> list[str]:
    """Mend what a kill left; returns the branches it removed. Call under the ledger lock."""
    _remove_stale_ref_locks(git)
    branches = _proposal_branches(git)
    if not branches:
        return []
    if git.rev(LOCAL_REF) is None and git.rev(REMOTE_REF) is None:
        if refuse_lost_ledger:
            raise OperationalError(_lost_ledger(len(branches)))
        logger.warning(_lost_ledger(len(branches)))
        return []
    by_branch = {f"refs/heads/{p['branch']}": p for p in state.proposals.values()}
    removed = []
    for ref, tip in sorted(branches.items()):
        proposal = by_branch.get(ref)
        if proposal is None:
            stale = (
                _bots_own(git, tip) and git.rev(ref.replace("heads", "remotes/origin", 1)) is None
            )
        else:
            stale = state.verdict(proposal["id"]) == "down" and tip == proposal.get("commit")
        if stale and not git.checked_out(ref):
            git.run("update-ref", "-d", ref, tip)
            removed.append(ref.removeprefix("refs/heads/"))
    return removed


def restore_lost_ledger(git: Git) -> str | None:
    """Recreate a deleted ledger branch from its newest unreachable commit; says what it did.

    Only when the branch is gone here and on origin while gc-bot branches exist (the walk over
    every object is paid for only then). Records are append-only, so the newest commit holds
    every decision the branch held.
    """
    if git.rev(LOCAL_REF) or git.rev(REMOTE_REF) or not _proposal_branches(git):
        return None
    found = git.run("fsck", "--unreachable", "--no-reflogs", "--no-progress", check=False)
    commits = [
        line.split()[2] for line in found.splitlines() if line.startswith("unreachable commit")
    ]
    ledgers = [
        c for c in commits if _bots_own(git, c) and git.ok("cat-file", "-e", f"{c}:{LEDGER_PATH}")
    ]
    if not ledgers:
        return None
    newest = max(
        ledgers, key=lambda c: (int(git.run("log", "-1", "--format=%ct", c)), _size(git, c))
    )
    git.update_refs({LOCAL_REF: (newest, None)})
    message = (
        f"the ledger branch {BRANCH} was gone; rebuilt it from its last commit {newest[:10]}, "
        "which git still had"
    )
    logger.warning(message)
    return message


def _size(git: Git, commit: str) -> int:
    return int(git.run("cat-file", "-s", f"{commit}:{LEDGER_PATH}", check=False) or 0)


def _proposal_branches(git: Git) -> dict[str, str]:
    return {
        ref: tip
        for ref, tip in git.branches(PROPOSALS).items()
        if ref != LOCAL_REF and not ref.startswith(f"{PROPOSALS}learn/")
    }


def _bots_own(git: Git, commit: str) -> bool:
    return git.run("log", "-1", "--format=%ce", commit, check=False) == BOT_EMAIL


def _remove_stale_ref_locks(git: Git) -> None:
    """Lock files a killed `git update-ref` left on gc-bot's refs; nothing else writes those."""
    refs = git.common_dir() / "refs" / "heads" / "gc-bot"
    for lock in refs.rglob("*.lock") if refs.is_dir() else []:
        logger.warning("removed %s, left by a gc-bot run that was killed", lock)
        lock.unlink(missing_ok=True)


def _lost_ledger(count: int) -> str:
    return (
        f"the ledger branch {BRANCH} is gone (here and on origin, and git no longer has its "
        f"commits) while {count} gc-bot branch(es) exist: every decision people made would be "
        f"forgotten and rejected fixes proposed again. Restore it (git branch {BRANCH} <commit>, "
        "from a teammate's clone or a backup), or, to start afresh, delete the gc-bot "
        "branches: git for-each-ref --format='delete %(refname)' refs/heads/gc-bot/ | "
        "git update-ref --stdin"
    )
