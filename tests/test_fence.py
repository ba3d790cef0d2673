"""The test command's fence: no tokens, no network, its own process group, a time limit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gc_bot.fix.fence import files_to_hide, hiding_prefix, network_cut_prefix, run_fenced
from gc_bot.sweep import sweep
from tests.conftest import git, make_repo
from tests.test_sweep_agent import GOOD_EDIT, SYNC, fix

TOKENS = {
    "GITHUB_TOKEN": "ghp_" + "a1B2" * 9,
    "GH_TOKEN": "gho_" + "z9Y8" * 9,
    "GC_BOT_TOKEN": "ghs_" + "Q7w6" * 9,
    "ACTIONS_RUNTIME_TOKEN": "eyJhbGciOi.runtime.token",
    "ACTIONS_ID_TOKEN_REQUEST_URL": "https://example.invalid/token?x=1",
    "DEPLOY_SECRET": "hunter2-deploy",
    "DB_PASSWORD": "correct-horse",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}


def dead(pid: int) -> bool:
    """Gone or a zombie, after a moment for the kill to land."""
    for _ in range(100):
        if _dead(pid):
            return True
        time.sleep(0.05)
    return False


def _dead(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1].startswith(("Z", "X"))
    except FileNotFoundError:
        return True


def test_the_test_command_sees_no_tokens_but_what_test_env_lists(
    repo, fake_openai, monkeypatch, tmp_path
):
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NEEDED_API_KEY", "the-suite-needs-this")
    seen = tmp_path / "env.json"
    command = (
        f"python -c \"import json, os; json.dump(dict(os.environ), open({str(seen)!r}, 'w'))\""
    )
    config = f'test_command = {json.dumps(command)}\ntest_env = ["NEEDED_API_KEY"]\n'
    root = repo({"pkg/__init__.py": "", "pkg/sync.py": SYNC, "gc-bot.toml": config})
    fake_openai.answer(fix(GOOD_EDIT))
    [o] = sweep(root).proposals
    assert o.status == "proposed", o.reason
    env = json.loads(seen.read_text())
    leaked = {name for name in [*TOKENS, "OPENAI_API_KEY", "OPENAI_BASE_URL"] if name in env}
    assert not leaked
    values = json.dumps(env)
    assert not [v for v in [*TOKENS.values(), "test-key"] if v in values]
    assert env["NEEDED_API_KEY"] == "the-suite-needs-this"
    assert "PATH" in env and "HOME" in env


def test_the_network_is_cut_where_the_platform_allows(fake_openai, tmp_path):
    port = fake_openai.base_url.split(":")[2].split("/")[0]
    probe = f"python -c \"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3); print('connected')\""
    open_run = subprocess.run(probe, shell=True, capture_output=True, text=True)
    assert "connected" in open_run.stdout  # outside the fence the server is right there
    done = run_fenced(probe, tmp_path, timeout=30)
    if network_cut_prefix() is None:
        pytest.skip("no network namespace on this platform (gc-bot warns; see test below)")
    assert done.network_cut and done.returncode != 0
    assert ("connected" not in done.output and "OSError" in done.output) or "Error" in done.output


def _without_unshare(tmp_path: Path, script: str) -> subprocess.CompletedProcess:
    """`script` in a fresh interpreter whose PATH has sh, true and cat but no unshare."""
    empty = tmp_path / "bin"
    empty.mkdir()
    for tool in ("sh", "true", "cat"):
        os.symlink(f"/bin/{tool}", empty / tool)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": str(empty)},
    )


def test_without_a_network_namespace_it_says_so(tmp_path, monkeypatch):
    script = (
        "import os, gc_bot.fix.fence as f; "
        "r = f.run_fenced('echo hello', os.getcwd(), timeout=10); print(r.network_cut, r.output)"
    )
    done = _without_unshare(tmp_path, script)
    assert done.stdout.split() == ["False", "hello"], done.stderr
    assert "test command runs WITH network access" in done.stderr


def test_the_time_limit_kills_the_whole_process_group(tmp_path):
    pids = tmp_path / "pids"
    started = time.monotonic()
    done = run_fenced(
        f"sleep 60 & echo $! > {pids}; echo $$ >> {pids}; sleep 60", tmp_path, timeout=1
    )
    assert done.timed_out and time.monotonic() - started < 10
    assert all(dead(int(pid)) for pid in pids.read_text().split())


def test_gc_bots_exit_ends_a_running_test_command(tmp_path):
    pids = tmp_path / "pids"
    script = (
        "import pathlib, gc_bot.fix.fence as f; "
        f"f.run_fenced('sleep 60 & echo $! > {pids}; sleep 60', pathlib.Path('.'), timeout=100)"
    )
    gc_bot = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path)
    for _ in range(200):
        if pids.exists() and pids.read_text().strip():
            break
        time.sleep(0.05)
    [pid] = pids.read_text().split()
    assert not _dead(int(pid))
    gc_bot.send_signal(signal.SIGTERM)
    gc_bot.wait(timeout=10)
    assert dead(int(pid))


def test_a_failing_run_feeds_back_only_its_last_lines(tmp_path):
    from gc_bot.fix.validate import TEST_OUTPUT_LINES, test_output_for_others

    done = run_fenced(
        "for i in $(seq 1 5000); do echo line $i; done; exit 3", Path(tmp_path), timeout=30
    )
    shown = test_output_for_others(done.output)
    assert done.returncode == 3
    assert shown.splitlines()[-1] == "line 5000" and "line 100\n" not in shown
    assert len(shown.splitlines()) == TEST_OUTPUT_LINES + 1


def test_credential_files_read_as_empty_and_the_suite_runs_as_its_user(tmp_path):
    if hiding_prefix() is None:
        pytest.skip("no mount namespace on this platform (gc-bot warns; see test below)")
    checkout = tmp_path / "checkout"
    make_repo(checkout, {"app.py": "x = 1\n", ".gitignore": ".env\nkeys/\n"})
    (checkout / ".env").write_text("TOKEN=checkout-secret-1\n")
    (checkout / "keys").mkdir()
    (checkout / "keys" / "deploy.pem").write_text("pem-secret-2\n")
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text("aws-secret-3\n")
    (home / ".netrc").write_text("machine x password netrc-secret-4\n")
    worktree = tmp_path / "worktree"
    git(checkout, "worktree", "add", "-q", "--detach", str(worktree))
    hide = files_to_hide(worktree, home=str(home))
    assert set(hide) == {
        checkout / ".env",
        checkout / "keys" / "deploy.pem",
        home / ".aws",
        home / ".netrc",
    }
    reads = " ".join(
        f"rev {p} 2>&1;" for p in [*hide[:2], home / ".aws" / "credentials", home / ".netrc"]
    )
    done = run_fenced(f"{reads} id -u; cat app.py", worktree, timeout=30, hide=hide)
    assert done.returncode == 0, done.output
    for secret in ("checkout-secret-1", "pem-secret-2", "aws-secret-3", "netrc-secret-4"):
        assert secret[::-1] not in done.output and secret not in done.output
    assert f"{os.geteuid()}\nx = 1" in done.output  # its own user, the worktree as it is
    assert (home / ".netrc").read_text().startswith("machine")  # hidden, never changed


def test_without_a_mount_namespace_it_says_credential_files_are_readable(tmp_path):
    (tmp_path / "secret.env").write_text("visible\n")
    script = (
        "import os, pathlib, gc_bot.fix.fence as f; "
        "r = f.run_fenced('cat secret.env', os.getcwd(), timeout=10, "
        "hide=[pathlib.Path('secret.env').resolve()]); print(r.output)"
    )
    done = _without_unshare(tmp_path, script)
    assert done.stdout.split() == ["visible"], done.stderr
    assert "can read the checkout's credential files" in done.stderr
