"""A trusted review comment on a line of a gc-bot PR: a no for that line's finding only, as
`gc-bot feedback reject --only PATH:LINE`; the PR is closed and the rest comes back in a new,
smaller PR; a stranger's line comment changes nothing. And the shared ledger survives a
teammate's push landing between gc-bot's fetch and push."""

from __future__ import annotations

import json
import subprocess

import pytest

from gc_bot.propose.marker import read_marker
from tests.fake_github import FakeGitHub
from tests.test_github_forge import World
from tests.test_github_upkeep import FILES


@pytest.fixture
def world(tmp_path):
    with FakeGitHub(tmp_path / "github") as fake:
        fake.add_user("carol", "COLLABORATOR")
        fake.add_user("eve", "NONE")
        yield World(fake, tmp_path, FILES)


def ledger_text(world: World) -> str:
    return world.fake._git("show", "gc-bot/feedback:feedback/ledger.jsonl")


def finding_lines(pr: dict) -> dict[int, str]:
    """Start line -> fingerprint, from the PR's own marker."""
    return {start: fp for _, start, _, fp in read_marker(pr["body"])["lines"]}


def test_a_line_comment_rejects_one_finding_of_three_and_the_rest_come_back_smaller(world):
    fake = world.fake
    world.sweep()
    [first] = fake.pulls()
    lines = finding_lines(first)
    assert sorted(lines) == [4, 13, 21]
    # A stranger's line comment changes nothing.
    fake.review_comment(first["number"], "eve", "pkg/loaders.py", 4, "EVE: drop this one")
    quiet = world.sweep()
    assert [p["status"] for p in quiet["proposals"]] == ["pending"]
    assert fake.issues[first["number"]]["state"] == "open"
    assert "findings-rejected" not in ledger_text(world) and "EVE" not in ledger_text(world)
    # A collaborator's comment on the middle finding's line.
    reason = "this loader must swallow everything: plugins import arbitrary code"
    fake.review_comment(first["number"], "carol", "pkg/loaders.py", 13, reason)
    later = world.sweep()
    old = fake.issues[first["number"]]
    assert old["state"] == "closed" and old["merged_at"] is None
    assert first["head"] not in fake.branches()
    [closing] = [c for c in fake.comments[first["number"]] if c["user"]["login"] == fake.bot]
    assert "said no to 1 of its findings" in closing["body"]
    [new] = [p for p in fake.pulls("open")]
    new_fps = set(read_marker(new["body"])["fingerprints"])
    assert new_fps == {lines[4], lines[21]} and lines[13] not in new_fps
    assert [p["status"] for p in later["proposals"]] == ["proposed"]
    assert "pkg/loaders.py#L13" not in new["body"]
    tip = fake._sha(new["head"])
    assert fake._git("diff", "main", tip).count("except ImportError:") == 2
    rejected = [json.loads(r) for r in ledger_text(world).splitlines() if "findings-rejected" in r]
    assert [(r["fingerprints"], r["who"], r["reason"]) for r in rejected] == [
        ([lines[13]], "carol", reason)
    ]
    # And never again: the next runs keep the smaller PR and never bring back the rejected one.
    again = world.sweep()
    assert [p["status"] for p in again["proposals"]] == ["pending"]
    assert len(fake.pulls()) == 2
    fake.delete_branch("gc-bot/feedback")  # even with the ledger lost
    lost = world.sweep()
    assert [p["status"] for p in lost["proposals"]] == ["pending"]
    assert len(fake.pulls()) == 2
    assert lines[13] in ledger_text(world) and '"partial": true' in ledger_text(world)


def test_a_teammates_ledger_push_between_fetch_and_push_loses_no_record(world):
    fake = world.fake
    world.sweep()
    [pr] = fake.pulls()
    fake.review(pr["number"], "carol", "APPROVED")
    mate = world.clone()
    subprocess.run(["git", "checkout", "-q", "gc-bot/feedback"], cwd=mate, check=True)
    record = {"key": "resume:no-silent-except:mate", "type": "resume", "at": "2026-01-01T00:00"}
    record["principle"] = "no-silent-except"
    header = fake.auth_header()

    def teammate_pushes_first(request):
        ledger = mate / "feedback" / "ledger.jsonl"
        ledger.write_text(ledger.read_text() + json.dumps(record) + "\n")
        for args in (
            ["-c", "user.name=Mate", "-c", "user.email=m@example.com", "commit", "-qam", "mine"],
            ["-c", f"http.extraheader={header}", "push", "-q", "origin", "gc-bot/feedback"],
        ):
            subprocess.run(["git", *args], cwd=mate, check=True, capture_output=True)

    fake.on_git(
        r"/git-receive-pack$", teammate_pushes_first, contains=b"refs/heads/gc-bot/feedback"
    )
    done = world.gc_bot("feedback", "sync")
    assert done.returncode == 0, done.stdout + done.stderr
    updates = [u for u in world.bot_pushes() if u[2] == "refs/heads/gc-bot/feedback"]
    assert len(updates) >= 3  # the sweep's, the rejected one, the one after the merge
    text = ledger_text(world)
    assert '"key": "resume:no-silent-except:mate"' in text  # the teammate's record
    assert '"verdict": "up"' in text and '"who": "carol"' in text  # and ours
    tip = fake._sha("gc-bot/feedback")
    mate_tip = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=mate, capture_output=True, text=True
    ).stdout.strip()
    assert fake._git("merge-base", "--is-ancestor", mate_tip, tip) == ""
