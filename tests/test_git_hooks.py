"""gc-bot runs git with the repository's hooks off: a hook in the tree under review never runs."""

from __future__ import annotations

import os

from gc_bot.sweep import sweep
from tests.conftest import git

HOOK = "#!/bin/sh\necho ran >> {marker}\n"


def test_a_relative_hooks_path_on_the_base_branch_never_runs(repo, tmp_path):
    marker = tmp_path / "hook-ran"
    hooks = {
        f".githooks/{name}": HOOK.format(marker=marker)
        for name in (
            "post-checkout",
            "pre-commit",
            "commit-msg",
            "post-commit",
            "reference-transaction",
        )
    }
    root = repo(
        {"pkg/__init__.py": "", "pkg/mod.py": "import os\n\n\ndef f():\n    return 1\n", **hooks}
    )
    for path in hooks:
        os.chmod(root / path, 0o755)
    git(root, "config", "core.hooksPath", ".githooks")
    git(root, "commit", "-q", "--allow-empty", "-m", "hooks are live")  # they do run for people
    assert marker.read_text().count("ran") >= 2
    marker.unlink()
    report = sweep(root)
    [proposed] = [o for o in report.proposals if o.status == "proposed"]
    assert proposed.principle == "no-unused-code"
    assert git(root, "show", f"{proposed.branch}:pkg/mod.py").startswith("def f")
    assert not marker.exists()
