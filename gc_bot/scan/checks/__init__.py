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
_loaded = False


def register(check: type[Check]) -> type[Check]:
    if check.name in _REGISTRY and _REGISTRY[check.name] is not check:
        raise ValueError(f"two checks are named {check.name!r}")
    _REGISTRY[check.name] = check
    return check


def _load_all() -> None:
    global _loaded
    if not _loaded:
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")
        _loaded = True


def check_names() -> list[str]:
    _load_all()
    return sorted(_REGISTRY)


def get_check(name: str) -> Check:
    _load_all()
    return _REGISTRY[name]()


def parse_options(name: str, options: Mapping[str, Any]) -> BaseModel:
    _load_all()
    return _REGISTRY[name].Options.model_validate(dict(options))


def validate_detect(principle: Principle) -> list[tuple[tuple[str | int, ...], str]]:
    """Problems with a principle's `detect` block, each with its location in the YAML."""
    from gc_bot.scan.ruff import known_codes

    problems: list[tuple[tuple[str | int, ...], str]] = []
    detect = principle.detect
    if not detect.ruff and not detect.check:
        problems.append((("detect",), "detect needs `ruff` codes, a `check`, or both"))
    if detect.check is not None:
        if detect.check not in check_names():
            problems.append(
                (
                    ("detect", "check"),
                    f"unknown check {detect.check!r} (known: {', '.join(check_names())})",
                )
            )
        else:
            for opts, loc in [(detect.options, ("detect", "options"))] + [
                ({**detect.options, **ex.options}, ("examples", i, "options"))
                for i, ex in enumerate(principle.examples)
                if ex.options
            ]:
                try:
                    parse_options(detect.check, opts)
                except ValidationError as error:
                    for err in error.errors():
                        key = ".".join(str(p) for p in err["loc"])
                        problems.append(((*loc, *err["loc"]), f"option {key!r}: {err['msg']}"))
    elif detect.options:
        problems.append((("detect", "options"), "options are given but no `check` takes them"))
    known = known_codes()
    for index, code in enumerate(detect.ruff):
        if code not in known:
            problems.append((("detect", "ruff", index), f"unknown ruff rule code {code!r}"))
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
