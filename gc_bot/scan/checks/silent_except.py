"""`silent-except`: a broad handler that swallows the error."""

from __future__ import annotations

import libcst as cst

from gc_bot.scan.checks import Check, FileResult, Hit, register
from gc_bot.scan.parsed import ParsedFile

_BROAD = {"Exception", "BaseException"}
_LOGGERS = {"log", "logger", "logging", "_log", "_logger", "LOG", "LOGGER"}
_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}


@register
class SilentExcept(Check):
    name = "silent-except"

    def run(self, source: ParsedFile, options: object) -> FileResult:
        hits = []
        for statement in source.of_type(cst.Try):
            for handler in statement.node.handlers:
                if is_broad(handler) and swallows(handler.body.body) and not _explained(handler):
                    line, column, end_line, end_column = source.position(handler)
                    what = (
                        "bare `except:`"
                        if handler.type is None
                        else f"`except {_name(handler.type)}`"
                    )
                    hits.append(
                        Hit(line, column, end_line, end_column, f"{what} swallows the error")
                    )
        return FileResult(hits)


def _explained(handler: cst.ExceptHandler) -> bool:
    """A comment inside the handler says why swallowing is right here: a decision, not slop."""
    body = handler.body
    if isinstance(body, cst.IndentedBlock):
        if body.header.comment is not None:
            return True
        return any(
            line.comment
            for statement in body.body
            for line in getattr(statement, "leading_lines", ())
        )
    return False


def _name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Tuple):
        return "(" + ", ".join(_name(el.value) for el in node.elements) + ")"
    return "..."


def is_broad(handler: cst.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    kinds = (
        [el.value for el in handler.type.elements]
        if isinstance(handler.type, cst.Tuple)
        else [handler.type]
    )
    return any(_name(kind) in _BROAD for kind in kinds)


def swallows(body) -> bool:
    small = []
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            return False
        small += statement.body
    return bool(small) and all(_is_quiet(node) for node in small)


def _is_quiet(node: cst.BaseSmallStatement) -> bool:
    if isinstance(node, cst.Pass | cst.Continue | cst.Break):
        return True
    if isinstance(node, cst.Return):
        return node.value is None or _is_constant(node.value)
    if isinstance(node, cst.Expr):
        value = node.value
        return isinstance(
            value, cst.Ellipsis | cst.SimpleString | cst.ConcatenatedString
        ) or _is_log_call(value)
    return False


def _is_constant(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Name):
        return node.value in {"None", "True", "False"}
    if isinstance(node, cst.UnaryOperation):
        return _is_constant(node.expression)
    if isinstance(node, cst.List | cst.Tuple | cst.Set | cst.Dict):
        return not getattr(node, "elements", None)
    return isinstance(node, cst.BaseNumber | cst.BaseString | cst.Ellipsis)


def _is_log_call(node: cst.BaseExpression) -> bool:
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return False
    owner, method = node.func.value, node.func.attr.value
    owner_name = (
        owner.attr.value if isinstance(owner, cst.Attribute) else getattr(owner, "value", "")
    )
    return method in _LOG_METHODS and isinstance(owner_name, str) and owner_name in _LOGGERS
