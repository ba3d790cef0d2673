"""Decisions people make with `gc-bot feedback`, and the views of the ledger they read."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path

from gc_bot.config import Config, load_config
from gc_bot.errors import UsageError
from gc_bot.feedback.harvest import load_state
from gc_bot.feedback.ledger import Ledger, now
from gc_bot.feedback.remote import LedgerSource
from gc_bot.feedback.state import FeedbackState, PrincipleStats
from gc_bot.git import Git
from gc_bot.propose.local import LocalForge


@dataclass
class Store:
    """The ledger of one repository, harvested and read: what every feedback command starts from."""

    git: Git
    ledger: Ledger
    state: FeedbackState
    config: Config
    source: LedgerSource

    @classmethod
    def open(cls, root: Path) -> Store:
        git = Git.open(root)
        ledger = Ledger(git)
        state, source = load_state(git, ledger, harvest=LocalForge(git).harvest)
        return cls(git, ledger, state, load_config(git.root), source)

    def find(self, ref: str) -> dict:
        """A proposal by id, branch name, or unambiguous id prefix."""
        proposals = self.state.proposals
        if ref in proposals:
            return proposals[ref]
        matches = [p for p in proposals.values() if p["branch"] == ref or p["id"].startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        what = "is ambiguous" if matches else "is not a proposal this repository knows"
        raise UsageError(f"{ref!r} {what} (see gc-bot feedback list)")

    def stats(self) -> dict[str, PrincipleStats]:
        return self.state.stats(self.config.pause_below, self.config.min_decisions)


def _person(git: Git) -> str:
    return (
        git.run("config", "user.email", check=False)
        or git.run("config", "user.name", check=False)
        or getpass.getuser()
    )


def decide(store: Store, ref: str, verdict: str, reason: str | None) -> dict:
    """Record a person's verdict, once; a rejection also deletes the proposal's branch.

    Read, decide and write happen under the ledger lock, so two people's commands (or a
    `reject` and a harvesting `stats`) never record one action twice. Approving what was
    rejected recreates its branch from the recorded commit.
    """
    with store.ledger.locked():
        store.state = FeedbackState.from_records(store.ledger.read())
        proposal = store.find(ref)
        before = store.state.verdict(proposal["id"])
        at = now()
        record = {
            "key": f"decision:{proposal['id']}:cli:{verdict}:{at}",
            "type": "decision",
            "proposal": proposal["id"],
            "verdict": verdict,
            "source": "cli",
            "who": _person(store.git),
            "at": at,
            "reason": reason,
        }
        forge = LocalForge(store.git)
        restored, refs = None, {}
        if verdict == "up" and before == "down":
            restored, refs = _restoring(store.git, proposal)
        store.ledger.append([record], refs=refs)  # the branch comes back with its record, or not
        kept = (
            forge.withdraw(proposal["branch"], proposal.get("commit"))
            if verdict == "down"
            else None
        )
    return {
        **proposal,
        "kept": kept,
        "restored": restored,
        "exists": forge.exists(proposal["branch"]),
    }


def _restoring(git: Git, proposal: dict) -> tuple[str, dict[str, tuple[str, str | None]]]:
    """What approving a rejected proposal does to its deleted branch: recreate it at its commit."""
    branch, commit = proposal["branch"], proposal.get("commit")
    if git.rev(f"refs/heads/{branch}") is not None:
        return f"{branch} still exists", {}
    if not commit or git.rev(commit) is None:
        return f"{branch} cannot be recreated: its commit is not in this clone", {}
    return f"recreated {branch} at {commit[:10]}", {f"refs/heads/{branch}": (commit, None)}


def resume(store: Store, principle: str) -> None:
    known = {p["principle"] for p in store.state.proposals.values()}
    if principle not in known:
        raise UsageError(f"no proposals of principle {principle!r} in the ledger")
    at = now()
    store.ledger.append(
        [
            {
                "key": f"resume:{principle}:{at}",
                "type": "resume",
                "principle": principle,
                "at": at,
                "who": _person(store.git),
            }
        ]
    )


def proposal_rows(store: Store) -> list[dict]:
    rows = []
    state = store.state
    shown = [
        *state.counted(),
        *(state.proposals[i] for i in state.withdrawn if state.was_withdrawn(i)),
    ]
    for p in sorted(shown, key=lambda p: p["at"]):
        decision = state.verdicts.get(p["id"])
        status = {"up": "accepted", "down": "rejected"}.get(
            decision["verdict"] if decision else "",
            "withdrawn" if state.was_withdrawn(p["id"]) else "pending",
        )
        rows.append(
            {
                "id": p["id"],
                "principle": p["principle"],
                "status": status,
                "branch": p["branch"],
                "files": p["files"],
                "proposed_at": p["at"],
                "decided_by": decision and f"{decision['source']}:{decision['who']}",
                "reason": decision and decision.get("reason"),
            }
        )
    return rows
