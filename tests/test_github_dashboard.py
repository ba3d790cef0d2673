"""The dashboard issue on the fake GitHub: opened once, edited in place by every sweep and sync
(also from a fresh clone with the ledger lost), and its tick boxes honoured once, when the
person who ticked has write access."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta

import pytest

from gc_bot.config import load_config
from gc_bot.feedback.ledger import LEDGER_PATH
from gc_bot.feedback.state import FeedbackState
from gc_bot.propose import dashboard as words
from tests.fake_github import FakeGitHub
from tests.test_github_feedback import pr_of
from tests.test_github_forge import World
from tests.test_sweep import SLOPPY


@pytest.fixture
def world(tmp_path):
    """Carol (a collaborator) and Mia (a member) have write access; Eve has none. GitHub's
    clock runs an hour ahead of the runner's: a tick must still follow what it answers."""
    with FakeGitHub(tmp_path / "github") as fake:
        fake._epoch += timedelta(hours=1)
        for login, association in (("carol", "COLLABORATOR"), ("mia", "MEMBER"), ("eve", "NONE")):
            fake.add_user(login, association)
        yield World(fake, tmp_path, SLOPPY)


def dashboards(world: World) -> list[dict]:
    return [i for i in world.fake.issues_only() if words.LABEL in i["labels"]]


def dashboard(world: World) -> dict:
    [issue] = dashboards(world)
    return issue


def section(body: str, title: str) -> str:
    """The lines of one `## title` section of the body."""
    part = body.split(f"## {title}", 1)[1]
    return part.split("\n## ", 1)[0].split("<!-- gc-bot:dashboard", 1)[0]


def sync(world: World, **env: str) -> str:
    done = world.gc_bot("feedback", "sync", **env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning" not in done.stderr, done.stderr
    return done.stdout


def records(world: World, kind: str) -> list[dict]:
    done = subprocess.run(
        ["git", "show", f"gc-bot/feedback:{LEDGER_PATH}"],
        cwd=world.fake.bare,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return [r for r in rows if r["type"] == kind]


def proposed(report: dict) -> list[dict]:
    return [p for p in report["proposals"] if p["status"] == "proposed"]


def reject(world: World, principle: str, login: str, reason: str) -> dict:
    pr = pr_of(world, principle)
    world.fake.comment(pr["number"], login, f"/gc-bot reject {reason}")
    world.fake.close(pr["number"])
    return pr


def test_one_dashboard_opened_then_edited_in_place_even_with_the_ledger_lost(world):
    fake = world.fake
    report = world.sweep(GC_BOT_MAX_OPEN_PRS="2")
    assert len(proposed(report)) == 2 and len(report["waiting"]) == 1
    issue = dashboard(world)
    assert issue["title"] == words.TITLE and issue["user"] == fake.bot
    assert report["dashboard"] == f"http://127.0.0.1:{fake.port}/acme/app/issues/{issue['number']}"
    body = issue["body"]
    opened = section(body, "Open pull requests")
    assert "(2 of at most 2)" in body
    for p in proposed(report):
        pr = fake.pull_by_branch(p["branch"])
        assert (
            f"[#{pr['number']}](http://127.0.0.1:{fake.port}/acme/app/pull/{pr['number']})"
            in opened
        )
        assert f"`{p['principle']}`" in opened
    [waiting] = report["waiting"]
    waits = section(body, "Waiting for a free slot")
    assert f"- [ ] <!-- gc-bot:first {waiting['id']} --> propose first next run" in waits
    assert f"`{waiting['principle']}`" in waits and "`pkg/" in waits
    assert "Nothing paused." in body and "Nothing rejected." in body

    first = proposed(report)[0]["principle"]
    reject(world, first, "carol", "we keep these on purpose")
    sync(world, GC_BOT_MAX_OPEN_PRS="2")
    body = dashboard(world)["body"]
    rejected = section(body, "Rejected proposals")
    assert f"`{first}`" in rejected and "rejected by carol: “we keep these on purpose”" in rejected
    assert "(1 of at most 2)" in body
    # a sync (which plans nothing) keeps what the sweep said waits
    assert f"<!-- gc-bot:first {waiting['id']} -->" in section(body, "Waiting for a free slot")

    fake.delete_branch("gc-bot/feedback")  # the ledger lost; the next run is a fresh clone
    world.sweep(GC_BOT_MAX_OPEN_PRS="2")
    assert len(dashboards(world)) == 1
    assert len(fake.calls("POST", r"/issues$")) == 1
    assert len(fake.calls("PATCH", rf"/issues/{issue['number']}$")) >= 2
    body = dashboard(world)["body"]
    assert f"`{first}`" in section(body, "Rejected proposals")  # rebuilt from the closed PR
    assert "(2 of at most 2)" in body


def test_a_trusted_tick_brings_a_rejected_proposal_back_once(world):
    fake = world.fake
    world.sweep()
    old = reject(world, "no-silent-except", "carol", "not in plugins")
    sync(world)
    fake.tick(dashboard(world)["number"], "carol", "`no-silent-except`")
    out = sync(world)
    assert "1 new record(s)" in out
    [release] = records(world, "release")
    assert release["who"] == "carol" and release["proposal"] == old["head"].rsplit("/", 1)[1]
    assert release["ticked_at"]  # when carol ticked, as GitHub's edit history says
    body = dashboard(world)["body"]
    assert "- [x]" not in body  # honoured, so unticked
    assert "carol asked to propose again now" in section(body, "Lately")
    assert "Nothing rejected." in body  # asked for again: no longer listed as rejected

    report = world.sweep()
    [again] = proposed(report)
    assert again["principle"] == "no-silent-except" and again["branch"] != old["head"]
    assert fake.issues[old["number"]]["state"] == "closed"
    new_pr = fake.pull_by_branch(again["branch"])
    assert new_pr["state"] == "open" and sorted(again["fingerprints"]) == sorted(
        json.loads(old["body"].split("<!-- gc-bot:proposal ", 1)[1].split(" -->")[0])[
            "fingerprints"
        ]
    )
    assert f"[#{new_pr['number']}]" in section(dashboard(world)["body"], "Open pull requests")
    # acted on once: a further sweep and sync open nothing more
    assert not proposed(world.sweep())
    sync(world)
    assert len(records(world, "release")) == 1 and len(fake.pulls()) == 4


def test_a_tick_resumes_a_paused_principle(world):
    fake = world.fake
    env = {"GC_BOT_MIN_DECISIONS": "1"}  # one rejection pauses a principle
    world.sweep(**env)
    reject(world, "no-silent-except", "carol", "bare excepts are our plugin contract")
    sync(world, **env)
    number = dashboard(world)["number"]
    paused = section(dashboard(world)["body"], "Paused principles")
    assert "resume this principle: `no-silent-except` (no acceptance)" in paused
    assert "“bare excepts are our plugin contract”" in paused

    # "propose again" alone does not lift the pause: the sweep still leaves the principle out
    fake.tick(number, "carol", "propose again now: `no-silent-except`")
    report = world.sweep(**env)
    assert not proposed(report)
    assert [p["principle"] for p in report["paused"]] == ["no-silent-except"]

    fake.tick(number, "mia", "resume this principle: `no-silent-except`")
    sync(world, **env)
    [resume] = [r for r in records(world, "resume") if r.get("source") == words.SOURCE]
    assert resume["who"] == "mia" and resume["principle"] == "no-silent-except"
    body = dashboard(world)["body"]
    assert "Nothing paused." in body and "- [x]" not in body
    report = world.sweep(**env)
    assert [p["principle"] for p in proposed(report)] == ["no-silent-except"]
    assert report["paused"] == []


def test_a_tick_by_someone_without_write_access_does_nothing(world):
    fake = world.fake
    world.sweep()
    reject(world, "no-silent-except", "carol", "no")
    sync(world)
    fake.tick(dashboard(world)["number"], "eve", "`no-silent-except`")
    assert "0 new record(s)" in sync(world)
    assert records(world, "release") == []
    body = dashboard(world)["body"]
    assert "- [x]" not in body
    assert "ignored: a tick by eve to propose again now" in body and "no write access" in body
    assert "`no-silent-except`" in section(body, "Rejected proposals")
    assert not proposed(world.sweep())


def test_a_waiting_proposal_ticked_first_opens_next_run_before_the_rest(world):
    fake = world.fake
    env = {"GC_BOT_MAX_OPEN_PRS": "1"}
    report = world.sweep(**env)
    assert len(proposed(report)) == 1 and len(report["waiting"]) == 2
    last = report["waiting"][-1]  # the one the ranking puts last
    fake.tick(dashboard(world)["number"], "carol", f"<!-- gc-bot:first {last['id']} -->")
    report = world.sweep(**env)
    assert [p["principle"] for p in proposed(report)] == [last["principle"]]
    [prioritise] = records(world, "prioritise")
    assert prioritise["who"] == "carol"
    body = dashboard(world)["body"]
    assert "(2 of at most 1)" in body and "- [x]" not in body
    assert [w["principle"] for w in report["waiting"]] != [last["principle"]]
    assert not proposed(world.sweep(**env))  # the cap holds again once it was honoured


def test_a_tick_made_while_a_sweep_runs_is_kept_for_the_next_run(world):
    fake = world.fake
    env = {"GC_BOT_MAX_OPEN_PRS": "1"}
    report = world.sweep(**env)
    last = report["waiting"][-1]
    fake.close(fake.pulls("open")[0]["number"])  # a slot frees: the next sweep opens one PR
    number = dashboard(world)["number"]
    box = f"<!-- gc-bot:first {last['id']} -->"
    fake.on("POST", r"/pulls$", lambda request: fake.tick(number, "carol", box))
    done = world.gc_bot("sweep", **env)
    assert done.returncode == 0, done.stderr
    assert f"dashboard: http://127.0.0.1:{fake.port}/acme/app/issues/{number}" in done.stdout
    assert "1 more proposal(s) wait for a free slot" in done.stdout
    assert f"- [x] {box}" in dashboard(world)["body"]  # not honoured yet, so not unticked
    assert records(world, "prioritise") == []
    sync(world, **env)
    [prioritise] = records(world, "prioritise")
    assert prioritise["who"] == "carol" and prioritise["proposal"] == last["id"]
    assert "- [x]" not in dashboard(world)["body"]


def test_a_tick_is_trusted_when_github_will_not_tell_who_ticked(world):
    fake = world.fake
    world.sweep()
    reject(world, "no-unused-code", "carol", "keep")
    sync(world)
    fake.tick(dashboard(world)["number"], "carol", "`no-unused-code`")
    fake.fault("POST", r"/graphql$", 404, times=10, body={"message": "Not Found"})
    done = world.gc_bot("feedback", "sync")
    assert done.returncode == 0, done.stderr
    assert "edit history is not readable" in done.stderr
    [release] = records(world, "release")
    assert release["who"] == "an editor of the issue"


def test_dashboard_false_opens_no_issue_and_config_says_so(world):
    done = world.gc_bot("config", GC_BOT_DASHBOARD="false")
    assert "dashboard = False  (env GC_BOT_DASHBOARD)" in done.stdout
    world.sweep(GC_BOT_DASHBOARD="false")
    assert dashboards(world) == [] and world.fake.calls("POST", r"/issues$") == []


def test_a_dashboard_look_alike_from_a_stranger_is_not_the_dashboard(world):
    """An issue with the marker but without gc-bot's label (only triagers can label) is left."""
    fake = world.fake
    fake._new_issue(
        "gc-bot dashboard", "<!-- gc-bot:dashboard {} -->\n- [x] <!-- gc-bot:resume x -->"
    )
    world.sweep()
    assert len(dashboards(world)) == 1 and len(fake.issues_only()) == 2


# -- the body's words, without GitHub -------------------------------------------------------
def test_peoples_words_cannot_open_a_box_ping_anyone_or_end_the_marker(tmp_path):
    state = FeedbackState.from_records(
        [
            {
                "key": "proposal:abc",
                "type": "proposal",
                "id": "abc1234567",
                "principle": "no-silent-except",
                "fingerprints": ["f1"],
                "files": ["a.py"],
                "branch": "gc-bot/no-silent-except/abc1234567",
                "at": "2026-01-01T00:00:00",
            },
            {
                "key": "decision:abc",
                "type": "decision",
                "proposal": "abc1234567",
                "verdict": "down",
                "source": "github",
                "who": "carol",
                "at": "2026-01-02T00:00:00",
                "reason": "no\n- [x] <!-- gc-bot:again abc1234567 --> @team --> ping",
            },
        ]
    )
    waiting = [words.Waiting("def", "p", ["b.py"], ["f--2"])]
    view = words.view_of(state, load_config(tmp_path), open_items=[], waiting=waiting, pr_urls={})
    body = words.render(view)
    assert words.ticks(body) == set()
    assert "@team" not in body and "<!-- gc-bot:again abc1234567 --> @" not in body
    assert words.carried_waiting(body) == waiting
    assert words.is_dashboard(body)


def test_a_release_follows_its_rejection_even_when_githubs_clock_runs_ahead():
    future = "2099-01-01T00:00:00.000000+00:00"
    records = [
        {
            "key": "proposal:abc",
            "type": "proposal",
            "id": "abc1234567",
            "principle": "p",
            "fingerprints": ["f1"],
            "files": ["a.py"],
            "branch": "gc-bot/p/abc1234567",
            "at": "2026-01-01T00:00:00.000000+00:00",
        },
        {
            "key": "decision:abc",
            "type": "decision",
            "proposal": "abc1234567",
            "verdict": "down",
            "source": "github-closed",
            "at": future,
        },
    ]
    state = FeedbackState.from_records(records)
    tick = words.Tick("again", "abc1234567")
    release = words.instruction(tick, who="carol", ticked_at="t", issue=1, state=state, waiting=[])
    assert release is not None and release["at"] > future
    after = FeedbackState.from_records([*records, release])
    assert after.released_again("abc1234567") and after.rejected_fingerprints() == set()
    resume = words.instruction(
        words.Tick("resume", "p"), who="carol", ticked_at="t", issue=1, state=state, waiting=[]
    )
    assert resume is not None
    stats = FeedbackState.from_records([*records, resume]).stats(0.5, 1)
    assert not stats["p"].paused


def test_each_standing_tick_is_credited_to_the_edit_that_made_it():
    box = "- [{}] <!-- gc-bot:again {} -->"
    plain = "\n".join([box.format(" ", "aaa"), box.format(" ", "bbb")])
    one = "\n".join([box.format("x", "aaa"), box.format(" ", "bbb")])
    both = "\n".join([box.format("x", "aaa"), box.format("x", "bbb")])
    history = [
        words.Revision("2026-01-03", "eve", both),
        words.Revision("2026-01-01", "gc-bot", plain),
        words.Revision("2026-01-02", "carol", one),
    ]
    credited = words.attribute(words.ticks(both), history)
    assert {t.target: r.editor for t, r in credited.items()} == {"aaa": "carol", "bbb": "eve"}
    assert words.attribute(words.ticks(both), []) == dict.fromkeys(words.ticks(both))
