"""Shared fixtures: real git repositories in temporary folders, an isolated cache."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from gc_bot.config import KEYS
from gc_bot.principles import STARTER_DIR, Principle, PrincipleSet

pytest.register_assert_rewrite("tests.fake_openai")
from tests.fake_openai import fake_openai  # noqa: E402, F401  (the fixture, for every test module)

# Test repositories commit with this identity; gc-bot itself must never rely on one.
GIT_IDENTITY = ["-c", "user.name=Test Person", "-c", "user.email=person@example.com"]


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory, monkeypatch):
    """Every test gets its own cache folder and no agent unless it starts one."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GITHUB_TOKEN", "GC_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for key in KEYS:
        monkeypatch.delenv(f"GC_BOT_{key.upper()}", raising=False)


def starter_principle(principle_id: str, **options: object) -> PrincipleSet:
    """One starter principle alone, its check's options overridden by `options`."""
    data = yaml.safe_load((STARTER_DIR / f"{principle_id}.yaml").read_text())
    data["detect"]["options"] = {**data["detect"].get("options", {}), **options}
    return PrincipleSet((Principle.model_validate(data),), STARTER_DIR)


def run_gc_bot(
    cwd: Path | None, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """The `gc-bot` command as a user runs it: a fresh interpreter, in `cwd`."""
    return subprocess.run(
        [sys.executable, "-m", "gc_bot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=root, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")


def make_repo(root: Path, files: dict[str, str | bytes], *, commit: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write_files(root, files)
    if commit:
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "initial")
    return root


@pytest.fixture
def repo(tmp_path):
    def build(files: dict[str, str | bytes], *, commit: bool = True) -> Path:
        return make_repo(tmp_path / "repo", files, commit=commit)

    return build
