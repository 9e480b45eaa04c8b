"""The whole journey through the client and the mock: Provision, binding by OTP, Setup, Fetch; each refusal of
the journey's order reached by driving the mock, and answers the mock never gives from a loopback stand-in."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from juspay_visa_agentic_client import AsyncJuspayClient, JuspayClient, exceptions
from juspay_visa_agentic_client.models import (
    AmountLimit,
    FetchPaymentCredentialsResponse,
    SessionContext,
    TransactionDetail,
    VerificationData,
)

from juspay_kit import api
from juspay_kit.mock import drive
from juspay_kit.mock.process import RunningMock
from tests.conftest import MockClient
from tests.loopback import serving
from tests.test_juspay_client import SCENARIOS, juspay

CUSTOMER = "user_f96UTs2u7DpLrzh2"


def order(total: float, currency: str = "USD") -> list[TransactionDetail]:
    return [TransactionDetail.from_dict(drive.transaction(total, currency))]


class Journey:
    """One card's journey through a JuspayClient against the mock, step by step."""

    def __init__(self, client: JuspayClient, controls: MockClient, customer: str = CUSTOMER) -> None:
        self.api, self.controls, self.customer = client, controls, customer
        card = client.provision_token_and_create_passkey(
            customer_id=customer, session_context=SessionContext(secure_token="ezAwMX06AAM1NkHH")
        )
        assert isinstance(card.token_reference, str) and isinstance(card.v_provisioned_token_id, str)
        assert isinstance(card.client_reference_id, str) and isinstance(card.step_up_request_id, str)
        self.card, self.token_reference = card, card.token_reference
        self.ids: dict[str, Any] = {
            "v_provisioned_token_id": card.v_provisioned_token_id,
            "client_reference_id": card.client_reference_id,
        }

    def bind(self) -> None:
        self.api.trigger_otp(token_reference=self.token_reference, step_up_request_id="c3RlcA==", **self.ids)
        otp = self.controls.inbox(str(self.card.token_reference), str(self.card.client_reference_id))
        self.api.validate_otp(token_reference=self.token_reference, otp_value=otp, **self.ids)

    def setup(self, limit: float | None = 50.0, customer: str | None = None) -> None:
        amount = AmountLimit(total_amount=limit, currency_code="USD") if limit is not None else None
        self.api.setup_agentic_payment(
            customer_id=customer or self.customer, verification_data=VerificationData(verify_type="PASSKEY"),
            transaction_amount=amount, **self.ids,
        )  # fmt: skip

    def fetch(self, total: float = 11.1, currency: str = "USD") -> FetchPaymentCredentialsResponse:
        return self.api.fetch_payment_credentials(nw_transaction_id="some-txn-id-1",
                                                  transaction_details=order(total, currency), **self.ids)  # fmt: skip


def test_the_whole_journey_returns_typed_answers_each_held_to_the_spec(mock: RunningMock, client: MockClient) -> None:
    with juspay(mock) as api_client:
        journey = Journey(api_client, client)
        journey.bind()
        journey.setup(limit=50)
        first, second = journey.fetch(11.1), journey.fetch(50)  # the limit is per transaction, inclusive
    for credentials in (first, second):
        assert credentials.status == "SUCCESS" and credentials.cryptogram_type == "DTVV"
        assert len(str(credentials.token_number)) == 16 and len(str(credentials.cryptogram)) >= 20
    assert first.cryptogram != second.cryptogram  # one cryptogram per transaction
    state = client.http.get("/__mock__/state").json()
    card = state["cards"][0]
    assert card["bound"] is True and card["instructions"][0]["limit"] == 50
    assert str(first.token_number) not in json.dumps(state) and str(first.cryptogram) not in json.dumps(state)


def test_the_async_client_walks_the_same_journey(mock: RunningMock, client: MockClient) -> None:
    async def walk() -> FetchPaymentCredentialsResponse:
        async with AsyncJuspayClient(mock.api_key, mock.merchant_id, base_url=mock.url) as api_client:
            card = await api_client.provision_token_and_create_passkey(
                customer_id="c1", session_context=SessionContext(secure_token="s"), client_reference_id="crid-async"
            )
            ids: dict[str, Any] = {
                "v_provisioned_token_id": card.v_provisioned_token_id,
                "client_reference_id": "crid-async",
            }
            await api_client.trigger_otp(
                token_reference=str(card.token_reference), step_up_request_id="c3RlcA==", **ids
            )
            otp = client.inbox(str(card.token_reference), "crid-async")
            await api_client.validate_otp(token_reference=str(card.token_reference), otp_value=otp, **ids)
            await api_client.setup_agentic_payment(
                customer_id="c1", verification_data=VerificationData(verify_type=1), **ids
            )
            return await api_client.fetch_payment_credentials(
                nw_transaction_id="n", transaction_details=order(99), **ids
            )

    assert asyncio.run(walk()).status == "SUCCESS"  # no amount in Setup: no limit


def _duplicate(journey: Journey) -> None:
    journey.api.provision_token_and_create_passkey(
        customer_id="c",
        session_context=SessionContext(secure_token="s"),
        client_reference_id=str(journey.card.client_reference_id),
    )


def _unknown_token(journey: Journey) -> None:
    journey.ids["v_provisioned_token_id"] = "never-provisioned"
    journey.setup()


def _other_customer(journey: Journey) -> None:
    journey.bind()
    journey.setup(customer="someone-else")


def _fetch_unknown_token(journey: Journey) -> None:
    journey.ids["v_provisioned_token_id"] = "never-provisioned"
    journey.fetch()


def _over_limit(journey: Journey) -> None:
    journey.bind()
    journey.setup(limit=10)
    journey.fetch(10.01)


def _other_currency(journey: Journey) -> None:
    journey.bind()
    journey.setup(limit=10)
    journey.fetch(5, currency="EUR")


def _not_provisioned(journey: Journey) -> None:
    journey.controls.http.post("/__mock__/config", json={"requireProvisioning": True})
    journey.api.trigger_otp(token_reference="plain-token", v_provisioned_token_id="v", client_reference_id="c",
                            step_up_request_id="c3RlcA==")  # fmt: skip


def _provisioned_token_mismatch(journey: Journey) -> None:
    journey.ids["v_provisioned_token_id"] = "not-this-card"
    journey.bind()


JOURNEY: dict[str, tuple[Callable[[Journey], Any], type[exceptions.ApiError], int, str]] = {
    "provision-twice": (_duplicate, exceptions.DuplicateRequest, 409, "DUPLICATE_REQUEST"),
    "setup-before-binding": (Journey.setup, exceptions.DeviceNotBound, 409, "DEVICE_NOT_BOUND"),
    "setup-unknown-token": (_unknown_token, exceptions.TokenNotFound, 400, "TOKEN_NOT_FOUND"),
    "setup-other-customer": (_other_customer, exceptions.CustomerMismatch, 409, "CUSTOMER_MISMATCH"),
    "fetch-before-setup": (Journey.fetch, exceptions.InstructionNotFound, 400, "INSTRUCTION_NOT_FOUND"),
    "fetch-unknown-token": (_fetch_unknown_token, exceptions.TokenNotFound, 400, "TOKEN_NOT_FOUND"),
    "fetch-over-limit": (_over_limit, exceptions.AmountLimitExceeded, 403, "AMOUNT_LIMIT_EXCEEDED"),
    "fetch-other-currency": (_other_currency, exceptions.CurrencyMismatch, 400, "CURRENCY_MISMATCH"),
    "otp-before-provision": (_not_provisioned, exceptions.TokenNotProvisioned, 400, "TOKEN_NOT_PROVISIONED"),
    "otp-other-token-id": (_provisioned_token_mismatch, exceptions.TokenMismatch, 409, "TOKEN_MISMATCH"),
}


@pytest.mark.parametrize("name", JOURNEY)
def test_each_step_out_of_order_raises_its_refusal(name: str, mock: RunningMock, client: MockClient) -> None:
    steps, kind, status, code = JOURNEY[name]
    with juspay(mock) as api_client, pytest.raises(kind) as raised:
        steps(Journey(api_client, client))
    assert type(raised.value) is kind and isinstance(raised.value, exceptions.Refused)
    assert (raised.value.status_code, raised.value.code) == (status, code)
    assert isinstance(raised.value, exceptions.OtpRefused) == (code in ("TOKEN_NOT_PROVISIONED", "TOKEN_MISMATCH"))


def test_every_refusal_code_of_the_spec_has_a_class_and_a_scenario() -> None:
    codes = {code for operation in api.shared() for code in operation.refusal.codes}
    assert set(exceptions.REFUSALS) == codes
    assert {code for *_, code in JOURNEY.values()} | {code for *_, code in SCENARIOS.values() if code} >= codes


def test_tokens_never_provisioned_keep_the_otp_behaviour_until_asked(mock: RunningMock, client: MockClient) -> None:
    plain = {"tokenReference": "t", "vProvisionedTokenId": "v", "clientReferenceId": "c", "stepUpRequestId": "cw=="}
    assert client.trigger(plain).status_code == 200
    assert client.http.post("/__mock__/config", json={"requireProvisioning": True}).json()["requireProvisioning"]
    refused = client.trigger({**plain, "clientReferenceId": "c2"})
    assert (refused.status_code, refused.json()["errorCode"]) == (400, "TOKEN_NOT_PROVISIONED")
    client.reset()  # reset restores the start-up limits: provisioning not required
    assert client.trigger({**plain, "clientReferenceId": "c3"}).status_code == 200


def test_cards_and_instructions_are_forgotten_when_idle_and_on_reset(mock: RunningMock, client: MockClient) -> None:
    with juspay(mock) as api_client:
        journey = Journey(api_client, client)
        journey.bind()
        journey.setup(limit=None)
        client.advance(31 * 60)  # past the idle time of 30 minutes: the card and its instruction are gone
        with pytest.raises(exceptions.TokenNotFound):
            journey.fetch()
        fresh = Journey(api_client, client)
        client.reset()
        with pytest.raises(exceptions.TokenNotFound):
            fresh.setup()
    assert client.http.get("/__mock__/health").json()["cards"] == 0


def stand_in(answer: dict[str, Any], status: int = 200) -> Any:
    return serving(lambda path, headers, sent: (status, "application/json", json.dumps(answer).encode()))


def test_answers_with_fields_the_pages_do_not_name_keep_them_and_missing_inferred_fields_are_fine() -> None:
    answer = {"status": "SUCCESS", "authenticationStatus": "CHALLENGED", "platform": "WEB"}  # no identifier at all
    with stand_in(answer) as (base_url, recorder), JuspayClient("key_123456", "m", base_url=base_url) as api_client:
        card = api_client.provision_token_and_create_passkey(
            customer_id="c", session_context=SessionContext(secure_token="s"), extra={"tokenType": "AI_AGENT"}
        )
    assert card.status == "SUCCESS" and card.additional_properties == {"authenticationStatus": "CHALLENGED",
                                                                       "platform": "WEB"}  # fmt: skip
    assert not isinstance(card.token_reference, str)  # missing: Unset, not an error
    sent = json.loads(recorder[0][2])
    assert sent["tokenType"] == "AI_AGENT" and sent["sessionContext"] == {"secureToken": "s"}


def test_a_refusal_code_the_spec_does_not_know_is_still_a_refusal_with_its_code() -> None:
    answer = {"status": "FAILURE", "errorCode": "INSTRUCTION_EXPIRED", "errorMessage": "too late"}
    with stand_in(answer, 400) as (base_url, _), JuspayClient("key_123456", "m", base_url=base_url) as api_client:
        with pytest.raises(exceptions.Refused) as raised:
            api_client.fetch_payment_credentials(v_provisioned_token_id="v", client_reference_id="c",
                                                 nw_transaction_id="n", transaction_details=order(1))  # fmt: skip
    assert type(raised.value) is exceptions.Refused and raised.value.code == "INSTRUCTION_EXPIRED"


def test_provisioned_card_of_the_fixture_is_ready_to_bind_or_bound(mock: RunningMock) -> None:
    from juspay_kit.pytest_plugin import JuspayMock

    double = JuspayMock(mock.url, mock.api_key, mock.merchant_id)
    try:
        double.reset()
        ready, bound = double.provisioned_card("u1"), double.provisioned_card("u2", bind=True)
        with double.client() as api_client:
            api_client.trigger_otp(
                token_reference=ready.token_reference, v_provisioned_token_id=ready.v_provisioned_token_id,
                client_reference_id=ready.client_reference_id, step_up_request_id=ready.step_up_request_id,
            )  # fmt: skip
            api_client.setup_agentic_payment(
                customer_id="u2", v_provisioned_token_id=bound.v_provisioned_token_id, client_reference_id="purchase-1",
                verification_data=VerificationData(verify_type="x"),
            )  # fmt: skip
            double.inject_fault("fetchPaymentCredentials", status=503, body={"status": "error"})
            with pytest.raises(exceptions.ServerError):
                api_client.fetch_payment_credentials(v_provisioned_token_id=bound.v_provisioned_token_id,
                                                     client_reference_id="purchase-1", nw_transaction_id="n",
                                                     transaction_details=order(1))  # fmt: skip
        assert (ready.bound, bound.bound) == (False, True)
        double.assert_called("provisionTokenAndCreatePasskey", times=0)  # the fixture's own calls are tagged
        double.assert_called("provisionTokenAndCreatePasskey", times=2, include_fixture=True)
        assert [call.status for call in double.requests("fetchPaymentCredentials")] == [503]  # the fault, journalled
        assert double.requests("setupAgenticPayment")[0].json["vProvisionedTokenId"] == bound.v_provisioned_token_id
    finally:
        double.close()
    with httpx.Client(base_url=mock.url, trust_env=False) as http:
        http.post("/__mock__/reset", json={})
