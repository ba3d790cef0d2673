"""`gc-bot demo`: a sweep of a bundled sloppy example, in a temporary git repository."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from gc_bot.git import Git

EXAMPLE = Path(__file__).parent / "example"


def make_demo_repo(target: Path | None = None) -> Path:
    """Copy the example into a fresh repository with one commit (made as gc-bot)."""
    root = target or Path(tempfile.mkdtemp(prefix="gc-bot-demo-")) / "inventory-app"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    git = Git(root)
    git.run("init", "-q", "-b", "main")
    git.run("add", "-A")
    git.commit_worktree(root, "The inventory app, written in a hurry")
    return root
