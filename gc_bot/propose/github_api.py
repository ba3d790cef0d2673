"""Talking to GitHub: the token, the PyGithub client, and git pushes that carry the token.

The token is `GC_BOT_TOKEN` when set (a GitHub App installation token or a personal token,
so the repository's CI runs on gc-bot's pull requests), else `GITHUB_TOKEN`. It is passed to
git per command through `http.extraheader` in the environment (`GIT_CONFIG_*`), so it is
never in `.git/config` nor in a process's arguments, and it is masked in every error.
"""

from __future__ import annotations

import base64
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from gc_bot.errors import OperationalError, UsageError
from gc_bot.fix.secrets import mask_secrets
from gc_bot.git import Git

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"
BOT_PREFIX = "gc-bot/"
# A proposal's branch: gc-bot/<principle>/<10 hex>; the only branches gc-bot ever pushes
# besides its ledger.
PROPOSAL_BRANCH = re.compile(r"gc-bot/(?P<principle>[a-z0-9][a-z0-9-]*)/(?P<id>[0-9a-f]{10})")
LEDGER_BRANCH = "gc-bot/feedback"
PUSH_ATTEMPTS = 3
T = TypeVar("T")


class GitHubError(OperationalError):
    """GitHub or the push failed after retries; the message never holds the token."""


@dataclass(frozen=True)
class GitHubTarget:
    """Which repository, through which API, with which token (and where it came from)."""

    repository: str
    api_url: str
    server_url: str
    token: str
    token_source: str  # the variable's name, never its value

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> GitHubTarget:
        repository = env.get("GITHUB_REPOSITORY", "")
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", repository):
            raise UsageError("the github forge needs GITHUB_REPOSITORY=owner/name")
        for source in ("GC_BOT_TOKEN", "GITHUB_TOKEN"):
            if env.get(source):
                return cls(
                    repository=repository,
                    api_url=(env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
                    server_url=(env.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL).rstrip("/"),
                    token=env[source],
                    token_source=source,
                )
        raise UsageError("the github forge needs a token: set GC_BOT_TOKEN (or GITHUB_TOKEN)")

    def mask(self, text: str) -> str:
        """`text` without the token in any form git or HTTP could have echoed it."""
        for form in self._token_forms():
            text = text.replace(form, "***")
        return mask_secrets(text)

    def _token_forms(self) -> list[str]:
        basic = base64.b64encode(f"x-access-token:{self.token}".encode()).decode()
        return [basic, self.token]

    def git_env(self) -> dict[str, str]:
        """git's configuration for one command: the token as an extra header, nothing stored."""
        basic = base64.b64encode(f"x-access-token:{self.token}".encode()).decode()
        return {
            "GIT_CONFIG_COUNT": "2",
            # An empty value first resets any extraheader a checkout step left in .git/config,
            # so that GitHub never sees two Authorization headers.
            "GIT_CONFIG_KEY_0": "http.extraheader",
            "GIT_CONFIG_VALUE_0": "",
            "GIT_CONFIG_KEY_1": "http.extraheader",
            "GIT_CONFIG_VALUE_1": f"Authorization: Basic {basic}",
            "GIT_ASKPASS": "true",
        }


def client(target: GitHubTarget) -> Any:
    """PyGithub against `target.api_url`, retrying 5xx and rate limits with `GithubRetry`.

    `GC_BOT_GITHUB_PACING=0` turns off PyGithub's pause between requests (for test servers);
    on GitHub itself the pause is what its guidance against secondary rate limits asks for.
    """
    import github

    pacing = os.environ.get("GC_BOT_GITHUB_PACING") != "0"
    retry = github.GithubRetry(
        total=int(os.environ.get("GC_BOT_GITHUB_RETRIES", "5")),
        backoff_factor=1.0 if pacing else 0.05,
        secondary_rate_wait=60 if pacing else 1,
        max_rate_limit_wait=900,
    )
    extra: dict[str, Any] = {} if pacing else {"seconds_between_requests": 0}
    if not pacing:
        extra["seconds_between_writes"] = 0
    return github.Github(
        auth=github.Auth.Token(target.token),
        base_url=target.api_url,
        retry=retry,
        timeout=30,
        per_page=100,
        lazy=True,
        **extra,
    )


@contextmanager
def api_errors(target: GitHubTarget, doing: str) -> Iterator[None]:
    """PyGithub's and the network's exceptions as one GitHubError, token masked."""
    import github
    import requests

    try:
        yield
    except github.GithubException as error:
        message = error.data.get("message") if isinstance(error.data, dict) else error.data
        raise GitHubError(target.mask(f"API error {doing}: {error.status} {message}")) from None
    except (requests.RequestException, OSError) as error:
        raise GitHubError(target.mask(f"API error {doing}: {error}")) from None


def already_exists(error: Any) -> bool:
    """GitHub's 422 for a pull request (or label) that exists: the idempotent case."""
    data = getattr(error, "data", None)
    if getattr(error, "status", None) != 422 or not isinstance(data, dict):
        return False
    for item in data.get("errors") or []:
        if isinstance(item, dict) and (
            item.get("code") == "already_exists" or "already exists" in str(item.get("message"))
        ):
            return True
    return False


def push(
    git: Git,
    target: GitHubTarget,
    refspecs: list[str],
    *,
    force: bool = False,
    lease: Mapping[str, str] | None = None,
) -> None:
    """Push gc-bot's own branches to `origin`, retried; never any other branch.

    `lease` (branch -> the tip it must still have, "" for none) force-pushes only over that
    tip, so a commit someone pushed meanwhile is never overwritten.
    """
    for spec in refspecs:
        dest = spec.rsplit(":", 1)[-1].removeprefix("+").removeprefix("refs/heads/")
        if not own_branch(dest):
            raise GitHubError(f"refusing to push {dest!r}: gc-bot pushes only its own branches")
    leases = [f"--force-with-lease=refs/heads/{b}:{tip}" for b, tip in (lease or {}).items()]
    args = ["push", "--porcelain", *(["--force"] if force else []), *leases, "origin", *refspecs]
    _retrying(lambda: run_git(git, target, args), "push")


def own_branch(branch: str) -> bool:
    """A proposal's branch or the ledger's: the only branches gc-bot may push or delete."""
    return bool(PROPOSAL_BRANCH.fullmatch(branch)) or branch == LEDGER_BRANCH


def fetch(git: Git, target: GitHubTarget, refspec: str) -> None:
    _retrying(lambda: run_git(git, target, ["fetch", "--quiet", "origin", refspec]), "fetch")


def run_git(git: Git, target: GitHubTarget, args: list[str]) -> str:
    """One git command against `origin` with the token; its errors masked."""
    try:
        return git.run(*args, env=target.git_env())
    except OperationalError as error:
        raise GitHubError(target.mask(str(error))) from None


def _retrying(action: Callable[[], T], what: str, attempts: int = PUSH_ATTEMPTS) -> T:
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except GitHubError as error:
            if attempt == attempts or "rejected" in str(error) or "refusing" in str(error):
                raise GitHubError(f"git {what} failed: {error}") from None
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")
