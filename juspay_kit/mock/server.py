"""Serve an ASGI app (the mock's, the proxy's) under uvicorn on the guarded protocol, on a socket bound before
start-up so port 0 picks a free port."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import uvicorn

from juspay_kit.mock.app import MockApp, MockSettings
from juspay_kit.mock.protocol import ConnectionLimits, guarded

GRACEFUL_SHUTDOWN_SECONDS = 3  # on Ctrl-C or SIGTERM, open connections get this long, then they are closed


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: without it, the separate header and body writes of a response
    # meet the client's delayed ACK and every request costs ~40 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(
    settings: MockSettings,
    host: str,
    port: int,
    on_ready: Callable[[str], None] | None = None,
    access_log: bool = False,
    limits: ConnectionLimits | None = None,
) -> None:
    """Serve until interrupted. `on_ready(url)` runs once the server accepts requests."""
    sock = bind(host, port)
    url = url_of(sock)
    app = MockApp(settings, on_startup=(lambda: on_ready(url)) if on_ready else None)
    run_guarded(app, sock, limits, access_log=access_log)


def run_guarded(
    app: Any, sock: socket.socket, limits: ConnectionLimits | None = None, access_log: bool = False
) -> None:
    """Serve `app` on `sock` until interrupted, every connection under `limits` (see protocol.py)."""
    limits = limits or ConnectionLimits()
    config = uvicorn.Config(
        app,
        http=guarded(limits),
        ws="none",  # an Upgrade request is served as plain HTTP (the proxy refuses it with a JSON answer)
        lifespan="on",
        access_log=access_log,
        log_level="info" if access_log else "warning",
        timeout_keep_alive=int(limits.idle_timeout) or 1,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        server_header=False,
        date_header=False,
        proxy_headers=False,
    )
    uvicorn.Server(config).run(sockets=[sock])
