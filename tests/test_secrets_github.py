"""Secrets never leave through GitHub: a pull request's body and commit are masked with the
run's values (the fake GitHub and the fake OpenAI server on loopback, real PyGithub, real
openai client, real git pushes)."""

from __future__ import annotations

import json

from tests.fake_github import FakeGitHub
from tests.test_agent_bounds import GOOD_SWEEP_FIX
from tests.test_github_forge import World
from tests.test_hostile_agent import TWO_PRINTS

pytest_plugins = ("tests.fake_openai",)

DOTENV_VALUE = "cobalt-harbor-3317-quartz"


def test_a_pull_request_body_holds_no_env_value_the_model_echoed(tmp_path, fake_openai):
    files = {
        "pkg/__init__.py": "",
        "pkg/sync.py": TWO_PRINTS,
        "deploy/staging.env": f"DEBUG=false\nWEBHOOK_SECRET={DOTENV_VALUE}\n",
    }
    leaky = {
        **GOOD_SWEEP_FIX,
        "summary": f"Log instead of printing (webhook {DOTENV_VALUE})",
        "explanation": f"Checked against the webhook {DOTENV_VALUE}.",
    }
    fake_openai.answer(leaky)
    with FakeGitHub(tmp_path / "github") as fake:
        world = World(fake, tmp_path, files)
        report = world.sweep(
            OPENAI_BASE_URL=fake_openai.base_url,
            OPENAI_API_KEY="sk-test-0123456789abcdefghij",
        )
        [proposed] = [p for p in report["proposals"] if p["status"] == "proposed"]
        pr = fake.pull_by_branch(proposed["branch"])
        assert pr is not None
        assert "Checked against the webhook <masked:known-secret>." in pr["body"]
        assert pr["title"].endswith("(webhook <masked:known-secret>)")
        everything = json.dumps(fake.pulls("all")) + json.dumps(report)
        everything += fake._git("log", "--all", "--format=%B")
        assert DOTENV_VALUE not in everything
        assert "sk-test-0123456789abcdefghij" not in fake_openai.raw_bodies()
