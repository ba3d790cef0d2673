"""A fix must not remove a name that another module of the repository imports.

Linters judge one file at a time: ruff's F401 calls a re-export (`compat.py` importing
`urlparse` for the rest of the package) unused, and a model may delete a helper that only
looks unused. Validation asks the repository instead.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

from gc_bot.scan.checks.layers import module_of

# POSIX ERE for git grep: `from <anything ending in name> import` or `from . import`.
_IMPORT_FROM = (
    r"from[[:space:]]+[.[:alnum:]_]*{name}[[:space:]]+import|from[[:space:]]+\.+[[:space:]]+import"
)


def removed_imported_names(worktree: Path, changes: dict[str, tuple[str, str]]) -> list[str]:
    """`module.name (imported by path:line)` for each module-level name a change removes."""
    problems = []
    for path, (before, after) in changes.items():
        removed = _top_level_names(before) - _top_level_names(after)
        if not removed or not path.endswith(".py"):
            continue
        module, _ = module_of(path)
        for user, line, name in _importers(worktree, module, removed, exclude=path):
            problems.append(f"`{module}.{name}` (imported by {user}:{line})")
    return problems


def _top_level_names(text: str) -> set[str]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in _module_level(tree.body):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def _module_level(body: list[ast.stmt]):
    """Statements at module level, including those under module-level if/try blocks."""
    for node in body:
        yield node
        if isinstance(node, ast.If | ast.Try):
            blocks = [node.body, node.orelse]
            if isinstance(node, ast.Try):
                blocks += [h.body for h in node.handlers] + [node.finalbody]
            for block in blocks:
                yield from _module_level(block)


def _importers(worktree: Path, module: str, names: set[str], exclude: str):
    """(path, line, name) for each `from <module> import <name>` elsewhere in the repository:
    in the files of the worktree as they are, and (a sparse worktree) as committed in HEAD."""
    last = module.rsplit(".", 1)[-1]
    pattern = _IMPORT_FROM.format(name=re.escape(last))
    present = _grep(worktree, pattern)
    committed = [p.removeprefix("HEAD:") for p in _grep(worktree, pattern, "HEAD")]
    absent = [p for p in committed if p not in present and not (worktree / p).exists()]
    texts = _committed_texts(worktree, absent)
    for candidate in sorted({*present, *texts}):
        if candidate != exclude:
            yield from _imports_of(worktree, candidate, module, names, texts.get(candidate))


def _grep(worktree: Path, pattern: str, *tree: str) -> list[str]:
    done = subprocess.run(
        ["git", "grep", "-l", "-E", pattern, *tree, "--", "*.py"],
        cwd=worktree,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.splitlines()


def _committed_texts(worktree: Path, paths: list[str]) -> dict[str, str | None]:
    """Files as HEAD has them, in one `git cat-file --batch`."""
    if not paths:
        return {}
    done = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=worktree,
        input="".join(f"HEAD:{p}\n" for p in paths).encode(),
        capture_output=True,
        check=False,
    )
    texts: dict[str, str | None] = {}
    out, at = done.stdout, 0
    for path in paths:
        header_end = out.find(b"\n", at)
        header = out[at:header_end].split()
        if len(header) != 3 or header[1] != b"blob":
            at = header_end + 1  # "<spec> missing": nothing to read
            continue
        size = int(header[2])
        body = out[header_end + 1 : header_end + 1 + size]
        texts[path] = body.decode("utf-8", "replace")
        at = header_end + 1 + size + 1
    return texts


def _imports_of(worktree: Path, candidate: str, module: str, names: set[str], text=None):
    try:
        if text is None:
            text = (worktree / candidate).read_text(encoding="utf-8")
        tree = ast.parse(text)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return
    own, is_package = module_of(candidate)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and _resolve(node, own, is_package) == module:
            yield from (
                (candidate, node.lineno, alias.name) for alias in node.names if alias.name in names
            )


def _resolve(node: ast.ImportFrom, own: str, is_package: bool) -> str | None:
    if not node.level:
        return node.module
    package = own.split(".") if is_package else own.split(".")[:-1]
    if node.level - 1 > len(package):
        return None
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, node.module] if node.module else package)
