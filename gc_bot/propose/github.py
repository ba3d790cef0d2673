"""The github forge: each proposal a pull request, pushed to gc-bot's own branch on `origin`.

Manners, learnt from the bots teams grew tired of: at most `max_open_prs` gc-bot PRs open at
once; never a second PR for a proposal (its own PRs, open or closed, are recognised by branch
name and the hidden marker, so "closed means no" needs no state of gc-bot's own); an open PR is
left alone unless the base moved in a way that conflicts with it or its findings changed (then
its own branch is force-pushed with the fix made again, and its body refreshed), or its findings
vanished (then it is closed with a word and its branch deleted); merged branches are deleted;
nothing is pushed to any branch but gc-bot's own, and never over commits someone else made.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from gc_bot.config import Config
from gc_bot.feedback.ledger import Ledger
from gc_bot.feedback.state import FeedbackState
from gc_bot.git import BOT_EMAIL, Git
from gc_bot.propose import github_api as api
from gc_bot.propose.github_api import GitHubError, GitHubTarget
from gc_bot.propose.marker import closing_marker, marker, read_closing, read_marker

if TYPE_CHECKING:
    from gc_bot.propose.forge import Change, Staged

LABEL = "gc-bot"
LABEL_COLOR = "5319e7"
PRINCIPLE_COLOR = "c5def5"
MAX_TITLE = 200
MAX_BODY = 60_000  # GitHub refuses bodies over 65536 characters


@dataclass
class OwnPR:
    """One of gc-bot's pull requests, as GitHub shows it now."""

    number: int
    branch: str
    state: str  # open | closed
    merged: bool
    head_sha: str | None
    marker: dict
    pr: Any  # the PyGithub PullRequest

    @property
    def proposal(self) -> str:
        return self.marker["id"]


class GitHubForge:
    name = "github"

    def __init__(self, git: Git, config: Config, env: Mapping[str, str] | None = None) -> None:
        self.git = git
        self.config = config
        self.target = GitHubTarget.from_env(os.environ if env is None else env)
        self._repo: Any = None
        self._prs: list[OwnPR] | None = None
        self._labels: set[str] | None = None
        self.last_sync: Any = None
        self._dashboard: Any = None

    def describe(self) -> str:
        return (
            f"GitHub pull requests on {self.target.repository} "
            f"(token from {self.target.token_source})"
        )

    # -- the repository and gc-bot's own pull requests -------------------------------------
    @property
    def repo(self) -> Any:
        if self._repo is None:
            self._repo = api.client(self.target).get_repo(self.target.repository, lazy=True)
        return self._repo

    def own_prs(self, *, refresh: bool = False) -> list[OwnPR]:
        """Every gc-bot PR, open or closed: a proposal branch and a readable marker."""
        if self._prs is None or refresh:
            with api.api_errors(self.target, "listing pull requests"):
                self._prs = [
                    own
                    for pr in self.repo.get_pulls(state="all", sort="created", direction="asc")
                    if (own := _own(pr, self.target.repository)) is not None
                ]
        return self._prs

    def find(self, branch: str) -> OwnPR | None:
        """The latest PR for `branch`, preferring an open one."""
        found = [p for p in self.own_prs() if p.branch == branch]
        found.sort(key=lambda p: (p.state == "open", p.number))
        return found[-1] if found else None

    # -- Forge -------------------------------------------------------------------------------
    def harvest(self, ledger: Ledger, state: FeedbackState) -> bool:
        """Fetch the shared ledger, then record what people said on GitHub; always re-read."""
        from gc_bot.feedback.github_sync import sync

        self.last_sync = sync(self, ledger, state)
        return True

    def open_slots(self) -> int | None:
        open_now = sum(1 for p in self.own_prs() if p.state == "open")
        return self.config.max_open_prs - open_now

    def publish(self, change: Change) -> None:
        """Push the branch and open its PR; a rerun finds its own PR and updates it instead."""
        existing = self.find(change.branch)
        if existing is not None and existing.state != "open":
            raise GitHubError(
                f"pull request #{existing.number} for {change.branch} was "
                f"{'merged' if existing.merged else 'closed'}; gc-bot does not open it again"
            )
        api.push(self.git, self.target, [f"{change.commit}:refs/heads/{change.branch}"], force=True)
        title, body = self._title(change), self._body(change)
        with api.api_errors(self.target, f"opening the pull request for {change.branch}"):
            pr = existing.pr if existing else self._create(change, title, body)
            if existing:
                pr.edit(title=title, body=body)
            self._label(pr, change.proposal.principle)
        self._remember(existing, pr, change.commit)

    def _remember(self, existing: OwnPR | None, pr: Any, head: str) -> None:
        """Keep the list of gc-bot's PRs current without listing them all again."""
        if existing is not None:
            existing.head_sha = head
            return
        own = _own(pr, self.target.repository)
        if own is None or self._prs is None:
            self._prs = None  # unexpected: read the list afresh next time
        else:
            self._prs.append(own)

    def _create(self, change: Change, title: str, body: str) -> Any:
        import github

        try:
            return self.repo.create_pull(
                title=title, body=body, head=change.branch, base=change.base
            )
        except github.GithubException as error:
            if not api.already_exists(error):
                raise
        # A PR for this branch exists (an earlier run was cut off before it heard back).
        owner = self.target.repository.split("/")[0]
        for pr in self.repo.get_pulls(state="open", head=f"{owner}:{change.branch}"):
            return pr
        raise GitHubError(f"GitHub says a pull request for {change.branch} exists but lists none")

    def _label(self, pr: Any, principle: str) -> None:
        """Labels `gc-bot` and the principle id, created (with a colour) when missing."""
        import github

        if self._labels is None:
            self._labels = {label.name for label in self.repo.get_labels()}
        for name, color in ((LABEL, LABEL_COLOR), (principle, PRINCIPLE_COLOR)):
            if name in self._labels:
                continue
            try:
                self.repo.create_label(name, color, f"gc-bot: {name}"[:100])
            except github.GithubException as error:
                if not api.already_exists(error):
                    raise
            self._labels.add(name)
        pr.add_to_labels(LABEL, principle)

    def withdraw(self, branch: str, commit: str | None) -> str | None:
        """Close the open PR for `branch` with a comment and delete the branch on `origin`."""
        own = self.find(branch)
        if own is not None and own.state == "open":
            self.close(own, "vanished", "the findings it fixed are gone from the base branch")
        self.delete_branch(branch)
        self._prs = None
        return None

    def retire(self, proposal: dict, why: str) -> Staged:
        """Close the PR saying `why` (nobody has to decide it) and delete its branch."""
        own = self.find(proposal["branch"])
        if own is not None and own.state == "open":
            self._refuse_others_commits(own, proposal.get("commit"))
            self.close(own, "vanished", why)
        self.delete_branch(proposal["branch"])
        return {}

    def close(self, own: OwnPR, because: str, why: str) -> None:
        """Close one of gc-bot's PRs with a comment whose hidden marker says it was gc-bot, so
        that a later sync (even with the ledger lost) never takes the close for a person's no."""
        text = f"gc-bot closes this: {why}.\n\n{closing_marker(own.proposal, because)}\n"
        with api.api_errors(self.target, f"closing #{own.number}"):
            issue = self.repo.get_issue(own.number)
            said = any(read_closing(c.body, own.proposal) for c in issue.get_comments())
            if not said:  # a run cut off after commenting does not comment twice
                issue.create_comment(self.target.mask(text))
            own.pr.edit(state="closed")
        own.state = "closed"

    def refresh(self, change: Change) -> Staged:
        """Force-push gc-bot's own branch to the rebuilt commit and bring the PR's words up to
        date; never over someone else's commits (the push is leased on the tip it replaces)."""
        own = self.find(change.branch)
        if own is None or own.state != "open":
            raise GitHubError(f"no open pull request for {change.branch}; nothing to refresh")
        self._refuse_others_commits(own, change.replaces and change.replaces.get("commit"))
        spec = f"{change.commit}:refs/heads/{change.branch}"
        api.push(self.git, self.target, [spec], lease={change.branch: own.head_sha or ""})
        with api.api_errors(self.target, f"refreshing #{own.number}"):
            own.pr.edit(title=self._title(change), body=self._body(change))
        self._remember(own, own.pr, change.commit)
        return {}

    def _refuse_others_commits(self, own: OwnPR, recorded: str | None) -> None:
        """A person who pushed to gc-bot's branch owns what is on it now: leave it alone."""
        head = own.head_sha
        if head is None or head == recorded:
            return
        committer = self.git.run("log", "-1", "--format=%ce", head, check=False)
        if committer != BOT_EMAIL:
            raise GitHubError(
                f"#{own.number}'s branch has commits gc-bot did not make; gc-bot leaves it alone"
            )

    def delete_branch(self, branch: str) -> None:
        """Delete gc-bot's branch on `origin` if it is there (and its remote-tracking ref)."""
        if self.git.rev(f"refs/remotes/origin/{branch}") is None and not self._remote_has(branch):
            return
        api.push(self.git, self.target, [f":refs/heads/{branch}"])

    def _remote_has(self, branch: str) -> bool:
        out = api.run_git(self.git, self.target, ["ls-remote", "origin", f"refs/heads/{branch}"])
        return bool(out.strip())

    def share_ledger(self) -> None:
        from gc_bot.feedback.github_sync import push_ledger

        push_ledger(self.git, self.target)

    # -- the dashboard issue -----------------------------------------------------------------
    @property
    def dashboard(self) -> Any:
        if self._dashboard is None:
            from gc_bot.propose.dashboard_github import Dashboard

            self._dashboard = Dashboard(self)
        return self._dashboard

    def update_dashboard(self, report: Any) -> str | None:
        """Edit the dashboard issue in place after the ledger was shared (`dashboard = false`:
        never); a sweep's report says what waits, a sync keeps what the last sweep said."""
        if not self.config.dashboard:
            return None
        from gc_bot.propose.dashboard_github import waiting_of

        return self.dashboard.update(None if report is None else waiting_of(report.waiting))

    # -- the pull request's words ------------------------------------------------------------
    def _title(self, change: Change) -> str:
        what = change.summary.strip() or (change.principle.title if change.principle else "")
        return f"gc-bot({change.proposal.principle}): {what}"[:MAX_TITLE]

    def _body(self, change: Change) -> str:
        from gc_bot.fix.agent import render

        findings = [
            {
                "path": f.path,
                "line": f.line,
                "message": f.message,
                "url": self._line_url(change.base_commit, f.path, f.line, f.end_line),
            }
            for f in change.proposal.findings
        ]
        data = {
            "id": change.id,
            "principle": change.proposal.principle,
            "fingerprints": list(change.proposal.fingerprints),
            "files": list(change.proposal.files),
            "base": change.base,
            "base_commit": change.base_commit,
            "lines": [
                [f.path, f.line, f.end_line, f.fingerprint] for f in change.proposal.findings
            ],
        }
        body = render(
            "pr_body.md.j2",
            summary=change.summary or "",
            principle=change.principle,
            findings=findings,
            explanation=change.explanation or "",
            fixer=change.fixer or "gc-bot",
            base=change.base,
            base_commit=change.base_commit,
            test_command=self.config.test_command,
            tokens=change.tokens,
            marker="",
        )
        return self.target.mask(body)[: MAX_BODY - 2000] + "\n" + marker(data) + "\n"

    def _line_url(self, commit: str, path: str, line: int, end_line: int) -> str:
        anchor = f"L{line}" if end_line <= line else f"L{line}-L{end_line}"
        return f"{self.target.server_url}/{self.target.repository}/blob/{commit}/{quote(path)}#{anchor}"


def _own(pr: Any, repository: str) -> OwnPR | None:
    """gc-bot's PR: a proposal branch in this repository (not a fork's look-alike), a marker."""
    branch = pr.head.ref
    if not api.PROPOSAL_BRANCH.fullmatch(branch):
        return None
    head_repo = pr.head.repo
    if head_repo is None or head_repo.full_name != repository:
        return None
    data = read_marker(pr.body)
    if data is None or not branch.endswith(data["id"]):
        return None
    return OwnPR(
        number=pr.number,
        branch=branch,
        state=pr.state,
        merged=pr.merged_at is not None,
        head_sha=pr.head.sha,
        marker=data,
        pr=pr,
    )
