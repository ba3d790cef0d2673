"""Errors that end a command with a clear message instead of a traceback."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class GcBotError(Exception):
    """An error the user can act on; the CLI prints it and exits with `exit_code`."""

    exit_code = 2


class UsageError(GcBotError):
    """Bad flags, a bad configuration value, a path that is not a repository."""


class OperationalError(GcBotError):
    """Something outside the user's input failed (ruff crashed, git refused)."""

    exit_code = 1


def near_match(word: str, known: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest of `known`, or '' when none is close."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
