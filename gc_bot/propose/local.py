"""The local forge: one branch per proposal, decided with `gc-bot feedback`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gc_bot.errors import OperationalError
from gc_bot.feedback.harvest import harvest_local
from gc_bot.feedback.ledger import Ledger
from gc_bot.feedback.state import FeedbackState
from gc_bot.git import NO_COMMIT, Git

if TYPE_CHECKING:
    from gc_bot.propose.forge import Change, Staged


class LocalForge:
    name = "local"

    def __init__(self, git: Git) -> None:
        self.git = git

    def describe(self) -> str:
        return "local branches"

    def harvest(self, ledger: Ledger, state: FeedbackState) -> bool:
        """Branches merged (up) or deleted unmerged (down) since the last look."""
        return bool(harvest_local(self.git, ledger, state))

    def open_slots(self) -> int | None:
        return None

    def exists(self, branch: str) -> bool:
        return self.git.rev(f"refs/heads/{branch}") is not None

    def publish(self, change: Change) -> dict[str, tuple[str, str | None]]:
        """The branch, staged for the ledger's transaction; never moves one that exists."""
        ref = f"refs/heads/{change.branch}"
        tip = self.git.rev(ref)
        if tip is None:
            return {ref: (change.commit, None)}
        if tip != change.commit:
            raise OperationalError(
                f"{change.branch} already exists at another commit and no ledger record names "
                "it; gc-bot leaves it alone (delete it to let gc-bot propose again)"
            )
        return {}

    def withdraw(self, branch: str, commit: str | None) -> str | None:
        """Delete the branch if it is still gc-bot's own; else say why it stays."""
        ref = f"refs/heads/{branch}"
        tip = self.git.rev(ref)
        if tip is None:
            return None
        if commit and tip != commit:
            return f"{branch} has commits of yours on top; it stays"
        if self.git.checked_out(ref):
            return f"{branch} is checked out; it stays"
        self.git.run("update-ref", "-d", ref, tip)
        return None

    def retire(self, proposal: dict, why: str) -> Staged:
        """Delete the branch with the ledger's record, if it is still gc-bot's own commit."""
        ref = f"refs/heads/{proposal['branch']}"
        tip = self.git.rev(ref)
        if tip is None or tip != proposal.get("commit") or self.git.checked_out(ref):
            return {}  # gone already, or someone built on it: theirs now
        return {ref: (NO_COMMIT, tip)}

    def refresh(self, change: Change) -> Staged:
        """Move the branch to the rebuilt commit, with the ledger's record; only gc-bot's own."""
        ref = f"refs/heads/{change.branch}"
        tip = self.git.rev(ref)
        recorded = change.replaces.get("commit") if change.replaces else None
        if tip is None:
            raise OperationalError(f"{change.branch} is not in this clone; it is left as it is")
        if tip != recorded:
            raise OperationalError(f"{change.branch} has commits of yours on top; it stays")
        if self.git.checked_out(ref):
            raise OperationalError(f"{change.branch} is checked out; it stays")
        return {ref: (change.commit, tip)}

    def share_ledger(self) -> None:
        """The local ledger is already where the next local run reads it."""
        return None

    def update_dashboard(self, report: object) -> str | None:
        """The local forge has no dashboard: `gc-bot report` is where a local team looks."""
        return None
