"""The generated client under contract: calls made through juspay_visa_agentic_client with generated valid
bodies; each raw response is validated against the spec and each parsed model must agree with it."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from juspay_visa_agentic_client.api.device_binding import trigger_otp, validate_otp
from juspay_visa_agentic_client.models import (
    JuspayError,
    TriggerOtpRefusal,
    TriggerOtpRequest,
    TriggerOtpResponse,
    ValidateOtpRefusal,
    ValidateOtpRequest,
    ValidateOtpResponse,
)

from contract_tests.client import generated_client, inbox
from contract_tests.conftest import Target, load_schema

schema = load_schema()
TRIGGER = schema["/initiateVerification"]["POST"]
VALIDATE = schema["/validateOtp"]["POST"]
SUCCESS: dict[str, type[Any]] = {"triggerOtp": TriggerOtpResponse, "validateOtp": ValidateOtpResponse}
REFUSAL: dict[str, type[Any]] = {"triggerOtp": TriggerOtpRefusal, "validateOtp": ValidateOtpRefusal}


def expected_type(operation_id: str, status: int, body: Any) -> type[Any]:
    if status == 200:
        return SUCCESS[operation_id]
    if isinstance(body, dict) and "error_info" in body:
        return JuspayError
    return REFUSAL[operation_id]


def check_parsed(operation_id: str, operation: Any, raw: Any, parsed: Any) -> None:
    operation.validate_response(raw)  # raises on any contract violation, with the failing check named
    body = json.loads(raw.content)
    model: Any = parsed
    assert type(model) is expected_type(operation_id, raw.status_code, body)
    assert model.to_dict() == body


body_settings = settings(suppress_health_check=list(HealthCheck), deadline=None)


@body_settings
@given(case=TRIGGER.as_strategy())
def test_trigger_through_the_generated_client(target: Target, case: Any) -> None:
    if not target.is_mock:
        pytest.skip("unthrottled: against the sandbox, contract_check.py's rate-limited run covers this")
    body = dict(case.body)
    body["clientReferenceId"] = uuid.uuid4().hex  # a fresh session: the limits must not refuse it
    with generated_client(target) as (client, seen):
        parsed = trigger_otp.sync(
            client=client, body=TriggerOtpRequest.from_dict(body), x_merchantid=target.settings.merchant_id
        )
    check_parsed("triggerOtp", TRIGGER, seen[-1], parsed)
    assert isinstance(parsed, TriggerOtpResponse)


@body_settings
@given(case=VALIDATE.as_strategy())
def test_validate_through_the_generated_client(target: Target, case: Any) -> None:
    if not target.is_mock:
        pytest.skip("needs the mock's test inbox to know a valid code")
    body = dict(case.body)
    body["clientReferenceId"] = uuid.uuid4().hex
    with generated_client(target) as (client, seen):
        trigger = TriggerOtpRequest(
            token_reference=body["tokenReference"],
            v_provisioned_token_id=body["vProvisionedTokenId"],
            client_reference_id=body["clientReferenceId"],
            step_up_request_id="c3RlcA==",
        )
        sent = trigger_otp.sync(client=client, body=trigger, x_merchantid=target.settings.merchant_id)
        assert isinstance(sent, TriggerOtpResponse)
        body["otpValue"] = inbox(target, body["tokenReference"], body["clientReferenceId"])
        parsed = validate_otp.sync(
            client=client, body=ValidateOtpRequest.from_dict(body), x_merchantid=target.settings.merchant_id
        )
        check_parsed("validateOtp", VALIDATE, seen[-1], parsed)
        assert isinstance(parsed, ValidateOtpResponse)
        again = validate_otp.sync(
            client=client, body=ValidateOtpRequest.from_dict(body), x_merchantid=target.settings.merchant_id
        )
        check_parsed("validateOtp", VALIDATE, seen[-1], again)
        assert isinstance(again, ValidateOtpRefusal) and again.response_code == "DEVICE_ALREADY_BOUND"


@pytest.mark.parametrize("key", ["wrong-key", ""])
def test_bad_credentials_parse_into_the_error_model(target: Target, key: str) -> None:
    import dataclasses

    from contract_tests.conftest import Target as T

    wrong = T(dataclasses.replace(target.settings, api_key=key), target.base_url)
    body = TriggerOtpRequest("t", "t", uuid.uuid4().hex, "s")
    with generated_client(wrong) as (client, seen):
        parsed = trigger_otp.sync(client=client, body=body, x_merchantid=target.settings.merchant_id)
    check_parsed("triggerOtp", TRIGGER, seen[-1], parsed)
    assert isinstance(parsed, JuspayError) and seen[-1].status_code == 401
