"""The fence around the team's test command: the one thing gc-bot runs on a proposed change.

The command is the team's own configuration (never anything a model wrote), but it runs the
changed code, so it runs fenced:

- a scrubbed environment: no variable that looks like a credential (`OPENAI_*`, `GITHUB_TOKEN`,
  `GH_TOKEN`, `GC_BOT_*`, `ACTIONS_*`, anything with TOKEN, SECRET, PASSWORD, KEY, CREDENTIAL
  or AUTH in its name), except those the team lists in `test_env`;
- its own process group (a new session), killed whole on the wall-clock limit and when gc-bot
  itself exits (atexit, and SIGTERM when gc-bot runs in the foreground);
- no network where the platform allows it: a new, empty network namespace through util-linux
  `unshare` (`--net` as root, `--map-current-user --net` or `-rn` otherwise). Where none of
  these works, the command runs with the network and gc-bot says so once, on stderr;
- no credential files: in a mount namespace of its own, the files that hold credentials by
  their nature (`secrets.is_secret_file`: `.env`, key files...) in the repository's checkout,
  and the home folder's credential stores (`~/.netrc`, `~/.aws`, `~/.ssh`, `~/.config/gh`...),
  read as empty. The changed code could otherwise read one through a function the module
  already has, and print it in a form no masking knows (reversed, say) for the failure report
  that goes back to the model. Where no mount namespace can be made, gc-bot says so once.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)

_SECRET_NAME = re.compile(
    r"TOKEN|SECRET|PASSW(?:OR)?D|KEY|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE|^OPENAI_|^GITHUB_TOKEN$"
    r"|^GH_|^GC_BOT_|^ACTIONS_|^ACTIONS_ID_TOKEN|^AWS_|^AZURE_|^GOOGLE_APPLICATION_CREDENTIALS$",
    re.IGNORECASE,
)
MAX_OUTPUT_BYTES = 64_000
_RUNNING: set[int] = set()  # process groups of test commands still running
_RUNNING_LOCK = threading.Lock()


@dataclass(frozen=True)
class Fenced:
    returncode: int | None  # None: killed at the time limit
    output: str  # stdout and stderr, interleaved as they came
    seconds_limit: float
    network_cut: bool

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


def scrubbed_env(
    environ: Mapping[str, str] | None = None, allowed: Collection[str] = ()
) -> dict[str, str]:
    """`environ` without anything credential-like, except the names in `allowed`."""
    environ = os.environ if environ is None else environ
    keep = set(allowed)
    return {k: v for k, v in environ.items() if k in keep or not _SECRET_NAME.search(k)}


@cache
def network_cut_prefix() -> tuple[str, ...] | None:
    """The command prefix that runs a program without network, or None where none works."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    candidates = [[unshare, "--net"]] if os.geteuid() == 0 else []
    candidates += [[unshare, "--map-current-user", "--net"], [unshare, "-rn"]]
    for prefix in candidates:
        try:
            done = subprocess.run([*prefix, "true"], capture_output=True, timeout=10, check=False)
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0:
            return tuple(prefix)
    return None


# Home-folder credential stores hidden from the test command (those that exist).
_HOME_SECRETS = (
    ".netrc",
    "_netrc",
    ".pgpass",
    ".pypirc",
    ".npmrc",
    ".git-credentials",
    ".dockercfg",
    ".ssh",
    ".aws",
    ".azure",
    ".gnupg",
    ".docker",
    ".kube",
    ".config/gh",
    ".config/hub",
    ".config/gcloud",
    ".terraform.d",
)
# Run inside the mount namespace: each path ($3...) reads as empty, then the command ($1) runs,
# through $2 (for a user who is not root: a nested user namespace that maps them back to
# themselves, so that the suite never runs as root).
_HIDE = """cmd=$1; back=$2; shift 2
for p do
  if [ -d "$p" ]; then mount -t tmpfs -o size=4k,mode=0700 hidden "$p"; else mount --bind /dev/null "$p"; fi \\
    || { echo "gc-bot: could not hide $p from the test command" >&2; exit 125; }
done
exec $back /bin/sh -c "$cmd"
"""


@cache
def hiding_prefix() -> tuple[tuple[str, ...], str] | None:
    """The command prefix that gives a program no network and a mount namespace of its own
    (to hide files in), and what maps the user back inside it; None where that cannot be had."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    if os.geteuid() == 0:
        prefix, back = (unshare, "--mount", "--net"), ""
    else:
        prefix = (unshare, "--map-root-user", "--mount", "--net")
        back = f"{unshare} --user --map-user={os.geteuid()} --map-group={os.getegid()}"
    with tempfile.NamedTemporaryFile(prefix="gc-bot-probe-") as probe:
        probe.write(b"visible")
        probe.flush()
        test = f"! test -s {probe.name} && test $(id -u) = {os.geteuid()}"
        try:
            done = subprocess.run(
                [*prefix, "/bin/sh", "-c", _HIDE, "sh", test, back, probe.name],
                capture_output=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
    return (prefix, back) if done.returncode == 0 else None


@cache
def _checkout_secrets(checkout: Path) -> tuple[Path, ...]:
    """Walked once per run, not once per attempt of every proposal."""
    from gc_bot.fix.secrets import secret_files

    return tuple(secret_files(checkout))


def files_to_hide(worktree: Path, home: str | None = None) -> list[Path]:
    """The credential files a test command run in `worktree` (a worktree of the checkout)
    must not read: those in the checkout itself, and the home folder's stores."""
    found: list[Path] = []
    done = subprocess.run(
        ["git", "-C", str(worktree), "rev-parse", "--path-format=absolute", "--git-common-dir"],
        capture_output=True,
        text=True,
        check=False,
    )
    common = Path(done.stdout.strip()) if done.returncode == 0 else None
    if common is not None and common.name == ".git" and common.parent != worktree:
        found += _checkout_secrets(common.parent)
    home = os.environ.get("HOME") if home is None else home
    if home:
        found += [Path(home, name) for name in _HOME_SECRETS]
    return [path for path in found if path.exists()]  # a dangling link cannot be mounted over


def run_fenced(
    command: str,
    cwd: Path,
    *,
    timeout: float,
    allowed_env: Collection[str] = (),
    hide: Collection[Path] = (),
) -> Fenced:
    """Run the team's `command` (a shell line) in `cwd`, fenced as the module says; the files
    in `hide` read as empty where a mount namespace can be had."""
    hiding = hiding_prefix() if hide else None
    if hide and hiding is None:
        _say_files_are_visible()
    prefix = hiding[0] if hiding else network_cut_prefix()
    if prefix is None:
        _say_network_is_open()
    if hiding:
        argv = [*hiding[0], "/bin/sh", "-c", _HIDE, "sh", command, hiding[1], *map(str, hide)]
    else:
        argv = [*(prefix or ()), "/bin/sh", "-c", command]
    with tempfile.TemporaryFile() as sink:  # a file, not a pipe: a chatty suite cannot fill memory
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=scrubbed_env(allowed=allowed_env),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: one kill ends all it started
        )
        with _RUNNING_LOCK:
            _RUNNING.add(process.pid)
        try:
            code: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process.pid)
            process.wait()
            code = None
        finally:
            _kill_group(process.pid)  # what it left running in the background goes too
            with _RUNNING_LOCK:
                _RUNNING.discard(process.pid)
        text = _tail(sink)
    return Fenced(code, text, timeout, prefix is not None)


def _tail(sink: IO[bytes]) -> str:
    """The end of the output (where a failure is reported), at most `MAX_OUTPUT_BYTES`."""
    size = sink.seek(0, os.SEEK_END)
    sink.seek(max(0, size - MAX_OUTPUT_BYTES))
    data = sink.read()
    skipped = f"[... {size - len(data)} bytes of output left out ...]\n" if size > len(data) else ""
    return skipped + data.decode("utf-8", "replace")


@cache
def _say_files_are_visible() -> None:
    logger.warning(
        "gc-bot: the test command can read the checkout's credential files (.env, keys) and "
        "those in your home folder: no mount namespace is available here (util-linux "
        "`unshare --mount` failed or is missing); what it prints is still masked"
    )


@cache
def _say_network_is_open() -> None:
    logger.warning(
        "gc-bot: the test command runs WITH network access: no network namespace is available "
        "here (util-linux `unshare --net` / `unshare -rn` failed or is missing)"
    )


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _kill_all() -> None:
    with _RUNNING_LOCK:
        groups = set(_RUNNING)
    for pgid in groups | _own_group_leaders():
        _kill_group(pgid)


def _own_group_leaders() -> set[int]:
    """Children of this process that lead a process group of their own: test commands (nothing
    else in gc-bot starts a new session), including one started a moment ago whose pid is not
    in `_RUNNING` yet (a SIGTERM in that moment would otherwise miss it). Linux `/proc` only."""
    me, found = os.getpid(), set()
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return found
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        ppid, pgrp = int(fields[1]), int(fields[2])
        if ppid == me and pgrp == int(entry):
            found.add(pgrp)
    return found


def _on_sigterm(signum: int, frame: object) -> None:
    _kill_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


atexit.register(_kill_all)
if threading.current_thread() is threading.main_thread():
    try:
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError):
        pass
