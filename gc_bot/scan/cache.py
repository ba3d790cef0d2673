"""The scan cache: per-file results keyed by content, principle set and tool versions."""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gc_bot import __version__
from gc_bot.state import cache_dir

logger = logging.getLogger(__name__)
_SCHEMA = "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
_CHUNK = 500


def entry_key(salt: str, path: str, data: bytes) -> str:
    digest = hashlib.sha256(salt.encode())
    digest.update(path.encode())
    digest.update(b"\0")
    digest.update(data)
    return digest.hexdigest()


def cache_salt(principles_digest: str, ruff_version: str) -> str:
    return f"{__version__}|{ruff_version}|{principles_digest}"


class ScanCache:
    """A SQLite file in gc-bot's cache folder; safe for concurrent scans."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or cache_dir() / "scan-v1.sqlite3"
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
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

    def close(self) -> None:
        return None
