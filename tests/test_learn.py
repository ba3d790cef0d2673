"""`gc-bot learn`: decisions distilled into better guidance, proposed on a branch."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from gc_bot.examples import run_examples
from gc_bot.feedback.learn import learn
from gc_bot.git import Git
from gc_bot.principles import STARTER_DIR, load_principles
from gc_bot.sweep import sweep
from tests.conftest import git, run_gc_bot

FILES = {
    "a.py": "import os\n\nVALUE = 1\n",
    "b.py": "import re\n\nOTHER = 2\n",
    "gc-bot.toml": "max_files_per_proposal = 1\n",
}
ANSWER = {
    "guidance": "Remove unused imports, but keep imports made for their side effects (plugins, registries).",
    "example_bad": "import json\n\nVALUE = 1\n",
    "example_good": "VALUE = 1\n",
    "explanation": "Reviewers rejected removals of side-effect imports twice.",
}


def rejected_twice(repo) -> Path:
    root = repo(FILES)
    for o in sweep(root).proposals:
        assert (
            run_gc_bot(
                root,
                "feedback",
                "reject",
                o.id,
                "--reason",
                f"{o.files[0]} is imported for side effects",
            ).returncode
            == 0
        )
    return root


def test_learn_proposes_guidance_that_passes_principles_test(repo, fake_openai, tmp_path):
    root = rejected_twice(repo)
    head = git(root, "rev-parse", "HEAD")
    fake_openai.answer(ANSWER)
    result = learn(root, "no-unused-code")
    assert result.branch.startswith("gc-bot/learn/no-unused-code/") and result.example_added
    # never applied silently: the checkout is as it was, the change is on the branch
    assert git(root, "rev-parse", "HEAD") == head and git(root, "status", "--porcelain") == ""
    assert not (root / "principles").exists()
    listed = git(root, "ls-tree", "--name-only", f"{result.branch}:principles").split()
    assert sorted(listed) == sorted(
        p.name for p in STARTER_DIR.glob("*.yaml")
    )  # starter set copied in first
    # the file exactly as committed (conftest's git() strips the last newline of a literal block)
    learnt = yaml.safe_load(Git(root).show(f"{result.branch}:principles/no-unused-code.yaml"))
    assert learnt["guidance"].startswith("Remove unused imports, but keep")
    assert learnt["examples"][-1] == {"bad": ANSWER["example_bad"], "good": ANSWER["example_good"]}
    checkout = tmp_path / "check"
    git(root, "worktree", "add", "-q", "--detach", str(checkout), result.branch)
    outcomes = run_examples(load_principles(checkout / "principles"))
    assert all(o.passed for o in outcomes)
    prompt = fake_openai.requests[0].text("user")
    assert (
        "a.py is imported for side effects" in prompt
        and "b.py is imported for side effects" in prompt
    )
    assert fake_openai.requests[0].body["response_format"]["json_schema"]["name"] == "gc_bot_learn"
    stats = json.loads(run_gc_bot(root, "feedback", "stats", "--format", "json").stdout)[
        "principles"
    ]
    assert [(r["proposed"], r["rejected"]) for r in stats] == [
        (2, 2)
    ]  # learn proposals do not count


def test_an_example_that_does_not_hold_is_dropped_and_the_guidance_kept(repo, fake_openai):
    root = rejected_twice(repo)
    fake_openai.answer({**ANSWER, "example_bad": "VALUE = 1\n"})  # not flagged: would fail the test
    result = learn(root, "no-unused-code")
    assert not result.example_added
    # the file exactly as committed (conftest's git() strips the last newline of a literal block)
    learnt = yaml.safe_load(Git(root).show(f"{result.branch}:principles/no-unused-code.yaml"))
    assert "side effects" in learnt["guidance"]


def test_learn_without_an_agent_is_a_clear_error(repo):
    root = rejected_twice(repo)
    done = run_gc_bot(root, "learn", "no-unused-code")
    assert done.returncode == 2 and "needs an agent" in done.stderr
