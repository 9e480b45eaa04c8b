"""Driving a running mock over HTTP as an integrator's app would: the one home of the steps that bring a card
to where Setup and Fetch can be called (Provision, Trigger OTP, the code from the inbox, Validate OTP), and of
a transaction body. Used by the `juspay_mock` fixture, the contract run's priming, the rule probe, the bench
and the tests; `http` is an httpx client on the mock with its credentials and `x-merchantid` set. Paths come from
the spec (`api.path_of`)."""

from __future__ import annotations

from typing import Any

import httpx

from juspay_kit import api
from juspay_kit.errors import HarnessError

IDS = ("tokenReference", "vProvisionedTokenId", "clientReferenceId")


def transaction(total: float, currency: str = "USD") -> dict[str, Any]:
    """One transaction of a Fetch request, with every field the page's sample shows."""
    amount = {"totalAmount": total, "subTotalAmount": total, "tax": 0, "currencyCode": currency}
    address = {"addLine1": "123 Main St", "city": "Greater Noida", "stateAdd": "Uttar Pradesh"}
    return {"transactionId": "txn-1", "transactionType": "PURCHASE", "transactionAmount": amount, "orderId": "order-1",
            "shippingAddress": address}  # fmt: skip


def provision(http: httpx.Client, customer: str, client_reference_id: str | None = None) -> dict[str, str]:
    """A card provisioned through the mock's Provision: its identifiers (and stepUpRequestId)."""
    body: dict[str, Any] = {"customerId": customer, "sessionContext": {"secureToken": "juspay-mock-session"}}
    if client_reference_id is not None:
        body["clientReferenceId"] = client_reference_id
    answer = _post(http, api.path_of("provisionTokenAndCreatePasskey"), body)
    return {name: str(answer[name]) for name in (*IDS, "stepUpRequestId")}


def issue_code(http: httpx.Client, card: dict[str, str]) -> str:
    """Trigger an OTP for the card's session and read it from the mock's inbox: the code."""
    ids = {name: card[name] for name in IDS}
    _post(http, api.path_of("triggerOtp"), {**ids, "stepUpRequestId": card.get("stepUpRequestId", "cw==")})
    try:
        found = http.get(
            "/__mock__/inbox", params={name: ids[name] for name in ("tokenReference", "clientReferenceId")}
        )
        otp = str(found.json()["otpValue"]) if found.status_code == 200 else None
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        otp = None
    if otp is None:
        raise HarnessError("the mock's inbox gave no code: is this the mock, with its controls?")
    return otp


def bind(http: httpx.Client, card: dict[str, str]) -> str:
    """Finish device binding of a provisioned card: trigger, read the code from the inbox, validate. The code."""
    otp = issue_code(http, card)
    _post(
        http, api.path_of("validateOtp"), {**{name: card[name] for name in IDS}, "otpValue": otp, "networkType": "VISA"}
    )
    return otp


def setup_body(token_id: str, client_reference_id: str, customer: str) -> dict[str, Any]:
    """A Setup Agentic Payment request without an amount limit."""
    return {"cardNetwork": "VISA", "clientReferenceId": client_reference_id, "vProvisionedTokenId": token_id,
            "customerId": customer, "verificationData": {"verifyType": "PASSKEY"}}  # fmt: skip


def set_up(http: httpx.Client, token_id: str, client_reference_id: str, customer: str) -> None:
    """A payment instruction without a limit for a bound card and a purchase session."""
    _post(http, api.path_of("setupAgenticPayment"), setup_body(token_id, client_reference_id, customer))


def bound_card(http: httpx.Client, customer: str) -> dict[str, str]:
    """A card provisioned and bound, ready for Setup."""
    card = provision(http, customer)
    bind(http, card)
    return card


def _post(http: httpx.Client, path: str, body: dict[str, Any]) -> Any:
    try:
        answer = http.post(path, json=body)
        data = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise HarnessError(f"{path} of the mock failed: {type(exc).__name__}") from None
    if answer.status_code != 200 or not isinstance(data, dict):
        raise HarnessError(f"{path} of the mock answered {answer.status_code}")
    return data
