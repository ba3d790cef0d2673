"""The `gc-bot` command: it parses arguments and calls the stages, nothing more."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from gc_bot import __version__
from gc_bot.errors import GcBotError

_FOLDER = click.Path(exists=True, file_okay=False, path_type=Path)
_WARM_FILES = 16  # more named files than this are parsed by the engine's pool
_GROUP_REPO = "gc_bot_repo"  # `gc-bot feedback --repo X <command>`: X for the command too


def _repository(positional: bool = True) -> Callable:
    """`--repo PATH` on every command, and the positional ROOT where nothing else is positional.

    Both name the same thing (any folder of the repository), so they must agree when both given.
    """

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def run(*args: Any, repo: Path | None = None, **kwargs: Any) -> Any:
            given = kwargs.pop("root", None) if positional else None
            return command(*args, root=_one_root(given, repo), **kwargs)

        run = click.option("--repo", type=_FOLDER, help="The repository (default: here).")(run)
        if positional:
            run = click.argument("root", type=_FOLDER, required=False)(run)
        return run

    return decorate


def _one_root(*given: Path | None) -> Path:
    from_group = click.get_current_context().meta.get(_GROUP_REPO)
    named = [path for path in (*given, from_group) if path is not None]
    if len({path.resolve() for path in named}) > 1:
        raise click.UsageError(
            "ROOT and --repo name different folders: " + " and ".join(map(str, named))
        )
    return named[0] if named else Path(".")


ROOT = _repository()
REPO = _repository(positional=False)


def _fail(error: GcBotError) -> None:
    click.echo(f"gc-bot: {error}", err=True)
    sys.exit(error.exit_code)


@contextmanager
def _clear_errors():
    try:
        yield
    except GcBotError as error:
        _fail(error)


def _context(root: Path, flags: dict[str, Any] | None = None):
    """The repository's settings and the principles in force (its settings hold in every folder)."""
    from gc_bot.config import load_config
    from gc_bot.scan.files import git_toplevel
    from gc_bot.selection import principles_in_force

    top = git_toplevel(root) or root
    config = load_config(top, flags)
    return config, principles_in_force(top, config)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gc-bot")
def main() -> None:
    """gc-bot: garbage-collects the slop in a Python repository against its golden principles."""
    from gc_bot import log

    log.setup()


@main.command()
@REPO
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text"
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info", "never"]),
    default="error",
    show_default=True,
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Processes for the libcst checks (default: all cores).",
)
@click.option("--shard", help="Report only a stable I/N share of the files, e.g. 2/4.")
@click.option("--no-cache", is_flag=True, help="Ignore and do not write the cache.")
@click.option(
    "--principles", "principles_dir", help="Folder of principle files (replaces the starter set)."
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here."
)
@click.option(
    "--agent",
    "use_agent",
    is_flag=True,
    help="Check prose principles (detect: agent) with the configured agent.",
)
def scan(
    root: Path,
    paths: tuple[Path, ...],
    fmt: str,
    fail_on: str,
    jobs: int | None,
    shard: str | None,
    no_cache: bool,
    principles_dir: str | None,
    output: Path | None,
    use_agent: bool,
) -> None:
    """Report where a folder (default: here), or the given files, diverge from the principles.

    Given files (as pre-commit passes them), only they are reported on, with the facts about
    every other file (for duplicates, dead code, layers) from the cache.
    """
    from gc_bot.workers import warm_worker

    # A few named files (a pre-commit run) are parsed by a worker forked now, before the
    # imports below: it imports libcst while this process loads everything else.
    few_files = 0 < len(paths) <= _WARM_FILES and not any(p.is_dir() for p in paths)
    with warm_worker(few_files and jobs != 1 and not no_cache), _clear_errors():
        from gc_bot.report import render
        from gc_bot.scan import Shard
        from gc_bot.scan import scan as run_scan
        from gc_bot.scan.target import scan_target

        try:
            shard_spec = Shard.parse(shard) if shard else None
        except ValueError as error:
            raise click.UsageError(str(error)) from None
        root, only = scan_target(paths) if paths else (root, None)
        config, selection = _context(root, {"principles": principles_dir})
        principles = selection.active
        reviewer = _reviewer(config) if use_agent else None
        with _progress(fmt == "text") as progress:
            result = run_scan(
                root,
                principles,
                exclude=config.exclude,
                jobs=jobs,
                shard=shard_spec,
                use_cache=not no_cache,
                only=only,
                progress=progress,
                agent=reviewer,
            )
        report = render(result, principles, fmt)
        if output:
            output.write_text(report + "\n", encoding="utf-8")
        else:
            click.echo(report)
    if fail_on != "never" and result.at_or_above(fail_on):
        sys.exit(1)


def _reviewer(config: Any) -> Any:
    from gc_bot.scan.agent_review import reviewer_for

    return reviewer_for(config)


@contextmanager
def _progress(wanted: bool):
    if not (wanted and sys.stderr.isatty()):
        yield None
        return
    from rich.progress import Progress

    with Progress(
        transient=True, console=__import__("rich.console").console.Console(stderr=True)
    ) as bar:

        def start(total: int) -> Callable[[], None]:
            task = bar.add_task("scanning", total=total)
            return lambda: bar.advance(task)

        yield start


@main.group()
def principles() -> None:
    """List and test the golden principles."""


@principles.command("list")
@ROOT
def principles_list(root: Path) -> None:
    """Show the principles that apply to ROOT."""
    from gc_bot.scan.kinds import describe

    with _clear_errors():
        _, selection = _context(root)
    found = selection.loaded
    click.echo(f"{len(selection.active)} of {len(found)} principles on, from {found.source}")
    for p in found:
        active = selection.active.get(p.id)
        severity = active.severity if active else "off"
        detect = describe(p.detect)
        click.echo(f"  {p.id:<24} {severity:<8} fix: {'/'.join(p.fix):<14} {detect}")
        click.echo(f"  {'':<24} {p.title}")
        for note in filter(None, [selection.off.get(p.id), selection.severity.get(p.id)]):
            click.echo(f"  {'':<24} {note}")


@principles.command("test")
@ROOT
def principles_test(root: Path) -> None:
    """Run every principle's examples: each bad one must be flagged, each good one must not."""
    from gc_bot.examples import run_examples

    with _clear_errors():
        config, selection = _context(root)
        outcomes = run_examples(selection.loaded, _reviewer(config))
    failed = [o for o in outcomes if not o.passed]
    unchecked = [o for o in outcomes if not o.checked]
    for o in outcomes:
        mark = "FAIL" if not o.passed else "ok  " if o.checked else "skip"
        click.echo(f"{mark} {o.principle} example {o.index + 1} ({o.kind}): {o.detail}")
    more = f", {len(unchecked)} not checked (no agent)" if unchecked else ""
    passed = len(outcomes) - len(failed) - len(unchecked)
    click.echo(f"{passed} passed, {len(failed)} failed{more}")
    sys.exit(1 if failed else 0)


@principles.command("new")
@click.argument("principle_id", metavar="ID")
@ROOT
@click.option("--kind", type=click.Choice(["pattern", "check", "agent"]), required=True)
def principles_new(principle_id: str, root: Path, kind: str) -> None:
    """Write a principle of KIND (and, for a check, its module) with examples to fill in."""
    from gc_bot.scaffold import new_principle
    from gc_bot.scan.files import git_toplevel

    with _clear_errors():
        config, _ = _context(root)
        top = git_toplevel(root) or root
        done = new_principle(top, principle_id, kind, config.principles)
    if done.copied_starters:
        click.echo("copied the starter principles in first (a principles folder replaces them)")
    for path in done.written:
        click.echo(f"wrote {path}")
    click.echo("fill in the TODOs and the examples, then: gc-bot principles test")


@main.command("config")
@ROOT
def show_config(root: Path) -> None:
    """Print each effective setting and where it came from, and what it turns off."""
    from gc_bot.config import KEYS

    with _clear_errors():
        config, selection = _context(root)
    for key in KEYS:
        click.echo(f"{key} = {getattr(config.settings, key)!r}  ({config.sources[key]})")
    click.echo(
        f"agent = {'on' if config.agent_enabled() else 'off'}  (OPENAI_API_KEY / OPENAI_BASE_URL)"
    )
    click.echo(
        f"principles in force: {len(selection.active)} of {len(selection.loaded)}"
        f"  ({selection.loaded.source})"
    )
    for principle_id, why in selection.off.items():
        click.echo(f"  off: {principle_id}: {why}")
    for principle_id, change in selection.severity.items():
        click.echo(f"  severity: {principle_id}: {change}")
    _show_ruff_decisions(root, selection.active)


def _show_ruff_decisions(root: Path, principles) -> None:
    from gc_bot.scan.decisions import ruff_decisions
    from gc_bot.scan.files import git_toplevel

    lines = ruff_decisions(git_toplevel(root) or root, principles)
    click.echo(
        "the repository's ruff settings turn off: "
        + ("nothing gc-bot checks" if not lines else "(they hide findings, never add any)")
    )
    for line in lines:
        click.echo(f"  {line}")


@main.command()
@ROOT
@click.option(
    "--forge",
    type=click.Choice(["local", "github"]),
    help="Where proposals go (default: github when GITHUB_REPOSITORY and a token are set, else local).",
)
@click.option("--base", help="Branch or commit to fix from (default: the current branch's HEAD).")
@click.option(
    "--max-prs", type=click.IntRange(min=0), help="Cap on proposals pending at once (default 5)."
)
@click.option(
    "--dry-run", is_flag=True, help="Show the proposals and their diffs; create no branches."
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--findings",
    "findings_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Plan from this scan JSON of the base (e.g. gc-bot merge of shards) instead of scanning.",
)
def sweep(
    root: Path,
    forge: str | None,
    base: str | None,
    max_prs: int | None,
    dry_run: bool,
    fmt: str,
    findings_file: Path | None,
) -> None:
    """Fix what diverges from the principles, as small validated proposals."""
    import json

    from gc_bot.sweep import sweep as run_sweep
    from gc_bot.sweep_report import render_text

    with _clear_errors():
        report = run_sweep(
            root,
            forge=forge,
            base=base,
            max_prs=max_prs,
            dry_run=dry_run,
            findings_file=findings_file,
        )
    click.echo(json.dumps(report.to_json(), indent=2) if fmt == "json" else render_text(report))
    sys.exit(1 if report.failed else 0)


@main.group(invoke_without_command=True)
@click.option("--repo", "root", type=_FOLDER, help="The repository (default: here).")
@click.pass_context
def feedback(ctx: click.Context, root: Path | None) -> None:
    """Decide on proposals and see what the bot has learnt."""
    if root is not None:
        ctx.meta[_GROUP_REPO] = root
    if ctx.invoked_subcommand is not None:
        return
    root = root or Path(".")
    from gc_bot.feedback.decide import Store, proposal_rows

    with _clear_errors():
        store = Store.open(root)
    click.echo(store.source.describe())
    counts: dict[str, int] = {}
    for row in proposal_rows(store):
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    click.echo(
        ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no proposals yet"
    )
    click.echo(ctx.get_help().split("Commands:", 1)[-1].join(["commands:", ""]))


def _decide(root: Path, proposal: str, verdict: str, reason: str | None) -> None:
    from gc_bot.feedback.decide import Store, decide

    with _clear_errors():
        record = decide(Store.open(root), proposal, verdict, reason)
    word = "approved" if verdict == "up" else "rejected"
    click.echo(f"{word} {record['id']} ({record['principle']})")
    if record.get("restored"):
        click.echo(record["restored"])
    if verdict == "up" and record["exists"]:
        click.echo(f"merge it when you are ready: git merge {record['branch']}")
    elif verdict == "up":
        click.echo(f"its branch {record['branch']} is gone (merged or deleted); nothing to merge")
    elif record.get("kept"):
        click.echo(f"recorded; {record['kept']}")
    else:
        click.echo(
            f"deleted branch {record['branch']}; it will not be proposed again while its code is unchanged"
        )


@feedback.command()
@click.argument("proposal")
@click.option(
    "--reason", help="Why; shown to the agent next time as an example of what this team wants."
)
@REPO
def approve(proposal: str, reason: str | None, root: Path) -> None:
    """Record a thumbs-up for PROPOSAL (an id or a branch); merging stays yours."""
    _decide(root, proposal, "up", reason)


@feedback.command()
@click.argument("proposal")
@click.option("--reason", help="Why; the agent is told to avoid this next time.")
@click.option(
    "--only",
    "spots",
    multiple=True,
    metavar="PATH[:LINE]",
    help="Reject only the findings there (path from the repository's top); release the rest.",
)
@REPO
def reject(proposal: str, reason: str | None, spots: tuple[str, ...], root: Path) -> None:
    """Record a thumbs-down for PROPOSAL and delete its branch."""
    if spots:
        _reject_only(root, proposal, list(spots), reason)
    else:
        _decide(root, proposal, "down", reason)


def _reject_only(root: Path, proposal: str, spots: list[str], reason: str | None) -> None:
    from gc_bot.feedback.decide import Store
    from gc_bot.feedback.partial import reject_only

    with _clear_errors():
        done = reject_only(Store.open(root), proposal, spots, reason)
    click.echo(
        f"rejected {len(done.rejected)} finding(s) of {done.proposal['id']} "
        f"({done.proposal['principle']}); {len(done.released)} released for the next sweep"
    )
    click.echo(done.kept or f"deleted branch {done.proposal['branch']}")


@feedback.command()
@ROOT
def sync(root: Path) -> None:
    """Record what people said on gc-bot's GitHub pull requests (the sweep does this first)."""
    from gc_bot.feedback.github_sync import run_sync

    with _clear_errors():
        forge, result = run_sync(root)
    click.echo(f"synced {forge.describe()}")
    click.echo(
        f"{len(result.recorded)} new record(s); {result.ignored} signal(s) from people "
        "without write access ignored"
    )
    for branch in result.deleted_branches:
        click.echo(f"deleted branch {branch}")


@feedback.command()
@click.argument("principle")
@REPO
def resume(principle: str, root: Path) -> None:
    """Lift the pause on PRINCIPLE; only later decisions count towards pausing it again."""
    from gc_bot.feedback.decide import Store
    from gc_bot.feedback.decide import resume as do_resume

    with _clear_errors():
        store = Store.open(root)
        row = store.stats().get(principle)
        if row is not None and not row.paused:
            click.echo(f"{principle} is not paused; nothing to resume")
            return
        do_resume(store, principle)
    click.echo(f"resumed {principle}")


@feedback.command("list")
@ROOT
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def feedback_list(root: Path, fmt: str) -> None:
    """Every proposal and its latest verdict."""
    import json

    from gc_bot.feedback.decide import Store, proposal_rows

    with _clear_errors():
        store = Store.open(root)
        rows = proposal_rows(store)
    if fmt == "json":
        click.echo(json.dumps({"proposals": rows, "ledger": store.source.describe()}, indent=2))
        return
    for row in rows:
        reason = f"  ({row['reason']})" if row["reason"] else ""
        click.echo(
            f"{row['id']}  {row['status']:<9} {row['principle']:<24} {row['branch']}{reason}"
        )
    if not rows:
        click.echo("no proposals yet: run gc-bot sweep")
    click.echo(store.source.describe())


@feedback.command()
@ROOT
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def stats(root: Path, fmt: str) -> None:
    """Per principle: proposed, accepted, rejected, pending, acceptance rate, paused."""
    import json

    from gc_bot.feedback.decide import Store

    with _clear_errors():
        store = Store.open(root)
        table = store.stats()
    rows = [table[p].to_json() for p in sorted(table)]
    if fmt == "json":
        click.echo(json.dumps({"principles": rows, "ledger": store.source.describe()}, indent=2))
        return
    click.echo(
        f"{'principle':<26}{'proposed':>9}{'accepted':>9}{'rejected':>9}{'pending':>8}{'rate':>7}  paused"
    )
    for r in rows:
        rate = "-" if r["acceptance_rate"] is None else f"{r['acceptance_rate']:.0%}"
        click.echo(
            f"{r['principle']:<26}{r['proposed']:>9}{r['accepted']:>9}{r['rejected']:>9}{r['pending']:>8}{rate:>7}  "
            f"{'PAUSED' if r['paused'] else ''}"
        )
    click.echo(store.source.describe())


@feedback.command()
@click.argument("proposal")
@REPO
def show(proposal: str, root: Path) -> None:
    """A proposal, its decisions, and what the agent did."""
    from gc_bot.feedback.decide import Store
    from gc_bot.feedback.session_view import render_proposal

    with _clear_errors():
        store = Store.open(root)
        click.echo(render_proposal(store, store.find(proposal)))


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def demo(fmt: str) -> None:
    """Sweep a bundled sloppy example in a temporary repository (no API key needed)."""
    import json

    from gc_bot.demo import make_demo_repo
    from gc_bot.sweep import sweep as run_sweep
    from gc_bot.sweep_report import render_text

    with _clear_errors():
        root = make_demo_repo()
        report = run_sweep(root)
    if fmt == "json":
        click.echo(json.dumps({"repository": str(root), **report.to_json()}, indent=2))
        return
    click.echo(f"gc-bot demo: a sloppy example app in {root}\n")
    click.echo(render_text(report))
    branches = [o.branch for o in report.proposals if o.status == "proposed"]
    if branches:
        click.echo("\nlook at what it proposes:")
        click.echo(f"  cd {root}")
        click.echo("  git branch --list 'gc-bot/*'")
        click.echo(f"  git log -p -1 {branches[0]}")
        click.echo("then decide, and sweep again:")
        click.echo(f"  gc-bot feedback reject {report.proposals[0].id} --reason 'why not'")
        click.echo("  gc-bot feedback stats")


@main.command()
@click.argument("principle")
@REPO
def learn(principle: str, root: Path) -> None:
    """Propose better guidance for PRINCIPLE from what people accepted and rejected (needs an agent)."""
    from gc_bot.feedback.learn import learn as run_learn

    with _clear_errors():
        result = run_learn(root, principle)
    click.echo(
        f"proposed on {result.branch} ({result.tokens} tokens); it passes gc-bot principles test"
    )
    click.echo(result.diff)
    click.echo(f"look: git log -p -1 {result.branch}; merge it to adopt the new guidance")


@main.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite the files that exist already.")
def init(path: Path, force: bool) -> None:
    """Set up gc-bot in PATH: starter principles, the weekly workflows, a config table."""
    from gc_bot.setup.init import next_steps, plan_init, write_plan

    with _clear_errors():
        plan = plan_init(path)
    if plan.existing and not force:
        click.echo("gc-bot init: these exist already; nothing was written:", err=True)
        for existing in plan.existing:
            click.echo(f"  {existing}", err=True)
        click.echo("look at them, then run gc-bot init --force to overwrite them", err=True)
        sys.exit(1)
    written = write_plan(plan)
    click.echo(f"gc-bot init: wrote {len(written)} files in {path.resolve()}")
    for kept in plan.kept:
        click.echo(f"  kept {kept} as it is")
    click.echo(next_steps(plan))


@main.command()
@ROOT
@click.option("--format", "fmt", type=click.Choice(["markdown", "html"]), default="markdown")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here."
)
@click.option(
    "--findings",
    "findings_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A scan's JSON (e.g. gc-bot merge of shards) instead of scanning ROOT.",
)
def report(root: Path, fmt: str, output: Path | None, findings_file: Path | None) -> None:
    """Grades per package, trends, acceptance, pauses and open proposals, from the ledger."""
    from gc_bot.report.collect import collect_overview

    with _clear_errors():
        overview = collect_overview(root, findings_file)
    if fmt == "html":
        from gc_bot.report.html import render_html

        text = render_html(overview)
    else:
        from gc_bot.report.markdown import render_markdown

        text = render_markdown(overview)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the result here."
)
def merge(files: tuple[Path, ...], output: Path | None) -> None:
    """Merge the JSON of `gc-bot scan --shard I/N --format json` runs into one scan result."""
    import json

    from gc_bot.scan.merge import merge_scans

    with _clear_errors():
        text = json.dumps(merge_scans(list(files)), indent=2)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)
