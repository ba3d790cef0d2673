"""Bounded work for the agent: an answer's size, a request's size, a deadline per proposal.

- An answer is read by `BoundedTransport` (the HTTP transport under the `openai` client) in
  chunks and given up past `max_answer_bytes`, before the SDK parses a byte of it; a declared
  `Content-Length` over the limit is refused without reading. The body must be JSON: an HTML
  page (a proxy's login page, a gateway's error) becomes a 502 the SDK retries like any other,
  then "the server did not answer with JSON".
- A request's size is estimated (`estimate_tokens`: characters / 4, OpenAI's rule of thumb;
  code and JSON run a little denser, which the charge after the answer corrects) and checked
  against the run's token budget before it is sent.
- `gc_bot.fix.deadline` bounds one proposal in the thread that fixes it: here every request
  (retries included) gets at most the time left as its timeout, and none is sent once it has
  passed.

The refusals are `openai.OpenAIError`s, raised inside the client's send: the SDK propagates
those as they are, without retrying, and every caller already handles `OpenAIError`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import openai

from gc_bot.fix.deadline import deadline_reason, remaining

MAX_ANSWER_BYTES = 2_000_000  # a fix answer is a few kB; 2 MB is far past any honest one
CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD_TOKENS = 4  # role and separators, per message
NOT_JSON_HEADER = "x-gc-bot-not-json"  # on the 502 that stands for a non-JSON answer


class Bounded(openai.OpenAIError):
    """A request refused or an answer given up by gc-bot itself; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AnswerTooLarge(Bounded):
    pass


class RequestTooLarge(Bounded):
    pass


class DeadlineReached(Bounded):
    pass


def check_deadline() -> None:
    if remaining() == 0.0:
        raise DeadlineReached(deadline_reason())


# --- the request -----------------------------------------------------------------------------


def estimate_tokens(messages: Sequence[dict[str, Any]]) -> int:
    """About how many tokens `messages` cost: characters / 4, plus a little per message."""
    chars = sum(len(str(m.get("content") or "")) for m in messages)
    return chars // CHARS_PER_TOKEN + MESSAGE_OVERHEAD_TOKENS * len(messages)


def check_request(messages: Sequence[dict[str, Any]], limit: int, used: int) -> None:
    """Refuse, before sending, a request larger than the budget (or than what is left of it)."""
    tokens = estimate_tokens(messages)
    if tokens > limit:
        raise RequestTooLarge(
            f"refused: the request is about {tokens} tokens ({CHARS_PER_TOKEN} characters a "
            f"token), more than the whole token budget of {limit}; not sent"
        )
    if tokens > limit - used:
        raise RequestTooLarge(
            f"token budget exhausted: the request needs about {tokens} tokens and "
            f"{max(0, limit - used)} of {limit} are left; not sent"
        )


# --- the answer ------------------------------------------------------------------------------


def _httpx() -> Any:
    """The HTTP library this `openai` uses (httpx2 in recent releases, httpx before)."""
    try:
        import httpx2

        return httpx2
    except ImportError:  # an older openai, on httpx
        import httpx

        return httpx


def http_client(timeout: float, max_answer_bytes: int = MAX_ANSWER_BYTES) -> Any:
    """An HTTP client for `openai.OpenAI(http_client=...)` that bounds every answer."""
    httpx = _httpx()
    transport = BoundedTransport(httpx.HTTPTransport(), max_answer_bytes)
    return openai.DefaultHttpxClient(transport=transport, timeout=timeout)


class BoundedTransport(_httpx().BaseTransport):  # type: ignore[misc]
    """Reads answers in chunks up to a limit, under this thread's deadline."""

    def __init__(self, inner: Any, max_bytes: int) -> None:
        self.inner = inner
        self.max_bytes = max(1, int(max_bytes))

    def handle_request(self, request: Any) -> Any:
        check_deadline()
        left = remaining()
        if left is not None:
            timeout = {"connect": None, "read": None, "write": None, "pool": None}
            timeout.update(request.extensions.get("timeout") or {})
            request.extensions["timeout"] = {
                key: left if value is None else min(value, left) for key, value in timeout.items()
            }
        request.headers["Accept-Encoding"] = "identity"  # the limit counts what gets parsed
        response = self.inner.handle_request(request)
        try:
            body = self._read(response)
        finally:
            response.close()
        return self._checked(request, response, body)

    def _read(self, response: Any) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise AnswerTooLarge(self._too_large(f"{int(declared)} bytes declared"))
        body = bytearray()
        for chunk in response.stream:
            body += chunk
            if len(body) > self.max_bytes:
                raise AnswerTooLarge(self._too_large(f"more than {self.max_bytes} bytes"))
            check_deadline()
        return bytes(body)

    def _too_large(self, what: str) -> str:
        return (
            f"API error: the answer is too large ({what}; the limit is {self.max_bytes}); "
            "given up before it was parsed"
        )

    def _checked(self, request: Any, response: Any, body: bytes) -> Any:
        httpx = _httpx()
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        status = response.status_code
        if 200 <= status < 300 and not _is_json(body):
            kind = response.headers.get("content-type") or "no content type"
            start = " ".join(body[:120].decode("utf-8", "replace").split())
            message = f"HTTP {status}, {kind}: {start!r}"
            return httpx.Response(
                502,  # a gateway's fault, retried by the SDK like any 5xx
                headers={NOT_JSON_HEADER: "1"},
                json={"error": {"message": message, "type": "not_json"}},
                request=request,
            )
        return httpx.Response(status, headers=headers, content=body, request=request, extensions={})


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def describe_not_json(error: Exception) -> str | None:
    """The reason for an SDK error that stands for a non-JSON answer, else None."""
    response = getattr(error, "response", None)
    if response is None or NOT_JSON_HEADER not in response.headers:
        return None
    body = getattr(error, "body", None)
    detail = body.get("message") if isinstance(body, dict) else None
    return f"the server did not answer with JSON ({detail or 'after retries'})"
