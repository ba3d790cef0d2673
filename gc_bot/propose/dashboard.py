"""The dashboard issue's words: what is open, waiting, paused and rejected, with tick boxes.

Pure functions only (the GitHub side is in `dashboard_github`): `view_of` reads the ledger's
state into a `View`, `render` writes the issue body, `ticks` reads the boxes people ticked back,
`attribute` says which edit ticked each box, and `instruction` turns a tick into the ledger record
the next sweep honours. Like Renovate's dependency dashboard, each box carries a hidden comment
naming its action and target, so a tick means exactly one thing whatever the words around it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from gc_bot.config import Config
from gc_bot.feedback.ledger import now
from gc_bot.feedback.state import FeedbackState

TITLE = "gc-bot dashboard"
LABEL = "gc-bot-dashboard"
LABEL_COLOR = "5319e7"
SOURCE = "github-dashboard"
MAX_ITEMS = 25  # per section; the rest is counted
MAX_REASON = 160
_DATA = re.compile(r"<!-- gc-bot:dashboard (?P<data>\{.*?\}) -->", re.DOTALL)
_BOX = re.compile(
    r"^[ \t]*[-*] \[(?P<mark>[ xX])\] <!-- gc-bot:(?P<action>again|first|resume) "
    r"(?P<target>[a-z0-9][a-z0-9-]{0,99}) -->",
    re.MULTILINE,
)
ACTIONS = {
    "again": "propose again now",
    "first": "propose first next run",
    "resume": "resume this principle",
}


@dataclass(frozen=True, order=True)
class Tick:
    """One ticked box: `again` a rejected proposal, `first` a waiting one, `resume` a principle."""

    action: str
    target: str


@dataclass
class Waiting:
    """A planned proposal that did not open this run (the cap on open PRs, or `max_prs`)."""

    id: str
    principle: str
    files: list[str]
    fingerprints: list[str]


@dataclass
class OpenItem:
    number: int
    url: str
    title: str
    principle: str


@dataclass
class View:
    """Everything the body shows; plain data, so rendering needs no GitHub."""

    open: list[OpenItem] = field(default_factory=list)
    max_open_prs: int = 0
    waiting: list[Waiting] = field(default_factory=list)
    paused: list[dict] = field(default_factory=list)  # principle, rate, reasons
    rejected: list[dict] = field(default_factory=list)  # id, principle, files, who, reason, url
    done: list[dict] = field(default_factory=list)  # instructions honoured lately
    ignored: list[str] = field(default_factory=list)  # ticks not honoured, and why
    ticked: set[Tick] = field(default_factory=set)  # boxes left ticked (not yet honoured)


def view_of(
    state: FeedbackState,
    config: Config,
    *,
    open_items: list[OpenItem],
    waiting: list[Waiting],
    pr_urls: dict[str, str],
) -> View:
    """The dashboard's contents from the ledger's state and what GitHub shows open."""
    stats = state.stats(config.pause_below, config.min_decisions)
    paused = [
        {"principle": p, "rate": row.rate, "reasons": row.reasons}
        for p, row in sorted(stats.items())
        if row.paused
    ]
    known = set(state.proposals)
    return View(
        open=open_items,
        max_open_prs=config.max_open_prs,
        waiting=[w for w in waiting if w.id not in known],
        paused=paused,
        rejected=_rejected(state, pr_urls),
        done=_done(state),
    )


def _rejected(state: FeedbackState, pr_urls: dict[str, str]) -> list[dict]:
    """Rejected proposals (latest first), minus those people already asked for again."""
    rows = []
    for p in state.counted():
        decision = state.verdicts.get(p["id"])
        if decision is None or decision["verdict"] != "down" or state.released_again(p["id"]):
            continue
        decision = _telling(state, p["id"]) or decision
        rows.append(
            {
                "id": p["id"],
                "principle": p["principle"],
                "files": list(p["files"]),
                "who": decision.get("who") or "",
                "reason": decision.get("reason") or "",
                "url": pr_urls.get(p["id"], ""),
                "at": decision["at"],
                "partial": bool(decision.get("partial")),
            }
        )
    return sorted(rows, key=lambda r: r["at"], reverse=True)


def _telling(state: FeedbackState, proposal: str) -> dict | None:
    """The latest no on `proposal` that gave a reason (closing a PR gives none)."""
    since_yes = []
    for d in state.decisions:
        if d["proposal"] == proposal:
            since_yes = [] if d["verdict"] == "up" else [*since_yes, d]
    reasoned = [d for d in since_yes if d.get("reason")]
    return reasoned[-1] if reasoned else None


def _done(state: FeedbackState) -> list[dict]:
    return sorted(state.instructions, key=lambda r: r["at"], reverse=True)[:5]


# -- the body ------------------------------------------------------------------------------
def render(view: View) -> str:
    """The issue body: sections in a fixed order, boxes unticked unless left for the next run."""
    parts = [
        f"# {TITLE}",
        "gc-bot edits this issue after every sweep and feedback sync; it never opens a second "
        "one. Tick a box to tell the next run what to do (only people who can edit this issue "
        "can tick, and a tick by someone without write access is ignored). Once honoured, the "
        "box is unticked and the instruction recorded in gc-bot's ledger.",
        _open(view),
        _waiting(view),
        _paused(view),
        _rejected_section(view),
    ]
    if view.done or view.ignored:
        parts.append(_done_section(view))
    data = {"version": 1, "waiting": [asdict(w) for w in view.waiting[:MAX_ITEMS]]}
    payload = json.dumps(data, sort_keys=True).replace("--", "-\\u002d")
    return "\n\n".join(parts) + f"\n\n<!-- gc-bot:dashboard {payload} -->\n"


def _open(view: View) -> str:
    head = f"## Open pull requests ({len(view.open)} of at most {view.max_open_prs})"
    lines = [
        f"- [#{o.number}]({o.url}) {_text(o.title)} (`{o.principle}`)"
        for o in view.open[:MAX_ITEMS]
    ]
    return _section(head, lines, len(view.open), "Nothing open.")


def _waiting(view: View) -> str:
    head = "## Waiting for a free slot (`max_open_prs`, `max_prs`)"
    lines = [
        f"{_box(view, Tick('first', w.id))} {ACTIONS['first']}: `{w.principle}` in "
        f"{_files(w.files)} ({len(w.fingerprints)} finding(s))"
        for w in view.waiting[:MAX_ITEMS]
    ]
    return _section(head, lines, len(view.waiting), "Nothing waiting.")


def _paused(view: View) -> str:
    head = "## Paused principles (people rejected most of what they were shown)"
    lines = []
    for row in view.paused[:MAX_ITEMS]:
        rate = "no acceptance" if not row["rate"] else f"{row['rate']:.0%} accepted"
        reasons = "; ".join(f"“{_text(r)}”" for r in row["reasons"]) or "no reason given"
        lines.append(
            f"{_box(view, Tick('resume', row['principle']))} {ACTIONS['resume']}: "
            f"`{row['principle']}` ({rate}); reasons: {reasons}"
        )
    return _section(head, lines, len(view.paused), "Nothing paused.")


def _rejected_section(view: View) -> str:
    head = "## Rejected proposals"
    lines = []
    for row in view.rejected[:MAX_ITEMS]:
        link = f" ([pull request]({row['url']}))" if row["url"] else ""
        some = " (some findings)" if row["partial"] else ""
        by = f" by {_text(row['who'])}" if row["who"] not in ("", "github") else ""
        reason = f": “{_text(row['reason'])}”" if row["reason"] else ""
        lines.append(
            f"{_box(view, Tick('again', row['id']))} {ACTIONS['again']}: `{row['principle']}` "
            f"in {_files(row['files'])}{some}{link}, rejected{by}{reason}"
        )
    return _section(head, lines, len(view.rejected), "Nothing rejected.")


def _done_section(view: View) -> str:
    lines = [
        f"- {_text(r.get('who') or 'an editor')} asked to "
        f"{ACTIONS.get(r.get('action', ''), 'act')} (`{r.get('target', '')}`), "
        f"ticked {r.get('ticked_at') or r['at']}"
        for r in view.done
    ]
    lines += [f"- ignored: {_text(why)}" for why in view.ignored[:MAX_ITEMS]]
    return "## Lately\n\n" + "\n".join(lines)


def _section(head: str, lines: list[str], total: int, empty: str) -> str:
    if not lines:
        return f"{head}\n\n{empty}"
    more = [f"- and {total - len(lines)} more"] if total > len(lines) else []
    return head + "\n\n" + "\n".join(lines + more)


def _box(view: View, tick: Tick) -> str:
    mark = "x" if tick in view.ticked else " "
    return f"- [{mark}] <!-- gc-bot:{tick.action} {tick.target} -->"


def _files(files: list[str]) -> str:
    shown = ", ".join(f"`{_text(f)}`" for f in files[:3])
    return shown + (f" and {len(files) - 3} more" if len(files) > 3 else "")


def _text(text: str) -> str:
    """People's words on one line, unable to open a box, a comment, or ping anyone."""
    flat = " ".join(str(text).split())
    if len(flat) > MAX_REASON:
        flat = flat[: MAX_REASON - 1] + "…"
    for raw, safe in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("`", "'"), ("@", "@\u200b")):
        flat = flat.replace(raw, safe)
    return flat.replace("[", "\\[").replace("]", "\\]")


# -- reading it back -----------------------------------------------------------------------
def is_dashboard(body: str | None) -> bool:
    return _DATA.search(body or "") is not None


def ticks(body: str | None) -> set[Tick]:
    """The ticked boxes gc-bot can act on (its own hidden comment after the box)."""
    return {Tick(m["action"], m["target"]) for m in _BOX.finditer(body or "") if m["mark"] in "xX"}


def carried_waiting(body: str | None) -> list[Waiting]:
    """The waiting list the last sweep wrote, for a sync (which does not plan) to show again."""
    match = _DATA.search(body or "")
    if not match:
        return []
    try:
        data = json.loads(match["data"])
        return [
            Waiting(
                id=str(w["id"]),
                principle=str(w["principle"]),
                files=[str(f) for f in w["files"]],
                fingerprints=[str(f) for f in w["fingerprints"]],
            )
            for w in data.get("waiting", [])
        ]
    except (json.JSONDecodeError, AttributeError, KeyError, TypeError):
        return []


@dataclass(frozen=True)
class Revision:
    """One version of the body in its edit history, and who made it (None: not knowable)."""

    at: str
    editor: str | None
    body: str


def attribute(current: set[Tick], history: list[Revision]) -> dict[Tick, Revision | None]:
    """For each tick in the body now, the edit that ticked it (the latest that newly did).

    gc-bot's own edits untick every box it honoured, so replaying the history from the start
    credits each standing tick to the person whose edit added it; a tick the history does not
    show (it was cut short, or GitHub would not tell) maps to None.
    """
    credited: dict[Tick, Revision] = {}
    before: set[Tick] = set()
    for revision in sorted(history, key=lambda r: r.at):
        after = ticks(revision.body)
        for tick in after - before:
            credited[tick] = revision
        before = after
    return {tick: credited.get(tick) for tick in current}


def _after(state: FeedbackState) -> str:
    """Now, or just after the latest verdict the ledger holds when GitHub's clock (which dated
    it) runs ahead of this runner's: a release or resume always follows what it answers."""
    stamp = now()
    latest = max((r["at"] for r in [*state.decisions, *state.findings_rejected]), default="")
    if latest < stamp:
        return stamp
    try:
        later = datetime.fromisoformat(latest) + timedelta(microseconds=1)
    except ValueError:
        return stamp
    return later.isoformat(timespec="microseconds")


def instruction(
    tick: Tick,
    *,
    who: str,
    ticked_at: str,
    issue: int,
    state: FeedbackState,
    waiting: list[Waiting],
) -> dict | None:
    """The ledger record for a trusted tick, or None when its target is not (or no longer) there.

    The key holds the time of the edit that ticked it, so honouring a tick twice (a run cut off
    before it unticked the box) records it once.
    """
    base = {
        "source": SOURCE,
        "who": who,
        "at": _after(state),
        "ticked_at": ticked_at,
        "issue": issue,
        "action": tick.action,
        "target": tick.target,
    }
    suffix = f"{SOURCE}:{issue}:{ticked_at}"
    if tick.action == "again":
        proposal = state.proposals.get(tick.target)
        if proposal is None or state.verdict(tick.target) != "down":
            return None
        return {
            **base,
            "key": f"release:{tick.target}:{suffix}",
            "type": "release",
            "proposal": tick.target,
            "principle": proposal["principle"],
        }
    if tick.action == "resume":
        if tick.target not in {p["principle"] for p in state.proposals.values()}:
            return None
        return {
            **base,
            "key": f"resume:{tick.target}:{suffix}",
            "type": "resume",
            "principle": tick.target,
        }
    item = next((w for w in waiting if w.id == tick.target), None)
    if item is None or item.id in state.proposals:
        return None
    return {
        **base,
        "at": now(),  # compared with this runner's own proposal records, not GitHub's times
        "key": f"prioritise:{item.id}:{suffix}",
        "type": "prioritise",
        "proposal": item.id,
        "principle": item.principle,
        "fingerprints": sorted(item.fingerprints),
    }
