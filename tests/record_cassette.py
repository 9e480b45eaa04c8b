"""Record tests/fixtures/mock-flow.cassette.jsonl: every outcome of the OTP rules, through the proxy, from
the embedded mock with its default credentials. Run `.venv/bin/python -m tests.record_cassette` after a
change to the mock's answers; `make test` replays the committed file against a fresh mock."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx

from juspay_kit.mock.app import DEFAULT_API_KEY, DEFAULT_MERCHANT_ID
from juspay_kit.mock.process import running_mock
from juspay_kit.proxy.app import ProxyApp
from juspay_kit.proxy.cassette import CassetteWriter
from juspay_kit.redact import Redactor
from tests.broken_servers import serve_app

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "mock-flow.cassette.jsonl"
STEP_UP = "Y2UyOWU0N2E1NGYzNGM2OTY4MjQxZTZhYzkxMTNkMDE="


def drive(http: httpx.Client) -> None:
    auth = "Basic " + base64.b64encode(f"{DEFAULT_API_KEY}:".encode()).decode()
    sent = {"Authorization": auth, "x-merchantid": DEFAULT_MERCHANT_ID, "Content-Type": "application/json"}

    def trigger(session: str, token: str = "tok-1", headers: dict[str, str] = sent) -> None:
        body = {
            "tokenReference": "tok-1",
            "vProvisionedTokenId": token,
            "clientReferenceId": session,
            "stepUpRequestId": STEP_UP,
        }
        http.post("/initiateVerification", json=body, headers=headers)

    def validate(session: str, otp: str, token: str = "tok-1") -> None:
        body = {"tokenReference": token, "vProvisionedTokenId": token, "clientReferenceId": session, "otpValue": otp,
                "networkType": "VISA"}  # fmt: skip
        http.post("/validateOtp", json=body, headers=sent)

    def code(session: str, token: str = "tok-1") -> str:
        otp: str = http.get("/__mock__/inbox", params={"tokenReference": token, "clientReferenceId": session}).json()[
            "otpValue"
        ]
        return otp

    def wrong(otp: str) -> str:
        return "".join(str((int(c) + 1) % 10) for c in otp)

    trigger("s-1")  # 200
    validate("s-1", wrong(code("s-1")))  # INVALID_OTP
    validate("s-1", code("s-1"))  # 200, bound
    validate("s-1", code("s-1"))  # DEVICE_ALREADY_BOUND
    for _ in range(4):
        trigger("s-2")  # 200 x3, then OTP_REQUEST_LIMIT_EXCEEDED
    for _ in range(4):
        validate("s-2", wrong(code("s-2")))  # INVALID_OTP x2, then SESSION_LOCKED
    trigger("s-3")
    http.post("/__mock__/clock", json={"advanceSeconds": 301})
    validate("s-3", code("s-3"))  # OTP_EXPIRED
    validate("s-9", "123456")  # SESSION_NOT_FOUND
    trigger("s-1", token="tok-2")  # TOKEN_MISMATCH: another provisioned token on a known session
    http.post("/initiateVerification", json={"tokenReference": "t"}, headers=sent)  # missing fields
    trigger("s-4", headers={**sent, "Authorization": "Basic " + base64.b64encode(b"wrong:").decode()})  # 401
    trigger("s-4", headers={k: v for k, v in sent.items() if k != "x-merchantid"})  # missing header
    http.get("/validateOtp")  # 405


def main() -> None:
    with running_mock(DEFAULT_API_KEY, DEFAULT_MERCHANT_ID) as mock:
        http = httpx.Client(base_url=mock.url, trust_env=False)
        http.post("/__mock__/reset", json={})
        redactor = Redactor()
        recorder = CassetteWriter(
            FIXTURE, {"upstream": "the embedded mock", "recordedBy": "tests/record_cassette.py"}, redactor
        )
        app = ProxyApp(mock.url, recorder=recorder, redactor=redactor)
        with serve_app(app, lifespan="on") as url, httpx.Client(base_url=url, trust_env=False) as through:
            drive(through)
        recorder.close()
        http.close()
    print(app.summary())


if __name__ == "__main__":
    main()
