"""`feedback/ledger.jsonl` on the bot's own branch, written through git plumbing.

Append-only, one JSON object per line, each with a unique `key`: recording an event twice
records it once. Readers take the union of the local and the `origin/` branch by key;
writers write locally only, under a lock that covers read, append, commit and ref update.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from filelock import FileLock, Timeout

from gc_bot.errors import OperationalError
from gc_bot.git import Git

logger = logging.getLogger(__name__)

BRANCH = "gc-bot/feedback"
LOCAL_REF = f"refs/heads/{BRANCH}"
REMOTE_REF = f"refs/remotes/origin/{BRANCH}"
LEDGER_PATH = "feedback/ledger.jsonl"
NO_COMMIT = "0" * 40


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def session_path(proposal_id: str) -> str:
    return f"feedback/sessions/{proposal_id}.jsonl.gz"


def parse_lines(data: bytes, origin: str) -> list[dict]:
    """Records in file order; a torn or garbled line is skipped with a warning, never fatal."""
    records = []
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            logger.warning(
                "%s:%s line %d is not a whole JSON record (torn write?); skipped",
                origin,
                LEDGER_PATH,
                number,
            )
            continue
        if isinstance(record, dict) and "key" in record:
            records.append(record)
    return records


class Ledger:
    def __init__(self, git: Git) -> None:
        self.git = git
        lock_dir = git.common_dir() / "gc-bot"
        lock_dir.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(str(lock_dir / "ledger.lock"), timeout=120)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            with self._lock:
                yield
        except Timeout:
            raise OperationalError(
                f"the ledger stayed locked by another gc-bot ({self._lock.lock_file})"
            ) from None

    def _records_at(self, ref: str) -> list[dict]:
        if self.git.rev(ref) is None:
            return []
        return parse_lines(self.git.show(f"{ref}:{LEDGER_PATH}") or b"", ref)

    def read(self) -> list[dict]:
        """The union of the local and origin ledgers by key, oldest first."""
        seen: dict[str, dict] = {}
        for record in [*self._records_at(LOCAL_REF), *self._records_at(REMOTE_REF)]:
            seen.setdefault(record["key"], record)
        return sorted(seen.values(), key=lambda r: r.get("at", ""))

    def append(self, records: Iterable[dict], sessions: dict[str, list[dict]] | None = None) -> int:
        """Record what is new; returns how many records were added."""
        with self._locked():
            known = {r["key"] for r in self.read()}
            fresh = [r for r in records if r["key"] not in known]
            fresh = list({r["key"]: r for r in fresh}.values())
            if not fresh and not sessions:
                return 0
            parents, current, blobs = self._base()
            lines = b"".join(json.dumps(r, sort_keys=True).encode() + b"\n" for r in fresh)
            blobs[LEDGER_PATH] = self.git.hash_blob(current + lines)
            for proposal_id, events in (sessions or {}).items():
                payload = "".join(json.dumps(e, sort_keys=True) + "\n" for e in events).encode()
                blobs[session_path(proposal_id)] = self.git.hash_blob(
                    gzip.compress(payload, mtime=0)
                )
            tree = self.git.tree_with(parents[0] if parents else None, blobs)
            kinds = sorted({r["type"] for r in fresh})
            commit = self.git.commit_tree(
                tree, parents, f"gc-bot: record {', '.join(kinds) or 'sessions'}"
            )
            self.git.update_ref(LOCAL_REF, commit, self.git.rev(LOCAL_REF) or NO_COMMIT)
            return len(fresh)

    def _base(self) -> tuple[list[str], bytes, dict[str, str]]:
        """What a new commit builds on: its parents, the ledger text so far, blobs to carry over.

        When a teammate's pushed ledger (`origin/`) has records this clone lacks, the commit
        merges it (two parents, the union of both ledgers), so that pushing stays a fast-forward.
        """
        local, remote = self.git.rev(LOCAL_REF), self.git.rev(REMOTE_REF)
        parent = local or remote
        current = (self.git.show(f"{parent}:{LEDGER_PATH}") or b"") if parent else b""
        if current and not current.endswith(b"\n"):
            current += b"\n"  # leave a torn last line on its own line, where reading skips it
        if not (local and remote) or self.git.is_ancestor(remote, local):
            return ([parent] if parent else []), current, {}
        known = {r["key"] for r in parse_lines(current, LOCAL_REF)}
        theirs = [r for r in self._records_at(REMOTE_REF) if r["key"] not in known]
        current += b"".join(json.dumps(r, sort_keys=True).encode() + b"\n" for r in theirs)
        ours = set(self.git.run("ls-tree", "-r", "--name-only", local, "feedback/sessions").split())
        carried = {}
        for line in self.git.run("ls-tree", "-r", remote, "feedback/sessions").splitlines():
            meta, path = line.split("\t", 1)
            if path not in ours:
                carried[path] = meta.split()[2]
        return [local, remote], current, carried

    def session(self, proposal_id: str) -> list[dict] | None:
        for ref in (LOCAL_REF, REMOTE_REF):
            if self.git.rev(ref) is None:
                continue
            data = self.git.show(f"{ref}:{session_path(proposal_id)}")
            if data:
                text = gzip.decompress(data).decode()
                return [json.loads(line) for line in text.splitlines() if line.strip()]
        return None
