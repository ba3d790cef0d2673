"""The Jinja2 environment for the reports' templates in `gc_bot/templates/`."""

from __future__ import annotations

import jinja2


def environment(*, html: bool = False) -> jinja2.Environment:
    """Autoescaping for HTML: people's words (rejection reasons, summaries) are data."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("gc_bot", "templates"),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
