"""`silent-except`: a broad handler that swallows the error."""

from __future__ import annotations

import libcst as cst

from gc_bot.scan.checks import Check, FileResult, Hit, register
from gc_bot.scan.parsed import ParsedFile

_BROAD = {"Exception", "BaseException"}
_LOGGERS = {"log", "logger", "logging", "_log", "_logger", "LOG", "LOGGER"}
_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}


# Functions whose contract is not to raise: a best-effort closer, a `*_safe` variant.
_CLOSERS = {"close", "aclose", "dispose", "cleanup", "shutdown", "terminate", "release", "__del__"}
_CLOSER_CALLS = _CLOSERS | {"kill", "unlink", "remove", "rollback", "stop", "join", "cancel"}
# Log levels at which a message reaches an operator (debug and info are usually off).
_LOUD = {"warning", "warn", "error", "exception", "critical"}


@register
class SilentExcept(Check):
    """A broad handler that swallows the error, unless the code says it is meant to.

    Meant: a comment in the handler or on the line above the `except` gives the reason; the
    handler re-raises (also through `with ...reraise()`, or keeps `sys.exc_info()` for later), or logs at warning or above or with the
    traceback; or the function's contract is not to raise (`*_safe`, an `is_*`/`has_*` test that
    answers False, a best-effort closer; `except Exception` only, never a bare `except:`). There ruff's E722/S110/S112 are not reported either.
    """

    name = "silent-except"

    def run(self, source: ParsedFile, options: object) -> FileResult:
        result = FileResult()
        for statement in source.of_type(cst.Try):
            function = statement.enclosing(cst.FunctionDef)
            for handler in statement.node.handlers:
                if not is_broad(handler):
                    continue
                line, column, end_line, end_column = source.position(handler)
                if meant(handler, statement.node, function):
                    result.quiet.append((line, end_line))
                elif swallows(handler.body.body):
                    what = (
                        "bare `except:`"
                        if handler.type is None
                        else f"`except {_name(handler.type)}`"
                    )
                    result.hits.append(
                        Hit(line, column, end_line, end_column, f"{what} {_verb(handler)}")
                    )
        return result


def meant(handler: cst.ExceptHandler, statement: cst.Try, function: cst.CSTNode | None) -> bool:
    """Whether the code says that this handler does what it is meant to."""
    return (
        _explained(handler)
        or _reraises(handler.body)
        or any(_is_log_call(node, loud_only=True) for node in _nodes(handler.body))
        or (
            _catches_exception_only(handler)
            and _contract_not_to_raise(handler, statement, function)
        )
    )


def _catches_exception_only(handler: cst.ExceptHandler) -> bool:
    """Not bare, not BaseException: Ctrl-C and SystemExit still get through."""
    return handler.type is not None and "BaseException" not in _name(handler.type)


def _verb(handler: cst.ExceptHandler) -> str:
    if any(_is_log_call(node) for node in _nodes(handler.body)):
        return "logs below warning level, without the traceback, and carries on"
    return "swallows the error"


def _explained(handler: cst.ExceptHandler) -> bool:
    """A comment in the handler, or right above its `except`, says why: a decision, not slop."""
    if any(line.comment for line in handler.leading_lines[-1:]):
        return True
    body = handler.body
    if isinstance(body, cst.IndentedBlock):
        if body.header.comment is not None:
            return True
        return any(
            line.comment
            for statement in body.body
            for line in getattr(statement, "leading_lines", ())
        )
    return (
        isinstance(body, cst.SimpleStatementSuite) and body.trailing_whitespace.comment is not None
    )


def _reraises(node: cst.CSTNode) -> bool:
    """It raises, re-raises through `with ...reraise()`, or keeps `sys.exc_info()` to raise it
    once the cleanup after it is done."""
    for child in _nodes(node):
        if isinstance(child, cst.Raise):
            return True
        if isinstance(child, cst.WithItem) and "reraise" in _dotted(child.item).lower():
            return True
        if isinstance(child, cst.Call) and _dotted(child.func) in {"sys.exc_info", "exc_info"}:
            return True
    return False


def _contract_not_to_raise(
    handler: cst.ExceptHandler, statement: cst.Try, function: cst.CSTNode | None
) -> bool:
    name = function.name.value if isinstance(function, cst.FunctionDef) else ""
    if name.endswith("_safe") or name.startswith("safe_"):
        return True
    quiet = _small(handler.body.body)
    answers_false = bool(quiet) and all(
        isinstance(node, cst.Return) and (node.value is None or _is_false(node.value))
        for node in quiet
    )
    if answers_false and name.lstrip("_").startswith(("is_", "has_", "can_")):
        return True
    if name.strip("_") in {c.strip("_") for c in _CLOSERS} or name.startswith("_close"):
        return True
    if _keeps_fallback(statement, quiet, function):
        return True
    calls = _small(statement.body.body)
    return (
        len(statement.body.body) == 1
        and len(calls) == 1
        and isinstance(calls[0], cst.Expr)
        and isinstance(calls[0].value, cst.Call)
        and _dotted(calls[0].value.func).rsplit(".", 1)[-1] in _CLOSER_CALLS
        and all(isinstance(node, cst.Pass) for node in quiet)
    )


def _keeps_fallback(statement: cst.Try, quiet: list, function: cst.CSTNode | None) -> bool:
    """`x = None` ... `try: x = attempt()` / `except Exception: pass`: the handler keeps the
    fallback value set before, which the code then checks (`if x is None: ...`)."""
    body = _small(statement.body.body)
    if function is None or len(body) != 1 or not isinstance(body[0], cst.Assign):
        return False
    if not all(isinstance(node, cst.Pass) for node in quiet):
        return False
    targets = [t.target for t in body[0].targets]
    if len(targets) != 1 or not isinstance(targets[0], cst.Name):
        return False
    name = targets[0].value
    return any(
        isinstance(node, cst.Assign)
        and node is not body[0]
        and any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets)
        for node in _nodes(function)
    ) and any(
        isinstance(node, cst.Comparison)
        and isinstance(node.left, cst.Name)
        and node.left.value == name
        for node in _nodes(function)
    )


def _small(body) -> list[cst.BaseSmallStatement]:
    """The simple statements of a block; a compound statement makes it not simple (empty)."""
    if not all(isinstance(line, cst.SimpleStatementLine) for line in body):
        return []
    return [node for line in body for node in line.body]


def _nodes(node: cst.CSTNode):
    """`node` and everything inside it, not entering nested functions or classes."""
    yield node
    for child in node.children:
        if not isinstance(child, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            yield from _nodes(child)


def _dotted(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Call):
        return _dotted(node.func)
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return node.value if isinstance(node, cst.Name) else ""


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


def _is_log_call(node: cst.CSTNode, loud_only: bool = False) -> bool:
    """`logger.<level>(...)` (or `traceback.print_exc()`); loud: seen by an operator."""
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return False
    owner, method = node.func.value, node.func.attr.value
    owner_name = (
        owner.attr.value if isinstance(owner, cst.Attribute) else getattr(owner, "value", "")
    )
    if owner_name == "traceback" and method.startswith("print_"):
        return True
    if method not in _LOG_METHODS or not isinstance(owner_name, str):
        return False
    if owner_name not in _LOGGERS and "log" not in owner_name.lower():
        return False
    with_traceback = any(
        arg.keyword is not None and arg.keyword.value == "exc_info" and not _is_false(arg.value)
        for arg in node.args
    )
    return not loud_only or method in _LOUD or with_traceback


def _is_false(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value in {"False", "None"}
