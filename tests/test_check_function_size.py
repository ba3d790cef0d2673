"""`function-size`: long, deeply nested or many-parameter functions; one finding per function."""

from __future__ import annotations

from pathlib import Path

from gc_bot.principles import PrincipleSet
from gc_bot.scan import scan
from tests.conftest import make_repo, starter_principle

PRINCIPLE = "small-functions"


def principle(**options) -> PrincipleSet:
    return starter_principle(PRINCIPLE, **options)


def findings(root: Path, **options) -> list[tuple[int, str]]:
    return [(f.line, f.message) for f in scan(root, principle(**options)).findings]


def long_function(
    name: str, statements: int, *, docstring_lines: int = 0, comments: int = 0
) -> str:
    lines = [f"def {name}(x):"]
    if docstring_lines:
        lines += ['    """Doc.', *["    more words" for _ in range(docstring_lines - 2)], '    """']
    for index in range(statements):
        if comments:
            lines.append("    # a comment")
            lines.append("")
        lines.append(f"    x += {index}")
    lines.append("    return x")
    return "\n".join(lines) + "\n"


def test_a_long_function_is_flagged_on_its_def_line(tmp_path):
    code = "import functools\n\n\n@functools.cache\n" + long_function("grow", 60)
    root = make_repo(tmp_path / "repo", {"pkg/mod.py": code})
    [finding] = scan(root, principle()).findings
    assert (finding.line, finding.column, finding.end_line) == (5, 1, 5)
    assert finding.message == "`grow` is too big: 62 lines of code (max 60)"


def test_blank_lines_comments_and_the_docstring_do_not_count(tmp_path):
    code = long_function("documented", 55, docstring_lines=30, comments=1)
    root = make_repo(tmp_path / "repo", {"pkg/mod.py": code})
    assert findings(root) == []
    assert findings(root, max_lines=50) == [
        (1, "`documented` is too big: 57 lines of code (max 50)")
    ]


def test_nesting_deeper_than_the_limit(tmp_path):
    code = """\
    def deep(rows):
        for row in rows:
            if row:
                with open(row) as f:
                    try:
                        while f:
                            f = None
                    except OSError:
                        pass


    def shallow(rows):
        for row in rows:
            if row:
                with open(row) as f:
                    try:
                        f.read()
                    except OSError:
                        pass
                    finally:
                        pass
            elif rows:
                if row:
                    if rows:
                        pass


    def outer(rows):
        for row in rows:
            if row:

                def inner(cell):
                    if cell:
                        return cell

                return inner
    """
    root = make_repo(tmp_path / "repo", {"pkg/mod.py": code})
    assert findings(root) == [(1, "`deep` is too big: nesting depth 5 (max 4)")]


def test_positional_parameters_without_self_star_args_and_keyword_only_ones(tmp_path):
    # Keyword-only parameters are named at every call (options, like `httpx.post`'s); the same
    # list that callers may pass by position, defaults or not, is still too long.
    code = """\
    def many(a, b, c, d, e, f, g):
        return a


    def defaults(a, b, c, d, e=1, f=2, g=3):
        return a


    def six(a, b, c, d, e, f, *args, **kwargs):
        return a


    def keyword_only(a, b, c, d, *, e, f, g):
        return a


    class Box:
        def method(self, a, b, c, d, e, f):
            return a

        @classmethod
        def build(cls, a, b, c, d, e, f):
            return a

        @staticmethod
        def static(a, b, c, d, e, f, g):
            return a
    """
    root = make_repo(tmp_path / "repo", {"pkg/mod.py": code})
    assert findings(root) == [
        (1, "`many` is too big: 7 parameters (max 6)"),
        (5, "`defaults` is too big: 7 parameters (max 6)"),
        (26, "`static` is too big: 7 parameters (max 6)"),
    ]


def test_one_finding_lists_every_limit_that_is_over(tmp_path):
    body = "\n".join(f"    y = {i}" for i in range(8))
    code = f"""\
def everything(a, b, c, d):
    if a:
        if b:
            if c:
                if d:
                    return 1
{body}
"""
    root = make_repo(tmp_path / "repo", {"pkg/mod.py": code})
    assert findings(root, max_lines=5, max_depth=3, max_params=3) == [
        (
            1,
            "`everything` is too big: 14 lines of code (max 5), nesting depth 4 (max 3), 4 parameters (max 3)",
        )
    ]


def test_multi_line_signature_and_strings_that_look_like_defs(tmp_path):
    code = '''\
    TEMPLATE = """
    def fake(a, b, c, d, e, f, g, h):
        pass
    """


    def real(
        a,
        b,
    ) -> int:
        """Return a.

    def decoy(x):
        """
        return a


    async def many(a, b, c, d, e, f, g):
        return a
    '''
    root = make_repo(tmp_path / "repo", {"pkg/mod.py": code})
    assert findings(root, max_lines=3) == [(18, "`many` is too big: 7 parameters (max 6)")]


def test_stubs_documented_api_declarations_and_nested_definitions(repo):
    from gc_bot.scan import scan
    from tests.conftest import starter_principle

    declared = "\n".join(
        f"    parser.add_argument('--opt{i}', help='option {i}')" for i in range(70)
    )
    nested = "\n".join(f"            x{i} = {i}" for i in range(70))
    text = f'''\
from typing import overload

@overload
def fetch(a, b, c, d, e, f, g): ...

def connect(host, port, user, password, database, timeout, ssl):
    """Connect to `host`:`port` as `user` with `password` to `database`; `timeout`, `ssl`."""
    return host

def _connect(host, port, user, password, database, timeout, ssl):
    return host

def add_arguments(parser):
{declared}

def factory():
    class Manager:
        def method(self):
{nested}
    return Manager

def long_one(items):
{nested.replace("            ", "    ")}
    return items
'''
    root = repo({"m.py": text})
    messages = [f.message for f in scan(root, starter_principle("small-functions")).findings]
    assert messages == [
        "`_connect` is too big: 7 parameters (max 6)",
        "`method` is too big: 71 lines of code (max 60)",
        "`long_one` is too big: 72 lines of code (max 60)",
    ]
