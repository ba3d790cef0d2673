"""The check registry: built-in libcst checks, looked up by name.

Every module in this package defines one check and registers it with `@register`; the
registry imports them all on first use. Checks know nothing of principle files: a principle
names a check and passes it options, which the check's own `Options` model validates.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from pydantic import BaseModel, ConfigDict, ValidationError

if TYPE_CHECKING:
    from gc_bot.principles import Principle
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


def register(check: type[Check]) -> type[Check]:
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


def check_names() -> list[str]:
    _load_all()
    return sorted(_REGISTRY)


def get_check(name: str) -> Check:
    _load_all()
    return _REGISTRY[name]()


def parse_options(name: str, options: Mapping[str, Any]) -> BaseModel:
    _load_all()
    return _REGISTRY[name].Options.model_validate(dict(options))


Problem = tuple[tuple[str | int, ...], str]  # (where in the YAML, what is wrong)


def validate_detect(principle: Principle) -> list[Problem]:
    """Problems with a principle's `detect` block and globs, each with its location in the YAML."""
    detect = principle.detect
    problems: list[Problem] = []
    if not detect.ruff and not detect.check:
        problems.append((("detect",), "detect needs `ruff` codes, a `check`, or both"))
    if detect.check is not None:
        problems += _check_problems(principle)
    elif detect.options:
        problems.append((("detect", "options"), "options are given but no `check` takes them"))
    return problems + _ruff_problems(principle) + _glob_problems(principle)


def _check_problems(principle: Principle) -> list[Problem]:
    detect = principle.detect
    if detect.check not in check_names():
        return [
            (
                ("detect", "check"),
                f"unknown check {detect.check!r} (known: {', '.join(check_names())})",
            )
        ]
    problems: list[Problem] = []
    variants = [(detect.options, ("detect", "options"))] + [
        ({**detect.options, **ex.options}, ("examples", i, "options"))
        for i, ex in enumerate(principle.examples)
        if ex.options
    ]
    for options, loc in variants:
        try:
            parse_options(detect.check, options)
        except ValidationError as error:
            problems += [
                (
                    (*loc, *err["loc"]),
                    f"option {'.'.join(str(p) for p in err['loc'])!r}: {err['msg']}",
                )
                for err in error.errors()
            ]
    return problems


def _ruff_problems(principle: Principle) -> list[Problem]:
    from gc_bot.scan.ruff import known_codes

    known = known_codes()
    return [
        (("detect", "ruff", index), f"unknown ruff rule code {code!r}")
        for index, code in enumerate(principle.detect.ruff)
        if code not in known
    ]


def _glob_problems(principle: Principle) -> list[Problem]:
    problems: list[Problem] = []
    for key in ("include", "exclude"):
        for index, glob in enumerate(getattr(principle.paths, key)):
            problem = _glob_problem(glob)
            if problem:
                problems.append((("paths", key, index), f"bad glob {glob!r}: {problem}"))
    return problems


def _glob_problem(glob: str) -> str | None:
    import pathspec

    if not glob.strip():
        return "empty pattern"
    if glob.startswith("/") and len(glob) > 1 and glob[1] == "/":
        return "not relative to the repository"
    try:
        pathspec.GitIgnoreSpec.from_lines([glob])
    except (ValueError, TypeError) as error:
        return str(error)
    if glob.count("[") != glob.count("]"):
        return "unbalanced brackets"
    return None
