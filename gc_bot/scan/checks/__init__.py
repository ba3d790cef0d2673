"""The check registry: built-in libcst checks and a team's own, looked up by name.

Every module in this package defines one check and registers it with `@register`; the
registry imports them all on first use. A team's checks (`principles/checks/*.py`, written
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


@cache
def import_submodules(package: str) -> None:
    """Import every module of `package` once, so that each registers itself."""
    path = importlib.import_module(package).__path__
    for module in pkgutil.iter_modules(path):
        importlib.import_module(f"{package}.{module.name}")


def _load_all() -> None:
    import_submodules(__name__)


def check_names(team: str | None = None) -> list[str]:
    """Built-in checks, and the team's own from its `principles/checks/` folder `team`."""
    return sorted(_checks(team))


def get_check(name: str, team: str | None = None) -> Check:
    return _checks(team)[name]()


def parse_options(name: str, options: Mapping[str, Any], team: str | None = None) -> BaseModel:
    return _checks(team)[name].Options.model_validate(dict(options))


def _checks(team: str | None) -> dict[str, type[Check]]:
    _load_all()
    if team is None:
        return _REGISTRY
    from gc_bot.scan.team_checks import load_team_checks

    return {**_REGISTRY, **load_team_checks(team, frozenset(_REGISTRY))}
