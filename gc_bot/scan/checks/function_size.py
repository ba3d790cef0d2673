"""`function-size`: functions too long, too deeply nested, or taking too many parameters.

One finding per function, on its `def` line, naming each limit it is over:

- lines: the function's lines from `def` to its last statement that hold code: blank lines,
  comment lines and the docstring do not count (a long docstring is no reason to split);
- nesting: the deepest block inside the function, counting `if`/`for`/`while`/`with`/`try`/
  `match` (an `elif`, `else` or `except` is the same level as its `if`/`try`); a nested
  function or class starts its own count and is reported on its own;
- parameters: named parameters, keyword-only ones included; `self`/`cls` (the first parameter of
  a method that is not a `staticmethod`) and `*args`/`**kwargs` do not count.

Line numbers come from the text, not from libcst's positions (which cost a whole-module
codegen): each `def` is matched in order to its line, and a function ends at the last line
before the first code line indented no deeper than its `def`. A string literal whose lines are
indented less than the function ends it early, so a function may be counted shorter than it is,
never longer.
"""

from __future__ import annotations

import re

import libcst as cst
from pydantic import BaseModel, ConfigDict, Field

from gc_bot.scan.checks import Check, FileResult, Hit, register
from gc_bot.scan.parsed import ParsedFile

_DEF = re.compile(r"^([ \t]*)(?:async[ \t]+)?def[ \t\\]+(\w+)", re.MULTILINE)
_STRINGS = re.compile(r"'[^'\\]*(?:\\.[^'\\]*)*'|\"[^\"\\]*(?:\\.[^\"\\]*)*\"")
_BLOCKS = (cst.If, cst.For, cst.While, cst.With, cst.Try, cst.TryStar, cst.Match)


class FunctionSizeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_lines: int = Field(60, ge=1, description="code lines (no blanks, comments, docstring)")
    max_depth: int = Field(4, ge=1, description="nested blocks inside the function")
    max_params: int = Field(6, ge=0, description="parameters, without self/cls and *args/**kwargs")


@register
class FunctionSize(Check):
    name = "function-size"
    Options = FunctionSizeOptions

    def run(self, source: ParsedFile, options: FunctionSizeOptions) -> FileResult:
        depth: dict[int, int] = {}  # id(function) -> deepest nesting inside it
        functions: list[tuple[cst.FunctionDef, tuple[cst.CSTNode, ...]]] = []
        for statement in source.statements:
            if isinstance(statement.node, cst.FunctionDef):
                functions.append((statement.node, statement.parents))
            level = 0
            for parent in reversed(statement.parents):
                if isinstance(parent, cst.FunctionDef):
                    if level > depth.get(id(parent), 0):
                        depth[id(parent)] = level
                    break
                if isinstance(parent, cst.ClassDef):
                    break
                if isinstance(parent, _BLOCKS):
                    level += 1
        if not functions:
            return FileResult()
        lines = DefLines.of(source)
        hits = []
        for function, parents in functions:
            over = []
            params = _counted_params(function, parents)
            nesting = depth.get(id(function), 0)
            if nesting > options.max_depth:
                over.append(f"nesting depth {nesting} (max {options.max_depth})")
            if params > options.max_params:
                over.append(f"{params} parameters (max {options.max_params})")
            start = lines.line(function)
            end = lines.end(function, start)
            if end - start + 1 > options.max_lines:  # else not even the physical lines are over
                code = _code_lines(source, function, start, end)
                if code > options.max_lines:
                    over.insert(0, f"{code} lines of code (max {options.max_lines})")
            if over:
                column = lines.column(function)
                text = source.lines[start - 1] if start <= len(source.lines) else ""
                message = f"`{function.name.value}` is too big: " + ", ".join(over)
                hits.append(Hit(start, column, start, len(text) + 1, message))
        return FileResult(hits)


def _counted_params(function: cst.FunctionDef, parents: tuple[cst.CSTNode, ...]) -> int:
    params = function.params
    named = len(params.posonly_params) + len(params.params) + len(params.kwonly_params)
    is_method = bool(parents) and isinstance(parents[-1], cst.ClassDef)
    static = any(
        isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod"
        for d in function.decorators
    )
    if is_method and not static and (params.posonly_params or params.params):
        named -= 1
    return named


def _code_lines(source: ParsedFile, function: cst.FunctionDef, start: int, end: int) -> int:
    count = 0
    for text in source.lines[start - 1 : end]:
        stripped = text.strip()
        if stripped and not stripped.startswith("#"):
            count += 1
    return count - _docstring_lines(function)


def _docstring_lines(function: cst.FunctionDef) -> int:
    body = function.body
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return 0
    first = body.body[0]
    if not isinstance(first, cst.SimpleStatementLine) or not isinstance(first.body[0], cst.Expr):
        return 0
    value = first.body[0].value
    if not isinstance(value, cst.SimpleString | cst.ConcatenatedString):
        return 0
    code = cst.Module(body=[]).code_for_node(value)
    return sum(1 for line in code.splitlines() if line.strip() and not line.strip().startswith("#"))


class DefLines:
    """Where each function of a file starts and ends, found in the text (cheap) instead of by codegen.

    `def` always begins a line, so the functions (in source order) are matched in order to
    the lines that begin with `def NAME`; a line in a string that looks like one is skipped
    because its name does not match the next function's, or, failing that, the match is
    given up and libcst's positions are used for that file.
    """

    _last: tuple[ParsedFile, DefLines] | None = None

    def __init__(self, source: ParsedFile) -> None:
        self.source = source
        self._starts: dict[int, tuple[int, int]] = {}
        self._fallback = False
        functions = [s.node for s in source.statements if isinstance(s.node, cst.FunctionDef)]
        text = source.text
        matches = _DEF.finditer(text)
        offset, line = 0, 1
        for function in functions:
            name = function.name.value
            for match in matches:
                if match.group(2) == name:
                    line += text.count("\n", offset, match.start())
                    offset = match.start()
                    self._starts[id(function)] = (line, len(match.group(1)) + 1)
                    break
            else:
                self._fallback = True
                break

    @classmethod
    def of(cls, source: ParsedFile) -> DefLines:
        """One instance per file, shared by the checks that run on it one after another."""
        if cls._last is None or cls._last[0] is not source:
            cls._last = (source, cls(source))
        return cls._last[1]

    def line(self, function: cst.FunctionDef) -> int:
        if self._fallback:
            return self.source.position(function)[0]
        return self._starts[id(function)][0]

    def column(self, function: cst.FunctionDef) -> int:
        if self._fallback:
            return self.source.position(function)[1]
        return self._starts[id(function)][1]

    def end(self, function: cst.FunctionDef, start: int | None = None) -> int:
        """The last line of the function's body (at most its real last line, see the module doc)."""
        if self._fallback:
            return self.source.position(function)[2]
        start = start or self.line(function)
        lines = self.source.lines
        indent = len(lines[start - 1]) - len(lines[start - 1].lstrip())
        header_end = _header_end(lines, start)
        if isinstance(function.body, cst.SimpleStatementSuite):
            return header_end
        last = header_end
        for number in range(header_end + 1, len(lines) + 1):
            text = lines[number - 1]
            stripped = text.lstrip()
            if not stripped or stripped.startswith("#"):
                continue
            if len(text) - len(stripped) <= indent:
                break
            last = number
        return last

    def span(self, function: cst.FunctionDef) -> tuple[int, int, int, int]:
        """Line, column, end line, end column of the whole function (from `def`), 1-based."""
        start = self.line(function)
        end = self.end(function, start)
        return start, self.column(function), end, len(self.source.lines[end - 1]) + 1


def _header_end(lines: list[str], start: int) -> int:
    """The line that ends a `def` header starting at `start`: brackets closed, no `\\` after."""
    depth = 0
    for number in range(start, len(lines) + 1):
        text = _STRINGS.sub("''", lines[number - 1]).split("#", 1)[0].rstrip()
        depth += sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")
        if depth <= 0 and not text.endswith("\\"):
            return number
    return start
