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


def _length(request: bytes) -> int:
    head = request.partition(b"\r\n\r\n")[0].lower()
    found = [line.split(b":", 1)[1] for line in head.split(b"\r\n") if line.startswith(b"content-length:")]
    return int(found[0]) if found else 0


@contextmanager
def hostile(mode: str) -> Iterator[str]:
    """Serve `mode` on a free loopback port; yields the base URL. Each connection answers one request."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def serve_one(conn: socket.socket) -> None:
        with conn:
            try:
                request = b""
                while b"\r\n\r\n" not in request or len(request.partition(b"\r\n\r\n")[2]) < _length(request):
                    piece = conn.recv(65536)
                    if not piece:
                        return
                    request += piece
                _answer(mode, conn, stop)
                time.sleep(0.05)
            except OSError:
                return  # the reader gave up: that is the point

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        listener.close()
