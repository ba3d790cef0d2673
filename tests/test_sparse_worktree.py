"""A proposal's worktree holds only its files when nothing but gc-bot reads it; the rest of
the tree is still the commit's, and the team's test command always gets the whole tree."""

from __future__ import annotations

from gc_bot.git import Git
from gc_bot.sweep import sweep
from tests.conftest import git

FILES = {
    "a/x.py": "import os\n",
    "b/y.py": "VALUE = 1\n",
    "c/z.txt": "notes\n",
    "d/[x] *#!.py": "import sys\n",  # every character a sparse pattern would read as a glob
}


def test_a_sparse_worktree_writes_only_its_files_and_commits_the_whole_tree(repo):
    root = repo(FILES)
    config_before = (root / ".git" / "config").read_text()
    main = Git(root)
    head = main.rev("HEAD")
    with main.worktree(head, only=["a/x.py", "d/[x] *#!.py"]) as tree:
        written = sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file())
        assert [p for p in written if not p.startswith(".git")] == ["a/x.py", "d/[x] *#!.py"]
        assert Git(tree).changed_files() == []  # the files not written are not "deleted"
        (tree / "a" / "x.py").write_text("import re\n")
        assert Git(tree).changed_files() == ["a/x.py"]
        commit = main.commit_worktree(tree, "edit", ["a/x.py"])
    listed = git(root, "ls-tree", "-r", "--name-only", commit).splitlines()
    assert sorted(listed) == sorted(FILES)
    assert git(root, "diff", "--name-only", head, commit).splitlines() == ["a/x.py"]
    assert git(root, "show", f"{commit}:b/y.py") == "VALUE = 1"
    assert (root / ".git" / "config").read_text() == config_before  # no sparse settings left


def test_the_test_command_runs_on_the_whole_tree(repo):
    root = repo(
        {
            "pkg/__init__.py": "",
            "pkg/mod.py": "import os\n\nVALUE = 1\n",
            "pkg/other.py": "VALUE = 2\n",
            "gc-bot.toml": (
                'test_command = "python -c \\"import pkg.other, pkg.mod\\""\nmax_attempts = 1\n'
            ),
        }
    )
    [outcome] = sweep(root).proposals
    assert outcome.status == "proposed", outcome.reason
    assert outcome.files == ["pkg/mod.py"]
