"""Codemods: mechanical libcst fixes, looked up by the name of the check whose findings they fix.

Each module in this package defines one codemod and registers it with `@register_codemod`.
A codemod gets one file's text and the findings to fix in it and returns the new text, or
None when it cannot fix any of them unambiguously; it never touches code no finding points at.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from gc_bot.findings import Finding
from gc_bot.scan.checks import import_submodules


class Codemod:
    check: ClassVar[str]

    def fix(self, text: str, path: str, findings: Sequence[Finding], options: Any) -> str | None:
        raise NotImplementedError


_CODEMODS: dict[str, type[Codemod]] = {}


def register_codemod(codemod: type[Codemod]) -> type[Codemod]:
    _CODEMODS[codemod.check] = codemod
    return codemod


def _load_all() -> None:
    import_submodules(__name__)


def get_codemod(check: str) -> Codemod | None:
    _load_all()
    codemod = _CODEMODS.get(check)
    return codemod() if codemod else None


def codemod_checks() -> list[str]:
    _load_all()
    return sorted(_CODEMODS)
