"""`placeholder-code`'s facts about one file, from its libcst tree (the engine's workers).

Each class's bases and methods, and the placeholder functions for `combine` to decide on
(`placeholder_code`, which runs in the scan's main process and so imports no libcst).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import libcst as cst

from gc_bot.scan.checks.function_size import DefLines
from gc_bot.scan.parsed import ParsedFile

# Decorators that leave an empty body empty; any other one (`@abstractmethod`, `@overload`,
# `@singledispatch`, `@click.group()`, pluggy's `@hookspec`...) gives it a meaning.
_PLAIN_DECORATORS = {
    "property",
    "setter",
    "getter",
    "deleter",
    "staticmethod",
    "classmethod",
    "cached_property",
}
_TODO = re.compile(r"\b(?:TODO|FIXME|XXX)\b|\btodo\b", re.IGNORECASE)
_ON_PURPOSE_NAME = re.compile(
    r"(^|_)(noop|no_op|nop|do_nothing|dummy|null|ignore|nothing)($|_)", re.IGNORECASE
)
_ON_PURPOSE_DOC = re.compile(
    r"subclass|overrid|hook|no-?op\b|do(es)? nothing|intentional|on purpose|deliberate|stub|placeholder for",
    re.IGNORECASE,
)
_NULL_CLASS = re.compile(r"^_?(dummy|null|noop|no_op|fake|stub|mock|empty)", re.IGNORECASE)
_EXCEPTION_NAME = re.compile(r"(Error|Exception|Warning|Exit|Interrupt)$")


def file_facts(source: ParsedFile) -> dict[str, Any]:
    """Each class's bases and methods, and the placeholder functions combine decides on."""
    classes: dict[str, list[list[str]]] = {}  # name -> [bases, methods]
    candidates: list[list[Any]] = []
    if source.is_stub:
        return {"classes": classes, "candidates": candidates}
    aliases = _import_aliases(source)
    hooks: dict[str, list[int]] = {}  # class -> [docstring-only methods, public with a body]
    for statement in source.statements:
        node = statement.node
        if isinstance(node, cst.ClassDef):
            bases, methods = classes.setdefault(node.name.value, [[], []])
            bases += [b for b in _base_names(node, aliases) if b not in bases]
            continue
        if not isinstance(node, cst.FunctionDef):
            continue
        owner = statement.parents[-1] if statement.parents else None
        if isinstance(owner, cst.ClassDef):
            methods = classes.setdefault(owner.name.value, [[], []])[1]
            if node.name.value not in methods:
                methods.append(node.name.value)
            _count_hook(hooks.setdefault(owner.name.value, [0, 0]), node)
        candidate = _candidate(node, statement.parents, aliases)
        if candidate is not None:
            candidates.append([*candidate, *DefLines.of(source).span(node)])
    declared = _defined_for_runtime(source) | _variants(source)
    specs = {name for name, (documented, built) in hooks.items() if documented >= 2 and not built}
    candidates = [c for c in candidates if c[0] not in specs and (c[0], c[2]) not in declared]
    return {"classes": classes, "candidates": candidates}


def _defined_for_runtime(source: ParsedFile) -> set[tuple[str | None, str]]:
    """(class or None, name) of functions defined under `if not TYPE_CHECKING:`: a stub of the
    same name beside it is the type checker's declaration (a typed signature with `...`), and
    the runtime definition is the one under the `if`."""
    found: set[tuple[str | None, str]] = set()
    for statement in source.of_type(cst.FunctionDef):
        if not any(_is_type_checking(p, negated=True) for p in statement.parents):
            continue
        classes = [p for p in statement.parents if isinstance(p, cst.ClassDef)]
        found.add((classes[-1].name.value if classes else None, statement.node.name.value))
    return found


def _variants(source: ParsedFile) -> set[tuple[str | None, str]]:
    """(class or None, name) of functions defined in one branch of an `if` whose other branch
    binds the same name (`if PYPY: lazy_gc = collect` / `else: def lazy_gc(): pass`): the empty
    one is the variant for the case where there is nothing to do."""
    found: set[tuple[str | None, str]] = set()
    for statement in source.of_type(cst.If):
        node = statement.node
        if node.orelse is None:
            continue
        classes = [p for p in statement.parents if isinstance(p, cst.ClassDef)]
        owner = classes[-1].name.value if classes else None
        branches = [node.body.body, *_other_branches(node.orelse)]
        bound = [_bound(body) for body in branches]
        for index, body in enumerate(branches):
            elsewhere = set().union(*(b for i, b in enumerate(bound) if i != index))
            for child in body:
                if isinstance(child, cst.FunctionDef) and child.name.value in elsewhere:
                    found.add((owner, child.name.value))
    return found


def _other_branches(orelse: cst.If | cst.Else | None) -> list[Sequence[cst.BaseStatement]]:
    if isinstance(orelse, cst.Else):
        return [orelse.body.body]
    if isinstance(orelse, cst.If):
        return [orelse.body.body, *_other_branches(orelse.orelse)]
    return []


def _bound(body: Sequence[cst.BaseStatement]) -> set[str]:
    """Names a block binds at its own level: definitions and assignment targets."""
    names: set[str] = set()
    for child in body:
        if isinstance(child, cst.FunctionDef | cst.ClassDef):
            names.add(child.name.value)
        elif isinstance(child, cst.SimpleStatementLine):
            for small in child.body:
                for target in getattr(small, "targets", ()):
                    if isinstance(target.target, cst.Name):
                        names.add(target.target.value)
    return names


def _count_hook(counts: list[int], method: cst.FunctionDef) -> None:
    """Count a method as a documented hook (a docstring and nothing else, decorated or not), or
    as a public method with a body. A class of two or more hooks and no public method with a
    body specifies an interface, such as an events class whose methods document each event; it
    implements nothing on purpose (private helpers, `_listen` or `_accept_with`, run the
    machinery behind it, and a TODO in a hook is about its API)."""
    kind, _ = _body_kind(method)
    if kind == "docstring":
        counts[0] += 1
    elif kind is None and not method.name.value.startswith("_"):
        counts[1] += 1


def _candidate(
    function: cst.FunctionDef, parents: tuple[cst.CSTNode, ...], aliases: dict[str, str]
) -> list[Any] | None:
    """[class name or None, class bases, function name, kind, has TODO], or None if not a placeholder."""
    if any(isinstance(p, cst.FunctionDef) for p in parents) or any(
        _is_type_checking(p) for p in parents
    ):
        return None
    if any(_decorator_name(d) not in _PLAIN_DECORATORS for d in function.decorators):
        return (
            None  # abstract, @overload, or registered somewhere that gives the empty body a meaning
        )
    kind, docstring = _body_kind(function)
    if kind is None:
        return None
    todo = _has_todo(function)
    if kind == "not-implemented" and _returns_never(function):
        return None  # `-> NoReturn`: raising is what it is for (an "unsupported" answer)
    if kind == "return" and not todo:
        return None
    name = function.name.value
    owner = parents[-1] if parents and isinstance(parents[-1], cst.ClassDef) else None
    on_purpose = _ON_PURPOSE_NAME.search(name) or (docstring and _ON_PURPOSE_DOC.search(docstring))
    if on_purpose and not todo:
        return None
    if owner is None:
        return [None, [], name, kind, todo]
    if not todo and name.startswith("__") and name.endswith("__") and name != "__init__":
        return None  # `__enter__`, `__exit__`, `__del__`...: a protocol's method that has nothing to do here
    bases = _base_names(owner, aliases)
    class_name = owner.name.value
    if "Protocol" in bases or _is_exception(class_name, bases) or _NULL_CLASS.match(class_name):
        return None
    if kind == "not-implemented":
        return None
    return [class_name, bases, name, kind, todo]


def _body_kind(function: cst.FunctionDef) -> tuple[str | None, str]:
    """What the body is made of ("pass", "ellipsis", "docstring", "not-implemented", "return"), and the docstring."""
    body = function.body
    small: list[cst.BaseSmallStatement] = []
    if isinstance(body, cst.SimpleStatementSuite):
        small = list(body.body)
    else:
        for statement in body.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                return None, ""
            small += statement.body
    docstring = ""
    if (
        small
        and isinstance(small[0], cst.Expr)
        and isinstance(small[0].value, cst.SimpleString | cst.ConcatenatedString)
    ):
        value = small.pop(0).value
        docstring = value.evaluated_value if isinstance(value, cst.SimpleString) else ""
        docstring = docstring if isinstance(docstring, str) else ""
    if not small:
        return "docstring", docstring
    if all(isinstance(s, cst.Pass) for s in small):
        return "pass", docstring
    if all(isinstance(s, cst.Expr) and isinstance(s.value, cst.Ellipsis) for s in small):
        return "ellipsis", docstring
    if all(
        isinstance(s, cst.Pass) or (isinstance(s, cst.Expr) and isinstance(s.value, cst.Ellipsis))
        for s in small
    ):
        return "pass", docstring
    if len(small) == 1 and isinstance(small[0], cst.Raise) and _is_not_implemented(small[0].exc):
        return "not-implemented", docstring
    if len(small) == 1 and isinstance(small[0], cst.Return):
        value = small[0].value
        if value is None or (isinstance(value, cst.Name) and value.value == "None"):
            return "return", docstring
    return None, docstring


def _returns_never(function: cst.FunctionDef) -> bool:
    annotation = function.returns.annotation if function.returns is not None else None
    if isinstance(annotation, cst.Attribute):
        return annotation.attr.value in {"NoReturn", "Never"}
    return isinstance(annotation, cst.Name) and annotation.value in {"NoReturn", "Never"}


def _is_not_implemented(exc: cst.BaseExpression | None) -> bool:
    if isinstance(exc, cst.Call):
        exc = exc.func
    return isinstance(exc, cst.Name) and exc.value == "NotImplementedError"


def _has_todo(function: cst.FunctionDef) -> bool:
    body = function.body
    comments = []
    if isinstance(body, cst.SimpleStatementSuite):
        comments.append(body.trailing_whitespace.comment)
    else:
        comments.append(body.header.comment)
        comments += [line.comment for line in body.footer]
        for statement in body.body:
            comments += [line.comment for line in statement.leading_lines]
            if isinstance(statement, cst.SimpleStatementLine):
                comments.append(statement.trailing_whitespace.comment)
    return any(c is not None and _TODO.search(c.value) for c in comments)


def _decorator_name(decorator: cst.Decorator) -> str:
    node = decorator.decorator
    if isinstance(node, cst.Call):
        node = node.func
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else ""


def _import_aliases(source: ParsedFile) -> dict[str, str]:
    """`from m import Base as Other`: Other -> Base, so that a subclass of Other subclasses Base."""
    aliases = {}
    for statement in source.of_type(cst.SimpleStatementLine, cst.ImportFrom):
        node = statement.node
        for small in node.body if isinstance(node, cst.SimpleStatementLine) else [node]:
            if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                aliases.update(_renamed(small.names))
    return aliases


def _renamed(names: Sequence[cst.ImportAlias]) -> Iterator[tuple[str, str]]:
    for alias in names:
        if alias.asname is not None and isinstance(alias.name, cst.Name):
            target = alias.asname.name
            if isinstance(target, cst.Name):
                yield target.value, alias.name.value


def _base_names(cls: cst.ClassDef, aliases: dict[str, str]) -> list[str]:
    names = []
    for arg in cls.bases:
        if arg.keyword is not None or arg.star:
            continue
        node = arg.value
        if isinstance(node, cst.Subscript):
            node = node.value
        if isinstance(node, cst.Attribute):
            names.append(node.attr.value)
        elif isinstance(node, cst.Name):
            names.append(aliases.get(node.value, node.value))
        else:
            names.append("?")  # computed base: unknown, so it may define anything
    return names


def _is_exception(name: str, bases: list[str]) -> bool:
    return bool(_EXCEPTION_NAME.search(name)) or any(_EXCEPTION_NAME.search(b) for b in bases)


def _is_type_checking(node: cst.CSTNode, negated: bool = False) -> bool:
    """`if TYPE_CHECKING:` (or, negated, `if not TYPE_CHECKING:`)."""
    if not isinstance(node, cst.If):
        return False
    test = node.test
    if negated:
        if not (isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)):
            return False
        test = test.expression
    name = test.attr.value if isinstance(test, cst.Attribute) else getattr(test, "value", None)
    return name == "TYPE_CHECKING"
