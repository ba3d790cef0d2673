"""`function-size`: functions too long, too deeply nested, or taking too many parameters.

One finding per function, on its `def` line, naming each limit it is over:

- lines: the function's lines from `def` to its last statement that hold code: blank lines,
  comment lines and the docstring do not count (a long docstring is no reason to split);
- nesting: the deepest block inside the function, counting `if`/`for`/`while`/`with`/`try`/
  `match` (an `elif`, `else` or `except` is the same level as its `if`/`try`); a nested
  function or class starts its own count and is reported on its own;
- parameters: the ones a caller may pass by position; `self`/`cls` (the first parameter of a
  method that is not a `staticmethod`), `*args`/`**kwargs` and keyword-only parameters (after
  `*` or `*args`) do not count: every call names those, so a long list of them is a set of
  named options (`httpx.post(url, *, params=..., headers=..., timeout=...)`), not arguments
  to keep in order (ruff's PLR0917 draws the same line).

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
    max_params: int = Field(
        6, ge=0, description="positional parameters, without self/cls and *args/**kwargs"
    )


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
            if _is_overload(function):
                continue  # a stub: its body is `...`, its signature is the real one's
            over = []
            params = _counted_params(function, parents)
            nesting = depth.get(id(function), 0)
            if nesting > options.max_depth:
                over.append(f"nesting depth {nesting} (max {options.max_depth})")
            if params > options.max_params and not _documented_api(function, parents):
                over.append(f"{params} parameters (max {options.max_params})")
            start = lines.line(function)
            end = lines.end(function, start)
            if end - start + 1 > options.max_lines:  # else not even the physical lines are over
                code = _code_lines(source, function, start, end) - _nested_lines(function)
                if code > options.max_lines and not _declarative(function, code):
                    over.insert(0, f"{code} lines of code (max {options.max_lines})")
            if over:
                column = lines.column(function)
                text = source.lines[start - 1] if start <= len(source.lines) else ""
                message = f"`{function.name.value}` is too big: " + ", ".join(over)
                hits.append(Hit(start, column, start, len(text) + 1, message))
        return FileResult(hits)


def _is_overload(function: cst.FunctionDef) -> bool:
    return any(_last_name(d.decorator) == "overload" for d in function.decorators)


def _last_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Call):
        return _last_name(node.func)
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else ""


def _documented_api(function: cst.FunctionDef, parents: tuple[cst.CSTNode, ...]) -> bool:
    """A public signature whose docstring documents its parameters: changing it breaks callers.

    Public: the function, or for `__init__` its class, has no leading underscore, and so has no
    enclosing class. Documented: its docstring (or the class's, for `__init__`) names at least
    half of its parameters.
    """
    name = function.name.value
    owner = parents[-1] if parents and isinstance(parents[-1], cst.ClassDef) else None
    if name == "__init__" and owner is not None:
        name = owner.name.value
    if name.startswith("_") or any(
        isinstance(p, cst.ClassDef) and p.name.value.startswith("_") for p in parents
    ):
        return False
    docs = function.get_docstring(clean=False) or ""
    if owner is not None and function.name.value == "__init__":
        docs += owner.get_docstring(clean=False) or ""
    params = function.params
    names = [p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)]
    named = sum(1 for n in names if re.search(rf"\b{re.escape(n)}\b", docs))
    return bool(names) and named * 2 >= len(names)


def _code_of(node: cst.CSTNode) -> int:
    """Lines of code in a statement: no blank lines, no comment lines."""
    code = cst.Module(body=[]).code_for_node(node)
    return sum(1 for line in code.splitlines() if line.strip() and not line.strip().startswith("#"))


def _nested_lines(function: cst.FunctionDef) -> int:
    """Code lines of the functions and classes defined inside: they start their own count."""
    total = 0
    pending = list(function.body.body) if isinstance(function.body, cst.IndentedBlock) else []
    while pending:
        statement = pending.pop()
        if isinstance(statement, cst.FunctionDef | cst.ClassDef):
            total += _code_of(statement)
            continue
        if isinstance(statement, cst.SimpleStatementLine):
            continue
        for block in _inner_blocks(statement):
            pending.extend(block)
    return total


def _inner_blocks(statement: cst.CSTNode):
    body = getattr(statement, "body", None)
    if isinstance(body, cst.BaseSuite) and isinstance(body.body, (list, tuple)):
        yield body.body
    for handler in getattr(statement, "handlers", ()):
        yield handler.body.body
    for case in getattr(statement, "cases", ()):
        yield case.body.body
    for key in ("orelse", "finalbody"):
        other = getattr(statement, key, None)
        if isinstance(other, cst.If):
            yield [other]
        elif other is not None:
            yield other.body.body


def _declarative(function: cst.FunctionDef, code: int) -> bool:
    """Most of its lines declare data: one big literal or call (a table definition), or the
    same call over and over (`parser.add_argument(...)`). Long, but there is nothing to split.
    """
    if not isinstance(function.body, cst.IndentedBlock):
        return False
    calls: dict[str, int] = {}
    sizes: dict[str, int] = {}
    biggest = 0
    for statement in function.body.body:
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            continue
        node = statement.body[0]
        value = getattr(node, "value", None)
        if not isinstance(node, cst.Expr | cst.Assign | cst.AnnAssign | cst.Return):
            continue
        if not isinstance(value, cst.Call | cst.Dict | cst.List | cst.Tuple | cst.Set):
            continue
        lines = _code_of(statement)
        biggest = max(biggest, lines)
        if isinstance(value, cst.Call):
            callee = _last_name(value.func)
            calls[callee] = calls.get(callee, 0) + 1
            sizes[callee] = sizes.get(callee, 0) + lines
    repeated = sum(sizes[c] for c, n in calls.items() if n >= 3)
    return max(biggest, repeated) * 2 >= code


def _counted_params(function: cst.FunctionDef, parents: tuple[cst.CSTNode, ...]) -> int:
    params = function.params
    named = len(params.posonly_params) + len(params.params)
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
