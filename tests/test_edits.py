"""The agent's answer, parsed strictly and refused whole; secrets kept out of prompts."""

from __future__ import annotations

import json
import time

import pytest

from gc_bot.fix.edits import (
    ANSWER_SCHEMA,
    RESPONSE_FORMAT,
    RefusedAnswer,
    apply_answer,
    normalise_path,
    parse_answer,
)
from gc_bot.fix.secrets import is_secret_file, mask_secrets

FILES = {
    "pkg/mod.py": "import os\n\n\ndef f():\n    print('hi')\n    return 1\n",
    "pkg/b.py": "x = 1\n",
}


def answer(*edits: tuple[str, str, str], **extra) -> str:
    return json.dumps(
        {
            "summary": "Use the logger",
            "explanation": "Library code logs.",
            "edits": [{"path": p, "search": s, "replace": r} for p, s, r in edits],
            **extra,
        }
    )


def refused(content: str, files=FILES) -> str:
    with pytest.raises(RefusedAnswer) as error:
        apply_answer(parse_answer(content), files)
    return str(error.value)


def test_a_correct_answer_gives_the_changed_files():
    content = answer(("pkg/mod.py", "    print('hi')\n", "    log.info('hi')\n"))
    assert apply_answer(parse_answer(content), FILES) == {
        "pkg/mod.py": "import os\n\n\ndef f():\n    log.info('hi')\n    return 1\n"
    }


def test_edits_apply_in_order_each_to_the_text_left_by_the_ones_before():
    content = answer(
        ("pkg/mod.py", "print('hi')", "log.info('hi')"),
        ("pkg/mod.py", "log.info('hi')", "logger.info('hi')"),
        ("./pkg/b.py", "x = 1", "x = 2"),
    )
    new = apply_answer(parse_answer(content), FILES)
    assert "logger.info('hi')" in new["pkg/mod.py"] and new["pkg/b.py"] == "x = 2\n"


def test_the_schema_is_strict_for_structured_outputs():
    assert RESPONSE_FORMAT["json_schema"]["name"] == "gc_bot_fix"
    assert RESPONSE_FORMAT["json_schema"]["strict"] is True
    assert ANSWER_SCHEMA["additionalProperties"] is False
    assert set(ANSWER_SCHEMA["required"]) == {"summary", "explanation", "edits"}
    item = ANSWER_SCHEMA["properties"]["edits"]["items"]
    assert item["additionalProperties"] is False and set(item["required"]) == set(
        item["properties"]
    )


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("", "empty"),
        ("Sure! Here is the fix: replace print with log", "not valid JSON"),
        ('{"summary": "x", "explanation": "y", "edits": [', "not valid JSON"),
        ("[1, 2, 3]", "schema"),
        ('{"summary": "x", "explanation": "y"}', "schema"),
        ('{"summary": "x", "explanation": "y", "edits": {}}', "schema"),
        (answer(("pkg/mod.py", "print", "log"), extra="field"), "schema"),
        ('{"summary": 1, "explanation": "y", "edits": [{"path": "a", "search": "b"}]}', "schema"),
        (
            '{"summary": "x", "explanation": "y", "edits": '
            '[{"path": "pkg/b.py", "search": 1, "replace": "2"}]}',
            "schema",
        ),
        (
            '{"summary": "x", "summary": "z", "explanation": "y", "edits": '
            '[{"path": "pkg/b.py", "search": "x = 1", "replace": "x = 2"}]}',
            "duplicate key",
        ),
        (answer(), "schema"),  # no edits
    ],
)
def test_anything_but_the_exact_schema_is_refused(content, why):
    with pytest.raises(RefusedAnswer, match=why):
        parse_answer(content)


def test_a_json_object_in_one_code_fence_is_unwrapped():
    content = "```json\n" + answer(("pkg/b.py", "x = 1", "x = 2")) + "\n```"
    assert parse_answer(content).edits[0].replace == "x = 2"


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (("pkg/mod.py", "print('bye')", "log"), "not found"),
        (("pkg/mod.py", "    ", "\t"), "occurs 2 times"),
        (("pkg/b.py", "", "y = 2\n"), "empty"),
        (("pkg/other.py", "x", "y"), "not one of the files"),
        (("../escape.py", "x", "y"), "not a plain relative path"),
        (("pkg/../../escape.py", "x", "y"), "not a plain relative path"),
        (("/etc/passwd", "x", "y"), "not a plain relative path"),
        (("C:/Windows/x.py", "x", "y"), "not a plain relative path"),
        (("pkg\\b.py", "x", "y"), "not a plain relative path"),
        (("pkg/b.py\x00", "x", "y"), "not a plain relative path"),
        ((".git/config", "x", "y"), "protected"),
        (("pkg/.git/hooks/pre-commit", "x", "y"), "protected"),
        ((".github/workflows/x.yml", "x", "y"), "protected"),
        (("principles/no-print.yaml", "x", "y"), "protected"),
        (("pkg/b.py", "x = 1", 'x = "<masked:openai-key>"'), "placeholder"),
    ],
)
def test_one_bad_edit_refuses_the_whole_answer(edit, why):
    good = ("pkg/mod.py", "print('hi')", "log.info('hi')")
    files = dict(FILES)
    assert why in refused(answer(good, edit), files)
    assert files == FILES  # nothing applied, not even the good edit


def test_an_answer_that_changes_nothing_is_refused():
    assert "change nothing" in refused(answer(("pkg/b.py", "x = 1", "x = 1")))


def test_overlapping_occurrences_count_as_more_than_one():
    assert "occurs 2 times" in refused(answer(("a.py", "aa", "b")), {"a.py": "aaa\n"})


def test_a_search_that_quotes_a_masked_value_is_told_why_it_cannot_match():
    content = answer(("pkg/b.py", 'KEY = "<masked:openai-key>"', "KEY = None"))
    assert "masked value" in refused(content, {"pkg/b.py": 'KEY = "sk-real"\n'})


def test_edits_may_use_an_equivalent_spelling_of_an_allowed_path():
    new = apply_answer(parse_answer(answer(("pkg//./b.py", "x = 1", "x = 3"))), FILES)
    assert new == {"pkg/b.py": "x = 3\n"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("pkg/mod.py", "pkg/mod.py"),
        ("./pkg//mod.py", "pkg/mod.py"),
        ("../x.py", None),
        ("pkg/../x.py", None),
        ("/abs.py", None),
        ("//server/share.py", None),
        ("c:x.py", None),
        ("pkg\\..\\x.py", None),
        ("~/x.py", None),
        (" pkg/mod.py", None),
        ("", None),
        (".", None),
    ],
)
def test_normalise_path(path, expected):
    assert normalise_path(path) == expected


# --- secrets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        "app/.env",
        ".env.local",
        ".env.production",
        "deploy/prod.env",
        "certs/server.pem",
        "server.key",
        "id_rsa",
        "home/id_ed25519.pub",
        "store.p12",
        "credentials.json",
        "config/credentials-prod.json",
        "client_secret_123.json",
        ".netrc",
        ".pypirc",
        ".ssh/config",
        "config/secrets.yaml",
        "infra/prod.tfvars",
    ],
)
def test_secret_files_are_recognised(path):
    assert is_secret_file(path)


@pytest.mark.parametrize(
    "path", ["pkg/mod.py", "gc_bot/fix/secrets.py", "pkg/env.py", "keys.py", "README.md", "pem.py"]
)
def test_ordinary_files_are_not_secret(path):
    assert not is_secret_file(path)


SECRETS = {
    "openai": "sk-proj-Abcdefghijklmnopqrstuvwxyz0123456789",
    "github": "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB",
    "github-pat": "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv",
    "aws-id": "AKIAIOSFODNN7EXAMPLE",
    "aws-secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "slack": "xoxb-123456789012-1234567890123-abcdefghijABCDEFGHIJklmn",
    "google": "AIzaSyA-abcdefghijklmnopqrstuvwxyz01234",
    "stripe": "sk_live_0123456789abcdefghijklmn",
    "password": "hunter2-correct-horse",
    "url-password": "pa55w0rd",
    "entropy": "Zx8Qm2Lp9Rt4Vw7Ks1Nb6Hc3Jd5Fg0Ya",
    "key-body": "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
}

SOURCE = f'''"""Settings."""
import os

OPENAI_API_KEY = "{SECRETS["openai"]}"
GH = '{SECRETS["github"]}'
PAT = "{SECRETS["github-pat"]}"
aws_access_key_id = "{SECRETS["aws-id"]}"
aws_secret_access_key = "{SECRETS["aws-secret"]}"
SLACK = "{SECRETS["slack"]}"
GOOGLE = "{SECRETS["google"]}"
STRIPE = "{SECRETS["stripe"]}"
DB = {{"user": "bob", "password": "{SECRETS["password"]}"}}
URL = "postgres://bob:{SECRETS["url-password"]}@db.example.com/app"
SALT = "{SECRETS["entropy"]}"
PEM = """-----BEGIN RSA PRIVATE KEY-----
{SECRETS["key-body"]}
-----END RSA PRIVATE KEY-----
"""
HOME = os.environ["HOME"]
PASSWORD = os.environ.get("PASSWORD", "")
password_field = "PASSWORD"
tokens_used = "tokens used so far"
'''


def test_token_like_strings_are_masked_and_lines_kept():
    masked = mask_secrets(SOURCE)
    for name, value in SECRETS.items():
        assert value not in masked, name
    assert masked.count("\n") == SOURCE.count("\n")
    assert 'DB = {"user": "bob", "password": "<masked:credential>"}' in masked
    assert "postgres://bob:<masked:url-password>@db.example.com/app" in masked
    assert "-----BEGIN RSA PRIVATE KEY-----\n<masked:private-key>\n-----END" in masked
    for kept in (
        'HOME = os.environ["HOME"]',
        'PASSWORD = os.environ.get("PASSWORD", "")',
        'password_field = "PASSWORD"',
        'tokens_used = "tokens used so far"',
    ):
        assert kept in masked
    assert mask_secrets(masked) == masked


def test_ordinary_code_is_left_alone():
    code = (
        "import hashlib\n"
        "def digest(path: str, token_count: int = 0) -> str:\n"
        '    """Hash a file; see https://example.com/docs/path-to/page."""\n'
        "    key = (path, token_count)\n"
        '    return hashlib.sha256(path.encode()).hexdigest() + "gc_bot/fix/some_long_module.py"\n'
    )
    assert mask_secrets(code) == code


@pytest.mark.parametrize(
    "text",
    [
        "token_" * 20_000,
        "a" * 100_000,
        "password: " + "x, " * 30_000,
        '"' + "A1b2" * 20_000,
        "eyJ" * 30_000,
        "a:" * 50_000,
        "https://" + "a" * 50_000,
        "-----BEGIN RSA PRIVATE KEY-----\n" + "ab" * 50_000,
    ],
)
def test_masking_takes_linear_time_on_hostile_input(text):
    started = time.perf_counter()
    mask_secrets(text)
    assert time.perf_counter() - started < 1.5
