"""Which Python files a scan looks at, and reading them safely."""

from __future__ import annotations

import errno
import io
import os
import stat
import subprocess
import tokenize
from dataclasses import dataclass
from pathlib import Path

from gc_bot.git import refuse_without_work_tree

PYTHON_SUFFIXES = (".py", ".pyi")
MAX_FILE_BYTES = 2_000_000


@dataclass(frozen=True, order=True)
class Skipped:
    path: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True)
class Tree:
    """The files to scan, relative to `root`, and where `root` sits in its git repository."""

    root: Path
    files: list[str]
    prefix: str  # root relative to the git top level, "" or "sub/dir/"

    def repo_path(self, path: str) -> str:
        """A root-relative path as principle globs see it: relative to the git top level."""
        return self.prefix + path


def git_toplevel(root: Path) -> Path | None:
    done = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return Path(done.stdout.strip()) if done.returncode == 0 else None


def discover(root: Path) -> Tree:
    """Python files as git sees them (tracked, and untracked but not ignored)."""
    top = git_toplevel(root)
    if top is None:
        refuse_without_work_tree(root)
        return Tree(root, _walk_with_gitignore(root), "")
    done = subprocess.run(
        [
            "git",
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "--",
            "*.py",
            "*.pyi",
        ],
        cwd=root,
        capture_output=True,
        check=True,
    )
    files = sorted({p for p in done.stdout.decode("utf-8", "surrogateescape").split("\0") if p})
    prefix = root.resolve().relative_to(top.resolve()).as_posix()
    return Tree(root, files, "" if prefix == "." else prefix + "/")


def _walk_with_gitignore(root: Path) -> list[str]:
    import pathspec

    found: list[str] = []
    specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []
    for folder, dirs, names in os.walk(root):
        rel = Path(folder).relative_to(root).as_posix()
        rel = "" if rel == "." else rel + "/"
        ignore_file = Path(folder) / ".gitignore"
        if ignore_file.is_file():
            specs.append(
                (
                    rel,
                    pathspec.GitIgnoreSpec.from_lines(
                        ignore_file.read_text(errors="replace").splitlines()
                    ),
                )
            )

        def ignored(path: str, is_dir: bool) -> bool:
            candidate = path + "/" if is_dir else path
            return any(
                candidate.startswith(base) and spec.match_file(candidate[len(base) :])
                for base, spec in specs
            )

        dirs[:] = sorted(d for d in dirs if d != ".git" and not ignored(rel + d, True))
        found += [
            rel + n for n in names if n.endswith(PYTHON_SUFFIXES) and not ignored(rel + n, False)
        ]
    return sorted(found)


def read_source(root: Path, path: str) -> tuple[bytes, str] | Skipped | None:
    """The file's bytes and decoded text (PEP 263 honoured), or why it cannot be scanned.

    None for a tracked file deleted from the working tree: there is nothing to scan or skip.
    """
    full = root / path
    if not os.path.lexists(full):
        return None
    try:
        info = full.lstat()
        if stat.S_ISLNK(info.st_mode):
            target = _link_target(full)
            if target is None:
                return Skipped(path, f"symlink loop ({os.readlink(full)} leads back to itself)")
            if not target.is_relative_to(root.resolve()):
                return Skipped(path, f"symlink points outside the repository ({os.readlink(full)})")
            info = target.stat()
        if not stat.S_ISREG(info.st_mode):
            return Skipped(path, "not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            return Skipped(
                path,
                f"too large ({info.st_size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB)",
            )
        data = full.read_bytes()
    except OSError as error:
        return Skipped(path, f"cannot read: {error.strerror or error}")
    if b"\0" in data:
        return Skipped(path, "contains NUL bytes")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except SyntaxError:
        return Skipped(
            path, "not valid utf-8 text, and no PEP 263 encoding declaration says otherwise"
        )
    except LookupError as error:
        return Skipped(path, f"unknown encoding declared: {error}")
    except UnicodeDecodeError as error:
        return Skipped(path, f"not valid {error.encoding} text (byte {error.start})")
    return data, text.removeprefix("\ufeff")


def _link_target(link: Path) -> Path | None:
    """Where a symlink ends up, or None for a loop (3.11 raises RuntimeError, 3.13 OSError)."""
    try:
        return link.resolve(strict=True)
    except RuntimeError:
        return None
    except OSError as error:
        if error.errno == errno.ELOOP:
            return None
        return link.resolve()  # dangling: reported below as unreadable, or outside the repository
