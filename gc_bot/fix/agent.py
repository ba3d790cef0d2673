"""The agent fixer: one principle's findings in a few files, fixed by a model, validated.

Any OpenAI-compatible Chat Completions endpoint (OpenAI, vLLM, Ollama, llama.cpp) through the
`openai` SDK. The prompt is rendered from `gc_bot/templates/fix_*.md.j2` with its stable parts
first (rules and output contract, then the principle, then the lessons, then this request's
findings and code), so that provider-side prompt caching can reuse the prefix.

The answer is DESIGN.md's `gc_bot_fix` JSON object, parsed strictly (`gc_bot.fix.edits`): any
problem refuses the whole answer and counts as a failed attempt, as does a result that the
caller's `validate` rejects; either way the reason goes back to the model, at most
`max_attempts` attempts in all. Nothing the model sends is executed: its edits are exact
text replacements in copies of the files, checked by `validate` before anyone sees them.

Secrets: a proposal that involves a secret-looking file is refused before any request, and
every text sent (in `complete`, the one way out) or logged goes through `mask_secrets`. Masking happens on what the model
sees, while edits apply to the real files; an edit whose `search` quotes a masked value simply
fails to match (a failed attempt), and one whose `replace` copies a placeholder is refused.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from gc_bot.fix.deadline import deadline_reason, remaining
from gc_bot.fix.edits import (
    RESPONSE_FORMAT,
    FixAnswer,
    RefusedAnswer,
    apply_answer,
    normalise_path,
    parse_answer,
    protected,
)
from gc_bot.fix.guards.capabilities import runs_on_its_own
from gc_bot.fix.secrets import is_secret_file, mask_secrets

if TYPE_CHECKING:
    import jinja2

    from gc_bot.findings import Finding
    from gc_bot.principles import Principle

Validate = Callable[[dict[str, str]], "str | None"]

# A file up to this size is shown whole; a larger one as windows around its findings.
JSON_MODE: dict[str, Any] = {"type": "json_object"}
WHOLE_FILE_LINES = 400
WHOLE_FILE_CHARS = 24_000
CONTEXT_LINES = 30  # lines shown before and after each finding in a window
HEAD_MAX_LINES = 60  # the module head (docstring, imports) shown with the windows, at most
MAX_PROBLEM_CHARS = 4_000  # a validation reason sent back (test output can be long)
MAX_EXPLANATION_CHARS = 200_000  # kept of an explanation (commit message, PR body)
_NEWLINE = re.compile(r"\r\n|\r|\n")
_IMPORT = re.compile(r"(?:import|from)\s")
_DEFAULT_PATH = "example.py"  # an example's path when its principle names none


class TokenBudget:
    """Tokens one sweep run may spend on the agent, shared by its threads.

    Checked before each request and charged after it, so concurrent requests in flight may
    overshoot the limit by at most their own size. A limit of 0 allows no request at all.
    """

    def __init__(self, limit: int) -> None:
        self._limit = max(0, int(limit))
        self._used = 0
        self._lock = threading.Lock()

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def used(self) -> int:
        with self._lock:
            return self._used

    def exhausted(self) -> bool:
        with self._lock:
            return self._used >= self._limit

    def add(self, tokens: int) -> None:
        with self._lock:
            self._used += max(0, int(tokens))


@dataclass
class Lessons:
    """What this team's decisions say about one principle; rendered as quoted data."""

    accepted: list[str] = field(default_factory=list)  # trimmed diffs of accepted changes
    rejected: list[str] = field(default_factory=list)  # reasons given for rejections


@dataclass
class AgentOutcome:
    files: dict[str, str] | None  # new full text of every file of the proposal; None: failed
    summary: str
    explanation: str
    attempts: int
    tokens: int
    session: list[dict]  # JSON-ready events, secrets masked
    error: str | None


class AgentFixer:
    """Fixes one proposal's findings with a model; thread-safe (one client, shared)."""

    def __init__(
        self,
        *,
        model: str,
        budget: TokenBudget,
        max_attempts: int = 3,
        timeout: float = 60.0,
        max_retries: int = 4,
        max_answer_bytes: int | None = None,
    ) -> None:
        import openai

        from gc_bot.fix.bounds import MAX_ANSWER_BYTES, http_client

        self.model = model
        self.budget = budget
        self.max_attempts = max(1, max_attempts)
        # The SDK retries 408/409/429/5xx and timeouts itself, with exponential backoff and
        # jitter, honouring Retry-After; what it finally raises becomes an "API error" outcome.
        # Under it, the bounded transport (`fix.bounds`) reads answers up to a size limit.
        self.response_format: dict[str, Any] = RESPONSE_FORMAT
        self.client = openai.OpenAI(
            base_url=os.environ.get("OPENAI_BASE_URL") or None,
            api_key=os.environ.get("OPENAI_API_KEY") or "gc-bot-no-key",
            timeout=timeout,
            max_retries=max_retries,
            http_client=http_client(timeout, max_answer_bytes or MAX_ANSWER_BYTES),
        )

    def complete(self, messages: list[dict[str, str]]) -> Any:
        """One Chat Completions call; a server that rejects `json_schema` gets `json_object`.

        The one place a request leaves: every message is masked here, and a request larger
        than what is left of the token budget is refused before it is sent (`fix.bounds`).
        Some OpenAI-compatible servers accept only the older JSON mode. The answer is parsed
        against the same strict schema either way, so nothing is lost but the server's help.
        """
        import openai

        from gc_bot.fix.bounds import check_request

        messages = [{**m, "content": mask_secrets(str(m.get("content") or ""))} for m in messages]
        check_request(messages, self.budget.limit, self.budget.used)
        try:
            return self.client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                response_format=self.response_format,  # type: ignore[arg-type]
            )
        except openai.BadRequestError as error:
            said = str(error).lower()
            if self.response_format is JSON_MODE or not (
                "json_schema" in said or "response_format" in said
            ):
                raise
            self.response_format = JSON_MODE
            return self.complete(messages)

    def _oversized(self, system: str, request: str) -> str | None:
        """Why the first request, before masking (which takes time on a huge file), may not be
        sent: more than the whole budget; None when it may."""
        from gc_bot.fix.bounds import Bounded, check_request

        if self.budget.exhausted():
            return None  # said as "token budget exhausted" by the loop
        messages = [{"content": system}, {"content": request}]
        try:
            check_request(messages, self.budget.limit, 0)
        except Bounded as error:
            return error.reason
        return None

    def fix(
        self,
        *,
        principle: Principle,
        findings: Sequence[Finding],
        files: Mapping[str, str],
        lessons: Lessons | None,
        validate: Validate,
    ) -> AgentOutcome:
        conversation = _Conversation(self, files)
        system = render("fix_system.md.j2")
        refusal = _refuse_files(files) or self._oversized(
            system, render_request(principle, findings, files, lessons, mask=str)
        )
        if refusal:
            return conversation.failed(refusal)
        request = render_request(principle, findings, files, lessons)
        conversation.send("system", system)
        conversation.send("user", request)
        problem = ""
        while conversation.attempts < self.max_attempts:
            if remaining() == 0.0:
                return conversation.failed(deadline_reason())
            if self.budget.exhausted():
                last = (
                    f" after {conversation.attempts} attempts; last: {problem}" if problem else ""
                )
                return conversation.failed(f"token budget exhausted{last}")
            try:
                content = conversation.ask()
            except _ApiError as error:
                return conversation.failed(str(error))
            try:
                answer = parse_answer(content)
                new_files = {**files, **apply_answer(answer, files)}
            except RefusedAnswer as error:
                refused, detail = True, str(error)
            else:
                refused, detail = False, validate(dict(new_files))
                if detail is None:
                    conversation.log("validated", "the edits passed validation")
                    return conversation.succeeded(new_files, answer)
            problem = f"{'answer refused' if refused else 'validation failed'}: {detail}"
            conversation.log("refused" if refused else "validation", problem)
            if conversation.attempts < self.max_attempts:
                conversation.send(
                    "user",
                    render(
                        "fix_retry.md.j2",
                        refused=refused,
                        problem=_clip(detail),
                        attempt=conversation.attempts,
                        max_attempts=self.max_attempts,
                        paths=list(files),
                    ),
                )
        attempts = conversation.attempts
        return conversation.failed(
            f"no valid fix in {attempts} attempt{'s' if attempts != 1 else ''}; last: {problem}"
        )


class _ApiError(Exception):
    pass


class _Conversation:
    """The messages of one fix, the session log beside them, and the tokens they cost."""

    def __init__(self, fixer: AgentFixer, files: Mapping[str, str]) -> None:
        self.fixer = fixer
        self.files = files
        self.messages: list[dict[str, str]] = []
        self.session: list[dict] = []
        self.attempts = 0
        self.tokens = 0

    def log(self, kind: str, content: str, **extra: Any) -> None:
        event = {"kind": kind, "content": mask_secrets(content), "tokens": 0, "at": _now()}
        self.session.append({**event, **extra})

    def send(self, role: str, content: str) -> None:
        content = mask_secrets(content)
        self.messages.append({"role": role, "content": content})
        self.session.append({"role": role, "content": content, "tokens": 0, "at": _now()})

    def ask(self) -> str:
        import openai

        self.attempts += 1
        started = time.monotonic()
        try:
            response = self.fixer.complete(self.messages)
        except openai.OpenAIError as error:
            message = getattr(error, "reason", None) or f"API error: {_describe(error)}"
            self.log("error", message, attempt=self.attempts)
            raise _ApiError(message) from None
        choice = response.choices[0] if response.choices else None
        message = choice.message if choice else None
        content = (message.content if message else None) or ""
        refusal = getattr(message, "refusal", None) if message else None
        usage = response.usage
        tokens = usage.total_tokens if usage and usage.total_tokens else 0
        if not tokens:  # a server that reports no usage still spends the budget
            tokens = (sum(len(m["content"]) for m in self.messages) + len(content)) // 4
        self.fixer.budget.add(tokens)
        self.tokens += tokens
        # What is kept of the answer (re-sent with a retry, logged): its start, masked.
        shown = mask_secrets(_clip(content or (f"(refusal) {refusal}" if refusal else ""), 20_000))
        self.messages.append({"role": "assistant", "content": shown})
        self.session.append(
            {
                "role": "assistant",
                "content": shown,
                "tokens": tokens,
                "prompt_tokens": usage.prompt_tokens if usage else None,
                "completion_tokens": usage.completion_tokens if usage else None,
                "finish_reason": choice.finish_reason if choice else None,
                "attempt": self.attempts,
                "seconds": round(time.monotonic() - started, 3),
                "at": _now(),
            }
        )
        if choice is not None and choice.finish_reason == "length":
            return ""  # cut off: refused as an empty answer, however much JSON it holds
        return content

    def failed(self, error: str) -> AgentOutcome:
        if not self.session or self.session[-1].get("kind") != "error":
            self.log("failed", error)
        return AgentOutcome(
            files=None,
            summary="",
            explanation="",
            attempts=self.attempts,
            tokens=self.tokens,
            session=self.session,
            error=error,
        )

    def succeeded(self, files: dict[str, str], answer: FixAnswer) -> AgentOutcome:
        return AgentOutcome(
            files=files,
            # The model's words go on to the PR title and body, commits, the ledger: masked.
            summary=mask_secrets(" ".join(answer.summary.split())[:200]),
            explanation=mask_secrets(_clip_end(answer.explanation.strip(), MAX_EXPLANATION_CHARS)),
            attempts=self.attempts,
            tokens=self.tokens,
            session=self.session,
            error=None,
        )


def _refuse_files(files: Mapping[str, str]) -> str | None:
    if not files:
        return "no files to fix"
    secret = sorted(path for path in files if is_secret_file(path))
    if secret:
        return f"refused: {', '.join(secret)} may hold secrets and is never sent to a model"
    odd = sorted(
        path
        for path in files
        if normalise_path(path) != path or protected(path) or runs_on_its_own(path)
    )
    if odd:
        return f"refused: {', '.join(odd)} may not be edited by the agent"
    return None


def _describe(error: Exception) -> str:
    import openai

    from gc_bot.fix.bounds import describe_not_json

    not_json = describe_not_json(error)
    if not_json:
        return not_json
    if isinstance(error, openai.APITimeoutError):
        return "request timed out (after the SDK's retries)"
    if isinstance(error, openai.APIStatusError):
        body = error.body
        detail = body.get("message") if isinstance(body, dict) else None
        return f"HTTP {error.status_code}: {detail or error.message}"[:300]
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__ or error.__context__
        return f"cannot connect ({type(cause).__name__ if cause else 'connection error'})"
    return f"{type(error).__name__}: {error}"[:300]


def _clip(text: str, limit: int = MAX_PROBLEM_CHARS) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters left out ...]\n{text[-half:]}"


def _clip_end(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n[... {len(text) - limit} characters left out ...]"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# --- the prompt ------------------------------------------------------------------------------


class _Masked(str):
    """Text already masked (a code listing): the template's masking pass leaves it alone."""


def render(name: str, **context: Any) -> str:
    return _environment().get_template(name).render(**context)


def render_request(
    principle: Principle,
    findings: Sequence[Finding],
    files: Mapping[str, str],
    lessons: Lessons | None,
    mask: Callable[[str], str] = mask_secrets,
) -> str:
    """The user message: the principle, the lessons, then the findings and the code."""
    by_path: dict[str, list[Finding]] = {path: [] for path in files}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    shown = []
    for path, text in files.items():
        whole, listing, count = code_listing(mask(text), by_path.get(path, []))
        shown.append({"path": path, "whole": whole, "line_count": count, "listing": listing})
    return render(
        "fix_request.md.j2",
        principle=principle,
        examples=[
            {"bad": e.bad, "good": e.good, "path": e.path if e.path != _DEFAULT_PATH else None}
            for e in principle.examples
            if e.bad or e.good
        ],
        lessons=lessons,
        findings=sorted(findings, key=lambda f: (f.path, f.line, f.column)),
        files=shown,
        paths=list(files),
    )


def code_listing(text: str, findings: Sequence[Finding]) -> tuple[bool, _Masked, int]:
    """(whole?, the numbered listing in a fenced block, line count) for one file's text."""
    lines = _NEWLINE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    total = len(lines)
    width = len(str(max(total, 1)))
    whole = (total <= WHOLE_FILE_LINES and len(text) <= WHOLE_FILE_CHARS) or not findings
    if whole:
        ranges = [(1, total)]
    else:
        ranges = _merge([_head(lines), *(_window(f, total) for f in findings)])
    out: list[str] = []
    previous = 0
    for start, end in ranges:
        if start > previous + 1:
            out.append("...")
        out += [f"{n:>{width}} | {lines[n - 1]}" for n in range(start, end + 1)]
        previous = end
    if previous < total:
        out.append("...")
    return whole, _Masked(_fenced("\n".join(out), "text")), total


def _head(lines: list[str]) -> tuple[int, int]:
    """The module's docstring and import block, so that an import can be added."""
    last_import = 0
    for number, line in enumerate(lines[: HEAD_MAX_LINES * 4], start=1):
        if _IMPORT.match(line):
            last_import = number
        elif line.startswith(("def ", "class ", "async def ", "@")):
            break
    return 1, min(len(lines), max(10, last_import + 2), HEAD_MAX_LINES)


def _window(finding: Finding, total: int) -> tuple[int, int]:
    end = max(finding.end_line or finding.line, finding.line)
    return max(1, finding.line - CONTEXT_LINES), min(total, end + CONTEXT_LINES)


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(r for r in ranges if r[0] <= r[1]):
        if merged and start <= merged[-1][1] + 4:  # a gap of a few lines is shown, not cut
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _fenced(text: str, lang: str = "") -> str:
    """`text` in a fenced block longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text.rstrip(chr(10))}\n{fence}"


def quote_data(text: str, lang: str = "text") -> str:
    """Untrusted text (a reviewer's reason, a past diff) as an inert fenced block.

    Fence-like runs inside it (three or more backticks or tildes) are broken up, so the text
    can neither close its block nor open a new one, and the block's own fence is longer than
    any backtick run left inside.
    """
    text = re.sub(r"`{3,}", lambda m: "` " * len(m.group(0)), str(text))
    text = re.sub(r"~{3,}", lambda m: "~ " * len(m.group(0)), text)
    return _fenced(text, lang)


def _finalize(value: Any) -> Any:
    if isinstance(value, _Masked) or not isinstance(value, str):
        return value
    return mask_secrets(value)


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gc_bot", "templates"),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        finalize=_finalize,
    )
    env.filters["code_block"] = lambda text, lang="": _fenced(str(text), lang)
    env.filters["quote_data"] = quote_data
    return env
