"""One parse per file: the libcst module, its statements in source order, and their positions.

libcst's own PositionProvider records a range for every one of a module's nodes and costs about
twice the parse itself; checks here only ever ask where statements, handlers and decorators
are, so positions come from one codegen pass that records just those.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

import libcst as cst
from libcst._nodes.internal import CodegenState

from gc_bot.findings import split_lines

Position = tuple[int, int, int, int]  # line, column, end line, end column; all 1-based


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
    def _ranges(self) -> dict[int, list[int]]:
        state = _PositionState(
            default_indent=self.module.default_indent,
            default_newline=self.module.default_newline,
        )
        self.module._codegen(state)
        return state.ranges

    def position(self, node: cst.CSTNode) -> Position:
        line, column, end_line, end_column, _ = self._ranges[id(node)]
        if end_column == 0 and end_line > line:
            # The range ended after a newline: it really ends at the end of the line before.
            end_line -= 1
            end_column = len(self.lines[end_line - 1]) if end_line <= len(self.lines) else 0
        return line, column + 1, end_line, end_column + 1

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
