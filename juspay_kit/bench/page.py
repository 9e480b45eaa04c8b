"""7. The inbox page's cost: Trigger OTP's latency with the page open against no page, at 100,000 sessions.

The mock is filled to its session cap (pipelined Trigger OTP requests, each on a fresh session), then one
sequential caller posts Trigger OTP on fresh sessions (each evicts the least recently used, so the store stays at
the cap) and times every call: interleaved rounds without and with "the page open". The page is simulated by a
poller process doing what the page's script does, with no browser: every 500 ms (setInterval) a
`GET /__mock__/state?view=page&limit=200` with the last ETag in If-None-Match. The caller changes the state
between polls, so every poll is a full 200: the page's worst case. Also measured once: the size and time of one
full `GET /__mock__/state` (what the page polled before 0.6.0) against one page of rows.
"""

from __future__ import annotations

import json
import multiprocessing
import socket
import statistics
import time
from typing import Any

import httpx

from juspay_kit.bench.tools import API_KEY, MERCHANT, TRIGGER_PATH, api_headers
from juspay_kit.errors import HarnessError

PAGE_QUERY = "/__mock__/state?view=page&limit=200"  # what the page's script asks (ui.py)
PAGE_INTERVAL = 0.5  # the page's setInterval, in seconds
_STEP_UP = "Y2UyOWU0N2E1NGYzNGM2OTY4MjQxZTZhYzkxMTNkMDE="


def page_cost(rounds: int = 2, calls: int = 3000, sessions: int = 100_000) -> dict[str, Any]:
    """p50/p99/max of Trigger OTP with no page and with the page open, at `sessions` sessions, interleaved."""
    from juspay_kit.mock.process import running_mock

    times: dict[str, list[float]] = {"no_page": [], "page": []}
    polls: dict[str, int] = {}
    with running_mock(API_KEY, MERCHANT) as mock:
        fill(mock.url, sessions)
        full, one_page = _one_get(mock.url, "/__mock__/state"), _one_get(mock.url, PAGE_QUERY)
        _latencies(mock.url, 300, "warm")
        for index in range(rounds):
            times["no_page"] += _latencies(mock.url, calls, f"none-{index}")
            context = multiprocessing.get_context("spawn")
            stop, counts = context.Event(), context.Queue()
            poller = context.Process(target=poll_like_the_page, args=(mock.url, stop, counts), daemon=True)
            poller.start()
            try:
                time.sleep(1.0)  # the page is open and polling before the first timed call
                times["page"] += _latencies(mock.url, calls, f"page-{index}")
            finally:
                stop.set()
                round_polls = counts.get(timeout=30)
                poller.join(10)
            for key, value in round_polls.items():
                polls[key] = polls.get(key, 0) + value
            print(f"  round {index + 1}: Trigger OTP p99 no page {_p99(times['no_page']):.2f} ms, "
                  f"page open {_p99(times['page']):.2f} ms ({round_polls})", flush=True)  # fmt: skip
        held = httpx.get(f"{mock.url}/__mock__/health", trust_env=False, timeout=30).json()["sessions"]
    figures = {name: _figures(values) for name, values in times.items()}
    return {"sessions": held, "calls": calls * rounds, "rounds": rounds, **figures,
            "p99_ratio": round(figures["page"]["p99_ms"] / figures["no_page"]["p99_ms"], 2), "polls": polls,
            "full_state": full, "page_of_rows": one_page}  # fmt: skip


def poll_like_the_page(url: str, stop: Any, counts: Any) -> None:
    """What the inbox page's script does while it is open, until `stop` is set; puts the statuses it got."""
    seen: dict[str, int] = {}
    tag: str | None = None
    started = time.monotonic()
    with httpx.Client(base_url=url, trust_env=False, timeout=30) as http:
        tick = 0
        while not stop.is_set():
            answer = http.get(PAGE_QUERY, headers={"If-None-Match": tag} if tag else {})
            seen[str(answer.status_code)] = seen.get(str(answer.status_code), 0) + 1
            if answer.status_code == 200:
                answer.json()  # as the page does; never slower than the browser would be
                tag = answer.headers.get("etag")
            tick += 1
            stop.wait(max(0.0, started + tick * PAGE_INTERVAL - time.monotonic()))
    counts.put(seen)


def fill(url: str, sessions: int, batch: int = 10) -> None:
    """Open `sessions` OTP sessions with pipelined Trigger OTP requests on one connection (no client per call)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    head = "".join(f"{name}: {value}\r\n" for name, value in api_headers().items())
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        for start in range(0, sessions, batch):
            requests = []
            for index in range(start, min(start + batch, sessions)):
                fields = {"tokenReference": "t", "vProvisionedTokenId": "t", "clientReferenceId": f"fill-{index}",
                          "stepUpRequestId": _STEP_UP}  # fmt: skip
                body = json.dumps(fields).encode()
                requests.append(f"POST {TRIGGER_PATH} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}"
                                f"Content-Length: {len(body)}\r\n\r\n".encode() + body)  # fmt: skip
            sock.sendall(b"".join(requests))
            _read_answers(sock, len(requests))


def _read_answers(sock: socket.socket, expected: int) -> None:
    buffer, answered = b"", 0
    while answered < expected:
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            chunk = sock.recv(1 << 16)
            if not chunk:
                raise HarnessError("the mock closed the connection while the bench filled it")
            buffer += chunk
            continue
        head = buffer[:end].decode("latin-1").split("\r\n")
        if not head[0].startswith("HTTP/1.1 200"):
            raise HarnessError(f"filling the mock got {head[0]!r}")
        length = next(int(line.split(":", 1)[1]) for line in head if line.lower().startswith("content-length:"))
        while len(buffer) < end + 4 + length:
            buffer += sock.recv(1 << 16)
        buffer, answered = buffer[end + 4 + length :], answered + 1


def _latencies(url: str, calls: int, prefix: str) -> list[float]:
    headers, times = api_headers(), []
    with httpx.Client(base_url=url, timeout=30, trust_env=False) as http:
        for index in range(calls):
            body = {"tokenReference": "t", "vProvisionedTokenId": "t", "clientReferenceId": f"{prefix}-{index}",
                    "stepUpRequestId": _STEP_UP}  # fmt: skip
            started = time.perf_counter()
            answer = http.post(TRIGGER_PATH, json=body, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise HarnessError(f"Trigger OTP got {answer.status_code} during the page's bench")
    return times


def _one_get(url: str, path: str) -> dict[str, Any]:
    started = time.perf_counter()
    answer = httpx.get(f"{url}{path}", trust_env=False, timeout=120)
    return {"bytes": len(answer.content), "ms": round((time.perf_counter() - started) * 1000, 1)}


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 100 else max(values)


def _figures(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(values), 3), "p99_ms": round(_p99(values), 3),
            "max_ms": round(max(values), 2)}  # fmt: skip
