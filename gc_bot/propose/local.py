"""The local forge: one branch per proposal, decided with `gc-bot feedback`."""

from __future__ import annotations

from gc_bot.feedback.ledger import NO_COMMIT
from gc_bot.git import Git


class LocalForge:
    name = "local"

    def __init__(self, git: Git) -> None:
        self.git = git

    def exists(self, branch: str) -> bool:
        return self.git.rev(f"refs/heads/{branch}") is not None

    def publish(self, branch: str, commit: str) -> None:
        """Create the branch; never move one that exists (the user may have built on it)."""
        self.git.update_ref(f"refs/heads/{branch}", commit, NO_COMMIT)

    def withdraw(self, branch: str) -> None:
        self.git.delete_ref(f"refs/heads/{branch}")
