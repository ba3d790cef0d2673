"""Keeping secrets out of prompts and session logs.

Two guards, both applied before anything is sent to a model or written to a session log:

- `is_secret_file(path)`: files that hold credentials by their nature (`.env`, key files,
  credential stores) never enter a prompt at all; the agent refuses a proposal that needs one.
- `mask_secrets(text)`: token-like strings inside ordinary files (API keys of the common
  providers, private key blocks, `password = "..."`-style assignments, credentials in URLs,
  bearer and basic credentials, unquoted values after `key=`/`secret:`/`token` words, long
  high-entropy strings in quotes or next to such words) are replaced by a `<masked:KIND>`
  placeholder; and so is every value this run knows to be secret wherever it appears, quoted
  or not: the values of gc-bot's own secret variables (`OPENAI_API_KEY`, `GC_BOT_TOKEN`,
  `GITHUB_TOKEN`, anything named like TOKEN, SECRET, PASSWORD, KEY, CREDENTIAL) and of the
  repository's `.env`-like files (`use_repository`, once per run; trivial values such as
  `true`, `8000` or `production` are left, so the agent still sees the code).

Every text that leaves the process goes through `mask_secrets`: the agent client masks each
message it sends (`AgentFixer.complete`), the ledger masks each record and session event it
stores (`Ledger.append`), commit messages and PR bodies are masked where they are made.

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

import base64
import binascii
import math
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

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

# Text every match of a kind holds (lower case): a text without any skips the pattern, which
# would otherwise look at every position (its boundary lookbehind comes first).
_NEEDLES: dict[str, tuple[str, ...]] = {
    "openai-key": ("sk-",),
    "github-token": ("gh", "github_pat_"),
    "gitlab-token": ("glpat-",),
    "aws-access-key": tuple(
        [
            "a3t",
            "akia",
            "asia",
            "abia",
            "acca",
            "agpa",
            "aida",
            "aroa",
            "aipa",
            "anpa",
            "anva",
            "apka",
        ]
    ),
    "aws-secret-key": ("aws",),
    "slack-token": ("xox",),
    "slack-webhook": ("hooks.slack.com",),
    "google-api-key": ("aiza",),
    "google-oauth": ("gocspx-", "ya29."),
    "stripe-key": ("_live_", "_test_"),
    "huggingface-token": ("hf_",),
    "npm-token": ("npm_",),
    "pypi-token": ("pypi-age",),
    "sendgrid-key": ("sg.",),
    "jwt": ("eyj",),
    "url-password": ("://",),
}

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


# Bearer and basic credentials, and any `Authorization:` header value.
_BEARER = re.compile(
    r"(?<![A-Za-z0-9_])(?i:bearer|token)[ \t]++(?P<secret>[A-Za-z0-9._~+/\-]{8,}+=*+)"
)
_BASIC = re.compile(r"(?<![A-Za-z0-9_])(?i:basic)[ \t]++(?P<secret>[A-Za-z0-9+/]{8,}+={0,2})")
_AUTH_HEADER = re.compile(
    r"(?<![A-Za-z0-9_\-])(?i:(?:proxy-)?authorization)['\"]?[ \t]*+[:=][ \t]*+['\"]?"
    r"(?:[A-Za-z]++[ \t]++)?(?P<secret>[A-Za-z0-9._~+/=\-]{8,}+)"
)
# name=value, name: value, --name value-less forms without quotes (env files, logs, YAML).
_UNQUOTED = re.compile(
    r"(?<![A-Za-z0-9_.\-])(?P<name>[A-Za-z0-9_.\-]++)['\"]?[ \t]*+[:=](?![:=])[ \t]*+"
    r"(?P<secret>[^\s'\"`,;()\[\]{}<>]{8,}+)(?=[\s'\"`,;)\]}]|\Z)"
)
_KEY_NAME = re.compile(r"(?:^|[_.\-])key$", re.IGNORECASE)  # key, api-key, SECRET_KEY
_COUNTING_NAME = re.compile(
    r"(?:count|limit|len|length|budget|size|max|min|used|path|file|dir|name|type|field|url"
    r"|header|prefix|timeout|expiry|ttl|env|var)s?$",
    re.IGNORECASE,
)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*+(?:\.[A-Za-z_][A-Za-z0-9_]*+)*+")
_NUMBER = re.compile(r"[+\-]?[0-9_]++(?:\.[0-9_]*+)?(?:[eE][+\-]?[0-9]++)?")
# A long random-looking string a few characters after a secret-like word.
_NEAR_KEYWORD = re.compile(
    r"(?i:password|passwd|secret|token|api[_\-]?key|apikey|credential|auth|key)"
    r"[^\n]{0,24}?(?<=[\s=:'\"(\[,])(?P<secret>[A-Za-z0-9+/=_\-]{20,}+)(?![.\w])"
)


def mask_secrets(text: str) -> str:
    """`text` with every token-like string replaced by `<masked:KIND>`, lines kept.

    Known values first (this run's secret variables and `.env` values, wherever they
    appear), then the patterns. Every pattern runs in linear time (possessive quantifiers,
    bounded gaps), so a long hostile line costs what its length costs.
    """
    if not text:
        return text
    text = _mask_known_values(text)
    text = _PRIVATE_KEY.sub(_mask_key_block, text)
    lower = text.lower()
    for kind, pattern in _TOKENS:
        if any(needle in lower for needle in _NEEDLES.get(kind, ("",))):
            text = pattern.sub(_masker(kind), text)
    text = _AUTH_HEADER.sub(_mask_bearer, text)
    text = _BEARER.sub(_mask_bearer, text)
    text = _BASIC.sub(_mask_basic, text)
    text = _ASSIGNMENT.sub(_mask_assignment, text)
    text = _UNQUOTED.sub(_mask_unquoted, text)
    text = _QUOTED.sub(_mask_high_entropy, text)
    return _NEAR_KEYWORD.sub(_mask_high_entropy, text)


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
    if not _IS_KEYWORD.search(match["name"]) or _COUNTING_NAME.search(match["name"]):
        return match.group(0)  # password_field_name = "password1" names a field
    if MASK_MARKER.search(value) or _NOT_A_SECRET.fullmatch(value.strip()):
        return match.group(0)
    if _IS_KEYWORD.search(value) and not any(c.isdigit() for c in value):
        return match.group(0)  # TOKEN = "_password_reset_token": a name, not a value
    if len(value.split()) > 1 and "pass" not in match["name"].lower():
        return match.group(0)  # prose ("tokens used so far"), not a credential
    return _replace_group(match, "secret", _placeholder("credential"))


def _mask_high_entropy(match: re.Match[str]) -> str:
    value = match["secret"]
    if "." in value and _IDENTIFIER.fullmatch(value):
        return match.group(0)  # "django.contrib.auth.hashers.PBKDF2PasswordHasher": a path
    if _looks_random(value):
        return _replace_group(match, "secret", _placeholder("high-entropy"))
    return match.group(0)


def _looks_random(value: str) -> bool:
    steps = sum(ord(b) - ord(a) == 1 for a, b in pairwise(value))
    if steps * 2 > len(value):
        return False  # "abc...xyzABC...0123456789": an alphabet, in runs
    if _HEX.fullmatch(value):
        return len(value) >= 32 and _entropy(value) >= 3.0
    has_digit = any(c.isdigit() for c in value)
    has_upper = any(c.isupper() for c in value)
    has_lower = any(c.islower() for c in value)
    return has_digit and has_upper and has_lower and _entropy(value) >= 4.2


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _mask_bearer(match: re.Match[str]) -> str:
    value = match["secret"]
    if _NOT_A_SECRET.fullmatch(value) or (_IDENTIFIER.fullmatch(value) and "." in value):
        return match.group(0)  # YOUR_TOKEN, self.token: a placeholder or code, not a value
    if not any(c.isdigit() for c in value) and len(value) < 32:
        return match.group(0)  # "Bearer authentication", "token re-validation": prose
    return _replace_group(match, "secret", _placeholder("credential"))


def _mask_basic(match: re.Match[str]) -> str:
    value = match["secret"]
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        user_and_password = decoded.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return match.group(0)
    if ":" not in user_and_password or not user_and_password.isprintable():
        return match.group(0)  # "basic functionality" decodes to noise without a colon
    return _replace_group(match, "secret", _placeholder("credential"))


def _mask_unquoted(match: re.Match[str]) -> str:
    name, value = match["name"].strip("-"), match["secret"]
    if not (_IS_KEYWORD.search(name) or _KEY_NAME.search(name)) or _COUNTING_NAME.search(name):
        return match.group(0)
    if _looks_like_code_or_data(value):
        return match.group(0)
    return _replace_group(match, "secret", _placeholder("credential"))


def _looks_like_code_or_data(value: str) -> bool:
    """A name, an attribute, a number, a path, a URL, a placeholder: not a credential."""
    if MASK_MARKER.search(value) or _NOT_A_SECRET.fullmatch(value) or _NUMBER.fullmatch(value):
        return True
    if value.startswith(("/", "./", "../", "~/", "$", "%")) or "://" in value:
        return True
    if _IDENTIFIER.fullmatch(value):
        return "." in value or not any(c.isdigit() for c in value)
    return False


# --- values this run knows are secret --------------------------------------------------------

# Variables whose values are masked wherever they appear (gc-bot's own and the CI's tokens).
SECRET_VARIABLE = re.compile(
    r"TOKEN|SECRET|PASSW(?:OR)?D|PASSPHRASE|KEY|CREDENTIAL|AUTH|PRIVATE|COOKIE", re.IGNORECASE
)
MIN_VALUE_CHARS = 8  # a known value shorter than this is left (too likely to be ordinary text)
_TRIVIAL = frozenset(
    {"true", "false", "yes", "no", "on", "off", "none", "null", "nil", "debug", "info"}
    | {"warning", "error", "development", "production", "staging", "test", "testing", "local"}
    | {"localhost"}
)
_PLAIN = re.compile(r"[A-Za-z][a-z]*+(?:[ _.\-][A-Za-z][a-z]*+)*+")  # words, no digits
_HOST_PORT = re.compile(r"[A-Za-z0-9.\-]++:[0-9]++")
_URL_WITHOUT_USER = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*+://[^@\s]*+")
_SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", ".nox", "__pycache__"}
    | {".mypy_cache", ".ruff_cache", ".pytest_cache", "site-packages", "dist", "build", ".eggs"}
)
MAX_ENV_FILES = 200
MAX_ENV_FILE_BYTES = 1_000_000
_ENV_NAME = re.compile(r"\.env|\.envrc|\.flaskenv|\.env\..+|.+\.env")
_ENV_LINE = re.compile(
    r"[ \t]*+(?:export[ \t]++)?(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*+)[ \t]*+[=:][ \t]*+(?P<value>.*)"
)
_repository_values: frozenset[str] = frozenset()
_values_lock = threading.Lock()


def is_env_file(path: str) -> bool:
    """`.env`, `.env.local`, `prod.env`, `.envrc`, `.flaskenv`: files of `NAME=value` lines."""
    return bool(_ENV_NAME.fullmatch(path.replace("\\", "/").rsplit("/", 1)[-1].lower()))


def env_file_values(text: str) -> set[str]:
    """The values worth masking in one `.env`-like file (trivial ones are left, see module)."""
    values = set()
    for line in text.splitlines():
        match = _ENV_LINE.match(line)
        if match is None or line.lstrip().startswith("#"):
            continue
        value = _unquote(match["value"])
        if _worth_masking(match["name"], value):
            values.add(value)
    return values


def secret_variable_values(environ: Mapping[str, str] | None = None) -> set[str]:
    """The values of the secret-named variables in `environ` (default: this process's)."""
    environ = os.environ if environ is None else environ
    return {
        value
        for name, value in list(environ.items())
        if SECRET_VARIABLE.search(name) and _worth_masking(name, value.strip(), secret=True)
    }


def use_repository(root: Path, commit: str | None = None) -> int:
    """Read the values of the `.env`-like files under `root` (and those committed at `commit`,
    which a worktree of it holds) once for this run; from then on they are masked wherever
    they appear. Returns how many values that is (never the values)."""
    values: set[str] = set()
    for text in [*_env_file_texts(root), *_committed_env_files(root, commit)]:
        values |= env_file_values(text)
    global _repository_values
    with _values_lock:  # added to, never replaced: a later reader may know fewer files
        _repository_values |= values
    return len(values)


def _committed_env_files(root: Path, commit: str | None) -> list[str]:
    if commit is None:
        return []
    from gc_bot.git import Git

    git = Git(root)
    names = git.run("ls-tree", "-r", "-z", "--name-only", commit, check=False).split("\0")
    found = [name for name in names if name and is_env_file(name)][:MAX_ENV_FILES]
    blobs = (git.show(f"{commit}:{name}") for name in found)
    return [blob[:MAX_ENV_FILE_BYTES].decode("utf-8", "replace") for blob in blobs if blob]


def _env_file_texts(root: Path) -> list[str]:
    texts: list[str] = []
    for path in _files_named(root, lambda relative: is_env_file(relative.rpartition("/")[2])):
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_ENV_FILE_BYTES)
        except OSError:
            continue
        texts.append(data.decode("utf-8", "replace"))
    return texts


def secret_files(root: Path) -> list[Path]:
    """The files under `root` that hold credentials by their nature (`is_secret_file`)."""
    return _files_named(root, is_secret_file)


def _files_named(root: Path, wanted: Callable[[str], bool]) -> list[Path]:
    """Files under `root` whose path from it is `wanted`, at most MAX_ENV_FILES, tool folders
    skipped."""
    found: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.endswith(".egg-info"))
        relative = os.path.relpath(folder, root).replace(os.sep, "/")
        for name in sorted(names):
            path = name if relative == "." else f"{relative}/{name}"
            if wanted(path) and len(found) < MAX_ENV_FILES:
                found.append(Path(folder, name))
    return found


def _unquote(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] in "'\"" and raw[-1] == raw[0]:
        return raw[1:-1]
    if raw and raw[0] in "'\"":
        return raw[1:].split(raw[0], 1)[0]
    return raw.split(" #", 1)[0].strip()


def _worth_masking(name: str, value: str, *, secret: bool = False) -> bool:
    """Secret-named values of 6+ characters (8+ for a plain word); other values only when they
    look like data that could be one (not words, numbers, paths, hosts, plain URLs)."""
    if not value or "\n" in value or value.lower() in _TRIVIAL or _NOT_A_SECRET.fullmatch(value):
        return False
    if MASK_MARKER.search(value) or value in _placeholder("known-secret"):
        return False
    if value.startswith(("/", "./", "~/")):
        return False
    secret = secret or bool(
        SECRET_VARIABLE.search(name) or _IS_KEYWORD.search(name) or name.upper().endswith("DSN")
    )
    if secret:
        return len(value) >= (MIN_VALUE_CHARS if _PLAIN.fullmatch(value) else 6)
    if len(value) < MIN_VALUE_CHARS or _NUMBER.fullmatch(value) or _PLAIN.fullmatch(value):
        return False
    return not (_HOST_PORT.fullmatch(value) or _URL_WITHOUT_USER.fullmatch(value))


def known_values() -> frozenset[str]:
    """Every value masked wherever it appears: the repository's and the environment's."""
    return _repository_values | frozenset(secret_variable_values())


def _mask_known_values(text: str) -> str:
    forms = {form for value in known_values() for form in encoded_forms(value)}
    for form in sorted(forms, key=len, reverse=True):
        if form in text:  # str.replace: a linear scan per form, no regex
            text = text.replace(form, _placeholder("known-secret"))
    return text


@lru_cache(maxsize=4096)
def encoded_forms(value: str) -> tuple[str, ...]:
    """`value` as it is, and as it shows in base64 or hex output of any text that holds it.

    Code the model wrote runs under the test command and its failing output goes back to the
    model: a value printed encoded must be masked too. For base64 these are the groups fully
    inside the value at each of the three alignments (what any encoding of a longer text that
    contains the value holds), in the standard and URL-safe alphabets.
    """
    data = value.encode("utf-8")
    forms = {value, data.hex(), data.hex().upper()}
    for shift in range(3):
        core = data[shift : shift + 3 * ((len(data) - shift) // 3)]
        if len(core) >= 6:
            forms.add(base64.b64encode(core).decode())
            forms.add(base64.urlsafe_b64encode(core).decode())
    return tuple(form for form in forms if len(form) >= 6)
