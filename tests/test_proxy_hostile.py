"""The validating proxy under hostile traffic: a misbehaving upstream, abandoned and slow callers, remote
callers, and secrets in every form a caller sends them. No traceback, one answer per caller, nothing leaked."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import io
import json
import socket
import time
import tracemalloc
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from juspay_kit.errors import UpstreamError
from juspay_kit.proxy import MAX_BODY_BYTES, cassette
from juspay_kit.proxy.app import MAX_DECODED_BYTES, MAX_PARKED_BYTES, ProxyApp, _decoded
from juspay_kit.proxy.upstream import Upstream
from juspay_kit.redact import MAX_SECRETS, PIECE, Redactor, key_forms
from tests import broken_servers
from tests.broken_servers import serve, serve_app
from tests.loopback import http_answer, raw_server
from tests.test_proxy import KEY, MERCHANT, trigger_body
from tests.test_proxy import headers as default_headers

OK = http_answer(200, b'{"status": "SUCCESS"}')


@contextmanager
def proxy(upstream: str, record: Path | None = None, **options: Any) -> Iterator[tuple[str, ProxyApp, io.StringIO]]:
    """The proxy in a thread; fails the test if its application raised (uvicorn would print a traceback)."""
    out, redactor, raised = io.StringIO(), Redactor(), []
    recorder = cassette.CassetteWriter(record, {"upstream": upstream}, redactor) if record else None
    options.setdefault("timeout", 5)
    app = ProxyApp(upstream, recorder=recorder, redactor=redactor, out=out, **options)

    async def watched(scope: Any, receive: Any, send: Any) -> None:
        try:
            await app(scope, receive, send)
        except BaseException as exc:
            raised.append(exc)
            raise

    with serve_app(watched, lifespan="on") as url:
        yield url, app, out
    if app.recorder is not None:
        app.recorder.close()
    assert raised == [], raised


def post(
    url: str,
    body: Any = None,
    *,
    path: str = "/initiateVerification",
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """A POST through the proxy: `body` as JSON (a trigger by default), or raw `content`."""
    sent = headers if headers is not None else default_headers()
    if content is not None:
        return httpx.post(url + path, content=content, headers=sent, timeout=10, trust_env=False)
    payload = body if body is not None else trigger_body("s-1")
    return httpx.post(url + path, json=payload, headers=sent, timeout=10, trust_env=False)


def is_proxy_error(answer: httpx.Response, status: int) -> bool:
    return answer.status_code == status and answer.headers.get("x-juspay-proxy") == "error"


def test_a_truncated_answer_reaches_the_caller_as_a_502() -> None:
    cut = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n" + b"x" * 60
    with raw_server(lambda n, request: (cut, True)) as (upstream, _), proxy(upstream) as (url, app, _):
        assert is_proxy_error(post(url), 502)
    assert app.upstream_errors == 1


@pytest.mark.parametrize("status", [600, 999])
def test_an_impossible_upstream_status_is_a_502(status: int) -> None:
    with raw_server(lambda n, request: (http_answer(status, b"{}"), False)) as (upstream, _):
        with proxy(upstream) as (url, _, _):
            assert is_proxy_error(post(url), 502)


@pytest.mark.parametrize("first", [400, 200])
def test_bytes_after_an_answer_never_reach_the_next_caller(first: int) -> None:
    late = http_answer(431, b'{"late": true}')

    def answer(number: int, request: bytes) -> tuple[bytes, bool]:
        return (http_answer(first, b"{}") + late if number == 1 else http_answer(200, b'{"for": "second"}')), False

    with raw_server(answer) as (upstream, _), proxy(upstream) as (url, _, _):
        assert post(url).status_code == first
        second = post(url)
    assert second.status_code == 200 and second.json() == {"for": "second"}


def test_a_trigger_is_never_sent_twice_when_the_upstream_closes_without_answering() -> None:
    def answer(number: int, request: bytes) -> tuple[bytes, bool]:
        return (OK, False) if number == 1 else (b"", True)  # the pooled connection is closed after reading

    with raw_server(answer) as (upstream, seen), proxy(upstream) as (url, _, _):
        assert post(url).status_code == 200
        assert is_proxy_error(post(url), 502)
    assert len(seen) == 2  # never resent on a fresh connection
    with raw_server(lambda n, request: (b"", True)) as (upstream, seen), proxy(upstream) as (url, _, _):
        assert is_proxy_error(post(url), 502)
    assert len(seen) == 1


def _host_port(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def test_a_request_whose_caller_left_mid_body_is_never_sent_upstream() -> None:
    with raw_server(lambda n, request: (OK, False)) as (upstream, seen), proxy(upstream) as (url, _, _):
        with socket.create_connection(_host_port(url)) as sock:
            sock.sendall(b'POST /initiateVerification HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{"toke')
        time.sleep(0.3)
        assert post(url).status_code == 200
    assert len(seen) == 1  # only the complete request


def test_a_body_that_does_not_arrive_in_time_is_a_408_and_holds_up_no_one() -> None:
    with (
        raw_server(lambda n, request: (OK, False)) as (upstream, seen),
        proxy(upstream, body_timeout=0.5) as (url, _, _),
    ):
        slow = [socket.create_connection(_host_port(url)) for _ in range(20)]
        for sock in slow:
            sock.sendall(b"POST /initiateVerification HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{")
        started = time.monotonic()
        assert post(url).status_code == 200 and time.monotonic() - started < 0.4
        for sock in slow:
            sock.settimeout(5)
            assert sock.recv(200).startswith(b"HTTP/1.1 408")
            sock.close()
    assert len(seen) == 1


def test_the_mock_controls_are_never_forwarded_to_a_remote_caller() -> None:
    with serve(broken_servers.conformant) as upstream, proxy(upstream) as (url, app, _):
        assert httpx.get(f"{url}/__mock__/health", trust_env=False).status_code == 200  # loopback caller
        sent: list[MutableMapping[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/__mock__/reset", "raw_path": b"/__mock__/reset",
                 "query_string": b"", "headers": [], "client": ("203.0.113.9", 5000)}  # fmt: skip
        import asyncio

        asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"tokenReference": "\\ud800", "vProvisionedTokenId": "t", "clientReferenceId": "c"}', "/tokenReference"),
        (b'{"tokenReference": {"\\udc00": 1}}', "/tokenReference/"),
        (b'{"tokenReference": [1e400]}', "/tokenReference/0"),
        (b'{"transactionDetails": [{"transactionAmount": {"totalAmount": 1' + b"0" * 309 + b"}}]}", "/totalAmount"),
    ],
)
def test_surrogates_and_numbers_out_of_range_are_a_400_of_the_proxy_and_recorded(
    body: bytes, field: str, tmp_path: Path
) -> None:
    record = tmp_path / "c.jsonl"
    with (
        serve(broken_servers.conformant, credentials=(KEY, MERCHANT)) as upstream,
        proxy(upstream, record) as (url, app, _),
    ):
        answer = post(url, content=body)
    assert is_proxy_error(answer, 400) and field in answer.json()["proxyError"], answer.text
    assert app.upstream_errors == 0 and app.exchanges == 1  # never forwarded, but checked and recorded
    assert not [c for c in app.violations if c.startswith("response") or c == "status_code_conformance"]
    line = json.loads(record.read_text().splitlines()[1])
    assert line["response"]["status"] == 400 and "not forwarded" in line["error"]


def test_an_answer_is_inflated_for_the_checks_only_up_to_the_cap() -> None:
    bomb = gzip.compress(b"0" * (MAX_DECODED_BYTES + 1))
    assert len(bomb) < 100_000 and _decoded("gzip", bomb) is None
    assert _decoded("gzip", gzip.compress(b'{"a": 1}')) == b'{"a": 1}'


def test_null_as_an_otp_or_a_key_leaves_every_cassette_line_valid(tmp_path: Path) -> None:
    record = tmp_path / "c.jsonl"
    with (
        serve(broken_servers.conformant, credentials=(KEY, MERCHANT)) as upstream,
        proxy(upstream, record) as (url, _, _),
    ):
        post(url, {**trigger_body("s-1"), "otpValue": "null"}, path="/validateOtp")
        post(url, headers=default_headers(key="null"))
        post(url, trigger_body("s-2"))
    lines = [json.loads(line) for line in record.read_text().splitlines()]  # every line parses
    assert len(lines) == 4 and lines[3]["response"]["body"]["errorCode"] is None


def test_secrets_in_every_form_stay_out_of_the_cassette_and_the_console(tmp_path: Path) -> None:
    other_key, otps = "other_key_Jq48Vb27", ["918273", "827364", "736455", "645546"]

    def echo(number: int, request: bytes) -> tuple[bytes, bool]:  # an upstream that echoes everything it got
        return http_answer(200, json.dumps({"echo": request.decode("latin-1")}).encode()), False

    record = tmp_path / "c.jsonl"
    forms = f"{quote(KEY, safe='')}/{KEY.encode().hex()}/{''.join(f'%{b:02X}' for b in KEY.encode())}/{KEY[::-1]}"
    with raw_server(echo) as (upstream, _), proxy(upstream, record) as (url, _, out):
        post(url, path=f"/initiateVerification?otpValue={otps[0]}&otp_value={otps[1]}")  # the spec's name, two ways
        post(url, content=b'{"otpValue": "' + otps[2].encode() + b'", broken')
        post(url, {"OTP-VALUE": otps[3]})
        post(url, headers={"x-api-key": other_key, "content-type": "application/json"})
        post(url, path=f"/{forms}")
    with proxy("http://127.0.0.1:9") as (url, _, dead):  # nothing listens: the error line names the path
        post(url, path=f"/{quote(KEY, safe='')}")
    written = record.read_text() + out.getvalue() + dead.getvalue()
    for line in record.read_text().splitlines():
        json.loads(line)
    assert not [otp for otp in otps if otp in written]
    for form in key_forms(KEY) + key_forms(other_key):
        assert not [form[i : i + PIECE] for i in range(len(form) - PIECE + 1) if form[i : i + PIECE] in written]


def test_the_redactor_learns_a_bounded_number_of_bounded_secrets() -> None:
    redactor = Redactor()
    keys = [hashlib.sha256(str(number).encode()).hexdigest()[:24] for number in range(MAX_SECRETS + 200)]
    for key in keys:
        redactor.add_api_key(key)
    assert len(redactor.basic_credentials) == MAX_SECRETS
    assert redactor.text(f"x {keys[-1]} y") == "x [masked] y"  # the latest is masked
    assert redactor.text(f"x {keys[0]} y") == f"x {keys[0]} y"  # the oldest was forgotten: learning is bounded
    redactor.add_api_key("k" * 11_000)
    assert redactor.text("k" * 9) == "[masked]"
    long_otp = "otp-1234567890-abcdef"
    redactor.add_secret(long_otp)
    assert long_otp[3:11] not in redactor.text(f"echo …{long_otp[3:11]}…")  # any piece of a long OTP


def test_an_otp_or_key_of_null_never_rewrites_json() -> None:
    redactor = Redactor()
    redactor.add_secret("null")
    redactor.add_api_key("null")
    line = cassette.line_of({"a": None, "b": "null", "c": [None]}, redactor)
    assert json.loads(line) == {"a": None, "b": "[masked]", "c": [None]}


def test_basic_credentials_of_an_unlearned_key_are_still_masked_by_structure() -> None:
    value = "Basic " + base64.b64encode(b"never-learned-key:").decode()
    sent = {"authorization": value, "x-api-key": "never-learned", "cookie": "session=s3cr3t; theme=dark",
            "api-key": "two words", "proxy-authorization": "Basic abc"}  # fmt: skip
    shown = cassette.masked_headers(Redactor(), sent, {})
    assert shown == {"authorization": "Basic [masked-key-1]", "x-api-key": "[masked]", "cookie": "[masked]",
                     "api-key": "[masked]", "proxy-authorization": "Basic [masked]"}  # fmt: skip


def test_request_bodies_held_at_once_are_bounded() -> None:
    declared = b"POST /initiateVerification HTTP/1.1\r\nhost: x\r\ncontent-length: 1048576\r\n\r\n{"
    with raw_server(lambda n, request: (OK, False)) as (upstream, seen), proxy(upstream) as (url, _, _):
        parked = [socket.create_connection(_host_port(url)) for _ in range(MAX_PARKED_BYTES // MAX_BODY_BYTES)]
        for sock in parked:
            sock.sendall(declared)
        time.sleep(0.2)
        refused = post(url)
        for sock in parked:
            sock.close()
    assert is_proxy_error(refused, 503) and seen == []


def test_an_unknown_refusal_code_is_reported_as_unknown() -> None:
    refusal = b'{"status": "FAILURE", "errorCode": "SLOW_DOWN", "errorMessage": "later", "response": null}'
    with raw_server(lambda n, request: (http_answer(429, refusal), False)) as (upstream, _):
        with proxy(upstream) as (url, app, out):
            assert post(url).status_code == 429
    assert app.violations["unknown_refusal_code"] == 1 and "'SLOW_DOWN' is not in the spec" in out.getvalue()


def test_the_redactor_is_bounded_in_bytes_and_still_masks_the_newest_key() -> None:
    # 1,024 characters each, no run repeated (a repeated digest would have only 64 distinct pieces)
    keys = ["".join(hashlib.sha256(f"{n}-{i}".encode()).hexdigest() for i in range(16)) for n in range(30)]
    tracemalloc.start()
    redactor = Redactor()
    for key in keys:
        redactor.add_api_key(key)
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert held < 20 * 1024 * 1024, held  # unbounded, thirty long keys hold about 34 MB
    assert redactor.text(keys[-1][100:140]) == "[masked]"


def test_an_answer_cut_short_on_a_reused_connection_is_never_resent() -> None:
    """Only a pooled connection closed before any byte of an answer is safe to send again (idempotent methods)."""
    cut = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n" + b"x" * 10

    def answer(number: int, request: bytes) -> tuple[bytes, bool]:
        return {1: (OK, False), 2: (cut, True)}.get(number, (OK, False))  # a resend would get a whole answer

    async def twice(url: str) -> None:
        upstream = Upstream(url, timeout=5)
        try:
            assert (await upstream.request("GET", b"/x", [], b"")).status == 200
            with pytest.raises(UpstreamError, match="closed mid-answer"):
                await upstream.request("GET", b"/x", [], b"")  # on the pooled connection
        finally:
            upstream.close()

    with raw_server(answer) as (url, seen):
        asyncio.run(twice(url))
    assert len(seen) == 2
