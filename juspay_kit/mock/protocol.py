"""The mock's HTTP/1.1 connections: uvicorn's httptools protocol with limits a hostile client cannot outlast.

Every connection is bounded:
- idle: a connection that sends nothing for `idle_timeout` seconds (after connecting, or after an answer)
  is closed;
- request head: from its first byte, the request line and headers must arrive within `head_timeout`
  seconds (else 408), in at most `max_header_bytes` bytes and `max_headers` header lines (else 431);
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

from juspay_kit.mock.app import juspay_error

_REASONS = {400: b"Bad Request", 408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


@dataclass(frozen=True)
class ConnectionLimits:
    max_header_bytes: int = 16 * 1024
    max_headers: int = 64
    head_timeout: float = 10.0
    idle_timeout: float = 15.0
    max_connections: int = 1024


class _Refused(Exception):
    """Raised inside a parser callback to stop parsing; the answer is in `GuardedProtocol._refusal`."""


class GuardedProtocol(HttpToolsProtocol):
    limits = ConnectionLimits()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._refusal: tuple[int, str, str] | None = None
        self._timer: asyncio.TimerHandle | None = None
        if len(self.connections) > self.limits.max_connections:
            transport.close()
            return
        self._await_request()

    def _await_request(self) -> None:
        """Between requests: idle until the first byte of the next head arrives."""
        self._in_head, self._started, self._head_bytes, self._header_lines = True, False, 0, 0
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
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > self.limits.max_header_bytes and not self.transport.is_closing():
            self._answer(431, "INVALID_INPUT", f"The request head is larger than {self.limits.max_header_bytes} bytes.")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_lines += 1
        if self._header_lines > self.limits.max_headers:
            self._refusal = (431, "INVALID_INPUT", f"More than {self.limits.max_headers} header lines.")
            raise _Refused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._unset_keepalive_if_required()  # the idle timer below replaces uvicorn's keep-alive timer
            self._await_request()

    def connection_lost(self, exc: Exception | None) -> None:
        if getattr(self, "_timer", None) is not None:
            self._timer.cancel()  # type: ignore[union-attr]
        super().connection_lost(exc)

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
