"""The workflows and the action: they pass actionlint, and their permissions and triggers are
what a careful maintainer would accept (least privilege, no fork code, no overlapping sweeps)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gc_bot.setup import WORKFLOWS, render_workflow
from tests.conftest import git

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW_DIR = ROOT / ".github" / "workflows"


def actionlint(cwd: Path, *files: str) -> subprocess.CompletedProcess:
    binary = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which(
        "actionlint"
    )
    assert binary, "actionlint is part of the dev extra: pip install -e '.[dev]'"
    return subprocess.run(
        [binary, "-no-color", *files], cwd=cwd, capture_output=True, text=True, check=False
    )


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads a bare `on` as true
    return data


def steps_using(job: dict, action: str) -> list[dict]:
    return [s for s in job["steps"] if s.get("uses", "").startswith(action + "@")]


def test_this_repositorys_workflows_pass_actionlint():
    done = actionlint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", WORKFLOWS)
def test_this_repository_runs_the_workflows_init_writes(name):
    """One source of truth: this repository's copy differs only in installing from the checkout."""
    ours = (WORKFLOW_DIR / name).read_text(encoding="utf-8")
    shipped = render_workflow(name, "pip install .")
    assert ours.endswith(shipped), f"{name}: run the snippet in gc_bot/setup to refresh it"


def test_the_sweep_runs_weekly_by_hand_too_with_least_privilege():
    wf = load(WORKFLOW_DIR / "gc-bot.yml")
    (cron,) = [entry["cron"] for entry in wf["on"]["schedule"]]
    _, hour, _, _, weekday = cron.split()
    assert weekday == "5" and int(hour) < 12, "Friday morning, UTC"
    inputs = wf["on"]["workflow_dispatch"]["inputs"]
    assert set(inputs) == {"max-prs", "dry-run"}
    assert inputs["dry-run"]["type"] == "boolean"
    assert wf["permissions"] == {"contents": "read"}
    assert wf["concurrency"]["cancel-in-progress"] is False
    (job,) = wf["jobs"].values()
    assert job["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
        "issues": "write",
    }
    (checkout,) = steps_using(job, "actions/checkout")
    assert checkout["with"]["fetch-depth"] == 0, "the ledger branch and the base's history"
    assert checkout["with"]["persist-credentials"] is False
    (python,) = steps_using(job, "actions/setup-python")
    assert python["with"]["cache"] == "pip"
    assert not steps_using(job, "actions/cache"), "a weekly job must not depend on a 7-day cache"
    (app,) = steps_using(job, "actions/create-github-app-token")
    assert "vars." in app["if"], "the App is optional"
    sweep = next(s for s in job["steps"] if "gc-bot sweep" in s.get("run", ""))
    assert "secrets.GC_BOT_TOKEN" in sweep["env"]["GC_BOT_TOKEN"]
    assert "steps.app-token.outputs.token" in sweep["env"]["GC_BOT_TOKEN"]
    assert sweep["env"]["OPENAI_API_KEY"] == "${{ secrets.OPENAI_API_KEY }}"
    # Inputs reach the shell as variables, never pasted into the script (no injection).
    assert "${{" not in sweep["run"]


def test_feedback_is_recorded_promptly_and_never_runs_a_forks_code():
    wf = load(WORKFLOW_DIR / "gc-bot-feedback.yml")
    triggers = wf["on"]
    assert triggers["pull_request_target"]["types"] == ["closed"]
    assert triggers["pull_request_review"]["types"] == ["submitted"]
    assert triggers["issue_comment"]["types"] == ["created"]
    assert "pull_request" not in triggers and "workflow_run" not in triggers
    assert wf["permissions"] == {"contents": "read"}
    (job,) = wf["jobs"].values()
    condition = " ".join(job["if"].split())
    assert "startsWith(github.event.pull_request.head.ref, 'gc-bot/')" in condition
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    assert "contains(github.event.issue.labels.*.name, 'gc-bot')" in condition
    assert job["permissions"]["contents"] == "write"
    assert job["permissions"]["pull-requests"] == "read"
    for checkout in steps_using(job, "actions/checkout"):
        assert checkout["with"]["ref"] == "${{ github.event.repository.default_branch }}"
        assert "allow-unsafe-pr-checkout" not in checkout["with"]
        assert "repository" not in checkout["with"]
    assert any(s.get("run") == "gc-bot feedback sync" for s in job["steps"])
    assert "GC_BOT_TOKEN" not in (WORKFLOW_DIR / "gc-bot-feedback.yml").read_text()


def test_the_action_is_a_composite_with_the_documented_inputs(tmp_path):
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert {"principles", "max-prs", "model", "dry-run", "sarif", "token"} <= set(action["inputs"])
    upload = [s for s in action["runs"]["steps"] if "upload-sarif" in s.get("uses", "")]
    assert upload and upload[0]["if"] == "inputs.sarif == 'true'"
    for step in action["runs"]["steps"]:
        assert "${{ inputs." not in step.get("run", ""), "inputs reach the shell as variables"
    # actionlint checks a local action's metadata and inputs when a workflow uses it.
    repo = tmp_path / "user"
    (repo / ".github" / "workflows").mkdir(parents=True)
    git(tmp_path, "init", "-q", str(repo))
    shutil.copy(ROOT / "action.yml", repo / "action.yml")
    (repo / ".github" / "workflows" / "use.yml").write_text(
        "on: workflow_dispatch\npermissions:\n  contents: read\njobs:\n  gc:\n"
        "    runs-on: ubuntu-latest\n    permissions:\n      contents: write\n"
        "      pull-requests: write\n      security-events: write\n    steps:\n"
        "      - uses: actions/checkout@v7\n      - uses: ./\n        with:\n"
        "          max-prs: 2\n          dry-run: true\n          sarif: true\n"
    )
    done = actionlint(repo)
    assert done.returncode == 0, done.stdout + done.stderr
    (repo / ".github" / "workflows" / "use.yml").write_text(
        (repo / ".github" / "workflows" / "use.yml").read_text() + "          maxprs: 2\n"
    )
    assert "maxprs" in actionlint(repo).stdout, "a wrong input name is caught"
