"""Principle files: loading, the errors people get for broken ones, and the starter set."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gc_bot.examples import run_examples
from gc_bot.principles import STARTER_DIR, PrincipleError, load_principles, principles_dir_for
from tests.conftest import run_gc_bot

GOOD = """\
id: {id}
title: Never swallow errors
severity: error
rationale: Errors hide bugs.
detect:
  ruff: [E722]
"""

REPO_PRINCIPLES = Path(__file__).resolve().parents[1] / "principles"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(PrincipleError) as caught:
        load_principles(folder)
    return [str(p) for p in caught.value.problems]


def test_a_valid_file_loads(tmp_path):
    write(tmp_path, "no-bare-except.yaml", GOOD.format(id="no-bare-except"))
    loaded = load_principles(tmp_path)
    assert [p.id for p in loaded] == ["no-bare-except"]
    assert loaded.get("no-bare-except").fix == ["none"]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (GOOD.format(id="p") + "colour: red\n", 7, "unknown key 'colour'"),
        (GOOD.format(id="p").replace("severity: error", "severity: fatal"), 3, "severity"),
        (
            GOOD.format(id="p").replace("  ruff: [E722]", "  ruff: [E722]\n  check: no-such-check"),
            7,
            "unknown check 'no-such-check'",
        ),
        (
            GOOD.format(id="p").replace("[E722]", "[E722, ZZZ999]"),
            6,
            "unknown ruff rule code 'ZZZ999'",
        ),
        (
            GOOD.format(id="p").replace("title: Never swallow errors\n", ""),
            1,
            "missing key 'title'",
        ),
        (GOOD.format(id="p") + "paths:\n  include: ['[abc']\n", 8, "bad glob"),
        (GOOD.format(id="p") + "fix_unsafe: maybe\n", 7, "fix_unsafe"),
        ("id: p\ntitle: [unclosed\n", 3, "invalid YAML"),
    ],
)
def test_each_mistake_names_file_and_line(tmp_path, text, line, words):
    path = write(tmp_path, "p.yaml", text)
    [problem] = problems_of(tmp_path)
    assert problem.startswith(f"{path}:{line}: ")
    assert words in problem


def test_id_must_match_file_name_and_be_unique(tmp_path):
    write(tmp_path, "a.yaml", GOOD.format(id="b"))
    write(tmp_path, "b.yaml", GOOD.format(id="b"))
    write(tmp_path, "b.yml", GOOD.format(id="b"))
    found = problems_of(tmp_path)
    assert any("a.yaml:1: id 'b' must equal the file name 'a'" in p for p in found)
    assert any("b.yml:1: duplicate id 'b' (also in b.yaml)" in p for p in found)


def test_several_bad_files_are_all_reported(tmp_path):
    write(tmp_path, "one.yaml", GOOD.format(id="one") + "extra: 1\n")
    write(tmp_path, "two.yaml", "id: two\ntitle: [broken\n")
    write(tmp_path, "three.yaml", GOOD.format(id="three"))
    found = problems_of(tmp_path)
    assert len(found) == 2
    assert {Path(p.split(":")[0]).name for p in found} == {"one.yaml", "two.yaml"}


def test_cli_reports_broken_principles_with_exit_2_and_no_traceback(repo):
    root = repo({"app.py": "x = 1\n"})
    write(root / "principles", "p.yaml", GOOD.format(id="p") + "unknown_key: 1\n")
    done = run_gc_bot(None, "scan", str(root))
    assert done.returncode == 2
    assert "p.yaml:7: unknown key 'unknown_key'" in done.stderr
    assert "Traceback" not in done.stderr


def test_repository_folder_replaces_the_starter_set(tmp_path):
    assert principles_dir_for(tmp_path) == STARTER_DIR
    write(tmp_path / "principles", "p.yaml", GOOD.format(id="p"))
    assert principles_dir_for(tmp_path) == tmp_path / "principles"
    assert [p.id for p in load_principles(principles_dir_for(tmp_path))] == ["p"]


@pytest.mark.parametrize("folder", [STARTER_DIR, REPO_PRINCIPLES], ids=["starter", "this-repo"])
def test_every_principle_carries_passing_examples(folder):
    principles = load_principles(folder)
    outcomes = run_examples(principles)
    failures = [
        f"{o.principle} #{o.index + 1} {o.kind}: {o.detail}" for o in outcomes if not o.passed
    ]
    assert not failures
    for principle in principles:
        kinds = {o.kind for o in outcomes if o.principle == principle.id}
        assert kinds == {"bad", "good"}, f"{principle.id} needs a bad and a good example"
        assert principle.rationale.strip()


def test_principles_test_fails_loudly_on_a_wrong_example(tmp_path):
    write(
        tmp_path / "principles",
        "p.yaml",
        GOOD.format(id="p")
        + "examples:\n  - bad: |\n      x = 1\n    good: |\n      try:\n          pass\n      except:\n          pass\n",
    )
    done = run_gc_bot(None, "principles", "test", str(tmp_path))
    assert done.returncode == 1
    assert "FAIL p example 1 (bad): bad example is not flagged" in done.stdout
    assert "FAIL p example 1 (good): good example is flagged" in done.stdout


def test_starter_set_has_the_issue_principles():
    ids = {p.id for p in load_principles(STARTER_DIR)}
    assert {
        "no-silent-except",
        "no-commented-out-code",
        "no-print-in-library",
        "no-debug-leftovers",
        "no-unused-code",
        "no-mutable-defaults",
        "todo-needs-ticket",
        "no-blanket-type-ignore",
        "no-useless-try",
    } <= ids
    assert load_principles(STARTER_DIR).get("no-print-in-library").fix == ["agent"]
