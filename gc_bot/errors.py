"""Errors that end a command with a clear message instead of a traceback."""

from __future__ import annotations


class GcBotError(Exception):
    """An error the user can act on; the CLI prints it and exits with `exit_code`."""

    exit_code = 2


class UsageError(GcBotError):
    """Bad flags, a bad configuration value, a path that is not a repository."""


class OperationalError(GcBotError):
    """Something outside the user's input failed (ruff crashed, git refused)."""

    exit_code = 1
