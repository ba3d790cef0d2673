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

from gc_bot.crash import crash_point
from gc_bot.errors import OperationalError
from gc_bot.feedback.records import BadRecord, describe_key, validate
from gc_bot.git import Git

logger = logging.getLogger(__name__)

BRANCH = "gc-bot/feedback"
LOCAL_REF = f"refs/heads/{BRANCH}"
REMOTE_REF = f"refs/remotes/origin/{BRANCH}"
LEDGER_PATH = "feedback/ledger.jsonl"
# Parsed ledger blobs by object id: a blob never changes, and a bad line is reported once.
_PARSED: dict[str, list[dict]] = {}
# Bad lines already reported in this command, by content: the same line read again from
# origin, from this clone's merged copy or after a write is the same cause, said once.
_REPORTED: set[str] = set()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def session_path(proposal_id: str) -> str:
    return f"feedback/sessions/{proposal_id}.jsonl.gz"


def parse_lines(data: bytes, origin: str) -> list[dict]:
    """Records in file order, each validated by its type.

    A torn line (a crash mid-write) or a record that does not fit is skipped with one warning
    naming its line and key; it is never fatal and never rewritten.
    """
    records = []
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{origin.removeprefix('refs/heads/').removeprefix('refs/remotes/')}:{LEDGER_PATH} line {number}"
        try:
            raw = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            _report(line, "%s is not a whole JSON record (torn write?); skipped", where)
            continue
        try:
            records.append(validate(raw))
        except BadRecord as why:
            _report(line, "%s: record %s skipped: %s", where, describe_key(raw), why)
    return records


def _report(line: str, message: str, *args: object) -> None:
    if line not in _REPORTED:
        _REPORTED.add(line)
        logger.warning(message, *args)


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
        """The records on `ref`, parsed once per ledger version (and so warned about once)."""
        blob = self.git.run("rev-parse", "--verify", "--quiet", f"{ref}:{LEDGER_PATH}", check=False)
        if not blob:
            return []
        if blob not in _PARSED:
            _PARSED[blob] = parse_lines(self.git.show(blob) or b"", ref)
        return list(_PARSED[blob])

    def read(self) -> list[dict]:
        """The union of the local and origin ledgers by key, oldest first.

        Where two clones wrote the same key (a proposal made again by a clone that could not see
        the team's ledger), the earliest record stands, whichever clone reads.
        """
        seen: dict[str, dict] = {}
        for record in [*self._records_at(LOCAL_REF), *self._records_at(REMOTE_REF)]:
            known = seen.get(record["key"])
            if known is None or record["at"] < known["at"]:
                seen[record["key"]] = record
        return sorted(seen.values(), key=lambda r: r["at"])

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the ledger lock across read, decide and write (reentrant within this process)."""
        with self._locked():
            yield

    def append(
        self,
        records: Iterable[dict],
        sessions: dict[str, list[dict]] | None = None,
        refs: dict[str, tuple[str, str | None]] | None = None,
    ) -> int:
        """Record what is new; returns how many records were added.

        `refs` (ref -> (new commit, expected old commit or None for "must not exist")) are
        updated in the same git transaction as the ledger, so a crash leaves both or neither:
        a proposal's branch never exists without the record naming its tip.
        """
        records = [masked_record(r) for r in records]  # nothing stored unmasked, ever
        sessions = {k: [masked_record(e) for e in v] for k, v in (sessions or {}).items()}
        with self._locked():
            known = {r["key"] for r in self.read()}
            fresh = [validate(r) for r in records if r["key"] not in known]
            fresh = list({r["key"]: r for r in fresh}.values())
            if not fresh and not sessions and not refs:
                return 0
            self.refuse_if_checked_out()
            updates = dict(refs or {})
            if fresh or sessions:
                updates[LOCAL_REF] = (self._commit(fresh, sessions or {}), self.git.rev(LOCAL_REF))
            crash_point("ledger-before-commit")
            self.git.update_refs(updates)
            crash_point("ledger-after-commit")
            return len(fresh)

    def held_by_checkout(self) -> bool:
        """Is the ledger branch checked out? Then gc-bot reads it but records nothing (said once)."""
        where = self.git.checked_out(LOCAL_REF)
        if where:
            logger.warning(
                "%s is checked out in %s; nothing new is recorded until that checkout switches "
                "to another branch",
                BRANCH,
                where,
            )
        return bool(where)

    def refuse_if_checked_out(self) -> None:
        """Before a write (or a sweep that will write): the branch must not move under a checkout."""
        where = self.git.checked_out(LOCAL_REF)
        if where:
            raise OperationalError(
                f"{BRANCH} is checked out in {where}; gc-bot records its ledger only while no "
                f"checkout has that branch (switch it to another branch, e.g. git switch -)"
            )

    def _commit(self, fresh: list[dict], sessions: dict[str, list[dict]]) -> str:
        parents, current, blobs = self._base()
        lines = b"".join(json.dumps(r, sort_keys=True).encode() + b"\n" for r in fresh)
        blobs[LEDGER_PATH] = self.git.hash_blob(current + lines)
        for proposal_id, events in sessions.items():
            payload = "".join(json.dumps(e, sort_keys=True) + "\n" for e in events).encode()
            blobs[session_path(proposal_id)] = self.git.hash_blob(gzip.compress(payload, mtime=0))
        tree = self.git.tree_with(parents[0] if parents else None, blobs)
        kinds = sorted({r["type"] for r in fresh})
        return self.git.commit_tree(
            tree, parents, f"gc-bot: record {', '.join(kinds) or 'sessions'}"
        )

    def _base(self) -> tuple[list[str], bytes, dict[str, str]]:
        """What a new commit builds on: its parents, the ledger text so far, blobs to carry over.

        When a teammate's pushed ledger (`origin/`) has records this clone lacks, the commit
        merges it (two parents, the union of both ledgers), so that pushing stays a fast-forward.
        Their lines are carried as they are, odd ones included: a reader skips those, and no
        writer rewrites them.
        """
        local, remote = self.git.rev(LOCAL_REF), self.git.rev(REMOTE_REF)
        parent = local or remote
        current = (self.git.show(f"{parent}:{LEDGER_PATH}") or b"") if parent else b""
        if current and not current.endswith(b"\n"):
            current += b"\n"  # leave a torn last line on its own line, where reading skips it
        if not (local and remote) or self.git.is_ancestor(remote, local):
            return ([parent] if parent else []), current, {}
        ours = set(current.splitlines())
        known = {r["key"] for r in self._records_at(LOCAL_REF)}
        theirs = self.git.show(f"{remote}:{LEDGER_PATH}") or b""
        current += b"".join(
            line + b"\n"
            for line in theirs.splitlines()
            if line.strip() and line not in ours and _key_of(line) not in known
        )
        in_ours = self.git.run("ls-tree", "-r", "--name-only", local, "feedback/sessions")
        carried = {}
        for line in self.git.run("ls-tree", "-r", remote, "feedback/sessions").splitlines():
            meta, path = line.split("\t", 1)
            if path not in set(in_ours.split()):
                carried[path] = meta.split()[2]
        return [local, remote], current, carried

    def session(self, proposal_id: str) -> list[dict] | None:
        for ref in (LOCAL_REF, REMOTE_REF):
            if self.git.rev(ref) is None:
                continue
            data = self.git.show(f"{ref}:{session_path(proposal_id)}")
            if data:
                return _session_events(data, proposal_id)
        return None


# Identifiers a record is found by: never masked (a mask could only break them).
_IDENTIFIERS = frozenset(
    {"key", "type", "id", "at", "commit", "base_commit", "branch", "fingerprints", "session"}
    | {"principle", "principle_digest", "repo_id", "files", "lines", "kind", "proposal"}
)


def masked_record(record: dict) -> dict:
    """`record` with `mask_secrets` over every text but its identifiers (reasons, diffs,
    summaries, session contents)."""
    from gc_bot.fix.secrets import mask_secrets

    def mask(value: object) -> object:
        if isinstance(value, str):
            return mask_secrets(value)
        if isinstance(value, dict):
            return {k: v if k in _IDENTIFIERS else mask(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mask(v) for v in value]
        return value

    return {k: v if k in _IDENTIFIERS else mask(v) for k, v in record.items()}


def _session_events(data: bytes, proposal_id: str) -> list[dict]:
    """A session log's events; a damaged log is a warning and what could be read of it."""
    try:
        text = gzip.decompress(data).decode("utf-8", "replace")
    except (OSError, EOFError) as error:
        logger.warning("the session log of %s cannot be read (%s); skipped", proposal_id, error)
        return []
    events = []
    for line in text.splitlines():
        try:
            event = json.loads(line) if line.strip() else None
        except json.JSONDecodeError:
            event = None
        if isinstance(event, dict):
            events.append(event)
    return events


def _key_of(line: bytes) -> object:
    try:
        data = json.loads(line)
    except (json.JSONDecodeError, RecursionError, UnicodeDecodeError):
        return None
    key = data.get("key") if isinstance(data, dict) else None
    return key if isinstance(key, str) else None
