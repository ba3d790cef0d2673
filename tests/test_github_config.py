"""Choosing the forge and the GitHub settings: what a scheduled job's environment decides."""

from __future__ import annotations

import pytest

from gc_bot.config import load_config
from gc_bot.errors import UsageError
from gc_bot.propose.forge import choose_forge
from tests.conftest import run_gc_bot


@pytest.mark.parametrize(
    ("env", "forge"),
    [
        ({}, "local"),
        ({"GITHUB_REPOSITORY": "o/r"}, "local"),
        ({"GITHUB_TOKEN": "t"}, "local"),
        ({"GITHUB_REPOSITORY": "o/r", "GITHUB_TOKEN": "t"}, "github"),
        ({"GITHUB_REPOSITORY": "o/r", "GC_BOT_TOKEN": "t"}, "github"),
    ],
)
def test_github_is_chosen_only_with_a_repository_and_a_token(env, forge):
    assert choose_forge(None, env) == forge


def test_an_explicit_forge_wins_and_an_unknown_one_is_a_usage_error():
    assert choose_forge("local", {"GITHUB_REPOSITORY": "o/r", "GITHUB_TOKEN": "t"}) == "local"
    with pytest.raises(UsageError, match="unknown forge"):
        choose_forge("gitlab", {})


def test_github_settings_have_defaults_and_take_the_environment(repo, monkeypatch):
    root = repo({"a.py": "x = 1\n"})
    config = load_config(root)
    assert config.max_open_prs == 5
    assert config.trusted_associations == ["OWNER", "MEMBER", "COLLABORATOR"]
    monkeypatch.setenv("GC_BOT_MAX_OPEN_PRS", "2")
    monkeypatch.setenv("GC_BOT_TRUSTED_ASSOCIATIONS", "OWNER,MEMBER")
    config = load_config(root)
    assert (config.max_open_prs, config.trusted_associations) == (2, ["OWNER", "MEMBER"])
    assert config.sources["max_open_prs"] == "env GC_BOT_MAX_OPEN_PRS"


def test_sweep_forge_local_ignores_the_github_environment(repo):
    root = repo({"a.py": "x = 1\n"})
    done = run_gc_bot(
        root, "sweep", "--forge", "local", env={"GITHUB_REPOSITORY": "o/r", "GITHUB_TOKEN": "t"}
    )
    assert done.returncode == 0, done.stderr
    assert "nothing to propose" in done.stdout
