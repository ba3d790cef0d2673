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

    def withdraw(self, branch: str, commit: str | None) -> str | None:
        """Delete the branch if it is still gc-bot's own; else say why it stays."""
        ref = f"refs/heads/{branch}"
        tip = self.git.rev(ref)
        if tip is None:
            return None
        if commit and tip != commit:
            return f"{branch} has commits of yours on top; it stays"
        if f"branch {ref}" in self.git.run("worktree", "list", "--porcelain").splitlines():
            return f"{branch} is checked out; it stays"
        self.git.run("update-ref", "-d", ref, tip)
        return None
