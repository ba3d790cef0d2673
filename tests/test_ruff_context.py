"""Ruff's line-at-a-time codes, read in context: meant code is quiet, the sloppy twin is found."""

from __future__ import annotations

import textwrap

from gc_bot.findings import Finding
from gc_bot.fix.ruff_fix import ruff_fix
from gc_bot.principles import STARTER_DIR, load_principles
from gc_bot.scan import scan
from tests.conftest import starter_principle


def found(repo, principle: str, files: dict[str, str]) -> list[tuple[str, int]]:
    root = repo({path: textwrap.dedent(text) for path, text in files.items()})
    return [(f.path, f.line) for f in scan(root, starter_principle(principle)).findings]


def test_print_where_output_is_the_job_is_quiet_and_stray_prints_are_found(repo):
    files = {
        "pkg/demo.py": """\
            def area(w, h):
                return w * h

            if __name__ == "__main__":
                print(area(2, 3))
            """,
        "pkg/tool.py": """\
            from argparse import ArgumentParser

            def main(argv):
                args = ArgumentParser().parse_args(argv)
                print(args)
            """,
        "pkg/state.py": """\
            class State:
                def _dump_options(self):
                    print(self.options)

                def describe(self):
                    \"\"\"Display the fields of each layer.\"\"\"
                    print(self.fields)

                def save(self):
                    print("saving", self)
                    return self
            """,
        "pkg/testing/plugin.py": "def report(x):\n    print(x)\n",
        "pkg/management/commands/shell.py": "def handle():\n    print('>>>')\n",
        "pkg/sync.py": """\
            def sync(items):
                print("syncing", len(items))
                return items

            def main_loop(items):
                print(items)
            """,
    }
    assert found(repo, "no-print-in-library", files) == [
        ("pkg/state.py", 10),
        ("pkg/sync.py", 2),
        ("pkg/sync.py", 6),
    ]


def test_a_debugger_import_alone_is_quiet_its_calls_are_found(repo):
    files = {
        "runner.py": """\
            try:
                import ipdb as pdb
            except ImportError:
                import pdb

            def debug(error):
                pdb.post_mortem(error)
            """,
        "parse.py": """\
            import pdb
            from pdb import set_trace

            def parse(text):
                pdb.set_trace()
                breakpoint()
                return text
            """,
    }
    assert found(repo, "no-debug-leftovers", files) == [
        ("parse.py", 2),
        ("parse.py", 5),
        ("parse.py", 6),
    ]


def test_re_export_modules_and_displayed_locals_are_quiet(repo):
    files = {
        "pkg/events.py": """\
            \"\"\"Core event interfaces.\"\"\"
            from __future__ import annotations

            from .engine.events import ConnectionEvents
            from .pool.events import PoolEvents
            """,
        "pkg/demo.py": """\
            def show():
                secret = "shown by the traceback"
                raise ValueError(locals())
            """,
        "pkg/mixed.py": """\
            import os
            from .engine.events import ConnectionEvents

            def area(w, h):
                unused = len(w)
                return w * h
            """,
    }
    assert found(repo, "no-unused-code", files) == [
        ("pkg/mixed.py", 1),
        ("pkg/mixed.py", 2),
        ("pkg/mixed.py", 5),
    ]


def test_ruff_never_leaves_a_bare_expression_behind(tmp_path):
    [principle] = [p for p in load_principles(STARTER_DIR) if p.id == "no-unused-code"]
    assert principle.fix_unsafe  # ruff's unsafe fixes are allowed, this one still refused
    text = "def f(x):\n    unused = len(x)\n    other = 1\n    return x\n"

    def at(line: int) -> Finding:
        return Finding(
            "m.py", line, 5, principle.id, line, 11, "", "warning", "ruff", "F841", rules=("F841",)
        )

    assert ruff_fix(tmp_path, principle, "m.py", text, [at(2)]) is None
    assert ruff_fix(tmp_path, principle, "m.py", text, [at(2), at(3)]) == (
        "def f(x):\n    unused = len(x)\n    return x\n"
    )


def test_principles_ruff_cannot_fix_fall_through_to_the_agent():
    by_id = {p.id: p for p in load_principles(STARTER_DIR)}
    for principle in by_id.values():
        if "ruff" in principle.fix:
            assert principle.fix[-1] == "agent", principle.id
    assert "B008" not in by_id["no-mutable-defaults"].detect.ruff


def test_output_the_user_asked_for_is_quiet(repo):
    files = {
        "pkg/setup.py": """\
            def create(items, verbosity=1):
                if verbosity >= 2:
                    print("Adding", items)
                print("done")
            """
    }
    assert found(repo, "no-print-in-library", files) == [("pkg/setup.py", 4)]


def test_a_command_line_fallback_that_exits_may_print_a_stray_print_may_not(repo):
    files = {
        "pkg/__init__.py": """\
            try:
                from ._main import main
            except ImportError:

                def main() -> None:
                    import sys

                    print("install the [cli] extra to run the command line client")
                    sys.exit(1)


            def stop(reason):
                print("stopping:", reason)
                raise SystemExit(2)


            def fetch(url):
                print("fetching", url)

                def give_up():
                    raise SystemExit(1)

                return give_up
            """,
    }
    assert found(repo, "no-print-in-library", files) == [("pkg/__init__.py", 18)]


def test_a_todo_that_names_its_ticket_or_release_in_its_own_words_is_quiet(repo):
    files = {
        "pkg/state.py": """\
            def reload(fields, name, field):
                fields[name] = field
                # TODO: investigate if old relational fields must be reloaded or if
                # it's sufficient if the new field is (#27737).
                # Delay rendering of relationships.
                return fields


            def user():
                try:
                    return "me"
                except (ImportError, KeyError, OSError):
                    # TODO: Drop ImportError and KeyError when dropping support for PY312.
                    # KeyError or OSError is raised if there is no entry in /etc/passwd.
                    return ""


            def fetch(url):
                # TODO: retry on timeouts, see JIRA-4411
                # TODO: handle redirects
                # TODO: drop the old client one day
                # TODO: remove the 0.5 factor
                # TODO: cache the answers.
                # Tracked in #12.
                # TODO: are we freezing the result with or without uniqueness
                # applied?
                # TODO: RemovedInDjango60Warning: remove the alias.
                return url
            """,
    }
    assert found(repo, "todo-needs-ticket", files) == [
        ("pkg/state.py", 20),
        ("pkg/state.py", 21),
        ("pkg/state.py", 22),
    ]


def test_except_raise_that_anchors_an_else_is_quiet_a_bare_re_raise_is_found(repo):
    files = {
        "pkg/state.py": """\
            def change(self, fn):
                try:
                    value = fn(self)
                except:
                    raise
                else:
                    self.done = True
                    return value


            def read(path):
                try:
                    return open(path).read()
                except OSError:
                    raise
                finally:
                    print("read")
            """,
    }
    assert found(repo, "no-useless-try", files) == [("pkg/state.py", 14)]
