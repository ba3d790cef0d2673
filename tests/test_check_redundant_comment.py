"""`redundant-comment`: comments that only restate the line below, and comments that earn their place."""

from __future__ import annotations

from pathlib import Path

from gc_bot.principles import PrincipleSet
from gc_bot.scan import scan
from tests.conftest import make_repo, starter_principle

PRINCIPLE = "no-redundant-comment"

SLOP = """\
def tally(counter, items, results):
    # increment counter
    counter += 1
    # Loop over the items
    for item in items:
        # check if the item is valid
        if item.is_valid:
            item.seen = True
            # append item to results
            results.append(item)
    # Set the user name
    user_name = items[0].name
    # return the counter
    return counter
"""

KEPT = """\
# increment counter
counter = 0


class Config:
    # the timeout
    timeout = 10


# load the settings
def load_settings(path):
    # increment the counter because the cache starts at zero
    counter = 1
    # TODO increment counter
    counter += 1
    # noqa: increment counter
    counter += 1
    # type: counter
    counter += 1
    # pylint: disable=counter
    counter += 1
    # gc-bot: ignore[no-redundant-comment]
    counter += 1
    # ---- counter ----
    counter += 1
    # COUNTER INCREMENT
    counter += 1
    # Counter:
    counter += 1
    # increment the counter so that retries see the new value
    counter += 1
    # increment the shared counter
    counter += 1
    # counter
    counter += 1
    # increment counter?
    counter += 1
    # counter = counter + 1
    counter += 1
    # A comment block whose second line
    # would be redundant: increment counter
    counter += 1

    # increment counter

    counter += 1
    counter += 1  # increment counter
    # import json
    import json
    # fast deletes
    for fast_delete in json.loads(path):
        counter -= 1
    # log the parse error
    log("parse error")
    if counter:
        # increment counter
        counter += 1
    elif path:
        # increment counter
        counter += 1
    else:
        # increment counter
        counter += 1
    try:
        counter += 1
    except ValueError:
        # increment counter
        counter += 1
    return counter
"""


def principle() -> PrincipleSet:
    return starter_principle(PRINCIPLE)


def findings(root: Path) -> list[tuple[int, int, str]]:
    return [(f.line, f.column, f.message) for f in scan(root, principle()).findings]


def test_flags_comments_that_restate_the_next_line(tmp_path):
    root = make_repo(tmp_path / "repo", {"app/tally.py": SLOP})
    found = findings(root)
    assert [(line, column) for line, column, _ in found] == [
        (2, 5),
        (4, 5),
        (6, 9),
        (9, 13),
        (11, 5),
        (13, 5),
    ]
    assert (
        found[0][2]
        == "the comment `# increment counter` only restates the line below it; delete it"
    )
    [finding] = [f for f in scan(root, principle()).findings if f.line == 2]
    assert (finding.severity, finding.end_line, finding.end_column) == ("info", 2, 24)


def test_comments_that_say_more_are_kept(tmp_path):
    root = make_repo(tmp_path / "repo", {"app/kept.py": KEPT})
    assert findings(root) == []


def test_the_same_comment_twice_is_found_at_each_place(tmp_path):
    code = """\
    def twice(counter):
        # ---
        # increment counter
        counter += 1
        # increment counter
        counter += 1
        return counter
    """
    root = make_repo(tmp_path / "repo", {"app/twice.py": code})
    assert [line for line, _, _ in findings(root)] == [5]


def test_an_alternative_left_as_code_is_not_a_restatement(tmp_path):
    # `# return a is b` above `return a.compare(b)` is the old code parked, not a paraphrase;
    # prose that restates, or the same statement again, is still flagged.
    text = """\
def same(a, b):
    # return a is b
    return a.compare(b)


def result(value):
    # return value
    return value


def fail(error):
    # raise error
    raise error
"""
    root = make_repo(tmp_path / "repo", {"app/alternatives.py": text})
    assert [line for line, _, _ in findings(root)] == [7, 12]
