"""`detect: agent`: prose principles reviewed by the real openai client against a fake server."""

from __future__ import annotations

import json
import re

from gc_bot.sweep import sweep
from tests.conftest import git, run_gc_bot, write_files

PROSE = """\
id: validate-at-the-boundary
title: Validate data at the boundary
severity: error
rationale: |
  Code that probes untyped data deep inside (`data.get("a", {}).get("b")`) hides missing
  fields until production. Parse it once, at the boundary, into a typed model.
detect: agent
paths:
  include: ["app/**"]
fix: agent
examples:
  - path: app/example.py
    bad: |
      def total(payload):
          return payload.get("order", {}).get("total", 0)
    good: |
      def total(order: Order):
          return order.total
"""

PROBING = """\
def total(payload):
    return payload.get("order", {}).get("total", 0)


def name(payload):
    return payload["customer"]["name"]
"""
FINE = "def add(a, b):\n    return a + b\n"


def prose_repo(repo, extra: dict | None = None):
    return repo(
        {
            "principles/validate-at-the-boundary.yaml": PROSE,
            "app/orders.py": PROBING,
            "app/math.py": FINE,
            "scripts/tool.py": PROBING,  # outside the principle's paths: never sent
            **(extra or {}),
        }
    )


def sent_path(body: dict) -> str:
    return re.search(r"^# File: (\S+)", body["messages"][-1]["content"], re.M).group(1)


def reviewer(body: dict) -> dict:
    """A model that cites one true place, and makes up three more, for app/orders.py."""
    path = sent_path(body)
    if path != "app/orders.py":
        return {"findings": []}
    return {
        "findings": [
            {
                "path": path,
                "line": 2,
                "end_line": 2,
                "quote": 'payload.get("order",\n    {}).get("total", 0)',  # spacing differs
                "message": "Probes the payload instead of parsing it.",
            },
            {
                "path": path,
                "line": 5,
                "end_line": 6,
                "quote": "json.loads(request.body)",  # not in the file
                "message": "made up",
            },
            {"path": path, "line": 40, "end_line": 41, "quote": "return", "message": "past end"},
            {"path": "app/other.py", "line": 1, "end_line": 1, "quote": "def", "message": "?"},
        ]
    }


def scan_json(root, *args: str) -> dict:
    done = run_gc_bot(root, "scan", ".", "--agent", "--format", "json", *args)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def test_true_citations_are_kept_and_made_up_ones_dropped_and_counted(repo, fake_openai):
    root = prose_repo(repo)
    fake_openai.respond_with(reviewer)
    report = scan_json(root)
    [finding] = report["findings"]
    assert (finding["path"], finding["line"], finding["source"]) == ("app/orders.py", 2, "agent")
    assert finding["principle"] == "validate-at-the-boundary" and finding["fingerprint"]
    assert report["stats"]["review"] == {
        "sent": 2,
        "cached": 0,
        "kept": 1,
        "dropped": 3,
        "tokens": report["stats"]["review"]["tokens"],
    }
    assert sorted(sent_path(r.body) for r in fake_openai.requests) == [
        "app/math.py",
        "app/orders.py",
    ]
    assert {r.schema for r in fake_openai.requests} == {"gc_bot_review"}
    assert "\n2 |     return a + b\n" in fake_openai.requests[0].messages[-1]["content"]


def test_unchanged_files_send_nothing_and_a_changed_file_is_sent_again(repo, fake_openai):
    root = prose_repo(repo)
    fake_openai.respond_with(reviewer)
    first = scan_json(root)
    assert len(fake_openai.requests) == 2
    again = scan_json(root)
    assert len(fake_openai.requests) == 2  # nothing sent: every result came from the cache
    assert again["findings"] == first["findings"] and again["stats"]["review"]["cached"] == 2
    write_files(root, {"app/math.py": FINE + "\n\ndef sub(a, b):\n    return a - b\n"})
    scan_json(root)
    assert [sent_path(r.body) for r in fake_openai.requests[2:]] == ["app/math.py"]


def test_without_an_agent_prose_principles_are_listed_as_not_checked(repo):
    root = prose_repo(repo)
    for args in (("scan", "."), ("scan", ".", "--agent")):
        done = run_gc_bot(root, *args)
        assert done.returncode == 0, done.stdout
        assert "not checked (no agent): validate-at-the-boundary" in done.stdout
    report = json.loads(run_gc_bot(root, "scan", ".", "--format", "json").stdout)
    assert report["stats"]["not_checked"] == [
        {"principle": "validate-at-the-boundary", "reason": "no agent"}
    ]
    tested = run_gc_bot(root, "principles", "test")
    assert tested.returncode == 0
    assert "0 passed, 0 failed, 2 not checked (no agent)" in tested.stdout


def test_a_plain_scan_sends_nothing_even_with_an_agent_configured(repo, fake_openai):
    root = prose_repo(repo)
    done = run_gc_bot(root, "scan", ".")
    assert done.returncode == 0 and not fake_openai.requests


def test_secrets_are_masked_and_the_budget_caps_the_run(repo, fake_openai):
    token = "sk-proj-" + "A1b2C3d4" * 6
    root = prose_repo(
        repo,
        {"app/keys.py": f'API_KEY = "{token}"\n', "app/.env": "X=1\n", "gc-bot.toml": ""},
    )
    fake_openai.respond_with(reviewer)
    scan_json(root)
    assert token not in fake_openai.raw_bodies()
    write_files(root, {"gc-bot.toml": "token_budget = 1\n", "app/math.py": FINE + "# two\n"})
    write_files(root, {"app/orders.py": PROBING + "# changed\n"})
    before = len(fake_openai.requests)
    report = scan_json(root)
    assert len(fake_openai.requests) == before  # each request is over the budget: none is sent
    reasons = [e["reason"] for e in report["stats"]["not_checked"]]
    assert reasons and all(r.startswith("refused: the request is about") for r in reasons)
    assert all(r.endswith("more than the whole token budget of 1; not sent") for r in reasons)


def test_the_sweep_reviews_and_proposes_an_agent_fix_for_a_prose_finding(repo, fake_openai):
    root = prose_repo(repo)
    fix = {
        "summary": "Parse the order at the boundary",
        "explanation": "A typed model instead of probing.",
        "edits": [
            {
                "path": "app/orders.py",
                "search": 'return payload.get("order", {}).get("total", 0)',
                "replace": 'return payload["order"]["total"]',
            }
        ],
    }

    def answer(body: dict) -> dict:
        return (
            reviewer(body)
            if body["response_format"]["json_schema"]["name"] == "gc_bot_review"
            else fix
        )

    fake_openai.respond_with(answer)
    report = sweep(root)
    [o] = report.proposals
    assert (o.status, o.principle, o.fixer) == ("proposed", "validate-at-the-boundary", "agent")
    assert 'payload["order"]["total"]' in git(root, "show", f"{o.branch}:app/orders.py")
    assert report.review["review"]["kept"] == 1
    assert report.tokens == report.review["review"]["tokens"] + o.tokens
    sarif = json.loads(run_gc_bot(root, "scan", ".", "--agent", "--format", "sarif").stdout)
    [result] = sarif["runs"][0]["results"]
    assert result["ruleId"] == "validate-at-the-boundary"


def test_bad_prose_principles_are_errors_at_their_line(repo):
    root = prose_repo(repo)
    for old, new, line, words in [
        ("detect: agent", "detect: agnet", 7, "detect is a mapping or the string 'agent'"),
        ("fix: agent", "fix: codemod", 10, "fixed by the agent or not"),
        (
            "detect: agent",
            "detect: {agent: true, check: silent-except}",
            7,
            "combines check and agent",
        ),
    ]:
        write_files(root, {"principles/validate-at-the-boundary.yaml": PROSE.replace(old, new)})
        done = run_gc_bot(root, "scan", ".")
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert f"validate-at-the-boundary.yaml:{line}:" in done.stderr and words in done.stderr


def test_with_an_agent_principles_test_sends_the_prose_examples(repo, fake_openai):
    root = prose_repo(repo)

    def flags_the_bad_one(body: dict) -> dict:
        text = body["messages"][-1]["content"].split("# File:")[1]
        if ".get(" not in text:
            return {"findings": []}
        quote = 'payload.get("order", {})'
        return {
            "findings": [
                {
                    "path": sent_path(body),
                    "line": 2,
                    "end_line": 2,
                    "quote": quote,
                    "message": "probing",
                }
            ]
        }

    fake_openai.respond_with(flags_the_bad_one)
    tested = run_gc_bot(root, "principles", "test")
    assert tested.returncode == 0, tested.stdout
    assert "2 passed, 0 failed" in tested.stdout and len(fake_openai.requests) == 2
