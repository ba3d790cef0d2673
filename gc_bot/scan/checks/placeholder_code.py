"""`placeholder-code`: a function left as a stub in real code.

Flagged: a function whose body (a docstring aside) is only `pass`, only `...`, only
`raise NotImplementedError(...)`, only a docstring, or only a bare `return` / `return None`
beside a TODO/FIXME/XXX comment.

Not flagged:

- `.pyi` stubs, functions under `if TYPE_CHECKING:`, and functions nested in functions (a local
  `def ignore(*args): pass` is a deliberate no-op callback);
- decorated functions, unless the decorator is only `property` (and its setters),
  `staticmethod`, `classmethod` or `cached_property`: `@abstractmethod`, `@overload`,
  `@singledispatch` bases, and decorators that register the function (`@click.group()`,
  pluggy's `@hookspec`) all give an empty body a meaning;
- methods that only raise `NotImplementedError`: the way older code declares a method abstract;
- methods of `Protocol` classes, of exception classes, and of null objects (a class named
  `Dummy...`, `Null...`, `Noop...`, `Fake...`, `_empty...`);
- interfaces: a class of two or more docstring-only methods and no public method with a body
  (an events class), a typed `...` declaration beside its `if not TYPE_CHECKING:` definition,
  the empty variant of a name the other branch of an `if` binds, and a `-> NoReturn` function
  whose `raise NotImplementedError` is its answer;
- hooks: an empty method of a class that the repository subclasses (base-class names are read
  across all files, so this check is cross-file);
- deliberate no-ops: an empty method that may override an inherited one (its class has a base
  that is defined outside the repository, or a base in it that defines the same method: the
  override switches the inherited behaviour off), and a function whose name or docstring says
  it does nothing on purpose (`noop`, "subclasses may override", "intentionally"...).

A TODO comment in the body makes the function a placeholder even where it would be one of the
hooks or no-ops above: the comment says the work is not done.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gc_bot.scan.checks import Check, FileResult, Hit, register

if TYPE_CHECKING:
    from gc_bot.scan.parsed import ParsedFile

_NO_BASE = {"object", "ABC", "Generic"}

_WHAT = {
    "pass": "only `pass`",
    "ellipsis": "only `...`",
    "docstring": "only a docstring",
    "not-implemented": "only `raise NotImplementedError`",
    "return": "only `return`",
}


@register
class PlaceholderCode(Check):
    name = "placeholder-code"
    cross_file = True

    def run(self, source: ParsedFile, options: object) -> FileResult:
        from gc_bot.scan.checks.placeholder_facts import file_facts

        return FileResult(facts=file_facts(source))

    def combine(self, facts: Mapping[str, Any], options: object) -> dict[str, list[Hit]]:
        classes: dict[str, tuple[set[str], set[str]]] = {}
        for file_facts in facts.values():
            for name, (bases, methods) in file_facts["classes"].items():
                known = classes.setdefault(name, (set(), set()))
                known[0].update(bases)
                known[1].update(methods)
        subclassed = {base for bases, _ in classes.values() for base in bases}
        found: dict[str, list[Hit]] = {}
        for path, file_facts in facts.items():
            for candidate in file_facts["candidates"]:
                owner, bases, name, kind, todo, line, column, end_line, end_column = candidate
                meant = owner is not None and (
                    owner in subclassed or _may_override(name, bases, classes)
                )
                if meant and not todo:
                    continue  # a hook, or an override that switches inherited behaviour off
                what = _WHAT[kind] + (" and a TODO" if todo else "")
                message = (
                    f"`{name}` is a placeholder: its body is {what}; implement it or remove it"
                )
                found.setdefault(path, []).append(Hit(line, column, end_line, end_column, message))
        return found


def _may_override(
    method: str, bases: list[str], classes: Mapping[str, tuple[set[str], set[str]]]
) -> bool:
    """Whether an ancestor may define `method`: one defines it, or one is not in the repository."""
    seen: set[str] = set()
    todo = [b for b in bases if b not in _NO_BASE]
    while todo:
        base = todo.pop()
        if base in seen:
            continue
        seen.add(base)
        known = classes.get(base)
        if known is None or method in known[1]:
            return True
        todo += [b for b in known[0] if b not in _NO_BASE]
    return False
