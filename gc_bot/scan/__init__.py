"""`scan`: files -> ruff + libcst checks -> findings, with a cache and shards (`scanner`).

The package itself imports nothing: its names load from `scanner` on first use, so that a
process that only runs checks (`gc_bot.scan.checks`, the engine's workers) does not also load
the principles, the cache and git.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gc_bot.scan.scanner import JSON_VERSION, ScanResult, Shard, Snapshot, scan

__all__ = ["JSON_VERSION", "ScanResult", "Shard", "Snapshot", "scan"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from gc_bot.scan import scanner

        return getattr(scanner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
