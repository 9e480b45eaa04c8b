"""The mock's HTTP/1.1 connections: uvicorn's httptools protocol with limits a hostile client cannot outlast.

Every connection is bounded:
- idle: a connection that sends nothing for `idle_timeout` seconds (after connecting, or after an answer)
  is closed;
- request head: from its first byte, the request line and headers must arrive within `head_timeout`
  seconds (else 408), in at most `max_header_bytes` bytes and `max_headers` header lines (else 431), counted
  per request however the head arrives (one read, many reads, pipelined behind other requests);
- a body still arriving after its answer was sent must finish within `idle_timeout` seconds;
- connections: beyond `max_connections` open at once, a new connection is closed at once (no answer).
The body has its own size and time limits in `app.py`. Framing the parser cannot read gets a JSON 400 here,
in the same `JuspayError` shape the application uses, instead of uvicorn's plain-text page.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from juspay_kit.mock.answers import juspay_error

_READ_SIZE = 65536  # the most one read hands the parser (asyncio's default buffer)
_REASONS = {400: b"Bad Request", 408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


@dataclass(frozen=True)
class ConnectionLimits:
    max_header_bytes: int = 16 * 1024
    max_headers: int = 64
    head_timeout: float = 10.0
    idle_timeout: float = 15.0
    max_connections: int = 1024
    body_timeout: float | None = None  # seconds for a started body, 408 after (None: the application's concern)


class _Refused(Exception):
    """Raised inside a parser callback to stop parsing; the answer is in `GuardedProtocol._refusal`."""


class GuardedProtocol(HttpToolsProtocol):
    limits = ConnectionLimits()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._refusal: tuple[int, str, str] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._stopping = asyncio.Event()  # set when the server stops: an exchange in flight may answer at once
        if len(self.connections) > self.limits.max_connections:
            transport.close()
            return
        self._await_request()

    def _await_request(self) -> None:
        """Between requests: idle until the first byte of the next head arrives."""
        self._in_head, self._started, self._head_bytes, self._header_lines = True, False, 0, 0
        self._pending, self._receiving_body, self._answered = 0, False, False
        self._arm(self.limits.idle_timeout, self._idle)

    def _arm(self, seconds: float, callback: Any) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.loop.call_later(seconds, callback)

    def _idle(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()

    def _head_too_slow(self) -> None:
        if self._in_head and not self.transport.is_closing():
            self._answer(408, "INVALID_INPUT", f"The request head did not arrive within {self.limits.head_timeout:g}s.")

    def data_received(self, data: bytes) -> None:
        if self._in_head and not self._started:
            self._started = True
            self._arm(self.limits.head_timeout, self._head_too_slow)
        super().data_received(data)
        if self._in_head and not self.transport.is_closing():
            # A head still incomplete after this read: its bytes so far are at most what arrived since it began
            # (the parser counts complete lines exactly, in on_header and on_headers_complete; this bounds an endless
            # line).
            self._pending += len(data)
            if self._pending > self.limits.max_header_bytes + _READ_SIZE:
                self._answer(431, "INVALID_INPUT", self._too_large())
        else:
            self._pending = 0

    def on_message_begin(self) -> None:
        self._in_head, self._head_bytes, self._header_lines = True, 0, 0  # limits are per request, pipelined or not
        super().on_message_begin()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_lines += 1
        if self._header_lines > self.limits.max_headers:
            self._refusal = (431, "INVALID_INPUT", f"More than {self.limits.max_headers} header lines.")
            raise _Refused
        self._head_bytes += len(name) + len(value) + 4  # the request's own head, however it arrived
        if self._head_bytes > self.limits.max_header_bytes:
            self._refusal = (431, "INVALID_INPUT", self._too_large())
            raise _Refused
        super().on_header(name, value)

    def _too_large(self) -> str:
        return f"The request head is larger than {self.limits.max_header_bytes} bytes."

    def on_headers_complete(self) -> None:
        if self._head_bytes + len(self.url) + len(b"POST  HTTP/1.1\r\n") > self.limits.max_header_bytes:
            self._refusal = (431, "INVALID_INPUT", self._too_large())
            raise _Refused
        self._in_head, self._pending, self._receiving_body = False, 0, True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.limits.body_timeout is not None:  # cancelled by on_message_complete once the body is in
            self._arm(self.limits.body_timeout, self._body_too_slow)
        super().on_headers_complete()
        # A fault may close the connection without an answer (the mock's `drop`): the app asks through the scope.
        extensions = self.scope.setdefault("extensions", {})
        extensions["juspay.drop"] = self.transport.abort  # type: ignore[assignment]
        extensions["juspay.stopping"] = self._stopping  # type: ignore[assignment]

    def _body_too_slow(self) -> None:
        if self._receiving_body and not self.transport.is_closing():
            self._answer(408, "INVALID_INPUT", f"The request body did not arrive within {self.limits.body_timeout:g}s.")

    def on_message_complete(self) -> None:
        self._receiving_body = False
        if self._timer is not None and self.limits.body_timeout is not None:
            self._timer.cancel()
            self._timer = None
        super().on_message_complete()
        if self._answered and not self.pipeline:  # answered before its body was in: now wait for the next one
            self._answered = False
            self._await_request()

    def on_response_complete(self) -> None:
        pipelined = bool(self.pipeline)
        super().on_response_complete()
        if self.transport.is_closing() or pipelined:
            return  # a pipelined request has started; its own answer re-arms the idle timer
        self._unset_keepalive_if_required()  # the idle timer below replaces uvicorn's keep-alive timer
        if self._receiving_body:
            self._answered = True  # the rest of this body is not a new request head; it gets one idle period
            self._arm(self.limits.idle_timeout, self._idle)
        else:
            self._await_request()

    def shutdown(self) -> None:
        """On Ctrl-C or SIGTERM: a connection with no whole request to finish (its head or body still arriving)
        is closed at once, so the server stops within seconds whatever callers hold open; the app is told of
        the stop (`juspay.stopping` in the scope's extensions) so that an exchange in flight can answer now."""
        self._stopping.set()
        if self._in_head or self._receiving_body:
            self.transport.close()
            return
        super().shutdown()

    def connection_lost(self, exc: Exception | None) -> None:
        if getattr(self, "_timer", None) is not None:
            self._timer.cancel()  # type: ignore[union-attr]
        super().connection_lost(exc)

    def _unsupported_upgrade_warning(self) -> None:
        """An `Upgrade:` request (websocket or any other) is served as plain HTTP, without uvicorn's warning: the
        mock answers it as the API would, the proxy refuses it with a JSON answer."""

    def send_400_response(self, msg: str) -> None:
        """Called by uvicorn when the parser gives up (or a callback above refused): a JSON answer, then close."""
        status, code, message = self._refusal or (400, "INVALID_INPUT", "Malformed HTTP request.")
        self._answer(status, code, message)

    def _answer(self, status: int, code: str, message: str) -> None:
        body = json.dumps(juspay_error(status, code, message)).encode()
        head = [
            b"HTTP/1.1 %d %s" % (status, _REASONS.get(status, b"Error")),
            b"content-type: application/json",
            b"content-length: %d" % len(body),
            b"connection: close",
        ]
        self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        self.transport.close()


def guarded(limits: ConnectionLimits) -> type[GuardedProtocol]:
    """The protocol class uvicorn instantiates per connection, carrying these limits."""
    return type("GuardedProtocol", (GuardedProtocol,), {"limits": limits})
