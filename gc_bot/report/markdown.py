"""`gc-bot report --format markdown`: the overview for `$GITHUB_STEP_SUMMARY` and issues.

GitHub takes at most 1 MiB per step summary; long tables are cut to their worst rows first,
and the text is cut with a note if it is still too long.
"""

from __future__ import annotations

import re

from gc_bot.report.overview import GRADES, WEIGHTS, Overview
from gc_bot.report.templates import environment

SUMMARY_LIMIT = 1024 * 1024
MAX_PACKAGES = 40
MAX_OPEN = 50
TREND_RUNS = 8
_TABLE_BREAKERS = re.compile(r"[|\r\n<>`]")


def cell(value: object) -> str:
    """Text safe inside a Markdown table cell: no pipes, line breaks or raw HTML."""
    replacements = {"|": "\\|", "\r": " ", "\n": " ", "<": "&lt;", ">": "&gt;", "`": "'"}
    return _TABLE_BREAKERS.sub(lambda m: replacements[m.group()], str(value))


def grade_scale() -> str:
    bounds = [f"{letter} under {bound:g}" for letter, bound in GRADES]
    return ", ".join(bounds) + f", F from {GRADES[-1][1]:g}"


def trend_text(values: list[int | None]) -> str:
    known = [str(v) for v in values[-TREND_RUNS:] if v is not None]
    return " → ".join(known) if known else "–"


def render_markdown(overview: Overview, limit: int = SUMMARY_LIMIT) -> str:
    env = environment()
    env.filters["cell"] = cell
    text = env.get_template("report.md.j2").render(
        o=overview,
        packages=overview.packages[:MAX_PACKAGES],
        more_packages=max(0, len(overview.packages) - MAX_PACKAGES),
        open=overview.open[:MAX_OPEN],
        more_open=max(0, len(overview.open) - MAX_OPEN),
        trends={p.principle: trend_text(overview.trend(p.principle)) for p in overview.principles},
        weights=WEIGHTS,
        scale=grade_scale(),
    )
    return fit(text, limit)


def fit(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8, cut at a line with a note saying so."""
    if len(text.encode()) <= limit:
        return text
    note = "\n\n_… the report was cut here: a step summary holds at most 1 MiB._\n"
    room = limit - len(note.encode())
    cut = text.encode()[:room].decode("utf-8", "ignore")
    return cut[: cut.rfind("\n")] + note
