"""Tiny HTTP servers on 127.0.0.1 for client tests: canned JSON replies, or any reply a handler makes."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# (path, lower-cased headers, body) -> (status, content type, body bytes)
Reply = tuple[int, str, bytes]
Handler = Callable[[str, dict[str, str], bytes], Reply]


@dataclass
class Recorder:
    replies: dict[str, tuple[int, Any]]
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)


@contextmanager
def serving(handle: Handler) -> Iterator[tuple[str, list[tuple[str, dict[str, str], bytes]]]]:
    """Answer every POST with `handle(...)` on a free loopback port; yields (base_url, requests seen)."""
    seen: list[tuple[str, dict[str, str], bytes]] = []

    class RequestHandler(BaseHTTPRequestHandler):
        disable_nagle_algorithm = True
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - http.server naming
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            seen.append((self.path, headers, body))
            status, content_type, data = handle(self.path, headers, body)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def recording_server(replies: dict[str, tuple[int, Any]]) -> Iterator[tuple[str, Recorder]]:
    """Serve `replies` (path -> (status, json body)) on a free loopback port; yields (base_url, recorder)."""
    recorder = Recorder(replies)

    def handle(path: str, headers: dict[str, str], body: bytes) -> Reply:
        status, payload = recorder.replies.get(path, (404, {"status": "error"}))
        return status, "application/json", json.dumps(payload).encode()

    with serving(handle) as (base_url, seen):
        recorder.requests = seen
        yield base_url, recorder


RawAnswer = Callable[[int, bytes], tuple[bytes, bool]]


def read_request(conn: socket.socket, pending: bytearray) -> bytes | None:
    """One whole request (head and Content-Length body) off `conn`; bytes beyond it stay in `pending`."""
    while b"\r\n\r\n" not in pending:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        pending += chunk
    head, _, rest = bytes(pending).partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)  # fmt: skip
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        rest += chunk
    pending[:] = rest[length:]
    return head + b"\r\n\r\n" + rest[:length]


@contextmanager
def listening(talk: Callable[[socket.socket, threading.Event], None]) -> Iterator[str]:
    """A loopback listener handing each connection to `talk(conn, stop)` in a thread of its own; yields the base
    URL, and sets `stop` at the end."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=talk, args=(conn, stop), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        listener.close()


@contextmanager
def raw_server(answer: RawAnswer) -> Iterator[tuple[str, list[bytes]]]:
    """A loopback HTTP/1.1 server that answers with raw bytes, however wrong: `answer(n, request)` gets the
    number of the request (from 1, all connections) and its bytes, and returns (bytes to write, close after).
    Yields (base_url, requests received)."""
    seen: list[bytes] = []

    def talk(conn: socket.socket, stop: threading.Event) -> None:
        pending = bytearray()
        with conn:
            conn.settimeout(5)
            try:
                while not stop.is_set():
                    request = read_request(conn, pending)
                    if request is None:
                        return
                    seen.append(request)
                    data, close = answer(len(seen), request)
                    conn.sendall(data)
                    if close:
                        return
            except OSError:
                return

    with listening(talk) as url:
        yield url, seen


def http_answer(status: int, body: bytes, content_type: bytes = b"application/json", extra: bytes = b"") -> bytes:
    head = b"HTTP/1.1 %d X\r\ncontent-type: %s\r\ncontent-length: %d\r\n" % (status, content_type, len(body))
    return head + extra + b"\r\n" + body
