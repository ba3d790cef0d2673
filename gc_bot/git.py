"""The one place that runs git: worktrees, plumbing, refs, patch ids.

gc-bot never checks out, stashes or resets in the user's checkout; it works in its own
worktrees (outside the repository) and writes refs and commits through plumbing, as itself.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from gc_bot import worktrees
from gc_bot.crash import crash_point
from gc_bot.errors import OperationalError, UsageError

BOT_NAME = "gc-bot"
BOT_EMAIL = "gc-bot@users.noreply.github.com"
# Set for gc-bot's own commands only: a CI runner has no git identity, and the user's is not ours.
BOT_IDENTITY = {
    "GIT_AUTHOR_NAME": BOT_NAME,
    "GIT_AUTHOR_EMAIL": BOT_EMAIL,
    "GIT_COMMITTER_NAME": BOT_NAME,
    "GIT_COMMITTER_EMAIL": BOT_EMAIL,
}


_NO_HOOKS_LOCK = threading.Lock()
_no_hooks_dir: str | None = None


def no_hooks() -> list[str]:
    """`-c` options that turn the repository's hooks off for one git command.

    `core.hooksPath` points at an empty folder of gc-bot's own, so no hook (`post-checkout` on
    `worktree add`, `post-commit`, ...) runs, whatever the user's config or the tree under review
    says (a relative hooksPath resolves inside the worktree, i.e. inside the base branch's
    files). `core.fsmonitor` is another configured program git would start; it is off too.
    """
    global _no_hooks_dir
    with _NO_HOOKS_LOCK:
        if _no_hooks_dir is None or not os.path.isdir(_no_hooks_dir):
            _no_hooks_dir = tempfile.mkdtemp(prefix="gc-bot-no-hooks-")
            atexit.register(shutil.rmtree, _no_hooks_dir, True)
        return ["-c", f"core.hooksPath={_no_hooks_dir}", "-c", "core.fsmonitor=false"]


NO_COMMIT = "0" * 40


def refuse_without_work_tree(root: Path) -> None:
    """A bare repository (or a folder inside .git) has no files to scan or fix: say so plainly."""
    done = subprocess.run(
        ["git", "rev-parse", "--is-bare-repository", "--is-inside-git-dir"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    answers = done.stdout.split()
    if done.returncode != 0 or "true" not in answers:
        return
    if answers[0] == "true":
        what, instead = "a bare repository", "a clone with a working tree (git clone REPO FOLDER)"
    else:
        what, instead = "inside a .git folder", "the checkout's own folder"
    raise UsageError(
        f"{Path(root).resolve()} is {what}: gc-bot works on a checkout's files; run it in {instead}"
    )


def _literal(path: str) -> str:
    """A path as a sparse-checkout (gitignore) pattern that matches it and nothing else."""
    return "".join(f"\\{c}" if c in "\\*?[]!# " else c for c in path)


class GitError(OperationalError):
    pass


class Git:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def run(
        self,
        *args: str,
        input: str | bytes | None = None,
        env: dict[str, str] | None = None,
        check: bool = True,
        text: bool = True,
    ) -> str:
        done = subprocess.run(
            ["git", *no_hooks(), "-c", "core.quotepath=off", *args],
            cwd=self.root,
            input=input,
            capture_output=True,
            text=text,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})},
            check=False,
        )
        if check and done.returncode != 0:
            err = done.stderr if text else done.stderr.decode(errors="replace")
            raise GitError(f"git {' '.join(args[:3])} failed: {err.strip()}")
        return done.stdout.strip() if text else done.stdout

    def ok(self, *args: str) -> bool:
        return (
            subprocess.run(
                ["git", *no_hooks(), *args], cwd=self.root, capture_output=True, check=False
            ).returncode
            == 0
        )

    @classmethod
    def open(cls, root: Path) -> Git:
        git = cls(root)
        if not git.ok("rev-parse", "--git-dir"):
            raise UsageError(f"{root} is not inside a git repository")
        refuse_without_work_tree(root)
        return cls(Path(git.run("rev-parse", "--show-toplevel")))

    # -- refs and objects -------------------------------------------------------------
    def rev(self, ref: str) -> str | None:
        out = self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        return out or None

    def resolve_base(self, ref: str | None) -> tuple[str, str]:
        """(name, commit) of the base: `ref`, else the current branch (or HEAD when detached)."""
        name = ref or self.run("symbolic-ref", "--short", "-q", "HEAD", check=False) or "HEAD"
        commit = self.rev(name)
        if commit is None and self.rev("HEAD") is None:
            raise UsageError(
                f"no commits yet in {self.root}: commit your code first "
                "(gc-bot works on the committed tree, never on uncommitted files)"
            )
        if commit is None:
            raise UsageError(f"base {name!r} is not a commit in {self.root}")
        return name, commit

    def common_dir(self) -> Path:
        return (self.root / self.run("rev-parse", "--git-common-dir")).resolve()

    def branches(self, pattern: str) -> dict[str, str]:
        out = self.run("for-each-ref", "--format=%(refname) %(objectname)", pattern)
        return dict(line.split(" ", 1) for line in out.splitlines() if line)

    def update_ref(self, ref: str, new: str, old: str | None = None) -> None:
        self.run("update-ref", ref, new, *([old] if old is not None else []))

    def update_refs(self, updates: dict[str, tuple[str, str | None]]) -> None:
        """Move refs all at once or not at all: ref -> (new, expected old; None: must not exist)."""
        lines = ["start"]
        lines += [f"update {ref} {new} {old or NO_COMMIT}" for ref, (new, old) in updates.items()]
        lines += ["prepare", "commit"]
        self.run("update-ref", "--stdin", input="\n".join(lines) + "\n")

    def is_ancestor(self, commit: str, of: str) -> bool:
        return self.ok("merge-base", "--is-ancestor", commit, of)

    def patch_applied(self, commit: str, base: str) -> bool:
        """Is `commit`, or a commit with the same patch (squash, cherry-pick), on `base`?"""
        if self.is_ancestor(commit, base):
            return True
        # `git cherry` compares patch ids, so a squash merge or a cherry-pick counts too.
        out = self.run("cherry", base, commit, f"{commit}^", check=False)
        return out.startswith("- ")

    def show(self, spec: str) -> bytes | None:
        done = subprocess.run(
            ["git", *no_hooks(), "show", spec], cwd=self.root, capture_output=True, check=False
        )
        return done.stdout if done.returncode == 0 else None

    def hash_blob(self, data: bytes) -> str:
        return self.run("hash-object", "-w", "--stdin", input=data, text=False).decode().strip()

    def commit_tree(self, tree: str, parents: list[str], message: str) -> str:
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        return self.run(*args, "-F", "-", input=message, env=BOT_IDENTITY)

    def tree_with(self, parent: str | None, blobs: dict[str, str]) -> str:
        """A tree: `parent`'s tree (or empty) with `blobs` (path -> blob id) added or replaced."""
        with tempfile.TemporaryDirectory(prefix="gc-bot-index-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            if parent:
                self.run("read-tree", parent, env=env)
            for path, blob in blobs.items():
                self.run("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
            return self.run("write-tree", env=env)

    def changed_files(self) -> list[str]:
        """Tracked files changed against HEAD and untracked ones, NUL-separated so any name survives."""
        changed = self.run("diff", "--name-only", "-z", "HEAD").split("\0")
        changed += self.run("ls-files", "--others", "--exclude-standard", "-z").split("\0")
        return [path for path in changed if path]

    def clean(self) -> None:
        """Drop untracked and ignored files (what a test run leaves behind) in this worktree."""
        self.run("clean", "-fdxq")

    # -- worktrees ------------------------------------------------------------------------
    def checked_out(self, ref: str) -> str | None:
        """The worktree that has branch `ref` checked out, if any: gc-bot never moves that one."""
        worktree = None
        for line in self.run("worktree", "list", "--porcelain", check=False).splitlines():
            if line.startswith("worktree "):
                worktree = line[len("worktree ") :]
            elif line == f"branch {ref}":
                return worktree
        return None

    def worktree_heads(self) -> list[str]:
        """The commit each checkout (this one and its linked worktrees) has at HEAD."""
        out = self.run("worktree", "list", "--porcelain", check=False)
        return [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("HEAD ")]

    def prune_worktrees(self) -> list[str]:
        """Repair after a kill: gc-bot's own broken or orphaned worktrees go, then git prunes."""
        common = self.common_dir()
        with worktrees.serialised(common):
            removed = worktrees.repair(common)
            self.run("worktree", "prune", check=False)
        return removed

    @contextmanager
    def worktree(self, commit: str, only: Sequence[str] | None = None) -> Iterator[Path]:
        """A detached worktree at `commit`, in a temporary folder outside the repository.

        With `only`, a sparse one: just those files are written (the rest of the tree is in
        its index, marked skip-worktree, so diff, add and commit see them unchanged); checking
        out a big tree and deleting it again costs seconds a proposal does not need.
        """
        common = self.common_dir()
        parent = worktrees.new_folder(common)
        path = parent / parent.name  # a unique name: git names its worktree records after it
        checkout = ["--no-checkout"] if only is not None else []
        try:
            with worktrees.serialised(common):  # add, remove and prune race on .git/worktrees
                crash_point("worktree-before-add")
                self.run("worktree", "add", "--detach", "--quiet", *checkout, str(path), commit)
            crash_point("worktree-added")
            if only is not None:
                Git(path).materialise(only)
            yield path
        finally:
            with worktrees.serialised(common):
                self.run("worktree", "remove", "--force", str(path), check=False)
                shutil.rmtree(parent, ignore_errors=True)
                self.run("worktree", "prune", check=False)

    def materialise(self, paths: Sequence[str]) -> None:
        """Fill this worktree's index from HEAD and write only `paths` (sparse patterns given
        for this one command, so the repository's configuration is never changed)."""
        info = Path(self.run("rev-parse", "--absolute-git-dir")) / "info"
        info.mkdir(parents=True, exist_ok=True)
        (info / "sparse-checkout").write_text("".join(f"/{_literal(p)}\n" for p in paths))
        self.run("-c", "core.sparseCheckout=true", "read-tree", "-mu", "HEAD")

    def commit_worktree(self, path: Path, message: str, files: list[str] | None = None) -> str:
        """Commit `files` (default: everything) in worktree `path` as gc-bot; returns the commit."""
        tree = Git(path)
        tree.run("add", "-A", "--", *(files or []))
        # The message through stdin (-F -), never argv: a long one is no "Argument list too long".
        tree.run(
            "commit",
            "-q",
            "--no-verify",
            "--no-gpg-sign",
            "-F",
            "-",
            input=message,
            env=BOT_IDENTITY,
        )
        return tree.run("rev-parse", "HEAD")
