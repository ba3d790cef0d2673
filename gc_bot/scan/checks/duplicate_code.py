"""`duplicate-code`: functions whose bodies are the same once names, literals and layout go.

Per file (`run`), every function or method whose body (docstring aside) holds at least
`min_lines` statements gets a fingerprint of its normalised body; across files (`combine`),
functions that share a fingerprint are copies, and each copy after the first (by path, then
line) is reported with the location of the first.

What "the same" means:

- names are abstracted consistently: `a = f(b); g(a)` matches `x = h(y); k(x)` but not
  `x = h(y); k(y)`; the n-th distinct name of one body must play the part of the n-th of the
  other everywhere, so two bodies with the same data flow match, a different wiring does not;
- parameters and local variables may all be renamed, but of the other names (globals,
  attributes, callees) at most `max_renamed` (a third) may differ: two `deconstruct`
  methods that each copy two *different* attributes are the same shape doing different
  work, while `mail_managers` differing from `mail_admins` only in `settings.MANAGERS` is a
  copy; the message lists those differences when there are three or fewer;
- literals (strings, numbers) match any literal; keywords, operators, `None`, `True` and
  `False` must be the same;
- layout is ignored (whitespace, line breaks inside brackets, comments, quotes, trailing
  commas), but the nesting of statements is not (a statement inside an `if` differs from the
  same statement after it); parentheses are kept, so `x = (a\n + b)` differs from
  `x = a + b` (telling them from grouping needs a tree walk the check avoids).

Size is counted in statements, not physical lines, so that reformatting a call over eight
lines does not make a body "longer". Bodies that are trivial whatever their length are never
reported: a run of plain assignments and bare calls without control flow and with at most
two distinct calls (`self.a = a; self.b = b; ...` in two `__init__`s, a stack of
`parser.add_argument(...)`): the abstraction makes those match by shape alone, and a reviewer
would not call them copies.

Structure and line numbers come from Python's own `ast` (a parse in C, about a tenth of
libcst's, and no call on libcst's position pass, which costs more than half a parse) and the
tokens from regexes over the body's text, so the check never walks expressions; a nested
copy inside a reported copy is not reported again.
"""

from __future__ import annotations

import ast
import gc
import hashlib
import keyword
import re
import weakref
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gc_bot.scan.checks import Check, FileResult, Hit, register
from gc_bot.scan.parsed import ParsedFile

_KEYWORDS = frozenset(keyword.kwlist)
_STRING_OR_COMMENT = re.compile(
    r"""\#[^\r\n]*
    |[rRbBuUfFtT]{0,2}
    (?:'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''
    |\"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*\"\"\"
    |'[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'
    |"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*")""",
    re.VERBOSE | re.DOTALL,
)
_NUMBER = re.compile(r"\b\d[\w.]*")
_NAME = re.compile(r"[^\W\d]\w*")
_COMPREHENSION_TARGET = re.compile(r"\bfor\s+(\w+(?:\s*,\s*\w+)*)\s+in\b")
_WALRUS = re.compile(r"(\w+)\s*:=")
_BRANCHING = (ast.Lambda, ast.IfExp, ast.comprehension, ast.BoolOp, ast.Compare)
_TRAILING_COMMA = re.compile(r",(?=[)\]}])")
_QUOTES = re.compile(r"'{2,}")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_PLAIN = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Pass, ast.Return)


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min_lines: int = Field(default=6, ge=1, description="statements in a body, docstring aside")
    max_renamed: float = Field(
        default=0.34,
        ge=0,
        le=1,
        description="share of a body's names, parameters and locals aside, that a copy may change",
    )


@register
class DuplicateCode(Check):
    name = "duplicate-code"
    Options = Options
    cross_file = True

    def run(self, source: ParsedFile, options: Options) -> FileResult:
        return FileResult(facts=function_fingerprints(source, options.min_lines))

    def combine(self, facts: Mapping[str, Any], options: Options) -> dict[str, list[Hit]]:
        groups: dict[str, list[tuple[str, list]]] = defaultdict(list)
        for path, functions in facts.items():
            for function in functions:
                groups[function[0]].append((path, function))
        hits: dict[str, list[Hit]] = defaultdict(list)
        for copies in groups.values():
            if len(copies) < 2:
                continue
            copies.sort(key=lambda c: (c[0], c[1][2]))
            originals: list[tuple[str, str, int, list[str]]] = []
            for path, (_, qualified, line, column, end_line, end_column, names) in copies:
                names = names.split(" ") if names else []
                outside = sum(1 for name in names if name[0] != "*")
                for first_path, first_name, first_line, first_names in originals:
                    # A renamed parameter or local is a free choice; a different global,
                    # attribute or callee is different work.
                    foreign = [
                        (a, b)
                        for a, b in zip(names, first_names, strict=True)
                        if a != b and (a[0] != "*" or b[0] != "*")
                    ]
                    if len(foreign) <= options.max_renamed * outside:
                        where = f"`{first_name}` at {first_path}:{first_line}"
                        message = f"same body as {where}{_renaming(foreign)}"
                        hits[path].append(Hit(line, column, end_line, end_column, message))
                        break
                else:
                    originals.append((path, qualified, line, names))
        return {path: _outermost(found) for path, found in hits.items()}


def _renaming(renamed: list[tuple[str, str]]) -> str:
    if not renamed or len(renamed) > 3:
        return ""
    return ", with " + ", ".join(f"`{a.lstrip('*')}` for `{b.lstrip('*')}`" for a, b in renamed)


def _outermost(hits: list[Hit]) -> list[Hit]:
    """A copy inside a reported copy (a nested function) goes with it."""
    hits.sort(key=lambda h: (h.line, -h.end_line))
    kept: list[Hit] = []
    for hit in hits:
        if not kept or hit.line > kept[-1].end_line:
            kept.append(hit)
    return kept


# --- shared with dead-private-code: Python's ast of a file, parsed once ---------------------

_TREES: weakref.WeakKeyDictionary[ParsedFile, ast.Module | None] = weakref.WeakKeyDictionary()


def python_ast(source: ParsedFile) -> ast.Module | None:
    """The file's `ast` (line numbers without libcst's position pass), None if it won't parse."""
    try:
        return _TREES[source]
    except KeyError:
        pass
    # An ast holds no reference cycles, so the cycle collector has nothing to find in it;
    # left on, it would walk every live object (the libcst tree too) a few times per parse.
    collecting = gc.isenabled()
    gc.disable()
    try:
        tree: ast.Module | None = ast.parse(source.text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    finally:
        if collecting:
            gc.enable()
    _TREES[source] = tree
    return tree


def source_lines(source: ParsedFile) -> list[str]:
    """Lines split where Python's tokenizer splits them (as `ast` counts them)."""
    return _NEWLINES.split(source.text)


_BLOCKS: dict[type, tuple[str, ...]] = {
    ast.FunctionDef: ("body",),
    ast.AsyncFunctionDef: ("body",),
    ast.ClassDef: ("body",),
    ast.If: ("body", "orelse"),
    ast.For: ("body", "orelse"),
    ast.AsyncFor: ("body", "orelse"),
    ast.While: ("body", "orelse"),
    ast.With: ("body",),
    ast.AsyncWith: ("body",),
    ast.Try: ("body", "handlers", "orelse", "finalbody"),
    ast.Match: ("cases",),
}
if hasattr(ast, "TryStar"):
    _BLOCKS[ast.TryStar] = _BLOCKS[ast.Try]


def child_blocks(node: ast.stmt) -> Iterator[list[ast.stmt]]:
    """The statement lists directly inside a statement, in source order."""
    for name in _BLOCKS.get(type(node), ()):
        block = getattr(node, name)
        if name == "handlers" or name == "cases":
            for inner in block:
                yield inner.body
        elif block:
            yield block


def character_column(line: str, byte_offset: int) -> int:
    """`ast` columns count UTF-8 bytes; findings count characters."""
    if line.isascii():
        return byte_offset
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


# --- fingerprints ----------------------------------------------------------------------------


def function_fingerprints(source: ParsedFile, min_lines: int) -> list[list]:
    """[fingerprint, qualified name, line, column, end line, end column, size] per function."""
    if source.is_stub:
        return []
    tree = python_ast(source)
    if tree is None:
        return []
    lines = source_lines(source)
    found: list[list] = []
    _visit(tree.body, (), lines, min_lines, found)
    return found


def _visit(body: list[ast.stmt], scope: tuple[str, ...], lines, min_lines: int, found: list) -> int:
    """Collect the functions in `body` that are long enough; return the statements in it."""
    size = 0
    for node in body:
        size += 1
        fields = _BLOCKS.get(type(node))
        if fields is None:
            continue
        if isinstance(node, _SCOPES):
            inner = (*scope, node.name)
            body_size = _visit(node.body, inner, lines, min_lines, found)
            size += body_size
            if not isinstance(node, ast.ClassDef):
                if node.body and _is_docstring(node.body[0]):
                    body_size -= 1
                if body_size >= min_lines:
                    _add(node, ".".join(inner), lines, found)
            continue
        for block in child_blocks(node):
            size += _visit(block, scope, lines, min_lines, found)
    return size


def _add(node: ast.FunctionDef | ast.AsyncFunctionDef, name: str, lines, found: list) -> None:
    fingerprinted = _fingerprint(node, lines)
    if fingerprinted is not None:
        fingerprint, names = fingerprinted
        end_line = node.end_lineno or node.lineno
        column = character_column(lines[node.lineno - 1], node.col_offset) + 1
        end_column = character_column(lines[end_line - 1], node.end_col_offset or 0) + 1
        found.append([fingerprint, name, node.lineno, column, end_line, end_column, names])


def _structure(body: list[ast.stmt], depth: int, out: list[str]) -> None:
    for node in body:
        out.append(f"{type(node).__name__}{depth}")
        for block in child_blocks(node):
            _structure(block, depth + 1, out)


def _fingerprint(
    node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]
) -> tuple[str, str] | None:
    """The body's fingerprint, and its distinct names in order of first use."""
    body = node.body
    if body and _is_docstring(body[0]):
        body = body[1:]
    if not body or _trivial(body):
        return None
    first, end_line = body[0], node.end_lineno or body[-1].end_lineno or body[0].lineno
    text_lines = lines[first.lineno - 1 : end_line]
    text_lines[0] = text_lines[0][character_column(text_lines[0], first.col_offset) :]
    text = "\n".join(text_lines)
    text = _STRING_OR_COMMENT.sub(_blank_or_quote, text)
    text = _NUMBER.sub("0", text)
    numbering: dict[str, int] = {}
    names = [
        n if n in _KEYWORDS else str(numbering.setdefault(n, len(numbering)))
        for n in _NAME.findall(text)
    ]
    skeleton = "".join(_NAME.sub("N", text).split())
    skeleton = _TRAILING_COMMA.sub("", _QUOTES.sub("'", skeleton))
    structure: list[str] = []
    _structure(body, 0, structure)
    digest = hashlib.blake2b(digest_size=12)
    for part in (skeleton, " ".join(names), " ".join(structure)):
        digest.update(part.encode("utf-8", errors="surrogatepass"))
        digest.update(b"\0")
    local = _locals(node, text)
    return digest.hexdigest(), " ".join(f"*{n}" if n in local else n for n in numbering)


def _locals(node: ast.FunctionDef | ast.AsyncFunctionDef, text: str) -> set[str]:
    """The function's parameters and the names its statements (and comprehensions) bind."""
    args = node.args
    found = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    found.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)
    todo = [node.body]
    while todo:
        for statement in todo.pop():
            found.update(_bound_by(statement))
            todo.extend(child_blocks(statement))
    for targets in _COMPREHENSION_TARGET.findall(text):
        found.update(_NAME.findall(targets))
    if ":=" in text:
        found.update(_WALRUS.findall(text))
    return found


def _bound_by(statement: ast.stmt) -> set[str]:
    """The names one statement binds in its function's scope."""
    found: set[str] = set()
    if isinstance(statement, ast.Assign):
        for target in statement.targets:
            _bound(target, found)
    elif isinstance(statement, ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor):
        _bound(statement.target, found)
    elif isinstance(statement, ast.With | ast.AsyncWith):
        for item in statement.items:
            if item.optional_vars is not None:
                _bound(item.optional_vars, found)
    elif isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
        found.update(h.name for h in statement.handlers if h.name)
    elif isinstance(statement, _SCOPES):
        found.add(statement.name)
    elif isinstance(statement, ast.Import | ast.ImportFrom):
        found.update((a.asname or a.name).split(".")[0] for a in statement.names)
    return found


def _bound(target: ast.expr, found: set[str]) -> None:
    if isinstance(target, ast.Name):
        found.add(target.id)
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            _bound(element, found)
    elif isinstance(target, ast.Starred):
        _bound(target.value, found)


def _blank_or_quote(match: re.Match[str]) -> str:
    return "" if match.group().startswith("#") else "'"


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _trivial(body: list[ast.stmt]) -> bool:
    """Straight-line assignments and calls with at most two distinct callees: shape, not copy."""
    if not all(isinstance(node, _PLAIN) for node in body):
        return False
    callees = set()
    for node in body:
        for child in ast.walk(node):
            if isinstance(child, ast.Call):
                callees.add(_callee(child.func))
                if len(callees) > 2:
                    return False
            elif isinstance(child, _BRANCHING):
                return False
    return True


def _callee(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_callee(node.value)}.{node.attr}"
    return type(node).__name__
