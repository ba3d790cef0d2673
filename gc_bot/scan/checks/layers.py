"""What a layer is: the `layers` option of `layer-boundaries` (and of `duplicate-code`, which
picks the copy in the lowest layer as the original), and the module a file path is.

Plain data and string work, no libcst: the scan's main process ranks duplicates with it.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

_MODULE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


class LayerOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    layers: list[str | list[str]] = Field(default_factory=list)
    type_checking: bool = False

    @field_validator("layers")
    @classmethod
    def _dotted_names(cls, layers: list[str | list[str]]) -> list[str | list[str]]:
        seen: set[str] = set()
        for layer in layers:
            for prefix in [layer] if isinstance(layer, str) else layer:
                if not _MODULE.match(prefix):
                    raise ValueError(f"{prefix!r} is not a dotted module name")
                if prefix in seen:
                    raise ValueError(f"{prefix!r} is listed twice")
                seen.add(prefix)
        return layers

    def prefixes(self) -> list[tuple[str, int]]:
        """(prefix, layer index), longest prefix first."""
        pairs = [
            (prefix, index)
            for index, layer in enumerate(self.layers)
            for prefix in ([layer] if isinstance(layer, str) else layer)
        ]
        return sorted(pairs, key=lambda pair: -len(pair[0]))


def module_of(path: str) -> tuple[str, bool]:
    """The dotted module name of a file path relative to the repository, and whether it is a package."""
    parts = path.replace("\\", "/").split("/")
    if len(parts) > 1 and parts[0] == "src":
        parts = parts[1:]
    last = parts[-1]
    for suffix in (".pyi", ".py"):
        if last.endswith(suffix):
            last = last[: -len(suffix)]
            break
    is_package = last == "__init__"
    parts = parts[:-1] if is_package else [*parts[:-1], last]
    return ".".join(parts), is_package


def layer_of(module: str, prefixes: list[tuple[str, int]]) -> tuple[str, int] | None:
    for prefix, index in prefixes:
        if module == prefix or module.startswith(prefix + "."):
            return prefix, index
    return None
