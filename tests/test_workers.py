"""The warm worker: a process forked when `gc-bot scan` is given a few files (a pre-commit run)
parses them while the main process loads everything else, and the main process never needs
libcst. Each case runs in a fresh single-threaded interpreter, as the command does: a fork
from pytest's threaded worker is what the scan itself refuses to do."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.conftest import make_repo, run_gc_bot
from tests.test_precommit import BODY


def _run_python(script: str, cwd: Path, *args: str) -> str:
    """What a fresh interpreter running `script` prints."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _python(script: str, cwd: Path) -> dict:
    return json.loads(_run_python(script, cwd).splitlines()[-1])


def _repo(tmp_path: Path) -> Path:
    return make_repo(
        tmp_path / "shop",
        {
            "shop/__init__.py": "",
            "shop/pricing.py": BODY.format(name="retail_total")
            + "\n\ndef f(x=[]):\n    return x\n",
            "shop/invoices.py": BODY.format(name="invoice_total"),
            "shop/_unused.py": "def _helper():\n    return 1\n",
        },
    )


def _scan_json(repo: Path, *args: str) -> list:
    done = run_gc_bot(repo, "scan", *args, "--format", "json", "--fail-on", "never")
    assert done.returncode == 0, done.stderr
    return [
        (f["path"], f["line"], f["principle"], f["message"])
        for f in json.loads(done.stdout)["findings"]
    ]


MAIN_PROCESS = """
import json, sys
from gc_bot.cli import main

sys.argv = ["gc-bot", "scan", *sys.argv[1:], "--format", "json", "--fail-on", "never"]
try:
    main()
except SystemExit:
    pass
print()
print(json.dumps({"libcst": "libcst" in sys.modules}))
"""


def _main_process(repo: Path, *args: str) -> tuple[list, bool]:
    """Findings of `gc-bot scan ARGS`, and whether its own process imported libcst."""
    report, _, tail = _run_python(MAIN_PROCESS, repo, *args).rpartition("\n\n")
    findings = [
        (f["path"], f["line"], f["principle"], f["message"]) for f in json.loads(report)["findings"]
    ]
    return findings, json.loads(tail)["libcst"]


def test_a_changed_file_is_parsed_beside_and_the_main_process_never_imports_libcst(tmp_path):
    repo = _repo(tmp_path)
    _scan_json(repo)  # the cache a developer has: every other file's facts
    pricing = repo / "shop/pricing.py"
    pricing.write_text(pricing.read_text() + "\n\ndef g(y={}):\n    return y\n")
    findings, imported = _main_process(repo, "shop/pricing.py")
    # The duplicate needs the changed file's fresh facts: it was parsed, in the worker.
    assert ("shop/pricing.py", 1, "no-duplicate-code") in [f[:3] for f in findings]
    assert imported is False
    pricing.write_text(pricing.read_text() + "\n\ndef h(z=set()):\n    return z\n")
    in_process, imported = _main_process(repo, "shop/pricing.py", "--jobs", "1")
    assert imported is True  # one process asked for: it parses itself
    assert in_process[: len(findings)] == findings


def test_findings_through_the_worker_are_those_parsed_in_process(tmp_path):
    repo = _repo(tmp_path)
    _scan_json(repo)
    pricing = repo / "shop/pricing.py"
    pricing.write_text(pricing.read_text() + "\n\ndef g(y={}):\n    return y\n")
    warm = _scan_json(repo, "shop/pricing.py")  # the worker parses the changed file
    assert warm == _scan_json(repo, "shop/pricing.py", "--no-cache")  # every file, in-process
    principles = {principle for _, _, principle, _ in warm}
    assert {"no-duplicate-code", "no-mutable-defaults"} <= principles


WORKER_SCRIPT = """
import json, os, signal, time
from gc_bot.scan.engine import CheckSpec, Job, analyze
from gc_bot.workers import WarmWorker

spec = CheckSpec("no-placeholders", "placeholder-code", {})
jobs = [Job("a.py", "def f():\\n    pass\\n", (spec,)), Job("b.py", "x = (\\n", (spec,))]
outcome = {}
"""


def test_the_worker_answers_each_job_as_the_engine_would(tmp_path):
    outcome = _python(
        WORKER_SCRIPT
        + """
worker = WarmWorker.fork()
outcome["same"] = worker.analyze(jobs) == [analyze(job) for job in jobs]
try:
    os.waitpid(worker.pid, os.WNOHANG)
    outcome["reaped"] = False
except ChildProcessError:
    outcome["reaped"] = True
print(json.dumps(outcome))
""",
        tmp_path,
    )
    assert outcome == {"same": True, "reaped": True}


def test_a_dead_worker_means_parsing_in_process_and_an_unused_one_is_killed(tmp_path):
    outcome = _python(
        WORKER_SCRIPT
        + """
dead = WarmWorker.fork()
os.kill(dead.pid, signal.SIGKILL)
outcome["dead"] = dead.analyze(jobs)
unused = WarmWorker.fork()
unused.close()
outcome["gone"] = not os.path.exists(f"/proc/{unused.pid}")
print(json.dumps(outcome))
""",
        tmp_path,
    )
    assert outcome == {"dead": None, "gone": True}


def test_a_worker_whose_parent_died_exits_on_its_own(tmp_path):
    """Killed mid-run (Ctrl-C, a CI timeout), gc-bot leaves no process behind."""
    pid = _python(
        """
        import json, os
        from gc_bot.workers import WarmWorker

        worker = WarmWorker.fork()
        print(json.dumps({"pid": worker.pid}))
        os._exit(0)
        """,
        tmp_path,
    )["pid"]
    deadline = time.monotonic() + 60
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/status").read_text(errors="replace")
        if "State:\tZ" in status:
            break  # exited; only the reaping by init is left
        time.sleep(0.1)
    alive = Path(f"/proc/{pid}/status")
    assert not alive.exists() or "State:\tZ" in alive.read_text(errors="replace")


def test_every_check_is_where_the_registry_says_and_cross_file_ones_need_no_libcst(tmp_path):
    where = _python(
        """
        import json
        from gc_bot.scan.checks import _REGISTRY, import_submodules

        import_submodules("gc_bot.scan.checks")
        print(json.dumps({name: c.__module__.rsplit(".", 1)[1] for name, c in _REGISTRY.items()}))
        """,
        tmp_path,
    )
    from gc_bot.scan.checks import BUILTIN_MODULES

    assert where == BUILTIN_MODULES
    # The main process imports the cross-file checks to combine their facts, and only those.
    outcome = _python(
        """
        import json, sys
        from gc_bot.scan.checks import get_check

        cross = [get_check(n).cross_file for n in ("duplicate-code", "dead-private-code", "placeholder-code")]
        print(json.dumps({"cross": cross, "libcst": "libcst" in sys.modules}))
        """,
        tmp_path,
    )
    assert outcome == {"cross": [True, True, True], "libcst": False}
