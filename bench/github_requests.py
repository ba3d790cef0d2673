"""GitHub API requests and git pushes per sweep, with N gc-bot PRs, against the fake GitHub.

Each sweep runs from a fresh clone, as a scheduled job does: the first (opens N PRs), a no-op
rerun (nothing changed), a rerun after an unrelated push to main (must be as cheap as the
no-op: no force-push, no PR edit), and a rerun after a conflicting push (the PRs rebuilt).
Counts are deterministic, so one run per N; wall time is the median of the reruns.

    .venv/bin/python bench/github_requests.py [N ...]      # default: 1 3 5 10
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fake_github import FakeGitHub
from tests.test_github_forge import World

MODULE = """\
    def load_{i}():
        try:
            import mod{i}
        except:
            pass
        return mod{i}
    """


def files(n: int) -> dict[str, str]:
    out = {"pkg/__init__.py": ""}
    out.update({f"pkg/m{i}.py": MODULE.format(i=i) for i in range(n)})
    return out


def route(path: str) -> str:
    parts = path.split("/")[4:]  # after /repos/owner/name
    return "/" + "/".join("N" if p.isdigit() else p for p in parts)


def measure(world: World, n: int) -> dict:
    fake = world.fake
    before_api, before_git = len(fake.requests), len(fake.pushes())
    start = time.monotonic()
    world.sweep(
        GC_BOT_MAX_FILES_PER_PROPOSAL="1", GC_BOT_MAX_OPEN_PRS=str(n), GC_BOT_MAX_PRS=str(n)
    )
    took = time.monotonic() - start
    calls = fake.requests[before_api:]
    pushes = fake.pushes()[before_git:]
    return {
        "api": len(calls),
        "writes": sum(1 for r in calls if r.method != "GET"),
        "by_route": Counter(f"{r.method} {route(r.path)}" for r in calls),
        "proposal_pushes": sum(1 for _, _, ref in pushes if ref.count("/") == 4),
        "ledger_pushes": sum(1 for _, _, ref in pushes if ref.endswith("/gc-bot/feedback")),
        "seconds": took,
    }


def run(n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp, FakeGitHub(Path(tmp) / "github") as fake:
        world = World(fake, Path(tmp), files(n))
        first = measure(world, n)
        assert len(fake.pulls("open")) == n, "the first sweep should open N PRs"
        noop = [measure(world, n) for _ in range(3)]
        world.push_main({"README.md": "# unrelated\n"})
        unrelated = measure(world, n)
        conflicting = {
            f"pkg/m{i}.py": MODULE.format(i=i).replace(f"import mod{i}\n", f"import mod{i}  # x\n")
            for i in range(n)
        }
        world.push_main(conflicting)
        rebuilt = measure(world, n)
        return {
            "n": n,
            "first": first,
            "noop": noop[0],
            "noop_seconds_median": statistics.median(m["seconds"] for m in noop),
            "unrelated": unrelated,
            "conflicting": rebuilt,
        }


def main(sizes: list[int]) -> None:
    rows = [run(n) for n in sizes]
    print(
        "N | first sweep: API (writes) / branch pushes | no-op rerun | after unrelated push "
        "| after conflicting push | no-op median s"
    )
    for r in rows:
        cells = [
            f"{r[k]['api']} ({r[k]['writes']}) / {r[k]['proposal_pushes']}"
            for k in ("first", "noop", "unrelated", "conflicting")
        ]
        print(f"{r['n']} | " + " | ".join(cells) + f" | {r['noop_seconds_median']:.2f}")
    last = rows[-1]
    print(f"\nby route, N={last['n']}:")
    for phase in ("first", "noop", "conflicting"):
        print(f"  {phase}: {json.dumps(dict(sorted(last[phase]['by_route'].items())))}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1, 3, 5, 10])
