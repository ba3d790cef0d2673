"""An example's `path` stays inside the example's temporary folder, or the file is refused."""

from __future__ import annotations

import pytest

from tests.conftest import run_gc_bot
from tests.test_principles import GOOD, write

EXAMPLE = "examples:\n  - bad: |\n      import sys\n      print(sys.path)\n    path: {path}\n"


@pytest.mark.parametrize(
    "path", ["../../escaped.pth", "'{outside}/escaped.pth'", "pkg/../../escaped.pth", "'C:/x.py'"]
)
def test_an_escaping_example_path_is_a_clear_error_and_nothing_is_written(tmp_path, path):
    outside = tmp_path / "outside"
    outside.mkdir()
    principles = tmp_path / "repo" / "principles"
    text = GOOD.format(id="p") + EXAMPLE.format(path=path.format(outside=outside))
    written = write(principles, "p.yaml", text)
    done = run_gc_bot(tmp_path / "repo", "principles", "test", str(tmp_path / "repo"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{written}:11: examples.0.path" in done.stderr
    assert "relative path inside the example's folder" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.rglob("escaped.pth"))


def test_a_nested_relative_example_path_still_runs(tmp_path):
    principles = tmp_path / "repo" / "principles"
    write(principles, "p.yaml", GOOD.format(id="p") + EXAMPLE.format(path="pkg/sub/mod.py"))
    done = run_gc_bot(tmp_path / "repo", "principles", "test", str(tmp_path / "repo"))
    assert "FAIL p example 1 (bad): bad example is not flagged" in done.stdout, done.stderr
