"""`passthrough-wrapper`: wrappers that only forward their own arguments, and their look-alikes."""

from __future__ import annotations

from pathlib import Path

from gc_bot.principles import PrincipleSet
from gc_bot.scan import scan
from tests.conftest import make_repo, starter_principle

PRINCIPLE = "no-passthrough-wrapper"

SLOP = '''\
import json

from shop.db import fetch_row


def _load_order(order_id, *, lock):
    return fetch_row("orders", order_id, lock)


def load_order(order_id, *, lock):
    """Load one order."""
    return _load_order(order_id, lock=lock)


def _parse(text):
    return json.loads(text)


def get_rows(*args, **kwargs):
    return fetch_row(*args, **kwargs)


def _rows(*args, **kwargs):
    return fetch_row(*args, **kwargs)


async def _fetch(url):
    return await fetch_row(url)


def short(order_id, *, lock): return _load_order(order_id, lock=lock)


def renamed(order_id, *, wait): return _load_order(order_id, lock=wait)


class Base:
    def save(self, *args, **kwargs):
        return args


class Order(Base):
    def save(self, *args, **kwargs):
        return super().save(*args, **kwargs)

    def __init__(self, *args, **kwargs):
        super(Order, self).__init__(*args, **kwargs)
'''

LOOK_ALIKES = '''\
import functools
from typing import overload

from shop.db import connect, fetch_row

_backend = connect()


def _load(order_id, lock):
    return fetch_row("orders", order_id, lock)


def with_default(order_id, lock=False):
    return _load(order_id, lock)


def with_constant(order_id):
    return _load(order_id, True)


def reordered(lock, order_id):
    return _load(order_id, lock)


def dropped(order_id, lock):
    return _load(order_id, False)


def twice(order_id):
    return _load(order_id, order_id)


def by_keyword(order_id, lock):
    return _load(order_id=order_id, lock=lock)


def public_facade(order_id, lock):
    return fetch_row(order_id, lock)


def _late_bound(order_id):
    return _backend.fetch(order_id)


def _no_parameters():
    return connect()


def _apply(func, value):
    return func(value)


@functools.lru_cache
def _cached(order_id, lock):
    return _load(order_id, lock)


@overload
def load(order_id: int, lock: bool) -> int: ...
def load(order_id, lock):
    return _load(order_id, lock)


def explained(order_id, lock):
    # kept for callers of the 1.x API
    return _load(order_id, lock)


def old_name(order_id, lock):
    """Deprecated alias of `_load`."""
    return _load(order_id, lock)


def does_more(order_id, lock):
    _load(order_id, lock)
    return True


def outer(order_id):
    def _inner(lock):
        return _load(order_id, lock)

    return _inner


try:
    from shop.fast import speedy
except ImportError:
    def _speedy(order_id, lock):
        return _load(order_id, lock)


class Base:
    def save(self, force=False):
        return force

    def get(self, key):
        return key


class Model(Base):
    def save(self, force):
        return super().save(force)

    def get(self, key):
        return self._get(key)

    def _get(self, key):
        return key

    @property
    def name(self):
        return super().name()

    def other(self, *args, **kwargs):
        return super().save(*args, **kwargs)

    def extra(self, *args, **kwargs):
        return super().extra(1, *args, **kwargs)


class Narrowed(Base):
    @overload
    def save(self, force: bool) -> None: ...

    def save(self, *args, **kwargs):
        return super().save(*args, **kwargs)
'''


def principle(**options) -> PrincipleSet:
    return starter_principle(PRINCIPLE, **options)


def findings(root: Path) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.message) for f in scan(root, principle()).findings]


def test_flags_wrappers_that_only_forward(tmp_path):
    root = make_repo(tmp_path / "repo", {"shop/orders.py": SLOP})
    found = findings(root)
    assert [(line, message.split("`")[1]) for _, line, message in found] == [
        (10, "load_order"),
        (15, "_parse"),
        (23, "_rows"),
        (27, "_fetch"),
        (31, "short"),
        (43, "save"),
        (46, "__init__"),
    ]
    messages = {line: message for _, line, message in found}
    assert (
        messages[10]
        == "`load_order` only passes its arguments on to `_load_order`; call `_load_order` directly"
    )
    assert (
        messages[15]
        == "`_parse` only passes its arguments on to `json.loads`; call `json.loads` directly"
    )
    assert (
        messages[43]
        == "`save` only calls `super().save` with the same arguments; the override can go"
    )


def test_public_wrapper_of_an_imported_function_is_left_alone(tmp_path):
    # `get_rows` above forwards to an imported function: it may be the package's public face.
    root = make_repo(tmp_path / "repo", {"shop/orders.py": SLOP})
    assert all("get_rows" not in message for _, _, message in findings(root))


def test_look_alikes_are_not_flagged(tmp_path):
    root = make_repo(tmp_path / "repo", {"shop/look_alikes.py": LOOK_ALIKES})
    assert findings(root) == []


def test_finding_spans_the_whole_function(tmp_path):
    root = make_repo(tmp_path / "repo", {"shop/orders.py": SLOP})
    finding = next(f for f in scan(root, principle()).findings if f.line == 10)
    assert (finding.column, finding.end_line) == (1, 12)
    assert finding.severity == "info" and finding.rule == "passthrough-wrapper"


API = '''\
import copyreg


def build_decorator(middleware):
    return middleware


def decorator_with_args(middleware):
    """Like `build_decorator`, but the decorator takes the middleware's arguments.

    Use like::

        cache_page = decorator_with_args(CacheMiddleware)
    """
    return build_decorator(middleware)


def undocumented(middleware):
    return build_decorator(middleware)


def labelled(middleware):
    """Build the decorator."""
    return build_decorator(middleware)


def restated(middleware):
    # call build_decorator
    return build_decorator(middleware)


def pragma(middleware):  # noqa: D103
    return build_decorator(middleware)


def _unreduce(state):
    return Path.restore(state)


def _unpickle(state):
    return Path.restore(state)


def _rebuild(state):
    return Path.restore(state)


class Path:
    def __reduce__(self):
        return _unreduce, (self.state,)


copyreg.pickle(Path, lambda path: (_rebuild, (path.state,)))
'''


def test_documented_api_and_pickle_entry_points_stay_but_their_sloppy_twins_do_not(tmp_path):
    root = make_repo(tmp_path / "repo", {"shop/api.py": API})
    assert [message.split("`")[1] for _, _, message in findings(root)] == [
        "undocumented",  # public over public, but nothing documents it as API
        "labelled",  # a one-line docstring is a label
        "restated",  # the comment only says what the call says
        "pragma",  # a tool directive explains nothing
        "_unpickle",  # no `__reduce__` or `copyreg` names it
    ]
