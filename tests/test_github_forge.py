"""The github forge against the fake GitHub: pull requests, manners, faults; every run from a
fresh clone, as a scheduled job has it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_gc_bot
from tests.fake_github import FakeGitHub, fresh_clone, seed
from tests.test_sweep import SLOPPY

PRINCIPLES = {"no-unused-code", "no-mutable-defaults", "no-silent-except"}


class World:
    """A remote on the fake GitHub, and runs of gc-bot from fresh clones of it."""

    def __init__(self, fake: FakeGitHub, tmp: Path, files: dict[str, str]) -> None:
        self.fake, self.tmp, self.runs = fake, tmp, 0
        self.work = seed(fake, tmp / "work", files)
        self.seeded = len(fake.pushes())  # what came before gc-bot: the seed's push of main

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **self.fake.env(),
            "GC_BOT_TOKEN": self.fake.token,
            "GC_BOT_GITHUB_PACING": "0",
            **extra,
        }

    def clone(self) -> Path:
        self.runs += 1
        return fresh_clone(self.fake, self.tmp / f"run{self.runs}")

    def gc_bot(self, *args: str, clone: Path | None = None, **env: str):
        where = clone or self.clone()
        done = run_gc_bot(where, *args, env=self.env(**env))
        assert self.fake.token not in done.stdout + done.stderr
        config = (where / ".git" / "config").read_text()
        assert self.fake.token not in config and "extraheader" not in config
        return done

    def push_main(self, files: dict[str, str], message: str = "a teammate's change") -> str:
        """A teammate's commit on main, pushed into the remote's repository (beside the fake
        server, so that every push the server sees after the seed is gc-bot's); its sha."""
        import textwrap

        from tests.fake_github import _run_git

        header = self.fake.auth_header()
        _run_git(
            self.work,
            "-c",
            f"http.extraheader={header}",
            "pull",
            "-q",
            "--ff-only",
            "origin",
            "main",
        )
        for name, content in files.items():
            path = self.work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(content))
        _run_git(self.work, "add", "-A")
        _run_git(self.work, "commit", "-qm", message)
        _run_git(self.work, "push", "-q", str(self.fake.bare), "main")
        return _run_git(self.work, "rev-parse", "HEAD")

    def bot_pushes(self) -> list[tuple[str, str, str]]:
        """The ref updates gc-bot pushed through the server: (old, new, ref)."""
        return self.fake.pushes()[self.seeded :]

    def sweep(self, *args: str, **env: str) -> dict:
        done = self.gc_bot("sweep", "--format", "json", *args, **env)
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout)


@pytest.fixture
def world(tmp_path):
    with FakeGitHub(tmp_path / "github") as fake:
        yield World(fake, tmp_path, SLOPPY)


def test_a_first_sweep_opens_labelled_pull_requests_a_reviewer_understands(world):
    fake = world.fake
    report = world.sweep()
    assert report["forge"] == "github"
    proposed = [p for p in report["proposals"] if p["status"] == "proposed"]
    assert {p["principle"] for p in proposed} == PRINCIPLES
    pulls = fake.pulls("open")
    assert len(pulls) == 3
    for p in proposed:
        pr = fake.pull_by_branch(p["branch"])
        assert pr is not None and pr["base"] == "main"
        assert fake.branches()[p["branch"]] == fake._sha(p["branch"])
        assert set(pr["labels"]) == {"gc-bot", p["principle"]}
        body = pr["body"]
        assert p["principle"] in pr["title"]
        assert "<!-- gc-bot:proposal " in body and p["id"] in body
        assert "How to answer" in body and "/gc-bot reject" in body
        path = p["files"][0]
        assert f"/acme/app/blob/{report['base_commit']}/{path}#L" in body
    assert fake.labels["gc-bot"]["color"] == "5319e7"
    # Pushes carried the token; main was never pushed to.
    assert all("authorization" in r.headers for r in fake.git_requests)
    assert fake.branches()["main"] == world.fake._sha("main")


def test_the_run_says_which_token_it_uses_never_its_value(world):
    done = world.gc_bot("sweep")
    assert done.returncode == 0, done.stderr
    assert "token from GC_BOT_TOKEN" in done.stdout
    done = world.gc_bot("sweep", GC_BOT_TOKEN="", GITHUB_TOKEN=world.fake.token)
    assert "token from GITHUB_TOKEN" in done.stdout


def test_a_rerun_from_a_fresh_clone_opens_nothing_new(world):
    world.sweep()
    posts = len(world.fake.calls("POST", r"/pulls$"))
    report = world.sweep()
    assert not [p for p in report["proposals"] if p["status"] == "proposed"]
    assert {p["status"] for p in report["proposals"]} == {"pending"}
    assert len(world.fake.calls("POST", r"/pulls$")) == posts
    assert len(world.fake.pulls()) == 3


def test_a_forks_look_alike_pull_request_is_never_taken_for_gc_bots(world):
    fake = world.fake
    fake.add_user("eve", "NONE")
    fake.add_user("carol", "COLLABORATOR")
    first = world.sweep(GC_BOT_MAX_OPEN_PRS="2")
    a, b = fake.pulls("open")
    closed_copy = fake.fork_pull("eve", a["head"], a["body"])  # the same branch name and marker
    fake.close(closed_copy["number"])
    fake.fork_pull("eve", b["head"], b["body"])  # an open look-alike: not one of gc-bot's
    fake.close(b["number"])  # a real no from the repository's side
    later = world.sweep(GC_BOT_MAX_OPEN_PRS="2")
    new = [p for p in later["proposals"] if p["status"] == "proposed"]
    assert len(new) == 1  # the fork's open PR took no slot of gc-bot's two
    assert new[0]["principle"] not in {p["principle"] for p in first["proposals"]}
    statuses = {p["branch"]: p["status"] for p in later["proposals"]}
    assert statuses[a["head"]] == "pending"  # the fork's closed copy was no rejection
    assert b["head"] not in statuses  # gc-bot's own closed PR: rejected, not proposed again
    done = world.gc_bot("feedback", "list", "--format", "json")
    rows = {r["branch"]: r["status"] for r in json.loads(done.stdout)["proposals"]}
    assert (rows[a["head"]], rows[b["head"]]) == ("pending", "rejected")
