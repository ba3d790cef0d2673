"""`redundant-comment`: a comment that only says again what the line below it says.

Flagged: a single comment line inside a function, directly above a statement (no blank line
between, no other comment line above it), whose content words (two or more, after dropping
filler such as "the", "a", "to" and plural/-ing/-ed endings) are all found on that statement's
first line: its identifiers split into words (`user_count`, `userCount` -> user, count; string
literals do not count), its keywords, and the plain-English names of its operations (`+=` is
"increment"/"add", `=` is "set"/"get", `for` is "loop"/"iterate", `if` is "check"...). So
`# increment counter` above `counter += 1` and `# return the result` above `return result`
are flagged. Above a block (`if`, `for`, `while`, `with`...), the comment must also name what
the block does ("check", "loop"...); otherwise it labels the whole block.

Precision comes first; these are never flagged:

- comments that carry more than the code: any word the line does not say, a reason or a
  warning ("because", "so that", "otherwise", "must", "note", "workaround", "avoid"...), a
  TODO/FIXME/XXX, a link, a question, anything longer than eight words, and any comment line
  that is part of a block of comment lines;
- one-word comments (`# grouping`, `# Categories.`): labels for the code that follows;
- pragmas and tool directives (`noqa`, `type:`, `pylint:`, `pyright:`, `mypy:`, `gc-bot:`,
  `fmt:`, `isort:`, `pragma`, `nosec`, coding lines);
- section headers (runs of `-`, `=`, `#` or `*`, ALL CAPS, a trailing colon);
- comments that look like code (with `=`, brackets or a call, or a statement that compares
  or computes, such as `# return a is b` above `return a.compare(b)`: an alternative left
  commented out is another principle's business, not a restatement);
- the first comment of an `if`/`elif`/`else`, `except` or `case` block: it usually says
  what the branch's condition means (`elif ch == ":":` / `# Non-capturing group`);
- comments outside functions (at module and class level they document settings and
  attributes; `#:` is Sphinx's attribute documentation), comments above a `def` or a `class`
  (what they say belongs in a docstring: a different fix), above an import, and trailing
  comments.
"""

from __future__ import annotations

import ast
import re

import libcst as cst

from gc_bot.scan.checks import Check, FileResult, Hit, register
from gc_bot.scan.parsed import ParsedFile

MAX_WORDS = 8

_PRAGMA = re.compile(
    r"noqa|type:|pylint:|pyright:|mypy:|gc-bot:|fmt:|isort:|pragma|nosec|coding[:=]|flake8|ruff:|-\*-|^!",
    re.IGNORECASE,
)
_MARKER = re.compile(
    r"\b(TODO|FIXME|XXX|HACK|NOTE|NB|BUG|WARNING|WARN|SAFETY|PERF|OPTIMIZE|REVIEW)\b"
)
_HEADER = re.compile(r"(-{3,}|={3,}|#{2,}|\*{3,}|~{3,})|:\s*$")
_CODE_LIKE = re.compile(r"[=()\[\]{}]|\w\.\w|->|`")
_LINK = re.compile(r"https?://|www\.|\.(com|org|io|py)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+|\d+")
_IDENTIFIER_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WHY = _words(
    """
    because since so otherwise avoid avoids ensure ensures must should need needs needed don
    doesn isn aren won can cannot couldn shouldn might may why instead unless even still yet but
    however although though eg ie see issue ticket bug workaround hack note important careful
    warning beware assume assumes assuming guarantee required requires expected expects
    intentionally deliberately later first before after again once never always only also else
    fallback fall back case cases edge legacy compat compatibility deprecated hence thus
    therefore order faster slow slower cheap expensive performance safe unsafe thread race lock
    python py version windows linux mac macos posix wrong fix fixes broken temporary temporarily
    trick magic what who whose which
    """
)
_FILLER = _words(
    """
    the a an to of and or this that these those it its is are be was were we our us i my in on
    at by with from as into now then here there some variable var given current just simply do
    does will has have for s t
    """
)
# Plain-English names of what a line does, keyed by a token that shows it does that.
_OPERATIONS: dict[str, frozenset[str]] = {
    "+=": _words("increment increase add plus bump append"),
    "-=": _words("decrement decrease subtract minus reduce"),
    "=": _words(
        "set assign store save initialize initialise init create define get compute calculate update make"
    ),
    "return": _words("return give back"),
    "yield": _words("yield produce generate"),
    "if": _words("check if whether test when"),
    "elif": _words("check if whether otherwise"),
    "for": _words("loop iterate for each over through every all go"),
    "while": _words("loop while repeat"),
    "import": _words("import load"),
    "raise": _words("raise throw error exception"),
    "del": _words("delete remove drop"),
    "try": _words("try attempt"),
    "with": _words("with use using open"),
    "(": _words("call invoke run execute"),
    "append": _words("add append push"),
    "extend": _words("add extend append"),
    "len": _words("length count number size"),
    "sorted": _words("sort"),
    "none": _words("none nothing null reset clear empty"),
    "true": _words("true enable flag mark"),
    "false": _words("false disable flag unmark"),
    "super": _words("parent base super superclass"),
    "__init__": _words("init initialize initialise constructor"),
    "0": _words("zero reset"),
    "1": _words("one"),
    "[]": _words("empty list"),
    "{}": _words("empty dict dictionary map mapping"),
}
_TOKEN = re.compile(r"\+=|-=|(?<![=!<>])=(?!=)|\[\]|\{\}|(?<=[\w)\]])\(|[A-Za-z_][A-Za-z0-9_]*|\d+")
_STRING = re.compile(r"[rbuRBUfF]*('[^'\\]*(?:\\.[^'\\]*)*'|\"[^\"\\]*(?:\\.[^\"\\]*)*\")")
_COMPOUND_KEYWORD = {
    cst.If: "if",
    cst.For: "for",
    cst.While: "while",
    cst.With: "with",
    cst.Try: "try",
    cst.TryStar: "try",
    cst.Match: "match",
}
_EMPTY_MODULE = cst.Module(body=[])


@register
class RedundantComment(Check):
    name = "redundant-comment"

    def run(self, source: ParsedFile, options: object) -> FileResult:
        hits = []
        for statement in source.statements:
            node = statement.node
            # A small statement of a one-line block (`def f(): ...`) has no lines of its own.
            leading = getattr(node, "leading_lines", ())
            if not leading or isinstance(node, cst.FunctionDef | cst.ClassDef):
                continue
            comment = leading[-1].comment
            if comment is None or (len(leading) > 1 and leading[-2].comment is not None):
                continue
            if not any(isinstance(p, cst.FunctionDef) for p in statement.parents):
                continue  # module and class level comments document settings and attributes
            if statement.parents and _opens_a_branch(node, statement.parents[-1]):
                continue  # `elif ch == ":":  # Non-capturing group` explains the condition
            words = comment_words(comment.value)
            if not words:
                continue
            head = _first_line(node)
            if (
                head is None
                or _other_code(comment.value, head)
                or not restates(words, head, compound=not isinstance(node, cst.SimpleStatementLine))
            ):
                continue
            line = _find_line(source, comment.value, head)
            if line is None:
                line = source.position(leading[-1])[0]
            text = source.lines[line - 1]
            column = text.index("#") + 1 if "#" in text else 1
            message = (
                f"the comment `{comment.value.strip()}` only restates the line below it; delete it"
            )
            hits.append(Hit(line, column, line, len(text) + 1, message))
        return FileResult(hits)


def is_pragma(comment: str) -> bool:
    """A tool directive (`# noqa`, `# type: ignore`...), not a remark for people."""
    return bool(_PRAGMA.search(comment.lstrip("#").strip()))


def comment_words(comment: str) -> list[str] | None:
    """The comment's content words, or None if it is not a plain, short, what-not-why remark."""
    if comment.startswith("#:"):
        return None  # Sphinx's attribute documentation
    text = comment.lstrip("#").strip()
    if (
        not text
        or text.endswith("?")
        or _PRAGMA.search(text)
        or _MARKER.search(text)
        or _HEADER.search(text)
    ):
        return None
    if _CODE_LIKE.search(text) or _LINK.search(text):
        return None
    raw = _WORD.findall(text)
    if not raw or len(raw) > MAX_WORDS:
        return None
    if (
        len(raw) > 1
        and all(w.isupper() for w in raw if w.isalpha())
        and any(w.isalpha() for w in raw)
    ):
        return None  # an ALL CAPS header
    lowered = [w.lower() for w in raw]
    if any(w in _WHY for w in lowered):
        return None
    content = [w for w in lowered if w not in _FILLER]
    return content if len(content) >= 2 else None  # one word is a label, not a restatement


def _other_code(comment: str, head: str) -> bool:
    """A comment that is a statement comparing or computing, other than the line below it."""
    text = comment.lstrip("#").strip()
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    if not any(isinstance(node, ast.Compare | ast.BinOp) for node in ast.walk(tree)):
        return False
    try:
        return ast.dump(tree) != ast.dump(ast.parse(head.strip()))
    except (SyntaxError, ValueError):
        return True


def restates(words: list[str], code: str, *, compound: bool = False) -> bool:
    """Whether every content word of a comment is already said by the line `code`.

    Above a block (`if`, `for`...), the comment must also name what the block does ("check",
    "loop"...): otherwise it is a label for the whole block, such as `# fast deletes`.
    """
    said = _said_by(code)
    unmatched = sum(1 for w in words if w not in said and _stem(w) not in said)
    if compound:
        keyword = code.split(None, 1)[0] if code.strip() else ""
        if not any(w in _OPERATIONS.get(keyword, ()) for w in words):
            return False
    return unmatched == 0


def _said_by(code: str) -> set[str]:
    said: set[str] = set()
    for token in _TOKEN.findall(_STRING.sub('""', code)):
        key = token.lower()
        said |= _OPERATIONS.get(key, set())
        if key[0].isalnum() or key[0] == "_":
            said.add(key.strip("_"))
            for part in _IDENTIFIER_PART.findall(token):
                part = part.lower()
                said.add(part)
                said.add(_stem(part))
                said |= _OPERATIONS.get(part, set())
    return said


def _stem(word: str) -> str:
    for suffix in ("ies", "ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _opens_a_branch(node: cst.CSTNode, parent: cst.CSTNode) -> bool:
    """Whether `node` is the first statement of an `if`/`elif`/`else`, `except` or `case` block."""
    blocks: list[cst.BaseSuite] = []
    if isinstance(parent, cst.If):
        branch: cst.If | cst.Else | None = parent
        while branch is not None:
            blocks.append(branch.body)
            branch = branch.orelse if isinstance(branch, cst.If) else None
    elif isinstance(parent, cst.Try | cst.TryStar):
        blocks = [handler.body for handler in parent.handlers]
    elif isinstance(parent, cst.Match):
        blocks = [case.body for case in parent.cases]
    return any(block.body and block.body[0] is node for block in blocks)


def _first_line(node: cst.CSTNode) -> str | None:
    """The statement's first line as written: the line a comment right above it talks about."""
    if isinstance(node, cst.SimpleStatementLine):
        if any(isinstance(s, cst.Import | cst.ImportFrom) for s in node.body):
            return None  # what an import is for is rarely on the import line; leave those alone
        return (
            _EMPTY_MODULE.code_for_node(node.with_changes(leading_lines=()))
            .lstrip()
            .split("\n", 1)[0]
        )
    keyword = _COMPOUND_KEYWORD.get(type(node))
    if keyword is None:
        return None
    if isinstance(node, cst.If | cst.While):
        parts = [node.test]
    elif isinstance(node, cst.For):
        parts = [node.target, "in", node.iter]
    elif isinstance(node, cst.With):
        parts = [item.item for item in node.items]
    elif isinstance(node, cst.Match):
        parts = [node.subject]
    else:
        parts = []
    code = " ".join(
        [keyword, *(p if isinstance(p, str) else _EMPTY_MODULE.code_for_node(p) for p in parts)]
    )
    return code.split("\n", 1)[0]


def _find_line(source: ParsedFile, comment: str, head: str) -> int | None:
    """The 1-based line of `comment` directly above the statement whose first line is `head`.

    Found in the text when that is unambiguous (libcst's positions cost a codegen of the whole
    module): the only line in the file that holds just this comment, is not below another
    comment line, and is followed by a line that begins like `head` (`async` aside). With two
    such places, None: the caller asks libcst.
    """
    lines = source.lines
    head = head.strip()
    comment = comment.strip()
    found = None
    for index in range(len(lines) - 1):
        if lines[index].strip() != comment or (index and lines[index - 1].lstrip().startswith("#")):
            continue
        following = lines[index + 1].strip().removeprefix("async ").lstrip()
        if following and (following.startswith(head) or head.startswith(following)):
            if found is not None:
                return None
            found = index + 1
    return found
