"""Tiny HTTP servers on 127.0.0.1 for client tests: canned JSON replies, or any reply a handler makes."""

from __future__ import annotations

import json
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
