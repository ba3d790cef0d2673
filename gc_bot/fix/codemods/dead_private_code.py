"""Codemod for `dead-private-code`: delete the dead definitions a finding points at.

Each flagged module-level function or class goes with its decorators and the comment lines
directly above it (no blank line between); a comment separated from it by a blank line (a
section heading) stays. Module-level imports that only the deleted code used go too, since
the fix would otherwise leave an unused import behind (a new finding, so validation would
refuse it); a name that still appears anywhere else in the file (code, string, comment,
`__all__`) is kept, and an `__init__.py` keeps its imports (they may be re-exports).
Everything else stays byte for byte as it was.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import libcst as cst

from gc_bot.findings import Finding
from gc_bot.fix.codemods import Codemod, register_codemod
from gc_bot.scan.parsed import ParsedFile

_NAME_IN_MESSAGE = re.compile(r"`(\w+)`")
_WORD = re.compile(r"\w+")


@register_codemod
class DeadPrivateCode(Codemod):
    check = "dead-private-code"

    def fix(self, text: str, path: str, findings: Sequence[Finding], options: Any) -> str | None:
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError:
            return None
        source = ParsedFile(path, text, module)
        targets = _targets(source, findings)
        if not targets:
            return None
        deleted = "\n".join(module.code_for_node(node) for node in targets.values())
        module = module.visit(_Delete(set(targets)))
        if not path.endswith("__init__.py"):
            module = _drop_unused_imports(module, deleted)
        new_text = module.code
        try:
            cst.parse_module(new_text)
        except cst.ParserSyntaxError:
            return None
        return new_text if new_text != text else None


def _targets(source: ParsedFile, findings: Sequence[Finding]) -> dict[int, cst.CSTNode]:
    """The module-level definitions the findings point at, by node id."""
    wanted = {}
    for finding in findings:
        match = _NAME_IN_MESSAGE.search(finding.message)
        wanted[finding.line] = match.group(1) if match else None
    found: dict[int, cst.CSTNode] = {}
    for statement in source.of_type(cst.FunctionDef, cst.ClassDef):
        node = statement.node
        if any(isinstance(p, cst.FunctionDef | cst.ClassDef) for p in statement.parents):
            continue
        line = source.position(node)[0]
        if line in wanted and wanted[line] in (None, node.name.value):
            found[id(node)] = node
    return found


class _Delete(cst.CSTTransformer):
    """Drop the target statements from whichever statement list holds them."""

    def __init__(self, targets: set[int]) -> None:
        super().__init__()
        self.targets = targets

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        body, footer = self._filter(original.body, updated.body, updated.footer)
        return updated.with_changes(body=body, footer=footer)

    def leave_IndentedBlock(
        self, original: cst.IndentedBlock, updated: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body, footer = self._filter(original.body, updated.body, updated.footer)
        if not body:
            return updated  # deleting it would leave the block empty: leave it to a person
        return updated.with_changes(body=body, footer=footer)

    def _filter(self, original: Sequence, updated: Sequence, footer: Sequence[cst.EmptyLine]):
        if not any(id(node) in self.targets for node in original):
            return list(updated), footer
        kept: list = []
        carry: list[cst.EmptyLine] = []  # comments of deleted nodes that belong to what follows
        first_blank: list[cst.EmptyLine] | None = None  # blank lines before a deleted first node
        for before, after in zip(original, updated, strict=True):
            if id(before) in self.targets:
                carry += _unattached(after.leading_lines)
                if not kept and first_blank is None:
                    first_blank = _leading_blanks(after.leading_lines)
                continue
            if carry or (first_blank is not None and not kept):
                lines = list(after.leading_lines)
                if not kept and first_blank is not None and not carry:
                    lines = first_blank + lines[len(_leading_blanks(lines)) :]
                after = after.with_changes(leading_lines=[*carry, *lines])
                carry = []
            kept.append(after)
        return kept, [*carry, *footer]


def _leading_blanks(lines: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    blanks = []
    for line in lines:
        if line.comment is not None:
            break
        blanks.append(line)
    return blanks


def _unattached(lines: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    """The comment lines above a definition that a blank line separates from it, if any."""
    lines = list(lines)
    while lines and lines[-1].comment is not None:  # the comment block attached to it
        lines.pop()
    while lines and lines[-1].comment is None:  # the blank lines before that block
        lines.pop()
    return lines


def _drop_unused_imports(module: cst.Module, deleted: str) -> cst.Module:
    """Module-level imports whose names only the deleted code used go with it."""
    imports = "\n".join(
        module.code_for_node(statement)
        for statement in module.body
        if isinstance(statement, cst.SimpleStatementLine)
        and any(isinstance(small, cst.Import | cst.ImportFrom) for small in statement.body)
    )
    still_used = Counter(_WORD.findall(module.code))
    still_used.subtract(_WORD.findall(imports))
    orphans = {word for word in set(_WORD.findall(deleted)) if still_used[word] <= 0}
    if not orphans:
        return module
    body = []
    gone: set[int] = set()
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            new = _without_names(statement, orphans)
            if new is None:
                gone.add(id(statement))
            elif new is not statement:
                statement = new
        body.append(statement)
    module = module.with_changes(body=body)
    return module.visit(_Delete(gone)) if gone else module


def _without_names(
    line: cst.SimpleStatementLine, orphans: set[str]
) -> cst.SimpleStatementLine | None:
    """The import line without the aliases that bind an orphaned name; None if none are left."""
    if len(line.body) != 1 or not isinstance(line.body[0], cst.Import | cst.ImportFrom):
        return line
    statement = line.body[0]
    if isinstance(statement, cst.ImportFrom):
        module_name = statement.module
        if isinstance(statement.names, cst.ImportStar) or (
            isinstance(module_name, cst.Name) and module_name.value == "__future__"
        ):
            return line
    aliases = list(statement.names)
    keep = [alias for alias in aliases if _bound_name(alias) not in orphans]
    if len(keep) == len(aliases):
        return line
    if not keep:
        return None
    last_comma = aliases[-1].comma
    keep[-1] = keep[-1].with_changes(comma=last_comma)
    return line.with_changes(body=[statement.with_changes(names=keep)])


def _bound_name(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None:
        name = alias.asname.name
        return name.value if isinstance(name, cst.Name) else None
    node = alias.name
    while isinstance(node, cst.Attribute):  # `import a.b` binds `a`
        node = node.value
    return node.value if isinstance(node, cst.Name) else None
