"""The `dead-private-code` codemod: exact output on real text, and end to end with the scan."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from gc_bot.findings import Finding
from gc_bot.fix.codemods import codemod_checks, get_codemod
from gc_bot.principles import STARTER_DIR, PrincipleSet, load_principles
from gc_bot.scan import scan
from tests.conftest import git, write_files


def finding(line: int, name: str, path: str = "pkg/mod.py") -> Finding:
    return Finding(
        path=path,
        line=line,
        column=1,
        principle="no-dead-private-code",
        end_line=line,
        end_column=1,
        message=f"`{name}` is never used",
        severity="warning",
        source="libcst",
        rule="dead-private-code",
    )


def fix(text: str, *findings: Finding, path: str = "pkg/mod.py") -> str | None:
    return get_codemod("dead-private-code").fix(textwrap.dedent(text), path, list(findings), None)


def test_it_is_registered_under_the_check_name():
    assert "dead-private-code" in codemod_checks()


def test_deletes_the_definition_with_its_decorators_and_attached_comment():
    before = """\
    \"\"\"Text helpers.\"\"\"

    import functools

    X = 1

    # --- helpers ---


    # Says hello; kept for the old API.
    @functools.cache
    def _dead(name):
        # inside
        return f"hello {name}"


    def live():  # keep me
        return X
    """
    # The section heading stays (a blank line separates it); `functools` goes, since only the
    # deleted code used it.
    after = """\
    \"\"\"Text helpers.\"\"\"

    X = 1

    # --- helpers ---


    def live():  # keep me
        return X
    """
    assert fix(before, finding(12, "_dead")) == textwrap.dedent(after)


def test_deletes_a_whole_transitive_set_and_the_imports_only_it_used():
    before = """\
    import os
    import re
    from json import dumps, loads
    from typing import (
        Any,
        Callable,
    )


    def _leaf(text):
        return re.sub("a", "b", text)


    class _Middle:
        def run(self, value: Callable) -> str:
            return dumps(_leaf(value))


    def public(path: Any):
        return loads(os.fspath(path))
    """
    after = """\
    import os
    from json import loads
    from typing import (
        Any,
    )


    def public(path: Any):
        return loads(os.fspath(path))
    """
    assert fix(before, finding(10, "_leaf"), finding(14, "_Middle")) == textwrap.dedent(after)


def test_the_last_definition_in_the_file_leaves_no_trailing_blank_lines():
    before = """\
    def live():
        return 1


    def _dead():
        return 2
    """
    assert fix(before, finding(5, "_dead")) == "def live():\n    return 1\n"


def test_the_first_definition_in_the_file():
    before = """\
    def _dead():
        return 2


    def live():
        return 1
    """
    assert fix(before, finding(1, "_dead")) == "def live():\n    return 1\n"


def test_a_definition_inside_a_module_level_if():
    before = """\
    import sys

    if sys.platform == "win32":

        def _dead():
            return 1

        def live():
            return 2
    else:

        def live():
            return 3
    """
    after = """\
    import sys

    if sys.platform == "win32":

        def live():
            return 2
    else:

        def live():
            return 3
    """
    assert fix(before, finding(5, "_dead")) == textwrap.dedent(after)


def test_what_it_cannot_fix_cleanly_it_leaves_alone():
    only_child = """\
    import sys

    if sys.platform == "win32":
        def _dead():
            return 1
    """
    assert fix(only_child, finding(4, "_dead")) is None  # the block would be empty
    assert fix("def live():\n    return 1\n", finding(1, "_dead")) is None  # no such definition
    assert fix("def _dead(:\n", finding(1, "_dead")) is None  # does not parse
    nested = "def outer():\n    def _inner():\n        return 1\n    return 2\n"
    assert fix(nested, finding(2, "_inner")) is None  # not module level


def test_an_init_module_keeps_its_imports():
    before = "from .core import run\n\n\ndef _dead():\n    return run()\n"
    assert fix(before, finding(4, "_dead", "pkg/__init__.py"), path="pkg/__init__.py") == (
        "from .core import run\n"
    )


def test_end_to_end_the_scan_findings_fix_the_file_and_it_scans_clean(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write_files(
        root,
        {
            "pkg/mod.py": """\
            import re


            def _strip(text):
                return re.sub(r"\\s+", " ", text)


            def _clean(text):
                return _strip(text).lower()


            def title(text):
                return text.title()
            """
        },
    )
    starter = load_principles(STARTER_DIR)
    principles = PrincipleSet(
        tuple(p for p in starter if p.id == "no-dead-private-code"), STARTER_DIR
    )
    result = scan(root, principles)
    assert [f.line for f in result.findings] == [4, 8]
    path = root / "pkg/mod.py"
    fixed = get_codemod("dead-private-code").fix(
        path.read_text(), "pkg/mod.py", result.findings, None
    )
    assert fixed == "def title(text):\n    return text.title()\n"
    cst.parse_module(fixed)
    path.write_text(fixed)
    assert scan(root, principles).findings == []


@pytest.mark.parametrize("line", [1, 2])
def test_a_line_that_is_not_a_definition_start_changes_nothing(line):
    assert fix("x = 1\ny = 2\n", finding(line, "_dead")) is None
