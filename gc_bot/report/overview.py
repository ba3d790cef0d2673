"""What a team lead wants at a glance: grades per package, trends, acceptance, what waits.

Built from a scan of the tree (grades) and the ledger's records (trends, acceptance, pauses,
open proposals, tokens); the Markdown and HTML reports only lay this out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath

from gc_bot.feedback.state import FeedbackState
from gc_bot.findings import Finding
from gc_bot.principles import PrincipleSet

# Severity weights and the grade scale, in weighted points per 1,000 lines.
WEIGHTS = {"error": 3.0, "warning": 1.0, "info": 0.25}
GRADES = (("A", 2.5), ("B", 5.0), ("C", 10.0), ("D", 20.0))  # below each bound; F above
PACKAGE_DEPTH = 2  # gc_bot/scan/checks/x.py counts towards gc_bot/scan
ROOT_PACKAGE = "(top level)"


def grade_for(points_per_kloc: float) -> str:
    for letter, bound in GRADES:
        if points_per_kloc < bound:
            return letter
    return "F"


def package_of(path: str) -> str:
    parts = PurePosixPath(path).parts[:-1]
    return "/".join(parts[:PACKAGE_DEPTH]) or ROOT_PACKAGE


@dataclass
class PackageGrade:
    package: str
    files: int = 0
    lines: int = 0
    by_severity: Counter = field(default_factory=Counter)

    @property
    def findings(self) -> int:
        return sum(self.by_severity.values())

    @property
    def points(self) -> float:
        return sum(WEIGHTS[s] * n for s, n in self.by_severity.items())

    @property
    def density(self) -> float:
        """Weighted points per 1,000 lines."""
        return 1000 * self.points / self.lines if self.lines else 0.0

    @property
    def grade(self) -> str:
        return grade_for(self.density)


@dataclass
class PrincipleRow:
    principle: str
    title: str
    severity: str
    findings: int
    proposed: int = 0
    accepted: int = 0
    rejected: int = 0
    pending: int = 0
    tokens: int = 0
    paused: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        decided = self.accepted + self.rejected
        return self.accepted / decided if decided else None


@dataclass
class RunPoint:
    at: str
    findings: int
    by_principle: dict[str, int] | None
    proposed: int
    tokens: int

    @property
    def day(self) -> str:
        return self.at[:10]


@dataclass
class OpenProposal:
    id: str
    principle: str
    summary: str
    branch: str
    link: str | None
    files: list[str]
    at: str


@dataclass
class Overview:
    repository: str
    generated_at: str
    packages: list[PackageGrade]
    principles: list[PrincipleRow]
    runs: list[RunPoint]
    open: list[OpenProposal]
    total_findings: int
    tokens_total: int

    @property
    def paused(self) -> list[PrincipleRow]:
        return [p for p in self.principles if p.paused]

    @property
    def overall(self) -> PackageGrade:
        whole = PackageGrade("all", sum(p.files for p in self.packages))
        whole.lines = sum(p.lines for p in self.packages)
        for p in self.packages:
            whole.by_severity.update(p.by_severity)
        return whole

    def trend(self, principle: str) -> list[int | None]:
        """Findings of `principle` in each run (None where a run did not count per principle)."""
        return [
            None if run.by_principle is None else run.by_principle.get(principle, 0)
            for run in self.runs
        ]


@dataclass(frozen=True)
class Where:
    """Where the report is about: the repository's name, its pause rule, its PR page."""

    repository: str
    pause_below: float = 0.10
    min_decisions: int = 5
    pulls_url: str | None = None  # links each open proposal to its pull request


def build_overview(
    where: Where,
    findings: list[Finding],
    lines_per_file: dict[str, int],
    principles: PrincipleSet,
    records: list[dict],
) -> Overview:
    """The overview from today's findings, each file's line count, and the ledger's records."""
    return Overview(
        repository=where.repository,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        packages=_grades(findings, lines_per_file),
        principles=_principle_rows(
            findings, principles, records, (where.pause_below, where.min_decisions)
        ),
        runs=_runs(records),
        open=_open_proposals(records, where.pulls_url),
        total_findings=len(findings),
        tokens_total=sum(int(r.get("tokens") or 0) for r in records if r.get("type") == "run"),
    )


def _grades(findings: list[Finding], lines_per_file: dict[str, int]) -> list[PackageGrade]:
    packages: dict[str, PackageGrade] = {}
    for path, lines in lines_per_file.items():
        grade = packages.setdefault(package_of(path), PackageGrade(package_of(path)))
        grade.files += 1
        grade.lines += lines
    for finding in findings:
        name = package_of(finding.path)
        packages.setdefault(name, PackageGrade(name)).by_severity[finding.severity] += 1
    return sorted(packages.values(), key=lambda p: (-p.density, p.package))


def _principle_rows(
    findings: list[Finding], principles: PrincipleSet, records: list[dict], pause: tuple
) -> list[PrincipleRow]:
    state = FeedbackState.from_records(records)
    stats = state.stats(*pause)
    counts = Counter(f.principle for f in findings)
    tokens: Counter = Counter()
    for proposal in state.counted():
        tokens[proposal["principle"]] += int(proposal.get("tokens") or 0)
    rows = []
    for p in principles:
        row = PrincipleRow(p.id, p.title, p.severity, counts.get(p.id, 0), tokens=tokens[p.id])
        if p.id in stats:
            s = stats[p.id]
            row.proposed, row.accepted, row.rejected = s.proposed, s.accepted, s.rejected
            row.pending, row.paused, row.reasons = s.pending, s.paused, list(s.reasons)
        rows.append(row)
    return sorted(rows, key=lambda r: (not r.paused, -r.findings, r.principle))


def _runs(records: list[dict]) -> list[RunPoint]:
    runs = []
    for r in records:
        if r.get("type") != "run":
            continue
        by_principle = r.get("findings_by_principle")
        runs.append(
            RunPoint(
                at=r.get("at", ""),
                findings=int(r.get("findings") or 0),
                by_principle=dict(by_principle) if isinstance(by_principle, dict) else None,
                proposed=sum((r.get("proposed") or {}).values()),
                tokens=int(r.get("tokens") or 0),
            )
        )
    return sorted(runs, key=lambda run: run.at)


def _open_proposals(records: list[dict], pulls_url: str | None) -> list[OpenProposal]:
    state = FeedbackState.from_records(records)
    links: dict[str, str] = defaultdict(str)
    for r in records:  # a forge may record where a proposal lives (a pull request's page)
        owner = r.get("proposal") or r.get("id")
        for key in ("pr_url", "html_url", "url"):
            if isinstance(r.get(key), str) and r[key].startswith(("https://", "http://")) and owner:
                links[owner] = r[key]
    return [
        OpenProposal(
            id=p["id"],
            principle=p["principle"],
            summary=p.get("summary") or "",
            branch=p.get("branch", ""),
            link=links.get(p["id"])
            or (f"{pulls_url}?q=is%3Apr+head%3A{p['branch']}" if pulls_url else None),
            files=list(p.get("files", [])),
            at=p.get("at", ""),
        )
        for p in sorted(state.pending(), key=lambda p: p.get("at", ""))
    ]
