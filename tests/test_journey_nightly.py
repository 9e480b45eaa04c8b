"""The nightly journey against a loopback stand-in for the sandbox, through the recording proxy, and the payment
credentials Fetch returns kept out of everything the kit writes, even when the target echoes pieces of them.

The stand-in is the mock behind a middleware that echoes the credentials it issued into every later answer:
whole in a header, and 12-character pieces in bodies and refusal messages. No 8-character piece of a token
number or cryptogram may appear in the cassette, the proxy's console, the replay and contract reports, the
mock's journal or a client exception."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from juspay_visa_agentic_client import JuspayClient, exceptions
from juspay_visa_agentic_client.models import AmountLimit, VerificationData

from juspay_kit.mock import drive
from juspay_kit.mock.app import CONTROL_PREFIX
from juspay_kit.proxy import cassette, replay
from tests.broken_servers import API_KEY, MERCHANT, serve
from tests.contract_check import CREDENTIALS, all_reports, contract_check
from tests.test_contract_suites import run_suite
from tests.test_journey import order
from tests.test_proxy import headers, proxying

FETCH = "/cards/fetchAgenticTransactCreds"


def echoing(issued: list[str], violate: bool = False) -> Any:
    """Middleware: remember the credentials Fetch answers; echo them (whole, and in pieces) in later answers.
    `violate`: Fetch's tokenNumber as a JSON number, so that the violation's report quotes it."""

    def wrap(app: Any) -> Any:
        async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
                await app(scope, receive, send)
                return
            start: dict[str, Any] = {}

            async def capture(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    start.update(message)
                    return
                body = json.loads(message["body"])
                if scope["path"] == FETCH and start["status"] == 200:
                    issued.extend([body["tokenNumber"], body["cryptogram"]])
                    body["tokenNumber"] = int(body["tokenNumber"]) if violate else body["tokenNumber"]
                elif issued and isinstance(body, dict):
                    token, cryptogram = issued[-2:]
                    body["debugEcho"] = f"last {token[-12:]} {cryptogram[2:14]}"
                    for name in ("errorMessage", "responseMessage", "error_message"):
                        if isinstance(body.get(name), str):
                            body[name] += f" (token {token[:12]}, cryptogram {cryptogram[-12:]})"
                data = json.dumps(body).encode()
                head = [(k, v) for k, v in start["headers"] if k != b"content-length"]
                head += [(b"content-length", str(len(data)).encode())]
                if issued:
                    head.append((b"x-debug-credentials", f"{issued[-2]}:{issued[-1]}".encode()))
                await send({**start, "headers": head})
                await send({"type": "http.response.body", "body": data})

            await app(scope, receive, capture)

        return echo

    return wrap


def pieces_in(text: str, secrets: list[str]) -> list[str]:
    return sorted({s[i : i + 8] for s in secrets for i in range(len(s) - 7) if s[i : i + 8] in text})


def bound_card(url: str) -> dict[str, str]:
    """A card provisioned and bound on the stand-in (its controls give the code), for the sandbox fixtures."""
    with httpx.Client(base_url=url, headers=headers(API_KEY, MERCHANT), trust_env=False) as http:
        return drive.bound_card(http, "u-night")


def test_the_nightly_journey_through_the_recording_proxy_judges_the_inferred_names(tmp_path: Path) -> None:
    issued: list[str] = []
    record = tmp_path / "sandbox.cassette.jsonl"
    with serve(echoing(issued)) as upstream:
        card = bound_card(upstream)
        fixtures = {"JUSPAY_PROFILE": "sandbox", "JUSPAY_FIXTURE_CUSTOMER_ID": "u-night",
                    "JUSPAY_FIXTURE_SECURE_TOKEN": "visa-session",
                    "JUSPAY_FIXTURE_BOUND_TOKEN_ID": card["vProvisionedTokenId"]}  # fmt: skip
        with proxying(upstream, record=record) as (url, app, out):
            ran = run_suite(url, "contract_tests/test_journey_flow.py", extra_env=fixtures)
        result = replay.replay(record, upstream, API_KEY, MERCHANT)
    assert ran.returncode == 0 and "1 passed, 1 skipped" in ran.stdout, ran.stdout[-3000:]
    assert not app.violations, out.getvalue()
    _, exchanges = cassette.read(record)
    assert [e["operation"] for e in exchanges] == ["provisionTokenAndCreatePasskey", "fetchPaymentCredentials",
                                                   "setupAgenticPayment", "fetchPaymentCredentials"]  # fmt: skip
    verdicts = result.recorded_inferred
    names = (
        "provision-response-token-reference",
        "provision-response-token-id",
        "fetch-response-token-number",
        "fetch-response-cryptogram",
        "fetch-response-expiry-month",
        "setup-response-instruction-id",
    )
    for marker in names:
        assert verdicts[marker]["verdict"] == "confirmed", (marker, verdicts.get(marker))
    assert len(issued) == 2
    reports = tmp_path / "replay"
    replay.write_reports(result, reports, app.redactor)
    written = record.read_text() + out.getvalue() + all_reports(reports) + ran.stdout + ran.stderr
    assert not pieces_in(written, issued)
    assert "[masked]" in record.read_text()


def test_no_piece_of_a_credential_reaches_reports_the_journal_or_an_exception(tmp_path: Path) -> None:
    issued: list[str] = []
    with serve(echoing(issued, violate=True)) as url:
        ran = contract_check(
            "--base-url", url, "--max-examples", "15", "--seed", "4", "--phases", "fuzzing",
            "--operation", "fetchPaymentCredentials",
            "--operation", "setupAgenticPayment", "--report-dir", str(tmp_path), env=CREDENTIALS,
        )  # fmt: skip
        card = bound_card(url)
        ids: dict[str, Any] = {"v_provisioned_token_id": card["vProvisionedTokenId"], "client_reference_id": "buy-1"}
        with JuspayClient(API_KEY, MERCHANT, base_url=url) as client:
            limit = AmountLimit(total_amount=5, currency_code="USD")
            client.setup_agentic_payment(
                customer_id="u-night",
                verification_data=VerificationData(verify_type="P"),
                transaction_amount=limit,
                **ids,
            )
            client.fetch_payment_credentials(nw_transaction_id="n1", transaction_details=order(1), **ids)
            with pytest.raises(exceptions.AmountLimitExceeded) as refused:
                client.fetch_payment_credentials(nw_transaction_id="n2", transaction_details=order(9), **ids)
        forwarded = {**card, "cryptogram": issued[-1], "tokenNumber": issued[-2]}  # an app passing them on
        with httpx.Client(base_url=url, headers=headers(API_KEY, MERCHANT), trust_env=False) as http:
            http.post("/validateOtp", json={**forwarded, "otpValue": "1", "networkType": "VISA"})
            journal = http.get("/__mock__/requests").text + http.get("/__mock__/state").text
    assert len(issued) > 2, "the contract run never reached a successful Fetch"
    assert ran.returncode == 1 and "response_schema_conformance" in ran.stdout  # the report quotes the number
    assert "(token " in refused.value.message  # the echo reached the client, masked
    written = all_reports(tmp_path) + ran.stdout + ran.stderr + str(refused.value) + repr(refused.value) + journal
    assert not pieces_in(written, issued)
