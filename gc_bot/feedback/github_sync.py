"""`gc-bot feedback sync`: what people said on gc-bot's pull requests, into the ledger.

Merge (up), close without merge (down), review approve (up) or request changes (down, its
text the reason), 👍/👎 on the PR, a `/gc-bot reject <reason>` comment (down), a review
comment on a line (down for the findings on that line only, as `feedback reject --only`: the
PR is closed and the rest of its findings released for a new, smaller one). A PR gc-bot closed
itself (its findings vanished from the base, or a partial no) is never taken for a person's no:
its closing comment carries a marker, trusted only from the PR's own author. Only people whose
`author_association` is in `trusted_associations` count; everyone else is skipped before
their text is read into anything. Every event has its own key, so syncing twice records
nothing twice; the latest trusted verdict wins, the ledger keeps them all.

When the ledger is lost, gc-bot's PRs rebuild what matters: each marker becomes its proposal
again, and a closed one its rejection, so a rejected fix never comes back.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gc_bot.feedback.ledger import BRANCH, LOCAL_REF, REMOTE_REF, Ledger, now
from gc_bot.feedback.state import FeedbackState
from gc_bot.fix.secrets import mask_secrets
from gc_bot.git import Git

if TYPE_CHECKING:
    from gc_bot.propose.github import GitHubForge, OwnPR
    from gc_bot.propose.github_api import GitHubTarget

REJECT_COMMAND = re.compile(r"^\s*/gc-bot\s+reject\b[ \t]*(?P<reason>.*)", re.DOTALL)
MAX_REASON = 2000
WRITE_PERMISSIONS = ("admin", "maintain", "write")
LEDGER_PUSH_ATTEMPTS = 4


@dataclass
class SyncResult:
    recorded: list[dict] = field(default_factory=list)
    ignored: int = 0  # signals from people without write access
    deleted_branches: list[str] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)  # PRs closed for a partial no

    def __bool__(self) -> bool:
        return bool(self.recorded)


def run_sync(root: Path) -> tuple[GitHubForge, SyncResult]:
    """`gc-bot feedback sync` in `root`: sync, then push the ledger so the next run has it."""
    from gc_bot.config import load_config
    from gc_bot.propose.github import GitHubForge

    git = Git.open(root)
    forge = GitHubForge(git, load_config(git.root))
    ledger = Ledger(git)
    result = sync(forge, ledger, FeedbackState.from_records(ledger.read()))
    push_ledger(git, forge.target)
    forge.update_dashboard(None)
    return forge, result


def sync(forge: GitHubForge, ledger: Ledger, state: FeedbackState) -> SyncResult:
    """Record every new trusted signal on gc-bot's PRs; delete merged and orphaned branches."""
    from gc_bot.propose.github_api import api_errors

    result = SyncResult()
    fetch_ledger(forge.git, forge.target)
    known = ledger.read()
    state = FeedbackState.from_records(known)
    reader = _Reader(forge, result)
    rebuilt, records = [], []
    for own in forge.own_prs():
        proposal = state.proposals.get(own.proposal)
        if proposal is None:
            proposal = _rebuilt_proposal(own)
            rebuilt.append(proposal)
        if own.state == "closed" and (
            _closing_recorded(state, own) or state.was_withdrawn(own.proposal)
        ):
            continue
        with api_errors(forge.target, f"reading #{own.number}"):
            records += reader.signals(own, proposal)
    records += _dashboard_ticks(forge, known + rebuilt + records)
    records.sort(key=lambda r: r["at"])
    seen = {r["key"] for r in known}
    result.recorded = [r for r in rebuilt + records if r["key"] not in seen]
    if result.recorded:
        ledger.append(result.recorded)
        state = FeedbackState.from_records(ledger.read())
    result.closed = _close_partly_rejected(forge, state)
    result.deleted_branches = _clean_branches(forge, state)
    return result


def _dashboard_ticks(forge: GitHubForge, records: list[dict]) -> list[dict]:
    """The instructions ticked in the dashboard issue (propose again, first, resume)."""
    if not forge.config.dashboard:
        return []
    return forge.dashboard.read(FeedbackState.from_records(records))


def _close_partly_rejected(forge: GitHubForge, state: FeedbackState) -> list[int]:
    """Open PRs whose latest verdict is a no to some findings only: closed, branch deleted, so
    the rest of their findings may come back in a new, smaller PR (a run cut off here closes
    them next time: the ledger already says so)."""
    from gc_bot.propose.github_api import api_errors

    closed = []
    for own in forge.own_prs():
        decision = state.verdicts.get(own.proposal)
        if own.state != "open" or not decision or not decision.get("partial"):
            continue
        rejected = {
            fp
            for r in state.findings_rejected
            if r["proposal"] == own.proposal
            for fp in r["fingerprints"]
        }
        with api_errors(forge.target, f"closing #{own.number}"):
            forge.close(
                own,
                "partial",
                f"a reviewer said no to {len(rejected) or 'some'} of its findings; the others "
                "are released and may come back in a new, smaller pull request",
            )
        forge.delete_branch(own.branch)
        closed.append(own.number)
    return closed


def _closing_recorded(state: FeedbackState, own: OwnPR) -> bool:
    keys = {d["key"] for d in state.decisions}
    return _key(own, "merged" if own.merged else "closed") in keys


def _key(own: OwnPR, event: str) -> str:
    return f"decision:{own.proposal}:github:{event}"


def _rebuilt_proposal(own: OwnPR) -> dict:
    """A proposal record from a PR's marker: what the ledger needs to honour its verdicts."""
    m = own.marker
    return {
        "key": f"proposal:{m['id']}",
        "type": "proposal",
        "kind": "fix",
        "id": m["id"],
        "principle": m["principle"],
        "fingerprints": list(m["fingerprints"]),
        "files": list(m["files"]),
        "branch": own.branch,
        "base": m["base"],
        "base_commit": m["base_commit"],
        "commit": own.head_sha,
        "fixer": "",
        "tokens": 0,
        "summary": "",
        "diff": "",
        "session": None,
        "pull_request": own.number,
        "rebuilt_from": "github",
        "at": _iso(own.pr.created_at),
    }


class _Reader:
    """The signals on one PR, trusted ones only, as ledger records."""

    def __init__(self, forge: GitHubForge, result: SyncResult) -> None:
        self.forge = forge
        self.trusted = set(forge.config.trusted_associations)
        self.result = result
        self._permissions: dict[str, str] = {}

    def signals(self, own: OwnPR, proposal: dict) -> list[dict]:
        floor = proposal.get("at", "")
        pr = own.pr
        issue = self.forge.repo.get_issue(own.number)
        comments = list(issue.get_comments())
        records = self._closing(own, comments) if own.state == "closed" else []
        for review in pr.get_reviews():
            verdict = {"APPROVED": "up", "CHANGES_REQUESTED": "down"}.get(review.state)
            if verdict and self._counts(review.author_association):
                reason = review.body if verdict == "down" else None
                records.append(
                    self._decision(
                        own,
                        f"review:{review.id}",
                        verdict,
                        review.user.login,
                        review.submitted_at,
                        reason,
                    )
                )
        for comment in comments:
            match = REJECT_COMMAND.match(comment.body or "")
            if match and self._counts(comment.author_association):
                records.append(
                    self._decision(
                        own,
                        f"comment:{comment.id}",
                        "down",
                        comment.user.login,
                        comment.created_at,
                        match["reason"].strip() or None,
                    )
                )
        for reaction in issue.get_reactions():
            verdict = {"+1": "up", "-1": "down"}.get(reaction.content)
            if verdict and self._has_write_access(reaction.user.login):
                records.append(
                    self._decision(
                        own,
                        f"reaction:{reaction.id}",
                        verdict,
                        reaction.user.login,
                        reaction.created_at,
                        None,
                    )
                )
        records += self._line_rejections(own, proposal)
        if own.state == "open":
            records += _partial_no(own, records)
        for record in records:
            record["at"] = max(record["at"], floor)
        return records

    def _closing(self, own: OwnPR, comments: list[Any]) -> list[dict]:
        """The close: merged (up), closed by a person (down), or closed by gc-bot itself (its
        findings vanished: withdrawn, no verdict; a partial no: a down for some findings)."""
        from gc_bot.propose.marker import read_closing

        pr = own.pr
        if own.merged:
            return [self._decision(own, "merged", "up", "github", pr.merged_at, None)]
        author = pr.user.login if pr.user else None
        because = next(
            (
                why
                for c in comments
                if c.user and c.user.login == author and (why := read_closing(c.body, own.proposal))
            ),
            None,
        )
        if because == "vanished":
            return [withdrawn_record(own.proposal, "its findings vanished", _iso(pr.closed_at))]
        record = self._decision(own, "closed", "down", "github", pr.closed_at, None)
        if because == "partial":
            record["partial"] = True  # only its findings-rejected fingerprints were refused
        return [record]

    def _counts(self, association: str | None) -> bool:
        if association in self.trusted:
            return True
        self.result.ignored += 1
        return False

    def _has_write_access(self, login: str) -> bool:
        """Reactions carry no author_association: the collaborator permission decides."""
        return self._counts(write_association(self.forge, login, self._permissions))

    def _decision(
        self, own: OwnPR, event: str, verdict: str, who: str, at: Any, reason: str | None
    ) -> dict:
        return {
            "key": _key(own, event),
            "type": "decision",
            "proposal": own.proposal,
            "verdict": verdict,
            "source": f"github-{event.split(':')[0]}",
            "who": who,
            "at": _iso(at),
            "reason": _reason(reason),
            "pull_request": own.number,
        }

    def _line_rejections(self, own: OwnPR, proposal: dict) -> list[dict]:
        """A review comment on a line: a no for the findings on that line only."""
        lines = own.marker.get("lines") or []
        records = []
        for comment in own.pr.get_review_comments():
            if not self._counts(comment.author_association):
                continue
            line = _base_line(self.forge.git, own, comment)
            hit = [
                fp
                for path, start, end, fp in lines
                if path == comment.path and line is not None and start <= line <= end
            ]
            if hit:
                records.append(
                    findings_rejected_record(
                        proposal=own.proposal,
                        fingerprints=hit,
                        reason=_reason(comment.body),
                        source="github-line-comment",
                        who=comment.user.login,
                        at=_iso(comment.created_at),
                    )
                )
        return records


def write_association(forge: GitHubForge, login: str, cache: dict[str, str]) -> str:
    """OWNER, COLLABORATOR (write access by the collaborator permission) or NONE, cached."""
    if login not in cache:
        try:
            permission = forge.repo.get_collaborator_permission(login)
        except Exception:  # not a collaborator (404) or unknown: not trusted
            permission = "none"
        owner = login == forge.target.repository.split("/")[0]
        cache[login] = (
            "OWNER" if owner else "COLLABORATOR" if permission in WRITE_PERMISSIONS else "NONE"
        )
    return cache[login]


def _partial_no(own: OwnPR, records: list[dict]) -> list[dict]:
    """A line comment later than every trusted verdict on the PR: a partial no, as
    `feedback reject --only`, keyed as the PR's close (which it leads to)."""
    lines = [r for r in records if r["type"] == "findings-rejected"]
    whole = [r["at"] for r in records if r["type"] == "decision"]
    if not lines:
        return []
    latest = max(lines, key=lambda r: r["at"])
    if whole and max(whole) >= latest["at"]:
        return []
    return [
        {
            "key": _key(own, "closed"),
            "type": "decision",
            "proposal": own.proposal,
            "verdict": "down",
            "source": "github-line-comment",
            "who": latest["who"],
            "at": latest["at"],
            "reason": latest["reason"],
            "pull_request": own.number,
            "partial": True,  # only the findings on the commented lines were refused
        }
    ]


def withdrawn_record(proposal: str, reason: str, at: str) -> dict:
    """gc-bot took `proposal` back itself: no verdict, it never counts for or against."""
    return {
        "key": f"withdrawn:{proposal}",
        "type": "withdrawn",
        "proposal": proposal,
        "reason": reason,
        "at": at,
    }


def findings_rejected_record(
    *,
    proposal: str,
    fingerprints: list[str],
    reason: str | None,
    source: str,
    who: str,
    at: str,
) -> dict:
    """A no for some findings of a proposal only (as `feedback reject --only`): the rest stays."""
    event = hashlib.sha256("\n".join([who, at, *sorted(fingerprints)]).encode()).hexdigest()
    return {
        "key": f"findings-rejected:{proposal}:{source}:{event[:16]}",
        "type": "findings-rejected",
        "proposal": proposal,
        "fingerprints": sorted(fingerprints),
        "verdict": "down",
        "source": source,
        "who": who,
        "at": at,
        "reason": reason,
    }


def _base_line(git: Git, own: OwnPR, comment: Any) -> int | None:
    """The comment's line in the base's numbering (where the findings' lines are)."""
    line = comment.line or comment.original_line
    if line is None:
        return None
    if getattr(comment, "side", "RIGHT") == "LEFT":
        return line
    base, head = own.marker["base_commit"], comment.original_commit_id or own.head_sha
    if not (head and git.rev(base) and git.rev(head)):
        return line
    diff = git.run("diff", "-U0", "--no-color", base, head, "--", comment.path, check=False)
    return _old_line(diff, line)


_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


def _old_line(diff: str, new_line: int) -> int:
    """Map a line of the new file to the old one through a zero-context diff's hunks."""
    shift = 0
    for m in _HUNK.finditer(diff):
        old_start, old_len = int(m[1]), int(m[2] if m[2] is not None else 1)
        new_start, new_len = int(m[3]), int(m[4] if m[4] is not None else 1)
        if new_line < new_start or (new_len == 0 and new_line == new_start):
            break
        if new_line < new_start + new_len:
            return old_start + min(new_line - new_start, max(0, old_len - 1))
        shift = (old_start + old_len) - (new_start + new_len)
    return new_line + shift


def _reason(text: str | None) -> str | None:
    text = (text or "").strip()
    return mask_secrets(text[:MAX_REASON]) if text else None


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return str(value or now())


def _clean_branches(forge: GitHubForge, state: FeedbackState) -> list[str]:
    """Delete the branches of merged PRs, of PRs gc-bot closed itself (withdrawn or a partial
    no; a run cut off after closing), and branches pushed without their PR (a cut-off run)."""
    from gc_bot.propose.github_api import PROPOSAL_BRANCH, run_git

    out = run_git(forge.git, forge.target, ["ls-remote", "origin", "refs/heads/gc-bot/*"])
    remote = {line.split("\t")[1].removeprefix("refs/heads/") for line in out.splitlines()}
    with_pr = {p.branch: p for p in forge.own_prs()}
    doomed = []
    for branch in sorted(remote):
        if not PROPOSAL_BRANCH.fullmatch(branch):
            continue
        own = with_pr.get(branch)
        if own is None or own.merged or (own.state == "closed" and _closed_by_gc_bot(state, own)):
            doomed.append(branch)
    for branch in doomed:
        forge.delete_branch(branch)
    return doomed


def _closed_by_gc_bot(state: FeedbackState, own: OwnPR) -> bool:
    decision = state.verdicts.get(own.proposal)
    return state.was_withdrawn(own.proposal) or bool(decision and decision.get("partial"))


def fetch_ledger(git: Git, target: GitHubTarget) -> None:
    """Bring `origin`'s ledger into its remote-tracking ref; a remote without one is fine."""
    from gc_bot.propose.github_api import GitHubError, run_git

    try:
        run_git(git, target, ["fetch", "--quiet", "origin", f"+{LOCAL_REF}:{REMOTE_REF}"])
    except GitHubError as error:
        if "couldn't find remote ref" not in str(error):
            raise


def push_ledger(git: Git, target: GitHubTarget) -> None:
    """Push the ledger: fetch, merge (the ledger's own union merge), push; again on a race."""
    from gc_bot.propose.github_api import GitHubError, push

    ledger = Ledger(git)
    for attempt in range(1, LEDGER_PUSH_ATTEMPTS + 1):
        if git.rev(LOCAL_REF) is None:
            return
        fetch_ledger(git, target)
        remote = git.rev(REMOTE_REF)
        if remote and not git.is_ancestor(remote, LOCAL_REF):
            # A teammate's run pushed first: a record of this merge makes the ledger's next
            # commit the union of both branches, so the push below is a fast-forward.
            ledger.append([{"key": f"merge:{uuid.uuid4().hex}", "type": "merge", "at": now()}])
        try:
            push(git, target, [f"{LOCAL_REF}:refs/heads/{BRANCH}"])
            git.update_ref(REMOTE_REF, git.rev(LOCAL_REF) or "")
            return
        except GitHubError:
            if attempt == LEDGER_PUSH_ATTEMPTS:
                raise
