"""`gc-bot init` in a new repository and in one that has files of its own."""

from __future__ import annotations

import tomllib

import yaml

from gc_bot.principles import STARTER_DIR
from tests.conftest import make_repo, run_gc_bot
from tests.test_workflows import actionlint

STARTERS = sorted(p.name for p in STARTER_DIR.glob("*.yaml"))


def test_init_in_an_empty_repository_gives_a_working_setup(tmp_path):
    repo = make_repo(tmp_path / "app", {}, commit=False)
    done = run_gc_bot(repo, "init")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (repo / "principles").glob("*.yaml")) == STARTERS
    assert (repo / ".github/workflows/gc-bot.yml").is_file()
    assert (repo / ".github/workflows/gc-bot-feedback.yml").is_file()
    assert not (repo / "pyproject.toml").exists(), "no pyproject of its own is invented"
    settings = tomllib.loads((repo / "gc-bot.toml").read_text())
    assert settings["max_prs"] == 5
    # The next steps a person needs, in the words GitHub uses.
    for needed in (
        "GC_BOT_TOKEN",
        "GC_BOT_APP_CLIENT_ID",
        "Allow GitHub Actions to create and approve pull requests",
        "git push",
    ):
        assert needed in done.stdout
    # What it wrote works: the workflows lint, the principles pass, the scan runs on them.
    linted = actionlint(repo)
    assert linted.returncode == 0, linted.stdout
    sweep = yaml.safe_load((repo / ".github/workflows/gc-bot.yml").read_text())
    install = next(s for s in sweep["jobs"]["sweep"]["steps"] if s.get("name") == "Install gc-bot")
    assert 'pip install "gc-bot==' in install["run"], "pinned to the gc-bot that wrote it"
    tested = run_gc_bot(repo, "principles", "test")
    assert tested.returncode == 0 and " 0 failed" in tested.stdout, tested.stdout
    listed = run_gc_bot(repo, "principles", "list")
    assert str(repo / "principles") in listed.stdout, "the repository's own copy is in force"
    (repo / "app.py").write_text("def f(items=[]):\n    return items\n")
    scanned = run_gc_bot(repo, "scan", ".", "--format", "json")
    assert '"principle": "no-mutable-defaults"' in scanned.stdout, scanned.stderr
    config = run_gc_bot(repo, "config")
    assert "max_prs = 5  (gc-bot.toml)" in config.stdout


def test_init_never_overwrites_without_force(tmp_path):
    repo = make_repo(
        tmp_path / "app",
        {
            "pyproject.toml": '[project]\nname = "app"\n\n[tool.ruff]\nline-length = 88\n',
            ".github/workflows/gc-bot.yml": "name: ours\n",
            "principles/no-print-in-library.yaml": "# our own edits\n",
        },
    )
    done = run_gc_bot(repo, "init")
    assert done.returncode == 1
    assert ".github/workflows/gc-bot.yml" in done.stderr
    assert "principles/no-print-in-library.yaml" in done.stderr
    assert "--force" in done.stderr
    # Nothing at all was written: not the missing starter files, not the config table.
    assert (repo / ".github/workflows/gc-bot.yml").read_text() == "name: ours\n"
    assert not (repo / "principles/no-mutable-defaults.yaml").exists()
    assert "gc-bot" not in (repo / "pyproject.toml").read_text()

    forced = run_gc_bot(repo, "init", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "name: gc-bot sweep" in (repo / ".github/workflows/gc-bot.yml").read_text()
    pyproject = tomllib.loads((repo / "pyproject.toml").read_text())
    assert pyproject["tool"]["ruff"] == {"line-length": 88}, "the team's own settings stay"
    assert pyproject["tool"]["gc-bot"]["max_prs"] == 5
    assert not (repo / "gc-bot.toml").exists()
    assert "git add principles .github pyproject.toml" in forced.stdout

    # A team's [tool.gc-bot] is theirs: a second forced init keeps it as it is.
    text = (repo / "pyproject.toml").read_text().replace("max_prs = 5", "max_prs = 2")
    (repo / "pyproject.toml").write_text(text)
    again = run_gc_bot(repo, "init", "--force")
    assert again.returncode == 0
    assert "kept pyproject.toml [tool.gc-bot]" in again.stdout
    assert (repo / "pyproject.toml").read_text() == text


def test_init_answers_a_broken_pyproject_clearly(tmp_path):
    repo = make_repo(tmp_path / "app", {"pyproject.toml": "[project\n"}, commit=False)
    done = run_gc_bot(repo, "init")
    assert done.returncode == 2
    assert "pyproject.toml" in done.stderr and "Traceback" not in done.stderr
    assert not (repo / "principles").exists()
