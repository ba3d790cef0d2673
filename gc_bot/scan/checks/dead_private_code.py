"""`dead-private-code`: module-level `_private` functions and classes that nothing references.

Per file (`run`), the check records the module-level private definitions and every
`_identifier` word in the file's text, each with its context: the private definition it
sits in, or live code (anything else: module-level statements, public functions and
classes). Across files (`combine`), references become edges between definitions, and
whatever live code cannot reach, directly or through other private definitions, is dead:
a helper used only by a dead helper is dead too, so one fix deletes the whole set.

References are found in the text, not the syntax tree (a full tree walk costs more than
the parse itself): a word in a comment or a string counts, which errs on the side of
keeping code. How a word counts:

- `def _x` / `class _x` defines, it never refers;
- a bare `_x` refers to this file's own `_x` when the file defines one (unless it also
  imports an `_x`), else to every module-level `_x` in the repository (`from mod import
  _x`, `getattr(mod, "_x")`, `__all__ = ["_x"]`: the module cannot be told from the text,
  so every candidate counts as used);
- `something._x` refers to every module-level `_x` in the other files (`mod._x`);
- a word that ends in `_` (`"_handle_"`) refers to every definition it is a prefix of
  (`getattr(self, "_handle_" + kind)`).

Never reported: a definition with a decorator that may register it somewhere (anything
but known pure wrappers such as `functools.cache`, `lru_cache`, `wraps`, `contextmanager`,
`dataclass`, `overload`); every definition in a module that reaches its names dynamically
(`globals()`, `locals()`, `vars()`, or a module-level `__getattr__`); definitions in `.pyi`
stubs (their words still count as uses).

The definitions and their lines come from Python's own `ast` (shared with `duplicate-code`,
parsed only for a file whose text has a private `def` or `class` that may be module level),
never from libcst's position pass; a file Python's parser refuses falls back on libcst.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gc_bot.scan.checks import Check, FileResult, Hit, register
from gc_bot.scan.checks.duplicate_code import (
    character_column,
    child_blocks,
    python_ast,
    source_lines,
)

if TYPE_CHECKING:  # libcst only for a file Python's parser refuses: combine runs without it
    import libcst as cst

    from gc_bot.scan.parsed import ParsedFile

# A private word: one leading underscore, then not another one (no dunders, no `_`). It also
# matches inside `a_b`; the loop skips those, which is faster than a lookbehind.
_WORD = re.compile(r"_[^\W_]\w*")
_DEFINES = re.compile(r"(?:^|[^\w.])(?:def|class)[ \t]+$")
_DYNAMIC = re.compile(r"(?:globals|locals|vars)\s*\(|\n(?:async\s+)?def\s+__getattr__\b")
# Decorators that only wrap what they decorate and register it nowhere.
_PURE_DECORATORS = frozenset(
    {
        "abstractmethod",
        "asynccontextmanager",
        "cache",
        "cached_property",
        "classmethod",
        "contextmanager",
        "dataclass",
        "deprecated",
        "final",
        "lru_cache",
        "no_type_check",
        "overload",
        "property",
        "runtime_checkable",
        "singledispatch",
        "staticmethod",
        "total_ordering",
        "unique",
        "wraps",
    }
)
# Cheap tests before Python's parser is asked: a private definition at column 0, or an
# indented one in a module with a compound statement at column 0 (`if`, `try`, ...).
_PRIVATE_DEFINITION = re.compile(r"(?:def|class)[ \t]+_[^\W_]")
_TOP_BLOCK = re.compile(r"\n(?:if|try|with|for|while|async[ \t]+(?:with|for))\b")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
LIVE = -1  # the context of code outside every private definition


@register
class DeadPrivateCode(Check):
    name = "dead-private-code"
    cross_file = True

    def run(self, source: ParsedFile, options: object) -> FileResult:
        return FileResult(facts=file_facts(source))

    def combine(self, facts: Mapping[str, Any], options: object) -> dict[str, list[Hit]]:
        return {
            path: [Hit(*span, message) for span, message in dead]
            for path, dead in dead_definitions(facts).items()
        }


def private_name(name: str) -> bool:
    return len(name) > 1 and name[0] == "_" and name[1] != "_"


def file_facts(source: ParsedFile) -> dict[str, Any]:
    """This file's private definitions and the private words it uses, by context."""
    text = source.text
    found = _definitions(source) if _may_define(source) else []
    dynamic = bool(found) and _DYNAMIC.search("\n" + text) is not None
    defs = []
    starts: list[int] = []  # first line of each definition, its decorators included
    ends: list[int] = []
    for name, span, first_line, decorated in found:
        defs.append([name, *span, int(dynamic or decorated)])
        starts.append(first_line)
        ends.append(span[2])
    order = sorted(range(len(defs)), key=starts.__getitem__)
    sorted_starts = [starts[i] for i in order]
    line_starts = _line_starts(text) if defs else []

    bare: dict[str, set[int]] = defaultdict(set)
    attribute: dict[str, set[int]] = defaultdict(set)
    for match in _WORD.finditer(text):
        start = match.start()
        if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            continue  # the middle of a word (`a_b`)
        before = text[max(0, start - 16) : start]
        if _DEFINES.search(before):
            continue
        context = LIVE
        if defs:
            line = bisect_right(line_starts, start)
            k = bisect_right(sorted_starts, line) - 1
            if k >= 0 and line <= ends[order[k]]:
                context = order[k]
        kind = attribute if before.rstrip(" \t").endswith(".") else bare
        kind[match.group()].add(context)
    facts: dict[str, Any] = {
        "defs": defs,
        "refs": {name: sorted(contexts) for name, contexts in bare.items()},
        "attrs": {name: sorted(contexts) for name, contexts in attribute.items()},
    }
    if defs:
        imported = _imported(source, {d[0] for d in defs})
        if imported:
            facts["imports"] = imported
    return facts


Definition = tuple[str, tuple[int, int, int, int], int, bool]  # name, span, first line, kept alive


def _definitions(source: ParsedFile) -> list[Definition]:
    """Private functions and classes bound at module level (also inside `if`, `try`, `with`)."""
    tree = python_ast(source)
    if tree is None:
        return _definitions_from_libcst(source)
    lines = source_lines(source)
    found: list[Definition] = []
    todo = [tree.body]
    while todo:
        for node in todo.pop():
            if isinstance(node, _DEFINITIONS):
                if private_name(node.name):
                    end_line = node.end_lineno or node.lineno
                    span = (
                        node.lineno,
                        character_column(lines[node.lineno - 1], node.col_offset) + 1,
                        end_line,
                        character_column(lines[end_line - 1], node.end_col_offset or 0) + 1,
                    )
                    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                    registers = any(not _pure_ast(d) for d in node.decorator_list)
                    found.append((node.name, span, first, registers))
            else:
                todo.extend(child_blocks(node))
    return found


def _definitions_from_libcst(source: ParsedFile) -> list[Definition]:
    """The same from libcst, for the rare file that Python's own parser refuses."""
    import libcst as cst

    found: list[Definition] = []
    for statement in source.of_type(cst.FunctionDef, cst.ClassDef):
        node = statement.node
        if private_name(node.name.value) and not any(
            isinstance(p, cst.FunctionDef | cst.ClassDef) for p in statement.parents
        ):
            span = source.position(node)
            first = source.position(node.decorators[0])[0] if node.decorators else span[0]
            registers = any(not _pure_cst(d.decorator) for d in node.decorators)
            found.append((node.name.value, span, first, registers))
    return found


def _may_define(source: ParsedFile) -> bool:
    text = source.text
    if source.is_stub:
        return False
    indented = False
    for match in _PRIVATE_DEFINITION.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        prefix = text[line_start : match.start()]
        if prefix.rstrip() in ("", "async") and not prefix[:1].isspace():
            return True
        indented = indented or not prefix.strip()
    return indented and _TOP_BLOCK.search("\n" + text) is not None


def _line_starts(text: str) -> list[int]:
    """Offsets where each line starts, lines counted as Python counts them."""
    return [0, *(m.end() for m in _NEWLINE.finditer(text))]


def _pure_ast(decorator: ast.expr) -> bool:
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    if isinstance(decorator, ast.Attribute):
        return decorator.attr in _PURE_DECORATORS
    return isinstance(decorator, ast.Name) and decorator.id in _PURE_DECORATORS


def _pure_cst(decorator: cst.BaseExpression) -> bool:
    import libcst as cst

    if isinstance(decorator, cst.Call):
        decorator = decorator.func
    if isinstance(decorator, cst.Attribute):
        return decorator.attr.value in _PURE_DECORATORS
    return isinstance(decorator, cst.Name) and decorator.value in _PURE_DECORATORS


def _imported(source: ParsedFile, names: set[str]) -> list[str]:
    """Which of `names` the file also imports (`from mod import _x`) somewhere."""
    pattern = re.compile(r"\bimport\b[^;#]*?\b(" + "|".join(map(re.escape, sorted(names))) + r")\b")
    if not pattern.search(source.text):
        return []
    tree = python_ast(source)
    if tree is None:  # fall back on the text: an import of the name anywhere
        return sorted({m.group(1) for m in pattern.finditer(source.text)})
    found = set()
    todo = [tree.body]
    while todo:
        for node in todo.pop():
            if isinstance(node, ast.ImportFrom):
                found.update(
                    n for alias in node.names for n in (alias.name, alias.asname) if n in names
                )
            else:
                todo.extend(child_blocks(node))
    return sorted(found)


Node = tuple[str, int]  # (path, index of a definition in that file), or (path, LIVE)


def dead_definitions(
    facts: Mapping[str, Any],
) -> dict[str, list[tuple[tuple[int, int, int, int], str]]]:
    """For each path, its dead definitions: (span, message), in the order of the file."""
    everywhere: dict[str, list[Node]] = defaultdict(list)
    for path, fact in facts.items():
        for index, definition in enumerate(fact["defs"]):
            everywhere[definition[0]].append((path, index))
    if not everywhere:
        return {}
    edges = _edges(facts, everywhere)
    live = _live(facts, edges)
    users: dict[Node, list[Node]] = defaultdict(list)
    for source, targets in edges.items():
        if source[1] != LIVE:
            for target in targets:
                if target != source and target not in live:
                    users[target].append(source)
    dead: dict[str, list] = {}
    for path, fact in facts.items():
        for index, (name, line, column, end_line, end_column, _) in enumerate(fact["defs"]):
            if (path, index) not in live:
                message = _message(facts, path, name, sorted(users.get((path, index), ())))
                dead.setdefault(path, []).append(((line, column, end_line, end_column), message))
    return dead


def _edges(facts: Mapping[str, Any], everywhere: Mapping[str, list[Node]]) -> dict[Node, set[Node]]:
    """Who uses what: from a definition (or a file's live code) to the definitions it names."""
    prefixes: dict[str, list[Node]] = {}  # a word ending in `_` names every definition starting so
    edges: dict[Node, set[Node]] = defaultdict(set)
    for path, fact in facts.items():
        own = {d[0] for d in fact["defs"]}
        imported = set(fact.get("imports", ()))
        for name, contexts in fact["refs"].items():
            targets = []
            if name in everywhere:
                if name in own:
                    targets = [t for t in everywhere[name] if t[0] == path]
                if name not in own or name in imported:
                    targets = everywhere[name]
            if name[-1] == "_":
                if name not in prefixes:
                    prefixes[name] = [
                        t for n, ts in everywhere.items() if n.startswith(name) for t in ts
                    ]
                targets = targets + prefixes[name]
            for context in contexts if targets else ():
                edges[(path, context)].update(targets)
        for name, contexts in fact["attrs"].items():
            targets = [t for t in everywhere.get(name, ()) if t[0] != path]
            for context in contexts if targets else ():
                edges[(path, context)].update(targets)
    return edges


def _live(facts: Mapping[str, Any], edges: Mapping[Node, set[Node]]) -> set[Node]:
    """Everything reachable from live code and from definitions kept alive by their decorators."""
    live: set[Node] = set()
    todo = [(path, LIVE) for path in facts]
    todo += [(path, i) for path, fact in facts.items() for i, d in enumerate(fact["defs"]) if d[5]]
    while todo:
        node = todo.pop()
        for target in edges.get(node, ()):
            if target not in live:
                live.add(target)
                todo.append(target)
        if node[1] != LIVE:
            live.add(node)
    return live


def _message(facts: Mapping[str, Any], path: str, name: str, using: list[Node]) -> str:
    if not using:
        return f"`{name}` is never used"
    named = ", ".join(_where(facts, path, u) for u in using[:3])
    more = f" and {len(using) - 3} more" if len(using) > 3 else ""
    return f"`{name}` is used only by dead private code ({named}{more})"


def _where(facts: Mapping[str, Any], path: str, user: tuple[str, int]) -> str:
    name = facts[user[0]]["defs"][user[1]][0]
    return f"`{name}`" if user[0] == path else f"`{name}` in {user[0]}"
