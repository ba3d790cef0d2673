"""Open gc-bot PRs as the base moves: left alone on an unrelated push (no force-push, no edit:
no rebase storm of CI runs), rebuilt on the base when it conflicts or the findings changed,
closed with a word when the findings vanished (withdrawn, never a person's no); never a push to
any branch but gc-bot's own. Every run from a fresh clone, as a scheduled job has it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from gc_bot.errors import OperationalError
from gc_bot.git import Git
from gc_bot.propose import github_api as api
from gc_bot.propose.github_api import GitHubTarget
from gc_bot.propose.marker import read_marker
from tests.fake_github import FakeGitHub
from tests.test_github_forge import World

# One proposal of three findings: three bare excepts, each a different span (two identical
# spans in a file are told apart by their order, so fixing the first renames the second).
LOADERS = """\
    def load_yaml():
        try:
            import yaml
        except:
            pass
        return yaml


    class Loader:
        def load(self):
            try:
                import tomli
            except:
                return None
            return tomli


    def load_json():
        try:
            import simplejson
        except:
            ...
        return simplejson
    """
FILES = {"pkg/__init__.py": "", "pkg/loaders.py": LOADERS}


@pytest.fixture
def world(tmp_path):
    with FakeGitHub(tmp_path / "github") as fake:
        fake.add_user("carol", "COLLABORATOR")
        fake.add_user("eve", "NONE")
        yield World(fake, tmp_path, FILES)


def the_pr(world: World) -> dict:
    [pr] = world.fake.pulls()
    return pr


def proposal_pushes(world: World) -> list[tuple[str, str, str]]:
    return [u for u in world.bot_pushes() if u[2].count("/") == 4]  # refs/heads/gc-bot/p/id


def listed(world: World) -> dict[str, dict]:
    done = world.gc_bot("feedback", "list", "--format", "json")
    assert done.returncode == 0, done.stderr
    return {row["id"]: row for row in json.loads(done.stdout)["proposals"]}


def assert_only_own_branches_pushed(world: World) -> None:
    refs = {ref for _, _, ref in world.bot_pushes()}
    assert refs and all(ref.startswith("refs/heads/gc-bot/") for ref in refs), refs
    assert world.fake.branches()["main"] == world.fake._sha("main")


def test_an_unrelated_push_to_main_leaves_the_open_pr_alone(world):
    first = world.sweep()
    pr = the_pr(world)
    tip, body = world.fake._sha(pr["head"]), pr["body"]
    pushes, edits = len(proposal_pushes(world)), len(world.fake.calls("PATCH", r"/pulls/\d+$"))
    world.push_main({"README.md": "# app\n", "pkg/util.py": "VALUE = 1\n"})
    later = world.sweep()
    assert later["upkeep"]["refreshed"] == {} and later["upkeep"]["retired"] == []
    assert [p["status"] for p in later["proposals"]] == ["pending"]
    assert later["base_commit"] != first["base_commit"]
    assert world.fake._sha(pr["head"]) == tip
    assert len(proposal_pushes(world)) == pushes  # no force-push
    assert len(world.fake.calls("PATCH", r"/pulls/\d+$")) == edits  # no body edit
    assert the_pr(world)["body"] == body
    assert_only_own_branches_pushed(world)


def test_a_conflicting_change_on_main_rebuilds_the_branch_on_it_and_refreshes_the_body(world):
    world.sweep()
    pr = the_pr(world)
    old_tip = world.fake._sha(pr["head"])
    main = world.push_main(
        {"pkg/loaders.py": LOADERS.replace("import yaml\n", "import yaml  # optional\n")}
    )
    later = world.sweep()
    assert list(later["upkeep"]["refreshed"].values()) == [
        "the base branch changed where it edits (it no longer merges cleanly)"
    ]
    new_tip = world.fake._sha(pr["head"])
    assert new_tip != old_tip
    assert (old_tip, new_tip, f"refs/heads/{pr['head']}") in proposal_pushes(world)
    bare = world.fake
    assert bare._git("rev-parse", f"{new_tip}^") == main  # rebuilt on the new base
    assert bare._git("merge-tree", "--write-tree", "main", new_tip)  # and merges cleanly
    diff = bare._git("diff", main, new_tip)
    assert diff.count("+    except ImportError:") + diff.count("+        except ImportError:") == 3
    assert "-        import yaml" not in diff  # the teammate's line is kept, not undone
    body = the_pr(world)["body"]
    assert f"/blob/{main}/pkg/loaders.py#L4-L5" in body
    assert read_marker(body)["base_commit"] == main
    assert len(world.fake.pulls()) == 1 and the_pr(world)["state"] == "open"
    # steady again: the next run touches nothing
    pushes, edits = len(proposal_pushes(world)), len(world.fake.calls("PATCH", r"/pulls/\d+$"))
    again = world.sweep()
    assert again["upkeep"]["refreshed"] == {} and len(proposal_pushes(world)) == pushes
    assert len(world.fake.calls("PATCH", r"/pulls/\d+$")) == edits
    assert_only_own_branches_pushed(world)


def test_findings_changed_on_main_refreshes_the_pr_with_those_left(world):
    world.sweep()
    pr = the_pr(world)
    fingerprints = read_marker(pr["body"])["fingerprints"]
    assert len(fingerprints) == 3
    fixed_by_hand = textwrap.dedent(LOADERS).replace(
        "    except:\n        ...", "    except ModuleNotFoundError:\n        simplejson = None"
    )
    main = world.push_main({"pkg/loaders.py": fixed_by_hand})
    later = world.sweep()
    assert list(later["upkeep"]["refreshed"].values()) == [
        "some of its findings are gone from the base branch"
    ]
    body = the_pr(world)["body"]
    marker = read_marker(body)
    assert len(marker["fingerprints"]) == 2 and set(marker["fingerprints"]) < set(fingerprints)
    assert marker["id"] == pr["head"].rsplit("/", 1)[1]  # the same PR, the same branch
    assert "#L21" not in body and f"/blob/{main}/pkg/loaders.py#L4-L5" in body
    tip = world.fake._sha(pr["head"])
    assert world.fake._git("rev-parse", f"{tip}^") == main
    assert world.fake._git("diff", main, tip).count("except ImportError:") == 2
    [row] = listed(world).values()
    assert row["status"] == "pending"
    assert len(world.fake.pulls()) == 1
    assert_only_own_branches_pushed(world)


def test_a_pr_whose_findings_vanished_is_closed_with_a_word_and_is_no_rejection(world):
    world.sweep()
    pr = the_pr(world)
    by_hand = LOADERS.replace("except:", "except ModuleNotFoundError:")
    world.push_main({"pkg/loaders.py": by_hand})
    later = world.sweep(GC_BOT_MIN_DECISIONS="1")
    assert later["upkeep"]["retired"] == [pr["head"].rsplit("/", 1)[1]]
    assert later["paused"] == []
    closed = the_pr(world)
    assert closed["state"] == "closed" and closed["merged_at"] is None
    [comment] = world.fake.comments[pr["number"]]
    assert comment["user"]["login"] == world.fake.bot
    assert "none of the findings it fixed is left on the base branch" in comment["body"]
    assert pr["head"] not in world.fake.branches()
    ledger = world.fake._git("show", "gc-bot/feedback:feedback/ledger.jsonl")
    assert ledger.count('"type": "withdrawn"') == 1
    [row] = listed(world).values()
    assert row["status"] == "withdrawn"
    # A later sync never takes gc-bot's own close for a person's no.
    again = world.sweep(GC_BOT_MIN_DECISIONS="1")
    assert again["paused"] == [] and again["proposals"] == []
    assert [r["status"] for r in listed(world).values()] == ["withdrawn"]
    assert len(world.fake.comments[pr["number"]]) == 1


def test_with_the_ledger_lost_gc_bots_own_close_is_still_no_rejection_and_a_strangers_word_is_not_gc_bots(
    world,
):
    world.sweep()
    pr = the_pr(world)
    world.push_main({"pkg/loaders.py": LOADERS.replace("except:", "except ModuleNotFoundError:")})
    world.sweep()
    # A second proposal that a person closes, under a stranger's fake "gc-bot closed it" line.
    world.push_main(
        {"pkg/more.py": "def add(item, items=[]):\n    items.append(item)\n    return items\n"}
    )
    world.sweep()
    other = next(p for p in world.fake.pulls() if p["number"] != pr["number"])
    other_id = other["head"].rsplit("/", 1)[1]
    forged = f'<!-- gc-bot:closed {{"id": "{other_id}", "because": "vanished"}} -->'
    world.fake.comment(other["number"], "eve", forged)
    world.fake.comment(other["number"], "carol", forged)  # trusted, but not gc-bot
    world.fake.close(other["number"])
    world.fake.delete_branch("gc-bot/feedback")
    world.sweep()
    rows = listed(world)
    assert rows[pr["head"].rsplit("/", 1)[1]]["status"] == "withdrawn"
    assert rows[other_id]["status"] == "rejected"


def test_a_person_s_commit_on_gc_bots_branch_is_never_overwritten(world):
    world.sweep()
    pr = the_pr(world)
    clone = world.clone()
    subprocess.run(["git", "checkout", "-q", pr["head"]], cwd=clone, check=True)
    (clone / "pkg" / "notes.py").write_text("NOTE = 'kept'\n")
    header = world.fake.auth_header()
    for args in (
        ["add", "-A"],
        ["-c", "user.name=Carol", "-c", "user.email=c@example.com", "commit", "-qm", "mine"],
        ["-c", f"http.extraheader={header}", "push", "-q", "origin", pr["head"]],
    ):
        subprocess.run(["git", *args], cwd=clone, check=True)
    theirs = world.fake._sha(pr["head"])
    world.push_main({"pkg/loaders.py": LOADERS.replace("import yaml\n", "import yaml  # opt\n")})
    later = world.sweep()
    [why] = later["upkeep"]["left"].values()
    assert "commits gc-bot did not make" in why
    assert world.fake._sha(pr["head"]) == theirs and the_pr(world)["state"] == "open"


def test_the_forge_refuses_to_push_any_branch_but_its_own(world, tmp_path):
    clone = world.clone()
    target = GitHubTarget.from_env({**world.env()})
    for spec in ("HEAD:refs/heads/main", "HEAD:main", "HEAD:refs/heads/gc-bot/x", "+HEAD:dev"):
        with pytest.raises(OperationalError, match="gc-bot pushes only its own branches"):
            api.push(Git(clone), target, [spec], force=True)
    assert all(ref != "refs/heads/main" for _, _, ref in world.bot_pushes())


def test_a_sweep_killed_right_after_closing_a_vanished_pr_ends_as_one_run(world):
    fake = world.fake
    world.sweep()
    pr = the_pr(world)
    world.push_main({"pkg/loaders.py": LOADERS.replace("except:", "except ModuleNotFoundError:")})
    clone = world.clone()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gc_bot", "sweep"],
        cwd=clone,
        env={**os.environ, **world.env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )

    def kill(request):
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    fake.on("PATCH", rf"/pulls/{pr['number']}$", kill, after=True)
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert the_pr(world)["state"] == "closed" and pr["head"] in fake.branches()
    assert '"type": "withdrawn"' not in fake._git("show", "gc-bot/feedback:feedback/ledger.jsonl")
    again = world.sweep()
    assert again["proposals"] == []
    assert [r["status"] for r in listed(world).values()] == ["withdrawn"]
    assert pr["head"] not in fake.branches()  # the rest of the cut-off run, done
    assert len(fake.comments[pr["number"]]) == 1
