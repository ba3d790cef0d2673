"""`gc-bot report`: grades, trends, acceptance, pauses, open proposals and tokens, from a
repository and a ledger whose contents are known, in Markdown and in a real browser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from gc_bot.feedback.ledger import Ledger
from gc_bot.git import Git
from gc_bot.report.markdown import fit
from tests.conftest import make_repo, run_gc_bot

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / ".artifacts"
HOSTILE = "<script>alert(1)</script> is | not a log"


def _assignments(count: int) -> str:
    return "".join(f"VALUE_{i} = {i}\n" for i in range(count))


def _proposal(pid: str, principle: str, at: str, tokens: int, summary: str = "") -> dict:
    return {
        "key": f"proposal:{pid}",
        "type": "proposal",
        "kind": "fix",
        "id": pid,
        "principle": principle,
        "fingerprints": [f"fp-{pid}"],
        "files": ["messy/b.py"],
        "branch": f"gc-bot/{principle}/{pid}",
        "base": "main",
        "commit": None,
        "fixer": "agent",
        "tokens": tokens,
        "summary": summary,
        "at": at,
    }


def _decision(pid: str, verdict: str, at: str, reason: str | None = None) -> dict:
    return {
        "key": f"decision:{pid}:{verdict}:{at}",
        "type": "decision",
        "proposal": pid,
        "verdict": verdict,
        "source": "cli",
        "who": "lead@example.com",
        "at": at,
        "reason": reason,
    }


def _run(at: str, findings: int, by_principle: dict | None, tokens: int) -> dict:
    record = {"key": f"run:{at}", "type": "run", "at": at, "findings": findings}
    record.update(proposed={}, dropped={}, tokens=tokens)
    if by_principle is not None:
        record["findings_by_principle"] = by_principle
    return record


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """Three packages of known size and findings, and a ledger of four runs and four proposals."""
    root = make_repo(
        tmp_path_factory.mktemp("report") / "shop",
        {
            "gc-bot.toml": "min_decisions = 2\n",
            # 400 lines, nothing to find: grade A.
            "clean/a.py": _assignments(400),
            # 100 lines, one error (3 points): 30 points per 1,000 lines, grade F.
            "messy/b.py": "def f(x=[]):\n    return x\n" + _assignments(98),
            # 1,000 lines, one error: 3 points per 1,000 lines, grade B.
            "mid/c.py": "def g(y={}):\n    return y\n" + _assignments(998),
        },
    )
    Ledger(Git.open(root)).append(
        [
            _run("2026-11-06T06:30:00", 9, None, 0),  # an old record: no per-principle counts
            _run("2026-11-13T06:30:00", 5, {"no-mutable-defaults": 5}, 100),
            _run(
                "2026-11-20T06:30:00", 4, {"no-mutable-defaults": 3, "no-print-in-library": 1}, 250
            ),
            _run("2026-11-27T06:30:00", 2, {"no-mutable-defaults": 2}, 0),
            _proposal("p1", "no-mutable-defaults", "2026-11-13T06:31:00", 40),
            _proposal(
                "p2", "no-mutable-defaults", "2026-11-20T06:31:00", 60, "Use None as the default"
            ),
            _proposal("p3", "no-print-in-library", "2026-11-13T06:32:00", 30),
            _proposal("p4", "no-print-in-library", "2026-11-20T06:32:00", 20),
            _decision("p1", "up", "2026-11-14T09:00:00"),
            _decision("p3", "down", "2026-11-14T09:05:00", "we print on purpose in the CLI"),
            _decision("p4", "down", "2026-11-21T09:05:00", HOSTILE),
        ]
    )
    return root


def _row(markdown: str, first_cell: str) -> list[str]:
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in:\n{markdown}")


def test_markdown_report_shows_the_known_numbers(repo):
    done = run_gc_bot(repo, "report", "--format", "markdown")
    assert done.returncode == 0, done.stderr
    md = done.stdout
    # Grades: density of severity-weighted findings per 1,000 lines.
    assert _row(md, "`messy`")[1:4] == ["**F**", "1", "1"]
    assert _row(md, "`messy`")[-1] == "30.0"
    assert _row(md, "`mid`")[1] == "**B**" and _row(md, "`mid`")[-1] == "3.0"
    assert _row(md, "`clean`")[1] == "**A**" and _row(md, "`clean`")[-2] == "400"
    # 2 errors in 1,500 lines (+1 for gc-bot.toml? no: Python files only): 4.0 points, B.
    assert "**Overall grade B**: 2 findings in 1,500 lines (4.0 points per 1,000 lines)" in md
    assert "1 proposals open · 1 principles paused · 350 tokens spent over 4 runs" in md
    # Trend per principle from the run records, acceptance per principle.
    mutable = _row(md, "`no-mutable-defaults`")
    assert mutable[2:4] == ["2", "5 → 3 → 2"]
    assert mutable[4:10] == ["2", "1", "0", "1", "100%", "100"]
    printing = _row(md, "`no-print-in-library` ⏸ paused")
    assert printing[3] == "0 → 1 → 0"
    assert printing[4:10] == ["2", "0", "2", "0", "0%", "50"]
    # Paused with the reasons people gave (their words as data: no raw HTML, no table breaks).
    assert "we print on purpose in the CLI" in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt; is \\| not a log" in md
    assert "<script>" not in md
    assert "gc-bot feedback resume no-print-in-library" in md
    # The open proposal, by its branch (a local repository has no pull request page).
    assert _row(md, "`gc-bot/no-mutable-defaults/p2`")[1:3] == [
        "`no-mutable-defaults`",
        "Use None as the default",
    ]


def test_open_proposals_link_to_github_when_the_repository_is_known(repo):
    env = {"GITHUB_REPOSITORY": "team/shop", "GITHUB_SERVER_URL": "https://github.example"}
    md = run_gc_bot(repo, "report", env=env).stdout
    assert "## gc-bot report: team/shop" in md
    assert (
        "[p2](https://github.example/team/shop/pulls?q=is%3Apr+head%3Agc-bot/no-mutable-defaults/p2)"
        in md
    )


def test_a_step_summary_is_cut_under_its_limit_with_a_note():
    text = "".join(f"| row {i} | {'x' * 50} |\n" for i in range(40_000))
    cut = fit(text, 1024 * 1024)
    assert len(cut.encode()) <= 1024 * 1024
    assert cut.endswith("a step summary holds at most 1 MiB._\n")
    assert cut.splitlines()[-3].endswith("|"), "cut at a whole line"


def test_a_report_from_merged_findings_needs_no_scan(repo, tmp_path):
    scan = run_gc_bot(repo, "scan", ".", "--format", "json", "--fail-on", "never")
    data = json.loads(scan.stdout)
    data["findings"] = [f for f in data["findings"] if f["path"] != "mid/c.py"]
    findings = tmp_path / "merged.json"
    findings.write_text(json.dumps(data))
    md = run_gc_bot(repo, "report", "--findings", str(findings)).stdout
    assert _row(md, "`mid`")[1] == "**A**"
    assert "**Overall grade A**: 1 findings in 1,500 lines" in md


def _chromium() -> str | None:
    return (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )


@pytest.mark.skipif(
    _chromium() is None,
    reason="no chromium on this machine (.ci/run installs Debian's chromium where apt is available)",
)
def test_html_report_renders_in_a_real_browser(repo, tmp_path):
    page = tmp_path / "report.html"
    done = run_gc_bot(repo, "report", "--format", "html", "--output", str(page))
    assert done.returncode == 0, done.stderr
    html = page.read_text()
    # Self-contained: nothing is fetched when it is viewed.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html.replace("&lt;script", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, "people's words are escaped"
    browser = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    profile = f"--user-data-dir={tmp_path / 'profile'}"
    dom = subprocess.run(
        [*browser, profile, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = dom.stdout
    # The browser parsed the charts: the trend lines (total + two principles) and the bars.
    trend = rendered[rendered.index('id="trend-chart"') : rendered.index("</svg>")]
    assert trend.count("<polyline") == 3
    assert 'id="acceptance-chart"' in rendered and rendered.count("<rect") >= 6
    assert re.search(r'id="overall-grade"[^>]*>B<', rendered)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"report-{os.getpid()}.png"
    taken = subprocess.run(
        [*browser, profile, "--window-size=1200,2200", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert taken.returncode == 0 and shot.is_file(), taken.stderr[-2000:]
    shot.replace(ARTIFACTS / "report.png")
    _assert_charts_visible(ARTIFACTS / "report.png")


def _assert_charts_visible(png: Path) -> None:
    """The trend lines' and the bars' colours are really on the screenshot, not just in the DOM."""
    from PIL import Image

    image = Image.open(png).convert("RGB")
    colours = image.getcolors(maxcolors=image.width * image.height)
    counts = {rgb: n for n, rgb in colours}

    def near(target: tuple[int, int, int]) -> int:
        return sum(
            n
            for rgb, n in counts.items()
            if all(abs(a - b) <= 24 for a, b in zip(rgb, target, strict=True))
        )

    assert near((0x22, 0x22, 0x22)) > 300, "the total findings line"
    assert near((0x2D, 0xA4, 0x4E)) > 300, "accepted bars"
    assert near((0xCF, 0x22, 0x2E)) > 300, "rejected bars and the F grade"
