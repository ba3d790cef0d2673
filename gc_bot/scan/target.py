"""What `gc-bot scan PATHS...` means: one folder, or files of the repository (pre-commit)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from gc_bot.errors import UsageError
from gc_bot.scan.files import git_toplevel


def scan_target(paths: Iterable[Path]) -> tuple[Path, set[str] | None]:
    """What `gc-bot scan PATHS...` scans: one folder whole, or these files of the repository here."""
    paths = list(paths) or [Path(".")]
    if len(paths) == 1 and paths[0].is_dir():
        return paths[0], None
    if any(p.is_dir() for p in paths):
        raise UsageError("give gc-bot scan one folder, or files, not both")
    here = paths[0].resolve().parent
    root = git_toplevel(here) or Path.cwd()
    only = set()
    for path in paths:
        try:
            only.add(path.resolve().relative_to(root.resolve()).as_posix())
        except ValueError:
            raise UsageError(f"{path} is outside the repository {root}") from None
    return root, only
