"""What the inbox page polls (`GET /__mock__/state?view=page`, feed.py), at the HTTP level: a bodiless 304 while
nothing changed and a fresh page after any call or control; a bounded page of rows with the totals; filters by
operation and by customer; one exchange in full; every bad query a 400 naming the parameter."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from juspay_kit.pytest_plugin import JuspayMock


def feed(juspay_mock: JuspayMock, tag: str | None = None, **params: Any) -> httpx.Response:
    headers = {"If-None-Match": tag} if tag else {}
    return httpx.get(f"{juspay_mock.base_url}/__mock__/state", params={"view": "page", **params}, headers=headers,
                     trust_env=False, timeout=10)  # fmt: skip


def trigger(juspay_mock: JuspayMock, token_reference: str, client_reference_id: str) -> None:
    with juspay_mock.client() as client:
        client.trigger_otp(token_reference=token_reference, v_provisioned_token_id="v",
                           client_reference_id=client_reference_id, step_up_request_id="s")  # fmt: skip


def test_the_page_gets_a_304_until_something_changes(juspay_mock: JuspayMock) -> None:
    first = feed(juspay_mock)
    tag = first.headers["etag"]
    assert first.status_code == 200 and first.json()["totals"]["sessions"] == 0
    unchanged = feed(juspay_mock, tag)
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["etag"] == tag
    trigger(juspay_mock, "t", "c")  # an API call changes the page
    after_call = feed(juspay_mock, tag)
    assert after_call.status_code == 200 and after_call.json()["totals"]["sessions"] == 1
    tag = after_call.headers["etag"]
    assert feed(juspay_mock, tag, operation="triggerOtp").status_code == 200  # another query, another page
    juspay_mock.advance_clock(60)  # so does a control
    assert feed(juspay_mock, tag).status_code == 200
    full = httpx.get(f"{juspay_mock.base_url}/__mock__/state", trust_env=False, timeout=10).json()
    assert set(full) == {"sessions", "cards", "requests", "faults", "limits"}  # the full state, as before


def test_the_page_is_bounded_filtered_and_opens_one_exchange(juspay_mock: JuspayMock) -> None:
    for index in range(7):
        trigger(juspay_mock, "t", f"c{index}")
    bounded = feed(juspay_mock, limit=5).json()
    assert [s["clientReferenceId"] for s in bounded["sessions"]] == ["c6", "c5", "c4", "c3", "c2"]
    assert bounded["totals"]["sessions"] == 7 and len(bounded["requests"]) == 5
    alice, bob = juspay_mock.provisioned_card("alice", bind=True), juspay_mock.provisioned_card("bob")
    mine = feed(juspay_mock, customer="alice").json()
    assert [c["vProvisionedTokenId"] for c in mine["cards"]] == [alice.v_provisioned_token_id]
    assert [s["tokenReference"] for s in mine["sessions"]] == [alice.token_reference]
    assert mine["requests"] and {r["customer"] for r in mine["requests"]} == {"alice"}
    assert bob.v_provisioned_token_id not in str(mine)
    validations = feed(juspay_mock, operation="validateOtp").json()["requests"]
    assert [r["operation"] for r in validations] == ["validateOtp"]
    params = {"view": "exchange", "seq": validations[0]["seq"]}
    found = httpx.get(f"{juspay_mock.base_url}/__mock__/state", params=params, trust_env=False, timeout=10)
    exchange = found.json()["exchange"]
    assert found.status_code == 200 and exchange["operation"] == "validateOtp" and exchange["status"] == 200
    assert exchange["body"]["tokenReference"] == alice.token_reference
    assert exchange["body"]["otpValue"] != juspay_mock.inbox(alice.token_reference, alice.client_reference_id)


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"view": "nope"}, 400, "view"),
        ({"view": "page", "limit": "0"}, 400, "limit"),
        ({"view": "page", "limit": "1e3"}, 400, "limit"),
        ({"view": "page", "operation": "noSuchOperation"}, 400, "operation"),
        ({"view": "page", "customer": "c" * 257}, 400, "customer"),
        ({"view": "page", "colour": "red"}, 400, "colour"),
        ({"view": "exchange"}, 400, "seq"),
        ({"view": "exchange", "seq": "99999"}, 404, "seq"),
        ({"view": "exchange", "seq": "-1"}, 400, "seq"),
    ],
)
def test_a_bad_page_query_is_a_json_4xx_naming_the_parameter(
    juspay_mock: JuspayMock, params: dict[str, str], status: int, field: str
) -> None:
    answer = httpx.get(f"{juspay_mock.base_url}/__mock__/state", params=params, trust_env=False, timeout=10)
    assert answer.status_code == status and answer.json()["error_info"]["fields"] == field, answer.text
