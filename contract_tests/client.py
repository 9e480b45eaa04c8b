"""The generated client, bound to the contract target, with every raw response kept for validation."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from juspay_visa_agentic_client import AuthenticatedClient

from contract_tests.conftest import Target


@contextmanager
def generated_client(target: Target) -> Iterator[tuple[AuthenticatedClient, list[httpx.Response]]]:
    """An AuthenticatedClient for the target; the list fills with each raw httpx response."""
    seen: list[httpx.Response] = []

    def keep(response: httpx.Response) -> None:
        response.read()
        seen.append(response)

    token = base64.b64encode(f"{target.settings.api_key}:".encode()).decode()
    client = AuthenticatedClient(
        base_url=target.base_url,
        token=token,
        prefix="Basic",
        raise_on_unexpected_status=True,
        httpx_args={"event_hooks": {"response": [keep]}},
    )
    with client:
        yield client, seen


def inbox(target: Target, token_reference: str, client_reference_id: str) -> str:
    """The code the mock last sent for a session (mock only)."""
    params = {"tokenReference": token_reference, "clientReferenceId": client_reference_id}
    answer = httpx.get(f"{target.base_url}/__mock__/inbox", params=params, timeout=10)
    answer.raise_for_status()
    otp: str = answer.json()["otpValue"]
    return otp


def control(target: Target, action: str, body: dict[str, Any] | None = None) -> None:
    httpx.post(f"{target.base_url}/__mock__/{action}", json=body or {}, timeout=10).raise_for_status()
