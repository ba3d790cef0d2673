"""The registry of `detect` kinds: ruff codes, checks, patterns, prose for the agent.

Every kind says which `detect` keys are its own, whether a principle uses it, what is wrong
with how a principle uses it (each problem located in the YAML), and how findings from it are
labelled. Validation, listing and the scan ask this registry; none of them special-cases a kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gc_bot.principles import Detect, Principle

Problem = tuple[tuple[str | int, ...], str]  # (where in the YAML, what is wrong)


@dataclass(frozen=True)
class DetectKind:
    name: str
    keys: tuple[str, ...]  # its `detect` keys, the first one saying whether it is used
    source: str  # a finding's `source`
    exclusive: bool  # one exclusive kind per principle; ruff codes may join any of them
    problems: Callable[[Principle, Path | None], list[Problem]]
    describe: Callable[[Detect], str]

    def used(self, detect: Detect) -> bool:
        return bool(getattr(detect, self.keys[0]))

    def stray_keys(self, detect: Detect) -> list[str]:
        """Its other keys, given although the kind is not used."""
        return [key for key in self.keys[1:] if getattr(detect, key)]


KINDS: dict[str, DetectKind] = {}


def register_kind(kind: DetectKind) -> DetectKind:
    KINDS[kind.name] = kind
    return kind


def kinds_of(detect: Detect) -> list[DetectKind]:
    _load_all()
    return [kind for kind in KINDS.values() if kind.used(detect)]


def main_kind(detect: Detect) -> DetectKind:
    """The exclusive kind a principle uses, else ruff."""
    used = kinds_of(detect)
    return next((k for k in used if k.exclusive), used[0] if used else KINDS["ruff"])


def describe(detect: Detect) -> str:
    return ", ".join(kind.describe(detect) for kind in kinds_of(detect))


def validator_for(folder: Path | None) -> Callable[[Principle], list[Problem]]:
    """Validation of principles loaded from `folder` (whose `checks/` may hold team checks).

    A principle found valid before, by the same code and tools, is valid again: remembered in
    the cache, so that a command's start imports no check module and no libcst.
    """
    from gc_bot.state import known_valid, remember_valid

    def validate(principle: Principle) -> list[Problem]:
        key = _validity_key(principle, folder)
        if known_valid(key):
            return []
        problems = validate_detect(principle, folder)
        if not problems:
            remember_valid(key)
        return problems

    return validate


def _validity_key(principle: Principle, folder: Path | None) -> str:
    import hashlib

    from gc_bot.state import code_signature, package_signature

    tools = package_signature("ruff", "ast_grep_py", "pathspec", "pydantic", "libcst")
    payload = "\0".join([code_signature(team_dir(folder)), tools, principle.model_dump_json()])
    return hashlib.sha256(payload.encode()).hexdigest()


def validate_detect(principle: Principle, folder: Path | None = None) -> list[Problem]:
    """Problems with a principle's `detect` block and globs, each with its location in the YAML."""
    _load_all()
    detect = principle.detect
    used = kinds_of(detect)
    problems: list[Problem] = []
    if not used:
        names = ", ".join(KINDS)
        problems.append((("detect",), f"detect needs one of its kinds ({names})"))
    exclusive = [k.name for k in used if k.exclusive]
    if len(exclusive) > 1:
        problems.append(
            (
                ("detect", exclusive[1]),
                f"detect combines {' and '.join(exclusive)}; a principle uses one of them "
                "(ruff codes may join any)",
            )
        )
    for kind in KINDS.values():
        if kind.used(detect):
            problems += kind.problems(principle, folder)
        else:
            for key in kind.stray_keys(detect):
                problems.append((("detect", key), f"{key} is given but no `{kind.keys[0]}`"))
    return problems + _fix_problems(principle) + _glob_problems(principle)


def _fix_problems(principle: Principle) -> list[Problem]:
    """A fixer that the principle's detect kind cannot feed."""
    detect = principle.detect
    problems: list[Problem] = []
    if "pattern" in principle.fix and not detect.rewrite:
        problems.append((("fix",), "fix: pattern needs a `rewrite` under detect"))
    if detect.agent and set(principle.fix) - {"agent", "none"}:
        problems.append((("fix",), "a `detect: agent` principle is fixed by the agent or not"))
    return problems


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


# --- the kinds ---------------------------------------------------------------------------------


def _ruff_problems(principle: Principle, folder: Path | None) -> list[Problem]:
    from gc_bot.scan.ruff import known_codes

    known = known_codes()
    return [
        (("detect", "ruff", index), f"unknown ruff rule code {code!r}")
        for index, code in enumerate(principle.detect.ruff)
        if code not in known
    ]


def _check_problems(principle: Principle, folder: Path | None) -> list[Problem]:
    from pydantic import ValidationError

    from gc_bot.scan.checks import check_names, parse_options

    detect, team = principle.detect, team_dir(folder)
    names = check_names(team)
    if detect.check not in names:
        return [
            (("detect", "check"), f"unknown check {detect.check!r} (known: {', '.join(names)})")
        ]
    problems: list[Problem] = []
    variants = [(detect.options, ("detect", "options"))] + [
        ({**detect.options, **ex.options}, ("examples", i, "options"))
        for i, ex in enumerate(principle.examples)
        if ex.options
    ]
    for options, loc in variants:
        try:
            parse_options(detect.check, options, team)
        except ValidationError as error:
            problems += [
                (
                    (*loc, *err["loc"]),
                    f"option {'.'.join(str(p) for p in err['loc'])!r}: {err['msg']}",
                )
                for err in error.errors()
            ]
    return problems


def _pattern_problems(principle: Principle, folder: Path | None) -> list[Problem]:
    from gc_bot.scan.pattern import rule_problems

    return rule_problems(principle.detect)


def _no_problems(principle: Principle, folder: Path | None) -> list[Problem]:
    return []


def team_dir(folder: Path | None) -> str | None:
    """The team's own checks beside its principles (`principles/checks/`), if any."""
    if folder is None or not (folder / "checks").is_dir():
        return None
    return str((folder / "checks").resolve())


_BUILTIN = (
    DetectKind("ruff", ("ruff",), "ruff", False, _ruff_problems, lambda d: ", ".join(d.ruff)),
    DetectKind(
        "check", ("check", "options"), "libcst", True, _check_problems, lambda d: str(d.check)
    ),
    DetectKind(
        "pattern",
        ("pattern", "constraints", "utils", "transform", "rewrite"),
        "pattern",
        True,
        _pattern_problems,
        lambda d: "pattern",
    ),
    DetectKind("agent", ("agent",), "agent", True, _no_problems, lambda d: "agent (prose)"),
)


def _load_all() -> None:
    for kind in _BUILTIN:
        KINDS.setdefault(kind.name, kind)
