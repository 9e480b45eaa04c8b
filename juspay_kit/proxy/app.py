"""The validating proxy's ASGI application: forward unchanged, answer unchanged, then check and record.

The answer goes back to the caller before the checks run, so a violation never blocks or alters the
traffic. The upstream is reached directly (`upstream.py`): no environment proxy ever sees the traffic.
Paths under /__mock__/ (the embedded mock's test controls) are forwarded but neither checked nor recorded;
an advance of the mock's clock moves the cassette's timeline (`at`) by as much, so expiry replays.
"""

from __future__ import annotations

import json
import sys
import time
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any, TextIO

from juspay_kit.contract.redact import Redactor
from juspay_kit.mock.app import CONTROL_PREFIX, lifespan
from juspay_kit.proxy import cassette
from juspay_kit.proxy.checks import ExchangeChecker
from juspay_kit.proxy.upstream import Answer, Upstream, UpstreamError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY_BYTES = 1024 * 1024
# Hop-by-hop headers (RFC 9110 section 7.6.1) and the ones the transport recomputes.
_HOP = {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"transfer-encoding", b"upgrade"}
# `expect` too: the proxy has already read the whole body, so the upstream must not send 100 Continue.
_NOT_FORWARDED = _HOP | {b"host", b"content-length", b"proxy-authorization", b"expect"}


class ProxyApp:
    def __init__(
        self,
        upstream: str,
        *,
        recorder: cassette.CassetteWriter | None = None,
        redactor: Redactor | None = None,
        out: TextIO | None = None,
        timeout: float = 30.0,
        on_startup: Callable[[], None] | None = None,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.checker = ExchangeChecker()
        self.recorder = recorder
        self.redactor = redactor or Redactor()
        self.out = out or sys.stdout
        self.timeout = timeout
        self.exchanges = 0
        self.upstream_errors = 0
        self.violations: Counter[str] = Counter()
        self._upstream = Upstream(self.upstream, timeout=timeout)
        self._on_startup = on_startup
        self._started = time.monotonic()
        self._learned: set[str] = set()  # Authorization values whose key the redactor already masks
        self._keys: dict[str, int] = {}  # distinct Basic credentials seen -> their number in the cassette
        self._moved = 0.0  # seconds the upstream mock's clock was advanced through the proxy

    def summary(self) -> str:
        checks = ", ".join(f"{name} {count}" for name, count in sorted(self.violations.items()))
        total = sum(self.violations.values())
        return (
            f"juspay-proxy: {self.exchanges} exchanges, {total} violations" + (f" ({checks})" if checks else "")
            + f", {self.upstream_errors} upstream errors"
        )  # fmt: skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._exchange(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await lifespan(receive, send, self._on_startup, self._upstream.close)

    async def _exchange(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        raw_path: bytes = scope.get("raw_path") or path.encode()
        query: bytes = scope.get("query_string", b"")
        body = await _read_body(receive)
        if body is None:
            await _answer(send, 413, {"proxyError": f"request body over {MAX_BODY_BYTES} bytes; not forwarded"})
            return
        started_at = time.time()
        at = time.monotonic() - self._started + self._moved
        forward = [(k, v) for k, v in scope["headers"] if k not in _NOT_FORWARDED]
        target = raw_path + (b"?" + query if query else b"")
        clock = time.perf_counter()
        try:
            answer = await self._upstream.request(method, target, forward, body)
        except UpstreamError as exc:
            error = f"upstream unreachable: {exc}"
            await _answer(send, 502, {"proxyError": error})
            self.upstream_errors += 1
            self._print(f"upstream error: {method} {path}: {error}")
            self._finish(scope, body, None, at, started_at, clock, error)
            return
        headers = [(k, v) for k, v in answer.headers if k.lower() not in _HOP and k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(answer.body)).encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})
        self._finish(scope, body, answer, at, started_at, clock, None)

    def _finish(
        self,
        scope: Scope,
        body: bytes,
        answer: Answer | None,
        at: float,
        started_at: float,
        clock: float,
        error: str | None,
    ) -> None:
        """Check, print and record one exchange (after the caller has its answer)."""
        elapsed_ms = (time.perf_counter() - clock) * 1000
        method, path = scope["method"], scope["path"]
        if path.startswith(CONTROL_PREFIX):
            if path == CONTROL_PREFIX + "clock" and answer is not None and answer.status == 200:
                self._moved += _advanced(answer.body)  # the mock's time passed: so does the cassette's
            return
        headers = _header_dict(scope["headers"])
        authorization = headers.get("authorization")
        if authorization and authorization not in self._learned:
            if len(self._learned) < 1000:
                self._learned.add(authorization)
            cassette.learn_secrets(self.redactor, headers)
        found = self.checker.request(method, path, headers, body)
        answer_headers: dict[str, str] = {}
        response_body: bytes | None = None
        if answer is not None:
            answer_headers = _header_dict(answer.headers)
            response_body = _decoded(answer_headers.get("content-encoding"), answer.body)
            found += self.checker.response(method, path, answer.status, answer_headers, response_body, list(found))
        operation = self.checker.operation_id(method, path)
        self.exchanges += 1
        if not found and self.recorder is None:
            return
        request_fields = cassette.body_fields(self.redactor, body)  # registers the OTP before anything is written
        for violation in found:
            self.violations[violation.check] += 1
            self._print(
                f"violation: {operation or path} {violation.direction} {violation.path}: {violation.message} "
                f"({violation.check})"
            )
        if self.recorder is None:
            return
        response: dict[str, Any] | None = None
        if answer is not None:
            response = {
                "status": answer.status,
                "headers": cassette.masked_headers(self.redactor, answer_headers),
                **cassette.body_fields(self.redactor, response_body or b""),
            }
        self.recorder.write(
            {
                "seq": self.exchanges,
                "at": round(at, 3),
                "startedAt": datetime.fromtimestamp(started_at, UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
                "elapsedMs": round(elapsed_ms, 3),
                "operation": operation,
                "request": {
                    "method": method,
                    "path": path,
                    "query": scope.get("query_string", b"").decode("latin-1"),
                    "headers": cassette.masked_headers(self.redactor, headers, self._keys),
                    **request_fields,
                },
                "response": response,
                "error": error,
                "violations": [v.as_dict() for v in found],
            }
        )

    def _print(self, line: str) -> None:
        print(self.redactor.text(line), file=self.out, flush=True)


def _header_dict(raw: Any) -> dict[str, str]:
    """Lower-cased names; the first occurrence of a repeated header wins (as the mock reads them)."""
    headers: dict[str, str] = {}
    for name, value in raw:
        headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return headers


def _advanced(body: bytes | None) -> float:
    try:
        seconds = json.loads(body or b"")["advancedSeconds"]
    except (ValueError, KeyError, TypeError):
        return 0.0
    return float(seconds) if isinstance(seconds, int | float) and seconds >= 0 else 0.0


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _decoded(content_encoding: str | None, raw: bytes) -> bytes | None:
    """The answer's body with gzip/deflate undone, for the checks (the caller got `raw`); None when the
    encoding is one the proxy does not decode (the body is then not checked)."""
    encoding = (content_encoding or "identity").strip().lower()
    try:
        if encoding in ("", "identity"):
            return raw
        if encoding == "gzip":
            return zlib.decompress(raw, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            try:
                return zlib.decompress(raw)
            except zlib.error:
                return zlib.decompress(raw, -zlib.MAX_WBITS)
    except zlib.error:
        return None
    return None


async def _answer(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    headers.append((b"x-juspay-proxy", b"error"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
