"""Keeping secrets out of prompts and session logs.

Two guards, both applied before anything is sent to a model or written to a session log:

- `is_secret_file(path)`: files that hold credentials by their nature (`.env`, key files,
  credential stores) never enter a prompt at all; the agent refuses a proposal that needs one.
- `mask_secrets(text)`: token-like strings inside ordinary files (API keys of the common
  providers, private key blocks, `password = "..."`-style assignments, credentials in URLs,
  long high-entropy strings in quotes) are replaced by a `<masked:KIND>` placeholder.

Masking keeps the line structure (one placeholder per line, never a line added or removed),
so the line numbers shown to the model still match the file. Edits are applied to the real,
unmasked files: a `search` text that quotes a placeholder matches nothing and the attempt
fails, and a `replace` text that copies a placeholder is refused (see `MASK_MARKER`), so a
masked value can never be written back over the real one.

A regex set of our own rather than `detect-secrets`: its plugins used as a library report
sub-groups (`ghp` for a GitHub token), only the header line of a private key, and every quoted
string as a high-entropy candidate, unless run through its global, non-thread-safe settings
(whose verification filters make network calls); the sweep masks from several threads at once.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable

MASK_MARKER = re.compile(r"<masked:[a-z0-9-]+>")

# --- files -----------------------------------------------------------------------------------

_SECRET_NAMES = frozenset(
    {
        ".env",
        ".envrc",
        ".netrc",
        "_netrc",
        ".pgpass",
        ".pypirc",
        ".npmrc",
        ".htpasswd",
        ".git-credentials",
        ".dockercfg",
        "credentials",
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        "terraform.tfstate",
        "terraform.tfstate.backup",
    }
)
_SECRET_SUFFIXES = (
    ".pem",
    ".key",
    ".p12",
    ".pfx",
    ".p8",
    ".jks",
    ".keystore",
    ".ppk",
    ".gpg",
    ".asc",
    ".tfvars",
    ".kdbx",
)
_SECRET_GLOBS = (
    re.compile(r"\.env\..+"),  # .env.local, .env.production, ...
    re.compile(r".+\.env"),  # prod.env
    re.compile(r"id_(rsa|dsa|ecdsa|ed25519)(\..*)?"),
    re.compile(r"credentials.*\.(json|ya?ml|toml|ini|xml|csv)"),
    re.compile(r"client_secrets?.*\.json"),
    re.compile(r"service[-_]?account.*\.json"),
    re.compile(r"secrets?\.(json|ya?ml|toml|ini|env|txt|cfg|conf)"),
)
_SECRET_DIRS = frozenset({".ssh", ".aws", ".gnupg", ".docker", ".kube"})


def is_secret_file(path: str) -> bool:
    """True for files that hold credentials by their nature; they never enter a prompt."""
    parts = [p for p in path.replace("\\", "/").lower().split("/") if p]
    if not parts:
        return False
    name = parts[-1]
    if any(part in _SECRET_DIRS for part in parts[:-1]):
        return True
    if name in _SECRET_NAMES or name.endswith(_SECRET_SUFFIXES):
        return True
    return any(pattern.fullmatch(name) for pattern in _SECRET_GLOBS)


# --- text ------------------------------------------------------------------------------------

_B = r"(?<![A-Za-z0-9_\-])"  # start boundary: not inside a longer token
_E = r"(?![A-Za-z0-9_\-])"  # end boundary

# (kind, pattern); the whole match is masked unless the pattern has a group named "secret".
_TOKENS: list[tuple[str, re.Pattern[str]]] = [
    ("openai-key", re.compile(_B + r"sk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_\-]{20,}+" + _E)),
    ("github-token", re.compile(_B + r"gh[pousr]_[A-Za-z0-9]{30,}+" + _E)),
    ("github-token", re.compile(_B + r"github_pat_[A-Za-z0-9_]{30,}+" + _E)),
    ("gitlab-token", re.compile(_B + r"glpat-[A-Za-z0-9_\-]{20,}+" + _E)),
    (
        "aws-access-key",
        re.compile(
            r"(?<![A-Z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)"
            r"[A-Z0-9]{16}(?![A-Z0-9])"
        ),
    ),
    (
        "aws-secret-key",
        re.compile(
            r"aws.{0,20}?(?:secret|key|token).{0,20}?['\"](?P<secret>[A-Za-z0-9/+]{40})['\"]",
            re.IGNORECASE,
        ),
    ),
    ("slack-token", re.compile(_B + r"xox[abposre]-[A-Za-z0-9\-]{10,}+" + _E)),
    (
        "slack-webhook",
        re.compile(r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_\-]+"),
    ),
    ("google-api-key", re.compile(_B + r"AIza[0-9A-Za-z_\-]{35}" + _E)),
    ("google-oauth", re.compile(_B + r"(?:GOCSPX-[A-Za-z0-9_\-]{20,}|ya29\.[0-9A-Za-z_\-]{20,})")),
    ("stripe-key", re.compile(_B + r"(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{20,}+" + _E)),
    ("huggingface-token", re.compile(_B + r"hf_[A-Za-z0-9]{30,}+" + _E)),
    ("npm-token", re.compile(_B + r"npm_[A-Za-z0-9]{36}" + _E)),
    ("pypi-token", re.compile(_B + r"pypi-AgE[A-Za-z0-9_\-]{50,}")),
    ("sendgrid-key", re.compile(_B + r"SG\.[A-Za-z0-9_\-]{16,}+\.[A-Za-z0-9_\-]{16,}")),
    (
        "jwt",
        re.compile(_B + r"eyJ[A-Za-z0-9_\-]{10,}+\.eyJ[A-Za-z0-9_\-]{10,}+\.[A-Za-z0-9_\-]{10,}"),
    ),
    (
        "url-password",
        re.compile(
            r"(?<![a-zA-Z0-9+.\-])[a-zA-Z][a-zA-Z0-9+.\-]*+://"
            r"[^\s/:@'\"]++:(?P<secret>[^\s/@'\"]++)@"
        ),
    ),
]

_KEYWORD = (
    r"(?:password|passwd|passphrase|pwd|secret|token|api[_\-]?key|apikey|access[_\-]?key"
    r"|private[_\-]?key|client[_\-]?secret|auth[_\-]?key|credentials?)"
)
_IS_KEYWORD = re.compile(_KEYWORD, re.IGNORECASE)
# name = "value", name: str = "value", "name": "value", name => 'value', NAME="value" (env files).
# Every quoted assignment matches (in linear time: possessive name, bounded annotation); the
# name is checked for a keyword afterwards.
_ASSIGNMENT = re.compile(
    r"(?<![A-Za-z0-9_.\-])(?P<name>[A-Za-z0-9_.\-]++)['\"]?"
    r"(?:[ \t]*:[ \t]*[A-Za-z_][\w\[\], |.]{0,60}?)?[ \t]*(?::=|=>|=|:)[ \t]*"
    r"(?P<q>['\"])(?P<secret>[^'\"\n]{4,}+)(?P=q)"
)
_NOT_A_SECRET = re.compile(
    r"(?-i:[A-Z][A-Z0-9_]*)"  # the name of an environment variable
    r"|\$\{?\w+\}?|\{\w*\}|%\(?\w*\)?s|<[^>]*>|\*+|x+|\.+"  # a placeholder
    r"|(?:change|replace)[_\-\s]?me|your[_\-\s].*|example|dummy|redacted|none|null|true|false",
    re.IGNORECASE,
)

_QUOTED = re.compile(r"(?P<q>['\"])(?P<secret>[A-Za-z0-9+/=_\-.]{32,}+)(?P=q)")
_HEX = re.compile(r"[0-9a-fA-F]+")

_PRIVATE_KEY = re.compile(
    r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?P<body>.*?)(?:-----END[A-Z0-9 ]*-----|\Z)",
    re.DOTALL,
)
_KEY_BODY = re.compile(r"[A-Za-z0-9+/=]{8,}")


def mask_secrets(text: str) -> str:
    """`text` with every token-like string replaced by `<masked:KIND>`, lines kept."""
    if not text:
        return text
    text = _PRIVATE_KEY.sub(_mask_key_block, text)
    for kind, pattern in _TOKENS:
        text = pattern.sub(_masker(kind), text)
    text = _ASSIGNMENT.sub(_mask_assignment, text)
    return _QUOTED.sub(_mask_high_entropy, text)


def _placeholder(kind: str) -> str:
    return f"<masked:{kind}>"


def _mask_key_block(match: re.Match[str]) -> str:
    body = _KEY_BODY.sub(_placeholder("private-key"), match["body"])
    start, end = match.span("body")
    whole = match.group(0)
    offset = match.start()
    return whole[: start - offset] + body + whole[end - offset :]


def _masker(kind: str) -> Callable[[re.Match[str]], str]:
    def mask(match: re.Match[str]) -> str:
        if "secret" not in match.re.groupindex:
            return _placeholder(kind)
        return _replace_group(match, "secret", _placeholder(kind))

    return mask


def _replace_group(match: re.Match[str], group: str, value: str) -> str:
    whole = match.group(0)
    start, end = match.start(group) - match.start(), match.end(group) - match.start()
    return whole[:start] + value + whole[end:]


def _mask_assignment(match: re.Match[str]) -> str:
    value = match["secret"]
    if not _IS_KEYWORD.search(match["name"]):
        return match.group(0)
    if MASK_MARKER.search(value) or _NOT_A_SECRET.fullmatch(value.strip()):
        return match.group(0)
    if len(value.split()) > 2 and "pass" not in match["name"].lower():
        return match.group(0)  # prose ("tokens used so far"), not a credential
    return _replace_group(match, "secret", _placeholder("credential"))


def _mask_high_entropy(match: re.Match[str]) -> str:
    value = match["secret"]
    if _looks_random(value):
        return _replace_group(match, "secret", _placeholder("high-entropy"))
    return match.group(0)


def _looks_random(value: str) -> bool:
    if _HEX.fullmatch(value):
        return len(value) >= 32 and _entropy(value) >= 3.0
    has_digit = any(c.isdigit() for c in value)
    has_upper = any(c.isupper() for c in value)
    has_lower = any(c.islower() for c in value)
    return has_digit and has_upper and has_lower and _entropy(value) >= 4.2


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
