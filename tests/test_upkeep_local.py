"""The local forge under the same upkeep as the github one: a branch whose findings vanished
from the base is deleted with its `withdrawn` record (never counted as a no); a branch the base
now conflicts with is rebuilt on it; an unrelated commit on the base moves nothing."""

from __future__ import annotations

import textwrap

from gc_bot.feedback.decide import Store, proposal_rows
from gc_bot.feedback.ledger import Ledger
from gc_bot.feedback.state import FeedbackState
from gc_bot.git import Git
from gc_bot.sweep import sweep
from tests.conftest import git, write_files
from tests.test_github_upkeep import FILES, LOADERS


def commit(root, files: dict[str, str], message: str = "a change") -> str:
    write_files(root, {k: textwrap.dedent(v) for k, v in files.items()})
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)
    return git(root, "rev-parse", "HEAD")


def state(root) -> FeedbackState:
    return FeedbackState.from_records(Ledger(Git(root)).read())


def test_local_branches_are_left_rebuilt_or_retired_as_the_base_moves(repo):
    root = repo(FILES)
    [first] = [o for o in sweep(root).proposals if o.status == "proposed"]
    tip = git(root, "rev-parse", first.branch)
    commit(root, {"README.md": "# app\n"})
    unrelated = sweep(root)
    assert unrelated.upkeep["refreshed"] == {} and git(root, "rev-parse", first.branch) == tip
    main = commit(root, {"pkg/loaders.py": LOADERS.replace("import yaml\n", "import yaml  # x\n")})
    rebuilt = sweep(root)
    assert list(rebuilt.upkeep["refreshed"]) == [first.id]
    new_tip = git(root, "rev-parse", first.branch)
    assert new_tip != tip and git(root, "rev-parse", f"{new_tip}^") == main
    assert state(root).proposals[first.id]["commit"] == new_tip
    commit(root, {"pkg/loaders.py": LOADERS.replace("except:", "except ModuleNotFoundError:")})
    retired = sweep(root)
    assert retired.upkeep["retired"] == [first.id]
    assert git(root, "branch", "--list", first.branch) == ""
    now = state(root)
    assert now.was_withdrawn(first.id) and first.id not in now.verdicts
    assert now.stats(0.1, 1) == {}  # neither a yes nor a no: nothing to count or pause
    rows = {r["id"]: r["status"] for r in proposal_rows(Store.open(root))}
    assert rows == {first.id: "withdrawn"}
