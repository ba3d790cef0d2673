"""The silent-except codemod narrows a handler only where the exception is unambiguous."""

from __future__ import annotations

import textwrap

from gc_bot.findings import Finding
from gc_bot.fix.codemods import get_codemod


def at(line: int) -> Finding:
    return Finding(
        "m.py", line, 1, "no-silent-except", line, 1, "", "error", "libcst", "silent-except"
    )


def fix(source: str, *lines: int) -> str | None:
    return get_codemod("silent-except").fix(
        textwrap.dedent(source), "m.py", [at(n) for n in lines], None
    )


def test_imports_become_import_error_and_nothing_else_changes():
    source = """\
        try:
            import yaml  # optional
        except:   # why not
            pass
        x = 1
        """
    assert fix(source, 3) == textwrap.dedent(
        """\
        try:
            import yaml  # optional
        except ImportError:   # why not
            pass
        x = 1
        """
    )


def test_filesystem_calls_become_os_error():
    source = """\
        import os, shutil
        def clean(p):
            try:
                os.remove(p)
                shutil.rmtree(p + ".d")
            except Exception:
                pass
        """
    assert "    except OSError:\n" in fix(source, 6)


def test_one_conversion_becomes_type_and_value_error():
    source = """\
        def parse(text):
            try:
                return int(text)
            except BaseException:
                return None
        """
    assert "except (TypeError, ValueError):" in fix(source, 4)


def test_ambiguous_bodies_are_left_for_the_agent():
    assert fix("try:\n    value = data[key]\nexcept:\n    pass\n", 3) is None
    assert fix("try:\n    import a\n    run()\nexcept:\n    pass\n", 4) is None
    assert fix("try:\n    int(f(x))\nexcept:\n    pass\n", 3) is None


def test_handlers_that_do_something_or_are_not_targeted_stay():
    source = "try:\n    import a\nexcept Exception:\n    raise\n"
    assert fix(source, 3) is None
    assert fix("try:\n    import a\nexcept:\n    pass\n", 99) is None


def test_a_conversion_of_an_expression_that_can_raise_more_is_ambiguous():
    assert fix("try:\n    n = int(text.split('-')[1])\nexcept Exception:\n    pass\n", 3) is None
    assert fix("try:\n    n = int(row.value)\nexcept Exception:\n    pass\n", 3) is not None
