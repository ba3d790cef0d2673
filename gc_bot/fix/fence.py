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
  these works, the command runs with the network and gc-bot says so once, on stderr.
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


def run_fenced(
    command: str,
    cwd: Path,
    *,
    timeout: float,
    allowed_env: Collection[str] = (),
) -> Fenced:
    """Run the team's `command` (a shell line) in `cwd`, fenced as the module says."""
    prefix = network_cut_prefix()
    if prefix is None:
        _say_network_is_open()
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
