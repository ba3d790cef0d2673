"""The sweep's text output: what was proposed, what waits, what was dropped and why."""

from __future__ import annotations

from gc_bot.propose.upkeep import VANISHED
from gc_bot.sweep import SweepReport

_MARK = {"proposed": "+", "pending": "~", "dropped": "x", "skipped": "-"}


def render_text(report: SweepReport) -> str:
    lines = [
        f"gc-bot sweep of {report.base} ({report.base_commit[:10]}){' [dry run]' if report.dry_run else ''}"
    ]
    if report.forge != "local":
        lines.append(f" proposing as {report.forge_description}")
    for o in report.proposals:
        head = f" {_MARK[o.status]} {o.status:<8} {o.principle:<24} {', '.join(o.files)}"
        lines.append(head)
        detail = o.branch if o.status in ("proposed", "pending") else o.reason
        if o.status == "proposed" and o.fixer:
            detail = f"{o.branch}  (fixer: {o.fixer}{f', {o.tokens} tokens' if o.tokens else ''})"
        lines.append(f"     {detail}")
        if report.dry_run and o.diff:
            lines += ["     " + line for line in o.diff.splitlines()]
    if not report.proposals:
        lines.append(" nothing to propose")
    lines += _upkeep_lines(report)
    for p in report.paused:
        reasons = "; ".join(p["reasons"]) or "no reasons given"
        lines.append(
            f" paused: {p['principle']} (acceptance {p['acceptance_rate']}): people said: {reasons}"
        )
        lines.append(f"     resume with: gc-bot feedback resume {p['principle']}")
    if report.waiting:
        lines.append(
            f" {len(report.waiting)} more proposal(s) wait for a free slot (max_prs, max_open_prs)"
        )
    if report.dashboard:
        lines.append(f" dashboard: {report.dashboard}")
    if report.waiting_for_agent:
        lines.append(
            f" {report.waiting_for_agent} finding(s) of {', '.join(sorted(report.waiting_principles))}"
            " wait for an agent: set OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)"
        )
    if report.uncommitted:
        lines.append(
            f" {report.uncommitted} file(s) with uncommitted changes were ignored:"
            f" a sweep fixes the committed tree of {report.base}"
        )
    if report.reported_only:
        lines.append(
            f" {report.reported_only} finding(s) are reported only (their principles have fix: none)"
        )
    if report.suppressed:
        lines.append(f" {report.suppressed} finding(s) not proposed again: people rejected them")
    counts = {s: sum(1 for o in report.proposals if o.status == s) for s in _MARK}
    lines.append(
        f" {counts['proposed']} proposed, {counts['pending']} pending, {counts['dropped']} dropped; "
        f"{report.findings} findings; {report.tokens} tokens"
    )
    if counts["proposed"] and not report.dry_run:
        lines.append(
            " look at a proposal: git log -p -1 <branch>; decide: gc-bot feedback approve|reject <id>"
        )
    return "\n".join(lines)


def _upkeep_lines(report: SweepReport) -> list[str]:
    """Proposals already out: what the base's moves did to them (nothing, mostly)."""
    done = report.upkeep
    lines = [
        f" withdrew {pid}: {VANISHED} (not counted as a rejection)"
        for pid in done.get("retired", [])
    ]
    lines += [
        f" rebuilt {pid} on {report.base}: {why}" for pid, why in done.get("refreshed", {}).items()
    ]
    lines += [f" left {pid} as it is: {why}" for pid, why in done.get("left", {}).items()]
    return lines
