"""Configuration: `[tool.gc-bot]` or `gc-bot.toml`, then `GC_BOT_*` variables, then flags."""

from __future__ import annotations

import json
import logging
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gc_bot.errors import UsageError, near_match

DEFAULT_MODEL = "gpt-4.1-mini"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    principles: str | None = None
    enable: list[str] = Field(default_factory=list)
    disable: list[str] = Field(default_factory=list)
    severity: dict[str, Literal["error", "warning", "info"]] = Field(default_factory=dict)
    exclude: list[str] = Field(default_factory=list)
    model: str = DEFAULT_MODEL
    base: str | None = None
    max_prs: int = Field(5, ge=0)
    max_attempts: int = Field(3, ge=1)
    concurrency: int = Field(4, ge=1)
    token_budget: int = Field(200_000, ge=0)
    test_command: str | None = None
    test_env: list[str] = Field(default_factory=list)  # variables the test command may see
    test_timeout: int = Field(900, ge=1)  # seconds of wall clock for one run of it
    proposal_timeout: float = Field(1800, gt=0)  # seconds for one proposal, fixes and tests
    lessons_max_items: int = Field(3, ge=0)
    lessons_max_chars: int = Field(4000, ge=0)
    pause_below: float = Field(0.10, ge=0, le=1)
    min_decisions: int = Field(5, ge=1)
    max_diff_lines: int = Field(200, ge=1)
    max_files_per_proposal: int = Field(3, ge=1)
    max_open_prs: int = Field(5, ge=0)
    trusted_associations: list[str] = Field(
        default_factory=lambda: ["OWNER", "MEMBER", "COLLABORATOR"]
    )
    dashboard: bool = True  # the github forge keeps one dashboard issue up to date


KEYS = tuple(Settings.model_fields)
# GC_BOT_ variables that are not settings; any other is a typo worth a warning.
OTHER_VARIABLES = frozenset(
    {"GC_BOT_TOKEN", "GC_BOT_CRASH_AT", "GC_BOT_GITHUB_PACING", "GC_BOT_GITHUB_RETRIES"}
)
logger = logging.getLogger(__name__)
_warned: set[str] = set()


@dataclass(frozen=True)
class Config:
    settings: Settings
    sources: dict[str, str]  # key -> "default" | file path | "env GC_BOT_X" | "flag"
    root: Path

    def __getattr__(self, name: str) -> Any:
        return getattr(self.settings, name)

    def agent_enabled(self) -> bool:
        return bool(os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL"))


def load_config(root: Path, flags: dict[str, Any] | None = None) -> Config:
    values: dict[str, Any] = {}
    sources = dict.fromkeys(KEYS, "default")
    file_values, file_name = _file_settings(root)
    for key, value in file_values.items():
        values[key] = value
        sources[key] = file_name
    _warn_unknown_variables()
    for key in KEYS:
        raw = os.environ.get(f"GC_BOT_{key.upper()}")
        if raw is not None:
            values[key] = _from_env(key, raw)
            sources[key] = f"env GC_BOT_{key.upper()}"
    for key, value in (flags or {}).items():
        if value is not None:
            values[key] = value
            sources[key] = "flag"
    try:
        settings = Settings.model_validate(values)
    except ValidationError as error:
        problems = []
        for err in error.errors():
            key = ".".join(str(p) for p in err["loc"])
            what = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(
                f"configuration {key!r} (from {sources.get(str(err['loc'][0]), file_name)}): {what}"
            )
        raise UsageError("\n".join(problems)) from None
    return Config(settings, sources, root)


def _warn_unknown_variables() -> None:
    """A misspelt GC_BOT_ variable would be silently ignored; say so once, with the near match."""
    known = {f"GC_BOT_{key.upper()}" for key in KEYS} | OTHER_VARIABLES
    for name in sorted(os.environ):
        if name.startswith("GC_BOT_") and name not in known and name not in _warned:
            _warned.add(name)
            logger.warning(
                "gc-bot: unknown variable %s is ignored%s", name, near_match(name, known)
            )


def _file_settings(root: Path) -> tuple[dict[str, Any], str]:
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {}).get("gc-bot")
        if table is not None:
            return _normalise(table), "pyproject.toml [tool.gc-bot]"
    own = root / "gc-bot.toml"
    if own.is_file():
        return _normalise(_read_toml(own)), "gc-bot.toml"
    return {}, "default"


def _normalise(table: dict[str, Any]) -> dict[str, Any]:
    return {key.replace("-", "_"): value for key, value in table.items()}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise UsageError(f"{path}: {error}") from None


_LISTS = {
    "exclude": "globs",
    "trusted_associations": "strings",
    "enable": "principle ids",
    "disable": "principle ids",
    "test_env": "variable names",
}


def _from_env(key: str, raw: str) -> Any:
    """A list is JSON or comma-separated; `severity` is a JSON object or `id=level,...`."""
    raw = raw.strip()
    name = f"GC_BOT_{key.upper()}"
    if key in _LISTS:
        if raw.startswith("["):
            return _json(name, raw, f"a JSON list of {_LISTS[key]}")
        return [part.strip() for part in raw.split(",") if part.strip()]
    if key == "severity":
        if raw.startswith("{"):
            return _json(name, raw, "a JSON object of principle id to severity")
        pairs = [part.partition("=") for part in raw.split(",") if part.strip()]
        if any(not sep for _, sep, _ in pairs):
            raise UsageError(f"{name} is not 'principle-id=level,...' (e.g. small-functions=info)")
        return {k.strip(): v.strip() for k, _, v in pairs}
    return raw


def _json(name: str, raw: str, what: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise UsageError(f"{name} is not {what}: {error}") from None
