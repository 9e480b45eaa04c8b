"""The `juspay_mock` pytest fixture: the embedded stateful mock for any test suite that installed the kit.

One mock server per test session, on a free loopback port, its state reset before each test that uses the
fixture. Options (command line, or the ini key of the same name with underscores):

    --juspay-mock-seed N               reproducible OTP codes (default: random)
    --juspay-mock-max-requests N       maxOTPRequestsAllowed (default 3, 1 to 100)
    --juspay-mock-max-verifications N  maxOTPVerificationAllowed (default 3, 1 to 100)
    --juspay-mock-code-expiration N    codeExpiration in minutes (default 5, 1 to 1440)
    --juspay-mock-allow-host NAME      a Host name the mock answers beyond localhost (repeatable)

Per test: `juspay_mock.configure(max_requests=1)` or the marker `@pytest.mark.juspay_mock(max_requests=1)`
change the limits until the next test; `juspay_mock.inject_fault("triggerOtp", status=500)` plays a failure;
`juspay_mock.requests()` and `juspay_mock.assert_called("validateOtp", times=1)` show what the app sent;
`juspay_mock.provisioned_card()` provisions a card ready to bind (`bind=True`: bound, ready for Setup).

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
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from juspay_visa_agentic_client import AsyncJuspayClient, JuspayClient

from juspay_kit.errors import HarnessError
from juspay_kit.mock import drive
from juspay_kit.mock.app import DEFAULT_API_KEY, DEFAULT_MERCHANT_ID
from juspay_kit.mock.callers import allowed_host
from juspay_kit.mock.journal import FIXTURE_HEADER
from juspay_kit.mock.process import running_mock
from juspay_kit.mock.sessions import LIMIT_SETTINGS

OPTIONS = {  # option -> (mock flag, help, lowest, highest)
    "seed": ("--seed", "reproducible OTP codes (default: random)", 0, None),
    **{s.option: (s.flag, f"{s.describe()} of the mock", s.low, s.high) for s in LIMIT_SETTINGS},
}


@dataclass(frozen=True)
class Call:
    """One API call the mock received (an entry of its journal): secrets are masked."""

    operation: str | None
    method: str
    path: str
    status: int | None  # the status answered, a fault's included; None: dropped, or still pending
    headers: dict[str, str]
    json: Any  # the request body as parsed JSON (secret fields masked), or its text
    received_at: str
    pending: bool = False  # arrived, not answered yet (a delay fault holds it)
    refusal_code: str | None = None  # the answer's refusal code (error_info.code, errorCode, responseCode)
    answer: Any = None  # the answer's body (masked), None while pending
    fault: str | None = None  # the id of the fault that played on this call (inject_fault's return)
    fixture: bool = False  # made by the fixture itself (provisioned_card)


LIMIT_NAMES = {**{s.option: s.control for s in LIMIT_SETTINGS}, "require_provisioning": "requireProvisioning"}


@dataclass(frozen=True)
class ProvisionedCard:
    """A card the mock provisioned: the identifiers its OTP, Setup and Fetch calls need (their names in the
    answer of Provision are inferred: see spec/README.md)."""

    customer_id: str
    token_reference: str
    v_provisioned_token_id: str
    client_reference_id: str
    step_up_request_id: str
    bound: bool


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
        """Forget every session, code, clock advance, fault, journal entry and limit change."""
        self._control("POST", "/__mock__/reset", json={})

    def inject_fault(
        self,
        operation: str,
        *,
        status: int | None = None,
        body: Any = None,
        content_type: str | None = None,
        delay: float | None = None,
        drop: bool = False,
        times: int = 1,
        match: dict[str, Any] | None = None,
        after: int = 0,
        code: str | None = None,
    ) -> str:
        """The next `times` calls of `operation` (an operationId, or "*") get this failure instead of the normal
        answer: `status` with `body` (JSON, or a str sent as it is) and `content_type`; `delay` seconds first;
        or `drop` the connection. `code`: one of the operation's refusal codes in the spec, answered with its
        refusal envelope and the status the spec gives it (`status` overrides; no `body`). `match`: only calls
        whose JSON body contains it (a subset, at any depth); `after`: let that many matching calls through
        first. When several faults match, the most specific plays (README). Returns the fault's id, which the
        journal names (`Call.fault`)."""
        fault: dict[str, Any] = {"operation": operation, "drop": drop, "times": times, "after": after}
        given = (("status", status), ("body", body), ("contentType", content_type), ("delaySeconds", delay),
                 ("match", match), ("code", code))  # fmt: skip
        for name, value in given:
            if value is not None:
                fault[name] = value
        answer = self._control("POST", "/__mock__/faults", json=fault, expect=201)
        fault_id: str = answer.json()["id"]
        return fault_id

    def requests(self, operation: str | None = None, *, include_fixture: bool = False) -> list[Call]:
        """The API calls received since the test began, oldest first, each journalled on arrival (`pending`
        until answered): only those of `operation` if given; the fixture's own calls (provisioned_card) only
        with `include_fixture`."""
        entries = self._control("GET", "/__mock__/requests").json()["requests"]
        calls = [Call(e["operation"], e["method"], e["path"], e["status"], e["headers"], e["body"], e["receivedAt"],
                      e["pending"], e["refusalCode"], (e["answer"] or {}).get("body"), e["fault"], e["fixture"])
                 for e in entries]  # fmt: skip
        return [call for call in calls if (operation is None or call.operation == operation)
                and (include_fixture or not call.fixture)]  # fmt: skip

    def clear_journal(self) -> None:
        """Forget the calls journalled so far (and any still in flight), leaving sessions, cards and faults."""
        self._control("DELETE", "/__mock__/requests")

    def assert_called(self, operation: str, times: int | None = None, *, include_fixture: bool = False) -> None:
        """Fail the test unless `operation` was called (exactly `times` times, if given), listing what was;
        a call still waiting for its answer counts. The fixture's own calls count only with `include_fixture`."""
        calls = self.requests(include_fixture=include_fixture)
        seen = sum(1 for call in calls if call.operation == operation)
        if (times is None and seen) or seen == times:
            return
        listing = "\n".join(f"  {n}. {c.operation or c.path} -> {c.status}" for n, c in enumerate(calls, 1)) or "  none"
        wanted = "at least once" if times is None else f"{times} time{'s' if times != 1 else ''}"
        raise pytest.fail.Exception(
            f"juspay_mock: expected {operation} {wanted}, it was called {seen} time{'s' if seen != 1 else ''}; "
            f"the calls received:\n{listing}",
            pytrace=False,
        )

    def configure(
        self,
        max_requests: int | None = None,
        max_verifications: int | None = None,
        code_expiration: int | None = None,
        require_provisioning: bool | None = None,
    ) -> None:
        """Change the OTP limits until the next test (or reset): maxOTPRequestsAllowed,
        maxOTPVerificationAllowed, codeExpiration in minutes; `require_provisioning=True` refuses OTP calls on a
        token the mock never provisioned (TOKEN_NOT_PROVISIONED)."""
        given = {"max_requests": max_requests, "max_verifications": max_verifications,
                 "code_expiration": code_expiration, "require_provisioning": require_provisioning}  # fmt: skip
        body = {LIMIT_NAMES[name]: value for name, value in given.items() if value is not None}
        self._control("POST", "/__mock__/config", json=body)

    def provisioned_card(
        self, customer_id: str = "customer-1", *, client_reference_id: str | None = None, bind: bool = False
    ) -> ProvisionedCard:
        """Provision a card through the mock's Provision operation and return its identifiers, ready for
        Trigger OTP; `bind=True` also finishes device binding (Trigger, the inbox, Validate), ready for Setup."""
        headers = {"x-merchantid": self.merchant_id, FIXTURE_HEADER: "1"}  # the journal tags these calls
        with httpx.Client(base_url=self.base_url, auth=(self.api_key, ""), headers=headers, trust_env=False) as http:
            try:
                card = drive.provision(http, customer_id, client_reference_id)
                if bind:
                    drive.bind(http, card)
            except HarnessError as exc:
                raise pytest.fail.Exception(f"juspay_mock: provisioned_card: {exc}", pytrace=False) from None
        return ProvisionedCard(customer_id, card["tokenReference"], card["vProvisionedTokenId"],
                               card["clientReferenceId"], card["stepUpRequestId"], bound=bind)  # fmt: skip

    def close(self) -> None:
        self._controls.close()

    def _control(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> httpx.Response:
        try:
            answer = self._controls.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise pytest.fail.Exception(f"juspay_mock: {path} unreachable: {exc}", pytrace=False) from None
        if answer.status_code != expect:
            raise pytest.fail.Exception(
                f"juspay_mock: {method} {path} answered {answer.status_code}: {answer.text[:200]}", pytrace=False
            )
        return answer


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("juspay-mock", "the juspay_mock fixture (juspay-visa-agentic-kit)")
    for name, (_, help_text, _, _) in OPTIONS.items():
        group.addoption(f"--juspay-mock-{name.replace('_', '-')}", dest=f"juspay_mock_{name}", type=int, help=help_text)
        parser.addini(f"juspay_mock_{name}", help_text)
    hosts = "a Host name the mock answers beyond localhost and loopback addresses (repeatable; the ini key: one a line)"
    group.addoption("--juspay-mock-allow-host", dest="juspay_mock_allow_host", action="append", metavar="NAME",
                    help=hosts)  # fmt: skip
    parser.addini("juspay_mock_allow_host", hosts, type="linelist")


MOCK_ARGUMENTS = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    """Check the options once, before any test runs: a bad value is one usage line, not a fixture error."""
    keywords = ", ".join(f"{s.option}=None" for s in LIMIT_SETTINGS)
    limits = "; ".join(f"{s.option}: {s.describe()}" for s in LIMIT_SETTINGS)
    config.addinivalue_line(
        "markers",
        f"juspay_mock({keywords}, require_provisioning=None): the juspay_mock fixture's limits for a test ({limits})",
    )
    config.stash[MOCK_ARGUMENTS] = _mock_arguments(config)


def _mock_arguments(config: pytest.Config) -> list[str]:
    arguments: list[str] = []
    for name, (flag, _, low, high) in OPTIONS.items():
        value = config.getoption(f"juspay_mock_{name}")  # the command line beats the ini key, 0 included
        if value is None:
            value = config.getini(f"juspay_mock_{name}") or None
        if value is None:
            continue
        try:
            number = int(value)
        except ValueError:
            raise pytest.UsageError(f"juspay_mock_{name} must be a whole number, got {value!r}") from None
        if number < low or (high is not None and number > high):
            bounds = f"from {low} to {high}" if high is not None else f">= {low}"
            raise pytest.UsageError(f"juspay_mock_{name} must be {bounds}, got {number}")
        arguments += [flag, str(number)]
    for host in config.getoption("juspay_mock_allow_host") or config.getini("juspay_mock_allow_host"):
        try:
            arguments += ["--allow-host", allowed_host(host)]
        except ValueError as exc:
            raise pytest.UsageError(f"juspay_mock_allow_host: {exc}") from None
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
def juspay_mock(_juspay_mock_server: JuspayMock, request: pytest.FixtureRequest) -> JuspayMock:
    """The session's embedded Juspay mock, reset for this test (and given the limits of its marker)."""
    _juspay_mock_server.reset()
    marker = request.node.get_closest_marker("juspay_mock")
    if marker is not None:
        unknown = sorted(set(marker.kwargs) - set(LIMIT_NAMES))
        if marker.args or unknown:
            names = ", ".join(LIMIT_NAMES)
            pytest.fail(f"@pytest.mark.juspay_mock takes only {names} as keywords, got {marker.args or unknown}",
                        pytrace=False)  # fmt: skip
        _juspay_mock_server.configure(**marker.kwargs)
    return _juspay_mock_server
