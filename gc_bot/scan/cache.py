"""The scan cache: per-file results keyed by content, principle set and tool versions.

Three tables in one SQLite file: `entries` (a file's checks and facts, by content key),
`files` (per scanned folder, each file's stat signature and content digest, so that an
unchanged file is not even read) and `results` (a whole scan's findings by the keys of every
file it read, so that a rescan of an unchanged tree does no work at all).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gc_bot import __version__
from gc_bot.state import cache_dir, code_signature, package_signature

logger = logging.getLogger(__name__)
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS files (root TEXT PRIMARY KEY, used REAL, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, used REAL, value TEXT NOT NULL)",
)
_CHUNK = 500
_KEEP_RESULTS = 16  # whole-scan results kept (most recently used first)
_KEEP_FILES_DAYS = 30  # a folder's stat table unused this long goes (old sweep worktrees)


def content_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_key(salt: str, path: str, digest: str) -> str:
    """A file's cache key from its content digest (`content_digest`), path and the salt."""
    return hashlib.sha256(f"{salt}\0{path}\0{digest}".encode()).hexdigest()


def cache_salt(principles_digest: str, team: str | None = None) -> str:
    tools = package_signature("ruff")
    return f"{__version__}|{code_signature(team)}|{tools}|{principles_digest}"


class ScanCache:
    """A SQLite file in gc-bot's cache folder; safe for concurrent scans."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or cache_dir() / "scan-v1.sqlite3"
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        for statement in _SCHEMA:
            self._db.execute(statement)
        self._db.execute("SELECT count(*) FROM entries LIMIT 1").fetchone()

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        keys = list(keys)
        found: dict[str, Any] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for key, value in self._db.execute(
                f"SELECT key, value FROM entries WHERE key IN ({marks})", chunk
            ):
                found[key] = json.loads(value)
        return found

    def put_many(self, items: dict[str, Any]) -> None:
        if not items:
            return
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)",
                [(key, json.dumps(value, separators=(",", ":"))) for key, value in items.items()],
            )

    def file_stats(self, root: str) -> dict[str, list]:
        """What the last scan of `root` saw: repo path -> [size, mtime, inode, ctime, digest]."""
        row = self._db.execute("SELECT value FROM files WHERE root = ?", (root,)).fetchone()
        return json.loads(row[0]) if row else {}

    def put_file_stats(self, root: str, stats: dict[str, list]) -> None:
        now = time.time()
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute(
                "INSERT OR REPLACE INTO files (root, used, value) VALUES (?, ?, ?)",
                (root, now, json.dumps(stats, separators=(",", ":"))),
            )
            self._db.execute("DELETE FROM files WHERE used < ?", (now - _KEEP_FILES_DAYS * 86400,))

    def result(self, key: str) -> Any:
        row = self._db.execute("SELECT value FROM results WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put_result(self, key: str, value: Any) -> None:
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute(
                "INSERT OR REPLACE INTO results (key, used, value) VALUES (?, ?, ?)",
                (key, time.time(), json.dumps(value, separators=(",", ":"))),
            )
            self._db.execute(
                "DELETE FROM results WHERE key NOT IN "
                "(SELECT key FROM results ORDER BY used DESC LIMIT ?)",
                (_KEEP_RESULTS,),
            )

    def close(self) -> None:
        self._db.close()


def open_cache() -> ScanCache:
    """The cache, or none with a warning when it cannot be used: a scan never fails for it."""
    try:
        return ScanCache()
    except (OSError, sqlite3.Error) as error:
        logger.warning("scanning without a cache: %s", error)
        return NoCache()


class NoCache(ScanCache):
    def __init__(self) -> None:
        pass

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        return {}

    def put_many(self, items: dict[str, Any]) -> None:
        return None

    def file_stats(self, root: str) -> dict[str, list]:
        return {}

    def put_file_stats(self, root: str, stats: dict[str, list]) -> None:
        return None

    def result(self, key: str) -> Any:
        return None

    def put_result(self, key: str, value: Any) -> None:
        return None

    def close(self) -> None:
        return None
