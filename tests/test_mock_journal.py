"""The journal tells the truth about time and masks every secret; faults match requests; every store of the
test double is bounded in bytes. Cheap on purpose: in-process where it can, else the session's one mock."""

from __future__ import annotations

import base64
import json
import threading
import time
import tracemalloc
from typing import Any

import httpx
import pytest

from juspay_kit.mock import drive, journal, matching
from juspay_kit.mock.double import MAX_FAULTS, ControlError
from juspay_kit.pytest_plugin import Call, JuspayMock
from juspay_kit.redact import PIECE, Redactor

TRIGGER = "/initiateVerification"


def api(juspay_mock: JuspayMock, **kwargs: Any) -> httpx.Client:
    headers = {"x-merchantid": juspay_mock.merchant_id, **kwargs.pop("headers", {})}
    return httpx.Client(base_url=juspay_mock.base_url, auth=(juspay_mock.api_key, ""), headers=headers,
                        trust_env=False, **kwargs)  # fmt: skip


def trigger_body(reference: str) -> dict[str, str]:
    return {"tokenReference": "tok", "vProvisionedTokenId": "vpt", "clientReferenceId": reference,
            "stepUpRequestId": "c3RlcA=="}  # fmt: skip


def test_the_journal_is_bounded_in_bytes_and_counts_them_truly(monkeypatch: pytest.MonkeyPatch) -> None:
    limit = 48 * 1024
    monkeypatch.setattr(journal, "JOURNAL_BYTES", limit)
    store = journal.Journal("key-1234")
    scope = {"method": "POST", "path": "/validateOtp", "headers": [(b"content-type", b"application/json")]}
    body = json.dumps({"list": [0] * 2_000}).encode()  # 6 KB of text; as parsed objects it held 16 KB more
    store.body(store.arrive("validateOtp", scope), body)  # the spec's facts, loaded once, are not the journal's
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(15):
        store.body(store.arrive("validateOtp", scope), body)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    listing = store.listing()
    assert listing["bytes"] <= limit and listing["dropped"] == 16 - len(listing["requests"]) > 0, listing["bytes"]
    assert held < 2 * limit, f"the journal holds {held} bytes for a bound of {limit}"


def test_faults_are_bounded_in_bytes_as_well_as_in_number() -> None:
    faults = matching.Faults()
    fat = {"operation": "*", "status": 500, "body": {"padding": "x" * 60_000}}
    with pytest.raises(ControlError, match="bytes"):
        for _ in range(MAX_FAULTS):
            faults.add(matching.parse_matching_fault(fat, {"triggerOtp"}))
    assert matching.MAX_FAULT_BYTES - 70_000 < faults.bytes <= matching.MAX_FAULT_BYTES


def test_match_is_a_subset_at_any_depth() -> None:
    body = {"customerId": "c-1", "items": [{"id": 1, "tags": ["a", "b"]}, {"id": 2}], "flag": True}
    assert matching.contains({"items": [{"tags": ["b"]}], "flag": True}, body)
    assert not matching.contains({"items": [{"id": 3}]}, body)
    assert not matching.contains({"flag": 1}, body)  # true is not 1
    assert not matching.contains({"absent": None}, body)


def test_a_delayed_call_is_journalled_before_its_answer_and_never_after_a_reset(juspay_mock: JuspayMock) -> None:
    fault = juspay_mock.inject_fault("triggerOtp", delay=1.0)
    with api(juspay_mock, timeout=5) as http:
        held = threading.Thread(target=http.post, args=(TRIGGER,), kwargs={"json": trigger_body("late")})
        held.start()
        calls: list[Call] = []
        deadline = time.monotonic() + 0.9  # within the delay: the app's client is still waiting for its answer
        while not (calls and calls[0].json is not None) and time.monotonic() < deadline:  # arrived, body read
            calls = juspay_mock.requests("triggerOtp")
        (call,) = calls
        assert (call.pending, call.status, call.fault, call.json["clientReferenceId"]) == (True, None, fault, "late")
        juspay_mock.assert_called("triggerOtp", times=1)
        juspay_mock.reset()  # what the fixture does before the next test
        held.join()  # the answer has left: the mock completed (or skipped) the entry before serving anything else
    listing = httpx.get(f"{juspay_mock.base_url}/__mock__/requests", trust_env=False).json()
    assert (listing["requests"], listing["bytes"]) == ([], 0)


def test_the_fixtures_own_calls_are_tagged_and_the_journal_clears_alone(juspay_mock: JuspayMock) -> None:
    card = juspay_mock.provisioned_card("c-9")
    juspay_mock.assert_called("provisionTokenAndCreatePasskey", times=0)
    (own,) = juspay_mock.requests(include_fixture=True)
    assert own.fixture and journal.FIXTURE_HEADER not in own.headers and own.status == 200
    juspay_mock.assert_called("provisionTokenAndCreatePasskey", times=1, include_fixture=True)
    juspay_mock.clear_journal()
    assert juspay_mock.requests(include_fixture=True) == []
    with api(juspay_mock) as http:  # the card outlived the journal
        http.post(TRIGGER, json={**trigger_body(card.client_reference_id), "tokenReference": card.token_reference,
                                 "vProvisionedTokenId": card.v_provisioned_token_id})  # fmt: skip
    juspay_mock.assert_called("triggerOtp", times=1)


def test_a_fault_matches_a_body_after_n_calls_and_the_most_specific_plays(juspay_mock: JuspayMock) -> None:
    anyone = juspay_mock.inject_fault("*", status=500, times=10)
    customer = juspay_mock.inject_fault("triggerOtp", status=503, match={"clientReferenceId": "c-1"}, after=1)
    with api(juspay_mock) as http:
        statuses = [http.post(TRIGGER, json=trigger_body(ref)).status_code for ref in ("c-1", "c-2", "c-1", "c-1")]
    assert statuses == [500, 500, 503, 500]  # c-1's first call passes `after`; its second is the match's
    assert [call.fault for call in juspay_mock.requests()] == [anyone, anyone, customer, anyone]


def test_every_secret_is_masked_in_the_journal_and_the_state(juspay_mock: JuspayMock) -> None:
    card = juspay_mock.provisioned_card("c-7", bind=True)
    ids = {"vProvisionedTokenId": card.v_provisioned_token_id, "clientReferenceId": card.client_reference_id}
    basic = base64.b64encode(f"{juspay_mock.api_key}:".encode()).decode()
    with api(juspay_mock) as http:
        assert http.post("/provision-token-passkey", json={"customerId": "c-8", "sessionContext": {
            "secureToken": "ezAwMX06AAM1NkHHoGTH"}}).status_code == 200  # fmt: skip
        setup = drive.setup_body(card.v_provisioned_token_id, card.client_reference_id, "c-7")
        http.post("/cards/setUpAgenticPaymentInstruction", json=setup)
        fetch = {**ids, "networkType": "VISA", "nwTransactionId": "n1", "transactionDetails": [drive.transaction(1)]}
        answer = http.post("/cards/fetchAgenticTransactCreds", json=fetch)
        issued = answer.json()
        token, cryptogram = issued["tokenNumber"], issued["cryptogram"]
        http.post(f"/cards/{token}", headers={"x-echo": f"ref {cryptogram[2:12]} {token[4:14]}"})
        http.post(TRIGGER, json={**trigger_body("echo"), "note": f"{juspay_mock.api_key} / Basic {basic}",
                                 "other": cryptogram, "deep": [{"x": token[:PIECE]}]})  # fmt: skip
    seen = httpx.get(f"{juspay_mock.base_url}/__mock__/requests", trust_env=False).text
    seen += httpx.get(f"{juspay_mock.base_url}/__mock__/state", trust_env=False).text
    for secret in (token, cryptogram, juspay_mock.api_key, basic, "ezAwMX06AAM1NkHHoGTH"):
        pieces = {secret[i : i + PIECE] for i in range(len(secret) - PIECE + 1)}
        assert not [piece for piece in pieces if piece in seen], f"a piece of {secret[:2]}… is in clear"
    assert seen.count("[masked]") >= 6


def test_secure_token_is_a_secret_wherever_the_kit_writes() -> None:
    shown = Redactor().value({"customerId": "c", "sessionContext": {"secureToken": "ezAwMX06AAM1NkHHoGTH"}})
    assert shown["sessionContext"]["secureToken"] == "[masked]"
