"""Narrow a silent broad handler where what the `try` can raise is unambiguous.

Only three shapes qualify: a `try` of nothing but imports (ImportError), of nothing but
filesystem calls from `os`/`shutil` (OSError), and of one `int(name)`/`float(name)` conversion
((TypeError, ValueError)). Anything else is left for the agent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from gc_bot.findings import Finding
from gc_bot.fix.codemods import Codemod, register_codemod
from gc_bot.scan.checks.silent_except import is_broad, swallows

_FS_CALLS = {
    ("os", "remove"),
    ("os", "unlink"),
    ("os", "rmdir"),
    ("os", "mkdir"),
    ("os", "makedirs"),
    ("os", "rename"),
    ("os", "replace"),
    ("os", "chmod"),
    ("os", "symlink"),
    ("shutil", "rmtree"),
    ("shutil", "copy"),
    ("shutil", "copyfile"),
    ("shutil", "move"),
}


@register_codemod
class NarrowSilentExcept(Codemod):
    check = "silent-except"

    def fix(self, text: str, path: str, findings: Sequence[Finding], options: Any) -> str | None:
        module = cst.parse_module(text)
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        narrowing = _Narrow(wrapper.resolve(PositionProvider), {f.line for f in findings})
        new = module.visit(narrowing)
        return new.code if narrowing.changed else None


class _Narrow(cst.CSTTransformer):
    def __init__(self, positions, lines: set[int]) -> None:
        super().__init__()
        self.positions = positions
        self.lines = lines
        self.changed = False

    def leave_Try(self, original: cst.Try, updated: cst.Try) -> cst.Try:
        exception = _raised_by(original.body.body)
        if exception is None:
            return updated
        handlers = []
        for before, after in zip(original.handlers, updated.handlers, strict=True):
            line = self.positions[before].start.line
            if line in self.lines and is_broad(before) and swallows(before.body.body):
                after = after.with_changes(
                    type=cst.parse_expression(exception),
                    whitespace_after_except=cst.SimpleWhitespace(" "),
                )
                self.changed = True
            handlers.append(after)
        return updated.with_changes(handlers=handlers)


def _raised_by(body: Sequence[cst.BaseStatement]) -> str | None:
    small = []
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            return None
        small += statement.body
    if not small:
        return None
    if all(isinstance(node, cst.Import | cst.ImportFrom) for node in small):
        return "ImportError"
    calls = [_call_of(node) for node in small]
    if all(call is not None and _dotted(call.func) in _FS_CALLS for call in calls):
        return "OSError"
    if len(calls) == 1 and calls[0] is not None and _is_conversion(calls[0]):
        return "(TypeError, ValueError)"
    return None


def _call_of(node: cst.BaseSmallStatement) -> cst.Call | None:
    value = getattr(node, "value", None)
    if isinstance(node, cst.Expr | cst.Assign | cst.Return) and isinstance(value, cst.Call):
        return value
    return None


def _dotted(func: cst.BaseExpression) -> tuple[str, str] | None:
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        return func.value.value, func.attr.value
    return None


def _is_conversion(call: cst.Call) -> bool:
    """`int(x)` or `float(obj.attr)`: a conversion of a plain name, which can raise nothing else."""
    if not (
        isinstance(call.func, cst.Name)
        and call.func.value in {"int", "float"}
        and len(call.args) == 1
    ):
        return False
    value = call.args[0].value
    while isinstance(value, cst.Attribute):
        value = value.value
    return isinstance(value, cst.Name) and not call.args[0].star
