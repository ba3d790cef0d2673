"""The codemod for `redundant-comment`: it deletes the flagged comment lines and nothing else."""

from __future__ import annotations

import textwrap

import pytest

from gc_bot.fix.codemods import get_codemod
from gc_bot.principles import PrincipleSet
from gc_bot.scan import scan
from tests.conftest import make_repo, starter_principle

SOURCE = textwrap.dedent(
    """\
    # increment counter
    TOTAL = 0


    def tally(counter, items):
        # increment counter
        counter += 1

        # Loop over the items
        for item in items:  # walk them
            # items may repeat, so count each one
            counter += 1
        # return the counter
        return counter
    """
)


def principle() -> PrincipleSet:
    return starter_principle("no-redundant-comment")


@pytest.fixture
def findings(tmp_path):
    root = make_repo(tmp_path / "repo", {"app/tally.py": SOURCE})
    return scan(root, principle()).findings


def test_the_codemod_is_registered_for_the_check():
    assert get_codemod("redundant-comment") is not None


def test_deletes_exactly_the_flagged_lines(findings):
    assert [f.line for f in findings] == [6, 9, 13]
    fixed = get_codemod("redundant-comment").fix(SOURCE, "app/tally.py", findings, None)
    assert fixed == textwrap.dedent(
        """\
        # increment counter
        TOTAL = 0


        def tally(counter, items):
            counter += 1

            for item in items:  # walk them
                # items may repeat, so count each one
                counter += 1
            return counter
        """
    )


def test_fixes_only_the_findings_it_is_given(findings):
    fixed = get_codemod("redundant-comment").fix(SOURCE, "app/tally.py", findings[1:2], None)
    assert fixed == SOURCE.replace("    # Loop over the items\n", "")


def test_keeps_windows_line_endings(findings):
    crlf = SOURCE.replace("\n", "\r\n")
    fixed = get_codemod("redundant-comment").fix(crlf, "app/tally.py", findings[:1], None)
    assert fixed == crlf.replace("    # increment counter\r\n", "", 1)
    assert fixed.startswith("# increment counter\r\nTOTAL = 0\r\n")


def test_a_stale_finding_deletes_nothing(findings):
    moved = "import os\n" + SOURCE  # every line moved down by one since the scan
    assert get_codemod("redundant-comment").fix(moved, "app/tally.py", findings, None) is None


def test_unparsable_text_is_left_alone(findings):
    assert (
        get_codemod("redundant-comment").fix("def broken(:\n", "app/tally.py", findings, None)
        is None
    )
