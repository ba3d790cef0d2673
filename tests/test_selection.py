"""A team turns principles on and off, and changes their severity, without copying the set."""

from __future__ import annotations

import json

import pytest

from gc_bot.config import load_config
from gc_bot.errors import UsageError
from gc_bot.selection import principles_in_force
from tests.conftest import run_gc_bot

SLOPPY = {
    "pkg/__init__.py": "",
    "pkg/core.py": """\
        def total(items):
            print(items)  # TODO fix this
            return sum(items)
        """,
}

OWN_PRINCIPLE = """\
id: {id}
title: No print
severity: warning
{extra}rationale: Output belongs to the caller.
detect:
  ruff: [T201]
"""


def principles_found(root, *args: str, env: dict[str, str] | None = None) -> set[str]:
    done = run_gc_bot(root, "scan", "--format", "json", "--fail-on", "never", *args, env=env)
    assert done.returncode == 0, done.stderr
    return {f["principle"] for f in json.loads(done.stdout)["findings"]}


def test_disable_in_pyproject_drops_one_starter_principle_only(repo):
    root = repo(SLOPPY)
    assert {"no-print-in-library", "todo-needs-ticket"} <= principles_found(root)
    (root / "pyproject.toml").write_text('[tool.gc-bot]\ndisable = ["no-print-in-library"]\n')
    found = principles_found(root)
    assert "no-print-in-library" not in found
    assert "todo-needs-ticket" in found
    listing = run_gc_bot(root, "principles", "list").stdout
    assert "15 of 16 principles on" in listing
    assert "disabled (from pyproject.toml [tool.gc-bot])" in listing


def test_environment_disables_and_overrides_the_file(repo):
    root = repo(SLOPPY)
    (root / "gc-bot.toml").write_text('enable = ["todo-needs-ticket"]\n')
    env = {"GC_BOT_DISABLE": "todo-needs-ticket, no-print-in-library"}
    assert not {"todo-needs-ticket", "no-print-in-library"} & principles_found(root, env=env)


def test_severity_override_changes_findings_and_the_exit_status(repo):
    root = repo(SLOPPY)
    (root / "pyproject.toml").write_text(
        '[tool.gc-bot]\nseverity = {no-print-in-library = "error"}\n'
    )
    done = run_gc_bot(root, "scan", "--format", "json")
    assert done.returncode == 1  # an error-level finding now
    levels = {f["principle"]: f["severity"] for f in json.loads(done.stdout)["findings"]}
    assert levels["no-print-in-library"] == "error"
    assert levels["todo-needs-ticket"] == "info"
    shown = run_gc_bot(root, "config").stdout
    assert "severity = {'no-print-in-library': 'error'}  (pyproject.toml [tool.gc-bot])" in shown
    assert "no-print-in-library: info -> error" in shown
    env = {"GC_BOT_SEVERITY": "no-print-in-library=warning"}
    assert run_gc_bot(root, "scan", env=env).returncode == 0


def test_unknown_ids_are_a_usage_error_with_the_near_match(repo):
    root = repo(SLOPPY)
    (root / "pyproject.toml").write_text(
        '[tool.gc-bot]\ndisable = ["no-print-in-libary"]\nseverity = {smal-functions = "info"}\n'
    )
    for command in (["scan"], ["config"], ["principles", "list"]):
        done = run_gc_bot(root, *command)
        assert done.returncode == 2, command
        assert "unknown principle 'no-print-in-libary' (did you mean 'no-print-in-library'?)" in (
            done.stderr
        )
        assert "'smal-functions' (did you mean 'small-functions'?)" in done.stderr
        assert "Traceback" not in done.stderr


def test_a_principle_shipped_off_is_turned_on_by_enable(repo, monkeypatch):
    root = repo(
        {
            **SLOPPY,
            "principles/no-print.yaml": OWN_PRINCIPLE.format(id="no-print", extra=""),
            "principles/quiet-print.yaml": OWN_PRINCIPLE.format(
                id="quiet-print", extra="enabled: false\n"
            ),
        }
    )
    selection = principles_in_force(root, load_config(root))
    assert [p.id for p in selection.active] == ["no-print"]
    assert "off by default" in selection.off["quiet-print"]
    assert principles_found(root) == {"no-print"}

    monkeypatch.setenv("GC_BOT_ENABLE", '["quiet-print"]')
    assert [p.id for p in principles_in_force(root, load_config(root)).active] == [
        "no-print",
        "quiet-print",
    ]
    shown = run_gc_bot(root, "config").stdout
    assert "enable = ['quiet-print']  (env GC_BOT_ENABLE)" in shown
    assert "principles in force: 2 of 2" in shown


def test_enable_and_disable_of_one_id_in_one_place_is_an_error(tmp_path):
    (tmp_path / "gc-bot.toml").write_text(
        'enable = ["small-functions"]\ndisable = ["small-functions"]\n'
    )
    with pytest.raises(UsageError, match="both in enable and disable"):
        principles_in_force(tmp_path, load_config(tmp_path))


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("GC_BOT_SEVERITY", "small-functions", "principle-id=level"),
        ("GC_BOT_SEVERITY", "small-functions=fatal", "severity"),
        ("GC_BOT_ENABLE", "[small-functions", "JSON list of principle ids"),
    ],
)
def test_bad_variables_are_usage_errors(tmp_path, monkeypatch, variable, value, words):
    monkeypatch.setenv(variable, value)
    with pytest.raises(UsageError, match=words):
        load_config(tmp_path)
