"""The scan itself: files -> ruff + libcst checks -> findings, with a cache and shards."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gc_bot.findings import Finding, fingerprint_all, merge_same_place, severity_rank, split_lines
from gc_bot.memory import no_cycle_collection
from gc_bot.principles import PathFilter, Principle, PrincipleSet
from gc_bot.scan.cache import (
    NoCache,
    ScanCache,
    cache_salt,
    content_digest,
    entry_key,
    open_cache,
)
from gc_bot.scan.decisions import Decisions
from gc_bot.scan.files import Skipped, Tree, discover, read_source
from gc_bot.scan.kinds import main_kind, team_dir
from gc_bot.scan.pattern import PatternSpec, rule_config
from gc_bot.scan.ruff import check_text, run_ruff
from gc_bot.scan.ruff_settings import CONFIG_NAMES, RuffSettings

if TYPE_CHECKING:
    from gc_bot.scan.agent_review import Reviewer
    from gc_bot.scan.engine import CheckSpec

JSON_VERSION = 1


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            index, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise ValueError(f"--shard takes I/N, e.g. 1/4, not {text!r}") from None
        if not 1 <= index <= count:
            raise ValueError(f"--shard {text}: I must be between 1 and N")
        return cls(index, count)

    def owns(self, path: str) -> bool:
        bucket = int(hashlib.sha1(path.encode()).hexdigest()[:8], 16) % self.count
        return bucket == self.index - 1


@dataclass
class ScanResult:
    root: Path  # the repository's top level: every path is relative to it
    findings: list[Finding]
    skipped: list[Skipped]
    stats: dict[str, Any] = field(default_factory=dict)
    # What the scan read, to rescan a few changed files against (`scan(..., snapshot=)`).
    snapshot: Snapshot | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": JSON_VERSION,
            "findings": [f.to_json() for f in self.findings],
            "skipped": [s.to_json() for s in self.skipped],
            "stats": self.stats,
        }

    def at_or_above(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if severity_rank(f.severity) >= severity_rank(severity)]


@dataclass
class _File:
    path: str  # relative to the scan root
    repo_path: str  # relative to the git top level, for globs
    key: str
    source: Path  # the folder `path` is read from, when its text is needed
    excluded: bool = False  # by the repository-wide `exclude`: facts only, never findings
    entry: dict[str, Any] | None = None
    content: tuple[bytes, str] | None = None  # read on first use: an unchanged file never is

    @property
    def data(self) -> bytes:
        return self._read()[0]

    @property
    def text(self) -> str:
        return self._read()[1]

    def _read(self) -> tuple[bytes, str]:
        if self.content is None:
            read = read_source(self.source, self.path)
            self.content = read if isinstance(read, tuple) else (b"", "")
        return self.content


@dataclass(frozen=True)
class Snapshot:
    """Every file of a scanned tree with its entry: a rescan reads only the files it is told
    changed (a proposal's) and takes every other file's facts from here."""

    salt: str
    files: tuple[_File, ...]
    skipped: tuple[Skipped, ...]  # files that could not be read
    tree_files: int
    ruff: RuffSettings  # the tree's ruff settings, read for every folder


# gc-bot: ignore[small-functions]  (the public entry point: every option is keyword-only)
def scan(
    root: Path,
    principles: PrincipleSet,
    *,
    exclude: Iterable[str] = (),
    jobs: int | None = None,
    shard: Shard | None = None,
    use_cache: bool = True,
    only: set[str] | None = None,
    progress: Callable[[int], Callable[[], None]] | None = None,
    agent: Reviewer | None = None,
    snapshot: Snapshot | bool = False,
) -> ScanResult:
    """Scan `root` against `principles`; `only` limits the reported files, never the facts read.

    A subfolder of a repository is scanned like a shard: findings under it, facts from every
    file of the repository, paths relative to its top level. `snapshot=True` keeps what was
    read in the result; a Snapshot given back rescans only the `only` files of `root` (a
    worktree of the same commit, perhaps a sparse one) against it.
    """
    started = time.perf_counter()
    salt = cache_salt(principles.digest, team_dir(principles.source))
    cache = open_cache() if use_cache else NoCache()
    try:
        with no_cycle_collection():
            if isinstance(snapshot, Snapshot):
                if snapshot.salt != salt or only is None:
                    raise ValueError("a rescan needs a snapshot of the same principles, and files")
                return _rescan(root.resolve(), principles, snapshot, only, cache, started)
            return _scan(
                root.resolve(),
                principles,
                _Options(exclude, shard, only, agent, bool(snapshot), jobs, progress),
                salt,
                cache,
                started,
            )
    finally:
        cache.close()


@dataclass(frozen=True)
class _Options:
    exclude: Iterable[str]
    shard: Shard | None
    only: set[str] | None
    agent: Reviewer | None
    keep: bool  # keep a snapshot in the result
    jobs: int | None  # None: every core
    progress: Callable[[int], Callable[[], None]] | None


def _scan(root: Path, principles: PrincipleSet, o: _Options, salt: str, cache, started):
    root, folder, tree = _repository(root)
    files, skipped = _read(tree, o.exclude, salt, cache)

    def reported(f: _File) -> bool:
        in_shard = o.shard is None or o.shard.owns(f.path)
        wanted = f.path.startswith(folder) and (o.only is None or f.path in o.only)
        return not f.excluded and in_shard and wanted

    decisions = Decisions.for_repository(root, principles)
    memo = remembered = None
    if o.agent is None and not o.keep:
        shard = [o.shard.index, o.shard.count] if o.shard else None
        memo = _result_key(salt, root, [folder, shard, o.only], files, skipped, decisions.ruff)
        remembered = cache.result(memo)
    if remembered is not None:
        findings, problems = _from_memo(remembered)
        fresh = 0
        _, review_stats = _agent_review(principles, [], reported, None)
    else:
        fresh = _fill_entries(root, principles, files, reported, cache, (o.jobs, o.progress))
        reviewed, review_stats = _agent_review(principles, files, reported, o.agent)
        findings, problems = _collect(principles, files, reported, decisions, reviewed)
        if memo is not None and not any("failures" in f.entry for f in files):
            cache.put_result(memo, _to_memo(findings, problems))
    result = _result(
        root,
        folder,
        tree,
        files,
        skipped,
        problems,
        findings,
        fresh,
        review_stats,
        principles,
        started,
    )
    if o.keep:
        ruff = decisions.ruff
        for f in files:  # every folder's settings read now, while the tree is there
            ruff.config_for(f.repo_path)
        result.snapshot = Snapshot(salt, tuple(files), tuple(skipped), len(tree.files), ruff)
    return result


def _rescan(root: Path, principles: PrincipleSet, snap: Snapshot, only: set[str], cache, started):
    """The snapshot's files, those in `only` read again from `root`; findings in those only."""
    files: list[_File] = []
    skipped = [s for s in snap.skipped if s.path not in only]
    for old in snap.files:
        if old.path not in only:
            files.append(old)
            continue
        read = read_source(root, old.path)
        if isinstance(read, Skipped):
            skipped += [] if old.excluded else [read]
        elif read is not None:
            key = entry_key(snap.salt, old.repo_path, content_digest(read[0]))
            f = _File(old.path, old.repo_path, key, root, old.excluded, content=read)
            if key == old.key and not old.entry.get("partial"):
                f.entry = old.entry
            files.append(f)

    def reported(f: _File) -> bool:
        return not f.excluded and f.path in only

    fresh = _fill_entries(root, principles, files, reported, cache, (1, None))
    decisions = Decisions(snap.ruff)
    findings, problems = _collect(principles, files, reported, decisions, [])
    return ScanResult(
        root,
        sorted(findings),
        sorted(skipped + problems),
        {
            "files": snap.tree_files,
            "scanned": sum(1 for f in files if not f.excluded),
            "parsed": fresh,
            "cached": len(files) - fresh,
            "skipped": len(skipped + problems),
            "findings": len(findings),
            "principles": len(principles),
            "seconds": round(time.perf_counter() - started, 3),
        },
    )


def _result(
    root, folder, tree, files, skipped, problems, findings, fresh, review_stats, principles, started
) -> ScanResult:
    skipped = [s for s in skipped + problems if s.path.startswith(folder)]
    stats = {
        "files": sum(1 for path in tree.files if path.startswith(folder)),
        "scanned": sum(1 for f in files if not f.excluded and f.path.startswith(folder)),
        "parsed": fresh,
        "cached": len(files) - fresh,
        "skipped": len(skipped),
        "findings": len(findings),
        "principles": len(principles),
        **review_stats,
        "seconds": round(time.perf_counter() - started, 3),
    }
    return ScanResult(root, sorted(findings), sorted(skipped), stats)


def _result_key(salt: str, root: Path, scope: list, files: list[_File], skipped, ruff) -> str:
    """A whole scan's result depends on this and nothing else: every file read (path, content
    key, excluded), what could not be read, the scope, and the ruff settings over the files."""
    payload = [
        salt,
        str(root),
        [scope[0], scope[1], sorted(scope[2]) if scope[2] is not None else None],
        [[f.path, f.key, f.excluded] for f in files],
        [[s.path, s.reason] for s in skipped],
        _settings_signature(root, ruff, files),
    ]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def _settings_signature(root: Path, ruff: RuffSettings, files: list[_File]) -> list:
    """Each folder's ruff configuration files (stat), and what the settings make of them."""
    folders = {""}
    for f in files:
        folder = f.repo_path.rpartition("/")[0]
        while folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    signature = []
    for folder in sorted(folders):
        found = []
        for name in CONFIG_NAMES:
            try:
                info = os.stat(os.path.join(root, folder, name))
            except OSError:
                continue
            found.append([name, info.st_size, info.st_mtime_ns, info.st_ino])
        if found:  # what the settings read there, `extend` chains folded in
            found.append(repr(ruff.config_for(f"{folder}/_" if folder else "_")))
            signature.append([folder, found])
    return signature


def _to_memo(findings: list[Finding], problems: list[Skipped]) -> dict[str, Any]:
    return {
        "findings": [f.to_json() for f in findings],
        "problems": [[s.path, s.reason] for s in problems],
    }


def _from_memo(value: dict[str, Any]) -> tuple[list[Finding], list[Skipped]]:
    from gc_bot.scan.merge import finding_from_json

    findings = [finding_from_json(f) for f in value["findings"]]
    return findings, [Skipped(path, reason) for path, reason in value["problems"]]


def _repository(root: Path) -> tuple[Path, str, Tree]:
    """The repository's top level, the scanned folder in it ("" or "sub/dir/"), all its files."""
    tree = discover(root)
    if not tree.prefix:
        return root, "", tree
    top = root
    for _ in tree.prefix.strip("/").split("/"):
        top = top.parent
    return top, tree.prefix, discover(top)


# Files modified this recently are read again next time: a second write within the clock's
# granularity would leave size and times as they were ("racily clean", as git calls it).
_RACY_NS = 2_000_000_000


def _read(tree: Tree, exclude: Iterable[str], salt: str, cache: ScanCache):
    """Every file with its cache key; a file whose stat signature is the one recorded last time
    is not read (its content digest is recorded with it)."""
    repo_exclude = PathFilter.build(list(exclude), []) if exclude else None
    where = str(tree.root.resolve())
    known = cache.file_stats(where)
    seen: dict[str, list] = {}
    recent = time.time_ns() - _RACY_NS
    files: list[_File] = []
    skipped: list[Skipped] = []
    for path in tree.files:
        repo_path = tree.repo_path(path)
        # An excluded file is never reported on, but what it uses still counts for cross-file
        # checks: a helper called only from an excluded script is not dead.
        excluded = bool(repo_exclude and repo_exclude.include.match_file(repo_path))
        signature = _signature(tree.root / path)
        old = known.get(repo_path)
        if signature is not None and old is not None and old[:4] == signature:
            seen[repo_path] = old
            key = entry_key(salt, repo_path, old[4])
            files.append(_File(path, repo_path, key, tree.root, excluded))
            continue
        read = read_source(tree.root, path)
        if read is None:
            continue
        if isinstance(read, Skipped):
            skipped += [] if excluded else [read]
            continue
        digest = content_digest(read[0])
        if signature is not None and signature[1] < recent:
            seen[repo_path] = [*signature, digest]
        key = entry_key(salt, repo_path, digest)
        files.append(_File(path, repo_path, key, tree.root, excluded, content=read))
    if seen != known:
        cache.put_file_stats(where, seen)
    return files, skipped


def _signature(path: Path) -> list[int] | None:
    """Size, modification time, inode and change time of a regular file (not a symlink)."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns]


def _fill_entries(root, principles, files: list[_File], reported, cache: ScanCache, workers) -> int:
    """Each file's entry from the cache, else from ruff and the libcst checks; how many were parsed."""
    hits = cache.get_many(f.key for f in files if f.entry is None)
    for f in files:
        if f.entry is not None:
            continue
        entry = hits.get(f.key)
        usable = entry is not None and (reported(f) or "facts" in entry)
        if usable and not (reported(f) and entry.get("partial")):
            f.entry = entry
    todo = [f for f in files if f.entry is None]
    fresh = _analyze(root, principles, todo, reported, *workers)
    # A check that failed on a file is tried again next time, not remembered as fine.
    cache.put_many(
        {f.key: f.entry for f in todo if f.entry is not None and "failures" not in f.entry}
    )
    return fresh


def _agent_review(
    principles: PrincipleSet, files: list[_File], reported, reviewer: Reviewer | None
) -> tuple[list[Finding], dict[str, Any]]:
    """Findings of the prose principles, and what the review did; without an agent, none."""
    prose = [p for p in principles if p.detect.agent]
    if not prose:
        return [], {}
    if reviewer is None:
        return [], {"not_checked": [{"principle": p.id, "reason": "no agent"} for p in prose]}
    from gc_bot.scan.agent_review import ReviewFile, ReviewStats

    stats = ReviewStats()
    targets = [
        ReviewFile(f.path, f.repo_path, f.text)
        for f in files
        if reported(f) and "error" not in f.entry
    ]
    found = reviewer.review(prose, targets, stats)
    review = stats.to_json()
    not_checked = review.pop("not_checked")
    return found, {"review": review, **({"not_checked": not_checked} if not_checked else {})}


def _collect(
    principles: PrincipleSet,
    files: list[_File],
    reported,
    decisions: Decisions,
    reviewed: list[Finding],
) -> tuple[list[Finding], list[Skipped]]:
    """Findings from the entries and the agent's review (the team's decisions honoured, merged,
    fingerprinted) and problems."""
    findings: list[Finding] = list(reviewed)
    skipped: list[Skipped] = []
    for f in files:
        if "error" in f.entry:
            skipped += [] if f.excluded else [Skipped(f.path, f.entry["error"])]
        elif reported(f):
            findings += _file_findings(principles, f)
            skipped += [Skipped(f.path, failure) for failure in f.entry.get("failures", ())]
    findings += _cross_file_findings(
        principles, [f for f in files if "error" not in f.entry], reported
    )
    with_findings = {finding.path for finding in findings}
    lines_of = {f.path: split_lines(f.text) for f in files if f.path in with_findings}
    findings = [f for f in findings if decisions.keeps(f, lines_of[f.path])]
    return fingerprint_all(merge_same_place(findings), lines_of), skipped


def _specs(principles: PrincipleSet, repo_path: str, full: bool) -> tuple[CheckSpec, ...]:
    """Every principle's check for this file; where the file is not reported on or the principle
    does not apply, only for its facts (the worker runs it only if it is a cross-file check)."""
    from gc_bot.scan.engine import CheckSpec

    team = team_dir(principles.source)
    return tuple(
        CheckSpec(
            p.id,
            p.detect.check,
            p.detect.options,
            team,
            only_for_facts=not (full and p.applies_to(repo_path)),
        )
        for p in principles
        if p.detect.check is not None
    )


def _patterns(principles: PrincipleSet, repo_path: str) -> tuple[PatternSpec, ...]:
    return tuple(
        PatternSpec(p.id, rule_config(p.detect), p.title)
        for p in principles
        if p.detect.pattern is not None and p.applies_to(repo_path)
    )


def _analyze(root, principles, todo: list[_File], reported, workers: int | None, progress) -> int:
    """Fill in `entry` for each file in `todo`; ruff runs beside the libcst pool."""
    if not todo:
        return 0
    from gc_bot.scan.engine import Job, analyze_all
    from gc_bot.workers import usable_cores

    workers = workers or usable_cores()
    codes = principles.ruff_codes()
    for_ruff = [f for f in todo if reported(f)]
    utf8 = [f.path for f in for_ruff if _is_utf8(f.data)]
    with ThreadPoolExecutor(max_workers=1) as background:
        ruff_future = background.submit(run_ruff, root, utf8, codes)
        other_futures = [
            background.submit(check_text, root, f.path, f.text, codes)
            for f in for_ruff
            if not _is_utf8(f.data)
        ]
        jobs = [
            Job(
                f.repo_path,
                f.text,
                _specs(principles, f.repo_path, reported(f)),
                _patterns(principles, f.repo_path) if reported(f) else (),
            )
            for f in todo
        ]
        done = progress(len(jobs)) if progress else None
        by_repo_path = {f.repo_path: f for f in todo}
        for job, result in analyze_all(jobs, workers, done):
            f = by_repo_path[job.path]
            f.entry = result if reported(f) else {**result, "partial": True}
            if reported(f):
                f.entry.setdefault("ruff", [])
        ruff_by_path: dict[str, list] = defaultdict(list)
        crashed: dict[str, str] = {}
        for future in [ruff_future, *other_futures]:
            run = future.result()
            crashed.update(run.crashed)
            for hit in run.hits:
                ruff_by_path[hit.path].append(hit.to_json())
    for f in todo:
        if "ruff" in f.entry:
            f.entry["ruff"] = ruff_by_path.get(f.path, [])
        if f.path in crashed and "error" in f.entry:
            f.entry["error"] += f"; {crashed[f.path]}"
        elif f.path in crashed:  # listed among the skipped files, and tried again next time
            f.entry.setdefault("failures", []).append(crashed[f.path])
    return len(todo)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _file_findings(principles: PrincipleSet, f: _File) -> list[Finding]:
    found: list[Finding] = []
    applicable = [p for p in principles if p.applies_to(f.repo_path)]
    for p in applicable:
        kind = main_kind(p.detect)
        for line, column, end_line, end_column, message in f.entry["hits"].get(p.id, ()):
            found.append(
                _finding(
                    p,
                    f.path,
                    (line, column, end_line, end_column),
                    message,
                    kind.source,
                    p.detect.check or kind.name,
                )
            )
    quiet = f.entry.get("quiet", {})
    for code, line, column, end_line, end_column, message in f.entry.get("ruff", ()):
        for p in applicable:
            if code in p.detect.ruff and not any(a <= line <= b for a, b in quiet.get(p.id, ())):
                found.append(
                    _finding(
                        p,
                        f.path,
                        (line, column, end_line, end_column),
                        f"{code}: {message}",
                        "ruff",
                        code,
                    )
                )
    return found


def _cross_file_findings(principles: PrincipleSet, files: list[_File], reported) -> list[Finding]:
    from gc_bot.scan.checks import get_check, parse_options

    found: list[Finding] = []
    by_path = {f.path: f for f in files}
    team = team_dir(principles.source)
    with_facts = {principle for f in files for principle in f.entry.get("facts", ())}
    for p in principles:
        if p.detect.check is None or p.id not in with_facts:
            continue  # a check with no facts anywhere combines to nothing, and stays unimported
        check = get_check(p.detect.check, team)
        if not check.cross_file:
            continue
        facts = {f.path: f.entry["facts"][p.id] for f in files if p.id in f.entry.get("facts", {})}
        options = parse_options(p.detect.check, p.detect.options, team)
        if getattr(options, "layers", None) == []:  # duplicate-code: respect-layers' layers
            options = options.model_copy(update={"layers": _configured_layers(principles)})
        for path, hits in check.combine(facts, options).items():
            f = by_path.get(path)
            if f is None or not reported(f) or not p.applies_to(f.repo_path):
                continue
            for line, column, end_line, end_column, message in hits:
                found.append(
                    _finding(
                        p, path, (line, column, end_line, end_column), message, "libcst", check.name
                    )
                )
    return found


def _configured_layers(principles: PrincipleSet) -> list:
    """The layers the team wrote down for `respect-layers` (its check, whatever its id)."""
    for p in principles:
        if p.detect.check == "layer-boundaries" and p.detect.options.get("layers"):
            return list(p.detect.options["layers"])
    return []


def _finding(
    p: Principle, path: str, span: tuple[int, int, int, int], message: str, source: str, rule: str
) -> Finding:
    line, column, end_line, end_column = span
    return Finding(
        path=path,
        line=line,
        column=column,
        principle=p.id,
        end_line=max(end_line, line),
        end_column=end_column,
        message=message,
        severity=p.severity,
        source=source,
        rule=rule,
    )
