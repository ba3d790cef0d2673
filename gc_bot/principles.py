"""Golden principles: the model, and YAML loading whose every error names file and line."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gc_bot.errors import GcBotError

STARTER_DIR = Path(__file__).parent / "principles"
FIXERS = ("ruff", "codemod", "pattern", "agent", "none")
# libyaml's safe loader where it is installed: ten times faster on every command's start.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Detect(_Strict):
    """How a principle finds what breaks it; each key belongs to one detect kind
    (`gc_bot.scan.kinds` validates and describes them, one registry, no special cases)."""

    ruff: list[str] = Field(default_factory=list)
    check: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    # `pattern`: an ast-grep rule object (a string is shorthand for {pattern: ...}), with
    # ast-grep's optional constraints, utils and transform, and a rewrite for `fix: pattern`.
    pattern: str | dict[str, Any] | None = None
    constraints: dict[str, Any] = Field(default_factory=dict)
    utils: dict[str, Any] = Field(default_factory=dict)
    transform: dict[str, Any] = Field(default_factory=dict)
    rewrite: str | None = None
    agent: bool = False  # `detect: agent`: a prose principle, checked by the agent


class Paths(_Strict):
    include: list[str] = Field(default_factory=lambda: ["**/*.py"])
    exclude: list[str] = Field(default_factory=list)


class Example(_Strict):
    bad: str | None = None
    good: str | None = None
    path: str = "example.py"
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("path")
    @classmethod
    def _inside_its_folder(cls, value: str) -> str:
        """Written into a temporary folder: never outside it (`../x.pth`, `/etc/x`)."""
        parts = value.split("/")
        if (
            not value.strip()
            or value.startswith(("/", "~"))
            or "\\" in value
            or re.match(r"[A-Za-z]:", value)
            or ".." in parts
            or any(ord(c) < 32 for c in value)
        ):
            raise ValueError(
                f"example path {value!r} must be a relative path inside the example's folder "
                "(no '..', not absolute, '/' as separator)"
            )
        return value


class Principle(_Strict):
    id: str
    title: str
    severity: Literal["error", "warning", "info"] = "warning"
    enabled: bool = True  # false: shipped off, until a team's `enable` names it
    rationale: str
    detect: Detect
    paths: Paths = Field(default_factory=Paths)
    fix: list[Literal["ruff", "codemod", "pattern", "agent", "none"]] = Field(
        default_factory=lambda: ["none"]
    )
    fix_unsafe: bool = False
    guidance: str = ""
    examples: list[Example] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _kebab_case(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"id {value!r} must be kebab-case (lowercase words joined by '-')")
        return value

    @field_validator("detect", mode="before")
    @classmethod
    def _agent_shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value != "agent":
                raise ValueError(f"detect is a mapping or the string 'agent', not {value!r}")
            return {"agent": True}
        return value

    @field_validator("fix", mode="before")
    @classmethod
    def _fix_as_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @cached_property
    def path_filter(self) -> PathFilter:
        return PathFilter.build(self.paths.include, self.paths.exclude)

    def applies_to(self, path: str) -> bool:
        return self.path_filter.matches(path)


@dataclass(frozen=True)
class PathFilter:
    """Gitignore-style include/exclude globs over paths relative to the git top level."""

    include: Any
    exclude: Any

    @classmethod
    def build(cls, include: Iterable[str], exclude: Iterable[str]) -> PathFilter:
        import pathspec

        return cls(
            pathspec.GitIgnoreSpec.from_lines(list(include)),
            pathspec.GitIgnoreSpec.from_lines(list(exclude)),
        )

    def matches(self, path: str) -> bool:
        return self.include.match_file(path) and not self.exclude.match_file(path)


@dataclass(frozen=True)
class PrincipleProblem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class PrincipleError(GcBotError):
    """Every problem found in a principles folder, reported together."""

    def __init__(self, problems: list[PrincipleProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class PrincipleSet:
    principles: tuple[Principle, ...]
    source: Path

    def __iter__(self):
        return iter(self.principles)

    def __len__(self) -> int:
        return len(self.principles)

    def get(self, principle_id: str) -> Principle | None:
        return next((p for p in self.principles if p.id == principle_id), None)

    @cached_property
    def digest(self) -> str:
        import hashlib

        payload = "\n".join(p.model_dump_json() for p in self.principles)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def ruff_codes(self) -> list[str]:
        return sorted({code for p in self.principles for code in p.detect.ruff})


Validator = Callable[[Principle], list[tuple[tuple[str | int, ...], str]]]


def principles_dir_for(root: Path, configured: str | None = None) -> Path:
    """The repository's own folder replaces the starter set; it never merges with it."""
    if configured:
        folder = (root / configured).resolve()
        if not folder.is_dir():
            raise GcBotError(
                f"principles folder {configured!r} (from configuration) does not exist"
            )
        return folder
    own = root / "principles"
    return own if own.is_dir() and any(own.glob("*.yaml")) else STARTER_DIR


def load_principles(folder: Path, validate: Validator | None = None) -> PrincipleSet:
    """Load every `*.yaml` in `folder`; raise one PrincipleError listing all problems."""
    if validate is None:
        from gc_bot.scan.kinds import validator_for

        validate = validator_for(folder)
    problems: list[PrincipleProblem] = []
    loaded: list[Principle] = []
    first_seen: dict[str, Path] = {}
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        principle, file_problems = _load_file(path, validate)
        problems += file_problems
        if principle is None:
            continue
        if principle.id in first_seen:
            problems.append(
                PrincipleProblem(
                    path,
                    1,
                    f"duplicate id {principle.id!r} (also in {first_seen[principle.id].name})",
                )
            )
            continue
        first_seen[principle.id] = path
        loaded.append(principle)
    if problems:
        raise PrincipleError(problems)
    return PrincipleSet(tuple(loaded), folder)


def _load_file(path: Path, validate: Validator) -> tuple[Principle | None, list[PrincipleProblem]]:
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=_LOADER)
        bomb = alias_bomb(node)
        if bomb is not None:
            return None, [PrincipleProblem(path, bomb.start_mark.line + 1, _BOMB)]
        data = yaml.load(text, Loader=_LOADER)  # a safe loader, C or Python
    except RecursionError:
        return None, [PrincipleProblem(path, 1, "invalid YAML: nested too deeply")]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        return None, [PrincipleProblem(path, line, f"invalid YAML: {error.problem or error}")]
    except (OSError, UnicodeDecodeError) as error:
        return None, [PrincipleProblem(path, 1, f"cannot read: {error}")]
    if not isinstance(data, dict):
        return None, [PrincipleProblem(path, 1, "a principle file must be a YAML mapping")]
    try:
        principle = Principle.model_validate(data)
    except ValidationError as error:
        return None, [
            PrincipleProblem(path, _line_of(node, err["loc"]), _describe(err))
            for err in error.errors()
        ]
    problems = [
        PrincipleProblem(path, _line_of(node, loc), msg) for loc, msg in validate(principle)
    ]
    if principle.id != path.stem:
        problems.append(
            PrincipleProblem(
                path,
                _line_of(node, ("id",)),
                f"id {principle.id!r} must equal the file name {path.stem!r}",
            )
        )
    return (None if problems else principle), problems


# Values a principle file may hold once its aliases are expanded: a real one has hundreds.
MAX_YAML_VALUES = 100_000
_BOMB = (
    f"invalid YAML: its aliases expand this value to over {MAX_YAML_VALUES:,} values "
    "(an alias bomb?); write the values out or use fewer aliases"
)


def alias_bomb(root: yaml.Node | None) -> yaml.Node | None:
    """The first node whose aliases expand past MAX_YAML_VALUES, or that contains itself.

    Composing shares one node per anchor, so this costs one visit per distinct node; it runs
    before anything (loading, validation, a digest) expands the aliases into real objects.
    """
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, inside: set[int]) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in inside:
            raise _Bomb(node)  # an alias to a value it is part of: expands without end
        inside.add(id(node))
        total = 1
        for child in _children(node):
            total += size(child, inside)
            if total > MAX_YAML_VALUES:
                raise _Bomb(node)
        inside.discard(id(node))
        sizes[id(node)] = total
        return total

    try:
        if root is not None:
            size(root, set())
    except _Bomb as bomb:
        return bomb.node
    return None


class _Bomb(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _describe(err: dict) -> str:
    where = ".".join(str(part) for part in err["loc"])
    if err["type"] == "extra_forbidden":
        return f"unknown key {where!r}"
    if err["type"] == "missing":
        return f"missing key {where!r}"
    return f"{where}: {err['msg']}"


def _line_of(node: yaml.Node | None, loc: Iterable[str | int]) -> int:
    """The 1-based line of the YAML node at `loc`, or of its nearest ancestor that exists."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    child = key if value is None else value
                    line = key.start_mark.line + 1
                    break
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
        if isinstance(node, yaml.ScalarNode):
            line = node.start_mark.line + 1
    return line
