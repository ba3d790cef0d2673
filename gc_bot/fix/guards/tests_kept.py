"""No test loses its assertions or its body: a fix in a test file may not make a test vacuous."""

from __future__ import annotations

import ast
import posixpath

from gc_bot.fix.guards import Change

_ASSERT_CALLS = ("assert", "raises", "warns", "fail", "approx")


def is_test_file(path: str) -> bool:
    name = posixpath.basename(path)
    parts = path.split("/")[:-1]
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or any(p in ("tests", "test") for p in parts)
    )


def tests_kept(change: Change) -> str | None:
    problems = []
    for path, text in change.after.items():
        if not is_test_file(path):
            continue
        before, after = _tests(change.before.get(path, "")), _tests(text)
        if after is None:
            continue  # does not parse: the parse check says so
        for name, (checks, body) in (before or {}).items():
            if name not in after:
                problems.append(f"{path}: test `{name}` is removed")
            elif after[name][1] == 0 and body:
                problems.append(f"{path}: test `{name}` loses its body")
            elif after[name][0] < checks:
                problems.append(
                    f"{path}: test `{name}` loses assertions ({checks} before, {after[name][0]} after)"
                )
    if not problems:
        return None
    return "the change weakens tests, which a fix may never do: " + "; ".join(problems[:5])


def _tests(text: str) -> dict[str, tuple[int, int]] | None:
    """test name (`Class.test_x`) -> (assertions, statements that do something)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    found: dict[str, tuple[int, int]] = {}
    for node, owner in _functions(tree):
        if node.name.startswith("test"):
            found[f"{owner}{node.name}"] = (_assertions(node), _real_statements(node.body))
    return found


def _functions(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node, ""
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield item, f"{node.name}."


def _assertions(function: ast.AST) -> int:
    count = 0
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            count += 1
        elif isinstance(node, ast.Call):
            name = _called_name(node.func)
            if name and any(word in name.lower() for word in _ASSERT_CALLS):
                count += 1
    return count


def _called_name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _real_statements(body: list[ast.stmt]) -> int:
    """Statements other than `pass`, `...` and a docstring."""
    return sum(
        1
        for stmt in body
        if not isinstance(stmt, ast.Pass)
        and not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))
    )
