"""The repository's own ruff settings, read for what they turn off: a team's written decisions.

Ruff itself runs isolated with only the principles' codes, so these settings never add a
finding; their `ignore`, `extend-ignore` and `per-file-ignores` (and `extend-` forms, under
`[lint]` or the old top level, through `extend` chains) hide findings of those codes. Each file
follows the nearest configuration above it inside the repository, as ruff does: `.ruff.toml`,
then `ruff.toml`, then a `pyproject.toml` with a `[tool.ruff]` table.

A team that lints with flake8 writes the same decisions in a `[tool.flake8]` table of
`pyproject.toml` (the Flake8-pyproject plugin, which SQLAlchemy uses) or a `[flake8]` section
(`setup.cfg`, then `tox.ini`, then `.flake8`), at the repository's top, where flake8 reads: its
`ignore`, `extend-ignore` and `per-file-ignores` count for every file no ruff configuration
governs. The codes are the same ones (pycodestyle's E722, pyflakes' F401, bugbear's B006).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

RUFF_NAMES = (".ruff.toml", "ruff.toml", "pyproject.toml")
FLAKE8_NAMES = ("setup.cfg", "tox.ini", ".flake8")  # in the order flake8 looks
CONFIG_NAMES = RUFF_NAMES + FLAKE8_NAMES  # every file whose change may change the decisions
_IGNORE_KEYS = ("ignore", "extend-ignore")
_PER_FILE_KEYS = ("per-file-ignores", "extend-per-file-ignores")
_CODE = re.compile(r"^([A-Z]+)([0-9]*)$")
_MAX_EXTENDS = 10
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PerFileIgnore:
    pattern: str  # as written
    matcher: re.Pattern[str]  # against the absolute path
    basename: re.Pattern[str]  # against the file name, as ruff also does
    negated: bool
    selectors: tuple[str, ...]

    def applies_to(self, absolute: str) -> bool:
        name = absolute.rsplit("/", 1)[-1]
        hit = bool(self.matcher.fullmatch(absolute) or self.basename.fullmatch(name))
        return hit != self.negated


@dataclass(frozen=True)
class RuffConfig:
    """One configuration file's decisions (its `extend` chain folded in)."""

    path: str  # relative to the repository's top level
    ignore: tuple[str, ...] = ()
    per_file: tuple[PerFileIgnore, ...] = ()


@dataclass
class RuffSettings:
    """Which of `codes` the repository's ruff settings turn off, file by file."""

    top: Path
    codes: frozenset[str]
    _by_folder: dict[str, RuffConfig | None] = field(default_factory=dict)
    _loaded: dict[Path, RuffConfig] = field(default_factory=dict)

    def config_for(self, repo_path: str) -> RuffConfig | None:
        return self._nearest(str(PurePosixPath(repo_path).parent))

    def turned_off(self, repo_path: str) -> frozenset[str]:
        """The codes the settings for this file ignore, everywhere or for this path."""
        config = self.config_for(repo_path)
        if config is None:
            return frozenset()
        selectors = list(config.ignore)
        absolute = (self.top / repo_path).as_posix()
        for rule in config.per_file:
            if rule.applies_to(absolute):
                selectors += rule.selectors
        return frozenset(code for code in self.codes if any(matches(s, code) for s in selectors))

    def configs(self, repo_paths: Iterable[str]) -> list[RuffConfig]:
        """The configurations these files follow, each once."""
        found = {self.config_for(path) for path in repo_paths}
        return sorted((c for c in found if c is not None), key=lambda c: c.path)

    def _nearest(self, folder: str) -> RuffConfig | None:
        if folder not in self._by_folder:
            config = self._own(folder)
            if config is None and folder not in ("", "."):
                config = self._nearest(str(PurePosixPath(folder).parent))
            self._by_folder[folder] = config
        return self._by_folder[folder]

    def _own(self, folder: str) -> RuffConfig | None:
        directory = self.top / folder
        for name in RUFF_NAMES:
            path = directory / name
            if path.is_file():
                table = _ruff_table(path)
                if table is not None:
                    return self._load(path, table)
        return _flake8_config(self.top) if folder in ("", ".") else None

    def _load(self, path: Path, table: dict[str, Any]) -> RuffConfig:
        if path not in self._loaded:
            ignore, per_file = _decisions(path, table, depth=0)
            shown = path.relative_to(self.top).as_posix() if path.is_relative_to(self.top) else path
            self._loaded[path] = RuffConfig(str(shown), tuple(ignore), tuple(per_file))
        return self._loaded[path]


def matches(selector: str, code: str) -> bool:
    """Ruff's selector semantics: `ALL`, a linter (`TD`, `E` but not `ERA`), or a code prefix."""
    if selector == "ALL":
        return True
    if not code.startswith(selector):
        return False
    found_s, found_c = _CODE.match(selector), _CODE.match(code)
    if not (found_s and found_c):
        return False
    letters_s, letters_c = found_s.group(1), found_c.group(1)
    # Pylint's codes carry a category letter after its prefix: `PL` selects PLR0913.
    return letters_s == letters_c or (letters_s == "PL" and letters_c[:2] == "PL")


def _flake8_config(top: Path) -> RuffConfig | None:
    """The `[flake8]` section flake8 would read at the repository's top, as decisions."""
    import configparser

    pyproject = top / "pyproject.toml"
    table = _ruff_table(pyproject, "flake8") if pyproject.is_file() else None
    if table is not None:
        return _flake8_decisions(top, "pyproject.toml", table)
    for name in FLAKE8_NAMES:
        path = top / name
        if not path.is_file():
            continue
        parser = configparser.RawConfigParser()
        try:
            parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
        except (OSError, UnicodeDecodeError, configparser.Error) as error:
            logger.warning(
                "%s: its flake8 settings cannot be read, so they hide nothing: %s", path, error
            )
            return None
        if not parser.has_section("flake8"):
            continue
        return _flake8_decisions(top, name, dict(parser["flake8"]))
    return None


def _flake8_decisions(top: Path, name: str, section: Mapping[str, Any]) -> RuffConfig:
    """Ignores and per-file ignores of a flake8 section; a value is a string or, in TOML, a list."""

    def text(key: str) -> str:
        value = section.get(key, "")
        return " ".join(map(str, value)) if isinstance(value, list) else str(value)

    ignore = [code for key in _IGNORE_KEYS for code in _FLAKE8_LIST.split(text(key)) if code]
    per_file = [
        _per_file(top, pattern, codes)
        for key in _PER_FILE_KEYS
        for pattern, codes in _flake8_per_file(text(key))
    ]
    return RuffConfig(name, tuple(ignore), tuple(per_file))


_FLAKE8_LIST = re.compile(r"[\s,]+")


def _flake8_per_file(value: str) -> list[tuple[str, list[str]]]:
    """flake8's `per-file-ignores`: `pattern: CODES` pairs, separated by spaces or new lines."""
    pairs: list[tuple[str, list[str]]] = []
    for token in _FLAKE8_LIST.split(value.replace(":", ": ")):
        if token.endswith(":"):
            pairs.append((token[:-1], []))
        elif token and pairs:
            pairs[-1][1].append(token)
    return pairs


def _ruff_table(path: Path, tool: str = "ruff") -> dict[str, Any] | None:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:  # TOMLDecodeError is one
        logger.warning(
            "%s: its ruff settings cannot be read, so they hide nothing: %s", path, error
        )
        return None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get(tool)
        return table if isinstance(table, dict) else None
    return data


def _decisions(
    path: Path, table: dict[str, Any], depth: int
) -> tuple[list[str], list[PerFileIgnore]]:
    """Ignores and per-file ignores of `table`, after those of the file it extends."""
    ignore: list[str] = []
    per_file: list[PerFileIgnore] = []
    parent = table.get("extend")
    if isinstance(parent, str) and depth < _MAX_EXTENDS:
        target = (path.parent / Path(parent).expanduser()).resolve()
        parent_table = _ruff_table(target) if target.is_file() else None
        if parent_table is not None:
            ignore, per_file = _decisions(target, parent_table, depth + 1)
    for section in (table, table.get("lint", {})):
        if not isinstance(section, dict):
            continue
        for key in _IGNORE_KEYS:
            ignore += [s for s in section.get(key, ()) if isinstance(s, str)]
        if isinstance(section.get("per-file-ignores"), dict):
            per_file = []  # a file's own per-file-ignores replace those it extends
        for key in _PER_FILE_KEYS:
            for pattern, selectors in (section.get(key) or {}).items():
                per_file.append(_per_file(path.parent, pattern, selectors))
    return ignore, per_file


def _per_file(base: Path, pattern: str, selectors: Any) -> PerFileIgnore:
    negated = pattern.startswith("!")
    bare = pattern.removeprefix("!")
    absolute = bare if bare.startswith("/") else f"{base.resolve().as_posix()}/{bare}"
    codes = tuple(s for s in selectors if isinstance(s, str)) if isinstance(selectors, list) else ()
    return PerFileIgnore(pattern, _glob(absolute), _glob(bare), negated, codes)


def _glob(pattern: str) -> re.Pattern[str]:
    """A glob as ruff's globset reads it: `*` and `**` cross `/`, `{a,b}`, `[...]`, `?`."""
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")  # any folders, none included
            i += 2
        elif char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "{":
            end = pattern.find("}", i)
            if end < 0:
                out.append(re.escape(char))
            else:
                out.append("(?:" + "|".join(map(re.escape, pattern[i + 1 : end].split(","))) + ")")
                i = end
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end]
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out))
