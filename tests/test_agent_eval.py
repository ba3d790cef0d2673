"""bench/agent_eval.py keeps working: run against the fake server, as a user would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "agent_eval.py"


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )


def test_reports_each_proposal_with_attempts_tokens_and_totals(fake_openai, tmp_path):
    fake_openai.respond_with(lambda body: "this is not JSON")
    out = tmp_path / "eval.json"
    done = run({}, "--skip-project", "--model", "fake-model", "--max-prs", "3", "--json", str(out))
    assert done.returncode == 0, done.stderr
    assert "| example |" in done.stdout and "totals:" in done.stdout
    rows = json.loads(out.read_text())["results"][0]["proposals"]
    agent_rows = [r for r in rows if r["attempts"]]
    assert agent_rows and all(
        r["status"] == "dropped" and r["attempts"] == 3 and r["tokens"] > 0 for r in agent_rows
    )
    assert {r["status"] for r in rows if not r["attempts"]} <= {"validated", "skipped"}
    assert fake_openai.requests[0].body["model"] == "fake-model"


def test_without_an_endpoint_it_says_what_to_set():
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, env=env)
    assert done.returncode == 2 and "OPENAI_API_KEY" in done.stderr
