"""`detect: pattern`: ast-grep rules in principle files, their rewrites, and their errors."""

from __future__ import annotations

import json
import textwrap

import pytest

from gc_bot.principles import PrincipleError, load_principles
from gc_bot.sweep import sweep
from tests.conftest import git, run_gc_bot, write_files

TIMEOUT = """\
id: requests-timeout
title: HTTP calls carry a timeout
severity: error
rationale: A call without a timeout can hang a worker forever.
detect:
  pattern:
    pattern: requests.$METHOD($$$ARGS)
    not:
      has:
        stopBy: end
        kind: keyword_argument
        regex: ^timeout
  constraints:
    METHOD: {regex: ^(get|post|put|delete|head|patch)$}
  rewrite: requests.$METHOD($$$ARGS, timeout=10)
fix: pattern
examples:
  - bad: |
      requests.get(url)
    good: |
      requests.get(url, timeout=5)
  - bad: |
      requests.post(url, json=body, headers={"a": "b"})
    good: |
      session.get(url)
"""

CODE = """\
import requests


def fetch(url, body):
    first = requests.get(url)
    second = requests.post(
        url,
        json=body,
    )
    fine = requests.get(url, timeout=3)
    session_call = session.get(url)
    codes = requests.codes(url)
    return first, second, fine, session_call, codes
"""


def pattern_repo(repo, principle: str = TIMEOUT, code: str = CODE):
    return repo({"principles/requests-timeout.yaml": principle, "app/http.py": code})


def test_a_pattern_finds_its_matches_and_not_the_look_alikes(repo):
    root = pattern_repo(repo)
    done = run_gc_bot(root, "scan", ".", "--format", "json")
    findings = json.loads(done.stdout)["findings"]
    assert [(f["line"], f["source"], f["rule"]) for f in findings] == [
        (5, "pattern", "pattern"),
        (6, "pattern", "pattern"),
    ]
    assert findings[1]["end_line"] == 9 and done.returncode == 1
    tested = run_gc_bot(root, "principles", "test")
    assert tested.returncode == 0 and "4 passed, 0 failed" in tested.stdout


def test_fix_pattern_fills_single_and_multi_metavariables_and_is_validated(repo):
    root = pattern_repo(repo)
    [o] = sweep(root).proposals
    assert (o.status, o.fixer) == ("proposed", "pattern")
    fixed = git(root, "show", f"{o.branch}:app/http.py")
    assert "first = requests.get(url, timeout=10)" in fixed
    # `$$$ARGS` spans from its first node to its last, the trailing comma left out
    assert "second = requests.post(url,\n        json=body, timeout=10)" in fixed
    assert "fine = requests.get(url, timeout=3)" in fixed and "session.get(url)\n" in fixed
    assert run_gc_bot(root, "scan", ".").returncode == 1  # the user's tree is untouched


def test_a_rewrite_that_breaks_the_file_is_dropped(repo):
    broken = TIMEOUT.replace(
        "rewrite: requests.$METHOD($$$ARGS, timeout=10)", "rewrite: requests.$METHOD($$$ARGS"
    )
    root = pattern_repo(repo, broken)
    [o] = sweep(root).proposals
    assert o.status == "dropped" and "no longer parses" in o.reason
    assert git(root, "branch", "--list", "gc-bot/requests-timeout/*") == ""


def problems(tmp_path, detect: str, fix: str = "none") -> list[str]:
    text = (
        TIMEOUT.split("detect:")[0]
        + "detect:\n"
        + textwrap.indent(textwrap.dedent(detect), "  ")
        + f"fix: {fix}\n"
    )
    write_files(tmp_path, {"requests-timeout.yaml": text})
    with pytest.raises(PrincipleError) as caught:
        load_principles(tmp_path)
    return [str(p).split("/")[-1] for p in caught.value.problems]


def test_bad_pattern_rules_are_errors_at_their_line(tmp_path):
    assert problems(tmp_path, "pattern:\n  patern: requests.get($U)\n") == [
        "requests-timeout.yaml:7: unknown rule key 'patern' (known: all, any, follows, has, "
        "inside, kind, matches, not, nthChild, pattern, precedes, range, regex)"
    ]
    [unparsable] = problems(tmp_path, "pattern: 'requests.get($U'\n")
    assert unparsable.startswith("requests-timeout.yaml:6: pattern 'requests.get($U' is not Python")
    [rewrite] = problems(tmp_path, "pattern: requests.get($U)\nrewrite: requests.get($URL)\n")
    assert rewrite == (
        "requests-timeout.yaml:7: rewrite uses $URL, which the rule does not capture"
    )
    [kind] = problems(tmp_path, "pattern:\n  kind: no_such_node\n")
    assert kind.startswith("requests-timeout.yaml:6: ast-grep:") and "no_such_node" in kind
    [nested] = problems(tmp_path, "pattern:\n  pattern: f($A)\n  has:\n    stopby: end\n")
    assert nested.startswith("requests-timeout.yaml:9: unknown rule key 'stopby'")
    [no_rewrite] = problems(tmp_path, "pattern: requests.get($U)\n", fix="pattern")
    assert no_rewrite == "requests-timeout.yaml:7: fix: pattern needs a `rewrite` under detect"
    [stray] = problems(tmp_path, "ruff: [E722]\nrewrite: x\n")
    assert stray == "requests-timeout.yaml:7: rewrite is given but no `pattern`"


def test_a_bad_rule_is_exit_2_from_the_command_line(repo):
    root = pattern_repo(repo, TIMEOUT.replace("kind: keyword_argument", "kind: keyword_arg"))
    done = run_gc_bot(root, "scan", ".")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "requests-timeout.yaml:" in done.stderr and "keyword_arg" in done.stderr
