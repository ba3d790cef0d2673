"""Manners and faults against the fake GitHub: caps, retries, rate limits, lost answers,
failures and kills; nothing ends duplicated or orphaned."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.fake_github import FakeGitHub
from tests.test_github_forge import PRINCIPLES, World
from tests.test_sweep import SLOPPY


@pytest.fixture
def world(tmp_path):
    with FakeGitHub(tmp_path / "github") as fake:
        yield World(fake, tmp_path, SLOPPY)


def proposed(report: dict) -> set[str]:
    return {p["principle"] for p in report["proposals"] if p["status"] == "proposed"}


def assert_no_duplicate_and_no_orphan(fake: FakeGitHub) -> None:
    heads = [p["head"] for p in fake.pulls()]
    assert len(heads) == len(set(heads)), "a second PR for one branch"
    for branch in fake.branches():
        if branch.count("/") == 2 and branch.startswith("gc-bot/"):
            assert branch in heads, f"{branch} pushed without its PR"


def test_max_open_prs_caps_what_is_open_at_once(world):
    fake = world.fake
    first = world.sweep(GC_BOT_MAX_OPEN_PRS="2")
    assert len(proposed(first)) == 2 and len(fake.pulls("open")) == 2
    assert not proposed(world.sweep(GC_BOT_MAX_OPEN_PRS="2"))
    fake.close(fake.pulls("open")[0]["number"])
    third = world.sweep(GC_BOT_MAX_OPEN_PRS="2")
    assert proposed(third) == PRINCIPLES - proposed(first)
    assert len(fake.pulls("open")) == 2 and len(fake.pulls()) == 3


def test_max_prs_caps_one_run(world):
    assert len(proposed(world.sweep("--max-prs", "1"))) == 1
    assert len(world.fake.pulls()) == 1


def test_server_errors_rate_limits_and_slow_answers_are_waited_out(world):
    fake = world.fake
    fake.fault("POST", r"/pulls$", 502)
    fake.fault("GET", r"/pulls$", 503)
    fake.rate_limit("POST", r"/labels$", kind="secondary", seconds=1)
    fake.rate_limit("POST", r"/issues/\d+/labels$", kind="primary", seconds=1)
    fake.slow("GET", r"/pulls$", 1.0)
    start = time.monotonic()
    report = world.sweep()
    assert proposed(report) == PRINCIPLES
    assert time.monotonic() - start > 1.5  # the limits were waited out, not ignored
    limited = [r for r in fake.requests if r.status == 403]
    assert len(limited) == 2
    assert len(fake.pulls()) == 3
    assert_no_duplicate_and_no_orphan(fake)


def test_a_pull_request_made_but_its_answer_lost_is_not_made_twice(world):
    fake = world.fake
    fake.fault("POST", r"/pulls$", 502, after=True)  # created, then the answer is an error
    report = world.sweep()
    assert proposed(report) == PRINCIPLES
    assert [r.status for r in fake.calls("POST", r"/pulls$")][:2] == [502, 422]
    assert len(fake.pulls()) == 3
    assert_no_duplicate_and_no_orphan(fake)


def test_one_proposal_failing_never_stops_the_others(world):
    fake = world.fake
    fake.fault("POST", r"/pulls$", 500, times=3)  # the first proposal's every retry
    done = world.gc_bot("sweep", "--format", "json", GC_BOT_GITHUB_RETRIES="2")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    [failed] = [p for p in report["proposals"] if p["status"] == "skipped"]
    assert failed["reason"].startswith("API error") and "500" in failed["reason"]
    assert proposed(report) == PRINCIPLES - {failed["principle"]}
    again = world.sweep()
    assert proposed(again) == {failed["principle"]}
    assert len(fake.pulls()) == 3
    assert_no_duplicate_and_no_orphan(fake)


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_sweep_killed_while_creating_its_second_pr_then_rerun_is_one_run(world, when):
    fake = world.fake
    clone = world.clone()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gc_bot", "sweep"],
        cwd=clone,
        env={**os.environ, **world.env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    posts = []

    def kill_on_second(request):
        posts.append(request)
        if len(posts) < 2:
            return False  # not this one: let it through
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return True

    fake.on("POST", r"/pulls$", kill_on_second, after=(when == "after"), times=2)
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert len(fake.pulls()) == (2 if when == "after" else 1)
    report = world.sweep()
    statuses = sorted(p["status"] for p in report["proposals"])
    opened_before = 2 if when == "after" else 1
    assert statuses == ["pending"] * opened_before + ["proposed"] * (3 - opened_before)
    assert len(fake.pulls()) == 3
    assert_no_duplicate_and_no_orphan(fake)
    assert not proposed(world.sweep())


def test_a_wrong_token_is_a_clear_error_that_never_shows_the_token(world):
    wrong = "ghs_" + "Zq8" * 12
    done = world.gc_bot("sweep", GC_BOT_TOKEN=wrong)
    assert done.returncode == 1
    assert "Authentication failed" in done.stderr or "Bad credentials" in done.stderr
    assert "Traceback" not in done.stderr
    assert wrong not in done.stdout + done.stderr


def test_github_needs_a_repository_and_a_token(world):
    done = world.gc_bot("sweep", "--forge", "github", GC_BOT_TOKEN="", GITHUB_TOKEN="")
    assert done.returncode == 2 and "needs a token" in done.stderr
    done = world.gc_bot("sweep", "--forge", "github", GITHUB_REPOSITORY="")
    assert done.returncode == 2 and "GITHUB_REPOSITORY" in done.stderr
