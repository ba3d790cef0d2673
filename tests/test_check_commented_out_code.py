"""`commented-out-code`: one finding per block of dead code; documentation with examples is quiet."""

from __future__ import annotations

import textwrap

from gc_bot.scan import scan
from tests.conftest import starter_principle

DOCUMENTED = '''\
def f(user, rows):
    # RemovedInDjango61Warning: When the deprecation ends, replace with:
    # session_auth_hash = user.get_session_auth_hash()
    a = 1
    # {remote_model_key: {model_key: {field_name: field}}}
    b = 2
    # Shape: [n_objs][n_fields][2]
    # Example: "/var/www/example.com/media/"
    c = [
        "x",
        # "%b %d %Y",  # 'Oct 25 2006'
        # "%b %d, %Y",  # 'Oct 25, 2006'
    ]
    # This is set when the connection is closed, see
    # conn.close()
    # >>> client.base_url
    # e.g.:
    # x = compute(rows)
    # TODO: enable once the driver supports setinputsizes
    # cursor.setinputsizes(rows)
    # return value
    s = """
    # x = compute(rows)
    """
    return a, b, c, s


class Geometry:
    # g = g1 | g2
    def __or__(self, other):
        return self.union(other)
'''

DEAD = """\
def total(items):
    # result = sum(i.price for i in items) * 1.2
    # if result:
    #     log(result)
    #
    #     return result
    d = 3
    # old implementation
    # x = compute()
    return d
"""


def found(repo, text: str) -> list[tuple[int, int, str]]:
    root = repo({"m.py": textwrap.dedent(text)})
    result = scan(root, starter_principle("no-commented-out-code"))
    return [(f.line, f.end_line, f.message) for f in result.findings]


def test_documentation_around_examples_is_not_commented_out_code(repo):
    assert found(repo, DOCUMENTED) == []


def test_dead_code_is_one_finding_per_block(repo):
    assert found(repo, DEAD) == [
        (2, 6, "commented-out code (5 lines)"),
        (9, 9, "commented-out code (1 line)"),
    ]


def test_a_branch_that_names_its_case_is_not_dead_code(repo):
    text = """\
    def tag(name=None, func=None):
        if name is None:
            return func
        elif func is not None:
            # register.tag('somename', somefunc)
            return name
        # register.tag(name)
        return None
    """
    assert found(repo, text) == [(7, 7, "commented-out code (1 line)")]


def test_a_commented_out_assert_states_an_invariant_except_in_a_test(repo):
    text = """\
    def dispatch(target, name, dispatcher):
        # assert isinstance(target, type)
        setattr(target, name, dispatcher)
        # assert dispatcher is not None
        # dispatcher.check(target)
        return dispatcher
    """
    root = repo({"m.py": textwrap.dedent(text), "tests/test_dispatch.py": textwrap.dedent(text)})
    result = scan(root, starter_principle("no-commented-out-code"))
    assert [(f.path, f.line, f.end_line) for f in result.findings] == [
        ("m.py", 4, 5),
        ("tests/test_dispatch.py", 2, 2),
        ("tests/test_dispatch.py", 4, 5),
    ]


def test_a_line_that_states_the_case_the_next_if_tests_is_not_dead_code(repo):
    text = """\
    def check_ordering(obj):
        # ordering = None
        if obj.ordering is None:  # The default value is None
            return []
        # ordering = compute(obj)
        if obj.ordering is None:
            return []
        # ordering = 1
        if obj.ordering is None:
            return []
        return obj.ordering
    """
    assert found(repo, text) == [
        (5, 5, "commented-out code (1 line)"),
        (8, 8, "commented-out code (1 line)"),
    ]
