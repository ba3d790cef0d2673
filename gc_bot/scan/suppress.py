"""`# gc-bot: ignore[principle-id]` comments, on the line or the line above."""

from __future__ import annotations

import re
from collections.abc import Sequence

_IGNORE = re.compile(r"#\s*gc-bot:\s*ignore\[([^\]]*)\]")


def suppressed(lines: Sequence[str], line: int, principle: str) -> bool:
    for number in (line, line - 1):
        if 1 <= number <= len(lines):
            for match in _IGNORE.finditer(lines[number - 1]):
                if principle in {name.strip() for name in match.group(1).split(",")}:
                    return True
    return False
