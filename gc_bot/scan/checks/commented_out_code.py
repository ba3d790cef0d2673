"""`commented-out-code`: a block of comment lines that is code nobody runs, one finding per block.

Ruff's ERA001 judges each comment line alone, so the prose around an example, a data-shape note
(`# {key: {...}}`), a wrapped sentence's tail (`# conn.close()`) and a menu of alternatives in a
list (`# "%b %d %Y",`) all read as code to it, and a five-line block is five findings. Here a
block (consecutive comment lines at one indentation) is read as a whole: its lines are parsed in
the largest runs that parse, and only statements that do something count as code (assignments,
imports, calls, returns, compound statements; not a bare name, a literal or a `Label: value`
annotation; outside tests, not an `assert`, which states an invariant without paying for it,
while in a test it is a check switched off). A block that also explains itself (a sentence, a line ending in `:` that introduces
an example, a doctest `>>>`, a `## header`) is documentation with an example or code parked on
purpose with its reason, and is left alone.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from dataclasses import dataclass

from gc_bot.scan.checks import Check, FileResult, Hit, register
from gc_bot.scan.parsed import ParsedFile

_PRAGMA = re.compile(
    r"^(?:type:|noqa|pragma|fmt:|pylint:|mypy:|pyright:|gc-bot:|isort:|ruff:|flake8|-\*-|!|region|endregion)",
    re.IGNORECASE,
)
# Cheap screen: a block with none of these cannot hold a statement that does something.
_CODE_HINT = re.compile(r"[=(]|\bimport\b|\breturn\b|\braise\b|\bdel\b|:\s*$")
_WORD = re.compile(r"[A-Za-z]{2,}")
_DEFINITION = re.compile(r"(?:async\s+)?(?:def|class)\s+(\w+)")
_TAG = re.compile(r"^(?:TODO|FIXME|XXX|HACK|NOTE)\b[:(]?", re.IGNORECASE)
_LONGEST_RUN = 40  # lines tried as one statement group


@dataclass(frozen=True)
class _Line:
    number: int
    column: int
    text: str  # after the `#` and one space


@register
class CommentedOutCode(Check):
    name = "commented-out-code"

    def run(self, source: ParsedFile, options: object) -> FileResult:
        hits = []
        in_tests = _in_tests(source.path)
        for block in _blocks(source.lines):
            code = _code_lines(block, in_tests)
            one = len(code) == 1
            if code and not (one and _names_what_follows(source.lines, block)):
                if one and (
                    _opens_branch(source.lines, block) or _states_the_case(source.lines, block)
                ):
                    continue
                hits.append((block, code))
        if not hits:
            return FileResult()
        comments = _real_comment_lines(source.text)
        result = FileResult()
        for block, code in hits:
            if comments is not None and block[0].number not in comments:
                continue  # a `#` line inside a string
            first, last = code[0], code[-1]
            count = last - first + 1
            message = f"commented-out code ({count} line{'s' if count != 1 else ''})"
            result.hits.append(
                Hit(first, block[0].column + 1, last, len(source.lines[last - 1]) + 1, message)
            )
        return result


def _opens_branch(lines: list[str], block: list[_Line]) -> bool:
    """One line of code first in an `if`/`elif`/`else` branch names the case the branch handles
    (`# register.tag('somename', somefunc)`), as the first comment of a branch usually does."""
    before = block[0].number - 2
    while before >= 0 and not lines[before].strip():
        before -= 1
    header = lines[before].strip() if before >= 0 else ""
    return header.endswith(":") and header.startswith(("if ", "elif ", "else", "case "))


def _in_tests(path: str) -> bool:
    """A test module or conftest, or a file under a `test`/`tests` folder."""
    *folders, name = path.split("/")
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or bool({"test", "tests"} & set(folders))
    )


def _states_the_case(lines: list[str], block: list[_Line]) -> bool:
    """One `name = constant` line right above the `if` that tests that name against that
    constant (`# ordering = None` over `if obj.ordering is None:`) states the case it handles."""
    tree = _parse(block[-1].text)
    after = block[-1].number
    while after < len(lines) and not lines[after].strip():
        after += 1
    following = lines[after].strip() if after < len(lines) else ""
    if tree is None or len(tree.body) != 1 or not following.startswith(("if ", "elif ")):
        return False
    node = tree.body[0]
    if not (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.value, ast.Constant)
    ):
        return False
    target = node.targets[0]
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
    test = following.split("#", 1)[0]
    return (
        bool(name)
        and re.search(rf"\b{re.escape(name)}\b", test) is not None
        and (repr(node.value.value) in test)
    )


def _names_what_follows(lines: list[str], block: list[_Line]) -> bool:
    """One line of code right above a `def` or `class` that shows how it is used (`# g = g1 | g2`
    over `__or__`, or a line naming it) is its usage, not code parked there."""
    after = block[-1].number
    following = lines[after].lstrip() if after < len(lines) else ""
    match = _DEFINITION.match(following)
    if match is None:
        return False
    name = match.group(1)
    return (name.startswith("__") and name.endswith("__")) or name in block[-1].text


def _blocks(lines: list[str]) -> list[list[_Line]]:
    blocks: list[list[_Line]] = []
    current: list[_Line] = []
    for number, line in enumerate(lines, 1):
        stripped = line.lstrip()
        if not stripped.startswith("#") or (number <= 2 and stripped.startswith(("#!", "# -*-"))):
            current = []
            continue
        column = len(line) - len(stripped)
        text = stripped[1:]
        text = text[1:] if text.startswith(" ") else text
        if current and current[-1].number == number - 1 and current[-1].column == column:
            current.append(_Line(number, column, text))
        else:
            current = [_Line(number, column, text)]
            blocks.append(current)
    return [b for b in blocks if any(_CODE_HINT.search(line.text) for line in b)]


def _code_lines(block: list[_Line], in_tests: bool) -> list[int]:
    """The line numbers of the block's code, or [] when the block is not commented-out code."""
    texts = [line.text.rstrip() for line in block]
    if any(_explains(text) for text in texts):
        return []
    code: list[int] = []
    index = 0
    while index < len(texts):
        if not texts[index].strip() or _PRAGMA.match(texts[index].strip()):
            index += 1
            continue
        end, tree = _longest_parse(texts, index)
        if tree is None:
            index += 1
            continue
        if any(_does_something(statement, in_tests) for statement in tree.body):
            code += [block[i].number for i in range(index, end) if texts[i].strip()]
        index = end
    if len(code) == 1 and _trivial(texts[[b.number for b in block].index(code[0])]):
        return []
    return code


def _explains(text: str) -> bool:
    """A line of documentation: a sentence, an example's introduction, a doctest, a header."""
    stripped = text.strip()
    if stripped.startswith((">>>", "...", "#", "$ ")):
        return True
    if stripped.endswith(":") and not _parses(stripped + " pass") and not _parses_branch(stripped):
        return True
    if _parses(stripped):
        return False
    # a TODO names its reason in a few words of its own: "TODO fix this" gives none
    words = len(_WORD.findall(_TAG.sub("", stripped)))
    return words >= 3


def _longest_parse(texts: list[str], start: int) -> tuple[int, ast.Module | None]:
    for end in range(min(len(texts), start + _LONGEST_RUN), start, -1):
        tree = _parse("\n".join(texts[start:end]))
        if tree is not None:
            return end, tree
    return start + 1, None


def _parse(text: str) -> ast.Module | None:
    lines = [line for line in text.splitlines() if line.strip()]
    indent = min((len(line) - len(line.lstrip()) for line in lines), default=0)
    text = "\n".join(line[indent:] for line in text.splitlines())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def _parses(text: str) -> bool:
    return _parse(text) is not None


def _parses_branch(text: str) -> bool:
    """`else:`, `except KeyError:` and the like, which parse only after their `if`/`try`."""
    return _parses(f"try:\n  pass\n{text} pass") or _parses(f"if 1:\n  pass\n{text} pass")


def _does_something(node: ast.stmt, in_tests: bool) -> bool:
    if isinstance(node, ast.Assert):
        return in_tests  # an invariant written down, or (in a test) a check switched off
    if isinstance(node, ast.Expr):
        return isinstance(node.value, ast.Call | ast.Await | ast.Yield | ast.YieldFrom)
    if isinstance(node, ast.AnnAssign):
        return node.value is not None  # `Shape: [n][2]` is a label and a value, not code
    return not isinstance(node, ast.Pass | ast.Break | ast.Continue)


def _trivial(text: str) -> bool:
    """One line that reads as English as well as Python: `return value`, `import this`."""
    tree = _parse(text)
    if tree is None or len(tree.body) != 1:
        return False
    node = tree.body[0]
    return isinstance(node, ast.Return) and isinstance(node.value, ast.Name | type(None))


def _real_comment_lines(text: str) -> set[int] | None:
    """Lines that start a comment token (not a `#` inside a string); None if untokenizable."""
    try:
        return {
            token.start[0]
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type == tokenize.COMMENT
        }
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
