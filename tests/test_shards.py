"""The sharded sweep of docs/workflows/gc-bot-sharded.yml: it passes actionlint, and its own
steps, run here one job after another (artifacts copied as Actions would), propose exactly
what one unsharded sweep proposes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from gc_bot import __version__
from tests.conftest import git, make_repo
from tests.test_merge import MORE
from tests.test_sweep import SLOPPY, branches
from tests.test_workflows import actionlint, load

ROOT = Path(__file__).resolve().parent.parent
SHARDED = ROOT / "docs" / "workflows" / "gc-bot-sharded.yml"
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def step(job: dict, name: str) -> dict:
    return next(s for s in job["steps"] if s.get("name") == name or s.get("uses", "") == name)


def expand(text: str, values: dict[str, str]) -> str:
    """The few expressions the artifact steps use, as Actions would fill them in."""
    return EXPRESSION.sub(lambda m: values[m.group(1)], text)


def run_step(job: dict, name: str, cwd: Path, env: dict[str, str]) -> str:
    """A `run:` step of the workflow through bash, as the runner runs it (`bash -e`)."""
    script = step(job, name)["run"]
    assert "${{" not in script, "inputs reach the shell as variables"
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"{name}: {done.stdout}{done.stderr}"
    return done.stdout


def runner_env(workflow: dict, temp: Path, **extra: str) -> dict[str, str]:
    temp.mkdir(parents=True, exist_ok=True)
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GC_BOT_"))}
    path = f"{Path(sys.executable).parent}{os.pathsep}{keep.get('PATH', '')}"
    env = {**keep, "PATH": path, "RUNNER_TEMP": str(temp)}
    env.update({k: str(v) for k, v in workflow["env"].items()})
    env.update(extra)
    return env


def test_the_sharded_workflow_passes_actionlint_and_agrees_with_itself():
    done = actionlint(ROOT, str(SHARDED.relative_to(ROOT)))
    assert done.returncode == 0, done.stdout + done.stderr
    workflow = load(SHARDED)
    shards = workflow["jobs"]["scan"]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(workflow["env"]["SHARDS"]) + 1)), "SHARDS is the matrix"
    assert workflow["permissions"] == {"contents": "read"}
    assert "permissions" not in workflow["jobs"]["scan"], "the scan jobs write nothing"
    assert workflow["jobs"]["sweep"]["needs"] == "scan"
    for job in workflow["jobs"].values():
        assert step(job, "Install gc-bot")["run"] == f'pip install "gc-bot=={__version__}"'
    # The same schedule, inputs and queue as the unsharded workflow gc-bot init writes.
    plain = load(ROOT / ".github" / "workflows" / "gc-bot.yml")
    assert workflow["on"] == plain["on"]
    assert workflow["concurrency"] == plain["concurrency"]


def test_the_sharded_steps_propose_what_one_sweep_proposes(tmp_path):
    workflow = load(SHARDED)
    scan_job, sweep_job = workflow["jobs"]["scan"], workflow["jobs"]["sweep"]
    repo = make_repo(tmp_path / "big", {**SLOPPY, **MORE})
    unsharded = tmp_path / "unsharded"
    shutil.copytree(repo, unsharded)

    artifacts = tmp_path / "artifacts"
    upload = step(scan_job, "actions/upload-artifact@v7")["with"]
    shards = scan_job["strategy"]["matrix"]["shard"]
    for shard in shards:
        temp = tmp_path / f"runner-scan-{shard}"
        run_step(scan_job, "Scan one shard", repo, runner_env(workflow, temp, SHARD=str(shard)))
        values = {"runner.temp": str(temp), "matrix.shard": str(shard)}
        stored = artifacts / expand(upload["name"], values)
        stored.mkdir(parents=True)
        shutil.copy(expand(upload["path"], values), stored)
    assert git(repo, "status", "--porcelain") == "", "a scan job leaves the checkout as it was"

    temp = tmp_path / "runner-sweep"
    download = step(sweep_job, "actions/download-artifact@v8")["with"]
    assert download["merge-multiple"] is True
    into = Path(expand(download["path"], {"runner.temp": str(temp)}))
    into.mkdir(parents=True)
    prefix = download["pattern"].rstrip("*")
    for folder in artifacts.iterdir():
        assert folder.name.startswith(prefix)
        for file in folder.iterdir():
            shutil.copy(file, into)
    summary = tmp_path / "summary.md"
    env = runner_env(
        workflow,
        temp,
        DRY_RUN="false",
        MAX_PRS="",
        GC_BOT_TOKEN="",
        OPENAI_API_KEY="",
        GITHUB_STEP_SUMMARY=str(summary),
    )
    run_step(sweep_job, "Merge the shards", repo, env)
    merged = json.loads((temp / "gc-bot" / "findings.json").read_text(encoding="utf-8"))
    assert merged["stats"]["shards"] == len(shards) and merged["findings"]
    swept = run_step(sweep_job, "Sweep", repo, env)
    run_step(sweep_job, "Report", repo, env)

    alone = subprocess.run(
        [sys.executable, "-m", "gc_bot", "sweep"],
        cwd=unsharded,
        env=runner_env(workflow, tmp_path / "runner-alone"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert alone.returncode == 0, alone.stderr
    proposed = branches(repo)
    assert proposed and proposed.keys() == branches(unsharded).keys(), swept
    for name in proposed:
        ours = git(repo, "diff", "main", name)
        assert ours and ours == git(unsharded, "diff", "main", name), name
    assert summary.read_text(encoding="utf-8").strip(), "the report reached the step summary"


def test_the_merge_step_stops_when_a_shard_is_missing(tmp_path):
    workflow = load(SHARDED)
    sweep_job = workflow["jobs"]["sweep"]
    repo = make_repo(tmp_path / "r", SLOPPY)
    temp = tmp_path / "runner"
    (temp / "gc-bot" / "shards").mkdir(parents=True)
    env = runner_env(workflow, temp)
    done = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", step(sweep_job, "Merge the shards")["run"]],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert f"expected {workflow['env']['SHARDS']} shard results, found 0" in done.stdout
    assert not (temp / "gc-bot" / "findings.json").exists(), "no sweep plans from a partial set"
