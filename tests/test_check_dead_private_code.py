"""`dead-private-code`: private module-level code that nothing in the repository uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from gc_bot.principles import STARTER_DIR, PrincipleSet, load_principles
from gc_bot.scan import Shard, scan
from tests.conftest import make_repo, write_files


@pytest.fixture(scope="module")
def principles():
    starter = load_principles(STARTER_DIR)
    return PrincipleSet(tuple(p for p in starter if p.id == "no-dead-private-code"), STARTER_DIR)


def make(root: Path, files: dict[str, str]) -> Path:
    return make_repo(root, files, commit=False)


def found(result) -> list[tuple[str, int, str]]:
    return sorted((f.path, f.line, f.message) for f in result.findings)


def test_an_unused_private_function_and_class_are_reported(tmp_path, principles):
    root = make(
        tmp_path / "repo",
        {
            "pkg/text.py": """\
            import re


            def slug(title):
                return "-".join(title.lower().split())


            def _old_slug(title):
                return re.sub(r"\\W+", "-", title)


            class _Cache:
                pass
            """,
        },
    )
    result = scan(root, principles)
    assert found(result) == [
        ("pkg/text.py", 8, "`_old_slug` is never used"),
        ("pkg/text.py", 12, "`_Cache` is never used"),
    ]
    first = min(result.findings)
    assert (first.column, first.end_line, first.rule, first.severity) == (
        1,
        9,
        "dead-private-code",
        "warning",
    )


def test_the_dead_set_is_transitive(tmp_path, principles):
    root = make(
        tmp_path / "repo",
        {
            "pkg/a.py": """\
            def _leaf():
                return 1


            def _middle():
                return _leaf() + _leaf()


            def _top():
                return _middle()


            def _recursive(n):
                return _recursive(n - 1) if n else 0


            def _alive():
                return 2


            def public():
                return _alive()
            """,
            "pkg/b.py": """\
            from pkg.a import public


            def _only_for_dead_code_elsewhere():
                return public()
            """,
            "pkg/c.py": """\
            from pkg import b


            def _user():
                return b._only_for_dead_code_elsewhere()
            """,
        },
    )
    assert found(scan(root, principles)) == [
        ("pkg/a.py", 1, "`_leaf` is used only by dead private code (`_middle`)"),
        ("pkg/a.py", 5, "`_middle` is used only by dead private code (`_top`)"),
        ("pkg/a.py", 9, "`_top` is never used"),
        ("pkg/a.py", 13, "`_recursive` is never used"),
        (
            "pkg/b.py",
            4,
            "`_only_for_dead_code_elsewhere` is used only by dead private code (`_user` in pkg/c.py)",
        ),
        ("pkg/c.py", 4, "`_user` is never used"),
    ]


LOOK_ALIKES = {
    "pkg/registry.py": """\
    import functools

    HANDLERS = {}


    def register(func):
        HANDLERS[func.__name__] = func
        return func


    @register
    def _registered(event):
        return event


    class Registry:
        def register(self, func):
            return func


    registry = Registry()


    @registry.register
    def _registered_on_an_object(event):
        return event


    @functools.wraps(print)
    def _wrapped_but_unused():
        return None


    @functools.lru_cache(maxsize=None)
    def _cached_but_unused():
        return None
    """,
    "pkg/helpers.py": """\
    __all__ = ["_exported"]


    def _imported_elsewhere():
        return 1


    def _used_by_attribute():
        return 2


    def _exported():
        return 3


    def _by_getattr():
        return 4


    def _used_at_module_level():
        return 5


    class _Base:
        pass


    class Public(_Base):
        def _private_method(self):
            return 6


    DEFAULT = _used_at_module_level()


    def __dunder__():
        return 7


    def _():
        return 8
    """,
    "pkg/app.py": """\
    import pkg.helpers
    from pkg.helpers import _imported_elsewhere


    def run(name):
        handler = getattr(pkg.helpers, "_by_getattr")
        return _imported_elsewhere() + pkg.helpers._used_by_attribute() + handler()
    """,
    "pkg/dynamic.py": """\
    def _found_through_globals():
        return 1


    def lookup(name):
        return globals()["_found_" + name]()
    """,
    "pkg/prefix.py": """\
    class Visitor:
        def visit(self, kind):
            return getattr(self, "_visit_" + kind)()


    def _visit_module():
        return 1
    """,
    "pkg/stub.pyi": """\
    def _declared() -> int: ...
    """,
}


def test_look_alikes_are_not_flagged(tmp_path, principles):
    root = make(tmp_path / "repo", LOOK_ALIKES)
    # Only the pure wrappers are reported: a decorator that may register keeps a function.
    assert found(scan(root, principles)) == [
        ("pkg/registry.py", 30, "`_wrapped_but_unused` is never used"),
        ("pkg/registry.py", 35, "`_cached_but_unused` is never used"),
    ]


def test_a_name_defined_in_two_files_is_resolved_to_the_file_that_uses_it(tmp_path, principles):
    helper = "def _helper():\n    return 1\n"
    root = make(
        tmp_path / "repo",
        {
            "pkg/used.py": helper + "\n\nVALUE = _helper()\n",
            "pkg/unused.py": helper,
        },
    )
    assert found(scan(root, principles)) == [("pkg/unused.py", 1, "`_helper` is never used")]


def test_a_function_becomes_used_from_another_file_with_only_that_file_parsed(tmp_path, principles):
    root = make(
        tmp_path / "repo",
        {
            "pkg/lib.py": "def _helper():\n    return 1\n\n\ndef public():\n    return 2\n",
            "pkg/app.py": "from pkg.lib import public\n\nprint(public())\n",
            "pkg/other.py": "X = 1\n",
        },
    )
    assert found(scan(root, principles)) == [("pkg/lib.py", 1, "`_helper` is never used")]
    write_files(
        root, {"pkg/app.py": "from pkg.lib import _helper, public\n\nprint(public(), _helper())\n"}
    )
    result = scan(root, principles)
    assert result.stats["parsed"] == 1
    assert found(result) == []
    write_files(root, {"pkg/app.py": "from pkg.lib import public\n\nprint(public())\n"})
    result = scan(root, principles)
    assert result.stats["parsed"] == 0  # that content was scanned before: its facts are cached
    assert found(result) == [("pkg/lib.py", 1, "`_helper` is never used")]


def test_the_shards_union_equals_one_scan(tmp_path, principles):
    files = {
        f"pkg/m{i}.py": f"def _dead{i}():\n    return 1\n\n\ndef _used{i}():\n    return 2\n"
        for i in range(9)
    }
    files["pkg/use.py"] = "".join(f"from pkg.m{i} import _used{i}\n" for i in range(9))
    root = make(tmp_path / "repo", files)
    whole = found(scan(root, principles))
    assert [message for _, _, message in whole] == [f"`_dead{i}` is never used" for i in range(9)]
    parts = [found(scan(root, principles, shard=Shard(i, 3))) for i in (1, 2, 3)]
    assert sorted(f for part in parts for f in part) == whole
    assert all(len(part) < len(whole) for part in parts)


def test_a_file_python_cannot_parse_is_skipped_not_misread(tmp_path, principles):
    root = make(
        tmp_path / "repo", {"pkg/broken.py": "def _x(:\n", "pkg/ok.py": "def _y():\n    pass\n"}
    )
    result = scan(root, principles)
    assert found(result) == [("pkg/ok.py", 1, "`_y` is never used")]
    assert [s.path for s in result.skipped] == ["pkg/broken.py"]


def test_newer_syntax_than_this_python_falls_back_on_libcst(tmp_path, principles):
    # Type parameters (Python 3.12) parse with libcst but not with a 3.11 `ast`.
    source = "def _generic[T](x: T) -> T:\n    return x\n\n\ndef live():\n    return 1\n"
    root = make(tmp_path / "repo", {"pkg/mod.py": source})
    assert found(scan(root, principles)) == [("pkg/mod.py", 1, "`_generic` is never used")]
