"""A hostile target on loopback: every request (the API, /__mock__/health, anything) gets one hostile answer.

drip      a JSON answer that declares 10,000 bytes and sends one every DRIP seconds, for ever
headers   a status line, then one byte of a header every DRIP seconds, for ever
gzip      a 16 KB answer that gzip inflates to 16 MB (a bomb, sent whatever the request asked for)
endless   a chunked answer that never ends
huge      an answer that declares 300 MB and sends them
deep      JSON nested 100,000 levels deep
limits    a Trigger OTP success whose limits are absurd ("²", and a number of 5,000 digits)
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tests.loopback import listening, read_request

DRIP = 0.1
MODES = ("drip", "endless", "huge", "deep", "limits")
BOMB = gzip.compress(b"0" * (16 << 20), compresslevel=9)
_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n"


def _answer(mode: str, conn: socket.socket, stop: threading.Event) -> None:
    if mode == "headers":
        conn.sendall(b"HTTP/1.1 200 OK\r\nx-slow: ")
        while not stop.wait(DRIP):
            conn.sendall(b"a")
    elif mode == "gzip":
        body = BOMB
        conn.sendall(_HEAD + b"content-encoding: gzip\r\ncontent-length: %d\r\n\r\n" % len(body) + body)
    elif mode == "drip":
        conn.sendall(_HEAD + b"content-length: 10000\r\n\r\n{")
        while not stop.wait(DRIP):
            conn.sendall(b" ")
    elif mode == "endless":
        conn.sendall(_HEAD + b"transfer-encoding: chunked\r\n\r\n")
        chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
        while not stop.is_set():
            conn.sendall(chunk)
    elif mode == "huge":
        conn.sendall(_HEAD + b"content-length: 300000000\r\n\r\n")
        block = b" " * (1 << 20)
        for _ in range(300):
            if stop.is_set():
                break
            conn.sendall(block)
    else:
        if mode == "deep":
            body = b"[" * 100_000 + b"]" * 100_000
        else:
            limits = '{"maxOTPRequestsAllowed": "²", "maxOTPVerificationAllowed": "' + "9" * 5000 + '"}'
            body = ('{"status": "SUCCESS", "response": ' + limits + "}").encode()
        conn.sendall(_HEAD + b"content-length: %d\r\n\r\n" % len(body) + body)


def _relay(request: bytes, upstream: str, conn: socket.socket) -> None:
    """`request` sent to `upstream` and its one answer passed back, marked `connection: close`."""
    host, port = upstream.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as up:
        up.sendall(request)
        answer = bytearray()
        while b"\r\n\r\n" not in answer:
            answer += up.recv(65536)
        head, _, body = bytes(answer).partition(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)  # fmt: skip
        while len(body) < length:
            body += up.recv(65536)
    status, _, rest = head.partition(b"\r\n")
    conn.sendall(status + b"\r\nconnection: close\r\n" + rest + b"\r\n\r\n" + body)


@contextmanager
def selective(upstream: str) -> Iterator[str]:
    """A target that serves the kit's own httpx requests from `upstream` (so the health check and the rule probe
    pass) and drips its headers, for ever, to every other client: schemathesis's requests."""

    def serve_one(conn: socket.socket, stop: threading.Event) -> None:
        with conn:
            try:
                request = read_request(conn, bytearray())
                if request is None:
                    return
                if b"python-httpx" in request.partition(b"\r\n\r\n")[0].lower():
                    _relay(request, upstream, conn)
                else:
                    _answer("headers", conn, stop)
            except OSError:
                return

    with listening(serve_one) as url:
        yield url


@contextmanager
def hostile(mode: str) -> Iterator[str]:
    """Serve `mode` on a free loopback port; yields the base URL. Each connection answers one request."""

    def serve_one(conn: socket.socket, stop: threading.Event) -> None:
        with conn:
            try:
                if read_request(conn, bytearray()) is not None:
                    _answer(mode, conn, stop)
                    time.sleep(0.05)
            except OSError:
                return  # the reader gave up: that is the point

    with listening(serve_one) as url:
        yield url
