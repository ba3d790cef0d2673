"""Precision of gc-bot's starter set on a pinned release of a real project, from labels kept in git.

Usage: python bench/precision.py PROJECT==VERSION [--root FOLDER] [--unlabelled] [--per N]

Downloads the pinned sdist with pip into bench/.cache (gitignored), scans its package folder
with the starter set (`gc-bot scan --format json`, fresh cache), samples up to N findings per
principle (`random.Random(1).sample`, findings in path order), and prints, per principle, how many
of the sample a maintainer would accept (TRUE), might (DEBATABLE) or would not (FALSE), from
bench/precision/<project>.jsonl: one JSON object a line with `fingerprint`, `principle`, `path`,
`line`, `verdict` (TRUE | DEBATABLE | FALSE) and `reason` (one line). `--unlabelled` lists the
samples still to judge with their code, and a label line to fill in for each.

Labels are data about the project's code, judged by reading it as its maintainers would: a check
is never tuned to a fingerprint or a location.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from run import CACHE, GC_BOT, PROJECT_PYTHON, commit_tree, run_checked

LABELS = Path(__file__).resolve().parent / "precision"
SEED = 1
VERDICTS = ("TRUE", "DEBATABLE", "FALSE")
# The package folder of each project the labels cover, relative to its sdist's root.
ROOTS = {"django": "django", "sqlalchemy": "lib/sqlalchemy", "httpx": "httpx", "rich": "rich"}
BAR_TRUE, BAR_FALSE = 0.70, 0.10


@dataclass(frozen=True)
class Label:
    verdict: str
    reason: str


class Labels(dict):
    """Labels by fingerprint, and by place (principle, path, line: the sdist is pinned)."""

    def of(self, finding: dict) -> Label | None:
        place = (finding["principle"], finding["path"], finding["line"])
        return self.get(finding["fingerprint"]) or self.get(place)


def project_tree(name: str, version: str) -> Path:
    """The extracted sdist as a git repository of its own, downloaded on first use."""
    downloads = CACHE / "downloads"
    archives = sorted(downloads.glob(f"{name}-{version}.tar.gz")) + sorted(
        downloads.glob(f"{name.replace('-', '_')}-{version}.tar.gz")
    )
    if not archives:
        print(f"downloading {name}=={version} source distribution with pip", file=sys.stderr)
        pip = [PROJECT_PYTHON, "-m", "pip", "download", "--quiet", "--no-deps"]
        # `--no-binary NAME`, not `:all:`: the project is its sdist, while the build tools pip
        # needs to read its metadata may come as wheels (building Cython from source takes ages).
        run_checked([*pip, "--no-binary", name, "--dest", downloads, f"{name}=={version}"])
        archives = [p for p in downloads.glob("*.tar.gz") if p.name.lower().startswith(name)]
        archives = [p for p in archives if version in p.name]
    with tarfile.open(archives[0]) as sdist:
        top = sdist.getnames()[0].split("/")[0]
        root = CACHE / top
        if not (root / ".git").exists():
            sdist.extractall(CACHE, filter="data")
            commit_tree(root)
    return root


def scan(tree: Path, folder: str) -> tuple[list[dict], int]:
    """Findings of a cold scan of `folder`, and the exit status of `--fail-on error`."""
    with tempfile.TemporaryDirectory(prefix="gc-bot-precision-") as cache:
        env = os.environ | {"XDG_CACHE_HOME": cache}
        cmd = [str(GC_BOT), "scan", folder, "--format", "json", "--fail-on", "error"]
        done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"gc-bot scan failed ({done.returncode}):\n{done.stderr[-2000:]}")
    findings = json.loads(done.stdout)["findings"]
    for finding in findings:  # paths relative to the sdist's root, whatever gc-bot reports
        if not (tree / finding["path"]).is_file():
            finding["path"] = f"{folder}/{finding['path']}"
    return findings, done.returncode


def samples(findings: Sequence[dict], per: int) -> dict[str, list[dict]]:
    """Up to `per` findings of each principle, drawn with a fixed seed from path order."""
    by_principle: dict[str, list[dict]] = defaultdict(list)
    for finding in sorted(findings, key=lambda f: (f["path"], f["line"], f["column"])):
        by_principle[finding["principle"]].append(finding)
    return {
        principle: random.Random(SEED).sample(group, min(per, len(group)))
        for principle, group in sorted(by_principle.items())
    }


def load_labels(path: Path) -> Labels:
    labels = Labels()
    if not path.exists():
        return labels
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("verdict") not in VERDICTS:
            raise SystemExit(f"{path}:{number}: verdict must be one of {', '.join(VERDICTS)}")
        label = Label(row["verdict"], row["reason"])
        labels[row["fingerprint"]] = labels[(row["principle"], row["path"], row["line"])] = label
    return labels


def table(drawn: dict[str, list[dict]], totals: Counter[str], labels: Labels) -> list[str]:
    rows = [
        f"{'principle':<24} {'sev':<7} {'found':>5} {'n':>3} {'T':>3} {'D':>3} {'F':>3} "
        f"{'?':>3}  {'TRUE%':>5} {'FALSE%':>6}  bar"
    ]
    overall: Counter[str] = Counter()
    for principle, group in drawn.items():
        counts = Counter(getattr(labels.of(f), "verdict", "?") for f in group)
        overall.update(counts)
        judged = sum(counts[v] for v in VERDICTS)
        true = counts["TRUE"] / judged if judged else 0.0
        false = counts["FALSE"] / judged if judged else 0.0
        severity = group[0]["severity"]
        if counts["?"]:
            bar = "unlabelled"
        elif true >= BAR_TRUE and false <= BAR_FALSE:
            bar = "met"
        else:
            bar = "below (info)" if severity == "info" else "BELOW"
        rows.append(
            f"{principle:<24} {severity:<7} {totals[principle]:>5} {len(group):>3} "
            f"{counts['TRUE']:>3} {counts['DEBATABLE']:>3} {counts['FALSE']:>3} {counts['?']:>3}"
            f"  {true:>5.0%} {false:>6.0%}  {bar}"
        )
    judged = sum(overall[v] for v in VERDICTS)
    share = overall["TRUE"] / judged if judged else 0.0
    rows.append(
        f"{'all':<24} {'':<7} {sum(totals.values()):>5} {sum(map(len, drawn.values())):>3} "
        f"{overall['TRUE']:>3} {overall['DEBATABLE']:>3} {overall['FALSE']:>3} {overall['?']:>3}"
        f"  {share:>5.0%}"
    )
    return rows


def context(tree: Path, finding: dict, around: int = 6) -> str:
    lines = (tree / finding["path"]).read_text(errors="replace").splitlines()
    start = max(1, finding["line"] - around)
    end = min(len(lines), max(finding["end_line"], finding["line"]) + around)
    marked = range(finding["line"], max(finding["end_line"], finding["line"]) + 1)
    return "\n".join(
        f"{'>' if n in marked else ' '}{n:>5} {lines[n - 1]}" for n in range(start, end + 1)
    )


def unlabelled(tree: Path, drawn: dict[str, list[dict]], labels: Labels) -> list[str]:
    out = []
    for group in drawn.values():
        for finding in group:
            if labels.of(finding):
                continue
            stub = {key: finding[key] for key in ("fingerprint", "principle", "path", "line")} | {
                "verdict": "?",
                "reason": "",
            }
            out += [
                f"--- {finding['principle']} {finding['path']}:{finding['line']} "
                f"[{','.join(finding.get('rules') or [finding['rule']])}] {finding['message']}",
                context(tree, finding),
                json.dumps(stub),
                "",
            ]
    return out


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", help="PROJECT==VERSION, e.g. django==5.2.8")
    parser.add_argument("--root", help="folder to scan inside the sdist (default: per project)")
    parser.add_argument("--per", type=int, default=10, help="sample size per principle")
    parser.add_argument("--unlabelled", action="store_true", help="list samples to label")
    args = parser.parse_args(argv)
    if "==" not in args.project:
        parser.error("PROJECT must be pinned as NAME==VERSION")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    name, version = args.project.split("==", 1)
    name = name.lower()
    folder = args.root or ROOTS.get(name, name)
    tree = project_tree(name, version)
    findings, status = scan(tree, folder)
    drawn = samples(findings, args.per)
    labels = load_labels(LABELS / f"{name}.jsonl")
    totals = Counter(f["principle"] for f in findings)
    if args.unlabelled:
        print("\n".join(unlabelled(tree, drawn, labels)))
        return 0
    print(f"{name} {version}, scan root {folder}: {len(findings)} findings, seed {SEED}")
    print("\n".join(table(drawn, totals, labels)))
    errors = sum(f["severity"] == "error" for f in findings)
    print(f"gc-bot scan --fail-on error: exit {status} ({errors} error-severity findings)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
