"""The mock against hostile clients: each class of abuse gets a bounded, documented answer (JSON 4xx, or the
connection closed), and the mock keeps serving valid requests afterwards. Small limits keep this quick."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from juspay_kit.cli import run
from juspay_kit.commands import mock as mock_command
from juspay_kit.mock.process import RunningMock, running_mock
from tests.conftest import API_KEY, MERCHANT, auth_headers

LIMITS = ["--max-header-bytes", "4096", "--max-headers", "24", "--head-timeout", "0.6", "--idle-timeout", "0.6",
          "--max-connections", "40"]  # fmt: skip
VALID = {"tokenReference": "t", "vProvisionedTokenId": "t", "clientReferenceId": "c", "stepUpRequestId": "s"}


@pytest.fixture(scope="module")
def hardened() -> Iterator[RunningMock]:
    with running_mock(API_KEY, MERCHANT, LIMITS) as running:
        yield running


def address(running: RunningMock) -> tuple[str, int]:
    host, port = running.url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def still_serves(running: RunningMock) -> None:
    headers = {**auth_headers(), "Content-Type": "application/json"}
    started = time.monotonic()
    answer = httpx.post(f"{running.url}/initiateVerification", json={**VALID, "clientReferenceId": str(started)},
                        headers=headers, timeout=5, trust_env=False)  # fmt: skip
    assert answer.status_code == 200 and time.monotonic() - started < 1.0


def exchange(running: RunningMock, data: bytes, wait: float = 5.0) -> tuple[int | None, dict[str, Any], float]:
    """Send raw bytes, read until the server closes: (status, JSON body or {}, seconds until closed)."""
    started = time.monotonic()
    with socket.create_connection(address(running), timeout=wait) as sock:
        try:
            sock.sendall(data)
        except OSError:
            pass  # the server may close while a large request is still being written
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    elapsed = time.monotonic() - started
    if not received:
        return None, {}, elapsed
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body) if body else {}, elapsed


def request_head(extra: bytes = b"") -> bytes:
    auth = auth_headers()
    return (
        b"POST /initiateVerification HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        + f"Authorization: {auth['Authorization']}\r\nx-merchantid: {MERCHANT}\r\n".encode()
        + extra
    )


def test_an_oversized_request_head_gets_431_and_nothing_stalls(hardened: RunningMock) -> None:
    status, body, elapsed = exchange(hardened, request_head(b"X-Big: " + b"a" * 1_000_000 + b"\r\n\r\n"))
    assert status == 431 and body["error_info"]["code"] == "INVALID_INPUT" and elapsed < 2
    still_serves(hardened)


def test_too_many_header_lines_get_431(hardened: RunningMock) -> None:
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(40))
    status, body, _ = exchange(hardened, request_head(many + b"Content-Length: 2\r\n\r\n{}"))
    assert status == 431 and "header lines" in body["error_message"]
    still_serves(hardened)


def test_a_request_head_that_never_finishes_gets_408(hardened: RunningMock) -> None:
    status, body, elapsed = exchange(hardened, b"POST /initiateVerification HTT")
    assert status == 408 and "did not arrive" in body["error_message"] and elapsed < 3
    still_serves(hardened)


def test_a_silent_connection_is_closed(hardened: RunningMock) -> None:
    status, _, elapsed = exchange(hardened, b"")
    assert status is None and 0.4 < elapsed < 3


def test_connections_beyond_the_cap_are_closed_and_valid_requests_still_served(hardened: RunningMock) -> None:
    held = [socket.create_connection(address(hardened)) for _ in range(40)]
    try:
        time.sleep(0.1)
        extra = socket.create_connection(address(hardened), timeout=2)
        started = time.monotonic()
        assert extra.recv(1) == b""
        assert time.monotonic() - started < 0.3  # closed at once by the cap, not by the 0.6 s idle timeout
        extra.close()
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.1)
    still_serves(hardened)


def test_malformed_framing_gets_the_json_error_body(hardened: RunningMock) -> None:
    status, body, _ = exchange(hardened, b"POST /initiateVerification HTTP/1.1\r\nBad Header Line\r\n\r\n")
    assert status == 400 and body["error_info"]["code"] == "INVALID_INPUT"
    still_serves(hardened)


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000 + b"]" * 100_000, b'{"advanceSeconds": 1' + b"0" * 4000 + b"}", b'{"advanceSeconds": 1e999}',
     b'{"advanceSeconds": NaN}', b'{"advanceSeconds": -1}', b'{"advanceSeconds": "1"}', b"not json"],
    ids=["deep", "huge-int", "inf", "nan", "negative", "string", "not-json"],
)  # fmt: skip
def test_the_clock_control_refuses_bad_bodies_with_400(hardened: RunningMock, body: bytes) -> None:
    json_type = {"Content-Type": "application/json"}
    answer = httpx.post(f"{hardened.url}/__mock__/clock", content=body, headers=json_type, timeout=5, trust_env=False)
    assert answer.status_code == 400 and answer.json()["error_info"]["code"] == "INVALID_INPUT"
    assert httpx.get(f"{hardened.url}/__mock__/health", trust_env=False).status_code == 200


def test_identifiers_longer_than_the_documented_bound_are_refused(hardened: RunningMock) -> None:
    headers = {**auth_headers(), "Content-Type": "application/json"}
    before = httpx.get(f"{hardened.url}/__mock__/health", trust_env=False).json()["sessions"]
    answer = httpx.post(f"{hardened.url}/initiateVerification", json={**VALID, "clientReferenceId": "c" * 257},
                        headers=headers, trust_env=False)  # fmt: skip
    assert answer.status_code == 400 and answer.json()["error_info"]["fields"] == "clientReferenceId"
    assert httpx.get(f"{hardened.url}/__mock__/health", trust_env=False).json()["sessions"] == before  # none kept
    accepted = httpx.post(f"{hardened.url}/initiateVerification", json={**VALID, "clientReferenceId": "c" * 256},
                          headers=headers, trust_env=False)  # fmt: skip
    assert accepted.status_code == 200  # the bound itself is accepted, and it is what the count would show
    assert httpx.get(f"{hardened.url}/__mock__/health", trust_env=False).json()["sessions"] == before + 1


def test_slow_clients_do_not_hold_up_a_valid_request(hardened: RunningMock) -> None:
    slow = [socket.create_connection(address(hardened)) for _ in range(30)]
    try:
        for sock in slow:
            sock.sendall(b"POST /initiateVerification HTTP/1.1\r\nX-Slow: ")
        still_serves(hardened)
    finally:
        for sock in slow:
            sock.close()


def test_controls_can_be_switched_off() -> None:
    with running_mock(API_KEY, MERCHANT, ["--no-controls"]) as plain:
        answer = httpx.get(f"{plain.url}/__mock__/health", trust_env=False)
        assert answer.status_code == 404 and answer.json()["error_info"]["code"] == "RESOURCE_NOT_FOUND"
        still_serves(plain)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--host", "0.0.0.0"], "--expose-controls"),
        (["--host", "192.0.2.1"], "not loopback"),
        (["--head-timeout", "nan"], "--head-timeout"),
        (["--idle-timeout", "0"], "--idle-timeout"),
        (["--max-connections", "0"], "--max-connections"),
        (["--body-timeout", "inf"], "--body-timeout"),
    ],
)
def test_mock_refuses_unsafe_or_unbounded_settings(argv: list[str], message: str, capsys: Any) -> None:
    with pytest.raises(SystemExit) as exited:
        run(mock_command.main, argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2 and message in err and err.count("\n") == 1


def _trigger(session: str) -> bytes:
    body = json.dumps({**VALID, "clientReferenceId": session}).encode()
    return request_head(b"Content-Length: %d\r\n\r\n" % len(body)) + body


def test_an_oversized_head_sent_in_one_write_gets_431(hardened: RunningMock) -> None:
    status, body, _ = exchange(hardened, request_head(b"X-Big: " + b"a" * 6000 + b"\r\nContent-Length: 2\r\n\r\n{}"))
    assert status == 431 and body["error_info"]["code"] == "INVALID_INPUT"


def test_pipelined_requests_are_limited_one_by_one(hardened: RunningMock) -> None:
    pipelined = b"".join(_trigger(f"pipe-{time.monotonic()}-{n}") for n in range(20))
    assert len(pipelined) > 4096  # more than one head's limit in all, each head well under it
    with socket.create_connection(address(hardened), timeout=5) as sock:
        sock.sendall(pipelined)
        received = b""
        while received.count(b"HTTP/1.1 ") < 20 and (chunk := sock.recv(65536)):
            received += chunk
    assert received.count(b"HTTP/1.1 200 ") == 20, received[:300]


def test_the_idle_timeout_is_armed_again_after_each_answer(hardened: RunningMock) -> None:
    with socket.create_connection(address(hardened), timeout=5) as sock:
        sock.sendall(_trigger(f"idle-{time.monotonic()}"))
        answer = b""
        while not answer.endswith(b"}"):  # the whole answer: head and JSON body may come in two reads
            answer += sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200 ")
        started = time.monotonic()
        assert sock.recv(1) == b""  # closed by the server once idle again
        assert 0.4 < time.monotonic() - started < 3
