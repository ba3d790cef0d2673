"""The public API for a team's own checks (`principles/checks/*.py`); everything else is internal.

A check is a class with a `name`, optional pydantic `Options`, and a `run` method that gets
the parsed file (libcst module, text, lines, statement positions) and returns a `FileResult`
of `Hit`s (1-based lines and columns). Register it with `@register`; a principle then names
it with `detect: {check: NAME}` and proves it with its examples (`gc-bot principles test`)::

    import libcst as cst
    from gc_bot.api import Check, FileResult, Hit, ParsedFile, register

    @register
    class NoEval(Check):
        name = "no-eval"

        def run(self, source: ParsedFile, options) -> FileResult:
            hits = []
            for statement in source.statements:
                ...
            return FileResult(hits)

These names are kept stable across gc-bot releases.
"""

from gc_bot.scan.checks import Check, FileResult, Hit, NoOptions, register
from gc_bot.scan.parsed import ParsedFile

__all__ = ["Check", "FileResult", "Hit", "NoOptions", "ParsedFile", "register"]
