"""The mock's request checks: every malformed request gets a documented 4xx JSON error, never a 5xx."""

from __future__ import annotations

import base64
import json
import re
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from juspay_kit.mock.process import RunningMock, running_mock
from tests.conftest import API_KEY, MERCHANT, SCHEMAS, MockClient, auth_headers
from tests.test_spec import TRIGGER_SAMPLE_REQUEST, VALIDATE_SAMPLE_REQUEST

PATHS = {"/initiateVerification": "triggerOtp", "/validateOtp": "validateOtp"}


def error_of(response: httpx.Response, operation_id: str, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert not SCHEMAS.errors(operation_id, status, body)
    return body


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Basic " + base64.b64encode(b"wrong_key:").decode(),
        "Basic " + base64.b64encode(f"{API_KEY}:secret".encode()).decode(),  # password must be empty
        "Basic " + base64.b64encode(API_KEY.encode()).decode(),  # no colon
        "Bearer " + base64.b64encode(f"{API_KEY}:".encode()).decode(),
        "Basic not-base64!!",
        "Basic",
        "",
    ],
)
@pytest.mark.parametrize("path", PATHS)
def test_bad_credentials_get_401(client: MockClient, path: str, authorization: str | None) -> None:
    headers = (
        {"x-merchantid": MERCHANT}
        if authorization is None
        else {"x-merchantid": MERCHANT, "Authorization": authorization}
    )
    body = error_of(client.post(path, TRIGGER_SAMPLE_REQUEST, headers), PATHS[path], 401)
    assert body["error_info"]["code"] == "UNAUTHORIZED"
    assert API_KEY not in json.dumps(body)


@pytest.mark.parametrize("scheme", ["basic", "BASIC", "bAsIc"])
def test_scheme_name_is_case_insensitive(client: MockClient, scheme: str) -> None:
    headers = auth_headers()
    headers["Authorization"] = headers["Authorization"].replace("Basic", scheme)
    answer = client.checked("triggerOtp", client.post("/initiateVerification", TRIGGER_SAMPLE_REQUEST, headers))
    assert answer.status_code == 200


@pytest.mark.parametrize("path", PATHS)
def test_missing_merchant_header_gets_400_naming_it(client: MockClient, path: str) -> None:
    body = error_of(client.post(path, TRIGGER_SAMPLE_REQUEST, auth_headers(merchant=None)), PATHS[path], 400)
    assert body["error_info"]["fields"] == "x-merchantid"


@pytest.mark.parametrize("path", PATHS)
def test_empty_merchant_header_gets_400_as_the_spec_says(client: MockClient, path: str) -> None:
    body = error_of(client.post(path, TRIGGER_SAMPLE_REQUEST, auth_headers(merchant="")), PATHS[path], 400)
    assert body["error_info"]["fields"] == "x-merchantid" and "empty" in body["error_info"]["developer_message"]


@pytest.mark.parametrize("merchant", ["other_merchant", MERCHANT.upper(), MERCHANT + "x"])
def test_other_merchant_gets_401(client: MockClient, merchant: str) -> None:
    body = error_of(
        client.post("/initiateVerification", TRIGGER_SAMPLE_REQUEST, auth_headers(merchant=merchant)), "triggerOtp", 401
    )
    assert body["error_info"]["developer_message"] == "Invalid merchant ID."


def raw_post(
    client: MockClient, path: str, content: bytes, content_type: str | None = "application/json"
) -> httpx.Response:
    headers = auth_headers()
    if content_type is not None:
        headers["Content-Type"] = content_type
    return client.http.post(path, content=content, headers=headers)


VALID = json.dumps(TRIGGER_SAMPLE_REQUEST).encode()


@pytest.mark.parametrize(
    ("label", "content", "content_type", "fragment"),
    [
        ("no content type", VALID, None, "Content-Type"),
        ("form content type", VALID, "application/x-www-form-urlencoded", "Content-Type"),
        ("text content type", VALID, "text/plain", "Content-Type"),
        ("latin-1 charset", VALID, "application/json; charset=latin-1", "UTF-8"),
        ("empty body", b"", "application/json", "missing"),
        ("not json", b"{tokenReference: 1", "application/json", "not valid JSON"),
        ("not utf-8", b'{"tokenReference": "\xff\xfe"}', "application/json", "UTF-8"),
        ("array", b"[1, 2]", "application/json", "JSON object"),
        ("string", b'"hello"', "application/json", "JSON object"),
        ("null", b"null", "application/json", "JSON object"),
        ("NaN", b'{"tokenReference": NaN}', "application/json", "not valid JSON"),
        ("too large", b'{"a": "' + b"x" * (64 * 1024) + b'"}', "application/json", "larger than"),
        ("too deep", b'{"a": ' + b"[" * 40 + b"]" * 40 + b"}", "application/json", "deeper than"),
        ("absurdly deep", b"[" * 50_000 + b"]" * 50_000, "application/json", "larger than"),
        ("unclosed and deep", b"[" * 20_000, "application/json", "deep"),
    ],
)
@pytest.mark.parametrize("path", PATHS)
def test_malformed_bodies_get_400(
    client: MockClient, path: str, label: str, content: bytes, content_type: str | None, fragment: str
) -> None:
    body = error_of(raw_post(client, path, content, content_type), PATHS[path], 400)
    assert fragment in body["error_message"], body


def test_deep_nesting_that_python_cannot_parse_is_a_400(client: MockClient) -> None:
    body = error_of(raw_post(client, "/validateOtp", b"[" * 30_000 + b"]" * 30_000), "validateOtp", 400)
    assert "deep" in body["error_message"] or "larger" in body["error_message"]


@pytest.mark.parametrize("missing", sorted(TRIGGER_SAMPLE_REQUEST))
def test_missing_trigger_field_is_named(client: MockClient, missing: str) -> None:
    payload = {k: v for k, v in TRIGGER_SAMPLE_REQUEST.items() if k != missing}
    body = error_of(client.post("/initiateVerification", payload), "triggerOtp", 400)
    assert body["error_info"]["fields"] == missing
    assert body["error_info"]["code"] == "MISSING_MANDATORY_PARAMETER"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"otpValue": 456789}, "otpValue"),
        ({"otpValue": ""}, "otpValue"),
        ({"networkType": "MASTERCARD"}, "networkType"),
        ({"tokenReference": None}, "tokenReference"),
        ({"clientReferenceId": ["x"]}, "clientReferenceId"),
        ({"extra": "field"}, "extra"),
    ],
)
def test_invalid_validate_field_is_named_without_echoing_values(
    client: MockClient, change: dict[str, Any], field: str
) -> None:
    body = error_of(client.post("/validateOtp", {**VALIDATE_SAMPLE_REQUEST, **change}), "validateOtp", 400)
    assert body["error_info"]["fields"] == field
    assert "456789" not in json.dumps(body)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "HEAD", "QUERY"])
@pytest.mark.parametrize("path", PATHS)
def test_undeclared_methods_get_405_with_allow(client: MockClient, path: str, method: str) -> None:
    response = client.http.request(method, path, headers=auth_headers())
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    if method != "HEAD":
        assert response.json()["error_info"]["code"] == "INVALID_ACTION"


@pytest.mark.parametrize("path", ["/", "/initiateverification", "/validateOtp/", "/api/validateOtp", "/%00"])
def test_unknown_paths_get_404_json(client: MockClient, path: str) -> None:
    response = client.http.post(path, json={}, headers=auth_headers())
    assert response.status_code == 404
    assert response.json()["error_info"]["code"] == "RESOURCE_NOT_FOUND"


def test_a_stalled_client_does_not_hold_up_others() -> None:
    with running_mock(API_KEY, MERCHANT, ["--body-timeout", "1.5"]) as running:
        stalled = _half_sent_request(running)
        started = time.monotonic()
        with MockClient(running).http as http:
            answer = http.post(
                "/initiateVerification", content=VALID, headers={**auth_headers(), "Content-Type": "application/json"}
            )
        assert answer.status_code == 200
        assert time.monotonic() - started < 1.2, "a normal request waited for the stalled one"
        stalled.settimeout(5)
        reply = _read_response(stalled)
        stalled.close()
    assert reply.startswith("HTTP/1.1 400")
    assert "not received in time" in reply


def _read_response(sock: socket.socket) -> str:
    """Headers and the whole body (they may arrive in separate segments)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"content-length: (\d+)", head, re.IGNORECASE).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        body += sock.recv(65536)
    return (head + b"\r\n\r\n" + body).decode()


def _half_sent_request(running: RunningMock) -> socket.socket:
    parts = urlsplit(running.url)
    sock = socket.create_connection((parts.hostname, parts.port))
    head = (
        "POST /initiateVerification HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        f"Authorization: {auth_headers()['Authorization']}\r\nx-merchantid: {MERCHANT}\r\n"
        'Content-Length: 500\r\n\r\n{"tokenRef'
    )
    sock.sendall(head.encode())
    return sock


def test_bad_input_battery_leaves_the_server_answering(client: MockClient) -> None:
    for content in (b"\x00" * 100, b"{" * 1000, b'{"a":' * 5000, "é".encode("utf-16"), b"[]" * 1000):
        assert raw_post(client, "/initiateVerification", content).status_code == 400
    assert client.trigger(TRIGGER_SAMPLE_REQUEST).status_code == 200


@pytest.mark.parametrize(
    "args",
    [["--port", "x"], ["--port", "70000"], ["--seed", "abc"], ["--max-requests", "0"], ["--api-key", ""], ["--nope"]],
)
def test_mock_server_bad_arguments_exit_2_with_one_line(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from juspay_kit.cli import run
    from juspay_kit.commands.mock import main

    with pytest.raises(SystemExit) as exited:
        run(main, args)
    stderr = capsys.readouterr().err
    assert exited.value.code == 2
    assert stderr.count("\n") == 1 and "Traceback" not in stderr


def test_mock_server_port_in_use_is_a_one_line_error(mock: RunningMock, capsys: pytest.CaptureFixture[str]) -> None:
    from juspay_kit.cli import run
    from juspay_kit.commands.mock import main

    with pytest.raises(SystemExit) as exited:
        run(main, ["--port", str(urlsplit(mock.url).port)])
    stderr = capsys.readouterr().err
    assert exited.value.code == 2 and "cannot listen" in stderr and stderr.count("\n") == 1
