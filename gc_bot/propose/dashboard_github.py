"""The dashboard issue on GitHub: found (never opened twice), read for ticks, edited in place.

It is found by its label and the hidden marker in its body, as Renovate finds its dependency
dashboard, so a fresh clone or a lost ledger finds the same issue. Ticks are trusted as far as
GitHub lets gc-bot check: the body's edit history (GraphQL `userContentEdits`) says whose edit
ticked each box, and the collaborator permission endpoint whether they have write access; a
tick by someone without it does nothing and is said so. When the history is not readable, a
tick is trusted as GitHub's own rule makes it: only people who can edit the issue can tick.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gc_bot.feedback.ledger import Ledger
from gc_bot.feedback.state import FeedbackState
from gc_bot.propose import dashboard as words
from gc_bot.propose.dashboard import ACTIONS, LABEL, Revision, Tick, Waiting
from gc_bot.propose.github_api import GitHubError, already_exists, api_errors

if TYPE_CHECKING:
    from gc_bot.propose.github import GitHubForge

logger = logging.getLogger(__name__)
HISTORY = 50  # edits read back; gc-bot's own edit after each run keeps the ones that matter few
EDITS_QUERY = """
query($owner: String!, $name: String!, $number: Int!, $last: Int!) {
  repository(owner: $owner, name: $name) {
    issue(number: $number) {
      lastEditedAt
      editor { login }
      userContentEdits(last: $last) { nodes { editedAt diff editor { login } } }
    }
  }
}
"""


class Dashboard:
    """One repository's dashboard issue, as one run of gc-bot sees and changes it."""

    def __init__(self, forge: GitHubForge) -> None:
        self.forge = forge
        self.number: int | None = None
        self.handled: set[Tick] = set()  # ticks honoured (or refused) this run: unticked next
        self.ignored: list[str] = []
        self._access: dict[str, str] = {}

    # -- finding it ------------------------------------------------------------------------
    def find(self) -> Any | None:
        """The dashboard issue (the oldest open one, else the oldest closed), or None."""
        repo = self.forge.repo
        with api_errors(self.forge.target, "finding the dashboard issue"):
            if self.number is not None:
                return repo.get_issue(self.number)
            found = [
                issue
                for issue in repo.get_issues(
                    state="all", labels=[LABEL], sort="created", direction="asc"
                )
                if issue.pull_request is None and words.is_dashboard(issue.body)
            ]
        found.sort(key=lambda i: (i.state != "open", i.number))
        if not found:
            return None
        self.number = found[0].number
        return found[0]

    # -- reading the ticks -----------------------------------------------------------------
    def read(self, state: FeedbackState) -> list[dict]:
        """Ledger records for the trusted ticks in the body now (each recorded once by key)."""
        try:
            issue = self.find()
        except GitHubError as error:
            logger.warning("the dashboard issue was not read (%s); its ticks wait", error)
            return []
        if issue is None:
            return []
        current = words.ticks(issue.body)
        if not current:
            return []
        history, last = self._history(issue)
        credited = words.attribute(current, history)
        waiting = words.carried_waiting(issue.body)
        records = []
        for tick in sorted(current):
            self.handled.add(tick)
            revision = credited.get(tick) or last
            who = revision.editor if revision else None
            what = f"{ACTIONS[tick.action]} ({tick.target})"
            if who is not None and not self._can_write(who):
                self.ignored.append(f"a tick by {who} to {what}: no write access")
                continue
            ticked_at = (revision.at if revision else "") or _iso(issue.updated_at)
            record = words.instruction(
                tick,
                who=who or "an editor of the issue",
                ticked_at=ticked_at,
                issue=issue.number,
                state=state,
                waiting=waiting,
            )
            if record is None:
                self.ignored.append(f"a tick to {what}: it no longer applies")
            else:
                records.append(record)
        return records

    def _history(self, issue: Any) -> tuple[list[Revision], Revision | None]:
        """The body's revisions and the last editor, or nothing when GitHub will not tell."""
        owner, name = self.forge.target.repository.split("/")
        variables = {"owner": owner, "name": name, "number": issue.number, "last": HISTORY}
        try:
            _, data = self.forge.repo.requester.graphql_query(EDITS_QUERY, variables)
        except Exception as error:  # GraphQL off (some GHES), or refused: the tick still stands
            logger.warning(
                "the dashboard's edit history is not readable (%s); its ticks are trusted "
                "because only people who can edit the issue can tick",
                self.forge.target.mask(str(error))[:200],
            )
            return [], None
        node = _dig(data, "data", "repository", "issue")
        revisions = [
            Revision(
                str(e.get("editedAt") or ""), _login(e.get("editor")), str(e.get("diff") or "")
            )
            for e in _dig(node, "userContentEdits").get("nodes") or []
            if isinstance(e, dict)
        ]
        editor = _login(node.get("editor"))
        last = Revision(str(node.get("lastEditedAt") or ""), editor, "") if editor else None
        return revisions, last

    def _can_write(self, login: str) -> bool:
        from gc_bot.feedback.github_sync import write_association

        return write_association(self.forge, login, self._access) != "NONE"

    # -- writing it ------------------------------------------------------------------------
    def update(self, waiting: list[Waiting] | None) -> str | None:
        """Edit the dashboard in place (or open it, the first time); its address, or None and
        a warning when GitHub refused."""
        try:
            return self._update(waiting)
        except GitHubError as error:
            logger.warning(
                "the dashboard issue was not updated (%s); the job needs `issues: write`", error
            )
            return None

    def _update(self, waiting: list[Waiting] | None) -> str:
        forge, config = self.forge, self.forge.config
        issue = self.find()  # read again: a tick made since the sync is kept for the next run
        body = issue.body if issue is not None else ""
        prs = forge.own_prs(refresh=True)
        view = words.view_of(
            FeedbackState.from_records(Ledger(forge.git).read()),
            config,
            open_items=[
                words.OpenItem(p.number, p.pr.html_url, p.pr.title, p.marker["principle"])
                for p in prs
                if p.state == "open"
            ],
            waiting=words.carried_waiting(body) if waiting is None else waiting,
            pr_urls={p.proposal: p.pr.html_url for p in prs},
        )
        view.ignored, view.ticked = self.ignored, words.ticks(body) - self.handled
        text = forge.target.mask(words.render(view))
        with api_errors(forge.target, "writing the dashboard issue"):
            if issue is None:
                self._ensure_label()
                issue = forge.repo.create_issue(title=words.TITLE, body=text, labels=[LABEL])
                self.number = issue.number
            elif text != body:
                issue.edit(body=text)
        return issue.html_url

    def _ensure_label(self) -> None:
        import github

        try:
            self.forge.repo.create_label(LABEL, words.LABEL_COLOR, "gc-bot: its dashboard issue")
        except github.GithubException as error:
            if not already_exists(error):
                raise


def waiting_of(proposals: list[Any]) -> list[Waiting]:
    """The sweep's leftover candidates as the dashboard lists them."""
    return [Waiting(p.id, p.principle, list(p.files), list(p.fingerprints)) for p in proposals]


def _dig(data: Any, *keys: str) -> dict:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _login(actor: Any) -> str | None:
    login = actor.get("login") if isinstance(actor, dict) else None
    return login if isinstance(login, str) and login else None


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value or "")
