"""Shared fixtures: the embedded mock as a subprocess on a free loopback port, and a client for it."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from juspay_kit import spec
from juspay_kit.errors import HarnessError
from juspay_kit.mock.process import RunningMock, running_mock
from juspay_kit.schema import Validators

API_KEY = "test_api_key_5f2c"
MERCHANT = "test_merchant"
SCHEMAS = Validators(spec.load())


@pytest.fixture(scope="session")
def mock() -> Iterator[RunningMock]:
    try:
        with running_mock(API_KEY, MERCHANT, ["--seed", "7"]) as running:
            yield running
    except HarnessError as exc:
        pytest.fail(str(exc), pytrace=False)


def auth_headers(key: str = API_KEY, merchant: str | None = MERCHANT) -> dict[str, str]:
    headers = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
    if merchant is not None:
        headers["x-merchantid"] = merchant
    return headers


class MockClient:
    """httpx against the running mock, with the test controls and spec-checked answers."""

    def __init__(self, running: RunningMock) -> None:
        self.http = httpx.Client(base_url=running.url, timeout=10)

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        sent = {"Content-Type": "application/json", **(auth_headers() if headers is None else headers)}
        return self.http.post(path, json=body, headers=sent)

    def trigger(self, body: dict[str, Any]) -> httpx.Response:
        return self.checked("triggerOtp", self.post("/initiateVerification", body))

    def validate(self, body: dict[str, Any]) -> httpx.Response:
        return self.checked("validateOtp", self.post("/validateOtp", body))

    @staticmethod
    def checked(operation_id: str, response: httpx.Response) -> httpx.Response:
        assert response.headers["content-type"] == "application/json"
        problems = SCHEMAS.errors(operation_id, response.status_code, response.json())
        assert not problems, f"{operation_id} {response.status_code}: {problems} in {response.text}"
        return response

    def inbox(self, token_reference: str, client_reference_id: str) -> str:
        params = {"tokenReference": token_reference, "clientReferenceId": client_reference_id}
        response = self.http.get("/__mock__/inbox", params=params)
        assert response.status_code == 200, response.text
        otp: str = response.json()["otpValue"]
        return otp

    def advance(self, seconds: float) -> None:
        assert self.http.post("/__mock__/clock", json={"advanceSeconds": seconds}).status_code == 200

    def reset(self) -> None:
        assert self.http.post("/__mock__/reset", json={}).status_code == 200


@pytest.fixture
def client(mock: RunningMock) -> Iterator[MockClient]:
    c = MockClient(mock)
    c.reset()
    yield c
    c.http.close()
