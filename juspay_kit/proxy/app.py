"""The validating proxy's ASGI application: forward unchanged, answer unchanged, then check and record.

The answer goes back to the caller before the checks run, so a violation never blocks or alters the
traffic. The upstream is reached directly (`upstream.py`): no environment proxy ever sees the traffic.
Paths under /__mock__/ (the embedded mock's test controls) are forwarded but neither checked nor recorded;
an advance of the mock's clock moves the cassette's timeline (`at`) by as much, so expiry replays. They are
forwarded to loopback callers only, under the mock's own rules judged at the proxy (`mock/callers.py`: a
known Host, the proxy's own origin, JSON POSTs), and without the browser's origin headers.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from juspay_visa_agentic_client import guard

from juspay_kit import schema
from juspay_kit.cli import printable
from juspay_kit.contract.safety import is_loopback_host
from juspay_kit.errors import UpstreamError
from juspay_kit.mock.app import CONTROL_PREFIX
from juspay_kit.mock.callers import control_refusal, host_refusal
from juspay_kit.proxy import MAX_BODY_BYTES, cassette
from juspay_kit.proxy.cassette import masked_query
from juspay_kit.proxy.checks import Exchange, ExchangeChecker, Violation
from juspay_kit.proxy.upstream import Answer, Upstream
from juspay_kit.redact import Redactor
from juspay_kit.wire import BodyTimeout, BodyTooLarge, ClientGone, Receive, Scope, Send, lifespan, read_body

MAX_PARKED_BYTES = 64 * 1024 * 1024  # request bodies held at once, all callers together; beyond: 503
MAX_DECODED_BYTES = 16 * 1024 * 1024  # a gzip/deflate answer is inflated this far for the checks, no further
# Hop-by-hop headers (RFC 9110 section 7.6.1) and the ones the transport recomputes.
_HOP = {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"transfer-encoding", b"upgrade"}
# `expect` too: the proxy has already read the whole body, so the upstream must not send 100 Continue.
_NOT_FORWARDED = _HOP | {b"host", b"content-length", b"proxy-authorization", b"expect"}
_BROWSER_ORIGIN = {b"origin", b"referer", b"sec-fetch-site", b"sec-fetch-mode", b"sec-fetch-dest", b"sec-fetch-user"}


@dataclass
class _Flight:
    """One request's trip through the proxy, as the cassette records it."""

    at: float  # seconds since the recording started, on the cassette's timeline
    started_at: float  # wall-clock time the request was forwarded
    clock: float  # perf_counter() then
    query: str  # masked
    path: str  # as sent, still percent-encoded
    headers: dict[str, str]  # the request's, names lower-cased
    elapsed_ms: float = 0.0
    error: str | None = None  # why no answer came back


class ProxyApp:
    def __init__(
        self,
        upstream: str,
        *,
        recorder: cassette.Recorder | None = None,
        redactor: Redactor | None = None,
        out: TextIO | None = None,
        timeout: float = 30.0,
        on_startup: Callable[[], None] | None = None,
        body_timeout: float | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        controls: bool = True,
        allowed_hosts: tuple[str, ...] = (),
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.body_timeout = body_timeout  # None: the guarded protocol bounds the body's time (juspay-proxy does)
        self.max_body_bytes = max_body_bytes
        self.controls = controls  # forward /__mock__/ paths (to loopback callers only)
        self.allowed_hosts = allowed_hosts  # Host names beyond loopback and the bound address, for those paths
        self._parked = 0  # bytes of request bodies held right now
        self.checker = ExchangeChecker()
        self.recorder = recorder
        self.redactor = redactor or Redactor()
        self.out = out or sys.stdout
        self.exchanges = 0
        self.upstream_errors = 0
        self.violations: Counter[str] = Counter()
        self._upstream = Upstream(self.upstream, timeout=timeout)
        self._on_startup = on_startup
        self._started = time.monotonic()
        self._last_learned: tuple[str | None, ...] = ()
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
            await lifespan(receive, send, self._on_startup, self._upstream.close)
        elif scope["type"] == "http":
            try:
                await self._exchange(scope, receive, send)
            except asyncio.CancelledError:
                return  # the server is stopping and this exchange outlived the grace period: no traceback

    async def _exchange(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        raw_path: bytes = scope.get("raw_path") or path.encode()
        query: bytes = scope.get("query_string", b"")
        headers = _header_dict(scope["headers"])
        self._learn(headers)  # before anything about this request is printed or written
        if "upgrade" in headers:
            message = f"protocol upgrades (Upgrade: {headers['upgrade'][:40]}) are not forwarded; send plain HTTP"
            await _answer(send, 400, {"proxyError": message})
            return
        control = path.startswith(CONTROL_PREFIX)
        if control and not (self.controls and _loopback_caller(scope)):
            await _answer(send, 403, {"proxyError": "the mock's test controls are not served to this caller"})
            return
        refused = (host_refusal(scope, self.allowed_hosts) or control_refusal(scope)) if control else None
        if refused is not None:  # the mock's own rules (callers.py), judged against the proxy's own origin
            await _answer(send, refused.status, {"proxyError": refused.message, "field": refused.field})
            return
        body = await self._read(scope, receive, send)
        if body is None:
            return
        flight = _Flight(
            time.monotonic() - self._started + self._moved,
            time.time(),
            time.perf_counter(),
            masked_query(self.redactor, query.decode("latin-1")),
            raw_path.decode("latin-1"),
            headers,
        )
        refusal = _unsafe_json(body) if not path.startswith(CONTROL_PREFIX) else None
        if refusal is not None:  # no validator or upstream should see it; the caller gets why, and it is recorded
            flight.error = refusal
            answer = _proxy_answer(400, {"proxyError": refusal})
            await _send_answer(send, answer)
            self._finish(scope, body, answer, flight, own=True)
            return
        # A control request the proxy let through is its own to vouch for: the browser headers it judged are not
        # passed on (the mock would compare the proxy's origin with its own authority and refuse).
        dropped = _NOT_FORWARDED | _BROWSER_ORIGIN if control else _NOT_FORWARDED
        forward = [(k, v) for k, v in scope["headers"] if k not in dropped]
        target = raw_path + (b"?" + query if query else b"")
        try:
            stopping = scope.get("extensions", {}).get("juspay.stopping")
            answer = await _unless_stopping(self._upstream.request(method, target, forward, body), stopping)
        except (asyncio.CancelledError, _Stopping):  # SIGTERM before the upstream answered: say so, record it
            flight.error = "the proxy stopped before the upstream answered; the request may have reached it"
            await _answer(send, 503, {"proxyError": flight.error})
            self._finish(scope, body, None, flight)
            return
        except UpstreamError as exc:
            flight.error = f"upstream unreachable: {exc}"
            await _answer(send, 502, {"proxyError": flight.error})
            self.upstream_errors += 1
            self._print(f"upstream error: {method} {path}: {flight.error}")
            self._finish(scope, body, None, flight)
            return
        passed = [(k, v) for k, v in answer.headers if k.lower() not in _HOP and k.lower() != b"content-length"]
        passed.append((b"content-length", str(len(answer.body)).encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": passed})
        await send({"type": "http.response.body", "body": answer.body})
        self._finish(scope, body, answer, flight)

    def _finish(self, scope: Scope, body: bytes, answer: Answer | None, flight: _Flight, own: bool = False) -> None:
        """After the caller has its answer: learn the secrets, check, report and record the exchange. An answer
        the proxy made itself (`own`) is recorded but never judged: the upstream did not give it."""
        flight.elapsed_ms = (time.perf_counter() - flight.clock) * 1000
        if scope["path"].startswith(CONTROL_PREFIX):
            self._follow_control(scope["path"], answer)
            return
        exchange = self.checker.exchange(scope["method"], scope["path"], flight.headers, body)
        found = self._check(exchange, answer, judge=not own)
        self.exchanges += 1
        if not found and self.recorder is None:
            return
        request_fields = cassette.body_fields(self.redactor, body)  # registers the OTP before anything is written
        self._report(exchange, found)
        if self.recorder is not None:
            self._record(exchange, request_fields, answer is not None, found, flight)

    async def _read(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The whole request body, or None once the caller has been answered (or has gone): a body over the
        limit (413), one that does not arrive in time (408), or no room left for parked bodies (503)."""
        declared = dict(scope["headers"]).get(b"content-length")
        expected = int(declared) if declared is not None and declared.isdigit() else 0
        reserved = min(expected, self.max_body_bytes) or self.max_body_bytes  # unknown length: the most it may be
        if self._parked + reserved > MAX_PARKED_BYTES:
            await _answer(send, 503, {"proxyError": "too many request bodies in flight; try again"})
            return None
        self._parked += reserved
        try:
            return await read_body(receive, self.max_body_bytes, self.body_timeout, declared)
        except BodyTooLarge:
            await _answer(send, 413, {"proxyError": f"request body over {self.max_body_bytes} bytes; not forwarded"})
        except BodyTimeout:
            await _answer(send, 408, {"proxyError": f"request body not received within {self.body_timeout}s"})
        except ClientGone:
            pass  # the caller left before its body was complete: nothing is sent upstream
        finally:
            self._parked -= reserved
        return None

    def _follow_control(self, path: str, answer: Answer | None) -> None:
        """A control call is neither checked nor recorded; an advance of the mock's clock moves the timeline."""
        if path == CONTROL_PREFIX + "clock" and answer is not None and answer.status == 200:
            self._moved += _advanced(answer.body)

    def _learn(self, headers: dict[str, str]) -> None:
        """Register the key a request carries, so that it is masked wherever it appears (bounded: redact.py)."""
        carried = (headers.get("authorization"), headers.get("x-api-key"), headers.get("api-key"))
        if carried != self._last_learned:  # most traffic carries one key: learning it again costs nothing
            cassette.learn_secrets(self.redactor, headers)
            self._last_learned = carried

    def _check(self, exchange: Exchange, answer: Answer | None, judge: bool = True) -> list[Violation]:
        found = self.checker.request(exchange)
        if answer is not None:
            headers = _header_dict(answer.headers)
            body = _decoded(headers.get("content-encoding"), answer.body)
            if judge:
                found += self.checker.response(exchange, answer.status, headers, body)
            else:
                exchange.status, exchange.answer_headers, exchange.answer_body = answer.status, headers, body
        return found

    def _report(self, exchange: Exchange, found: list[Violation]) -> None:
        operation = exchange.operation.facts.operation_id if exchange.operation else None
        for violation in found:
            self.violations[violation.check] += 1
            self._print(
                f"violation: {operation or exchange.path} {violation.direction} {violation.path}: "
                f"{violation.message} ({violation.check})"
            )

    def _record(
        self,
        exchange: Exchange,
        request_fields: dict[str, Any],
        answered: bool,
        found: list[Violation],
        flight: _Flight,
    ) -> None:
        assert self.recorder is not None
        response: dict[str, Any] | None = None
        if answered:
            response = {
                "status": exchange.status,
                "headers": cassette.masked_headers(self.redactor, exchange.answer_headers),
                **cassette.body_fields(self.redactor, exchange.answer_body or b""),
            }
        self._write(
            {
                "seq": self.exchanges,
                "at": round(flight.at, 3),
                "startedAt": datetime.fromtimestamp(flight.started_at, UTC).isoformat(timespec="milliseconds")[:-6]
                + "Z",
                "elapsedMs": round(flight.elapsed_ms, 3),
                "operation": exchange.operation.facts.operation_id if exchange.operation else None,
                "request": {
                    "method": exchange.method,
                    "path": flight.path,
                    "query": flight.query,
                    "headers": cassette.masked_headers(self.redactor, exchange.headers, self._keys),
                    **request_fields,
                },
                "response": response,
                "error": flight.error,
                "violations": [v.as_dict() for v in found],
            }
        )

    def _print(self, line: str) -> None:
        print(printable(self.redactor.text(line)), file=self.out, flush=True)

    def _write(self, record: dict[str, Any]) -> None:
        """Record an exchange the readers take. Any caller (a web page too) may send what they refuse, and with it
        the whole recording: `POST //x` (replay would read another host), a secret in a header's name (masked,
        no name any more); such an exchange is named on the console, not recorded."""
        assert self.recorder is not None
        request = record["request"]
        problem = cassette.exchange_problem(record) or next(
            ("a header name holds a secret" for name in request["headers"] if self.redactor.text(name) != name), None
        )
        if problem is not None:
            self._print(f"juspay-proxy: not recorded: {request['method']} {request['path'][:100]}: {problem}")
            return
        self.recorder.write(record)
        if self.recorder.failed:
            self._print(
                f"juspay-proxy: cannot write the cassette {self.recorder.path}: {self.recorder.failed}; recording "
                "stopped (the cassette ends with the last whole exchange), forwarding goes on"
            )
            self.recorder.close()
            self.recorder = None


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


def _decoded(content_encoding: str | None, raw: bytes) -> bytes | None:
    """The answer's body with gzip/deflate undone, for the checks (the caller got `raw`); None when the
    encoding is one the proxy does not decode, or inflates beyond MAX_DECODED_BYTES (the body is then not
    checked)."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return raw
    windows = {"gzip": (16 + zlib.MAX_WBITS,), "deflate": (zlib.MAX_WBITS, -zlib.MAX_WBITS)}.get(encoding, ())
    for wbits in windows:
        inflater = zlib.decompressobj(wbits)
        try:
            body = inflater.decompress(raw, MAX_DECODED_BYTES)
        except zlib.error:
            continue
        return None if inflater.unconsumed_tail else body
    return None


def _loopback_caller(scope: Scope) -> bool:
    client = scope.get("client")
    return client is not None and is_loopback_host(str(client[0]))


class _Stopping(Exception):
    """The server is stopping and the upstream has not answered yet."""


async def _unless_stopping(work: Coroutine[Any, Any, Answer], stopping: asyncio.Event | None) -> Answer:
    """`work`'s answer, or _Stopping as soon as the server starts to stop (the upstream call is then cancelled)."""
    if stopping is None:
        return await work
    task, stop = asyncio.ensure_future(work), asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        if not task.done():
            task.cancel()
    if not task.done() or task.cancelled():
        raise _Stopping
    return task.result()


def _unsafe_json(body: bytes) -> str | None:
    """Why a JSON request body cannot be forwarded (a lone surrogate, a number that is not finite or out of
    range: no validator or float takes them), naming the field; None for any other body."""
    try:
        found = schema.hazard(guard.loads(body))
    except (ValueError, guard.TooDeep):
        return None  # not JSON, or too deep to judge here: forwarded, and the checks say so
    return None if found is None else f"request body field {found[0]} holds {found[1]}; not forwarded"


def _proxy_answer(status: int, body: dict[str, Any]) -> Answer:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    return Answer(status, [*headers, (b"x-juspay-proxy", b"error")], data)


async def _send_answer(send: Send, answer: Answer) -> None:
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
    await send({"type": "http.response.body", "body": answer.body})


async def _answer(send: Send, status: int, body: dict[str, Any]) -> None:
    await _send_answer(send, _proxy_answer(status, body))
