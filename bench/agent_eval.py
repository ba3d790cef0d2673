"""Measure the agent on real code: sweep the bundled example and a pinned real project.

    OPENAI_API_KEY=... python bench/agent_eval.py --model gpt-4.1-mini
    OPENAI_BASE_URL=http://127.0.0.1:8080/v1 python bench/agent_eval.py --model qwen2.5-coder

Reports per proposal: validated or dropped (with the reason), attempts, tokens, and the
totals. Nothing is pushed anywhere: each target is a fresh repository in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from gc_bot.demo import make_demo_repo
from gc_bot.fix.agent import AgentFixer, TokenBudget
from gc_bot.git import Git
from gc_bot.sweep import sweep

CACHE = Path(__file__).parent / ".cache"
DEFAULT_PROJECT = "click==8.1.8"


def fetch_project(spec: str, into: Path) -> Path:
    """A pinned sdist from the package index, unpacked and committed as a repository."""
    CACHE.mkdir(exist_ok=True)
    name, version = spec.split("==")
    found = list(CACHE.glob(f"{name}-{version}.tar.gz"))
    if not found:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                spec,
                "-d",
                str(CACHE),
            ],
            check=True,
        )
        found = list(CACHE.glob(f"{name}-{version}.tar.gz"))
    with tarfile.open(found[0]) as archive:
        archive.extractall(into, filter="data")
    root = into / f"{name}-{version}"
    git = Git(root)
    git.run("init", "-q", "-b", "main")
    git.commit_worktree(root, f"{spec} sdist")
    return root


def evaluate(root: Path, label: str, model: str, max_prs: int, budget: TokenBudget) -> dict:
    agent = AgentFixer(model=model, budget=budget)
    report = sweep(root, max_prs=max_prs, agent=agent)
    rows = [
        {
            "target": label,
            "principle": o.principle,
            "files": o.files,
            "fixer": o.fixer,
            "status": "validated" if o.status == "proposed" else o.status,
            "reason": o.reason,
            "attempts": o.attempts,
            "tokens": o.tokens,
        }
        for o in report.proposals
    ]
    return {
        "target": label,
        "findings": report.findings,
        "proposals": rows,
        "tokens": report.tokens,
    }


def render(results: list[dict]) -> str:
    lines = [
        "| target | principle | fixer | status | attempts | tokens | reason |",
        "|---|---|---|---|---:|---:|---|",
    ]
    for result in results:
        for row in result["proposals"]:
            reason = (row["reason"] or "").replace("|", "/").replace("\n", " ")[:120]
            lines.append(
                f"| {row['target']} | {row['principle']} | {row['fixer']} | {row['status']} | {row['attempts']} | {row['tokens']} | {reason} |"
            )
    rows = [row for result in results for row in result["proposals"]]
    agent_rows = [row for row in rows if row["attempts"]]
    validated = sum(1 for row in agent_rows if row["status"] == "validated")
    lines.append("")
    lines.append(
        f"totals: {len(rows)} proposals, agent: {validated}/{len(agent_rows)} validated, "
        f"{sum(row['attempts'] for row in agent_rows)} attempts, {sum(r['tokens'] for r in results)} tokens"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default=os.environ.get("GC_BOT_MODEL", "gpt-4.1-mini"))
    parser.add_argument("--project", default=DEFAULT_PROJECT, help="a pinned sdist, name==version")
    parser.add_argument("--skip-project", action="store_true", help="only the bundled example")
    parser.add_argument("--max-prs", type=int, default=5)
    parser.add_argument("--token-budget", type=int, default=300_000)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if not (os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL")):
        print(
            "agent_eval needs an endpoint: set OPENAI_API_KEY or OPENAI_BASE_URL", file=sys.stderr
        )
        return 2
    budget = TokenBudget(args.token_budget)
    with tempfile.TemporaryDirectory(prefix="gc-bot-eval-") as tmp:
        targets = [("example", make_demo_repo(Path(tmp) / "example"))]
        if not args.skip_project:
            targets.append((args.project, fetch_project(args.project, Path(tmp))))
        results = [
            evaluate(root, label, args.model, args.max_prs, budget) for label, root in targets
        ]
    print(f"model: {args.model}\n")
    print(render(results))
    if args.json:
        args.json.write_text(json.dumps({"model": args.model, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
