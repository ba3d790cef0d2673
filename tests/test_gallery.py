"""The gallery in docs/principles and `gc-bot principles new`: every example passes as written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gc_bot.examples import NO_AGENT, run_examples
from gc_bot.principles import load_principles
from tests.conftest import make_repo, run_gc_bot

GALLERY = Path(__file__).resolve().parents[1] / "docs" / "principles"


def test_every_gallery_example_passes_and_prose_waits_for_an_agent():
    principles = load_principles(GALLERY)
    kinds = {p.id: "agent" if p.detect.agent else "pattern" for p in principles}
    assert kinds == {
        "structured-logging": "pattern",
        "retry-through-helper": "pattern",
        "prefer-shared-utilities": "agent",
        "validate-at-the-boundary": "agent",
        "http-timeout": "pattern",
    }
    outcomes = run_examples(principles)
    assert [o for o in outcomes if not o.passed] == []
    for o in outcomes:
        assert o.checked == (kinds[o.principle] == "pattern")
        assert (o.detail == NO_AGENT) == (not o.checked)


def test_the_gallery_finds_real_code_in_a_repository(tmp_path):
    root = make_repo(
        tmp_path / "repo",
        {
            "app/jobs.py": """\
                import logging
                import time

                import requests

                logger = logging.getLogger(__name__)


                def sync(url, attempts=3):
                    for attempt in range(attempts):
                        try:
                            return requests.get(url, timeout=5).json()
                        except requests.RequestException as error:
                            logger.warning(f"sync failed: {error}")
                            time.sleep(attempt)
                    logger.error("gave up on %s", url)
                """,
        },
    )
    shutil.copytree(GALLERY, root / "principles", ignore=shutil.ignore_patterns("*.md"))
    done = run_gc_bot(root, "scan", ".")
    lines = [line.split()[0] for line in done.stdout.splitlines() if line.startswith("app/")]
    assert lines == ["app/jobs.py:11:9", "app/jobs.py:14:13"]
    assert (
        "not checked (no agent): prefer-shared-utilities, validate-at-the-boundary" in done.stdout
    )


@pytest.mark.parametrize("kind", ["pattern", "check", "agent"])
def test_principles_new_writes_a_principle_whose_examples_run(tmp_path, kind):
    root = make_repo(tmp_path / "repo", {"app.py": "VALUE = 1\n"})
    done = run_gc_bot(root, "principles", "new", "our-rule", "--kind", kind)
    assert done.returncode == 0, done.stderr
    assert "copied the starter principles in first" in done.stdout
    assert (root / "principles" / "our-rule.yaml").is_file()
    assert (root / "principles" / "checks" / "our_rule.py").is_file() == (kind == "check")
    tested = run_gc_bot(root, "principles", "test")
    assert tested.returncode == 0, tested.stdout
    mark = "skip" if kind == "agent" else "ok  "
    assert f"{mark} our-rule example 1 (bad)" in tested.stdout
    again = run_gc_bot(root, "principles", "new", "our-rule", "--kind", kind)
    assert again.returncode == 2 and "not overwriting" in again.stderr


def test_principles_new_refuses_a_bad_id(tmp_path):
    root = make_repo(tmp_path / "repo", {"app.py": "VALUE = 1\n"})
    done = run_gc_bot(root, "principles", "new", "Our_Rule", "--kind", "pattern")
    assert done.returncode == 2 and "kebab-case" in done.stderr
    assert not (root / "principles").exists()
