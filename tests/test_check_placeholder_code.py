"""`placeholder-code`: stub bodies left in real code, and the empty bodies that mean something."""

from __future__ import annotations

from pathlib import Path

from gc_bot.principles import PrincipleSet
from gc_bot.scan import Shard, scan
from tests.conftest import git, make_repo, starter_principle, write_files

PRINCIPLE = "no-placeholder-code"

SLOP = '''\
def send_invoice(invoice):
    pass


def refund(order):
    """Refund the order."""


def cancel(order): ...


def archive(order):
    raise NotImplementedError("later")


def export(rows):
    # TODO: write the export
    return None


class Report:
    def render(self):
        pass

    def total(self):
        """Sum of all lines."""
        ...


class Plugin:
    def setup(self):
        pass  # TODO: read the configuration


class Audit(Plugin):
    def setup(self):
        self.log = []

    def teardown(self):
        pass


class Invoice:
    @property
    def total(self):
        pass
'''

LOOK_ALIKES = '''\
import abc
from abc import ABC, abstractmethod
from functools import singledispatch
from typing import TYPE_CHECKING, Protocol, overload

import click
from vendor import Handler, hookspec


@click.group()
def cli():
    """The command line."""


@hookspec
def on_start(config):
    """Called once at start."""


class Store(ABC):
    @abstractmethod
    def get(self, key): ...

    @abc.abstractmethod
    def put(self, key, value):
        pass

    @property
    @abstractmethod
    def size(self): ...


class Backend:
    def connect(self):
        raise NotImplementedError

    def close(self):
        raise NotImplementedError("subclasses close their own connections")


class Sink(Protocol):
    def write(self, data: bytes) -> None: ...


@overload
def parse(text: str) -> str: ...
@overload
def parse(text: bytes) -> bytes: ...
def parse(text):
    return text


@singledispatch
def render(value):
    raise NotImplementedError


class QuotaExceeded(Exception):
    pass


class ParseError(ValueError):
    def __init__(self):
        pass


class QuietHandler(Handler):
    def emit(self, record):
        pass


class Base:
    def flush(self):
        return 1


class NoFlush(Base):
    def flush(self):
        pass


class DummyCache:
    def set(self, key, value):
        pass


class Lock:
    def __enter__(self):
        pass

    def __exit__(self, *exc):
        pass


def noop(*args, **kwargs):
    pass


def on_event(event):
    """Subclasses override this hook; by default nothing happens."""


def build():
    def ignore(*args):
        pass

    return ignore


if TYPE_CHECKING:
    def typed(x: int) -> int: ...


class Widget:
    def clicked(self):
        pass
'''

SUBCLASSES = """\
from app.look_alikes import Widget as BaseWidget


class Button(BaseWidget):
    def clicked(self):
        print("click")
"""


def principle() -> PrincipleSet:
    return starter_principle(PRINCIPLE)


def findings(root: Path) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.message) for f in scan(root, principle()).findings]


def test_flags_placeholder_bodies(tmp_path):
    root = make_repo(tmp_path / "repo", {"app/slop.py": SLOP})
    assert [(line, message) for _, line, message in findings(root)] == [
        (1, "`send_invoice` is a placeholder: its body is only `pass`; implement it or remove it"),
        (5, "`refund` is a placeholder: its body is only a docstring; implement it or remove it"),
        (9, "`cancel` is a placeholder: its body is only `...`; implement it or remove it"),
        (
            12,
            "`archive` is a placeholder: its body is only `raise NotImplementedError`; implement it or remove it",
        ),
        (
            16,
            "`export` is a placeholder: its body is only `return` and a TODO; implement it or remove it",
        ),
        (22, "`render` is a placeholder: its body is only `pass`; implement it or remove it"),
        (25, "`total` is a placeholder: its body is only `...`; implement it or remove it"),
        (
            31,
            "`setup` is a placeholder: its body is only `pass` and a TODO; implement it or remove it",
        ),
        (39, "`teardown` is a placeholder: its body is only `pass`; implement it or remove it"),
        (45, "`total` is a placeholder: its body is only `pass`; implement it or remove it"),
    ]


def test_finding_spans_the_function(tmp_path):
    root = make_repo(tmp_path / "repo", {"app/slop.py": SLOP})
    first = scan(root, principle()).findings[0]
    assert (first.line, first.column, first.end_line, first.end_column) == (1, 1, 2, 9)


def test_look_alikes_are_not_flagged(tmp_path):
    root = make_repo(
        tmp_path / "repo", {"app/look_alikes.py": LOOK_ALIKES, "app/buttons.py": SUBCLASSES}
    )
    assert findings(root) == []


def test_stubs_are_not_flagged(tmp_path):
    root = make_repo(
        tmp_path / "repo", {"app/api.pyi": "def fetch(url: str) -> bytes: ...\n", "app/api.py": ""}
    )
    assert findings(root) == []


def test_hooks_follow_subclasses_across_files_through_the_cache(tmp_path):
    root = make_repo(tmp_path / "repo", {"app/look_alikes.py": LOOK_ALIKES})
    assert findings(root) == [
        (
            "app/look_alikes.py",
            115,
            "`clicked` is a placeholder: its body is only `pass`; implement it or remove it",
        )
    ]
    write_files(root, {"app/buttons.py": SUBCLASSES})
    result = scan(root, principle())
    assert result.findings == []
    assert result.stats["parsed"] == 1  # only the new file; the others' facts come from the cache
    (root / "app/buttons.py").unlink()
    git(root, "status")
    assert len(findings(root)) == 1


def test_shards_together_report_what_one_scan_does(tmp_path):
    files = {"app/look_alikes.py": LOOK_ALIKES, "app/slop.py": SLOP, "app/buttons.py": SUBCLASSES}
    for index in range(10):
        files[f"app/extra_{index}.py"] = "class Widget2:\n    def clicked(self):\n        pass\n"
    root = make_repo(tmp_path / "repo", files)
    whole = {(f.path, f.line) for f in scan(root, principle()).findings}
    parts = [
        {(f.path, f.line) for f in scan(root, principle(), shard=Shard(i, 3)).findings}
        for i in (1, 2, 3)
    ]
    assert set().union(*parts) == whole
    assert sum(len(part) for part in parts) == len(whole)


def test_a_class_of_documented_hooks_specifies_an_interface(tmp_path):
    root = make_repo(
        tmp_path / "r",
        {
            "events.py": '''\
class ConnectionEvents:
    def before_execute(self, conn, clauseelement):
        """Intercept high level execute() events."""

    def after_execute(self, conn, clauseelement, result):
        """Intercept high level execute() events, after execute."""


class PoolEvents:
    @classmethod
    def _accept_with(cls, target):
        return target if isinstance(target, type) else None

    def connect(self, dbapi_connection, connection_record):
        """Called at the moment a particular DBAPI connection is first created."""

    def checkout(self, dbapi_connection, connection_record, connection_proxy):
        """Called when a connection is retrieved from the Pool."""


class Half:
    def before(self):
        """Runs before."""

    def after(self):
        """Runs after."""

    def run(self):
        return 1
''',
        },
    )
    messages = [f.message for f in scan(root, starter_principle(PRINCIPLE)).findings]
    assert len(messages) == 2 and all("`before`" in m or "`after`" in m for m in messages)


def test_a_typed_declaration_beside_its_runtime_definition_is_not_a_placeholder(tmp_path):
    root = make_repo(
        tmp_path / "r",
        {
            "sql.py": """\
from typing import TYPE_CHECKING


def or_(initial, *clauses) -> list:  # type: ignore[empty-body]
    \"\"\"Join clauses with OR.\"\"\"
    ...


if not TYPE_CHECKING:

    def or_(*clauses):
        return list(clauses)


def and_(initial, *clauses) -> list:
    \"\"\"Join clauses with AND.\"\"\"
    ...


if TYPE_CHECKING:

    def and_(*clauses):
        return list(clauses)
""",
        },
    )
    found = [(f.line, f.message) for f in scan(root, starter_principle(PRINCIPLE)).findings]
    # `and_` is redefined for the type checker only: at run time the stub is all there is.
    assert found == [
        (15, "`and_` is a placeholder: its body is only `...`; implement it or remove it")
    ]


def test_null_objects_platform_variants_and_unsupported_answers_mean_their_empty_body(tmp_path):
    root = make_repo(
        tmp_path / "r",
        {
            "gc_util.py": """\
import gc
import sys
from typing import NoReturn

if sys.implementation.name == "pypy":
    gc_collect = lazy_gc = gc.collect
else:
    gc_collect = gc.collect

    def lazy_gc():
        pass

    def flush():
        pass


class _empty_collection:
    def append(self, element):
        pass

    def clear(self):
        pass


class Basket:
    def append(self, element):
        pass


def _unsupported(expr, op) -> NoReturn:
    raise NotImplementedError(f"operator {op} is not supported")


def _later(expr, op) -> bool:
    raise NotImplementedError("later")
""",
        },
    )
    found = [f.message.split(" is ")[0] for f in scan(root, starter_principle(PRINCIPLE)).findings]
    # `flush` exists in one branch only; a `Basket` is no null object; `_later` promises a bool.
    assert found == ["`flush`", "`append`", "`_later`"]
