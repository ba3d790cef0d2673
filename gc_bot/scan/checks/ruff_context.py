"""Where ruff's context-blind codes fire on code that is meant: quiet spans for their principles.

Ruff judges one line at a time. These checks read the surroundings and mark the spans where a
maintainer would close the PR: a `print` in a `__main__` demo or a command-line tool, an
`import pdb` that implements a `--pdb` option, the imports of a module that only re-exports,
a TODO whose ticket or release is named in its own words, an `except: raise` that anchors an
`else:`.
They report nothing themselves; the scan drops their principle's ruff hits inside the spans.
"""

from __future__ import annotations

import io
import re
import tokenize

import libcst as cst

from gc_bot.scan.checks import Check, FileResult, register
from gc_bot.scan.parsed import ParsedFile

# Modules that build a command line: their output is the point.
_CLI_MODULES = {"argparse", "optparse", "click", "typer", "getopt"}
# A function whose name or docstring says its job is output.
# An `if` on one of these asks for output: the user turned it on (`if verbosity >= 2:`).
_VERBOSITY = re.compile(r"(?i)verbos|\bstdout\b|\bquiet\b")
_OUTPUT_WORDS = re.compile(r"(?i)(?<![a-z])(print|display|dump|echo)")
# Without one of these words in the file, no function of it ends the program.
_EXITS = re.compile(r"\b(?:exit|quit|SystemExit)\b")


def _main_block(statement: cst.CSTNode) -> bool:
    """`if __name__ == "__main__":` at module level."""
    if not isinstance(statement, cst.If) or not isinstance(statement.test, cst.Comparison):
        return False
    test = statement.test
    names = [test.left, *(c.comparator for c in test.comparisons)]
    return any(isinstance(n, cst.Name) and n.value == "__name__" for n in names) and any(
        isinstance(n, cst.SimpleString) and n.evaluated_value == "__main__" for n in names
    )


def _imported_modules(module: cst.Module) -> set[str]:
    found: set[str] = set()
    for line in module.body:
        for node in getattr(line, "body", ()) if isinstance(line, cst.SimpleStatementLine) else ():
            if isinstance(node, cst.Import):
                found |= {_dotted(alias.name).split(".")[0] for alias in node.names}
            elif isinstance(node, cst.ImportFrom) and node.module is not None and not node.relative:
                found.add(_dotted(node.module).split(".")[0])
    return found


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return node.value if isinstance(node, cst.Name) else ""


def _span(source: ParsedFile, node: cst.CSTNode) -> tuple[int, int]:
    line, _, end_line, _ = source.position(node)
    return line, end_line


@register
class PrintContext(Check):
    """Spans where printing is the code's job (ruff's T201/T203 stay quiet there).

    A module-level `if __name__ == "__main__":` block; an `if` on a verbosity, quiet or
    stdout option (the user asked for the output); a command-line module (it imports
    argparse, optparse, click, typer or getopt); a function whose name or docstring says it
    prints, displays, dumps or echoes; a function that ends the program (`sys.exit(...)`,
    `raise SystemExit`): it is talking to the person at the terminal before it stops.
    """

    name = "print-context"

    def run(self, source: ParsedFile, options: object) -> FileResult:
        if _imported_modules(source.module) & _CLI_MODULES:
            return FileResult(quiet=[(1, len(source.lines) or 1)])
        quiet = [_span(source, s) for s in source.module.body if _main_block(s)]
        may_exit = _EXITS.search(source.text) is not None  # else no walk of every body
        for statement in source.of_type(cst.If):
            if _VERBOSITY.search(cst.Module(body=[]).code_for_node(statement.node.test)):
                quiet.append(_span(source, statement.node))
        for statement in source.of_type(cst.FunctionDef):
            node = statement.node
            docstring = node.get_docstring(clean=False) or ""
            if (
                _OUTPUT_WORDS.search(node.name.value)
                or _OUTPUT_WORDS.search(docstring[:200])
                or (may_exit and _ends_the_program(node))
            ):
                quiet.append(_span(source, node))
        return FileResult(quiet=quiet)


def _ends_the_program(function: cst.FunctionDef) -> bool:
    """Its own body (not a nested def) calls `sys.exit`/`exit`/`quit` or raises SystemExit."""
    pending: list[cst.CSTNode] = [function.body]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.Call) and _dotted(node.func) in {"sys.exit", "exit", "quit"}:
            return True
        if isinstance(node, cst.Raise) and node.exc is not None:
            raised = node.exc.func if isinstance(node.exc, cst.Call) else node.exc
            if _dotted(raised) == "SystemExit":
                return True
        pending += [c for c in node.children if not isinstance(c, cst.FunctionDef | cst.ClassDef)]
    return False


@register
class DebuggerContext(Check):
    """A plain `import pdb` (or `import ipdb as pdb`) stops nothing: only a call does.

    The imports are quiet for ruff's T100; `breakpoint()`, `pdb.set_trace()` and
    `from pdb import set_trace` are still reported.
    """

    name = "debugger-context"

    def run(self, source: ParsedFile, options: object) -> FileResult:
        quiet = []
        for statement in source.of_type(cst.SimpleStatementLine):
            if all(isinstance(node, cst.Import) for node in statement.node.body):
                quiet.append(_span(source, statement.node))
        return FileResult(quiet=quiet)


@register
class UnusedContext(Check):
    """Imports in a module that only re-exports, and locals something displays.

    A module whose body is only a docstring, imports, `__all__` and `TYPE_CHECKING` blocks,
    and which names `__all__` or imports only from its own package (relative imports), exists
    to re-export: its imports are its API (quiet for F401). In a function, or a
    `__main__` block, that shows its locals (`locals()`, `show_locals=True`), an unused local
    is on display (quiet for F841).
    """

    name = "unused-context"

    def run(self, source: ParsedFile, options: object) -> FileResult:
        quiet = []
        body = source.module.body
        if body and all(_declarative(statement) for statement in body) and _re_exports(body):
            quiet.append((1, len(source.lines) or 1))
        blocks = [s.node for s in source.of_type(cst.FunctionDef)]
        for node in [*blocks, *(s for s in body if _main_block(s))]:
            if "locals" in source.code(node):
                quiet.append(_span(source, node))
        return FileResult(quiet=quiet)


def _re_exports(body) -> bool:
    """It names `__all__`, or every import is from its own package (relative)."""
    lines = [s for s in body if isinstance(s, cst.SimpleStatementLine)]
    nodes = [node for line in lines for node in line.body]
    imports = [n for n in nodes if isinstance(n, cst.Import | cst.ImportFrom)]
    own = [n for n in imports if isinstance(n, cst.ImportFrom) and (n.relative or _future(n))]
    names_all = any(isinstance(n, cst.Assign | cst.AugAssign | cst.AnnAssign) for n in nodes)
    return names_all or (bool(imports) and len(own) == len(imports))


def _future(node: cst.ImportFrom) -> bool:
    return node.module is not None and _dotted(node.module) == "__future__"


def _declarative(statement: cst.CSTNode) -> bool:
    if isinstance(statement, cst.If):  # `if TYPE_CHECKING:` imports
        return all(_declarative(s) for s in statement.body.body)
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for node in statement.body:
        if isinstance(node, cst.Import | cst.ImportFrom):
            continue
        if isinstance(node, cst.Expr) and isinstance(node.value, cst.SimpleString):
            continue
        targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
        names = [getattr(t, "target", t) for t in targets]
        if isinstance(node, cst.Assign | cst.AugAssign | cst.AnnAssign) and all(
            isinstance(n, cst.Name) and n.value == "__all__" for n in names
        ):
            continue
        return False
    return True


# A ticket named in the TODO's own words: a link, `#123`, `ABC-123`, `gh-123`, "issue 12".
_TICKET = re.compile(
    r"https?://\S+|(?<![\w&#])#\d+\b|\b[A-Z][A-Z0-9]+-\d+\b|\b(?:gh|GH)-\d+\b"
    r"|(?i:\b(?:issue|ticket|bug|pr|pull request)\s*#?\d+\b)"
)
# A release that settles it: "drop ... when dropping support for PY312", "remove in 6.0":
# a verb of removal, and a version a few words after when/once/after/until/in/by/before.
_SCHEDULE = re.compile(r"(?i)\b(?:drop|remov|deprecat)\w*\b")
_VERSION = re.compile(
    r"(?i)\b(?:when|once|after|until|in|by|before)\b(?:\W+[\w-]+){0,4}?\W+"
    r"(?:py(?:thon)?\s?3\.?\d{1,2}\b|v?\d+\.\d+(?:\.\d+)?\b)"
    r"|\bRemovedIn\w*?\d+\w*Warning\b"  # Django's deprecation warnings name the release
)
_TODO_TAG = re.compile(r"\b(?:TODO|FIXME|XXX)\b", re.IGNORECASE)


@register
class TodoContext(Check):
    """A TODO whose own words name its tracker (ruff's TD003 looks only at the next line's
    start): a ticket anywhere in the TODO's comment block (`... (#27737).`, a link, `ABC-123`),
    or the release that settles it (`drop this when dropping support for Python 3.12`): a
    deprecation schedule is a tracker too. A TODO that asks a question (`TODO: is caching
    really necessary here?`) is a note to the next reader, not a task anyone could own."""

    name = "todo-context"

    def run(self, source: ParsedFile, options: object) -> FileResult:
        quiet = []
        for first, last, text in _todo_blocks(source.text):
            release = _SCHEDULE.search(text) and _VERSION.search(text)
            if _TICKET.search(text) or release or "?" in text:
                quiet.append((first, last))
        return FileResult(quiet=quiet)


def _todo_blocks(text: str) -> list[tuple[int, int, str]]:
    """(first line, last line, text) of each TODO and the comment lines that continue it."""
    comments: list[tuple[int, int, str]] = []  # line, column, text
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                comments.append((token.start[0], token.start[1], token.string.lstrip("#").strip()))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return []
    blocks = []
    for index, (line, column, words) in enumerate(comments):
        if not _TODO_TAG.search(words):
            continue
        last, parts = line, [words]
        for next_line, next_column, more in comments[index + 1 :]:
            if next_line != last + 1 or next_column != column or _TODO_TAG.search(more):
                break  # the TODO's comment ended, or another TODO starts
            last, parts = next_line, [*parts, more]
        blocks.append((line, last, " ".join(parts)))
    return blocks


@register
class TryContext(Check):
    """`except: raise` in a try that has an `else:`: the handler is what lets the `else` mark
    the success path (a try with an `else` needs a handler), a form chosen on purpose; ruff's
    TRY203 is quiet there. A handler that only re-raises in a try without `else` is reported."""

    name = "try-context"

    def run(self, source: ParsedFile, options: object) -> FileResult:
        quiet = []
        for statement in source.of_type(cst.Try):
            if statement.node.orelse is not None:
                quiet += [_span(source, handler) for handler in statement.node.handlers]
        return FileResult(quiet=quiet)
