"""The README is a user's guide that cannot rot: what it promises is checked against the code,
and its five-minute walk-through is run as written in a fresh repository."""

from __future__ import annotations

import itertools
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click

from gc_bot.cli import main
from gc_bot.config import Settings
from gc_bot.principles import STARTER_DIR, load_principles
from gc_bot.setup import WORKFLOWS, git_source, render_workflow
from gc_bot.setup.init import Plan, next_steps
from tests.conftest import git, make_repo
from tests.test_workflows import actionlint

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DEMO = "python3 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/gc-bot demo"
TESTS = (
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[dev]' && "
    ".venv/bin/python -m pytest -n 2"
)


def section(title: str) -> str:
    """The text of the README section headed `## title`, up to the next `## `."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"the README has no section '## {title}'"
    return match.group(1)


def table(text: str) -> list[list[str]]:
    """The rows of the first Markdown table in `text`, header and rule left out."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = list(itertools.takewhile(lambda line: line.startswith("|"), lines[start:]))
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def code_blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", text, re.M | re.S)


def test_the_readme_opens_with_the_two_commands_ci_runs():
    first = code_blocks(README, "bash")[0]
    assert [line for line in first.splitlines() if line and not line.startswith("#")] == [
        DEMO,
        TESTS,
    ]
    assert TESTS in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_starter_table_lists_every_starter_principle_as_its_file_says():
    rows = {row[0].strip("`"): row[1:] for row in table(section("The starter principles"))}
    starters = {p.id: p for p in load_principles(STARTER_DIR)}
    assert sorted(rows) == sorted(starters), "one row per file in gc_bot/principles/"
    for pid, (finds, found_by, fixer, severity, default) in rows.items():
        p = starters[pid]
        detect = p.detect
        expected = (
            "ruff " + ", ".join(f"`{code}`" for code in detect.ruff)
            if detect.ruff
            else f"check `{detect.check}`"
        )
        hint = f"{pid}: refresh its row in the README's starter table"
        assert (finds, found_by) == (p.title, expected), hint
        assert fixer == ", ".join(p.fix), f"{hint} (the fixers, in order)"
        assert severity == p.severity, hint
        assert default == ("on" if p.enabled else "off"), hint


def shown_default(value: object) -> str:
    if value is None:
        return "none"
    return f"`{json.dumps(value)}`"


def test_every_setting_is_in_the_configuration_table_with_its_default():
    rows = {row[0].strip("`"): row for row in table(section("Configuration"))}
    assert list(rows) == list(Settings.model_fields), "every key, in the settings' order"
    defaults = Settings()
    for key, (_, default, meaning) in rows.items():
        assert default == shown_default(getattr(defaults, key)), key
        assert len(meaning.split()) >= 4, f"{key}: say what it means"


def test_the_ci_steps_name_every_secret_and_setting_the_workflows_and_init_use():
    ci = section("CI, step by step")
    used = set()
    for name in WORKFLOWS:
        used |= set(re.findall(r"(?:secrets|vars)\.([A-Z_]+)", render_workflow(name)))
    assert used >= {"GC_BOT_TOKEN", "GC_BOT_APP_CLIENT_ID", "GC_BOT_APP_PRIVATE_KEY"}
    for name in sorted(used):
        assert f"`{name}`" in ci, f"{name}: the workflows read it; the README must say so"
    printed = next_steps(Plan(ROOT / "tests"))
    for needed in ("Allow GitHub Actions to create and approve pull requests", "git push"):
        assert needed in printed and needed in ci


def test_every_gc_bot_command_in_the_readme_exists_with_its_options():
    lines = [
        line.split("  #")[0].strip()
        for block in code_blocks(README, "bash")
        for line in block.splitlines()
        if line.startswith("gc-bot ")
    ]
    assert len(lines) > 20
    for line in lines:
        words = shlex.split(re.sub(r"<[^>]+>", "x", line))[1:]
        command: click.Command = main
        while isinstance(command, click.Group) and words and words[0] in command.commands:
            command = command.commands[words.pop(0)]
        assert not isinstance(command, click.Group), f"{line}: no such command"
        known = {opt for param in command.params for opt in getattr(param, "opts", [])}
        for word in words:
            if word.startswith("-"):
                assert word.split("=")[0] in known, f"{line}: {command.name} has no {word}"


def test_the_readme_links_to_files_that_exist():
    targets = re.findall(r"\]\(((?!https?://|#)[^)]+)\)", README)
    targets += re.findall(r"\b((?:bench|docs|feedback)/[\w/.-]+\.(?:md|yml))\b", README)
    assert targets
    for target in targets:
        assert (ROOT / target).exists(), f"the README points at {target}, which is not there"


def test_the_five_minute_walk_through_works_as_written(tmp_path):
    """The README's commands, run in order and as written (no commit in between) in a fresh
    repository with some sloppy code."""
    (block,) = code_blocks(section("Five minutes in your repository"), "bash")
    commands = [line.split("#")[0].strip() for line in block.splitlines()]
    commands = [c for c in commands if c]
    assert commands[0] == "gc-bot init"
    repo = make_repo(
        tmp_path / "shop",
        {
            "pyproject.toml": '[project]\nname = "shop"\nversion = "0.1"\n',
            "shop/__init__.py": "",
            "shop/orders.py": "import os\n\n\ndef add(item, basket=[]):\n"
            "    basket.append(item)\n    return basket\n",
        },
    )
    done = {}
    for command in commands:
        args = [sys.executable, "-m", "gc_bot", *shlex.split(command)[1:]]
        done[command] = subprocess.run(args, cwd=repo, capture_output=True, text=True, check=False)
    assert done["gc-bot init"].returncode == 0, done["gc-bot init"].stderr
    tested = done["gc-bot principles test"]
    assert tested.returncode == 0 and " 0 failed" in tested.stdout, tested.stdout
    scanned = done["gc-bot scan ."]
    assert scanned.returncode == 1, "exit 1: no-mutable-defaults is an error"
    assert "no-mutable-defaults" in scanned.stdout and "no-unused-code" in scanned.stdout
    swept = done["gc-bot sweep --dry-run"]
    assert swept.returncode == 0 and "proposed no-mutable-defaults" in swept.stdout, swept.stderr
    assert not git(repo, "branch", "--list", "gc-bot/no-*"), "a dry run writes no branch"
    linted = actionlint(repo)
    assert linted.returncode == 0, linted.stdout


def test_a_gc_bot_installed_from_git_pins_the_workflows_to_that_commit():
    """pip's record of a git install (PEP 610), as `pipx install git+https://...` writes it."""
    record = {
        "url": "https://user:secret@github.com/acme/gc-bot.git",
        "vcs_info": {"vcs": "git", "commit_id": "0123abcd" * 5, "requested_revision": "v0.1.0"},
    }
    assert git_source(record) == f"git+https://github.com/acme/gc-bot.git@{'0123abcd' * 5}"
    assert "secret" not in git_source(record)
    local = {"url": "file:///home/me/gc-bot", "dir_info": {"editable": True}}
    assert git_source(local) is None, "a local folder is not reachable from a runner"
    clone = {"url": "file:///home/me/gc-bot", "vcs_info": {"vcs": "git", "commit_id": "ab"}}
    assert git_source(clone) is None
