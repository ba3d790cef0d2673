"""The check registry: built-in libcst checks and a team's own, looked up by name.

Every module in this package defines checks and registers them with `@register`;
`BUILTIN_MODULES` says which module holds which check, so that a scan imports only the checks
it runs, and its main process (which only combines cross-file facts) none that needs libcst:
the engine's workers parse. A team's checks (`principles/checks/*.py`, written
against `gc_bot.api`) register the same way and are looked up with the folder they came
from. Checks know nothing of principle files: a principle names a check and passes it
options, which the check's own `Options` model validates.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from gc_bot.scan.parsed import ParsedFile


class Hit(NamedTuple):
    """Where a check fired in one file; lines and columns are 1-based."""

    line: int
    column: int
    end_line: int
    end_column: int
    message: str


@dataclass
class FileResult:
    hits: list[Hit] = field(default_factory=list)
    facts: Any = None  # JSON-ready per-file facts, for cross-file checks
    # Line spans (first, last) where the check judged the code fine: its principle's ruff codes
    # are not reported there (ruff's S110 sees `except: pass`, the check sees the reason).
    quiet: list[tuple[int, int]] = field(default_factory=list)


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Check:
    """A built-in check. Subclasses set `name`, may set `Options`, and implement `run`.

    A cross-file check returns JSON-ready facts from `run` and turns the facts of every file
    into hits in `combine`; the scan caches the facts by file content and calls `combine` on
    every scan, so a change in one file updates what it implies for the others.
    """

    name: ClassVar[str]
    Options: ClassVar[type[BaseModel]] = NoOptions
    cross_file: ClassVar[bool] = False

    def run(self, source: ParsedFile, options: Any) -> FileResult:
        raise NotImplementedError

    def combine(self, facts: Mapping[str, Any], options: Any) -> dict[str, list[Hit]]:
        raise NotImplementedError


_REGISTRY: dict[str, type[Check]] = {}
# While a team's module is imported, its registrations go here instead (see team_checks).
_collecting: ContextVar[list[type[Check]] | None] = ContextVar("collecting", default=None)


def register(check: type[Check]) -> type[Check]:
    collected = _collecting.get()
    if collected is not None:
        collected.append(check)
        return check
    if check.name in _REGISTRY and _REGISTRY[check.name] is not check:
        raise ValueError(f"two checks are named {check.name!r}")
    _REGISTRY[check.name] = check
    return check


# Where each built-in check is defined (a test holds this to what the modules register).
BUILTIN_MODULES = {
    "commented-out-code": "commented_out_code",
    "dead-private-code": "dead_private_code",
    "debugger-context": "ruff_context",
    "duplicate-code": "duplicate_code",
    "function-size": "function_size",
    "layer-boundaries": "layer_boundaries",
    "passthrough-wrapper": "passthrough_wrapper",
    "placeholder-code": "placeholder_code",
    "print-context": "ruff_context",
    "redundant-comment": "redundant_comment",
    "silent-except": "silent_except",
    "todo-context": "ruff_context",
    "try-context": "ruff_context",
    "unused-context": "ruff_context",
}


@cache
def import_submodules(package: str) -> None:
    """Import every module of `package` once, so that each registers itself."""
    path = importlib.import_module(package).__path__
    for module in pkgutil.iter_modules(path):
        importlib.import_module(f"{package}.{module.name}")


def check_names(team: str | None = None) -> list[str]:
    """Built-in checks, and the team's own from its `principles/checks/` folder `team`."""
    return sorted([*BUILTIN_MODULES, *(_team_checks(team) if team else ())])


def get_check(name: str, team: str | None = None) -> Check:
    return check_class(name, team)()


def parse_options(name: str, options: Mapping[str, Any], team: str | None = None) -> BaseModel:
    return check_class(name, team).Options.model_validate(dict(options))


def check_class(name: str, team: str | None = None) -> type[Check]:
    """The check named `name`, its module imported now if it was not; KeyError if none is."""
    module = BUILTIN_MODULES.get(name)
    if module is not None:
        importlib.import_module(f"{__name__}.{module}")
        return _REGISTRY[name]
    if team is None:
        raise KeyError(name)
    return _team_checks(team)[name]


def _team_checks(team: str) -> dict[str, type[Check]]:
    from gc_bot.scan.team_checks import load_team_checks

    return load_team_checks(team, frozenset(BUILTIN_MODULES))
