"""The one interface the sweep talks to, whichever forge puts proposals in front of people.

`local` keeps them as branches in this clone; `github` pushes them and opens pull requests.
The sweep never knows which: it asks the forge for decisions made since the last run, how
many new proposals may open, to publish each one, to retire those whose findings vanished, to
refresh those the base moved under, and to share the ledger once it is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from gc_bot.config import Config
from gc_bot.errors import UsageError
from gc_bot.feedback.ledger import Ledger
from gc_bot.feedback.state import FeedbackState
from gc_bot.git import Git
from gc_bot.principles import Principle
from gc_bot.propose.planner import Proposal

FORGES = ("local", "github")


@dataclass(frozen=True)
class Change:
    """One validated, committed proposal, ready to be put in front of people."""

    proposal: Proposal
    base: str
    base_commit: str
    commit: str
    fixer: str
    summary: str = ""
    explanation: str = ""
    tokens: int = 0
    principle: Principle | None = None
    replaces: dict | None = None  # the pending proposal's record, when this rebuilds it

    @property
    def id(self) -> str:
        """The proposal's id: a rebuilt one keeps its own, whatever findings are left in it."""
        return self.replaces["id"] if self.replaces else self.proposal.id

    @property
    def branch(self) -> str:
        return self.replaces["branch"] if self.replaces else self.proposal.branch


Staged = dict[str, tuple[str, str | None]]  # ref -> (new commit, expected old commit)


class Forge(Protocol):
    name: str

    def describe(self) -> str:
        """Where proposals go, for the run's output (never a secret)."""
        ...

    def harvest(self, ledger: Ledger, state: FeedbackState) -> bool:
        """Record the decisions people made since the last look; True when any was new."""
        ...

    def open_slots(self) -> int | None:
        """How many more proposals may open now, by the forge's own cap (None: no cap)."""
        ...

    def publish(self, change: Change) -> dict[str, tuple[str, str | None]] | None:
        """Put one change in front of people; raises OperationalError when that failed.

        A forge whose branches live in this clone returns them staged instead (ref -> (new,
        expected old)): the sweep moves them in the same git transaction as their ledger
        records, so a kill never leaves a branch without its record.
        """
        ...

    def withdraw(self, branch: str, commit: str | None) -> str | None:
        """Take a proposal back (delete its branch); returns why it stays, if it does."""
        ...

    def retire(self, proposal: dict, why: str) -> Staged:
        """Take back a pending proposal whose findings vanished from the base (nobody said no):
        closed with `why` and its branch deleted. A forge whose branches live in this clone
        returns the deletion staged for the ledger's transaction, as `publish` does."""
        ...

    def refresh(self, change: Change) -> Staged:
        """Put `change`, a pending proposal rebuilt on a newer base, where its old version was
        (its own branch moved, its description brought up to date); raises OperationalError
        when that cannot be done (someone else's commits on the branch)."""
        ...

    def share_ledger(self) -> None:
        """After the ledger was written: make it reach the next run (push it, for a remote)."""
        ...

    def update_dashboard(self, report: Any) -> str | None:
        """After the ledger was shared: show the run where people look; returns its address
        (None: the forge keeps no dashboard, as local)."""
        ...


def choose_forge(name: str | None, env: dict[str, str]) -> str:
    """`--forge`, else github when a repository and a token are set, else local."""
    if name is not None:
        if name not in FORGES:
            raise UsageError(f"unknown forge {name!r}; choose one of {', '.join(FORGES)}")
        return name
    has_token = env.get("GC_BOT_TOKEN") or env.get("GITHUB_TOKEN")
    return "github" if env.get("GITHUB_REPOSITORY") and has_token else "local"


def make_forge(name: str, git: Git, config: Config) -> Forge:
    if name == "local":
        from gc_bot.propose.local import LocalForge

        return LocalForge(git)
    from gc_bot.propose.github import GitHubForge

    return GitHubForge(git, config)
