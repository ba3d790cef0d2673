"""One parse per file: the libcst module, its statements in source order, and their positions.

libcst's own PositionProvider records a range for every one of a module's nodes and costs about
twice the parse itself; checks here only ever ask where statements, handlers and decorators
are, so positions come from one codegen pass that records just those. Even that pass costs
0.7x the parse, and most questions are about simple statement lines (every import line, for
one check), so those are answered from CPython's `ast` (C, ten times faster) when it agrees
statement for statement with the libcst tree, which is the codegen pass's answer exactly.
"""

from __future__ import annotations

import ast
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

import libcst as cst
from libcst._nodes.internal import CodegenState

from gc_bot.findings import split_lines
from gc_bot.memory import no_cycle_collection

Position = tuple[int, int, int, int]  # line, column, end line, end column; all 1-based
_REMEMBERED: OrderedDict[str, cst.Module] = OrderedDict()
_REMEMBER = 4  # validation's few changed files, not a scan's thousands
_LOCK = threading.Lock()


def parse_module(text: str, *, remember: bool = False) -> cst.Module:
    """libcst's parse of `text`; `remember` keeps the module for the next parse of the same
    text (validation checks that a changed file parses, then the scan of it parses it again)."""
    with _LOCK:
        module = _REMEMBERED.get(text)
        if module is not None:
            _REMEMBERED.move_to_end(text)
            return module
    module = cst.parse_module(text)
    if remember:
        with _LOCK:
            _REMEMBERED[text] = module
            while len(_REMEMBERED) > _REMEMBER:
                _REMEMBERED.popitem(last=False)
    return module


@dataclass(frozen=True)
class Statement:
    """A statement with the statements that enclose it, outermost first."""

    node: cst.CSTNode
    parents: tuple[cst.CSTNode, ...]

    @property
    def depth(self) -> int:
        return len(self.parents)

    def enclosing(self, kind: type[cst.CSTNode]) -> cst.CSTNode | None:
        return next((p for p in reversed(self.parents) if isinstance(p, kind)), None)


_POSITIONED = (
    cst.BaseStatement,
    cst.BaseSmallStatement,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.Decorator,
    cst.EmptyLine,
)


@dataclass
class _PositionState(CodegenState):
    """Codegen that notes where the positioned node types start and end, and nothing else."""

    ranges: dict[int, list[int]] = field(default_factory=dict)
    _line: int = 1
    _column: int = 0
    _synced: int = 0

    def _now(self) -> tuple[int, int]:
        tokens = self.tokens
        for index in range(self._synced, len(tokens)):
            token = tokens[index]
            newline = token.rfind("\n")
            if newline < 0:
                self._column += len(token)
            else:
                self._line += token.count("\n")
                self._column = len(token) - newline - 1
        self._synced = len(tokens)
        return self._line, self._column

    def before_codegen(self, node: cst.CSTNode) -> None:
        if isinstance(node, _POSITIONED):
            self.ranges[id(node)] = [*self._now(), 0, 0, 0]

    def after_codegen(self, node: cst.CSTNode) -> None:
        entry = self.ranges.get(id(node))
        if entry is not None:
            entry[2:4] = self._now()

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):  # type: ignore[override]
        entry = self.ranges.get(id(node))
        if entry is not None and not entry[4]:
            entry[0:2] = self._now()
            entry[4] = 1  # the syntactic start (after comments and decorators) wins
        return super().record_syntactic_position(node, start_node=start_node, end_node=end_node)


class ParsedFile:
    """What every check sees of one file."""

    def __init__(self, path: str, text: str, module: cst.Module) -> None:
        self.path = path
        self.text = text
        self.module = module
        self.is_stub = path.endswith(".pyi")

    @cached_property
    def lines(self) -> list[str]:
        return split_lines(self.text)

    @cached_property
    def python_ast(self) -> ast.Module | None:
        """The file's `ast` (CPython's parser, ten times libcst's speed), None if it won't parse."""
        # An ast holds no reference cycles, so the cycle collector has nothing to find in it;
        # left on, it would walk every live object (the libcst tree too) a few times per parse.
        with no_cycle_collection():
            try:
                return ast.parse(self.text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return None

    @cached_property
    def _ranges(self) -> dict[int, list[int]]:
        state = _PositionState(
            default_indent=self.module.default_indent,
            default_newline=self.module.default_newline,
        )
        self.module._codegen(state)
        return state.ranges

    def position(self, node: cst.CSTNode) -> Position:
        fast = self._fast_position(node)
        if fast is not None:
            return fast
        line, column, end_line, end_column, _ = self._ranges[id(node)]
        if end_column == 0 and end_line > line:
            # The range ended after a newline: it really ends at the end of the line before.
            end_line -= 1
            end_column = len(self.lines[end_line - 1]) if end_line <= len(self.lines) else 0
        return line, column + 1, end_line, end_column + 1

    def _fast_position(self, node: cst.CSTNode) -> Position | None:
        """A statement's or handler's position from the `ast`, or None where it may differ."""
        twins = self._twins
        if twins is None:
            return None
        if isinstance(node, cst.SimpleStatementLine):
            if not node.body:
                return None
            first, last = twins.get(id(node.body[0])), twins.get(id(node.body[-1]))
            block = None
        else:
            first = last = twins.get(id(node))
            block = _last_block(node)
        if first is None or last is None or last.end_lineno is None:
            return None
        end_line = self._end_line(last, block)
        if end_line is None or not 1 <= first.lineno <= end_line <= len(self.lines):
            return None
        start = self.lines[first.lineno - 1]
        column = len(start.encode()[: first.col_offset].decode("utf-8", "replace"))
        return first.lineno, column + 1, end_line, len(self.lines[end_line - 1]) + 1

    def _end_line(self, last: ast.AST, block: cst.BaseSuite | None) -> int | None:
        """The last line libcst's node owns: the ast's end, then an indented block's footer
        (the comment and blank lines after it, up to the last one indented at its level)."""
        end = last.end_lineno
        if end is None or end > len(self.lines):
            return None
        rest = self.lines[end - 1].encode()[last.end_col_offset or 0 :]
        if b"#" not in rest and rest.rstrip().endswith(b"\\"):
            return None  # a continuation after the statement: its line ends further down
        if not isinstance(block, cst.IndentedBlock):
            return end
        indent = self._block_indent(last)
        if not indent:
            return None
        owned = end
        for number in range(end + 1, len(self.lines) + 1):
            text = self.lines[number - 1]
            stripped = text.strip()
            if stripped and not stripped.startswith("#"):
                break
            if text.startswith(indent):
                owned = number
        return owned

    def _block_indent(self, last: ast.AST) -> str | None:
        """The indentation of the last block of a compound statement, from its first line."""
        body = _last_body(last, self.lines)
        if not body:
            return None
        line = self.lines[body[0].lineno - 1]
        return line[: len(line) - len(line.lstrip(" \t"))]

    @cached_property
    def _twins(self) -> dict[int, ast.AST] | None:
        """libcst's statements and handlers (by id) and their `ast` twins, paired in source
        order; None when the two trees do not pair up one to one, kind for kind."""
        text = self.text
        if "\f" in text or text.count("\r") != text.count("\r\n"):
            return None  # lone carriage returns, form feeds: the two may count lines otherwise
        tree = self.python_ast
        if tree is None:
            return None
        ours: list[cst.CSTNode] = []
        for statement in self.statements:
            node = statement.node
            ours += node.body if isinstance(node, cst.SimpleStatementLine) else [node]
        theirs = sorted(
            _ast_statements(tree.body, self.lines), key=lambda n: (n.lineno, n.col_offset)
        )
        if len(ours) != len(theirs):
            return None
        twins: dict[int, ast.AST] = {}
        for mine, twin in zip(ours, theirs, strict=True):
            if not _same_kind(mine, twin):
                return None
            twins[id(mine)] = twin
            handlers = getattr(mine, "handlers", ())
            if not handlers:
                continue
            if len(handlers) != len(getattr(twin, "handlers", ())):
                return None
            twins.update((id(h), t) for h, t in zip(handlers, twin.handlers, strict=True))  # type: ignore[attr-defined]
        return twins

    @cached_property
    def statements(self) -> list[Statement]:
        found: list[Statement] = []
        _collect(self.module.body, (), found)
        return found

    def of_type(self, *kinds: type[cst.CSTNode]) -> Iterator[Statement]:
        return (s for s in self.statements if isinstance(s.node, kinds))

    def code(self, node: cst.CSTNode) -> str:
        line, _, end_line, _ = self.position(node)
        return "\n".join(self.lines[line - 1 : end_line])


_COMPOUND = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.Match,
    *((ast.TryStar,) if hasattr(ast, "TryStar") else ()),
)
# libcst's names for the ast's node kinds, where they differ
_AST_NAMES = {
    "Del": ("Delete",),
    "FunctionDef": ("FunctionDef", "AsyncFunctionDef"),
    "For": ("For", "AsyncFor"),
    "With": ("With", "AsyncWith"),
    "ExceptStarHandler": ("ExceptHandler",),
}


def _same_kind(mine: cst.CSTNode, twin: ast.AST) -> bool:
    name = type(mine).__name__
    return type(twin).__name__ in _AST_NAMES.get(name, (name,))


def _paired(node: ast.stmt, lines: list[str]) -> bool:
    """An ast statement with a libcst twin among the statements: not an `elif` (libcst keeps
    those inside the `if`)."""
    if isinstance(node, ast.If) and 1 <= node.lineno <= len(lines):
        return not lines[node.lineno - 1].encode()[node.col_offset :].startswith(b"elif")
    return True


def _ast_statements(body: list[ast.stmt], lines: list[str]) -> Iterator[ast.stmt]:
    """Every statement under `body` with a libcst twin (`ast.walk` would visit every
    expression too, ten times the nodes)."""
    for node in body:
        if _paired(node, lines):
            yield node
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(node, name, None)
            if isinstance(inner, list):
                yield from _ast_statements(inner, lines)
        for handler in getattr(node, "handlers", ()):
            yield from _ast_statements(handler.body, lines)
        for case in getattr(node, "cases", ()):
            yield from _ast_statements(case.body, lines)


def _last_block(node: cst.CSTNode) -> cst.BaseSuite | None:
    """The suite a compound statement's codegen ends with (its last clause's body)."""
    final = getattr(node, "finalbody", None)
    if final is not None:
        return final.body
    orelse = getattr(node, "orelse", None)
    if isinstance(orelse, cst.If):
        return _last_block(orelse)
    if orelse is not None:
        return orelse.body
    handlers = getattr(node, "handlers", ())
    if handlers:
        return handlers[-1].body
    cases = getattr(node, "cases", ())
    if cases:
        return cases[-1].body
    body = getattr(node, "body", None)
    return body if isinstance(body, cst.BaseSuite) else None


def _last_body(node: ast.AST, lines: list[str]) -> list[ast.stmt]:
    """The ast's statements of the last clause of a compound statement."""
    if getattr(node, "finalbody", None):
        return node.finalbody  # type: ignore[attr-defined]
    orelse = getattr(node, "orelse", None)
    if orelse:
        if len(orelse) == 1 and isinstance(orelse[0], ast.If) and not _paired(orelse[0], lines):
            return _last_body(orelse[0], lines)  # an elif
        return orelse
    if getattr(node, "handlers", None):
        return node.handlers[-1].body  # type: ignore[attr-defined]
    if getattr(node, "cases", None):
        return node.cases[-1].body  # type: ignore[attr-defined]
    return getattr(node, "body", None) or []


def _collect(body, parents: tuple[cst.CSTNode, ...], found: list[Statement]) -> None:
    for statement in body:
        found.append(Statement(statement, parents))
        if isinstance(statement, cst.SimpleStatementLine):
            continue
        inner = (*parents, statement)
        for block in _blocks(statement):
            _collect(block, inner, found)


def _blocks(statement: cst.CSTNode) -> Iterator:
    """The statement lists directly inside a compound statement, in source order."""
    body = getattr(statement, "body", None)
    if isinstance(body, cst.BaseSuite):
        yield body.body
    for handler in getattr(statement, "handlers", ()):
        yield handler.body.body
    for case in getattr(statement, "cases", ()):
        yield case.body.body
    orelse = getattr(statement, "orelse", None)
    while orelse is not None:
        yield orelse.body.body if not isinstance(orelse, cst.If) else ()
        if isinstance(orelse, cst.If):
            yield from _blocks(orelse)
            break
        orelse = None
    final = getattr(statement, "finalbody", None)
    if final is not None:
        yield final.body.body
