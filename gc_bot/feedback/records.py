"""The ledger's record types, validated on read: a teammate's odd line is skipped, never a crash.

Each known `type` has a model; a record of a type this version does not know (written by a newer
gc-bot) is kept as long as it has a key, so an old reader never drops a newer writer's events.
Fields are strict (no `"at": 5` turned into `"5"`), and extra fields are kept for newer readers.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

Text = Annotated[str, StringConstraints(strict=True)]
Name = Annotated[str, StringConstraints(strict=True, min_length=1)]
Count = Annotated[int, Field(strict=True, ge=0)]


class Record(BaseModel):
    """What every record has: a unique event key, its type, and when it happened."""

    model_config = ConfigDict(extra="allow", frozen=True)

    key: Name
    type: Name
    at: Text = ""


class ProposalRecord(Record):
    type: Literal["proposal"]
    at: Text
    id: Name
    principle: Name
    kind: Literal["fix", "learn"] = "fix"
    fingerprints: list[Text]
    files: list[Text]
    branch: Name
    base: Text = "HEAD"
    base_commit: Text | None = None
    commit: Text | None = None
    fixer: Text = ""
    tokens: Count = 0
    summary: Text = ""
    diff: Text = ""
    session: Text | None = None
    repo_id: Text | None = None
    principle_digest: Text | None = None
    # where each finding was: [path, first line, last line, fingerprint] (`reject --only`)
    lines: list[tuple[Text, Count, Count, Text]] | None = None


class DecisionRecord(Record):
    type: Literal["decision"]
    at: Text
    proposal: Name
    verdict: Literal["up", "down"]
    source: Name
    who: Text = ""
    reason: Text | None = None


class FindingsRejectedRecord(Record):
    """A no for some findings of a proposal only (`reject --only`, a line comment on GitHub)."""

    type: Literal["findings-rejected"]
    at: Text
    proposal: Name
    fingerprints: list[Text]
    verdict: Literal["down"] = "down"
    source: Name
    who: Text = ""
    reason: Text | None = None


class WithdrawnRecord(Record):
    """gc-bot took a proposal back itself (its findings vanished from the base): no verdict."""

    type: Literal["withdrawn"]
    at: Text
    proposal: Name
    reason: Text | None = None


class RefreshRecord(Record):
    """A pending proposal rebuilt on a newer base: its branch at `commit` now."""

    type: Literal["refresh"]
    at: Text
    proposal: Name
    commit: Name
    base_commit: Name
    fingerprints: list[Text]
    lines: list[list[Text | int]] = []
    files: list[Text] = []
    reason: Text | None = None


class DroppedRecord(Record):
    type: Literal["dropped"]
    at: Text
    id: Name
    principle: Name
    fingerprints: list[Text] = []
    reason: Text | None = None
    fixer: Text = ""
    tokens: Count = 0
    session: Text | None = None


class ResumeRecord(Record):
    type: Literal["resume"]
    at: Text
    principle: Name
    who: Text = ""


class ReleaseRecord(Record):
    """A rejected proposal asked for again (a dashboard tick): its findings may be proposed anew."""

    type: Literal["release"]
    at: Text
    proposal: Name
    source: Name
    who: Text = ""


class PrioritiseRecord(Record):
    """A waiting proposal asked for first (a dashboard tick): its findings lead the next sweep."""

    type: Literal["prioritise"]
    at: Text
    fingerprints: list[Text]
    source: Name
    who: Text = ""


class RunRecord(Record):
    type: Literal["run"]
    at: Text
    base_commit: Text | None = None
    findings: Count = 0
    proposed: dict[Text, Count] = {}
    dropped: dict[Text, Count] = {}
    tokens: Count = 0


MODELS: dict[str, type[Record]] = {
    "proposal": ProposalRecord,
    "decision": DecisionRecord,
    "findings-rejected": FindingsRejectedRecord,
    "withdrawn": WithdrawnRecord,
    "refresh": RefreshRecord,
    "dropped": DroppedRecord,
    "resume": ResumeRecord,
    "release": ReleaseRecord,
    "prioritise": PrioritiseRecord,
    "run": RunRecord,
}


class BadRecord(ValueError):
    """A line that does not fit its record type; `str()` names the key and the first problem."""


def validate(data: object) -> dict:
    """The record as a plain dict with its defaults filled in, or `BadRecord` saying why not."""
    if not isinstance(data, dict):
        raise BadRecord(f"a JSON {type(data).__name__}, not an object")
    kind = data.get("type")
    model = MODELS.get(kind, Record) if isinstance(kind, str) else Record
    try:
        return model.model_validate(data).model_dump()
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in e['loc']) or 'record'}: {e['msg']}"
            for e in error.errors()
        ]
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise BadRecord("; ".join(problems[:3]) + more) from None


def describe_key(data: object) -> str:
    """A bad record's key as a reader can find it in the file, bounded."""
    key = data.get("key") if isinstance(data, dict) else None
    if key is None:
        return "without a key"
    text = key if isinstance(key, str) else repr(key)
    return f"{text[:80]!r}" if isinstance(key, str) else text[:80]
