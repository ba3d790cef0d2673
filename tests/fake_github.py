"""A fake GitHub on loopback: the REST v3 subset gc-bot uses, and git's smart HTTP for pushes.

A real threaded HTTP server on 127.0.0.1 (a free port), so that real PyGithub (through
`GITHUB_API_URL`) and real git (through the remote's URL) talk to it with their own HTTP
stacks, retries and timeouts. One repository, `owner/name`, backed by a bare repository on
disk that is served with `git http-backend` as CGI: pushes really land, and every git request
must carry the token (as `http.extraheader` sends it), else 401.

REST, under `/api/v3` as on GitHub Enterprise: the repository, pulls (list with `state`,
`head`, `base` filters; create; get; edit), issues (list, create, get, edit; a pull request is
an issue, as on GitHub), labels (repository and issue), issue comments, reviews, review
comments, reactions, collaborator permission; and at `/api/graphql` the one GraphQL query
gc-bot sends, an issue body's edit history (`userContentEdits`, each edit's editor). Objects have GitHub's JSON shapes (the fields
PyGithub reads), lists paginate with `per_page`/`page` and `Link` headers, every answer carries
the `x-ratelimit-*` headers, errors are GitHub's `{"message", "errors", "documentation_url"}`.

Knobs: `fault(...)` answers a matching request with an error (5xx, 422, ...) instead of, or
after, handling it; `rate_limit(...)` a primary or secondary rate limit; `slow(...)` a delay;
`on(...)` runs a callback when a request matches (a test kills a process there); `on_git(...)`
runs one before a git request is served (a teammate's push lands between gc-bot's fetch and
push there), and `pushes()` lists every ref update git pushed (old, new, ref). People act
through methods (`review`, `comment`, `react`, `review_comment`, `merge`, `close`,
`edit_body`, `tick`), each as a
login whose `author_association` the test set with `add_user`.

Extending it: add a route to `ROUTES` (method, path regex, handler name) and a `_handler`.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import re
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

API = "/api/v3"
DOCS = "https://docs.github.com/rest"
MAX_REQUESTS = 3000  # a runaway client loop ends here instead of hanging a test


@dataclass
class Request:
    method: str
    path: str  # without the query
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    body: Any
    status: int = 0


@dataclass
class Fault:
    method: str
    path: str  # regex, searched in the path
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict | None = None
    times: int = 1
    after: bool = False  # handle the request first, then answer with the error
    delay: float = 0.0


@dataclass
class Hook:
    method: str
    path: str
    callback: Callable[[Request], None]
    after: bool = True
    times: int = 1


@dataclass
class GitHook:
    path: str  # regex, searched in the git request's path
    callback: Callable[[Request], None]
    contains: bytes = b""  # only requests whose body holds these bytes (a ref name)
    times: int = 1


class HttpError(Exception):
    def __init__(self, status: int, message: str, errors: list | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors


ROUTES: list[tuple[str, str, str]] = [
    ("GET", r"/repos/{repo}", "get_repo"),
    ("GET", r"/repos/{repo}/pulls", "list_pulls"),
    ("POST", r"/repos/{repo}/pulls", "create_pull"),
    ("GET", r"/repos/{repo}/pulls/(?P<n>\d+)", "get_pull"),
    ("PATCH", r"/repos/{repo}/pulls/(?P<n>\d+)", "edit_pull"),
    ("GET", r"/repos/{repo}/pulls/(?P<n>\d+)/reviews", "list_reviews"),
    ("GET", r"/repos/{repo}/pulls/(?P<n>\d+)/comments", "list_review_comments"),
    ("GET", r"/repos/{repo}/issues", "list_issues"),
    ("POST", r"/repos/{repo}/issues", "create_issue"),
    ("GET", r"/repos/{repo}/issues/(?P<n>\d+)", "get_issue"),
    ("PATCH", r"/repos/{repo}/issues/(?P<n>\d+)", "edit_issue"),
    ("GET", r"/repos/{repo}/issues/(?P<n>\d+)/comments", "list_comments"),
    ("POST", r"/repos/{repo}/issues/(?P<n>\d+)/comments", "create_comment"),
    ("GET", r"/repos/{repo}/issues/(?P<n>\d+)/reactions", "list_reactions"),
    ("GET", r"/repos/{repo}/issues/(?P<n>\d+)/labels", "list_issue_labels"),
    ("POST", r"/repos/{repo}/issues/(?P<n>\d+)/labels", "add_issue_labels"),
    ("GET", r"/repos/{repo}/labels", "list_labels"),
    ("POST", r"/repos/{repo}/labels", "create_label"),
    ("GET", r"/repos/{repo}/labels/(?P<label>[^/]+)", "get_label"),
    ("GET", r"/repos/{repo}/collaborators/(?P<user>[^/]+)/permission", "get_permission"),
    ("POST", r"/api/graphql", "graphql"),  # GHES's GraphQL path, beside /api/v3
]

PERMISSION = {"OWNER": "admin", "MEMBER": "write", "COLLABORATOR": "write"}


class FakeGitHub:
    def __init__(
        self, root: Path, *, owner: str = "acme", name: str = "app", token: str = "ghs_fake"
    ) -> None:
        self.owner, self.name, self.token = owner, name, token
        self.full_name = f"{owner}/{name}"
        self.git_root = root / "git-server"
        self.bare = self.git_root / owner / f"{name}.git"
        self.bare.mkdir(parents=True)
        self._git("init", "-q", "--bare", "-b", "main")
        self._git("config", "http.receivepack", "true")
        self.users: dict[str, str] = {owner: "OWNER", "gc-bot[bot]": "NONE"}
        self.bot = "gc-bot[bot]"  # who the token acts as
        self.issues: dict[int, dict] = {}  # number -> issue or pull request
        self.comments: dict[int, list[dict]] = {}
        self.reviews: dict[int, list[dict]] = {}
        self.review_comments: dict[int, list[dict]] = {}
        self.reactions: dict[int, list[dict]] = {}
        self.edits: dict[int, list[dict]] = {}  # an issue body's revisions (userContentEdits)
        self.labels: dict[str, dict] = {}
        self.requests: list[Request] = []
        self.git_requests: list[Request] = []
        self.faults: list[Fault] = []
        self.hooks: list[Hook] = []
        self.git_hooks: list[GitHook] = []
        self.rate_remaining = 5000
        self._ids = 1000
        self._epoch = datetime.now(UTC).replace(microsecond=0)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> FakeGitHub:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        fake = self

        class Handler(_Handler):
            github = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def git_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/git/{self.full_name}.git"

    @property
    def repo_url(self) -> str:
        return f"{self.api_url}/repos/{self.full_name}"

    def env(self) -> dict[str, str]:
        """What a GitHub Actions job would have in its environment."""
        return {
            "GITHUB_API_URL": self.api_url,
            "GITHUB_REPOSITORY": self.full_name,
            "GITHUB_SERVER_URL": f"http://127.0.0.1:{self.port}",
        }

    def auth_header(self) -> str:
        """The header a checkout step would send (actions/checkout's form)."""
        basic = base64.b64encode(f"x-access-token:{self.token}".encode()).decode()
        return f"Authorization: Basic {basic}"

    # -- knobs ---------------------------------------------------------------------------
    def fault(self, method: str, path: str, status: int, **kwargs: Any) -> Fault:
        fault = Fault(method, path, status, **kwargs)
        with self._lock:
            self.faults.append(fault)
        return fault

    def rate_limit(self, method: str, path: str, *, kind: str = "primary", seconds: int = 1):
        """A 403 as GitHub sends it for a primary (reset time) or secondary (Retry-After) limit."""
        if kind == "primary":
            reset = int(time.time()) + seconds
            headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
            message = "API rate limit exceeded for installation ID 1."
        else:
            headers = {"retry-after": str(seconds)}
            message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
        return self.fault(method, path, 403, headers=headers, body={"message": message})

    def slow(self, method: str, path: str, seconds: float, times: int = 1) -> Fault:
        return self.fault(method, path, 0, delay=seconds, times=times)

    def on(self, method: str, path: str, callback: Callable[[Request], None], **kwargs: Any):
        with self._lock:
            self.hooks.append(Hook(method, path, callback, **kwargs))

    def on_git(
        self, path: str, callback: Callable[[Request], None], *, contains: bytes = b"", times=1
    ) -> None:
        """Run `callback` before serving a matching git request (the request then goes on)."""
        with self._lock:
            self.git_hooks.append(GitHook(path, callback, contains, times))

    def pushes(self) -> list[tuple[str, str, str]]:
        """Every ref update pushed, in order: (old, new, ref); a deletion's new is all zeros."""
        updates = []
        for request in self.git_requests:
            if request.method == "POST" and request.path.endswith("/git-receive-pack"):
                updates += _ref_updates(request.body or b"")
        return updates

    def calls(self, method: str, path: str = "") -> list[Request]:
        return [r for r in self.requests if r.method == method and re.search(path, r.path)]

    # -- people acting -------------------------------------------------------------------
    def add_user(self, login: str, association: str) -> None:
        self.users[login] = association

    def pulls(self, state: str = "all") -> list[dict]:
        return [
            i
            for i in self.issues.values()
            if i["is_pull"] and (state == "all" or i["state"] == state)
        ]

    def pull_by_branch(self, branch: str) -> dict | None:
        found = [p for p in self.pulls() if p["head"] == branch]
        return found[-1] if found else None

    def review(self, number: int, login: str, state: str, body: str = "") -> None:
        """state: APPROVED, CHANGES_REQUESTED or COMMENTED."""
        with self._lock:
            issue = self.issues[number]
            self.reviews.setdefault(number, []).append(
                {
                    "id": self._id(),
                    "user": self._user(login),
                    "body": body,
                    "state": state,
                    "commit_id": self._sha(issue["head"]) or issue["head_sha"],
                    "submitted_at": self._now(),
                    "author_association": self.users.get(login, "NONE"),
                    "html_url": f"{self._html(number)}#pullrequestreview-{self._ids}",
                    "pull_request_url": f"{self.repo_url}/pulls/{number}",
                }
            )

    def comment(self, number: int, login: str, body: str) -> dict:
        with self._lock:
            return self._add_comment(number, login, body)

    def react(self, number: int, login: str, content: str) -> None:
        with self._lock:
            self.reactions.setdefault(number, []).append(
                {
                    "id": self._id(),
                    "node_id": f"REA_{self._ids}",
                    "user": self._user(login),
                    "content": content,
                    "created_at": self._now(),
                }
            )

    def review_comment(self, number: int, login: str, path: str, line: int, body: str) -> None:
        with self._lock:
            issue = self.issues[number]
            self.review_comments.setdefault(number, []).append(
                {
                    "id": self._id(),
                    "node_id": f"PRRC_{self._ids}",
                    "pull_request_review_id": None,
                    "diff_hunk": "@@",
                    "path": path,
                    "line": line,
                    "original_line": line,
                    "side": "RIGHT",
                    "position": line,
                    "original_position": line,
                    "commit_id": self._sha(issue["head"]) or issue["head_sha"],
                    "original_commit_id": issue["head_sha"],
                    "user": self._user(login),
                    "body": body,
                    "created_at": self._now(),
                    "updated_at": self._now(),
                    "author_association": self.users.get(login, "NONE"),
                    "html_url": f"{self._html(number)}#discussion_r{self._ids}",
                    "url": f"{self.repo_url}/pulls/comments/{self._ids}",
                    "pull_request_url": f"{self.repo_url}/pulls/{number}",
                }
            )

    def edit_body(self, number: int, login: str, body: str) -> None:
        """A person edits an issue's body (the web editor, or a click on a task-list box)."""
        with self._lock:
            self._edit_body(self.issues[number], login, body)

    def tick(self, number: int, login: str, text: str) -> None:
        """Tick the unticked box on the body's line that contains `text`, as `login`."""
        with self._lock:
            lines = self.issues[number]["body"].split("\n")
            [at] = [i for i, line in enumerate(lines) if "- [ ] " in line and text in line]
            lines[at] = lines[at].replace("- [ ] ", "- [x] ", 1)
            self._edit_body(self.issues[number], login, "\n".join(lines))

    def issues_only(self, state: str = "all") -> list[dict]:
        return [
            i
            for i in self.issues.values()
            if not i["is_pull"] and (state == "all" or i["state"] == state)
        ]

    def fork_pull(self, login: str, branch: str, body: str, title: str = "from a fork") -> dict:
        """A pull request from `login`'s fork whose branch is named `branch` (as a look-alike
        of gc-bot's would be); its head commit is main's, its repository the fork."""
        with self._lock:
            pr = self._new_issue(title, body, is_pull=True, head=branch, base="main")
            pr.update(user=login, fork=f"{login}/{self.name}", head_sha=self._sha("main"))
            return pr

    def close(self, number: int) -> None:
        with self._lock:
            issue = self.issues[number]
            issue["state"], issue["closed_at"], issue["updated_at"] = "closed", self._now(), None

    def merge(self, number: int, *, squash: bool = False, delete_branch: bool = False) -> str:
        """Merge a pull request in the bare repository, as the merge button does."""
        with self._lock:
            pr = self.issues[number]
            head, base = self._sha(pr["head"]), self._sha(pr["base"])
            assert head and base, "both branches must exist to merge"
            tree = self._git("merge-tree", "--write-tree", base, head).split()[0]
            parents = ["-p", base] if squash else ["-p", base, "-p", head]
            env = {
                "GIT_AUTHOR_NAME": "Maintainer",
                "GIT_AUTHOR_EMAIL": "m@example.com",
                "GIT_COMMITTER_NAME": "GitHub",
                "GIT_COMMITTER_EMAIL": "noreply@github.com",
            }
            message = f"Merge pull request #{number}"
            commit = self._git("commit-tree", tree, *parents, "-m", message, env=env)
            self._git("update-ref", f"refs/heads/{pr['base']}", commit, base)
            pr.update(state="closed", merged_at=self._now(), merge_commit_sha=commit)
            pr["closed_at"] = pr["merged_at"]
            pr["head_sha"] = head
            if delete_branch:
                self._git("update-ref", "-d", f"refs/heads/{pr['head']}")
            return commit

    def branches(self) -> dict[str, str]:
        out = self._git("for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads")
        return dict(line.split(" ") for line in out.splitlines() if line)

    def delete_branch(self, branch: str) -> None:
        self._git("update-ref", "-d", f"refs/heads/{branch}")

    # -- helpers -------------------------------------------------------------------------
    def _git(self, *args: str, env: dict[str, str] | None = None) -> str:
        import os

        done = subprocess.run(
            ["git", *args],
            cwd=self.bare,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
        )
        if done.returncode != 0:
            raise RuntimeError(f"git {args[0]} in the fake remote failed: {done.stderr}")
        return done.stdout.strip()

    def _sha(self, branch: str) -> str | None:
        done = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
            cwd=self.bare,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip() or None

    def _id(self) -> int:
        self._ids += 1
        return self._ids

    def _now(self) -> str:
        """The real clock, yet a second after the last event, so 'latest' is never a tie; never
        ahead of real time by more than a burst of events, since gc-bot compares these times
        with its own (a tick's release, stamped by gc-bot, must come after the close it undoes)."""
        self._epoch = max(
            datetime.now(UTC).replace(microsecond=0), self._epoch + timedelta(seconds=1)
        )
        return self._epoch.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _html(self, number: int) -> str:
        return f"http://127.0.0.1:{self.port}/{self.full_name}/pull/{number}"

    def _user(self, login: str) -> dict:
        uid = abs(hash(login)) % 100000
        return {
            "login": login,
            "id": uid,
            "node_id": f"U_{uid}",
            "type": "Bot" if login.endswith("[bot]") else "User",
            "site_admin": False,
            "url": f"{self.api_url}/users/{login}",
            "html_url": f"http://127.0.0.1:{self.port}/{login}",
        }

    def _repo_json(self) -> dict:
        return {
            "id": 1,
            "node_id": "R_1",
            "name": self.name,
            "full_name": self.full_name,
            "owner": self._user(self.owner),
            "private": False,
            "html_url": f"http://127.0.0.1:{self.port}/{self.full_name}",
            "url": self.repo_url,
            "clone_url": self.git_url,
            "default_branch": "main",
            "permissions": {"admin": False, "push": True, "pull": True},
        }

    def _label_json(self, name: str) -> dict:
        label = self.labels[name]
        return {
            "id": label["id"],
            "node_id": f"LA_{label['id']}",
            "url": f"{self.repo_url}/labels/{name}",
            "name": name,
            "color": label["color"],
            "description": label.get("description"),
            "default": False,
        }

    def _issue_json(self, issue: dict) -> dict:
        number = issue["number"]
        data = {
            "id": issue["id"],
            "node_id": f"I_{issue['id']}",
            "url": f"{self.repo_url}/issues/{number}",
            "repository_url": self.repo_url,
            "comments_url": f"{self.repo_url}/issues/{number}/comments",
            "html_url": self._html(number)
            if issue["is_pull"]
            else f"http://127.0.0.1:{self.port}/{self.full_name}/issues/{number}",
            "number": number,
            "state": issue["state"],
            "state_reason": None,
            "title": issue["title"],
            "body": issue["body"],
            "user": self._user(issue["user"]),
            "labels": [self._label_json(n) for n in issue["labels"]],
            "assignees": [],
            "locked": False,
            "comments": len(self.comments.get(number, [])),
            "created_at": issue["created_at"],
            "updated_at": issue["updated_at"] or issue["created_at"],
            "closed_at": issue["closed_at"],
            "author_association": self.users.get(issue["user"], "NONE"),
        }
        if issue["is_pull"]:
            data["pull_request"] = {
                "url": f"{self.repo_url}/pulls/{number}",
                "html_url": self._html(number),
                "merged_at": issue["merged_at"],
            }
        return data

    def _pull_json(self, pr: dict) -> dict:
        number = pr["number"]
        fork = pr.get("fork")
        head_sha = self._sha(pr["head"]) if pr["state"] == "open" and not fork else None
        head_sha = head_sha or pr["head_sha"]
        repo = self._repo_json()
        head_repo = {**repo, "full_name": fork, "name": self.name} if fork else repo
        head_owner = fork.split("/")[0] if fork else self.owner
        data = self._issue_json(pr)
        del data["pull_request"], data["repository_url"], data["comments"]
        data.update(
            {
                "url": f"{self.repo_url}/pulls/{number}",
                "issue_url": f"{self.repo_url}/issues/{number}",
                "review_comments_url": f"{self.repo_url}/pulls/{number}/comments",
                "comments_url": f"{self.repo_url}/issues/{number}/comments",
                "head": {
                    "label": f"{head_owner}:{pr['head']}",
                    "ref": pr["head"],
                    "sha": head_sha,
                    "repo": head_repo,
                    "user": self._user(head_owner),
                },
                "base": {
                    "label": f"{self.owner}:{pr['base']}",
                    "ref": pr["base"],
                    "sha": self._sha(pr["base"]),
                    "repo": repo,
                    "user": self._user(self.owner),
                },
                "merged_at": pr["merged_at"],
                "merge_commit_sha": pr["merge_commit_sha"],
                "merged": pr["merged_at"] is not None,
                "draft": False,
                "maintainer_can_modify": False,
                "mergeable": None,
                "comments": len(self.comments.get(number, [])),
                "review_comments": len(self.review_comments.get(number, [])),
            }
        )
        return data

    def _add_comment(self, number: int, login: str, body: str) -> dict:
        comment = {
            "id": self._id(),
            "node_id": f"IC_{self._ids}",
            "url": f"{self.repo_url}/issues/comments/{self._ids}",
            "html_url": f"{self._html(number)}#issuecomment-{self._ids}",
            "issue_url": f"{self.repo_url}/issues/{number}",
            "body": body,
            "user": self._user(login),
            "created_at": self._now(),
            "updated_at": None,
            "author_association": self.users.get(login, "NONE"),
        }
        comment["updated_at"] = comment["created_at"]
        self.comments.setdefault(number, []).append(comment)
        return comment

    def _issue(self, n: str, *, pull: bool | None = None) -> dict:
        issue = self.issues.get(int(n))
        if issue is None or (pull is True and not issue["is_pull"]):
            raise HttpError(404, "Not Found")
        return issue

    def _new_issue(self, title: str, body: str | None, **extra: Any) -> dict:
        number = len(self.issues) + 1
        issue = {
            "number": number,
            "id": self._id(),
            "title": title,
            "body": body,
            "state": "open",
            "user": self.bot,
            "labels": [],
            "created_at": self._now(),
            "updated_at": None,
            "closed_at": None,
            "is_pull": False,
            "merged_at": None,
            "merge_commit_sha": None,
            **extra,
        }
        self.issues[number] = issue
        return issue

    # -- REST handlers: (match groups, query, body) -> (status, json) --------------------
    def get_repo(self, m, q, body):
        return 200, self._repo_json()

    def list_pulls(self, m, q, body):
        state = q.get("state", "open")
        found = [p for p in self.pulls() if state == "all" or p["state"] == state]
        if "head" in q:
            found = [p for p in found if f"{_head_owner(p, self.owner)}:{p['head']}" == q["head"]]
        if "base" in q:
            found = [p for p in found if p["base"] == q["base"]]
        if q.get("direction", "desc" if q.get("sort") else "asc") == "desc":
            found = found[::-1]
        return 200, [self._pull_json(p) for p in found]

    def create_pull(self, m, q, body):
        head, base = body.get("head", ""), body.get("base", "")
        head = head.split(":", 1)[-1]
        missing = [k for k in ("title", "head", "base") if not body.get(k)]
        if missing:
            raise HttpError(
                422, "Validation Failed", [{"resource": "PullRequest", "code": "missing_field"}]
            )
        if self._sha(head) is None or self._sha(base) is None:
            field_name = "head" if self._sha(head) is None else "base"
            raise HttpError(
                422,
                "Validation Failed",
                [{"resource": "PullRequest", "field": field_name, "code": "invalid"}],
            )
        if any(
            p["head"] == head and p["state"] == "open" and not p.get("fork") for p in self.pulls()
        ):
            raise HttpError(
                422,
                "Validation Failed",
                [
                    {
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": f"A pull request already exists for {self.owner}:{head}.",
                    }
                ],
            )
        pr = self._new_issue(body["title"], body.get("body"), is_pull=True, head=head, base=base)
        pr["head_sha"] = self._sha(head)
        return 201, self._pull_json(pr)

    def get_pull(self, m, q, body):
        return 200, self._pull_json(self._issue(m["n"], pull=True))

    def edit_pull(self, m, q, body):
        pr = self._issue(m["n"], pull=True)
        self._edit(pr, body)
        return 200, self._pull_json(pr)

    def _edit_body(self, issue: dict, login: str, body: str) -> None:
        """A new revision of the body, in its edit history as GitHub keeps it (the original
        version first, once there is an edit)."""
        edits = self.edits.setdefault(issue["number"], [])
        if not edits:
            edits.append({"at": issue["created_at"], "login": issue["user"], "body": issue["body"]})
        issue["body"], issue["updated_at"] = body, self._now()
        edits.append({"at": issue["updated_at"], "login": login, "body": body})
        issue["last_edited"] = edits[-1]

    def _edit(self, issue: dict, body: dict) -> None:
        if "body" in body and body["body"] != issue["body"]:
            self._edit_body(issue, self.bot, body["body"])
        for key in ("title", "body"):
            if key in body:
                issue[key] = body[key]
        if body.get("state") == "closed" and issue["state"] == "open":
            issue["state"], issue["closed_at"] = "closed", self._now()
            if issue["is_pull"]:
                issue["head_sha"] = self._sha(issue["head"]) or issue.get("head_sha")
        elif body.get("state") == "open":
            issue["state"], issue["closed_at"] = "open", None
        if "labels" in body:
            issue["labels"] = [self._ensure_label(n) for n in body["labels"]]
        issue["updated_at"] = self._now()

    def list_reviews(self, m, q, body):
        self._issue(m["n"], pull=True)
        return 200, self.reviews.get(int(m["n"]), [])

    def list_review_comments(self, m, q, body):
        self._issue(m["n"], pull=True)
        return 200, self.review_comments.get(int(m["n"]), [])

    def list_issues(self, m, q, body):
        state = q.get("state", "open")
        found = [i for i in self.issues.values() if state == "all" or i["state"] == state]
        for label in filter(None, q.get("labels", "").split(",")):
            found = [i for i in found if label in i["labels"]]
        if q.get("direction", "desc") == "desc":  # GitHub's default: newest first
            found = found[::-1]
        return 200, [self._issue_json(i) for i in found]

    def create_issue(self, m, q, body):
        if not body.get("title"):
            raise HttpError(422, "Validation Failed", [{"resource": "Issue", "field": "title"}])
        issue = self._new_issue(body["title"], body.get("body"))
        issue["labels"] = [self._ensure_label(n) for n in body.get("labels", [])]
        return 201, self._issue_json(issue)

    def get_issue(self, m, q, body):
        return 200, self._issue_json(self._issue(m["n"]))

    def edit_issue(self, m, q, body):
        issue = self._issue(m["n"])
        self._edit(issue, body)
        return 200, self._issue_json(issue)

    def list_comments(self, m, q, body):
        self._issue(m["n"])
        return 200, self.comments.get(int(m["n"]), [])

    def create_comment(self, m, q, body):
        self._issue(m["n"])
        if not body.get("body"):
            raise HttpError(422, "Validation Failed", [{"resource": "IssueComment"}])
        return 201, self._add_comment(int(m["n"]), self.bot, body["body"])

    def list_reactions(self, m, q, body):
        self._issue(m["n"])
        return 200, self.reactions.get(int(m["n"]), [])

    def list_issue_labels(self, m, q, body):
        return 200, [self._label_json(n) for n in self._issue(m["n"])["labels"]]

    def add_issue_labels(self, m, q, body):
        issue = self._issue(m["n"])
        names = body.get("labels", []) if isinstance(body, dict) else body
        for name in names:
            name = self._ensure_label(name)
            if name not in issue["labels"]:
                issue["labels"].append(name)
        return 200, [self._label_json(n) for n in issue["labels"]]

    def _ensure_label(self, name: str) -> str:
        """GitHub creates a label that an issue is given and the repository lacks."""
        if name not in self.labels:
            self.labels[name] = {"id": self._id(), "color": "ededed"}
        return name

    def list_labels(self, m, q, body):
        return 200, [self._label_json(n) for n in self.labels]

    def create_label(self, m, q, body):
        name = body.get("name", "")
        if name in self.labels:
            raise HttpError(
                422,
                "Validation Failed",
                [{"resource": "Label", "code": "already_exists", "field": "name"}],
            )
        self.labels[name] = {
            "id": self._id(),
            "color": body.get("color", "ededed"),
            "description": body.get("description"),
        }
        return 201, self._label_json(name)

    def get_label(self, m, q, body):
        from urllib.parse import unquote

        name = unquote(m["label"])
        if name not in self.labels:
            raise HttpError(404, "Not Found")
        return 200, self._label_json(name)

    def graphql(self, m, q, body):
        """The one GraphQL query gc-bot sends: an issue body's edit history, GitHub's shape."""
        query, variables = body.get("query", ""), body.get("variables") or {}
        if "userContentEdits" not in query or "issue(number:" not in query:
            return 200, {"errors": [{"message": "fake GitHub: query not supported"}]}
        full_name = f"{variables.get('owner')}/{variables.get('name')}"
        issue = self.issues.get(int(variables.get("number") or 0))
        if full_name != self.full_name or issue is None:
            message = f"Could not resolve to an Issue with the number of {variables.get('number')}."
            return 200, {
                "data": {"repository": None},
                "errors": [{"type": "NOT_FOUND", "message": message}],
            }
        edits = self.edits.get(issue["number"], [])[-int(variables.get("last") or 100) :]
        last = issue.get("last_edited")
        return 200, {
            "data": {
                "repository": {
                    "issue": {
                        "lastEditedAt": last and last["at"],
                        "editor": last and self._actor(last["login"]),
                        "userContentEdits": {
                            "nodes": [
                                {
                                    "editedAt": e["at"],
                                    "diff": e["body"],
                                    "editor": self._actor(e["login"]),
                                }
                                for e in reversed(edits)  # newest first
                            ]
                        },
                    }
                }
            }
        }

    def _actor(self, login: str) -> dict:
        """GraphQL's Actor: a Bot's login is without REST's `[bot]` suffix."""
        return {"login": login.removesuffix("[bot]")}

    def get_permission(self, m, q, body):
        association = self.users.get(m["user"], "NONE")
        return 200, {
            "permission": PERMISSION.get(association, "read"),
            "role_name": PERMISSION.get(association, "read"),
            "user": self._user(m["user"]),
        }


class _Handler(BaseHTTPRequestHandler):
    github: FakeGitHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        gh = self.github
        url = urlsplit(self.path)
        raw = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.path.startswith("/git/"):
            self._serve_git(url.path[len("/git") :], url.query, headers, raw)
            return
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = None
        request = Request(self.command, url.path.removeprefix(API), query, headers, body)
        with gh._lock:
            gh.requests.append(request)
            if len(gh.requests) > MAX_REQUESTS:
                self._json(request, 500, {"message": "fake GitHub: too many requests"})
                return
            fault = self._take_fault(request)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.status and not fault.after:
            self._fault(request, fault)
            return
        if self._run_hooks(request, after=False):
            self.close_connection = True  # the request never arrived: dropped, not handled
            return
        if not self._authorised(headers):
            self._json(request, 401, {"message": "Bad credentials"})
            return
        try:
            with gh._lock:
                status, data = self._route(request, query, body)
        except HttpError as error:
            payload: dict[str, Any] = {"message": error.message, "documentation_url": DOCS}
            if error.errors:
                payload["errors"] = error.errors
            status, data = error.status, payload
        self._run_hooks(request, after=True)
        if fault and fault.status and fault.after:
            self._fault(request, fault)
            return
        self._json(request, status, data)

    def _take_fault(self, request: Request) -> Fault | None:
        for fault in self.github.faults:
            if (
                fault.times > 0
                and fault.method == request.method
                and re.search(fault.path, request.path)
            ):
                fault.times -= 1
                return fault
        return None

    def _run_hooks(self, request: Request, *, after: bool) -> bool:
        """Run the matching hooks; True when one ran (a `before` hook drops the request)."""
        ran = False
        for hook in list(self.github.hooks):
            matches = hook.method == request.method and re.search(hook.path, request.path)
            if matches and hook.after == after and hook.times > 0:
                hook.times -= 1
                ran = hook.callback(request) is not False
        return ran

    def _fault(self, request: Request, fault: Fault) -> None:
        body = fault.body or {"message": "Server Error" if fault.status >= 500 else "Error"}
        self._json(request, fault.status, {**body, "documentation_url": DOCS}, fault.headers)

    def _authorised(self, headers: dict[str, str]) -> bool:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        return scheme.lower() in ("token", "bearer") and value == self.github.token

    def _route(self, request: Request, query: dict, body: Any) -> tuple[int, Any]:
        repo = re.escape(self.github.full_name)
        for method, pattern, name in ROUTES:
            m = re.fullmatch(pattern.replace("{repo}", repo), request.path)
            if m and method == request.method:
                return getattr(self.github, name)(m.groupdict(), query, body or {})
        raise HttpError(404, "Not Found")

    def _json(
        self, request: Request, status: int, data: Any, extra: dict[str, str] | None = None
    ) -> None:
        gh = self.github
        request.status = status
        headers = {
            "content-type": "application/json; charset=utf-8",
            "x-github-api-version-selected": "2022-11-28",
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": str(gh.rate_remaining),
            "x-ratelimit-reset": str(int(time.time()) + 3600),
            "x-ratelimit-used": str(5000 - gh.rate_remaining),
            "x-ratelimit-resource": "core",
        }
        gh.rate_remaining = max(0, gh.rate_remaining - 1)
        if isinstance(data, list):
            data, link = self._page(request, data)
            if link:
                headers["link"] = link
        headers.update(extra or {})
        payload = json.dumps(data).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(payload)  # unless the client went away (a test killed it)

    def _page(self, request: Request, items: list) -> tuple[list, str | None]:
        per_page = max(1, min(100, int(request.query.get("per_page", 30))))
        page = max(1, int(request.query.get("page", 1)))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]

        def link(n: int, rel: str) -> str:
            query = urlencode({**request.query, "page": n})
            return f'<{self.github.api_url}{request.path}?{query}>; rel="{rel}"'

        links = []
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        return chunk, ", ".join(links) or None

    # -- git smart HTTP --------------------------------------------------------------------
    def _serve_git(self, path: str, query: str, headers: dict[str, str], raw: bytes) -> None:
        gh = self.github
        if headers.get("content-encoding") == "gzip":
            raw = gzip.decompress(raw)
            headers.pop("content-encoding")
        request = Request(self.command, path, parse_qs(query), headers, raw)
        with gh._lock:
            gh.git_requests.append(request)
            hooks = [
                h
                for h in gh.git_hooks
                if h.times > 0 and re.search(h.path, path) and h.contains in raw
            ]
            for hook in hooks:
                hook.times -= 1
        for hook in hooks:
            hook.callback(request)  # outside the lock: it may push through this server itself
        if not self._git_authorised(headers):
            request.status = 401
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="GitHub"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        import os

        env = {
            **os.environ,
            "GIT_PROJECT_ROOT": str(gh.git_root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": headers.get("content-type", ""),
            "CONTENT_LENGTH": str(len(raw)),
            "REMOTE_USER": "x-access-token",
            "REMOTE_ADDR": "127.0.0.1",
            "GIT_PROTOCOL": headers.get("git-protocol", ""),
            "HTTP_CONTENT_ENCODING": headers.get("content-encoding", ""),
        }
        done = subprocess.run(["git", "http-backend"], input=raw, capture_output=True, env=env)
        head, _, body = done.stdout.partition(b"\r\n\r\n")
        status, out_headers = 200, []
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                out_headers.append((name, value.strip()))
        request.status = status
        self.send_response(status)
        for name, value in out_headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _git_authorised(self, headers: dict[str, str]) -> bool:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                _, _, password = base64.b64decode(value).decode().partition(":")
            except ValueError:
                return False
            return password == self.github.token
        return scheme.lower() in ("bearer", "token") and value == self.github.token


def _head_owner(pr: dict, owner: str) -> str:
    """Whose repository a pull request's head is in: a fork's owner, else the repository's."""
    return pr["fork"].split("/")[0] if pr.get("fork") else owner


def _ref_updates(body: bytes) -> list[tuple[str, str, str]]:
    """The commands at the start of a receive-pack request: pkt-lines up to the first flush."""
    updates, at = [], 0
    while at + 4 <= len(body):
        size = int(body[at : at + 4], 16)
        if size == 0:
            break
        line = body[at + 4 : at + size].split(b"\0")[0].decode().strip()
        old, new, ref = line.split(" ", 2)
        updates.append((old, new, ref))
        at += size
    return updates


# -- for tests: the fixture, a seeded remote, fresh clones as a scheduled job makes them ------
def _run_git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test Person", "-c", "user.email=person@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def seed(fake: FakeGitHub, work: Path, files: dict[str, str]) -> Path:
    """A repository with `files` on main, pushed to the fake remote; returns the work copy."""
    import textwrap

    work.mkdir(parents=True)
    _run_git(work, "init", "-q", "-b", "main")
    for name, content in files.items():
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content), encoding="utf-8")
    _run_git(work, "add", "-A")
    _run_git(work, "commit", "-q", "-m", "initial")
    _run_git(work, "remote", "add", "origin", fake.git_url)
    _run_git(work, "-c", f"http.extraheader={fake.auth_header()}", "push", "-q", "origin", "main")
    return work


def fresh_clone(fake: FakeGitHub, dest: Path) -> Path:
    """`git clone` as a CI checkout does it (the token for this command only, not stored)."""
    _run_git(
        dest.parent,
        "-c",
        f"http.extraheader={fake.auth_header()}",
        "clone",
        "-q",
        fake.git_url,
        dest.name,
    )
    return dest


@pytest.fixture
def fake_github(tmp_path):
    with FakeGitHub(tmp_path / "github") as fake:
        yield fake
