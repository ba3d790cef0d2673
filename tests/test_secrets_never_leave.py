"""Secrets never leave (issue 15, item 5): a real sweep, a real failing test command, the fake
OpenAI server on loopback with the real openai client, the real ledger branch.

Planted values are looked for everywhere gc-bot sends or stores text: the requests the server
received, the ledger records, the session logs, commit messages and the sweep's report.
"""

from __future__ import annotations

import base64
import gzip
import json
import time

import pytest

from gc_bot.fix.fence import hiding_prefix
from gc_bot.fix.secrets import (
    env_file_values,
    mask_secrets,
    secret_variable_values,
    use_repository,
)
from gc_bot.sweep import sweep
from tests.conftest import git
from tests.test_agent_bounds import GOOD_SWEEP_FIX
from tests.test_hostile_agent import TWO_PRINTS

pytest_plugins = ("tests.fake_openai",)

# Values no pattern would catch on its own: only knowing them masks them.
DOTENV_TOKEN = "quiet-orchid-5512-basalt"
COMMITTED_PASSWORD = "lantern_meadow_77"
ENV_TOKEN = "opaque.value.9931.kestrel"


def everything_stored(root) -> str:
    """The ledger branch's every file, session logs unzipped, and every commit message."""
    out = []
    for path in git(root, "ls-tree", "-r", "--name-only", "gc-bot/feedback").splitlines():
        data = git_bytes(root, f"gc-bot/feedback:{path}")
        out.append(gzip.decompress(data).decode() if path.endswith(".gz") else data.decode())
    out.append(git(root, "log", "--all", "--format=%B"))
    return "\n".join(out)


def git_bytes(root, spec: str) -> bytes:
    import subprocess

    return subprocess.run(["git", "show", spec], cwd=root, capture_output=True, check=True).stdout


def _fails_with(root, command: str, fake_openai) -> None:
    """The repository's test command is `command` (committed); the agent answers two fixes."""
    (root / "gc-bot.toml").write_text(f"max_attempts = 2\ntest_command = {json.dumps(command)}\n")
    git(root, "add", "gc-bot.toml")
    git(root, "commit", "-qm", "settings")
    fake_openai.answer(GOOD_SWEEP_FIX).answer(GOOD_SWEEP_FIX)


def test_dotenv_values_printed_by_a_failing_test_command_never_leave(repo, fake_openai):
    root = repo(
        {
            "pkg/__init__.py": "",
            "pkg/sync.py": TWO_PRINTS,
            "config/.env.test": f"DEBUG=true\nPORT=8000\nDB_PASSWORD={COMMITTED_PASSWORD}\n",
            ".gitignore": ".env\n",
        }
    )
    (root / ".env").write_text(f"export SERVICE_TOKEN='{DOTENV_TOKEN}'\nNAME=demo\n")
    command = f"cat config/.env.test {root / '.env'}; echo FAILED test_sync; exit 1"
    _fails_with(root, command, fake_openai)
    report = sweep(root)
    [o] = report.proposals
    assert o.status == "dropped"
    retry = fake_openai.requests[1].messages[-1]["content"]
    assert "FAILED test_sync" in retry  # the output was fed back ...
    assert "DB_PASSWORD=<masked:known-secret>" in retry  # ... without the values
    if hiding_prefix() is None:  # the checkout's .env is readable: its values are masked
        assert "SERVICE_TOKEN='<masked:known-secret>'" in retry
    else:  # it reads as empty for the test command
        assert "SERVICE_TOKEN" not in retry
    assert "DEBUG=true" in retry and "PORT=8000" in retry  # trivial values stay readable
    sent = fake_openai.raw_bodies()
    stored = everything_stored(root)
    shown = json.dumps(report.to_json())
    for value in (DOTENV_TOKEN, COMMITTED_PASSWORD):
        assert value not in sent and value not in stored and value not in shown
    assert "FAILED test_sync" in stored  # the dropped record's reason and the session are there


def test_a_bearer_token_in_a_comment_never_reaches_the_server_or_the_ledger(repo, fake_openai):
    token = "f3a9c2e17b4d4e0a9c55d2b8e6a1f0c3"
    basic = base64.b64encode(b"deploy:s3cr3t-pass").decode()
    code = (
        f'# curl -H "Authorization: Bearer {token}" https://api.example.com\n'
        f"# or: Authorization: Basic {basic}\n" + TWO_PRINTS
    )
    root = repo({"pkg/__init__.py": "", "pkg/sync.py": code})
    fake_openai.answer(GOOD_SWEEP_FIX)
    [o] = sweep(root).proposals
    assert o.status == "proposed", o.reason
    sent = fake_openai.raw_bodies()
    assert token not in sent and basic not in sent
    assert "Authorization: Bearer <masked:credential>" in sent
    ledger = git(root, "show", "gc-bot/feedback:feedback/ledger.jsonl")
    assert token not in ledger and basic not in ledger
    assert token in git(root, "show", f"{o.branch}:pkg/sync.py")  # the code itself is the team's


def test_tokens_from_the_environment_never_appear(repo, fake_openai, monkeypatch):
    monkeypatch.setenv("DEPLOY_TOKEN", ENV_TOKEN)
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_" + "Q" * 36)
    command = f"env; echo 'the deploy token was {ENV_TOKEN}'; exit 1"
    root = repo(
        {
            "pkg/__init__.py": "",
            "pkg/sync.py": f"# pasted by mistake: {ENV_TOKEN}\n" + TWO_PRINTS,
            "gc-bot.toml": f"max_attempts = 2\ntest_command = {json.dumps(command)}\n",
        }
    )
    fake_openai.answer(GOOD_SWEEP_FIX).answer(GOOD_SWEEP_FIX)
    report = sweep(root)
    [o] = report.proposals
    assert o.status == "dropped"
    sent, stored = fake_openai.raw_bodies(), everything_stored(root)
    for value in (ENV_TOKEN, "ghs_" + "Q" * 36, "test-key"):  # test-key: OPENAI_API_KEY
        assert value not in sent and value not in stored and value not in o.reason
    assert "the deploy token was <masked:known-secret>" in sent
    assert "DEPLOY_TOKEN" not in fake_openai.requests[1].messages[-1]["content"]  # env scrubbed


def test_the_explanation_in_a_commit_message_is_masked(repo, fake_openai):
    root = repo({"pkg/__init__.py": "", "pkg/sync.py": TWO_PRINTS, ".env": "API_KEY=zz81-rq3\n"})
    leaky = {**GOOD_SWEEP_FIX, "explanation": "Used the key zz81-rq3 to check; token=ab12cd34ef"}
    fake_openai.answer(leaky)
    [o] = sweep(root).proposals
    assert o.status == "proposed", o.reason
    message = git(root, "log", "-1", "--format=%B", o.branch)
    assert "Used the key <masked:known-secret> to check; token=<masked:credential>" in message


# --- the masker itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Authorization: Bearer abc.DEF-123_xyz", "Authorization: Bearer <masked:credential>"),
        ("-H 'Authorization: token 9f8e7d6c5b4a'", "-H 'Authorization: token <masked:credential>'"),
        ("api_key=AbC123xyz789QQ", "api_key=<masked:credential>"),
        ("password: hunter2isgood", "password: <masked:credential>"),
        ("--secret s3cr3t-v4lue", "--secret s3cr3t-v4lue"),  # no = or :, prose-like: left
        ("X-Api-Key: 9f8e7d6c5b4a39281706", "X-Api-Key: <masked:credential>"),
        ("?access_token=abcd1234efgh5678&x=1", "?access_token=<masked:credential>"),
        ("the token is Zx8Qm2Lp9Rt4Vw7Ks1Nb6Hc3Jd5Fg0Ya", "the token is <masked:high-entropy>"),
    ],
)
def test_credentials_without_quotes_are_masked(text, masked):
    assert mask_secrets(text) == masked
    assert mask_secrets(masked) == masked


@pytest.mark.parametrize(
    "code",
    [
        'headers = {"Authorization": f"Bearer {token}"}',
        'headers = {"Authorization": "Bearer " + self.token}',
        "Bearer authentication is described in RFC 6750",
        "the basic functionality stays",
        "token = get_token()",
        "self.token = self.token_store.lookup(name)",
        "max_tokens=16000000",
        "sorted(rows, key=operator.itemgetter)",
        "key=lambda item: item[0]",
        "secret_key: SecretStr",
        "password_file=/run/secrets/db",
        "token_url=https://auth.example.com/oauth/token",
        "API_TOKEN=${API_TOKEN}",
        'CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"',
        'HASHER = "django.contrib.auth.hashers.PBKDF2PasswordHasher"',
        'INTERNAL_RESET_SESSION_TOKEN = "_password_reset_token"',
        'password1_field_name="password1"',
        'token = "is not"',
    ],
)
def test_ordinary_code_near_secret_words_is_left_alone(code):
    assert mask_secrets(code) == code


def test_env_files_give_their_non_trivial_values():
    text = (
        "# settings\nDEBUG=true\nPORT=8000\nENV=production\nEMPTY=\n"
        "DJANGO_SETTINGS_MODULE=mysite.settings\nREDIS=redis://cache:6379/0\n"
        "SECRET_KEY='django-insecure-abc$%123'\nexport API_TOKEN=xyz789abc  # inline\n"
        "DATABASE_URL=postgres://bob:pw@db/app\nSMTP_PASSWORD=12345678\nOPAQUE=A9x7-pq22-ZZ19\n"
    )
    assert env_file_values(text) == {
        "django-insecure-abc$%123",
        "xyz789abc",
        "postgres://bob:pw@db/app",
        "12345678",
        "A9x7-pq22-ZZ19",
    }


def test_use_repository_reads_env_like_files_but_not_the_virtualenv(tmp_path):
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "prod.env").write_text("WEBHOOK_SECRET=w3bh00k-value\n")
    (tmp_path / ".envrc").write_text("export AWS_PROFILE_TOKEN=envrc-t0ken-1\n")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / ".env").write_text("VENV_SECRET=not-read-9911\n")
    assert use_repository(tmp_path) == 2
    assert mask_secrets("x w3bh00k-value envrc-t0ken-1 not-read-9911") == (
        "x <masked:known-secret> <masked:known-secret> not-read-9911"
    )


def test_secret_variables_are_known_by_name_and_length():
    environ = {
        "OPENAI_API_KEY": "sk-test-123456",
        "GC_BOT_TOKEN": "gcbot-t0ken",
        "MY_CREDENTIALS": "user:pw-1234",
        "SHORT_TOKEN": "abc",
        "SSH_AUTH_SOCK": "/tmp/ssh-x/agent.1",
        "HOME": "/home/someone-long",
        "GC_BOT_TEST_COMMAND": "pytest -q tests",
    }
    assert secret_variable_values(environ) == {"sk-test-123456", "gcbot-t0ken", "user:pw-1234"}


@pytest.mark.parametrize(
    "text",
    [
        "Bearer " * 100_000,
        "Authorization: " * 50_000,
        "Basic " + "QUFB" * 100_000,
        "token=" * 100_000,
        "a_key: " * 100_000,
        "key" * 300_000,
        "api_key=" + "a1" * 200_000 + "(",
        "token" + " " * 24 + "A1b2" * 100_000,
        "x" * 20 + "=" + "y" * 200_000 + "(",
    ],
)
def test_the_new_patterns_take_linear_time_on_hostile_input(text):
    started = time.perf_counter()
    mask_secrets(text)
    assert time.perf_counter() - started < 3  # quadratic would take minutes on these


def test_values_printed_encoded_by_code_under_test_are_masked_too(repo, fake_openai):
    root = repo({"pkg/__init__.py": "", "pkg/sync.py": TWO_PRINTS, ".gitignore": ".env\n"})
    (root / ".env").write_text(f"A=1\nSERVICE_TOKEN={DOTENV_TOKEN}\n")
    dump = (
        "import base64, sys; data = open(sys.argv[1], 'rb').read(); "
        "print(base64.b64encode(b'x' + data).decode()); print(data.hex())"
    )
    command = f"python -c {json.dumps(dump)} {root / '.env'}; exit 1"
    _fails_with(root, command, fake_openai)
    [o] = sweep(root).proposals
    retry = fake_openai.requests[1].messages[-1]["content"]
    stream, value = b"x" + (root / ".env").read_bytes(), DOTENV_TOKEN.encode()
    skip = -stream.index(value) % 3  # the value's first byte that starts a base64 group
    core = base64.b64encode(value[skip : skip + 3 * ((len(value) - skip) // 3)]).decode()
    if hiding_prefix() is None:  # the command could read the file: what it printed is masked
        assert retry.count("<masked:known-secret>") >= 2  # the base64 line and the hex line
        assert core in base64.b64encode(stream).decode()  # what the command printed holds it
    for sent in (fake_openai.raw_bodies(), everything_stored(root), o.reason):
        assert core not in sent and value.hex() not in sent


@pytest.mark.parametrize(
    "module",
    [TWO_PRINTS, "def settings():\n    return open('settings.ini').read()\n\n\n" + TWO_PRINTS],
    ids=["reads-no-files", "already-reads-a-file"],
)
def test_model_code_that_reads_the_env_file_is_refused_before_it_runs(repo, fake_openai, module):
    # A file that already reads one file may not start reading others either: no starter
    # principle's fix is about reading files.
    root = repo({"pkg/__init__.py": "", "pkg/sync.py": module, ".gitignore": ".env\n"})
    (root / ".env").write_text(f"SERVICE_TOKEN={DOTENV_TOKEN}\n")
    test = 'python -c "import pkg.sync as s; s.sync([1])"'
    (root / "gc-bot.toml").write_text(f"max_attempts = 1\ntest_command = {json.dumps(test)}\n")
    git(root, "add", "gc-bot.toml")
    git(root, "commit", "-qm", "settings")
    exfil = (  # fails with the .env reversed as its message: no masker knows that form
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n"
        'def sync(items):\n    logger.info("syncing")\n    logger.info("synced")\n'
        f"    raise SystemExit(open({str(root / '.env')!r}).read()[::-1])"
    )
    fake_openai.answer(
        {
            "summary": "Log instead of printing",
            "explanation": "Library code logs.",
            "edits": [
                {
                    "path": "pkg/sync.py",
                    "search": 'def sync(items):\n    print("syncing")\n    print("synced")',
                    "replace": exfil,
                }
            ],
        }
    )
    [o] = sweep(root).proposals
    assert o.status == "dropped"
    assert "pkg/sync.py: `open` (reading files)" in o.reason
    reversed_value = DOTENV_TOKEN[::-1]
    assert reversed_value not in fake_openai.raw_bodies() + everything_stored(root) + o.reason


def test_a_credential_file_printed_in_a_form_no_mask_knows_never_leaves(repo, fake_openai):
    """Model code may call a function the module already has that reads any path, and print
    what it read reversed: the checkout's credential files read as empty for the test command."""
    if hiding_prefix() is None:
        pytest.skip("no mount namespace here (gc-bot warns that credential files are readable)")
    root = repo({"pkg/__init__.py": "", "pkg/sync.py": TWO_PRINTS, ".gitignore": ".env\n"})
    (root / ".env").write_text(f"SERVICE_TOKEN={DOTENV_TOKEN}\n")
    (root / "deploy").mkdir()
    (root / "deploy" / "id_ed25519").write_text(f"KEY {COMMITTED_PASSWORD}\n")
    dump = "import sys; [print(open(p).read()[::-1]) for p in sys.argv[1:]]"
    files = f"{root / '.env'} {root / 'deploy' / 'id_ed25519'}"
    command = f"python -c {json.dumps(dump)} {files}; echo FAILED test_sync; exit 1"
    _fails_with(root, command, fake_openai)
    [o] = sweep(root).proposals
    retry = fake_openai.requests[1].messages[-1]["content"]
    assert "FAILED test_sync" in retry  # the command ran and its output came back
    for value in (DOTENV_TOKEN[::-1], COMMITTED_PASSWORD[::-1]):
        for sent in (fake_openai.raw_bodies(), everything_stored(root), o.reason):
            assert value not in sent
    assert DOTENV_TOKEN in (root / ".env").read_text()  # hidden from the command, not changed
