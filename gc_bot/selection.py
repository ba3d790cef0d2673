"""The principles in force: the loaded set, then the team's `enable`, `disable` and `severity`.

They act on whichever set applies (the starter set or the repository's own), so a team drops or
softens one principle without copying the rest; a principle may ship off (`enabled: false`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gc_bot.config import Config
from gc_bot.errors import UsageError, near_match
from gc_bot.principles import Principle, PrincipleSet, load_principles, principles_dir_for

_RANK = {"default": 0, "flag": 3}  # a file ranks 1, a GC_BOT_ variable 2


@dataclass(frozen=True)
class Selection:
    loaded: PrincipleSet  # every principle file, on or off
    active: PrincipleSet  # what scans and sweeps use, severities overridden
    off: dict[str, str]  # principle id -> why it is off
    severity: dict[str, str]  # principle id -> "warning -> info (from ...)"


def principles_in_force(root: Path, config: Config) -> Selection:
    """Load the principles for `root` and apply its configuration to them."""
    return select(load_principles(principles_dir_for(root, config.principles)), config)


def select(loaded: PrincipleSet, config: Config) -> Selection:
    """Apply `enable`, `disable` and `severity`; an unknown id is a usage error (exit 2)."""
    _check_ids(loaded, config)
    enable, disable = set(config.enable), set(config.disable)
    active: list[Principle] = []
    off: dict[str, str] = {}
    changed: dict[str, str] = {}
    for principle in loaded:
        why = _why_off(principle, enable, disable, config)
        if why:
            off[principle.id] = why
            continue
        level = config.severity.get(principle.id)
        if level and level != principle.severity:
            changed[principle.id] = (
                f"{principle.severity} -> {level} (from {config.sources['severity']})"
            )
            principle = principle.model_copy(update={"severity": level})
        active.append(principle)
    return Selection(loaded, PrincipleSet(tuple(active), loaded.source), off, changed)


def _why_off(principle: Principle, enable: set[str], disable: set[str], config: Config) -> str:
    """Why `principle` is off, or "" when it is on; the more specific source wins a clash."""
    enabled, disabled = principle.id in enable, principle.id in disable
    if enabled and disabled:
        on_rank, off_rank = _rank(config.sources["enable"]), _rank(config.sources["disable"])
        if on_rank == off_rank:
            raise UsageError(
                f"principle {principle.id!r} is both in enable and disable "
                f"(from {config.sources['enable']})"
            )
        disabled = off_rank > on_rank
        enabled = not disabled
    if disabled:
        return f"disabled (from {config.sources['disable']})"
    if enabled or principle.enabled:
        return ""
    return "off by default (enabled: false in its file; turn it on with enable)"


def _rank(source: str) -> int:
    return _RANK.get(source, 2 if source.startswith("env ") else 1)


def _check_ids(loaded: PrincipleSet, config: Config) -> None:
    known = [p.id for p in loaded]
    problems = []
    for key, ids in (
        ("enable", config.enable),
        ("disable", config.disable),
        ("severity", list(config.severity)),
    ):
        for principle_id in ids:
            if principle_id not in known:
                problems.append(
                    f"configuration {key!r} (from {config.sources[key]}): unknown principle "
                    f"{principle_id!r}{near_match(principle_id, known)}"
                )
    if problems:
        raise UsageError("\n".join(problems) + f"\n(principles from {loaded.source})")
