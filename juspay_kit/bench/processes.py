"""The servers a benchmark runs side by side: Prism, the constant-response server and the proxy, as subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from juspay_kit import api, spec
from juspay_kit.bench.tools import API_KEY, MERCHANT, TRIGGER_PATH
from juspay_kit.errors import HarnessError
from juspay_kit.spec import ROOT, SPEC_PATH


def _free_port() -> int:
    from juspay_kit.mock.server import bind

    sock = bind("127.0.0.1", 0)
    port: int = sock.getsockname()[1]
    sock.close()
    return port


def wait_until_serving(url: str, timeout: float = 60) -> None:
    body = {"tokenReference": "t", "vProvisionedTokenId": "t", "clientReferenceId": "warmup", "stepUpRequestId": "s"}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            answer = httpx.post(
                f"{url}{TRIGGER_PATH}",
                json=body,
                auth=(API_KEY, ""),
                headers={"x-merchantid": MERCHANT},
                timeout=2,
            )
            if answer.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise HarnessError(f"{url} did not come up")


@contextmanager
def prism(binary: Path) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [str(binary), "mock", str(SPEC_PATH), "-h", "127.0.0.1", "-p", str(port), "-v", "silent"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def constant_server() -> Iterator[tuple[str, int]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "juspay_kit.bench", "constant-server"], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().rsplit(" ", 1)[-1]
        wait_until_serving(url)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(10)


def constant_app() -> Any:
    """Answers every request with the docs' 200 sample of the operation (a server that costs nothing)."""
    document = spec.load()
    samples = {op.path: json.dumps(api.example(document, op.operation_id)).encode() for op in api.shared()}
    fallback = next(iter(samples.values()))

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        body = samples.get(scope["path"], fallback)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


@contextmanager
def running_proxy(upstream: str, record: Path | None = None) -> Iterator[str]:
    """`juspay-proxy` as a subprocess in front of `upstream` (recording to `record`, if given); yields its URL,
    stops it with Ctrl-C."""
    from juspay_kit.proxy import READY_PREFIX

    command = [sys.executable, "-m", "juspay_kit.commands.proxy", "--upstream", upstream, "--port", "0"]
    command += ["--record", str(record)] if record is not None else []
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    try:
        ready = process.stdout.readline()
        if not ready.startswith(READY_PREFIX):
            raise HarnessError("juspay-proxy did not come up")
        threading.Thread(target=process.stdout.read, daemon=True).start()  # keep draining its console
        yield ready[len(READY_PREFIX) :].split()[0]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve_constant() -> None:
    import uvicorn

    from juspay_kit.mock.server import bind, url_of

    sock = bind("127.0.0.1", 0)
    print(f"constant server listening on {url_of(sock)}", flush=True)
    uvicorn.Server(uvicorn.Config(constant_app(), log_level="warning", lifespan="off")).run(sockets=[sock])
