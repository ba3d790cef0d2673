"""Where gc-bot keeps its own state: never in the user's working tree."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """`$XDG_CACHE_HOME/gc-bot`, else the platform's cache folder."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        base = Path(xdg) / "gc-bot"
    else:
        import platformdirs

        base = Path(platformdirs.user_cache_dir("gc-bot", appauthor=False))
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(
            f"gc-bot's cache folder {base} cannot be created: {error.strerror}"
        ) from error
    return base


@cache
def code_signature(team: str | None = None) -> str:
    """gc-bot's own code (and a team's checks) as installed: edit a check, and old results go.

    Sizes and modification times, not contents: a release never changes, a checkout being
    worked on changes on every edit, and statting a hundred files costs a millisecond.
    """
    digest = hashlib.sha256()
    for folder in [_PACKAGE, *([Path(team)] if team else [])]:
        for path, size, mtime in sorted(_python_files(folder)):
            digest.update(f"{path}\0{size}\0{mtime}\n".encode())
    return digest.hexdigest()[:16]


def _python_files(folder: Path) -> Iterable[tuple[str, int, int]]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
            yield from _python_files(Path(entry.path))
        elif entry.name.endswith(".py"):
            info = entry.stat()
            yield entry.path, info.st_size, info.st_mtime_ns


@cache
def package_signature(*modules: str) -> str:
    """Installed packages as they are: where each one's top module is, its size and time.

    Any install or upgrade rewrites that file; reading a version from package metadata
    instead costs tens of milliseconds per package (it parses the whole METADATA file).
    """
    from importlib.util import find_spec

    parts = []
    for module in modules:
        spec = find_spec(module)
        origin = spec.origin if spec is not None else None
        try:
            info = os.stat(origin) if origin else None
        except OSError:
            info = None
        parts.append(f"{module}:{origin}:{info.st_size}:{info.st_mtime_ns}" if info else module)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def known_valid(key: str) -> bool:
    """Was a principle with this key (its content and the code that judges it) valid before?"""
    try:
        return (cache_dir() / "valid" / key).exists()
    except OSError:
        return False


def remember_valid(key: str) -> None:
    try:
        folder = cache_dir() / "valid"
        folder.mkdir(exist_ok=True)
        (folder / key).touch()
        _prune(folder)
    except OSError:
        pass  # validated again next time


_KEEP_VALID = 2000  # markers; each edit of gc-bot's code in a checkout makes a new set


def _prune(folder: Path) -> None:
    """Keep the most recent markers: old code's principles will not be asked about again."""
    entries = list(os.scandir(folder))
    if len(entries) <= _KEEP_VALID:
        return
    entries.sort(key=lambda entry: entry.stat().st_mtime_ns)
    for entry in entries[: len(entries) - _KEEP_VALID // 2]:
        os.unlink(entry.path)
