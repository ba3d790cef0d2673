"""Where teams run gc-bot: the workflows it ships and `gc-bot init`, which writes them."""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from gc_bot import __version__

WORKFLOWS_DIR = Path(__file__).parent / "workflows"
WORKFLOWS = ("gc-bot.yml", "gc-bot-feedback.yml")
_INSTALL = "@@INSTALL@@"


def pinned_install() -> str:
    """What a team's workflow installs: the gc-bot that wrote it, so an upgrade is a choice.

    gc-bot is not on PyPI yet: installed from a git URL, the workflows install that URL at the
    same commit; otherwise they name the version.
    """
    source = git_source(_direct_url())
    if source:
        return f'pip install "gc-bot @ {source}"'
    return f'pip install "gc-bot=={__version__}"'


def git_source(direct_url: Any) -> str | None:
    """`git+URL@COMMIT` from pip's record of a git install (PEP 610), without credentials."""
    if not isinstance(direct_url, dict) or not isinstance(direct_url.get("vcs_info"), dict):
        return None
    vcs, url = direct_url["vcs_info"], direct_url.get("url")
    commit = vcs.get("commit_id")
    if vcs.get("vcs") != "git" or not isinstance(url, str) or not isinstance(commit, str):
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return None  # a file:// or ssh clone is not reachable from a CI runner
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    clean = urlunsplit(("https", host, parts.path, "", ""))
    subdirectory = direct_url.get("subdirectory")
    tail = f"#subdirectory={subdirectory}" if isinstance(subdirectory, str) else ""
    return f"git+{clean}@{commit}{tail}"


def _direct_url() -> Any:
    try:
        text = distribution("gc-bot").read_text("direct_url.json")
        return json.loads(text) if text else None
    except (PackageNotFoundError, json.JSONDecodeError):
        return None


def render_workflow(name: str, install: str | None = None) -> str:
    """The shipped workflow `name`, installing gc-bot with `install` (default: pinned)."""
    text = (WORKFLOWS_DIR / name).read_text(encoding="utf-8")
    return text.replace(_INSTALL, install or pinned_install())
