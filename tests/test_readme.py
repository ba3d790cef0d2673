"""The README is a user's guide that cannot rot: what it promises is checked against the code."""

from __future__ import annotations

from gc_bot.setup import git_source


def test_a_gc_bot_installed_from_git_pins_the_workflows_to_that_commit():
    """pip's record of a git install (PEP 610), as `pipx install git+https://...` writes it."""
    record = {
        "url": "https://user:secret@github.com/acme/gc-bot.git",
        "vcs_info": {"vcs": "git", "commit_id": "0123abcd" * 5, "requested_revision": "v0.1.0"},
    }
    assert git_source(record) == f"git+https://github.com/acme/gc-bot.git@{'0123abcd' * 5}"
    assert "secret" not in git_source(record)
    local = {"url": "file:///home/me/gc-bot", "dir_info": {"editable": True}}
    assert git_source(local) is None, "a local folder is not reachable from a runner"
    clone = {"url": "file:///home/me/gc-bot", "vcs_info": {"vcs": "git", "commit_id": "ab"}}
    assert git_source(clone) is None
