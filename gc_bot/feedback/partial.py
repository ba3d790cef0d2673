"""`gc-bot feedback reject ID --only PATH[:LINE]`: a no for some findings of a proposal only.

Those findings are rejected (not proposed again while their code is unchanged); the proposal
is withdrawn and the rest of its findings released, so the next sweep may propose them again in
a new, smaller proposal. A GitHub review comment on a line maps onto the same records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from gc_bot.errors import UsageError
from gc_bot.feedback.decide import Store, _person
from gc_bot.feedback.github_sync import findings_rejected_record
from gc_bot.feedback.ledger import now
from gc_bot.propose.local import LocalForge


@dataclass(frozen=True)
class Spot:
    """PATH or PATH:LINE, as a person names a finding."""

    path: str
    line: int | None

    @classmethod
    def parse(cls, text: str) -> Spot:
        path, sep, line = text.rpartition(":")
        if sep and line.isdigit() and path:
            return cls(_normal(path), int(line))
        return cls(_normal(text), None)

    def covers(self, path: str, start: int, end: int) -> bool:
        return path == self.path and (self.line is None or start <= self.line <= max(start, end))

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


@dataclass(frozen=True)
class PartialRejection:
    proposal: dict
    rejected: list[str]  # fingerprints
    released: list[str]
    kept: str | None  # why the branch stays, if it does


def reject_only(store: Store, ref: str, spots: list[str], reason: str | None) -> PartialRejection:
    """Reject the findings of proposal `ref` at `spots`; release the rest of it."""
    proposal = store.find(ref)
    lines = proposal.get("lines")
    if not lines:
        raise UsageError(
            f"proposal {proposal['id']} was recorded without its findings' lines; "
            "reject it whole (without --only)"
        )
    wanted = [Spot.parse(s) for s in spots]
    rejected = sorted(
        {fp for path, start, end, fp in lines if any(s.covers(path, start, end) for s in wanted)}
    )
    missing = [s for s in wanted if not any(s.covers(p, a, b) for p, a, b, _ in lines)]
    if missing:
        where = ", ".join(f"{p}:{a}" if a == b else f"{p}:{a}-{b}" for p, a, b, _ in lines)
        raise UsageError(
            f"no finding of proposal {proposal['id']} at {', '.join(map(str, missing))}; "
            f"its findings: {where}"
        )
    released = [fp for fp in proposal["fingerprints"] if fp not in rejected]
    with store.ledger.locked():  # recorded and withdrawn as one action, like `decide`
        store.ledger.append(_records(store, proposal, rejected, reason))
        kept = LocalForge(store.git).withdraw(proposal["branch"], proposal.get("commit"))
    return PartialRejection(proposal, rejected, released, kept)


def _records(store: Store, proposal: dict, rejected: list[str], reason: str | None) -> list[dict]:
    """The findings' rejection, and the proposal's end: a partial no, its other findings free."""
    at, who = now(), _person(store.git)
    return [
        findings_rejected_record(
            proposal=proposal["id"],
            fingerprints=rejected,
            reason=reason,
            source="cli",
            who=who,
            at=at,
        ),
        {
            "key": f"decision:{proposal['id']}:cli:down:{at}",
            "type": "decision",
            "proposal": proposal["id"],
            "verdict": "down",
            "source": "cli",
            "who": who,
            "at": at,
            "reason": reason,
            "partial": True,  # only `rejected` were refused; the rest is released
        },
    ]


def _normal(path: str) -> str:
    return PurePosixPath(path.replace("\\", "/")).as_posix().removeprefix("./")
