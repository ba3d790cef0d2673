"""`detect: pattern`: ast-grep rules from the principle's YAML, every file parsed once for all.

The rule object is ast-grep's own (what goes under `rule:` in its YAML), with its optional
`constraints`, `utils` and `transform`. gc-bot checks the keys itself, so that a typo gets the
line it is on, then lets ast-grep compile the rule; a pattern that does not parse as Python is
refused too, since ast-grep would silently match nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ast_grep_py import SgNode

    from gc_bot.principles import Detect

Problem = tuple[tuple[str | int, ...], str]
LANGUAGE = "python"
EXPANDO = "µ"  # what ast-grep puts for `$` in a Python pattern before parsing it
METAVARIABLE = re.compile(r"\$\$\$([A-Z_][A-Z0-9_]*)|\$([A-Z_][A-Z0-9_]*)")
_ATOMIC = {"pattern", "kind", "regex", "nthChild", "range"}
_RELATIONAL = {"inside", "has", "precedes", "follows"}
_COMPOSITE = {"all", "any", "not", "matches"}
_RULE_KEYS = _ATOMIC | _RELATIONAL | _COMPOSITE
_RELATION_KEYS = _RULE_KEYS | {"stopBy", "field"}
_PATTERN_OBJECT_KEYS = {"context", "selector", "strictness"}


@dataclass(frozen=True)
class PatternSpec:
    """One principle's rule, as sent to a scan worker (plain data, picklable)."""

    principle: str
    config: dict[str, Any]
    message: str


def rule_config(detect: Detect) -> dict[str, Any]:
    """ast-grep's config object for a principle's `detect`."""
    rule = {"pattern": detect.pattern} if isinstance(detect.pattern, str) else detect.pattern
    config: dict[str, Any] = {"rule": rule}
    for key in ("constraints", "utils", "transform"):
        if getattr(detect, key):
            config[key] = getattr(detect, key)
    return config


def run_patterns(text: str, specs: tuple[PatternSpec, ...]) -> dict[str, list[list]]:
    """Hits per principle; the file is parsed once for all of them."""
    root = _parse(text)
    hits: dict[str, list[list]] = {}
    for spec in specs:
        found = [[*span(node), spec.message] for node in root.find_all(spec.config)]
        if found:
            hits[spec.principle] = found
    return hits


def span(node: SgNode) -> tuple[int, int, int, int]:
    """1-based line, column, end line, end column."""
    where = node.range()
    return where.start.line + 1, where.start.column + 1, where.end.line + 1, where.end.column + 1


def _parse(text: str) -> SgNode:
    from ast_grep_py import SgRoot

    return SgRoot(text, LANGUAGE).root()


# --- validation ----------------------------------------------------------------------------------


def rule_problems(detect: Detect) -> list[Problem]:
    """What is wrong with a principle's rule, each problem at its place under `detect`."""
    rule = detect.pattern
    if isinstance(rule, str):
        problems = _pattern_problems(rule, ("detect", "pattern"))
    else:
        problems = _rule_problems(rule, ("detect", "pattern"), _RULE_KEYS)
    for key in ("constraints", "utils"):
        for name, sub in getattr(detect, key).items():
            problems += _rule_problems(sub, ("detect", key, name), _RULE_KEYS)
    if problems:
        return problems
    problem = _compile_problem(rule_config(detect))
    if problem:
        return [(("detect", "pattern"), problem)]
    return _rewrite_problems(detect)


def _rule_problems(rule: Any, loc: tuple[str | int, ...], allowed: set[str]) -> list[Problem]:
    if not isinstance(rule, Mapping):
        return [(loc, "a rule is a mapping of ast-grep rule keys")]
    problems: list[Problem] = []
    for key, value in rule.items():
        where = (*loc, key)
        if key not in allowed:
            problems.append(
                (where, f"unknown rule key {key!r} (known: {', '.join(sorted(allowed))})")
            )
        elif key == "pattern":
            problems += _pattern_value_problems(value, where)
        elif key in _RELATIONAL or key == "not":
            problems += _rule_problems(value, where, _RELATION_KEYS if key != "not" else _RULE_KEYS)
        elif key in ("all", "any"):
            if not isinstance(value, list):
                problems.append((where, f"{key} takes a list of rules"))
                continue
            for index, sub in enumerate(value):
                problems += _rule_problems(sub, (*where, index), _RULE_KEYS)
        elif key == "stopBy" and isinstance(value, Mapping):
            problems += _rule_problems(value, where, _RULE_KEYS)
    return problems


def _pattern_value_problems(value: Any, loc: tuple[str | int, ...]) -> list[Problem]:
    if isinstance(value, str):
        return _pattern_problems(value, loc)
    if not isinstance(value, Mapping):
        return [(loc, "a pattern is a string or {context, selector, strictness}")]
    unknown = sorted(set(value) - _PATTERN_OBJECT_KEYS)
    if unknown:
        return [((*loc, unknown[0]), f"unknown pattern key {unknown[0]!r}")]
    if not isinstance(value.get("context"), str):
        return [(loc, "a pattern object needs its `context` code")]
    return _pattern_problems(value["context"], (*loc, "context"))


def _pattern_problems(pattern: str, loc: tuple[str | int, ...]) -> list[Problem]:
    if not pattern.strip():
        return [(loc, "empty pattern")]
    error = _parse(pattern.replace("$", EXPANDO)).find(kind="ERROR")
    if error is None:
        return []
    line, column, _, _ = span(error)
    return [(loc, f"pattern {pattern!r} is not Python (at line {line}, column {column})")]


def _compile_problem(config: dict[str, Any]) -> str | None:
    try:
        _parse("").find_all(config)
    except Exception as error:  # ast-grep reports a bad rule as a bare Exception/RuntimeError
        return _ast_grep_reason(str(error))
    return None


def _ast_grep_reason(text: str) -> str:
    """ast-grep's error without its Rust backtrace: the causes, joined."""
    text = text.split("Stack backtrace:")[0]
    lines = [re.sub(r"^\s*\d+:\s*", "", line).strip() for line in text.splitlines()]
    useful = [line for line in lines if line and line not in ("cannot get matcher", "Caused by:")]
    return "ast-grep: " + " ".join(useful)


def _rewrite_problems(detect: Detect) -> list[Problem]:
    if detect.rewrite is None:
        return []
    known = metavariables(detect)
    missing = sorted({m[0] or m[1] for m in METAVARIABLE.findall(detect.rewrite)} - known)
    if not missing:
        return []
    names = ", ".join(f"${name}" for name in missing)
    return [(("detect", "rewrite"), f"rewrite uses {names}, which the rule does not capture")]


def metavariables(detect: Detect) -> set[str]:
    """Names the rule captures (in any of its patterns) and the transform defines."""
    names = {
        m[0] or m[1]
        for text in _pattern_texts(rule_config(detect))
        for m in METAVARIABLE.findall(text)
    }
    return names | set(detect.transform)


def _pattern_texts(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, sub in value.items():
            if key in ("pattern", "context") and isinstance(sub, str):
                yield sub
            else:
                yield from _pattern_texts(sub)
    elif isinstance(value, list):
        for sub in value:
            yield from _pattern_texts(sub)
