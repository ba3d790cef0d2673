"""Lessons for the next prompt: what this team accepted and why it rejected the rest.

Bounded in count and size, and only ever the lessons of the principle being fixed.
"""

from __future__ import annotations

from gc_bot.feedback.state import FeedbackState


def lessons_for(state: FeedbackState, principle: str, max_items: int, max_chars: int):
    from gc_bot.fix.agent import Lessons

    accepted: list[str] = []
    rejected: list[str] = []
    per_item = max(200, max_chars // max(1, 2 * max_items)) if max_items else 0
    for decision in reversed(state.decisions):  # newest first
        proposal = state.proposals[decision["proposal"]]
        if proposal["principle"] != principle or proposal.get("kind", "fix") != "fix":
            continue
        if state.verdict(proposal["id"]) != decision["verdict"]:
            continue  # superseded by a later verdict on the same proposal
        if decision["verdict"] == "up" and proposal.get("diff") and len(accepted) < max_items:
            diff = proposal["diff"]
            if diff not in accepted:
                accepted.append(_trim(diff, per_item))
        elif decision["verdict"] == "down" and decision.get("reason") and len(rejected) < max_items:
            reason = _trim(decision["reason"], per_item)
            if reason not in rejected:
                rejected.append(reason)
    while accepted and sum(map(len, accepted + rejected)) > max_chars:
        accepted.pop()
    while rejected and sum(map(len, accepted + rejected)) > max_chars:
        rejected.pop()
    return Lessons(accepted=accepted, rejected=rejected)


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 20].rstrip() + "\n[... trimmed]"
