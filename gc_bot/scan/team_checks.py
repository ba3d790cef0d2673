"""A team's own checks: the Python modules in its `principles/checks/` folder.

Fixit-style local rules: each file is imported by path under a reserved package name
(`gc_bot_team.<folder hash>.<file>`), so it can neither shadow nor be shadowed by an installed
module, and the checks it registers with `gc_bot.api.register` are collected for that folder
alone. Only a folder in the checkout's own principles (where the principles and configuration
come from) is ever passed here; the sweep never loads one from the `--base` it reviews.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import traceback
from functools import cache
from pathlib import Path
from types import ModuleType

from gc_bot.errors import GcBotError
from gc_bot.scan.checks import Check, _collecting

PACKAGE = "gc_bot_team"


class TeamCheckError(GcBotError):
    """Every problem in a team's check modules, each as `file:line: message` (exit 2)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def _problem(path: Path, line: int, message: str) -> str:
    return f"{path}:{line}: {message}"


def load_team_checks(folder: str, builtin: frozenset[str]) -> dict[str, type[Check]]:
    """The checks defined in `folder/*.py` by name; a broken module is a TeamCheckError."""
    return _load(str(Path(folder).resolve()), builtin)


@cache
def _load(folder: str, builtin: frozenset[str]) -> dict[str, type[Check]]:
    found: dict[str, type[Check]] = {}
    problems: list[str] = []
    prefix = f"{PACKAGE}.m{hashlib.sha1(folder.encode()).hexdigest()[:12]}"
    for path in sorted(Path(folder).glob("*.py")):
        checks, problem = _import(path, f"{prefix}.{path.stem}")
        if problem:
            problems.append(problem)
        for check in checks:
            problem = _naming_problem(path, check, found, builtin)
            if problem:
                problems.append(problem)
            else:
                found[check.name] = check
    if problems:
        raise TeamCheckError(problems)
    return found


def _import(path: Path, name: str) -> tuple[list[type[Check]], str | None]:
    collected: list[type[Check]] = []
    token = _collecting.set(collected)
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses and pickling look modules up by name
        spec.loader.exec_module(module)
    except Exception as error:  # the team's code: any failure is reported, file and line
        sys.modules.pop(name, None)
        return [], _problem(path, _line(error, path), f"cannot load check module: {error!r}")
    finally:
        _collecting.reset(token)
    return [c for c in collected if _defined_in(c, module)], None


def _defined_in(check: type[Check], module: ModuleType) -> bool:
    return check.__module__ == module.__name__


def _naming_problem(
    path: Path, check: type[Check], found: dict[str, type[Check]], builtin: frozenset[str]
) -> str | None:
    name = getattr(check, "name", None)
    if not isinstance(name, str) or not name:
        return _problem(path, 1, f"check class {check.__name__} has no `name`")
    if name in builtin:
        return _problem(path, 1, f"check {name!r} has the name of a built-in check")
    if name in found:
        return _problem(path, 1, f"two team checks are named {name!r}")
    return None


def _line(error: Exception, path: Path) -> int:
    if isinstance(error, SyntaxError) and error.lineno:
        return error.lineno
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename) == path]
    return frames[-1].lineno or 1 if frames else 1
