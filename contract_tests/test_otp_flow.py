"""The OTP flow as a stateful property: trigger, read the code from the mock's inbox, validate; with the
limits, expiry and lock-out the trigger answer announces. Driven through the generated client, every raw
answer held to the spec. Against the sandbox it runs only with fixture identifiers from the user."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from juspay_visa_agentic_client import AuthenticatedClient
from juspay_visa_agentic_client.api.device_binding import trigger_otp, validate_otp
from juspay_visa_agentic_client.models import (
    TriggerOtpRefusal,
    TriggerOtpRequest,
    TriggerOtpResponse,
    ValidateOtpRefusal,
    ValidateOtpRequest,
    ValidateOtpResponse,
)

from contract_tests.client import control, generated_client, inbox
from contract_tests.conftest import Target, load_schema

schema = load_schema()
OPERATIONS = {"triggerOtp": schema["/initiateVerification"]["POST"], "validateOtp": schema["/validateOtp"]["POST"]}


class OtpFlow(RuleBasedStateMachine):
    """Model: per session, codes sent, wrong attempts, bound/locked, expiry; limits as the mock announces."""

    target: Target
    client: AuthenticatedClient
    seen: list[Any]

    def __init__(self) -> None:
        super().__init__()
        self.session = uuid.uuid4().hex
        self.token = uuid.uuid4().hex
        self.sent = 0
        self.wrong = 0
        self.state = "NEW"
        self.code: str | None = None
        self.limits: tuple[int, int, int] | None = None
        self.age = 0.0  # seconds since the current code was sent

    def ids(self) -> dict[str, str]:
        return {
            "token_reference": self.token,
            "v_provisioned_token_id": self.token,
            "client_reference_id": self.session,
        }

    def checked(self, operation_id: str, parsed: Any) -> Any:
        OPERATIONS[operation_id].validate_response(self.seen[-1])
        return parsed

    @initialize()
    def reset(self) -> None:
        control(self.target, "reset")

    @rule()
    def trigger(self) -> None:
        body = TriggerOtpRequest(**self.ids(), step_up_request_id="c3RlcA==")
        answer = self.checked(
            "triggerOtp", trigger_otp.sync(client=self.client, body=body, x_merchantid=self.target.settings.merchant_id)
        )
        if self.state == "BOUND":
            assert isinstance(answer, TriggerOtpRefusal) and answer.error_code == "DEVICE_ALREADY_BOUND"
        elif self.state == "LOCKED":
            assert isinstance(answer, TriggerOtpRefusal) and answer.error_code == "SESSION_LOCKED"
        elif self.limits is not None and self.sent >= self.limits[1]:
            assert isinstance(answer, TriggerOtpRefusal) and answer.error_code == "OTP_REQUEST_LIMIT_EXCEEDED"
        else:
            assert isinstance(answer, TriggerOtpResponse), answer
            limits = answer.response
            self.limits = (limits.max_otp_verification_allowed, limits.max_otp_requests_allowed, limits.code_expiration)
            self.sent += 1
            self.state = "PENDING"
            self.code = inbox(self.target, self.token, self.session)
            self.age = 0.0

    @rule(correct=st.booleans())
    def validate(self, correct: bool) -> None:
        otp = self.code if (correct and self.code) else "000000x"
        body = ValidateOtpRequest(**self.ids(), otp_value=otp, network_type="VISA")
        answer = self.checked(
            "validateOtp",
            validate_otp.sync(client=self.client, body=body, x_merchantid=self.target.settings.merchant_id),
        )
        if self.state == "NEW":
            assert isinstance(answer, ValidateOtpRefusal) and answer.response_code == "SESSION_NOT_FOUND"
        elif self.state == "BOUND":
            assert isinstance(answer, ValidateOtpRefusal) and answer.response_code == "DEVICE_ALREADY_BOUND"
        elif self.state == "LOCKED":
            assert isinstance(answer, ValidateOtpRefusal) and answer.response_code == "SESSION_LOCKED"
        elif self.limits is not None and self.age >= self.limits[2] * 60:
            assert isinstance(answer, ValidateOtpRefusal) and answer.response_code == "OTP_EXPIRED"
        elif correct:
            assert isinstance(answer, ValidateOtpResponse), answer
            self.state = "BOUND"
        else:
            self.wrong += 1
            assert self.limits is not None
            if self.wrong >= self.limits[0]:
                assert isinstance(answer, ValidateOtpRefusal) and answer.response_code == "SESSION_LOCKED"
                self.state = "LOCKED"
            else:
                assert isinstance(answer, ValidateOtpRefusal) and answer.response_code == "INVALID_OTP"

    @precondition(lambda self: self.state == "PENDING")
    @rule(seconds=st.sampled_from([60, 240, 301]))
    def wait(self, seconds: int) -> None:
        control(self.target, "clock", {"advanceSeconds": seconds})
        self.age += seconds


def test_otp_flow_against_the_mock(target: Target) -> None:
    if not target.is_mock:
        pytest.skip("the stateful flow reads codes from the mock's test inbox; see the sandbox flow test")
    with generated_client(target) as (client, seen):
        OtpFlow.target, OtpFlow.client, OtpFlow.seen = target, client, seen
        OtpFlow.TestCase.settings = settings(stateful_step_count=25)  # examples: the profile
        OtpFlow.TestCase().runTest()


def test_otp_flow_against_the_sandbox(target: Target) -> None:
    """Trigger one OTP for the user's fixture card and refuse a wrong code; never more (each trigger is an SMS)."""
    if target.is_mock:
        pytest.skip("runs against the sandbox only")
    fixtures = target.settings.fixture_ids
    needed = ("tokenReference", "vProvisionedTokenId", "clientReferenceId", "stepUpRequestId")
    if any(name not in fixtures for name in needed):
        pytest.skip(
            "no fixture identifiers: set JUSPAY_FIXTURE_TOKEN_REFERENCE, JUSPAY_FIXTURE_PROVISIONED_TOKEN_ID, "
            "JUSPAY_FIXTURE_CLIENT_REFERENCE_ID and JUSPAY_FIXTURE_STEP_UP_REQUEST_ID for a sandbox test card"
        )
    with generated_client(target) as (client, seen):
        sent = trigger_otp.sync(
            client=client, body=TriggerOtpRequest.from_dict(dict(fixtures)), x_merchantid=target.settings.merchant_id
        )
        OPERATIONS["triggerOtp"].validate_response(seen[-1])
        assert isinstance(sent, TriggerOtpResponse), sent
        wrong = {k: fixtures[k] for k in needed[:3]} | {"otpValue": "000000x", "networkType": "VISA"}
        refused = validate_otp.sync(
            client=client, body=ValidateOtpRequest.from_dict(wrong), x_merchantid=target.settings.merchant_id
        )
        OPERATIONS["validateOtp"].validate_response(seen[-1])
        assert isinstance(refused, ValidateOtpRefusal)
