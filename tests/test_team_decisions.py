"""A team's written decisions count: its ruff ignores hide findings, `# noqa` of an equivalent
ruff code silences the matching built-in check, and neither ever adds a finding."""

from __future__ import annotations

import pytest

from gc_bot.principles import STARTER_DIR, load_principles
from gc_bot.scan import scan
from gc_bot.scan.ruff_settings import matches
from tests.conftest import run_gc_bot

LONG_SIGNATURE = (
    "def build(a, b, c, d, e, f, g, h):{noqa}\n    return a + b + c + d + e + f + g + h\n"
)
SLOPPY = {
    "pkg/__init__.py": "",
    "pkg/core.py": """\
        # TODO fix this
        # x = compute(y)
        def total(items):
            print(items)
            return sum(items)
        """,
    "legacy/run.py": "print('hello')\n",
}


@pytest.fixture(scope="module")
def starter():
    return load_principles(STARTER_DIR)


def found(root, principles) -> set[tuple[str, str]]:
    return {(f.path, f.principle) for f in scan(root, principles).findings}


def test_without_ruff_settings_everything_is_found(repo, starter):
    assert {
        ("pkg/core.py", "todo-needs-ticket"),
        ("pkg/core.py", "no-commented-out-code"),
        ("pkg/core.py", "no-print-in-library"),
        ("legacy/run.py", "no-print-in-library"),
    } <= found(repo(SLOPPY), starter)


def test_ignore_and_per_file_ignores_in_pyproject_hide_those_findings(repo, starter):
    root = repo(
        {
            **SLOPPY,
            "pyproject.toml": """\
                [tool.ruff]
                extend-ignore = ["ERA"]
                [tool.ruff.lint]
                ignore = ["TD"]
                select = ["E501"]
                [tool.ruff.lint.per-file-ignores]
                "legacy/*" = ["T20"]
                """,
        }
    )
    assert found(root, starter) == {("pkg/core.py", "no-print-in-library")}
    # the team's own select never adds a finding (E501 is no principle's code)
    (root / "pkg" / "core.py").write_text("X = '" + "x" * 200 + "'\n")
    assert found(root, starter) == set()


def test_the_nearest_ruff_toml_and_its_extend_chain_decide(repo, starter):
    root = repo(
        {
            **SLOPPY,
            "base.toml": '[lint]\nignore = ["TD003"]\n',
            "pkg/ruff.toml": 'extend = "../base.toml"\n[lint]\nextend-ignore = ["ERA001"]\n',
            "legacy/todo.py": "# TODO fix this\n",
        }
    )
    assert found(root, starter) == {
        ("pkg/core.py", "no-print-in-library"),
        ("legacy/run.py", "no-print-in-library"),
        ("legacy/todo.py", "todo-needs-ticket"),  # pkg/ruff.toml does not govern legacy/
    }


def test_noqa_of_an_equivalent_code_silences_the_size_check_there(repo, starter):
    root = repo(
        {
            "a.py": LONG_SIGNATURE.format(noqa="  # noqa: PLR0913"),
            "b.py": LONG_SIGNATURE.format(noqa="  # noqa: C901, E501"),
            "c.py": LONG_SIGNATURE.format(noqa="  # noqa: E501"),
            "d.py": LONG_SIGNATURE.format(noqa=""),
        }
    )
    assert found(root, starter) == {("c.py", "small-functions"), ("d.py", "small-functions")}
    (root / "ruff.toml").write_text('[lint.per-file-ignores]\n"d.py" = ["PLR0913"]\n')
    assert found(root, starter) == {("c.py", "small-functions")}


def test_config_shows_what_the_ruff_settings_turn_off(repo):
    root = repo(
        {
            **SLOPPY,
            "pyproject.toml": '[tool.ruff.lint]\nignore = ["TD", "E501"]\n'
            '[tool.ruff.lint.per-file-ignores]\n"legacy/*" = ["T201"]\n',
        }
    )
    shown = run_gc_bot(root, "config").stdout
    assert "pyproject.toml: ignore TD003 (todo-needs-ticket)" in shown
    assert "pyproject.toml: per-file-ignores 'legacy/*': T201 (no-print-in-library)" in shown
    assert "E501" not in shown
    (root / "pyproject.toml").unlink()
    assert "turn off: nothing gc-bot checks" in run_gc_bot(root, "config").stdout


def test_an_unreadable_ruff_config_hides_nothing_and_fails_nothing(repo, starter):
    root = repo({**SLOPPY, "legacy/ruff.toml": "this is = = not toml\n"})
    assert ("legacy/run.py", "no-print-in-library") in found(root, starter)


@pytest.mark.parametrize(
    ("selector", "code", "expected"),
    [
        ("ALL", "ERA001", True),
        ("E", "E722", True),
        ("E", "ERA001", False),
        ("ERA", "ERA001", True),
        ("PL", "PLR0913", True),
        ("PLR09", "PLR0913", True),
        ("PLR0912", "PLR0913", False),
        ("T", "TD003", False),
        ("T20", "T201", True),
        ("C90", "C901", True),
        ("C4", "C901", False),
        ("F", "FBT001", False),
    ],
)
def test_selectors_follow_ruffs_linter_prefixes(selector, code, expected):
    assert matches(selector, code) is expected


DEBUGGER = "def load(path):\n    breakpoint()\n    return path\n"


def test_a_flake8_section_counts_where_no_ruff_configuration_does(repo, starter):
    """A team that lints with flake8 wrote its decisions in setup.cfg's [flake8]: they count."""
    files = {
        "lib/loader.py": DEBUGGER,
        "lib/util.py": "import os\n",
        "tests/test_util.py": "import os\n",
    }
    everything = found(repo(files), starter)
    assert ("lib/loader.py", "no-debug-leftovers") in everything
    assert ("tests/test_util.py", "no-unused-code") in everything
    flake8 = "[flake8]\nextend-ignore = T100,E501\nper-file-ignores =\n    tests/*: F401\n"
    root = repo({**files, "setup.cfg": "[metadata]\nname = x\n\n" + flake8})
    assert found(root, starter) == {("lib/util.py", "no-unused-code")}
    # A ruff configuration at the top governs instead; flake8's is then not read.
    (root / "ruff.toml").write_text("[lint]\nignore = []\n")
    assert ("lib/loader.py", "no-debug-leftovers") in found(root, starter)


def test_tox_ini_and_dot_flake8_are_read_in_flake8_order(repo, starter):
    files = {"lib/loader.py": DEBUGGER, "tox.ini": "[tox]\nenvlist = py\n"}
    root = repo({**files, ".flake8": "[flake8]\nignore = T100\n"})
    assert ("lib/loader.py", "no-debug-leftovers") not in found(root, starter)
    # tox.ini comes first: once it has a [flake8] section, .flake8 is not read
    (root / "tox.ini").write_text("[tox]\nenvlist = py\n\n[flake8]\nignore = W291\n")
    assert ("lib/loader.py", "no-debug-leftovers") in found(root, starter)


def test_a_tool_flake8_table_in_pyproject_counts_too(repo, starter):
    """Flake8-pyproject's `[tool.flake8]` (SQLAlchemy's setup), lists as TOML lists."""
    table = '[tool.flake8]\nignore = ["T100"]\nper-file-ignores = ["tests/*:F401"]\n'
    root = repo(
        {
            "lib/loader.py": DEBUGGER,
            "tests/test_util.py": "import os\n",
            "lib/util.py": "import os\n",
            "pyproject.toml": table,
        }
    )
    assert found(root, starter) == {("lib/util.py", "no-unused-code")}
