"""The planner: findings -> small proposals, one principle each, ranked."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from gc_bot.findings import Finding, severity_rank

MAX_FINDINGS_PER_PROPOSAL = 12


def proposal_id(principle: str, fingerprints: Iterable[str], generation: int = 0) -> str:
    """Deterministic: the same principle and findings (and generation) always give the same id."""
    payload = "\n".join(
        [principle, *sorted(fingerprints), *([f"generation {generation}"] if generation else [])]
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Proposal:
    principle: str
    findings: tuple[Finding, ...]
    generation: int = (
        0  # > 0: proposed again after a rejection people withdrew (a new id and branch)
    )

    @property
    def id(self) -> str:
        return proposal_id(self.principle, self.fingerprints, self.generation)

    @property
    def fingerprints(self) -> tuple[str, ...]:
        return tuple(sorted(f.fingerprint for f in self.findings))

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(sorted({f.path for f in self.findings}))

    @property
    def branch(self) -> str:
        return branch_name(self.principle, self.id)

    @property
    def severity(self) -> str:
        return max((f.severity for f in self.findings), key=severity_rank)

    def narrowed(self, keep: Callable[[Finding], bool]) -> Proposal:
        return Proposal(self.principle, tuple(f for f in self.findings if keep(f)), self.generation)


def next_generation(proposal: Proposal, asked_again: Callable[[str], bool]) -> Proposal:
    """A proposal people asked for again gets a new id, so a new branch and PR (the old stays
    closed): the generations count up past every one that was rejected and asked for again."""
    while asked_again(proposal.id):
        proposal = replace(proposal, generation=proposal.generation + 1)
    return proposal


def branch_name(principle: str, proposal: str) -> str:
    return f"gc-bot/{principle}/{proposal}"


def plan(
    findings: Iterable[Finding],
    *,
    max_files: int,
    acceptance: Mapping[str, float],
    max_findings: int = MAX_FINDINGS_PER_PROPOSAL,
) -> list[Proposal]:
    """Group by principle, then into a few files and findings each; best candidates first.

    Ranking: severity, then the principle's acceptance rate, then findings cleared.
    """
    by_principle: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for finding in sorted(findings):
        by_principle[finding.principle][finding.path].append(finding)
    proposals = []
    for principle, by_file in by_principle.items():
        group: list[Finding] = []
        files = 0
        for path_findings in by_file.values():
            for start in range(0, len(path_findings), max_findings):
                chunk = path_findings[start : start + max_findings]
                if group and (files >= max_files or len(group) + len(chunk) > max_findings):
                    proposals.append(Proposal(principle, tuple(group)))
                    group, files = [], 0
                group += chunk
                files += 1
        if group:
            proposals.append(Proposal(principle, tuple(group)))
    return sorted(
        proposals,
        key=lambda p: (
            -severity_rank(p.severity),
            -acceptance.get(p.principle, 0.5),
            -len(p.findings),
            p.id,
        ),
    )
