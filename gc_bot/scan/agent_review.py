"""`detect: agent`: prose principles, each file in their paths reviewed by the agent.

One request per (principle, file), answered under the strict schema `gc_bot_review`. The model
is untrusted: every citation is checked against the text that was sent (the path, the lines,
the quote after whitespace normalisation) and the rest are dropped and counted. Verified
results are cached by file content, principle digest and model, so an unchanged file costs
nothing the next time; the run's token budget caps what is sent; files that may hold secrets
are never sent, and everything sent is masked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from gc_bot.findings import Finding, split_lines
from gc_bot.fix.agent import AgentFixer, TokenBudget, code_listing, render
from gc_bot.fix.secrets import is_secret_file, mask_secrets, use_repository
from gc_bot.scan.cache import NoCache, ScanCache
from gc_bot.state import cache_dir

if TYPE_CHECKING:
    from gc_bot.config import Config
    from gc_bot.principles import Principle

logger = logging.getLogger(__name__)
MAX_LINES = 2_000  # a larger file is listed as not checked rather than sent
MAX_CHARS = 120_000
SCHEMA_NAME = "gc_bot_review"
_CITATION = {
    "type": "object",
    "properties": {
        "path": {"type": "string"},
        "line": {"type": "integer"},
        "end_line": {"type": "integer"},
        "quote": {"type": "string"},
        "message": {"type": "string"},
    },
    "required": ["path", "line", "end_line", "quote", "message"],
    "additionalProperties": False,
}
REVIEW_FORMAT: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {
        "name": SCHEMA_NAME,
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"findings": {"type": "array", "items": _CITATION}},
            "required": ["findings"],
            "additionalProperties": False,
        },
    },
}


class Citation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    path: str
    line: int
    end_line: int
    quote: str
    message: str


class ReviewAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    findings: list[Citation]


@dataclass
class ReviewStats:
    """What one scan's agent review did; `not_checked` says which principle or file, and why."""

    sent: int = 0
    cached: int = 0
    kept: int = 0
    dropped: int = 0
    tokens: int = 0
    not_checked: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ReviewFile:
    path: str  # as findings report it
    repo_path: str  # for the principle's globs
    text: str


class Reviewer:
    """Reviews files against prose principles with the configured agent; thread-unsafe."""

    def __init__(self, *, model: str, budget: TokenBudget, client: AgentFixer | None = None):
        self.model = model
        self.budget = budget
        self.client = client or AgentFixer(model=model, budget=budget)
        self.client.response_format = REVIEW_FORMAT  # its own client: the fixer's is untouched

    def review(
        self, principles: Iterable[Principle], files: list[ReviewFile], stats: ReviewStats
    ) -> list[Finding]:
        found: list[Finding] = []
        cache = _open_cache()
        try:
            for principle in principles:
                for f in files:
                    if principle.applies_to(f.repo_path):
                        found += self._one(principle, f, cache, stats)
        finally:
            cache.close()
        return found

    def _one(
        self, principle: Principle, f: ReviewFile, cache: ScanCache, stats: ReviewStats
    ) -> list[Finding]:
        reason = _refusal(f)
        if reason:
            stats.not_checked.append({"principle": principle.id, "path": f.path, "reason": reason})
            return []
        key = review_key(self.model, principle, f)
        hit = cache.get_many([key]).get(key)
        if hit is not None:
            stats.cached += 1
            kept = [Citation.model_validate(c) for c in hit["kept"]]
        elif self.budget.exhausted():
            stats.not_checked.append(
                {"principle": principle.id, "path": f.path, "reason": "token budget exhausted"}
            )
            return []
        else:
            kept = self._ask(principle, f, cache, key, stats)
            if kept is None:
                return []
        stats.kept += len(kept)
        lines = split_lines(f.text)
        return [_finding(principle, c, len(lines[c.end_line - 1]) + 1) for c in kept]

    def _ask(
        self, principle: Principle, f: ReviewFile, cache: ScanCache, key: str, stats: ReviewStats
    ) -> list[Citation] | None:
        import openai

        shown = mask_secrets(f.text)
        messages = [
            {"role": "system", "content": render("review_system.md.j2")},
            {"role": "user", "content": _request(principle, f.path, shown)},
        ]
        stats.sent += 1
        try:
            response = self.client.complete(messages)
        except openai.OpenAIError as error:
            reason = getattr(error, "reason", None) or f"API error: {type(error).__name__}"
            stats.not_checked.append({"principle": principle.id, "path": f.path, "reason": reason})
            return None
        content, tokens = _content_and_tokens(response, messages)
        self.budget.add(tokens)
        stats.tokens += tokens
        try:
            answer = ReviewAnswer.model_validate(json.loads(content))
        except (ValueError, ValidationError):
            reason = "the agent's answer did not fit the gc_bot_review schema"
            stats.not_checked.append({"principle": principle.id, "path": f.path, "reason": reason})
            return None
        kept = [c for c in answer.findings if verify(c, f.path, shown) is None]
        stats.dropped += len(answer.findings) - len(kept)
        cache.put_many({key: {"kept": [c.model_dump() for c in kept]}})
        return kept


def reviewer_for(config: Config, budget: TokenBudget | None = None) -> Reviewer | None:
    """The reviewer for this configuration, or None when no agent is configured."""
    if not config.agent_enabled():
        return None
    use_repository(config.root)  # its .env values are masked in what is sent
    return Reviewer(model=config.model, budget=budget or TokenBudget(config.token_budget))


def verify(citation: Citation, path: str, text: str) -> str | None:
    """Why a citation does not hold against the text that was sent, or None when it does."""
    if citation.path != path:
        return f"cites {citation.path!r}, which was not sent"
    lines = split_lines(text)
    if not 1 <= citation.line <= citation.end_line <= len(lines):
        return f"lines {citation.line}-{citation.end_line} are not in the file"
    quote = _normalised(citation.quote)
    if not quote:
        return "the quote is empty"
    if quote not in _normalised("\n".join(lines[citation.line - 1 : citation.end_line])):
        return "the quote is not on the cited lines"
    return None


def review_key(model: str, principle: Principle, f: ReviewFile) -> str:
    digest = hashlib.sha256(principle.model_dump_json().encode())
    for part in (model, f.path, f.text):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _refusal(f: ReviewFile) -> str | None:
    if is_secret_file(f.repo_path):
        return "may hold secrets; never sent to a model"
    if len(f.text) > MAX_CHARS or len(split_lines(f.text)) > MAX_LINES:
        return "too large to send for review"
    return None


def _request(principle: Principle, path: str, shown: str) -> str:
    _, listing, count = code_listing(shown, [])
    examples = [{"bad": e.bad, "good": e.good} for e in principle.examples if e.bad or e.good]
    return render(
        "review_request.md.j2",
        principle=principle,
        examples=examples,
        path=path,
        line_count=count,
        listing=listing,
    )


def _content_and_tokens(response: Any, messages: list[dict[str, str]]) -> tuple[str, int]:
    choice = response.choices[0] if response.choices else None
    content = (choice.message.content if choice and choice.message else None) or ""
    if choice is not None and choice.finish_reason == "length":
        content = ""  # cut off: refused, however much JSON it holds
    usage = response.usage
    tokens = usage.total_tokens if usage and usage.total_tokens else 0
    if not tokens:  # a server that reports no usage still spends the budget
        tokens = (sum(len(m["content"]) for m in messages) + len(content)) // 4
    return content, tokens


def _finding(principle: Principle, citation: Citation, end_column: int) -> Finding:
    return Finding(
        path=citation.path,
        line=citation.line,
        column=1,
        principle=principle.id,
        end_line=citation.end_line,
        end_column=end_column,
        message=" ".join(citation.message.split())[:300],
        severity=principle.severity,
        source="agent",
        rule="agent",
    )


def _open_cache() -> ScanCache:
    """The review cache, or none with a warning: a review never fails for its cache."""
    try:
        return ScanCache(cache_dir() / "review-v1.sqlite3")
    except (OSError, sqlite3.Error) as error:
        logger.warning("reviewing without a cache: %s", error)
        return NoCache()
