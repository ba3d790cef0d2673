"""`duplicate-code`: functions whose bodies are the same once names, literals and layout go.

Per file (`run`), every function or method whose body (docstring aside) holds at least
`min_lines` statements gets a fingerprint of its normalised body; across files (`combine`),
functions that share a fingerprint are copies, and each copy but the original is reported
with the original's location.

Which copy is the original: the one in the lower layer, so that the fix never has a lower
module import from a higher one (core code told to import from an extension, a base type from
one database backend). With `layers` (the same list as `respect-layers`; a scan fills it from
that principle when this one sets none), the copy in the lowest listed layer; otherwise, and
among copies in one layer, the module that more of the repository's other modules import (a
foundation, not a leaf). Only uses count: a package's `__init__` naming its submodules
registers them, and tests (`test/`, `tests/`, `testing/`, `test_*.py`, `conftest.py`) import
whatever they test. Then the one that imports fewer of them, then path and line order.

Per-backend variants are not copies: the same module of two sibling packages that import
nothing of each other (`dialects/oracle/provision.py` and `dialects/mssql/provision.py`) are
parallel implementations of one interface, each free to change on its own; sharing a body
would tie one backend to another. Copies in differently named modules, in one package, or in
packages that import each other are reported.

Typed twins are not copies: one method written in two classes with the same body while the
signatures' annotations differ (`partitions` of each result class, typed for its own rows; a
sync and an async client `__init__` taking their own transport types) gives each class its
own types, and a shared body would have to give them up. Such methods without annotations or
with the same ones, two differently named methods (`Headers.items` and `Headers.values`), and
module-level functions are reported whatever their annotations.

What "the same" means:

- names are abstracted consistently: `a = f(b); g(a)` matches `x = h(y); k(x)` but not
  `x = h(y); k(y)`; the n-th distinct name of one body must play the part of the n-th of the
  other everywhere, so two bodies with the same data flow match, a different wiring does not;
- parameters and local variables may all be renamed, but of the other names (globals,
  attributes, callees) at most `max_renamed` (a third) may differ: two `deconstruct`
  methods that each copy two *different* attributes are the same shape doing different
  work, while `mail_managers` differing from `mail_admins` only in `settings.MANAGERS` is a
  copy; the message lists those differences when there are three or fewer;
- literals (strings, numbers) match any literal for the fingerprint; keywords, operators,
  `None`, `True` and `False` must be the same. Then the strings that do the work must be the
  same too: two bodies that differ in SQL, a template or a key (`"show transaction_read_only"`
  against `"show transaction_deferrable"`, `"'%s'"` against `"N'%s'"`) are one shape over
  other data, often an override that exists for that string; the text of an exception, a log
  line or a translatable string is a message, and copies that only word those differently
  are still copies;
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
import hashlib
import keyword
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from gc_bot.scan.checks import Check, FileResult, Hit, register
from gc_bot.scan.checks.layers import LayerOptions, module_of

if TYPE_CHECKING:
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
_TEST_PATH = re.compile(
    r"(?:^|/)(?:tests?|testing)/|(?:^|/)(?:test_[^/]*|[^/]*_test|conftest)\.py$"
)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_PLAIN = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Pass, ast.Return)


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min_lines: int = Field(default=6, ge=1, description="statements in a body, docstring aside")
    layers: list[str | list[str]] = Field(
        default_factory=list, description="module prefixes, lowest layer first (respect-layers)"
    )
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
        functions = function_fingerprints(source, options.min_lines)
        return FileResult(facts={"functions": functions, "imports": imported_modules(source)})

    def combine(self, facts: Mapping[str, Any], options: Options) -> dict[str, list[Hit]]:
        groups: dict[str, list[tuple[str, list]]] = defaultdict(list)
        for path, entry in facts.items():
            for function in entry["functions"] if isinstance(entry, dict) else entry:
                groups[function[0]].append((path, function))
        groups = {key: copies for key, copies in groups.items() if len(copies) > 1}
        if not groups:
            return {}
        rank = _Ranking(facts, options.layers)
        hits: dict[str, list[Hit]] = defaultdict(list)
        for copies in groups.values():
            copies.sort(key=lambda c: (rank.of(c[0]), c[0], c[1][2]))
            originals: list[tuple[str, str, int, list[str], str, str]] = []
            for path, function in copies:
                _, qualified, line, column, end_line, end_column, names = function[:7]
                types, literals = function[7:9] if len(function) > 8 else ("", "")
                names = names.split(" ") if names else []
                outside = sum(1 for name in names if name[0] != "*")
                for original in originals:
                    first_path, first_name, first_line, first_names, first_types, first_literals = (
                        original
                    )
                    if types != first_types and _same_method(qualified, first_name):
                        continue  # typed twins: one method declared in two classes for two types
                    if literals != first_literals:
                        continue  # the same code over other SQL, templates or keys: variants
                    if rank.independent(path, first_path):
                        continue  # one plugin's variant of another's: neither may import it
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
                    originals.append((path, qualified, line, names, types, literals))
        return {path: _outermost(found) for path, found in hits.items()}


def _same_method(name: str, other: str) -> bool:
    """Methods of the same name in two classes (`Rows.partitions`, `Maps.partitions`)."""
    if "." not in name or "." not in other:
        return False
    return name.rsplit(".", 1)[1] == other.rsplit(".", 1)[1]


class _Ranking:
    """Lower layers first: configured layers, then modules imported by more, importing fewer."""

    def __init__(self, facts: Mapping[str, Any], layers: list[str | list[str]]) -> None:
        self.modules = {path: module_of(path)[0] for path in facts}
        by_name: dict[str, set[str]] = defaultdict(set)
        for path, module in self.modules.items():
            by_name[module].add(path)
            by_name[_importable_name(path, module, facts)].add(path)
        self.importers: dict[str, set[str]] = defaultdict(set)
        self.imports: dict[str, int] = {}
        for path, entry in facts.items():
            targets = set()
            for target in entry.get("imports", ()) if isinstance(entry, dict) else ():
                for candidate in (target, target.rpartition(".")[0]):
                    found = by_name.get(candidate, ())
                    if len(found) == 1:
                        targets |= found - {path}
                        break
            self.imports[path] = len(targets)
            if path.endswith("__init__.py") or _TEST_PATH.search(path):
                continue  # registers or tests its imports: neither makes them foundations
            for target in targets:
                self.importers[target].add(path)
        self.prefixes = LayerOptions(layers=layers).prefixes() if layers else []
        self.package_edges = {
            (_folder(path), _folder(target))
            for target, importers in self.importers.items()
            for path in importers
        }

    def independent(self, path: str, other: str) -> bool:
        """The same module of two sibling packages that import nothing of each other.

        `dialects/oracle/provision.py` and `dialects/mssql/provision.py`: parallel packages
        (backends, plugins) implementing one interface, each free to change on its own.
        """
        mine, theirs = _folder(path), _folder(other)
        if mine == theirs or path.rpartition("/")[2] != other.rpartition("/")[2]:
            return False
        if not mine or not theirs or _folder(mine) != _folder(theirs):
            return False
        edges = self.package_edges
        return (mine, theirs) not in edges and (theirs, mine) not in edges

    def of(self, path: str) -> tuple[int, int, int]:
        layer = len(self.prefixes)
        module = self.modules.get(path, "")
        for prefix, index in self.prefixes:
            if module == prefix or module.startswith(prefix + "."):
                layer = index
                break
        return layer, -len(self.importers.get(path, ())), self.imports.get(path, 0)


def _folder(path: str) -> str:
    return path.rpartition("/")[0]


def _importable_name(path: str, module: str, files: Mapping[str, Any]) -> str:
    """The name absolute imports use: from the top of its `__init__.py` chain (`lib/` aside)."""
    folder, depth = _folder(path), 0
    while folder and f"{folder}/__init__.py" in files:
        folder, depth = _folder(folder), depth + 1
    parts = module.split(".")
    keep = depth + (0 if path.endswith("__init__.py") else 1)
    return ".".join(parts[-keep:]) if depth else module


def imported_modules(source: ParsedFile) -> list[str]:
    """The modules a file imports (`from a import b` as `a.b`), relative imports resolved."""
    tree = python_ast(source)
    if tree is None:
        return []
    module, is_package = module_of(source.path)
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: set[str] = set()
    pending = [tree.body]
    while pending:
        for node in pending.pop():
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                found.update(_imported_from(node, package))
            else:
                pending.extend(child_blocks(node))
    return sorted(found)


def _imported_from(node: ast.ImportFrom, package: list[str]) -> list[str]:
    base = node.module or ""
    if node.level:
        if node.level - 1 > len(package):
            return []  # beyond the top: not a module of this repository
        parent = package[: len(package) - (node.level - 1)]
        base = ".".join([*parent, base] if base else parent)
    return [f"{base}.{alias.name}" if base else alias.name for alias in node.names]


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


def python_ast(source: ParsedFile) -> ast.Module | None:
    """The file's `ast` (line numbers without libcst's position pass), None if it won't parse."""
    return source.python_ast


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
    """[fingerprint, qualified name, line, column, end line, end column, names, annotations]."""
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
        found.append(
            [
                *(fingerprint, name, node.lineno, column, end_line, end_column, names),
                *(_types(node), _work_literals(node)),
            ]
        )


_MESSAGE_CALLS = frozenset(
    ("debug", "info", "warning", "warn", "error", "exception", "critical", "log", "gettext")
)


def _work_literals(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """A digest of the body's strings that do its work, messages aside ("" if none).

    SQL, templates, keys and formats are the work (`"REGEXP_LIKE(%s, %s)"` against
    `"%s ~ %s"`); the text of an exception or a log line, or a translatable string, is a
    message: two copies that only word their errors differently are still copies.
    """
    body = node.body[1:] if node.body and _is_docstring(node.body[0]) else node.body
    found: list[str] = []
    pending: list[tuple[ast.AST, bool]] = [(statement, False) for statement in body]
    while pending:
        current, message = pending.pop()
        if isinstance(current, ast.Constant):
            if isinstance(current.value, str | bytes) and not message:
                found.append(repr(current.value))
            continue
        if isinstance(current, ast.Raise) or (
            isinstance(current, ast.Call) and _is_message_call(current.func)
        ):
            message = True
        pending.extend((child, message) for child in ast.iter_child_nodes(current))
    if not found:
        return ""
    return hashlib.blake2b("\0".join(sorted(found)).encode(), digest_size=8).hexdigest()


def _is_message_call(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in _MESSAGE_CALLS or name == "_" or name.endswith(("Error", "Exception", "Warning"))


def _types(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The signature's annotations (what a typed twin declares differently), "" without any."""
    args = node.args
    params = (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg)
    notes = [a.annotation for a in params if a is not None and a.annotation is not None]
    if node.returns is not None:
        notes.append(node.returns)
    return " ".join(ast.unparse(note) for note in notes)


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
