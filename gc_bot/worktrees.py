"""gc-bot's own worktrees: recognisable, serialised, and repaired after a kill.

Each worktree lives in a temporary folder named `gc-bot-wt-*` holding an `owner` file (the
process id and the repository's git common dir). A run killed at any point, even inside
`git worktree add`, can leave a record git itself chokes on (an empty `commondir`, an all-zero
HEAD, a stale `HEAD.lock`) or a leftover folder; at start gc-bot removes exactly those of its
own whose owner is gone, and never touches any other worktree.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

logger = logging.getLogger(__name__)

PREFIX = "gc-bot-wt-"
OWNER = "owner"
_ZERO = "0" * 40
_EMPTY_FOLDER_AGE = 600  # seconds: an ownerless empty folder older than this is a leftover
_THREADS = threading.Lock()


@contextmanager
def serialised(common_dir: Path) -> Iterator[None]:
    """One worktree add, remove or prune at a time, across threads and gc-bot processes."""
    lock_dir = common_dir / "gc-bot"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with _THREADS, FileLock(str(lock_dir / "worktrees.lock"), timeout=120):
        yield


def new_folder(common_dir: Path) -> Path:
    """A fresh `gc-bot-wt-*` folder whose owner file says who made it, for which repository."""
    parent = Path(tempfile.mkdtemp(prefix=PREFIX))
    tmp = parent / f".{OWNER}.tmp"
    tmp.write_text(f"{os.getpid()}\n{common_dir}\n")
    tmp.replace(parent / OWNER)
    return parent


def repair(common_dir: Path) -> list[str]:
    """Remove gc-bot's broken or orphaned worktree records and folders; returns what went."""
    removed = []
    for admin in sorted((common_dir / "worktrees").glob(f"{PREFIX}*")):
        folder = _folder_of(admin)
        if _broken(admin) or not _owner_alive(folder, common_dir):
            shutil.rmtree(admin, ignore_errors=True)
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
            removed.append(admin.name)
    for folder in sorted(Path(tempfile.gettempdir()).glob(f"{PREFIX}*")):
        if folder.is_dir() and _leftover(folder, common_dir):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed


def _folder_of(admin: Path) -> Path | None:
    """The `gc-bot-wt-*` temporary folder a worktree record points at, if it names one."""
    try:
        gitfile = Path((admin / "gitdir").read_text().strip())
    except (OSError, ValueError):
        return None
    parent = gitfile.parent.parent
    return parent if parent.name.startswith(PREFIX) and gitfile.parent.name == admin.name else None


def _broken(admin: Path) -> bool:
    """A record git cannot use: no or empty `commondir`/`gitdir`, no or all-zero HEAD."""
    for name in ("commondir", "gitdir", "HEAD"):
        try:
            text = (admin / name).read_text().strip()
        except OSError:
            return True
        if not text or text == _ZERO:
            return True
    return False


def _owner(folder: Path) -> tuple[int, str] | None:
    try:
        pid, common = (folder / OWNER).read_text().splitlines()[:2]
        return int(pid), common
    except (OSError, ValueError):
        return None


def _owner_alive(folder: Path | None, common_dir: Path) -> bool:
    owner = _owner(folder) if folder is not None else None
    return owner is not None and owner[1] == str(common_dir) and _alive(owner[0])


def _leftover(folder: Path, common_dir: Path) -> bool:
    """A folder of this repository's whose owner is gone, or an ownerless empty old one."""
    owner = _owner(folder)
    if owner is None:
        try:
            old = time.time() - folder.stat().st_mtime > _EMPTY_FOLDER_AGE
            return old and not any(folder.iterdir())
        except OSError:
            return False
    return owner[1] == str(common_dir) and not _alive(owner[0])


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
