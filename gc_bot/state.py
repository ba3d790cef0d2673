"""Where gc-bot keeps its own state: never in the user's working tree."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """`$XDG_CACHE_HOME/gc-bot`, else the platform's cache folder."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        base = Path(xdg) / "gc-bot"
    else:
        import platformdirs

        base = Path(platformdirs.user_cache_dir("gc-bot", appauthor=False))
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(
            f"gc-bot's cache folder {base} cannot be created: {error.strerror}"
        ) from error
    return base
