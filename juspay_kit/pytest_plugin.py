"""The `juspay_mock` pytest fixture: the embedded stateful mock for any test suite that installed the kit.

One mock server per test session, on a free loopback port, its state reset before each test that uses the
fixture. Options (command line, or the ini key of the same name with underscores):

    --juspay-mock-seed N               reproducible OTP codes (default: random)
    --juspay-mock-max-requests N       maxOTPRequestsAllowed (default 3)
    --juspay-mock-max-verifications N  maxOTPVerificationAllowed (default 3)
    --juspay-mock-code-expiration N    codeExpiration in minutes (default 5)

    def test_binding(juspay_mock):
        with juspay_mock.client() as client:
            client.trigger_otp(token_reference="t", v_provisioned_token_id="v", client_reference_id="c",
                               step_up_request_id="s")
            client.validate_otp(token_reference="t", otp_value=juspay_mock.inbox("t", "c"),
                                client_reference_id="c", v_provisioned_token_id="v")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from juspay_visa_agentic_client import AsyncJuspayClient, JuspayClient

from juspay_kit.errors import HarnessError
from juspay_kit.mock.app import DEFAULT_API_KEY, DEFAULT_MERCHANT_ID
from juspay_kit.mock.process import running_mock

OPTIONS = {  # option -> (mock flag, help)
    "seed": ("--seed", "reproducible OTP codes (default: random)"),
    "max_requests": ("--max-requests", "maxOTPRequestsAllowed of the mock (default 3)"),
    "max_verifications": ("--max-verifications", "maxOTPVerificationAllowed of the mock (default 3)"),
    "code_expiration": ("--code-expiration", "codeExpiration of the mock, in minutes (default 5)"),
}


class JuspayMock:
    """The running mock as a test sees it: where it is, its credentials, clients and the test controls."""

    def __init__(self, base_url: str, api_key: str = DEFAULT_API_KEY, merchant_id: str = DEFAULT_MERCHANT_ID) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self.merchant_id = merchant_id
        self._controls = httpx.Client(base_url=base_url, timeout=10, trust_env=False)

    def __repr__(self) -> str:
        return f"JuspayMock(base_url={self.base_url!r}, merchant_id={self.merchant_id!r})"

    def client(self, **kwargs: Any) -> JuspayClient:
        """A `JuspayClient` configured for the mock (keyword arguments override, e.g. timeout=)."""
        return JuspayClient(self.api_key, self.merchant_id, **{"base_url": self.base_url, **kwargs})

    def async_client(self, **kwargs: Any) -> AsyncJuspayClient:
        """An `AsyncJuspayClient` configured for the mock."""
        return AsyncJuspayClient(self.api_key, self.merchant_id, **{"base_url": self.base_url, **kwargs})

    def inbox(self, token_reference: str, client_reference_id: str) -> str:
        """The last code the mock sent for this session (what the cardholder would read in the SMS)."""
        params = {"tokenReference": token_reference, "clientReferenceId": client_reference_id}
        answer = self._control("GET", "/__mock__/inbox", params=params)
        code: str = answer.json()["otpValue"]
        return code

    def advance_clock(self, seconds: float) -> None:
        """Move the mock's clock forward (expire codes and sessions without waiting)."""
        self._control("POST", "/__mock__/clock", json={"advanceSeconds": seconds})

    def reset(self) -> None:
        """Forget every session, code and clock advance."""
        self._control("POST", "/__mock__/reset")

    def close(self) -> None:
        self._controls.close()

    def _control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            answer = self._controls.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise pytest.fail.Exception(f"juspay_mock: {path} unreachable: {exc}", pytrace=False) from None
        if answer.status_code != 200:
            raise pytest.fail.Exception(
                f"juspay_mock: {method} {path} answered {answer.status_code}: {answer.text[:200]}", pytrace=False
            )
        return answer


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("juspay-mock", "the juspay_mock fixture (juspay-visa-agentic-kit)")
    for name, (_, help_text) in OPTIONS.items():
        group.addoption(f"--juspay-mock-{name.replace('_', '-')}", dest=f"juspay_mock_{name}", type=int, help=help_text)
        parser.addini(f"juspay_mock_{name}", help_text)


MOCK_ARGUMENTS = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    """Check the options once, before any test runs: a bad value is one usage line, not a fixture error."""
    config.stash[MOCK_ARGUMENTS] = _mock_arguments(config)


def _mock_arguments(config: pytest.Config) -> list[str]:
    arguments: list[str] = []
    for name, (flag, _) in OPTIONS.items():
        value = config.getoption(f"juspay_mock_{name}") or config.getini(f"juspay_mock_{name}") or None
        if value is None:
            continue
        try:
            number = int(value)
        except ValueError:
            raise pytest.UsageError(f"juspay_mock_{name} must be a whole number, got {value!r}") from None
        if number < (0 if name == "seed" else 1):
            raise pytest.UsageError(f"juspay_mock_{name} must be {'>= 0' if name == 'seed' else 'positive'}")
        arguments += [flag, str(number)]
    return arguments


@pytest.fixture(scope="session")
def _juspay_mock_server(request: pytest.FixtureRequest) -> Iterator[JuspayMock]:
    arguments: list[str] = request.config.stash[MOCK_ARGUMENTS]
    with ExitStack() as stack:
        try:
            running = stack.enter_context(running_mock(DEFAULT_API_KEY, DEFAULT_MERCHANT_ID, arguments))
        except HarnessError as exc:
            pytest.fail(f"juspay_mock: {exc}", pytrace=False)
        mock = JuspayMock(running.url, running.api_key, running.merchant_id)
        stack.callback(mock.close)
        yield mock


@pytest.fixture
def juspay_mock(_juspay_mock_server: JuspayMock) -> JuspayMock:
    """The session's embedded Juspay mock, reset for this test."""
    _juspay_mock_server.reset()
    return _juspay_mock_server
