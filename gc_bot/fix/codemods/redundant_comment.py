"""Delete comments that only restate the line below them (`redundant-comment` findings).

The check runs again on the text it gets, and only comment lines that it still flags and that
a finding points at are deleted, whole lines, nothing else: a stale finding (the file changed
since the scan) deletes nothing, so the codemod never removes a line it was not meant to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import libcst as cst

from gc_bot.findings import Finding
from gc_bot.fix.codemods import Codemod, register_codemod
from gc_bot.scan.checks.redundant_comment import RedundantComment
from gc_bot.scan.parsed import ParsedFile


@register_codemod
class DeleteRedundantComments(Codemod):
    check = RedundantComment.name

    def fix(self, text: str, path: str, findings: Sequence[Finding], options: Any) -> str | None:
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError:
            return None
        flagged = {
            hit.line for hit in RedundantComment().run(ParsedFile(path, text, module), None).hits
        }
        doomed = {f.line for f in findings if f.line in flagged}
        if not doomed:
            return None
        lines = text.splitlines(keepends=True)
        fixed = "".join(line for number, line in enumerate(lines, 1) if number not in doomed)
        try:
            cst.parse_module(fixed)
        except cst.ParserSyntaxError:
            return None
        return fixed
