"""Measure gc-bot's secret masker against detect-secrets' and gitleaks' published rule sets.

Two corpora:

- planted: secrets of the common kinds (provider keys, private keys, URL credentials, bearer
  and basic headers, quoted and unquoted assignments, .env and YAML lines, JSON, log lines),
  fresh random values from a fixed seed, each in a line or block of the shape it has in code;
- ordinary: every line of the `django/` package of Django's sdist (bench/run.py's download,
  cached in bench/.cache), where a mask hides code the agent needs to see.

Recall is the share of planted samples a tool catches (gc-bot: the planted value is gone from
the masked text; the peers: a finding on the sample's lines, which is lenient to them). False
masks are the ordinary lines a tool changes or flags. Throughput is over the ordinary corpus
(median of --runs for gc-bot, one run for the peers, which are slower).

detect-secrets runs as a library (`pip install -e '.[bench]'`), its default plugins and
filters. gitleaks' rules come from its published `config/gitleaks.toml` (MIT licence), read from
the path given with --gitleaks-rules (not vendored here): each rule's keywords as a prefilter,
its regex (Go syntax; an inline flag is moved to the front, a rule Python cannot compile is
counted and skipped), its secret group and entropy threshold, and the global allowlist
regexes. Not its path allowlists or stopwords, so it flags somewhat more than gitleaks would.

    python bench/secret_mask.py --gitleaks-rules /path/to/gitleaks/config/gitleaks.toml
"""

from __future__ import annotations

import argparse
import base64
import math
import os
import random
import re
import statistics
import string
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from gc_bot.fix import secrets as ours  # noqa: E402

ALNUM = string.ascii_letters + string.digits


def _rand(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def planted(seed: int = 15, per_kind: int = 30) -> list[tuple[str, str, str]]:
    """(kind, sample text, the planted value) for each planted secret."""
    rng = random.Random(seed)
    b64 = ALNUM + "+/"
    low = string.ascii_lowercase + string.digits
    makers: dict[str, Callable[[], tuple[str, str]]] = {
        "openai-key": lambda: _q("OPENAI_API_KEY = '{}'", "sk-proj-" + _rand(rng, 48)),
        "github-token": lambda: _q('GITHUB = "{}"', "ghp_" + _rand(rng, 36)),
        "aws-access-key": lambda: _q(
            "aws_access_key_id = {}", "AKIA" + _rand(rng, 16, string.ascii_uppercase + "234567")
        ),
        "aws-secret-key": lambda: _q('aws_secret_access_key = "{}"', _rand(rng, 40, b64)),
        "slack-token": lambda: _q(
            "SLACK_TOKEN = '{}'",
            f"xoxb-{_rand(rng, 12, string.digits)}-{_rand(rng, 13, string.digits)}-"
            + _rand(rng, 24),
        ),
        "stripe-key": lambda: _q('stripe.api_key = "{}"', "sk_live_" + _rand(rng, 24)),
        "google-api-key": lambda: _q("key: {}", "AIza" + _rand(rng, 35, ALNUM + "_-")),
        "jwt": lambda: _q(
            "# token: {}",
            "eyJhbGciOiJIUzI1NiJ9.eyJ" + _rand(rng, 40, ALNUM + "_-") + "." + _rand(rng, 43),
        ),
        "private-key": lambda: _private_key(rng),
        "url-credentials": lambda: _q(
            'DATABASE_URL = "postgres://app:{}@db.internal:5432/app"', _rand(rng, 14)
        ),
        "password-assignment": lambda: _q(
            'DATABASES = {{"default": {{"PASSWORD": "{}"}}}}', _rand(rng, 12, low) + "!9"
        ),
        "dotenv-unquoted": lambda: _q("API_TOKEN={}", _rand(rng, 32)),
        "yaml-secret": lambda: _q("  client_secret: {}", _rand(rng, 28, low)),
        "bearer-header": lambda: _q(
            '# curl -H "Authorization: Bearer {}" https://api.example.com/v1', _rand(rng, 40)
        ),
        "basic-header": lambda: _q(
            "Authorization: Basic {}",
            base64.b64encode(f"deploy:{_rand(rng, 12)}".encode()).decode(),
        ),
        "quoted-high-entropy": lambda: _q('SIGNING_SALT = "{}"', _rand(rng, 40)),
        "cli-password": lambda: _q("mysql --password={} -h db", _rand(rng, 16)),
        "json-api-key": lambda: _q('{{"api_key": "{}", "region": "eu"}}', _rand(rng, 32, low)),
        "log-line": lambda: _q("INFO auth ok session token={} user=7", _rand(rng, 32)),
    }
    samples = []
    for kind, make in makers.items():
        for _ in range(per_kind):
            text, value = make()
            samples.append((kind, text, value))
    return samples


def _q(template: str, value: str) -> tuple[str, str]:
    return template.format(value), value


def _private_key(rng: random.Random) -> tuple[str, str]:
    body = [_rand(rng, 64, ALNUM + "+/") for _ in range(4)]
    text = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(body) + "\n-----END RSA PRIVATE KEY-----"
    return text, body[1]


def ordinary_lines(limit_files: int | None) -> list[tuple[Path, list[str]]]:
    from bench.run import django_tree

    root = django_tree() / "django"
    files = sorted(root.rglob("*.py"))[:limit_files]
    return [(p, p.read_text("utf-8", "replace").splitlines()) for p in files]


# --- the tools -------------------------------------------------------------------------------


def ours_masks_value(text: str, value: str) -> bool:
    return value not in ours.mask_secrets(text)


def ours_changed_lines(path: Path, lines: list[str]) -> list[int]:
    if not lines:
        return []
    masked = ours.mask_secrets("\n".join(lines)).split("\n")
    return [i for i, (a, b) in enumerate(zip(lines, masked, strict=True)) if a != b]


def detect_secrets_tool() -> Callable[[Path, list[str]], list[int]] | None:
    """detect-secrets on files, as its CLI scans them (its filters need the file)."""
    try:
        from detect_secrets import SecretsCollection
        from detect_secrets.settings import default_settings
    except ImportError:
        return None

    def flagged(path: Path, lines: list[str]) -> list[int]:
        secrets = SecretsCollection()
        with default_settings():
            secrets.scan_file(str(path))
        return sorted({s.line_number - 1 for found in secrets.data.values() for s in found})

    return flagged


class Gitleaks:
    """gitleaks' published rules, applied per line as its detector does (see the module)."""

    def __init__(self, path: Path) -> None:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
        self.rules, self.skipped = [], []
        for rule in config.get("rules", []):
            if "regex" not in rule:
                continue  # path-only rules
            pattern = _python_regex(rule["regex"])
            if pattern is None:
                self.skipped.append(rule["id"])
                continue
            keywords = [k.lower() for k in rule.get("keywords", [])]
            self.rules.append((pattern, keywords, rule.get("secretGroup", 0), rule.get("entropy")))
        allow = config.get("allowlist", {}).get("regexes", [])
        self.allow = [p for p in (_python_regex(r) for r in allow) if p is not None]

    def line_flagged(self, line: str) -> bool:
        lower = line.lower()
        for pattern, keywords, group, entropy in self.rules:
            if keywords and not any(k in lower for k in keywords):
                continue
            for match in pattern.finditer(line):
                secret = _secret_of(match, group)
                if entropy and _entropy(secret) < entropy:
                    continue
                if any(a.search(secret) for a in self.allow):
                    continue
                return True
        return False

    def flagged(self, path: Path, lines: list[str]) -> list[int]:
        return [i for i, line in enumerate(lines) if self.line_flagged(line)]


def _secret_of(match: re.Match[str], group: int) -> str:
    if group:
        return match.group(group) or ""
    groups = [g for g in match.groups() if g]
    return groups[0] if groups else match.group(0)


def _python_regex(go: str) -> re.Pattern[str] | None:
    flags = 0
    if "(?i)" in go:
        go, flags = go.replace("(?i)", ""), re.IGNORECASE
    go = go.replace(r"\z", r"\Z").replace("(?-i:", "(?:")
    try:
        return re.compile(go, flags)
    except re.error:
        return None


def _entropy(value: str) -> float:
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


# --- the measurement -------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--gitleaks-rules", type=Path, help="gitleaks' config/gitleaks.toml")
    parser.add_argument("--files", type=int, default=None, help="Django files (default: all)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for name in [n for n in os.environ if ours.SECRET_VARIABLE.search(n)]:
        del os.environ[name]  # gc-bot's masker alone, without this shell's variables

    samples = planted()
    files = ordinary_lines(args.files)
    lines = sum(len(f[1]) for f in files)
    size = sum(len("\n".join(f[1])) for f in files) / 1e6
    print(f"planted: {len(samples)} samples of {len(Counter(k for k, _, _ in samples))} kinds")
    print(f"ordinary: {len(files)} files of Django's django/ package, {lines} lines, {size:.1f} MB")

    tools: dict[str, Callable[[Path, list[str]], list[int]]] = {"gc-bot": ours_changed_lines}
    detect = detect_secrets_tool()
    if detect is not None:
        tools["detect-secrets"] = detect
    else:
        print("detect-secrets: not installed (pip install -e '.[bench]'); left out")
    if args.gitleaks_rules:
        leaks = Gitleaks(args.gitleaks_rules)
        print(f"gitleaks: {len(leaks.rules)} rules loaded, {len(leaks.skipped)} not Python regex")
        tools["gitleaks rules"] = leaks.flagged

    print()
    print("| tool | recall (planted) | missed kinds | false masks (ordinary lines) | MB/s |")
    print("| --- | --- | --- | --- | --- |")
    for name, flag in tools.items():
        caught, missed = _recall(name, flag, samples)
        seconds, false = _ordinary(flag, files, args.runs if name == "gc-bot" else 1)
        missed_kinds = ", ".join(f"{k} {n}" for k, n in sorted(missed.items())) or "-"
        print(
            f"| {name} | {caught}/{len(samples)} ({caught / len(samples):.1%}) | {missed_kinds} "
            f"| {len(false)}/{lines} ({len(false) / lines:.3%}) | {size / seconds:.2f} |"
        )
        for path, line in false[:8]:
            print(f"  e.g. {path}: {line.strip()[:110]}", file=sys.stderr)


_SUFFIX = {"dotenv-unquoted": ".env", "yaml-secret": ".yaml", "json-api-key": ".json"}


def _recall(name: str, flag, samples) -> tuple[int, Counter]:
    """gc-bot: is the value gone? The peers: a finding in the sample written as a file."""
    caught, missed = 0, Counter()
    folder = Path(tempfile.mkdtemp(prefix="secret-mask-"))
    for number, (kind, text, value) in enumerate(samples):
        path = folder / f"sample{number}{_SUFFIX.get(kind, '.py')}"
        path.write_text(text + "\n", encoding="utf-8")
        lines = text.split("\n")
        hit = ours_masks_value(text, value) if name == "gc-bot" else bool(flag(path, lines))
        caught += hit
        if not hit:
            missed[kind] += 1
    return caught, missed


def _ordinary(flag, files, runs: int) -> tuple[float, list[tuple[str, str]]]:
    times, false = [], []
    for _ in range(max(1, runs)):
        false = []
        started = time.perf_counter()
        for path, lines in files:
            false += [(path, lines[i]) for i in flag(path, lines) if i < len(lines)]
        times.append(time.perf_counter() - started)
    return statistics.median(times), false


if __name__ == "__main__":
    main()
