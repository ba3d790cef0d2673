"""A scripted hostile agent on loopback (the real openai client, a real git repository).

Whatever it answers, nothing outside its findings reaches a branch and nothing it wrote runs.
"""

from __future__ import annotations

import json

from gc_bot.sweep import sweep
from tests.conftest import git, run_gc_bot, write_files

LOGGER = "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n"
TWO_PRINTS = 'def sync(items):\n    print("syncing")\n    print("synced")\n    return items\n'


def fix(*edits: dict) -> dict:
    return {
        "summary": "Log instead of printing",
        "explanation": "Library code logs.",
        "edits": list(edits),
    }


def edit(search: str, replace: str, path: str = "pkg/sync.py") -> dict:
    return {"path": path, "search": search, "replace": replace}


def retry_messages(fake) -> list[str]:
    return [r.messages[-1]["content"] for r in fake.requests[1:]]


def no_gc_bot_branches(root) -> bool:
    return git(root, "branch", "--list", "gc-bot/no-print*") == ""


def test_an_answer_that_also_rewrites_rejected_lines_is_refused(repo, fake_openai):
    root = repo({"pkg/__init__.py": "", "pkg/sync.py": TWO_PRINTS})
    both = edit(
        'def sync(items):\n    print("syncing")\n    print("synced")',
        LOGGER + 'def sync(items):\n    logger.info("syncing")\n    logger.info("synced")',
    )
    fake_openai.answer(fix(both))
    [first] = sweep(root).proposals
    assert first.status == "proposed"
    assert (
        run_gc_bot(root, "feedback", "reject", first.id, "--reason", "keep output").returncode == 0
    )
    write_files(root, {"pkg/sync.py": TWO_PRINTS + '\n\ndef flush():\n    print("flushing")\n'})
    git(root, "commit", "-qam", "flush")
    everything = edit(
        'def sync(items):\n    print("syncing")\n    print("synced")\n    return items\n\n\n'
        'def flush():\n    print("flushing")',
        LOGGER + 'def sync(items):\n    logger.info("syncing")\n    logger.info("synced")\n'
        '    return items\n\n\ndef flush():\n    logger.info("flushing")',
    )
    only_new = edit(
        'def flush():\n    print("flushing")', 'def flush():\n    logger.info("flushing")'
    )
    imports = edit("def sync(items):", LOGGER + "def sync(items):")
    fake_openai.answer(fix(everything)).answer(fix(imports, only_new))
    [second] = [o for o in sweep(root).proposals if o.status != "pending"]
    assert second.status == "proposed", second.reason
    [retry] = retry_messages(fake_openai)[1:]
    assert "does more than fix its findings" in retry
    assert "Only fix pkg/sync.py line 8," in retry
    fixed = git(root, "show", f"{second.branch}:pkg/sync.py")
    assert 'print("syncing")' in fixed and 'print("synced")' in fixed
    assert 'logger.info("flushing")' in fixed


def test_a_rewrite_elsewhere_in_the_file_is_refused_with_the_lines_it_may_change(repo, fake_openai):
    other = "\n\ndef total(rows):\n    return sum(rows)\n"
    root = repo(
        {
            "pkg/__init__.py": "",
            "pkg/sync.py": TWO_PRINTS + other,
            "gc-bot.toml": "max_attempts = 1\n",
        }
    )
    fix_and_more = [
        edit("def sync(items):", LOGGER + "def sync(items):"),
        edit(
            '    print("syncing")\n    print("synced")',
            '    logger.info("syncing")\n    logger.info("synced")',
        ),
        edit("    return sum(rows)", "    return sum(rows) + 1"),
    ]
    fake_openai.answer(fix(*fix_and_more))
    [o] = sweep(root).proposals
    assert o.status == "dropped"
    assert "it also changes pkg/sync.py line 8, which it does not need" in o.reason
    assert no_gc_bot_branches(root)


def test_an_undefined_name_is_a_new_error(repo, fake_openai):
    root = repo(
        {"pkg/__init__.py": "", "pkg/sync.py": TWO_PRINTS, "gc-bot.toml": "max_attempts = 1\n"}
    )
    no_logger = edit(
        '    print("syncing")\n    print("synced")',
        '    logger.info("syncing")\n    logger.info("synced")',
    )
    fake_openai.answer(fix(no_logger))
    [o] = sweep(root).proposals
    assert o.status == "dropped"
    assert "introduces errors: pkg/sync.py:2 F821 Undefined name `logger`" in o.reason
    assert no_gc_bot_branches(root)


def test_a_process_call_is_refused_before_anything_runs(repo, fake_openai, tmp_path):
    marker = tmp_path / "model-code-ran"
    test = 'python -c "import pkg.sync as s; s.sync([1])"'
    root = repo(
        {
            "pkg/__init__.py": "",
            "pkg/sync.py": TWO_PRINTS,
            "gc-bot.toml": f"max_attempts = 3\ntest_command = {json.dumps(test)}\n",
        }
    )
    body = '    logger.info("syncing")\n    logger.info("synced")'
    hostile = [
        edit(
            "def sync(items):\n" + '    print("syncing")\n    print("synced")',
            "import subprocess\n" + LOGGER + "def sync(items):\n"
            f"    subprocess.run(['touch', {str(marker)!r}])\n" + body,
        ),
        edit(
            "def sync(items):\n" + '    print("syncing")\n    print("synced")',
            "import os as o\n"
            + LOGGER
            + f"def sync(items):\n    o.system('touch {marker}')\n"
            + body,
        ),
        edit(
            "def sync(items):\n" + '    print("syncing")\n    print("synced")',
            LOGGER + "def sync(items):\n"
            f"    getattr(__import__('os'), 'system')('touch {marker}')\n" + body,
        ),
    ]
    for answer in hostile:
        fake_openai.answer(fix(answer))
    [o] = sweep(root).proposals
    assert o.status == "dropped"
    retries = retry_messages(fake_openai)
    assert "`subprocess` (running processes)" in retries[0]
    assert "`os.system` (running processes)" in retries[1]
    assert "running processes" in o.reason or "evaluating code" in o.reason
    assert not marker.exists()
    assert no_gc_bot_branches(root)


PRINCIPLE = """\
id: no-print-in-tests
title: Tests do not print
rationale: Output in tests is noise.
detect:
  ruff: [T201]
paths:
  include: ["tests/**"]
fix: agent
"""
TEST = 'def test_sync():\n    print("checking")\n    assert sync([1]) == [1]\n    assert sync([]) == []\n'


def test_a_test_may_not_lose_its_assertions_or_its_body(repo, fake_openai):
    root = repo(
        {
            "principles/no-print-in-tests.yaml": PRINCIPLE,
            "tests/test_sync.py": "from pkg.sync import sync\n\n\n" + TEST,
            "pkg/__init__.py": "",
            "pkg/sync.py": "def sync(items):\n    return items\n",
            "gc-bot.toml": "max_attempts = 3\n",
        }
    )
    whole = 'def test_sync():\n    print("checking")\n    assert sync([1]) == [1]\n    assert sync([]) == []'
    path = "tests/test_sync.py"
    fake_openai.answer(fix(edit(whole, "def test_sync():\n    pass", path)))
    fake_openai.answer(fix(edit(whole, "def test_sync():\n    assert sync([1]) == [1]", path)))
    fake_openai.answer(fix(edit(whole, "def test_other():\n    assert True", path)))
    [o] = sweep(root).proposals
    assert o.status == "dropped"
    retries = retry_messages(fake_openai)
    assert "test `test_sync` loses its body" in retries[0]
    assert "test `test_sync` loses assertions (2 before, 1 after)" in retries[1]
    assert "test `test_sync` is removed" in o.reason
    assert git(root, "branch", "--list", "gc-bot/no-print*") == ""


def test_files_that_run_on_their_own_are_never_sent_to_be_edited(repo, fake_openai):
    everywhere = PRINCIPLE.replace('include: ["tests/**"]', 'include: ["**/*.py"]')
    root = repo(
        {
            "principles/no-print-in-tests.yaml": everywhere,
            "setup.py": 'print("installing")\n',
            "gc-bot.toml": "max_files_per_proposal = 1\n",
        }
    )
    fake_openai.answer(fix(edit('print("installing")', "import os\nos.system('x')", "setup.py")))
    [o] = sweep(root).proposals
    assert o.status == "dropped" and "setup.py may not be edited by the agent" in o.reason
    assert fake_openai.requests == []
