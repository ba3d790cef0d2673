"""A fake OpenAI-compatible Chat Completions server on loopback, scripted per test.

A real HTTP server (threaded, on 127.0.0.1, a free port), so that the real `openai` client
talks to it through `OPENAI_BASE_URL` with its own HTTP stack, retries and timeouts. Each
request to `POST /v1/chat/completions` takes the next scripted step:

- `answer(content)`: a completion whose message content is `content` (a dict is sent as JSON,
  a string as it is, for garbage);
- `error(status, headers=...)`: an HTTP error, e.g. 429 with `Retry-After`;
- `delay(seconds)`: sleep longer than the client's timeout, then answer (too late);
- `answer(content, chunked=True)`: the same completion sent in chunks with no Content-Length,
  so that only reading it tells its size (a 10 MB answer, either way);
- `raw(body, content_type=...)`: a body that is not a completion, e.g. an HTML page with 200;

and when the script is used up, the `fallback` responder (`callable(request_json) -> content`),
else an HTTP 400 that says so (not retried by the SDK, so a test fails fast and clearly).

Every request is recorded (`requests`: parsed body, raw body, headers, arrival time), so that
tests can assert what was sent, e.g. that a secret never arrived.

Use the `fake_openai` fixture (it points `OPENAI_BASE_URL` and `OPENAI_API_KEY` at the server
and shuts it down afterwards) or `FakeOpenAI` directly as a context manager.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

Content = dict | str
Responder = Callable[[dict], Content]

MAX_REQUESTS = 500  # a runaway client loop ends here instead of hanging a test
MAX_DELAY = 10.0
MAX_BODY = 20_000_000


@dataclass
class Step:
    kind: str  # "answer" | "error" | "delay"
    content: Content | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    usage: tuple[int, int] | None = None  # (prompt_tokens, completion_tokens)
    finish_reason: str = "stop"
    chunked: bool = False  # Transfer-Encoding: chunked, no Content-Length
    content_type: str = "application/json"  # for "raw" steps


@dataclass
class Recorded:
    body: dict
    raw: str
    headers: dict[str, str]  # names in lower case
    at: float  # time.monotonic() on arrival

    @property
    def messages(self) -> list[dict]:
        return self.body.get("messages", [])

    @property
    def schema(self) -> str | None:
        """The name of the JSON schema the client asked for (`gc_bot_fix`, `gc_bot_review`)."""
        return (self.body.get("response_format") or {}).get("json_schema", {}).get("name")

    def text(self, role: str) -> str:
        """All message contents of one role, joined."""
        return "\n".join(str(m.get("content", "")) for m in self.messages if m["role"] == role)


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.fallback: Responder | None = None
        self._steps: deque[Step] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._count = 0

    # --- scripting ---------------------------------------------------------------------------

    def answer(
        self,
        content: Content,
        *,
        usage: tuple[int, int] | None = None,
        finish_reason: str = "stop",
        chunked: bool = False,
    ) -> FakeOpenAI:
        step = Step("answer", content, usage=usage, finish_reason=finish_reason, chunked=chunked)
        return self._add(step)

    def raw(
        self, body: str, *, status: int = 200, content_type: str = "text/html; charset=utf-8"
    ) -> FakeOpenAI:
        return self._add(Step("raw", body, status=status, content_type=content_type))

    def error(
        self, status: int, *, headers: dict[str, str] | None = None, message: str = "fake error"
    ) -> FakeOpenAI:
        return self._add(Step("error", message, status=status, headers=dict(headers or {})))

    def delay(self, seconds: float, then: Content | None = None) -> FakeOpenAI:
        return self._add(Step("delay", then, seconds=min(seconds, MAX_DELAY)))

    def respond_with(self, responder: Responder) -> FakeOpenAI:
        self.fallback = responder
        return self

    def _add(self, step: Step) -> FakeOpenAI:
        with self._lock:
            self._steps.append(step)
        return self

    def _next(self, body: dict) -> Step:
        with self._lock:
            if self._steps:
                return self._steps.popleft()
        if self.fallback is not None:
            return Step("answer", self.fallback(body))
        return Step("error", "fake server: no scripted answer left", status=400)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._steps)

    # --- what arrived --------------------------------------------------------------------------

    def raw_bodies(self) -> str:
        return "\n".join(r.raw for r in self.requests)

    # --- lifecycle -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the wire format ---------------------------------------------------------------------

    def _completion(self, body: dict, step: Step) -> dict[str, Any]:
        content = step.content
        text = content if isinstance(content, str) else json.dumps(content)
        with self._lock:
            self._count += 1
            number = self._count
        prompt, completion = step.usage or (
            max(1, len(json.dumps(body.get("messages", []))) // 4),
            max(1, len(text) // 4),
        )
        return {
            "id": f"chatcmpl-fake-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake-model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": step.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # No Nagle delay between the headers and the body of a response (40 ms each otherwise).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass

    def do_POST(self) -> None:
        fake = self.server_fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(min(length, MAX_BODY)).decode("utf-8", "replace")
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._send(400, {"error": {"message": "body is not JSON", "type": "invalid_request"}})
            return
        with fake._lock:
            headers = {k.lower(): v for k, v in self.headers.items()}
            fake.requests.append(Recorded(body, raw, headers, time.monotonic()))
            too_many = len(fake.requests) > MAX_REQUESTS
        if too_many:
            self._send(400, {"error": {"message": "fake server: too many requests"}})
            return
        step = fake._next(body)
        if step.kind == "error":
            error = {"message": step.content, "type": "fake_error", "code": str(step.status)}
            self._send(step.status, {"error": error}, step.headers)
            return
        if step.kind == "raw":
            self._send_bytes(step.status, str(step.content).encode(), step.content_type)
            return
        if step.kind == "delay":
            time.sleep(step.seconds)
            if step.content is None:
                step = Step("answer", {"summary": "late", "explanation": "late", "edits": []})
            else:
                step = Step("answer", step.content)
        if step.chunked:
            self._send_chunked(json.dumps(fake._completion(body, step)).encode())
            return
        self._send(200, fake._completion(body, step))

    def do_GET(self) -> None:
        self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def _send_chunked(self, data: bytes, chunk: int = 64_000) -> None:
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(data), chunk):
                part = data[start : start + chunk]
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what a size limit does

    def _send(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(payload).encode(), "application/json", headers)

    def _send_bytes(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to tell it


@pytest.fixture
def fake_openai(monkeypatch) -> Any:
    """A started `FakeOpenAI`, with the environment pointing the agent at it."""
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        yield server
