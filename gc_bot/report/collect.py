"""Gather what `gc-bot report` shows: today's findings, each file's size, the ledger."""

from __future__ import annotations

import os
from pathlib import Path

from gc_bot.config import load_config
from gc_bot.feedback.ledger import Ledger
from gc_bot.findings import Finding
from gc_bot.git import Git
from gc_bot.principles import PathFilter
from gc_bot.report.overview import Overview, Where, build_overview
from gc_bot.scan.files import discover, read_source
from gc_bot.selection import principles_in_force


def collect_overview(root: Path, findings_file: Path | None = None) -> Overview:
    """Scan ROOT (or read a scan's JSON, e.g. merged shards) and read its ledger."""
    git = Git.open(root)
    config = load_config(git.root)
    principles = principles_in_force(git.root, config).active
    if findings_file is not None:
        from gc_bot.scan.merge import read_scan_json

        findings: list[Finding] = read_scan_json(findings_file)["findings"]
    else:
        from gc_bot.scan import scan

        findings = scan(git.root, principles, exclude=config.exclude).findings
    where = Where(
        repository=os.environ.get("GITHUB_REPOSITORY") or git.root.name,
        pause_below=config.pause_below,
        min_decisions=config.min_decisions,
        pulls_url=_pulls_url(),
    )
    lines = lines_per_file(git.root, config.exclude)
    return build_overview(where, findings, lines, principles, Ledger(git).read())


def _pulls_url() -> str | None:
    """The repository's pull requests page, where GitHub Actions (or the user) names it."""
    repository = os.environ.get("GITHUB_REPOSITORY")
    if not repository:
        return None
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    return f"{server}/{repository}/pulls"


def lines_per_file(root: Path, exclude: list[str]) -> dict[str, int]:
    """Lines of each Python file a scan reports on (excluded ones do not count towards grades)."""
    tree = discover(root)
    excluded = PathFilter.build(exclude, []) if exclude else None
    counts = {}
    for path in tree.files:
        if excluded and excluded.include.match_file(tree.repo_path(path)):
            continue
        read = read_source(tree.root, path)
        if isinstance(read, tuple):
            counts[path] = len(read[1].splitlines())
    return counts
