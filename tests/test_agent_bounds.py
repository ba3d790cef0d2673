"""Bounded work (issue 15, item 6) against the fake server on loopback, real openai client.

An answer's size is checked before it is parsed, a request's estimated size before it is sent,
each proposal has a deadline, a long explanation reaches the commit through stdin, and a page
that is not JSON is said to be one.
"""

from __future__ import annotations

import time

from gc_bot.fix.agent import AgentFixer, TokenBudget
from gc_bot.fix.bounds import MAX_ANSWER_BYTES
from gc_bot.sweep import sweep
from tests.conftest import git, run_gc_bot
from tests.test_agent import CODE, GOOD, PATH, run
from tests.test_hostile_agent import TWO_PRINTS, edit, fix, no_gc_bot_branches

pytest_plugins = ("tests.fake_openai",)

TEN_MB = 10_000_000
HTML = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Proxy login</body></html>"


def fixer(**options) -> AgentFixer:
    options = {"timeout": 5, "max_retries": 0, **options}
    return AgentFixer(model="fake-model", budget=TokenBudget(1_000_000), **options)


def print_repo(repo, settings: str = "max_attempts = 1\n"):
    return repo({"pkg/__init__.py": "", "pkg/sync.py": TWO_PRINTS, "gc-bot.toml": settings})


GOOD_SWEEP_FIX = fix(
    edit(
        "def sync(items):",
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n\ndef sync(items):",
    ),
    edit(
        '    print("syncing")\n    print("synced")',
        '    logger.info("syncing")\n    logger.info("synced")',
    ),
)


def test_a_10_mb_answer_is_given_up_before_it_is_parsed_and_not_retried(repo, fake_openai):
    root = print_repo(repo)
    fake_openai.answer(bad_answer := {**GOOD_SWEEP_FIX, "explanation": "x" * TEN_MB})
    assert len(str(bad_answer)) > TEN_MB
    report = sweep(root)
    [o] = report.proposals
    assert o.status == "dropped" and o.operational and report.failed
    assert o.reason.startswith("API error: the answer is too large (")
    assert "bytes declared; the limit is 2000000); given up before it was parsed" in o.reason
    assert len(fake_openai.requests) == 1  # refused, not asked for again
    assert no_gc_bot_branches(root)


def test_a_chunked_answer_is_stopped_while_it_is_read(fake_openai):
    fake_openai.answer({**GOOD, "explanation": "y" * TEN_MB}, chunked=True)
    outcome = run(fixer())
    assert outcome.files is None
    assert outcome.error == (
        f"API error: the answer is too large (more than {MAX_ANSWER_BYTES} bytes; the limit is "
        f"{MAX_ANSWER_BYTES}); given up before it was parsed"
    )
    # the same answer under a limit it fits is read and used: the limit is what refused it
    fake_openai.answer({**GOOD, "explanation": "y" * 100_000}, chunked=True)
    assert run(fixer(max_answer_bytes=200_000)).error is None


def test_a_request_over_the_budget_is_refused_before_it_is_sent(fake_openai):
    huge = CODE + "DATA = '" + "a" * 49_000_000 + "'\n"  # a 49 MB line (a minified blob)
    agent = AgentFixer(model="m", budget=TokenBudget(200_000), timeout=5, max_retries=0)
    outcome = run(agent, files={PATH: huge})
    assert outcome.files is None and fake_openai.requests == []
    assert outcome.error.startswith("refused: the request is about 12")
    assert outcome.error.endswith(
        "tokens (4 characters a token), more than the whole token budget of 200000; not sent"
    )
    assert agent.budget.used == 0


def test_a_request_over_what_is_left_of_the_budget_is_not_sent(fake_openai):
    budget = TokenBudget(3_000)
    budget.add(2_500)  # spent by earlier proposals of the run
    outcome = run(AgentFixer(model="m", budget=budget, timeout=5, max_retries=0))
    assert fake_openai.requests == []
    assert outcome.error.startswith("token budget exhausted: the request needs about ")
    assert outcome.error.endswith(" tokens and 500 of 3000 are left; not sent")


def test_a_slow_server_ends_at_the_proposal_deadline(repo, fake_openai):
    root = print_repo(repo, "max_attempts = 3\nproposal_timeout = 2\n")
    for _ in range(5):
        fake_openai.delay(8, then=GOOD_SWEEP_FIX)  # 5 x 8 s, each longer than the deadline
    started = time.monotonic()
    report = sweep(root)
    took = time.monotonic() - started
    [o] = report.proposals
    assert o.status == "skipped" and o.operational
    assert o.reason == (
        "deadline: the proposal ran out of time (2s, the proposal_timeout setting); "
        "skipped, tried again next run"
    )
    assert took < 8  # ended before even the first slow answer came
    assert len(fake_openai.requests) == 1  # the SDK's retry was not sent past the deadline
    assert no_gc_bot_branches(root)
    ledger = git(root, "show", "gc-bot/feedback:feedback/ledger.jsonl")
    assert '"type": "dropped"' not in ledger  # not held against the proposal next run


def test_the_deadline_also_stops_the_test_command(repo, fake_openai):
    settings = 'max_attempts = 1\nproposal_timeout = 2\ntest_command = "sleep 30"\n'
    root = print_repo(repo, settings)
    fake_openai.answer(GOOD_SWEEP_FIX)
    started = time.monotonic()
    [o] = sweep(root).proposals
    assert time.monotonic() - started < 15
    assert o.status == "skipped" and o.reason.startswith("deadline: the proposal ran out of time")


def test_proposal_timeout_is_a_setting_gc_bot_config_shows(repo):
    root = print_repo(repo, "proposal_timeout = 120\n")
    shown = run_gc_bot(root, "config").stdout
    assert "proposal_timeout = 120.0  (gc-bot.toml)" in shown
    bad = run_gc_bot(root, "config", env={"GC_BOT_PROPOSAL_TIMEOUT": "0"})
    assert bad.returncode == 2 and "proposal_timeout" in bad.stderr


def test_a_10_mb_explanation_reaches_the_commit_message_through_stdin(repo, fake_openai):
    root = print_repo(repo)
    explanation = "Library code logs. " + "Why, at length. " * (TEN_MB // 16)
    fake_openai.answer({**GOOD_SWEEP_FIX, "explanation": explanation})
    agent = AgentFixer(
        model="m",
        budget=TokenBudget(200_000),
        timeout=30,
        max_retries=0,
        max_answer_bytes=3 * TEN_MB,
    )
    [o] = sweep(root, agent=agent).proposals
    assert o.status == "proposed", o.reason
    message = git(root, "log", "-1", "--format=%B", o.branch)
    assert "Library code logs. Why, at length." in message
    assert len(message) > 200_000  # more than one argument may hold (128 KiB on Linux)
    assert message.rstrip().endswith("characters left out ...]")


def test_an_html_reply_is_an_api_error_that_says_so_after_the_sdk_retries(fake_openai):
    for _ in range(3):
        fake_openai.raw(HTML)
    outcome = run(fixer(max_retries=2))
    assert outcome.files is None
    assert outcome.error == (
        "API error: the server did not answer with JSON "
        "(HTTP 200, text/html; charset=utf-8: '<!DOCTYPE html> <html><head><title>Sign in</title>"
        "</head><body>Proxy login</body></html>')"
    )
    assert len(fake_openai.requests) == 3  # the first try and the SDK's two retries
    fake_openai.raw(HTML).answer(GOOD)  # a gateway's hiccup, then the real answer
    assert run(fixer(max_retries=2)).error is None
