"""`gc-bot principles new ID --kind pattern|check|agent`: a principle to fill in, and for a
`check` its module, with examples that `gc-bot principles test` runs straight away."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from gc_bot.errors import UsageError
from gc_bot.principles import _ID, STARTER_DIR

KINDS = ("pattern", "check", "agent")


@dataclass(frozen=True)
class Scaffold:
    written: list[Path]
    copied_starters: bool  # the starter set was copied in first (a folder replaces it)


def new_principle(root: Path, principle_id: str, kind: str, configured: str | None) -> Scaffold:
    if not _ID.match(principle_id):
        raise UsageError(f"id {principle_id!r} must be kebab-case (lowercase words joined by '-')")
    if kind not in KINDS:
        raise UsageError(f"--kind is one of {', '.join(KINDS)}, not {kind!r}")
    folder = root / (configured or "principles")
    module = principle_id.replace("-", "_")
    targets = {folder / f"{principle_id}.yaml": f"{kind}.yaml.j2"}
    if kind == "check":
        targets[folder / "checks" / f"{module}.py"] = "check.py.j2"
    existing = [str(path) for path in targets if path.exists()]
    if existing:
        raise UsageError(f"{', '.join(existing)} already exists; not overwriting it")
    copied = own_folder(folder)
    context = {
        "id": principle_id,
        "module": module,
        "class_name": "".join(part.title() for part in principle_id.split("-")),
    }
    for path, template in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_render(template, context), encoding="utf-8")
    return Scaffold(list(targets), copied)


def own_folder(folder: Path) -> bool:
    """A repository's own folder replaces the starter set, so the set is copied in first
    where the folder has no principle yet (a new principle must not switch the others off).
    Shared by `principles new` and `gc-bot learn`; True when the starters were copied."""
    if any(folder.glob("*.yaml")):
        return False
    folder.mkdir(parents=True, exist_ok=True)
    for starter in STARTER_DIR.glob("*.yaml"):
        shutil.copy(starter, folder / starter.name)
    return True


def _render(template: str, context: dict[str, str]) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gc_bot", "templates/new"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template(template).render(**context)
