"""Warnings on stderr, each cause once per command, however many times a stage meets it."""

from __future__ import annotations

import logging
import sys


class _Once(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message in self.seen:
            return False
        self.seen.add(message)
        return True


def setup() -> None:
    """One handler on gc-bot's loggers (warnings and worse), repeats dropped."""
    logger = logging.getLogger("gc_bot")
    if any(getattr(h, "gc_bot", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.gc_bot = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("gc-bot: warning: %(message)s"))
    handler.addFilter(_Once())
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
