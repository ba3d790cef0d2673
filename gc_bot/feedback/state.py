"""What the ledger says now: pending proposals, verdicts, rates, pauses.

Counts are per proposal by its latest verdict, never per event: a proposal approved with the
CLI and then merged is one acceptance. Learn proposals never count towards a principle.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class PrincipleStats:
    principle: str
    proposed: int = 0
    accepted: int = 0
    rejected: int = 0
    pending: int = 0
    paused: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected

    @property
    def rate(self) -> float | None:
        return self.accepted / self.decided if self.decided else None

    def to_json(self) -> dict:
        return {
            "principle": self.principle,
            "proposed": self.proposed,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "pending": self.pending,
            "acceptance_rate": None if self.rate is None else round(self.rate, 3),
            "paused": self.paused,
            "reasons": self.reasons,
        }


@dataclass
class FeedbackState:
    proposals: dict[str, dict] = field(default_factory=dict)  # id -> proposal record
    verdicts: dict[str, dict] = field(default_factory=dict)  # id -> latest decision record
    decisions: list[dict] = field(default_factory=list)  # every decision, oldest first
    dropped: dict[str, dict] = field(default_factory=dict)  # dropped key -> record
    resumed_at: dict[str, str] = field(default_factory=dict)  # principle -> time of last resume
    findings_rejected: list[dict] = field(default_factory=list)  # a no for some findings only
    released: dict[str, str] = field(default_factory=dict)  # proposal -> time asked for again
    prioritised: list[dict] = field(default_factory=list)  # "propose first next run"
    instructions: list[dict] = field(default_factory=list)  # dashboard ticks honoured
    withdrawn: dict[str, dict] = field(default_factory=dict)  # id -> gc-bot took it back itself

    @classmethod
    def from_records(cls, records: list[dict]) -> FeedbackState:
        """The state the (validated) records imply, whichever order they arrived in.

        Proposals are indexed first, so a decision counts even when the record of its proposal
        carries a later time (made again by a clone that could not see the team's ledger); a
        proposal record never carries a verdict. Then decisions oldest first: the latest wins.
        """
        state = cls()
        for record in records:
            if record["type"] == "proposal":
                state.proposals.setdefault(record["id"], record)
        for record in sorted(records, key=lambda r: r["at"]):
            kind = record["type"]
            if kind == "decision" and record["proposal"] in state.proposals:
                state.verdicts[record["proposal"]] = record
                state.decisions.append(record)
            elif kind == "dropped":
                state.dropped[record["key"]] = record
            elif kind == "resume":
                state.resumed_at[record["principle"]] = record["at"]
            elif kind == "findings-rejected" and record.get("proposal") in state.proposals:
                state.findings_rejected.append(record)
            elif kind == "release" and record.get("proposal") in state.proposals:
                state.released[record["proposal"]] = record["at"]
            elif kind == "prioritise":
                state.prioritised.append(record)
            elif kind == "withdrawn" and record["proposal"] in state.proposals:
                state.withdrawn[record["proposal"]] = record
            elif kind == "refresh" and record["proposal"] in state.proposals:
                # rebuilt on a newer base: the same proposal, its branch at a new commit
                old = state.proposals[record["proposal"]]
                state.proposals[record["proposal"]] = {
                    **old,
                    **{k: record[k] for k in REFRESHED if k in record},
                }
            if record.get("source") == "github-dashboard":
                state.instructions.append(record)
        return state

    def counted(self) -> list[dict]:
        """Proposals that count towards their principle: not learn proposals, nor those gc-bot
        withdrew itself before anyone decided (their findings vanished from the base)."""
        return [
            p
            for p in self.proposals.values()
            if p.get("kind", "fix") == "fix" and not self.was_withdrawn(p["id"])
        ]

    def was_withdrawn(self, proposal: str) -> bool:
        return proposal in self.withdrawn and proposal not in self.verdicts

    def pending(self) -> list[dict]:
        return [p for p in self.counted() if p["id"] not in self.verdicts]

    def verdict(self, proposal: str) -> str | None:
        decision = self.verdicts.get(proposal)
        return decision["verdict"] if decision else None

    def fingerprints_in_flight(self) -> set[str]:
        """Findings already in a pending or accepted proposal: not to be put in another one."""
        return {
            fp
            for p in self.counted()
            if self.verdict(p["id"]) in (None, "up")
            for fp in p["fingerprints"]
        }

    def rejected_fingerprints(self) -> set[str]:
        whole = {
            fp
            for p in self.counted()
            if self.verdict(p["id"]) == "down"
            and not self.verdicts[p["id"]].get("partial")
            and not self.released_again(p["id"])
            for fp in p["fingerprints"]
        }  # a partial no (`reject --only`) refuses only its findings-rejected fingerprints
        return whole | {
            fp
            for r in self.findings_rejected
            if r["at"] > self.released.get(r["proposal"], "")
            for fp in r["fingerprints"]
        }

    def released_again(self, proposal: str) -> bool:
        """People asked for this rejected proposal again (after its latest verdict)."""
        decision = self.verdicts.get(proposal)
        at = self.released.get(proposal)
        return at is not None and decision is not None and at > decision["at"]

    def asked_first(self) -> set[str]:
        """Fingerprints people asked to be proposed first, until a proposal or drop holds one."""
        since = [*self.proposals.values(), *self.dropped.values()]
        return {
            fp
            for r in self.prioritised
            if not any(
                p["at"] > r["at"] and set(p.get("fingerprints", ())) & set(r["fingerprints"])
                for p in since
            )
            for fp in r["fingerprints"]
        }

    def was_dropped(self, proposal: str, principle_digest: str) -> dict | None:
        return self.dropped.get(dropped_key(proposal, principle_digest))

    def stats(self, pause_below: float, min_decisions: int) -> dict[str, PrincipleStats]:
        table: dict[str, PrincipleStats] = defaultdict(lambda: PrincipleStats(""))
        for p in self.counted():
            row = table[p["principle"]]
            row.principle = p["principle"]
            row.proposed += 1
            verdict = self.verdict(p["id"])
            if verdict == "up":
                row.accepted += 1
            elif verdict == "down":
                row.rejected += 1
            else:
                row.pending += 1
        for principle, row in table.items():
            since = self._since_resume(principle)
            decided = len(since)
            accepted = sum(1 for d in since if d["verdict"] == "up")
            row.paused = decided >= min_decisions and accepted / decided < pause_below
            row.reasons = self._reasons(principle, since)
        return dict(table)

    def _reasons(self, principle: str, latest: list[dict]) -> list[str]:
        """The reasons people gave for the noes that stand (a `/gc-bot reject why` before the
        PR was closed counts, though the close is the latest verdict), the last five."""
        after = self.resumed_at.get(principle, "")
        down = {d["proposal"] for d in latest if d["verdict"] == "down"}
        reasons = [
            d["reason"]
            for d in self.decisions
            if d["proposal"] in down
            and d["verdict"] == "down"
            and d.get("reason")
            and d["at"] > after
        ]
        return list(dict.fromkeys(reasons))[-5:]

    def _since_resume(self, principle: str) -> list[dict]:
        """The latest verdict of each proposal of `principle`, counting only decisions after a resume."""
        after = self.resumed_at.get(principle, "")
        latest: dict[str, dict] = {}
        for d in self.decisions:
            p = self.proposals[d["proposal"]]
            if p["principle"] == principle and p.get("kind", "fix") == "fix" and d["at"] > after:
                latest[d["proposal"]] = d
        return list(latest.values())

    def acceptance(self, min_decisions: int) -> dict[str, float]:
        """Acceptance per principle for ranking; under `min_decisions` decisions it counts as 0.5."""
        rates = {}
        for principle, row in self.stats(0.0, min_decisions).items():
            rates[principle] = (
                row.rate if row.decided >= min_decisions and row.rate is not None else 0.5
            )
        return rates


# What a `refresh` record changes in its proposal.
REFRESHED = ("commit", "base_commit", "fingerprints", "lines", "files", "summary", "diff")


def dropped_key(proposal: str, principle_digest: str) -> str:
    return f"dropped:{proposal}:{principle_digest}"
