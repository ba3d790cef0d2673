"""No new capabilities: a fix may not start running processes, networking, eval, reading or
deleting files.

Read from the edited text with `ast` (nothing is imported or run): every use of a capability
(an import of its module, a call of its function through any alias, `getattr(os, "system")`,
`__import__("subprocess")`) is counted per file before and after the change. A use the file
did not have is refused, unless the file already had that capability and the principle is
about it (its id, title, rationale or guidance names it).
"""

from __future__ import annotations

import ast
from collections import Counter

from gc_bot.fix.guards import Change

# capability -> what grants it: modules (imported or used through any alias) and functions.
_CAPABILITIES: dict[str, tuple[str, ...]] = {
    "running processes": (
        "subprocess",
        "pty",
        "multiprocessing",
        "os.system",
        "os.popen",
        "os.fork",
        "os.forkpty",
        "os.posix_spawn",
        "os.posix_spawnp",
        "os.execl",
        "os.execle",
        "os.execlp",
        "os.execlpe",
        "os.execv",
        "os.execve",
        "os.execvp",
        "os.execvpe",
        "os.spawnl",
        "os.spawnle",
        "os.spawnlp",
        "os.spawnlpe",
        "os.spawnv",
        "os.spawnve",
        "os.spawnvp",
        "os.spawnvpe",
        "os.startfile",
        "os.kill",
        "os.killpg",
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
    ),
    "network access": (
        "socket",
        "ssl",
        "urllib",
        "urllib3",
        "http.client",
        "http.server",
        "requests",
        "httpx",
        "aiohttp",
        "ftplib",
        "smtplib",
        "poplib",
        "imaplib",
        "telnetlib",
        "xmlrpc",
        "paramiko",
        "websocket",
        "websockets",
        "asyncio.open_connection",
        "asyncio.start_server",
    ),
    "evaluating code": (
        "eval",
        "exec",
        "compile",
        "__import__",
        "importlib",
        "runpy",
        "code",
        "codeop",
        "ctypes",
        "marshal",
        "pickle",
        "builtins",
        "__builtins__",
    ),
    # Reading files: code under the test command could print a file (a .env) for its failing
    # output to carry back to the model. Allowed where the file already read files.
    "reading files": (
        "open",
        "io.open",
        "os.open",
        "codecs.open",
        "tokenize.open",
        "fileinput",
        "linecache",
        "mmap",
        "dotenv",
        ".read_text",
        ".read_bytes",
    ),
    "deleting files": (
        "shutil.rmtree",
        "shutil.move",
        "os.remove",
        "os.unlink",
        "os.rmdir",
        "os.removedirs",
        "os.truncate",
        ".unlink",
        ".rmdir",
        ".rmtree",
    ),
}
_BUILTINS = frozenset({"eval", "exec", "compile", "__import__", "__builtins__", "open"})
_WHAT: dict[str, str] = {name: kind for kind, names in _CAPABILITIES.items() for name in names}


_STARTUP_NAMES = frozenset(
    {
        "setup.py",
        "conftest.py",
        "sitecustomize.py",
        "usercustomize.py",
        "noxfile.py",
        "fabfile.py",
        "pyproject.toml",
        "setup.cfg",
        "tox.ini",
        "pytest.ini",
        "makefile",
        "dockerfile",
        "manifest.in",
        ".pre-commit-config.yaml",
        ".gitlab-ci.yml",
        ".travis.yml",
        "azure-pipelines.yml",
        "jenkinsfile",
    }
)
_STARTUP_DIRS = (".github/", ".circleci/", ".gitlab/", ".buildkite/")


def runs_on_its_own(path: str) -> bool:
    """Files that run without anyone calling them: `*.pth`, `conftest.py`, build and CI files.

    The agent never edits one, whatever its findings: an edit there would run on the next
    `pip install`, test run, interpreter start or CI job.
    """
    lowered = path.lower()
    name = lowered.rsplit("/", 1)[-1]
    return name in _STARTUP_NAMES or name.endswith(".pth") or lowered.startswith(_STARTUP_DIRS)


def new_capabilities(change: Change) -> str | None:
    """None, or which capability the change adds to which file (refused before anything runs)."""
    problems = []
    for path, text in change.after.items():
        added = uses(text) - uses(change.before.get(path, ""))
        before = uses(change.before.get(path, ""))
        for name in sorted(added):
            kind = _WHAT[name]
            if before[name] and _about(change, name, kind):
                continue
            problems.append(f"{path}: `{name.lstrip('.')}` ({kind})")
    if not problems:
        return None
    return (
        "the change adds capabilities the file did not use, which a fix may never add: "
        + "; ".join(problems[:5])
        + ". Fix the findings without them."
    )


def _about(change: Change, name: str, kind: str) -> bool:
    return name.strip(".").lower() in change.about or kind in change.about


def uses(text: str) -> Counter[str]:
    """How many times each capability is used in `text` (a file that does not parse: none)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return Counter()
    return _Uses().visit_module(tree)


class _Uses(ast.NodeVisitor):
    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}  # local name -> dotted name it stands for
        self.found: Counter[str] = Counter()

    def visit_module(self, tree: ast.Module) -> Counter[str]:
        for node in ast.walk(tree):  # aliases first: a use may come before its import textually
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.aliases[local] = alias.name if alias.asname else local
                    self._count(alias.name)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                self._count(node.module)
                for alias in node.names:
                    dotted = f"{node.module}.{alias.name}"
                    self.aliases[alias.asname or alias.name] = dotted
                    self._count(dotted)
        self.visit(tree)
        return self.found

    def visit_Import(self, node: ast.Import) -> None:
        pass  # counted above

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        pass

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in _BUILTINS and node.id not in self.aliases:
            self._count(node.id)
        elif node.id in self.aliases:  # `system(...)` after `from os import system`
            self._count(self.aliases[node.id])

    def visit_Attribute(self, node: ast.Attribute) -> None:
        dotted = _dotted(node, self.aliases)
        if dotted:
            self._count(dotted)
        self._count("." + node.attr)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else None
        strings = [a.value for a in node.args if isinstance(a, ast.Constant)]
        if name == "getattr" and len(node.args) >= 2:  # getattr(os, "system")
            first = node.args[0]
            owner = _dotted(first, self.aliases) or (
                first.id if isinstance(first, ast.Name) and first.id in _BUILTINS else ""
            )
            attr = node.args[1]
            if isinstance(attr, ast.Constant) and isinstance(attr.value, str):
                self._count(f"{owner}.{attr.value}" if owner else attr.value)
        if name in ("__import__",) or _dotted(func, self.aliases) == "importlib.import_module":
            for value in strings:
                if isinstance(value, str):
                    self._count(value)
        self.generic_visit(node)

    def _count(self, dotted: str) -> None:
        for prefix in _prefixes(dotted):
            if prefix in _WHAT:
                self.found[prefix] += 1
                return


def _prefixes(dotted: str) -> list[str]:
    """`a.b.c` -> `a.b.c`, `a.b`, `a` (the most specific capability wins)."""
    parts = dotted.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)] if parts[0] else [dotted]


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """`os.path.join` for an attribute chain on a name, aliases resolved; else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return None  # a local variable named `code` or `socket` is not the module
    parts.append(aliases[node.id])
    return ".".join(reversed(parts))
