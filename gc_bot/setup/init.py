"""`gc-bot init`: the starter principles, the workflows and a config table, never clobbering.

Everything is planned first and written only when nothing is in the way (or `--force`), so an
init that stops leaves the repository as it was.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from gc_bot import __version__
from gc_bot.config import DEFAULT_MODEL, Settings
from gc_bot.errors import UsageError
from gc_bot.principles import STARTER_DIR
from gc_bot.setup import WORKFLOWS, pinned_install, render_workflow

CONFIG_TABLE = f"""\
[tool.gc-bot]
# Every key, with its default and meaning: gc-bot's README, "Configuration".
# Folder of principle files (default: principles/ when it has any, else the starter set).
# principles = "principles"
# Repository-wide globs gc-bot never reports on.
exclude = []
# The agent's model; OPENAI_API_KEY (or OPENAI_BASE_URL, for a local server) turns the agent on.
model = "{DEFAULT_MODEL}"
# gc-bot proposals pending at once, at most.
max_prs = {Settings().max_prs}
# A command that must pass on every proposal before it is proposed.
# test_command = "python -m pytest -q"
"""


@dataclass
class Plan:
    """What init would write (path relative to the root -> text) and what is in the way."""

    root: Path
    files: dict[str, str] = field(default_factory=dict)
    appends: dict[str, str] = field(default_factory=dict)  # pyproject.toml -> table to append
    existing: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def plan_init(root: Path) -> Plan:
    """Decide every file init writes, and list those that exist already."""
    if not root.is_dir():
        raise UsageError(f"{root} is not a folder")
    plan = Plan(root)
    for source in sorted(STARTER_DIR.glob("*.yaml")):
        plan.files[f"principles/{source.name}"] = source.read_text(encoding="utf-8")
    for name in WORKFLOWS:
        plan.files[f".github/workflows/{name}"] = render_workflow(name)
    _plan_config(plan)
    plan.existing += [path for path in plan.files if (root / path).exists()]
    return plan


def _plan_config(plan: Plan) -> None:
    pyproject = plan.root / "pyproject.toml"
    if not pyproject.is_file():
        plan.files["gc-bot.toml"] = CONFIG_TABLE.replace("[tool.gc-bot]\n", "", 1)
        return
    try:
        has_table = "gc-bot" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{pyproject}: {error}") from None
    if has_table:
        plan.kept.append("pyproject.toml [tool.gc-bot]")  # a team's settings: never rewritten
    else:
        plan.appends["pyproject.toml"] = CONFIG_TABLE


def write_plan(plan: Plan) -> list[str]:
    """Write what was planned; returns what was written, for the user to see."""
    written = []
    for path, text in plan.files.items():
        target = plan.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(path)
    for path, table in plan.appends.items():
        target = plan.root / path
        current = target.read_text(encoding="utf-8")
        gap = (
            ""
            if not current or current.endswith("\n\n")
            else "\n"
            if current.endswith("\n")
            else "\n\n"
        )
        target.write_text(current + gap + table, encoding="utf-8")
        written.append(f"{path} [tool.gc-bot]")
    return written


def next_steps(plan: Plan) -> str:
    """What a person does after init: the token or App, the repository setting, push."""
    config = "pyproject.toml" if "gc-bot.toml" not in plan.files else "gc-bot.toml"
    git_note = (
        ""
        if (plan.root / ".git").exists()
        else "   (this folder is not a git repository yet: git init first)\n"
    )
    install = pinned_install()
    install_note = (
        ""
        if "git+https://" in install
        else f"""\
 0. gc-bot is not on PyPI yet: the workflows' "Install gc-bot" steps say
    {install}, which fails until it is. Put your git URL there, e.g.
    pip install "gc-bot @ git+https://github.com/OWNER/gc-bot@v{__version__}"
    (installed from a git URL with pipx or pip, gc-bot init writes that URL itself).
"""
    )
    return f"""\
Next steps:
{install_note} 1. Check it here: gc-bot principles test && gc-bot scan .
    Edit principles/ to taste: it replaces the starter set (respect-layers waits for your layers).
 2. Give gc-bot a token of its own, so your CI runs on its PRs (a PR opened with the default
    GITHUB_TOKEN starts no workflow). Either:
      a GitHub App with contents, pull requests and issues read and write, installed on this
      repository: repository variable GC_BOT_APP_CLIENT_ID and secret GC_BOT_APP_PRIVATE_KEY; or
      a fine-grained personal token with the same permissions: secret GC_BOT_TOKEN.
 3. Optional: secret OPENAI_API_KEY for the agent (without it: ruff and codemod fixes only).
 4. Settings > Actions > General > Workflow permissions: tick
    "Allow GitHub Actions to create and approve pull requests".
 5. Commit and push:
{git_note}    git add principles .github {config} && git commit -m "Add gc-bot" && git push
 6. Try it: Actions > "gc-bot sweep" > Run workflow, with "dry run" ticked the first time.
    It then runs every Friday at 06:23 UTC.
"""
