"""Where teams run gc-bot: the workflows it ships and `gc-bot init`, which writes them."""

from __future__ import annotations

from pathlib import Path

from gc_bot import __version__

WORKFLOWS_DIR = Path(__file__).parent / "workflows"
WORKFLOWS = ("gc-bot.yml", "gc-bot-feedback.yml")
_INSTALL = "@@INSTALL@@"


def pinned_install() -> str:
    """What a team's workflow installs: the gc-bot that wrote it, so an upgrade is a choice."""
    return f'pip install "gc-bot=={__version__}"'


def render_workflow(name: str, install: str | None = None) -> str:
    """The shipped workflow `name`, installing gc-bot with `install` (default: pinned)."""
    text = (WORKFLOWS_DIR / name).read_text(encoding="utf-8")
    return text.replace(_INSTALL, install or pinned_install())
