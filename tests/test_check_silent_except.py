"""`silent-except`: handlers that hide errors, and the look-alikes whose code says they are meant.

The scan runs ruff's E722/S110/S112 beside the check; where the check judges a handler meant,
ruff's codes must be quiet too, so each case is scanned through the whole starter principle.
"""

from __future__ import annotations

import textwrap

from gc_bot.scan import scan
from tests.conftest import starter_principle

PRINCIPLE = "no-silent-except"

MEANT = """\
import logging
logger = logging.getLogger(__name__)

def save(cache, key, value):
    try:
        cache.set(key, value)
    except Exception:
        logger.exception("Error saving to cache")

def run(callback):
    try:
        callback()
    except Exception as e:
        logger.debug("callback failed: %s", e, exc_info=True)

def render(value):
    try:
        return value.render()
    # Filters must never raise, so catch everything.
    except Exception:
        return ""

def load(data):
    try:
        return decode(data)
    except Exception:
        # Unpickling errors: an empty session is the documented answer.
        pass

def commit(conn):
    try:
        conn.commit()
    except:
        with util.safe_reraise():
            conn.rollback()

def rollback(transaction):
    rollback_err = None
    try:
        transaction.rollback()
    except:
        rollback_err = sys.exc_info()
    finally:
        transaction.close()
    if rollback_err:
        raise rollback_err[1].with_traceback(rollback_err[2])

def parse_date_safe(text):
    try:
        return parse_date(text)
    except Exception:
        pass

def is_valid(text):
    try:
        parse_date(text)
        return True
    except Exception:
        return False

class Response:
    def close(self):
        for closer in self.closers:
            try:
                closer()
            except Exception:
                pass

def finish(value):
    try:
        value.close()
    except Exception:
        pass
"""

SLOPPY = """\
import logging
logger = logging.getLogger(__name__)

def save(cache, key, value):
    try:
        cache.set(key, value)
    except Exception as e:
        logger.debug("cache failed: %s", e)

def render(value):
    try:
        return value.render()
    except Exception:
        return ""

def parse_date_or_none(text):
    try:
        return parse_date(text)
    except Exception:
        pass

def is_valid(text):
    try:
        return parse_date(text)
    except Exception:
        return "maybe"

def close(conn):
    try:
        conn.close()
    except:
        pass

def finish(value):
    try:
        value.compute()
    except Exception:
        pass
"""


def findings(repo, text: str) -> list[tuple[int, str, tuple[str, ...]]]:
    root = repo({"m.py": textwrap.dedent(text)})
    return [(f.line, f.message, f.rules) for f in scan(root, starter_principle(PRINCIPLE)).findings]


def test_handlers_whose_code_says_they_are_meant_are_quiet_for_ruff_too(repo):
    assert findings(repo, MEANT) == []


def test_the_same_patterns_done_sloppily_are_still_found(repo):
    found = findings(repo, SLOPPY)
    lines = [line for line, _, _ in found]
    assert lines == [7, 13, 19, 25, 31, 37]
    by_line = {line: (message, rules) for line, message, rules in found}
    assert "logs below warning level" in by_line[7][0] and "swallows" not in by_line[7][0]
    assert "swallows the error" in by_line[13][0]
    # A bare `except:` catches Ctrl-C as well: no closer contract excuses it.
    assert "E722" in by_line[31][1]


def test_a_fallback_kept_by_the_handler_and_checked_later_is_meant(repo):
    text = """\
    def load(entry):
        module = None
        try:
            module = import_module(entry)
        except Exception:
            pass
        if module is None:
            raise ValueError(entry)
        return module

    def load_unchecked(entry):
        module = None
        try:
            module = import_module(entry)
        except Exception:
            pass
        return module
    """
    assert [line for line, _, _ in findings(repo, text)] == [15]
