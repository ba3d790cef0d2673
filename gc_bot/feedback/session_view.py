"""`gc-bot feedback show`: a proposal with its decisions and a readable summary of its session."""

from __future__ import annotations

from gc_bot.feedback.decide import Store

_PREVIEW = 300


def render_proposal(store: Store, proposal: dict) -> str:
    lines = [
        f"proposal {proposal['id']}  ({proposal['principle']})",
        f"  branch   {proposal['branch']}",
        f"  base     {proposal['base']} @ {proposal.get('base_commit', '')[:10]}",
        f"  commit   {proposal.get('commit') or '-'}",
        f"  files    {', '.join(proposal['files'])}",
        f"  fixer    {proposal.get('fixer', '')}   tokens {proposal.get('tokens', 0)}",
        f"  summary  {proposal.get('summary', '')}",
        "decisions:",
    ]
    decisions = [d for d in store.state.decisions if d["proposal"] == proposal["id"]]
    lines += [
        f"  {d['at'][:19]}  {'up' if d['verdict'] == 'up' else 'down':<4} via {d['source']} by {d['who']}"
        + (f": {d['reason']}" if d.get("reason") else "")
        for d in decisions
    ] or ["  none yet (pending)"]
    session = store.ledger.session(proposal["id"])
    if not session:
        lines.append("session: none (fixed without the agent)")
        return "\n".join(lines)
    lines.append(f"session: {len(session)} events")
    for event in session:
        kind = event.get("role") or event.get("kind") or "event"
        text = str(event.get("content", ""))
        preview = text if len(text) <= _PREVIEW else text[:_PREVIEW] + " [...]"
        tokens = f" ({event['tokens']} tokens)" if event.get("tokens") else ""
        lines.append(f"  [{kind}]{tokens} " + preview.replace("\n", "\n    "))
    return "\n".join(lines)
