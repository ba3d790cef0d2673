"""The team's ledger, wherever the run starts: fetched from `origin` before anything reads it.

A CI runner's checkout is shallow and single-branch (`actions/checkout`'s default): it has no
`origin/gc-bot/feedback` and too little history to see a merge. Before reading, gc-bot fetches
the ledger branch and, in a shallow clone, deepens history back to the oldest pending proposal;
what it still cannot decide it says, and it decides nothing from what it cannot see.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from gc_bot.feedback.ledger import BRANCH, LOCAL_REF, REMOTE_REF
from gc_bot.git import Git, GitError

logger = logging.getLogger(__name__)

_NO_SUCH_REF = ("couldn't find remote ref", "could not find remote ref")


@dataclass
class LedgerSource:
    """Where this command's ledger came from, for `gc-bot feedback` to say."""

    local: bool = False
    remote: bool = False
    fetched: str = "no origin remote"  # what the fetch did

    def describe(self) -> str:
        parts = []
        if self.local:
            parts.append(f"local {BRANCH}")
        if self.remote:
            parts.append(f"origin/{BRANCH}")
        held = " + ".join(parts) or "no ledger yet"
        return f"ledger: {held} ({self.fetched})"


def fetch_ledger(git: Git) -> LedgerSource:
    """Fetch `gc-bot/feedback` from origin when there is one; a failure is a warning."""
    source = LedgerSource()
    if "origin" in git.run("remote", check=False).split():
        source.fetched = _fetch(git)
    source.local = git.rev(LOCAL_REF) is not None
    source.remote = git.rev(REMOTE_REF) is not None
    return source


def _fetch(git: Git) -> str:
    try:
        git.run("fetch", "--quiet", "--no-tags", "origin", f"+{LOCAL_REF}:{REMOTE_REF}")
    except GitError as error:
        if any(marker in str(error).lower() for marker in _NO_SUCH_REF):
            return f"origin has no {BRANCH} yet"
        logger.warning(
            "could not fetch %s from origin (%s); going on with the ledger this clone has",
            BRANCH,
            error,
        )
        return "fetch from origin failed"
    return "fetched from origin"


def deepen_for(git: Git, pending: list[dict]) -> None:
    """In a shallow clone, fetch enough history to see whether pending proposals were merged."""
    if not pending or git.run("rev-parse", "--is-shallow-repository", check=False) != "true":
        return
    if "origin" not in git.run("remote", check=False).split():
        return
    since = _day_before(min(p["at"] for p in pending))
    bases = sorted({p["base"] for p in pending if p.get("base") and p["base"] != "HEAD"})
    specs = [f"+refs/heads/{b}:refs/remotes/origin/{b}" for b in bases if _is_branch_name(git, b)]
    specs.append("+refs/heads/gc-bot/*:refs/remotes/origin/gc-bot/*")
    try:
        git.run("fetch", "--quiet", "--no-tags", f"--shallow-since={since}", "origin", *specs)
    except GitError as error:
        logger.warning("could not deepen this shallow clone to check merges (%s)", error)
    unseen = [p["id"] for p in pending if p.get("commit") and git.rev(p["commit"]) is None]
    if unseen:
        logger.warning(
            "this shallow clone lacks the commits of %d pending proposal(s) (%s); whether they "
            "were merged stays undecided here (git fetch --unshallow to decide them)",
            len(unseen),
            ", ".join(unseen[:5]),
        )


def _day_before(at: str) -> str:
    try:
        return (datetime.fromisoformat(at) - timedelta(days=1)).isoformat(timespec="seconds")
    except ValueError:
        return "1970-01-02"


def _is_branch_name(git: Git, name: str) -> bool:
    return git.ok("check-ref-format", "--branch", name) and not name.startswith("-")
