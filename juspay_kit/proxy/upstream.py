"""The proxy's HTTP/1.1 client to its upstream: asyncio streams, httptools' parser, a pool of keep-alive
connections.

httpx's async pool managed about 750 requests/s with 16 concurrent callers on the bench machine, a
twentieth of the mock's throughput; this client does only what forwarding needs: send the request bytes
as they came, parse the answer (Content-Length, chunked, or until close), reuse the connection. No
environment proxy, no redirects, no cookies, no content decoding: the caller gets the upstream's bytes.

One answer per caller: a connection goes back to the pool only after one framed answer with no byte beyond
it, is taken from the pool only if nothing arrived on it meanwhile, and is dropped after MAX_IDLE_AGE idle
seconds. An answer cut short before its declared end,
or with a status outside 100-599, is an UpstreamError (the caller gets a 502). A request is never sent twice
unless its method is idempotent and the pooled connection closed before a single byte of answer.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httptools

from juspay_kit.errors import StaleConnection, UpstreamError

Headers = list[tuple[bytes, bytes]]
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})  # may be resent (RFC 9110 9.2.2)
MAX_IDLE_AGE = 4.0  # seconds a pooled connection may wait; older ones are closed (servers close idle ones)
MAX_ANSWER_BYTES = 16 * 1024 * 1024  # an answer beyond this is refused (a Juspay answer is well under 1 KiB)


@dataclass
class Answer:
    status: int
    headers: Headers
    body: bytes


@dataclass
class _Parsed:
    status: int = 0
    headers: Headers = field(default_factory=list)
    body: list[bytes] = field(default_factory=list)
    complete: bool = False
    headers_done: bool = False
    keep_alive: bool = False
    framed: bool = False  # the answer says where it ends (Content-Length or chunked), not the connection's close
    messages: int = 0  # answers begun on this read: more than one means the upstream sent extra bytes
    parser: Any = None

    def on_message_begin(self) -> None:
        self.messages += 1

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.complete:
            return  # a second answer the upstream should not have sent: ignored, the connection is dropped
        self.headers.append((name, value))
        lowered = name.lower()
        if lowered == b"content-length" or (lowered == b"transfer-encoding" and b"chunked" in value.lower()):
            self.framed = True

    def on_headers_complete(self) -> None:
        if self.complete:
            return
        self.status = self.parser.get_status_code()  # read now: a second answer in the same read would replace it
        self.headers_done = True
        self.keep_alive = self.parser.should_keep_alive()  # llhttp answers False once the message is complete

    def on_body(self, body: bytes) -> None:
        if not self.complete:
            self.body.append(body)

    def on_message_complete(self) -> None:
        self.complete = True


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.idle_since = 0.0

    async def exchange(self, request: bytes, head_only: bool) -> tuple[Answer, bool]:
        """(answer, whether the connection may be reused). An answer cut short before its declared end is an
        UpstreamError, never passed on as complete."""
        self.writer.write(request)
        parsed = _Parsed()
        parser = parsed.parser = httptools.HttpResponseParser(parsed)
        received = False
        size = 0
        while not parsed.complete:
            try:
                chunk = await self.reader.read(65536)
            except ConnectionResetError:
                if received:
                    raise
                chunk = b""
            if not chunk:
                if parsed.headers_done and not parsed.framed:  # a body delimited by the connection's close
                    return Answer(_status(parsed.status), parsed.headers, b"".join(parsed.body)), False
                if not received:  # the upstream had closed the pooled connection: nothing reached it
                    raise StaleConnection("closed before answering")
                raise UpstreamError("closed mid-answer")
            received = True
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise UpstreamError(f"answer larger than {MAX_ANSWER_BYTES} bytes")
            try:
                parser.feed_data(chunk)
            except httptools.HttpParserUpgrade:
                raise UpstreamError("asked to switch protocols") from None
            except httptools.HttpParserError:
                if parsed.complete:  # bytes after the answer that do not parse: never reuse this connection
                    break
                raise UpstreamError("sent a malformed answer") from None
            if head_only and parsed.headers_done:
                break
        answer = Answer(_status(parsed.status), parsed.headers, b"".join(parsed.body))
        # Reused only after one whole answer and nothing beyond it: extra bytes would reach the next caller.
        reuse = parsed.keep_alive and parsed.messages == 1 and not head_only and not _unread(self.reader)
        return answer, reuse

    def close(self) -> None:
        self.writer.close()


def _unread(reader: asyncio.StreamReader) -> bool:
    """Whether bytes the upstream sent are waiting, unread (asyncio has no public peek: its buffer is read)."""
    return bool(getattr(reader, "_buffer", b""))


def _status(status: int) -> int:
    if not 100 <= status <= 599:
        raise UpstreamError("sent an invalid status code")
    return status


class Upstream:
    """Forward requests to one base URL (http or https) over pooled keep-alive connections."""

    def __init__(self, base_url: str, timeout: float = 30.0, connect_timeout: float = 5.0, max_idle: int = 64) -> None:
        parts = urlsplit(base_url)
        self.tls = parts.scheme == "https"
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if self.tls else 80)
        self.prefix = parts.path.rstrip("/")
        default_port = self.port == (443 if self.tls else 80)
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.authority = (host if default_port else f"{host}:{self.port}").encode()
        self.timeout, self.connect_timeout, self.max_idle = timeout, connect_timeout, max_idle
        self._ssl = ssl.create_default_context() if self.tls else None
        self._idle: list[_Connection] = []

    async def _connect(self) -> _Connection:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port, ssl=self._ssl, limit=1 << 20), self.connect_timeout
            )
        except TimeoutError:
            raise UpstreamError("connect timed out") from None
        except OSError as exc:
            raise UpstreamError(f"connect failed ({exc.strerror or type(exc).__name__})") from None
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _Connection(reader, writer)

    async def request(self, method: str, target: bytes, headers: Headers, body: bytes) -> Answer:
        """Send `method target` with `headers` (hop-by-hop ones already removed) and `body`."""
        head = [f"{method} ".encode() + self.prefix.encode() + target + b" HTTP/1.1", b"host: " + self.authority]
        head += [name + b": " + value for name, value in headers]
        if body or method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
            head.append(b"content-length: " + str(len(body)).encode())
        data = b"\r\n".join(head) + b"\r\n\r\n" + body
        while self._idle:
            connection = self._idle.pop()
            if connection.reader.at_eof() or connection.writer.is_closing() or _unread(connection.reader):
                connection.close()
                continue
            if time.monotonic() - connection.idle_since > MAX_IDLE_AGE:
                connection.close()  # the upstream may be closing it right now
                continue
            try:
                return await self._attempt(connection, data, method == "HEAD")
            except StaleConnection:
                if method not in IDEMPOTENT:
                    raise  # the upstream may have read it: a Trigger OTP is never sent twice
                break  # an idempotent request: sent again below, once, on a fresh connection
        return await self._attempt(await self._connect(), data, method == "HEAD")  # fresh (or after a stale one)

    async def _attempt(self, connection: _Connection, data: bytes, head_only: bool) -> Answer:
        try:
            answer, keep = await asyncio.wait_for(connection.exchange(data, head_only), self.timeout)
        except TimeoutError:
            connection.close()
            raise UpstreamError("no answer in time") from None
        except OSError as exc:
            connection.close()
            raise UpstreamError(f"connection failed ({exc.strerror or type(exc).__name__})") from None
        except UpstreamError:
            connection.close()
            raise
        self._release(connection, keep)
        return answer

    def _release(self, connection: _Connection, keep: bool) -> None:
        if keep and len(self._idle) < self.max_idle and not connection.reader.at_eof():
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()
