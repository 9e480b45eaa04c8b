"""A plausible *other* sandbox on loopback, and an integrator's app that walks the journey against it.

No kit code writes this traffic: the server is a small ASGI app of its own (the spec's samples as a start),
and the app is plain httpx. What it plants, and nothing else:
- two refusal codes the spec lacks: Trigger OTP past the limit answers OTP_REQUESTS_EXHAUSTED (429), a wrong
  code answers OTP_MISMATCH (400);
- the OTP counters as strings in PascalCase (the field table's way);
- an extra field in Fetch's answer (`panReferenceId`);
- one undocumented status: a locked session answers Validate OTP with 423;
- a Fetch answered 200 before any Setup for its token;
- secrets in the answers: the card number and cryptogram of Fetch, and the API key echoed in a refusal message.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx

from juspay_kit import api, spec

API_KEY = "sk_other_sandbox_9f3c1e7a5b"
MERCHANT = "other_merchant"
OTP = "482913"
CARD_NUMBER = "4000123412349876"
CRYPTOGRAM = "AgAAAAAAAIR8CQrXcIhbQAAAAAA"
CODES = ("OTP_REQUESTS_EXHAUSTED", "OTP_MISMATCH")
EXTRA_FIELD = "panReferenceId"
UNDOCUMENTED_STATUS = 423
SAMPLES = {op.operation_id: api.example(spec.load(), op.operation_id) for op in api.shared()}


class OtherSandbox:
    """The server: sessions by (tokenReference, clientReferenceId), three OTPs and three wrong codes each."""

    def __init__(self) -> None:
        self.triggers: Counter[tuple[str, str]] = Counter()
        self.wrong: Counter[tuple[str, str]] = Counter()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        body = json.loads(raw or b"{}")
        status, answer = self.answer(scope["path"], body)
        data = json.dumps(answer).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        session = (str(body.get("tokenReference")), str(body.get("clientReferenceId")))
        if path == "/provision-token-passkey":
            ids = {"tokenReference": "tref-1", "vProvisionedTokenId": "vpt-1", "clientReferenceId": "c-1"}
            return 200, {**SAMPLES["provisionTokenAndCreatePasskey"], **ids}
        if path == "/initiateVerification":
            self.triggers[session] += 1
            if self.triggers[session] > 3:
                return 429, {"status": "FAILURE", "errorCode": CODES[0], "response": None,
                             "errorMessage": f"limit reached for key {API_KEY}"}  # fmt: skip
            limits = {"MaxOTPVerificationAllowed": "3", "MaxOTPRequestsAllowed": "3", "CodeExpiration": "5"}
            return 200, {**SAMPLES["triggerOtp"], "response": limits}
        if path == "/validateOtp":
            if self.wrong[session] >= 3:
                return UNDOCUMENTED_STATUS, {"status": "FAILURE", "responseCode": "SESSION_LOCKED",
                                             "responseMessage": "Locked."}  # fmt: skip
            if body.get("otpValue") != OTP:
                self.wrong[session] += 1
                return 400, {"status": "FAILURE", "responseCode": CODES[1], "responseMessage": "Wrong code."}
            return 200, SAMPLES["validateOtp"]
        if path == "/cards/setUpAgenticPaymentInstruction":
            return 200, SAMPLES["setupAgenticPayment"]
        if path == "/cards/fetchAgenticTransactCreds":
            return 200, {**SAMPLES["fetchPaymentCredentials"], "tokenNumber": CARD_NUMBER, "cryptogram": CRYPTOGRAM,
                         EXTRA_FIELD: "pr-77"}  # fmt: skip
        return 404, {"status": "error", "error_code": "not_found"}


def journey(http: httpx.Client) -> None:
    """The integrator's app: the requests it sends, in order (13 exchanges)."""

    def post(operation: str, body: dict[str, Any]) -> None:
        http.post(api.path_of(operation), json=body)

    post("provisionTokenAndCreatePasskey", {"customerId": "cust-1", "sessionContext": {"secureToken": "st"},
                                            "clientReferenceId": "c-1"})  # fmt: skip
    ids = {"tokenReference": "tref-1", "vProvisionedTokenId": "vpt-1", "clientReferenceId": "c-1"}
    for _ in range(4):  # the fourth is past the limit
        post("triggerOtp", {**ids, "stepUpRequestId": "cw=="})
    post("validateOtp", {**ids, "otpValue": OTP, "networkType": "VISA"})
    fetch = {"networkType": "VISA", "vProvisionedTokenId": "vpt-1", "clientReferenceId": "c-1",
             "nwTransactionId": "c-1", "transactionDetails": [_transaction()]}  # fmt: skip
    post("fetchPaymentCredentials", fetch)  # before any Setup: the sandbox answers 200
    setup = {"cardNetwork": "VISA", "clientReferenceId": "c-2", "vProvisionedTokenId": "vpt-1", "customerId": "cust-1",
             "verificationData": {"verifyType": "PASSKEY"}}  # fmt: skip
    post("setupAgenticPayment", setup)
    post("fetchPaymentCredentials", fetch)
    locked = {"tokenReference": "tref-2", "vProvisionedTokenId": "vpt-1", "clientReferenceId": "c-3"}
    post("triggerOtp", {**locked, "stepUpRequestId": "cw=="})
    for _ in range(4):  # three wrong codes, then the locked session's undocumented 423
        post("validateOtp", {**locked, "otpValue": "000000", "networkType": "VISA"})


def _transaction() -> dict[str, Any]:
    amount = {"totalAmount": 10.0, "subTotalAmount": 10.0, "tax": 0, "currencyCode": "USD"}
    address = {"addLine1": "1 Main St", "city": "Pune", "stateAdd": "MH"}
    return {"transactionId": "txn-1", "transactionType": "PURCHASE", "transactionAmount": amount,
            "orderId": "order-1", "shippingAddress": address}  # fmt: skip


def client(base_url: str, **kwargs: Any) -> httpx.Client:
    return httpx.Client(base_url=base_url, auth=(API_KEY, ""), headers={"x-merchantid": MERCHANT}, **kwargs)
