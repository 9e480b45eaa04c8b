"""The high-level client of the generated package: JuspayClient / AsyncJuspayClient and their exceptions.

Against the embedded mock for the documented behaviour (each refusal reached by driving the OTP session),
and against small loopback servers for answers the mock never gives (silence, HTML, broken bodies).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from juspay_visa_agentic_client import AsyncJuspayClient, JuspayClient, exceptions
from juspay_visa_agentic_client.models import OtpLimits, ValidateOtpResponse

from juspay_kit import spec
from juspay_kit.mock.process import RunningMock
from tests.conftest import MockClient
from tests.loopback import Reply, serving
from tests.test_spec import TRIGGER_SAMPLE_RESPONSE

IDS = {"token_reference": "tok-1", "v_provisioned_token_id": "vpt-1", "client_reference_id": "crid-1"}
STEP_UP = "Y2UyOWU0N2E1NGYzNGM2OTY4MjQxZTZhYzkxMTNkMDE="
SECRET_KEY = "sk_live_DISTINCTIVE_7f3e9a"


def juspay(mock: RunningMock, **kwargs: Any) -> JuspayClient:
    return JuspayClient(kwargs.pop("api_key", mock.api_key), kwargs.pop("merchant_id", mock.merchant_id),
                        base_url=mock.url, **kwargs)  # fmt: skip


def trigger(client: JuspayClient, **ids: str) -> OtpLimits:
    given = {**IDS, **ids}
    return client.trigger_otp(
        token_reference=given["token_reference"],
        v_provisioned_token_id=given["v_provisioned_token_id"],
        client_reference_id=given["client_reference_id"],
        step_up_request_id=STEP_UP,
    )


def validate(client: JuspayClient, otp: str, **ids: str) -> ValidateOtpResponse:
    given = {**IDS, **ids}
    return client.validate_otp(
        token_reference=given["token_reference"],
        otp_value=otp,
        client_reference_id=given["client_reference_id"],
        v_provisioned_token_id=given["v_provisioned_token_id"],
    )


def inbox(controls: MockClient) -> str:
    return controls.inbox(IDS["token_reference"], IDS["client_reference_id"])


def test_trigger_then_validate_against_the_mock(mock: RunningMock, client: MockClient) -> None:
    with juspay(mock) as api:
        limits = trigger(api)
        counters = (limits.max_otp_verification_allowed, limits.max_otp_requests_allowed, limits.code_expiration)
        assert counters == (3, 3, 5)
        answer = validate(api, inbox(client))
    assert isinstance(answer, ValidateOtpResponse) and answer.status == "SUCCESS" and answer.response_code is None


def test_async_twin_against_the_mock(mock: RunningMock, client: MockClient) -> None:
    async def flow() -> tuple[OtpLimits, ValidateOtpResponse, type[Exception]]:
        async with AsyncJuspayClient(mock.api_key, mock.merchant_id, base_url=mock.url) as api:
            limits = await api.trigger_otp(**IDS, step_up_request_id=STEP_UP)
            answer = await api.validate_otp(**IDS, otp_value=inbox(client), network_type="VISA")
            try:
                await api.validate_otp(**IDS, otp_value="000000", network_type="VISA")
            except exceptions.OtpRefused as refusal:
                return limits, answer, type(refusal)
            raise AssertionError("a second validation of a bound session was accepted")

    limits, answer, refused = asyncio.run(flow())
    assert limits.code_expiration == 5 and answer.status == "SUCCESS" and refused is exceptions.DeviceAlreadyBound


def _limit(api: JuspayClient, controls: MockClient) -> None:
    for _ in range(3):
        trigger(api)
    trigger(api)


def _locked(api: JuspayClient, controls: MockClient) -> None:
    trigger(api)
    for _ in range(3):
        with pytest.raises(exceptions.InvalidOtp):
            validate(api, "not-the-code")
    validate(api, inbox(controls))


def _expired(api: JuspayClient, controls: MockClient) -> None:
    trigger(api)
    code = inbox(controls)
    controls.advance(5 * 60 + 1)
    validate(api, code)


def _bound(api: JuspayClient, controls: MockClient) -> None:
    trigger(api)
    validate(api, inbox(controls))
    trigger(api)


def _mismatch(api: JuspayClient, controls: MockClient) -> None:
    trigger(api)
    validate(api, inbox(controls), v_provisioned_token_id="another-token")


def _unknown(api: JuspayClient, controls: MockClient) -> None:
    validate(api, "123456", client_reference_id="never-triggered")


def _wrong_code(api: JuspayClient, controls: MockClient) -> None:
    trigger(api)
    validate(api, "not-the-code")


def _malformed(api: JuspayClient, controls: MockClient) -> None:
    trigger(api, token_reference="")


SCENARIOS: dict[str, tuple[Callable[[JuspayClient, MockClient], None], type[exceptions.ApiError], int, str | None]] = {
    "request-limit": (_limit, exceptions.OtpRequestLimitExceeded, 429, "OTP_REQUEST_LIMIT_EXCEEDED"),
    "lock-out": (_locked, exceptions.SessionLocked, 403, "SESSION_LOCKED"),
    "expiry": (_expired, exceptions.OtpExpired, 400, "OTP_EXPIRED"),
    "already-bound": (_bound, exceptions.DeviceAlreadyBound, 409, "DEVICE_ALREADY_BOUND"),
    "token-mismatch": (_mismatch, exceptions.TokenMismatch, 409, "TOKEN_MISMATCH"),
    "unknown-session": (_unknown, exceptions.SessionNotFound, 400, "SESSION_NOT_FOUND"),
    "wrong-code": (_wrong_code, exceptions.InvalidOtp, 400, "INVALID_OTP"),
    "malformed": (_malformed, exceptions.InvalidRequestError, 400, "invalid_request"),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_refusal_raises_its_exception(name: str, mock: RunningMock, client: MockClient) -> None:
    steps, kind, status, code = SCENARIOS[name]
    with juspay(mock) as api, pytest.raises(kind) as raised:
        steps(api, client)
    assert type(raised.value) is kind
    assert (raised.value.status_code, raised.value.code) == (status, code)
    assert raised.value.message and isinstance(raised.value, exceptions.ApiError)


def test_every_otp_refusal_code_has_an_otp_refused_class() -> None:
    document = spec.load()
    schemas = document["components"]["schemas"]
    codes = set(schemas["TriggerOtpRefusal"]["properties"]["errorCode"]["enum"])
    codes |= set(schemas["ValidateOtpRefusal"]["properties"]["responseCode"]["enum"])
    assert {code for code, kind in exceptions.REFUSALS.items() if issubclass(kind, exceptions.OtpRefused)} == codes
    scenarios = {code for _, kind, _, code in SCENARIOS.values() if issubclass(kind, exceptions.OtpRefused)}
    assert scenarios == codes - {"TOKEN_NOT_PROVISIONED"}  # that one needs a journey: tests/test_journey.py


@pytest.mark.parametrize("wrong", ["key", "merchant"])
def test_wrong_credentials_raise_authentication_error(wrong: str, mock: RunningMock, client: MockClient) -> None:
    override = {"api_key": "not-the-key"} if wrong == "key" else {"merchant_id": "someone-else"}
    with juspay(mock, **override) as api, pytest.raises(exceptions.AuthenticationError) as raised:
        trigger(api)
    assert raised.value.status_code == 401 and raised.value.code == "access_denied"


@contextmanager
def answering(status: int, body: bytes | Any, content_type: str = "application/json") -> Iterator[str]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()

    def handle(path: str, headers: dict[str, str], sent: bytes) -> Reply:
        return status, content_type, data

    with serving(handle) as (base_url, _):
        yield base_url


MISSING_FIELD = {**TRIGGER_SAMPLE_RESPONSE, "response": {"maxOTPVerificationAllowed": 3, "maxOTPRequestsAllowed": 3}}
ANSWERS: dict[str, tuple[int, Any, str, type[exceptions.JuspayClientError]]] = {
    "html-500": (500, b"<html><body>Internal error</body></html>", "text/html", exceptions.ServerError),
    "200-missing-field": (200, MISSING_FIELD, "application/json", exceptions.UnexpectedResponse),
    "200-not-json": (200, b"OK", "text/plain", exceptions.UnexpectedResponse),
    "counter-as-word": (
        200,
        {
            **TRIGGER_SAMPLE_RESPONSE,
            "response": {"maxOTPVerificationAllowed": "three", "maxOTPRequestsAllowed": 3, "codeExpiration": 5},
        },
        "application/json",
        exceptions.UnexpectedResponse,
    ),  # fmt: skip
    "undocumented-418": (418, {"status": "teapot"}, "application/json", exceptions.UnexpectedResponse),
    "undocumented-refusal-code": (  # the codes are inferred: an unknown one is still a refusal, with its code
        429,
        {"status": "FAILURE", "errorCode": "SLOW_DOWN", "errorMessage": "later", "response": None},
        "application/json",
        exceptions.OtpRefused,
    ),  # fmt: skip
    "refusal-envelope-on-undocumented-418": (
        418,
        {"status": "FAILURE", "errorCode": "SLOW_DOWN", "errorMessage": "later", "response": None},
        "application/json",
        exceptions.ApiError,
    ),  # fmt: skip
    "401-without-body": (401, b"", "text/plain", exceptions.AuthenticationError),
}


@pytest.mark.parametrize("name", ANSWERS)
def test_answers_outside_the_contract_raise_typed_errors(name: str) -> None:
    status, body, content_type, kind = ANSWERS[name]
    with answering(status, body, content_type) as base_url, JuspayClient("k", "m", base_url=base_url) as api:
        with pytest.raises(kind) as raised:
            trigger(api)
    assert type(raised.value) is kind and raised.value.status_code == status
    if "refusal" in name:
        assert (raised.value.code, raised.value.message) == ("SLOW_DOWN", "later")


def test_counters_sent_as_numeric_strings_are_read_as_integers() -> None:
    strings = {**TRIGGER_SAMPLE_RESPONSE, "response": {"maxOTPVerificationAllowed": "3", "maxOTPRequestsAllowed": "3",
                                                       "codeExpiration": "5"}}  # fmt: skip
    with answering(200, strings) as base_url, JuspayClient("k", "m", base_url=base_url) as api:
        limits = trigger(api)
    assert (limits.max_otp_verification_allowed, limits.code_expiration) == (3, 5)
    assert type(limits.max_otp_requests_allowed) is int


@contextmanager
def silent_server() -> Iterator[str]:
    """Accepts connections (the kernel does, through the backlog) and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=8) as listener:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_a_silent_server_raises_timeout_within_the_configured_bound() -> None:
    with silent_server() as base_url, JuspayClient("k", "m", base_url=base_url, timeout=0.3) as api:
        started = time.monotonic()
        with pytest.raises(exceptions.JuspayTimeout):
            trigger(api)
        assert time.monotonic() - started < 3.0


def test_default_timeouts_are_set_connect_and_read_apart() -> None:
    from juspay_visa_agentic_client.juspay_client import DEFAULT_TIMEOUT

    assert DEFAULT_TIMEOUT.connect is not None and DEFAULT_TIMEOUT.read is not None
    assert 0 < DEFAULT_TIMEOUT.connect < DEFAULT_TIMEOUT.read <= 60


def test_only_failures_to_connect_are_retried() -> None:
    attempts: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(request.url.path)
        raise httpx.ConnectError("connection refused", request=request)

    def time_out(request: httpx.Request) -> httpx.Response:
        attempts.append(request.url.path)
        raise httpx.ReadTimeout("no answer", request=request)

    with JuspayClient("k", "m", base_url="http://127.0.0.1:9", connect_retries=2,
                      http_client=httpx.Client(transport=httpx.MockTransport(refuse))) as api:  # fmt: skip
        with pytest.raises(exceptions.NetworkError) as raised:
            trigger(api)
    assert len(attempts) == 3 and type(raised.value) is exceptions.NetworkError
    attempts.clear()
    with JuspayClient("k", "m", base_url="http://127.0.0.1:9",
                      http_client=httpx.Client(transport=httpx.MockTransport(time_out))) as api:  # fmt: skip
        with pytest.raises(exceptions.JuspayTimeout):
            validate(api, "123456")
    assert len(attempts) == 1, "a request that may have reached Juspay was sent again"


def test_no_secret_in_repr_str_or_exceptions() -> None:
    encoded = base64.b64encode(f"{SECRET_KEY}:".encode()).decode()
    otp = "918273"

    def echo(path: str, headers: dict[str, str], body: bytes) -> Reply:  # a server that echoes what it got
        text = f"{headers.get('authorization')} {SECRET_KEY} {body.decode()}"
        refusal = {"status": "FAILURE", "responseCode": "INVALID_OTP", "responseMessage": text}
        return 400, "application/json", json.dumps(refusal).encode()

    with serving(echo) as (base_url, _):
        sync_client, async_client = JuspayClient(SECRET_KEY, "m", base_url=base_url), AsyncJuspayClient(SECRET_KEY, "m")
        with sync_client as api, pytest.raises(exceptions.InvalidOtp) as raised:
            validate(api, otp)
    shown = [repr(c) + str(c) for c in (sync_client, async_client)] + [
        repr(raised.value),
        str(raised.value),
        str(raised.value.args),
    ]
    shown += [repr(kind("x", status_code=1)) for kind in exceptions.REFUSALS.values()]
    for text in shown:
        assert SECRET_KEY not in text and encoded not in text and otp not in text, text
    assert "[masked]" in raised.value.message


def test_low_level_client_repr_hides_the_token() -> None:
    from juspay_visa_agentic_client import AuthenticatedClient

    encoded = base64.b64encode(f"{SECRET_KEY}:".encode()).decode()
    low = AuthenticatedClient(base_url="http://127.0.0.1:9", token=encoded, prefix="Basic")
    low.get_httpx_client()  # sets the Authorization header in its headers
    assert encoded not in repr(low)
    low.get_httpx_client().close()


def test_configuration_errors_are_client_errors() -> None:
    with pytest.raises(exceptions.ConfigurationError):
        JuspayClient("k", "m", environment="staging")
    with pytest.raises(exceptions.ConfigurationError):
        JuspayClient("", "m")
    with pytest.raises(exceptions.ConfigurationError):
        JuspayClient("k", "m", connect_retries=-1)
    for timeout in (float("inf"), float("nan"), 0, httpx.Timeout(5, read=float("inf"))):  # never a deadline
        with pytest.raises(exceptions.ConfigurationError):
            JuspayClient("k", "m", timeout=timeout)
    assert JuspayClient("k", "m").base_url == spec.load()["servers"][0]["url"]
    assert JuspayClient("k", "m", environment="production").base_url == spec.load()["servers"][1]["url"]


def readme_quickstart() -> str:
    readme = (spec.ROOT / "generated" / "juspay-visa-agentic-client" / "README.md").read_text(encoding="utf-8")
    match = re.search(r"## Quickstart.*?```python\n(.*?)```", readme, re.S)
    assert match, "the package README has no Quickstart python block"
    return match.group(1)


def test_readme_quickstart_runs_against_the_mock(
    mock: RunningMock, client: MockClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JUSPAY_API_KEY", mock.api_key)
    monkeypatch.setenv("JUSPAY_MERCHANT_ID", mock.merchant_id)
    monkeypatch.setenv("JUSPAY_BASE_URL", mock.url)
    codes: list[str] = []

    def cardholder_types(prompt: str) -> str:  # the code the cardholder reads from the SMS: the mock's inbox
        codes.append(client.inbox("479518c708c3e3ccb68314501ee4c702", "9d4050c011ee4654adec05873299a640"))
        return codes[-1] if len(codes) > 1 else "000000"  # a wrong code first, so the refusal path runs too

    exec(compile(readme_quickstart(), "README.md", "exec"), {"input": cardholder_types, "__name__": "quickstart"})
    out = capsys.readouterr().out
    assert "wrong code" in out and "device bound" in out, out
