"""Verdicts on the spec's inferred parts, from answers fed straight to Observations (no server needed)."""

from __future__ import annotations

from juspay_kit import api, spec
from juspay_kit.contract.observe import Observations

REFUSED = {"status": "FAILURE", "errorCode": "OTP_REQUEST_LIMIT_EXCEEDED", "errorMessage": "limit", "response": None}


def test_a_documented_refusal_code_confirms_and_an_unknown_one_contradicts() -> None:
    seen = Observations()
    seen.record("triggerOtp", 429, REFUSED, negative_body=False)
    assert seen.inferred_report()["trigger-refusal-codes"]["verdict"] == "confirmed"
    seen.record("triggerOtp", 429, {**REFUSED, "errorCode": "SLOW_DOWN"}, negative_body=False)
    report = seen.inferred_report()["trigger-refusal-codes"]
    assert (report["verdict"], report["confirmed"], report["contradicted"]) == ("contradicted", 1, 1)
    assert "SLOW_DOWN" in report["examples"][0]
    assert seen.inferred_report()["validate-refusal-codes"]["verdict"] == "not_exercised"


def test_validate_refusal_codes_are_judged_on_their_own_field() -> None:
    seen = Observations()
    refusal = {"status": "FAILURE", "responseCode": "INVALID_OTP", "responseMessage": "wrong"}
    seen.record("validateOtp", 400, refusal, negative_body=False)
    seen.record("validateOtp", 400, {**refusal, "responseCode": "OTP_WRONG"}, negative_body=False)
    assert seen.inferred_report()["validate-refusal-codes"]["verdict"] == "contradicted"
    assert seen.inferred_report()["trigger-refusal-codes"]["verdict"] == "not_exercised"


SENT = api.example(spec.load(), "triggerOtp")  # Juspay's sample of a sent OTP
VALIDATE = {"tokenReference": "t", "vProvisionedTokenId": "t", "clientReferenceId": "c", "otpValue": "1",
            "networkType": "MASTERCARD"}  # fmt: skip


def test_an_empty_merchant_header_is_judged_by_the_answer() -> None:
    seen = Observations()
    seen.record("triggerOtp", 200, SENT, negative_body=False, merchant_header="agent")  # not empty: no evidence
    assert seen.inferred_report()["merchant-header-non-empty"]["verdict"] == "not_exercised"
    seen.record("triggerOtp", 400, {}, negative_body=False, merchant_header="")
    assert seen.inferred_report()["merchant-header-non-empty"]["verdict"] == "confirmed"
    seen.record("validateOtp", 200, {}, negative_body=False, merchant_header="")
    assert seen.inferred_report()["merchant-header-non-empty"]["verdict"] == "contradicted"


def test_another_network_type_is_judged_only_when_it_is_the_only_fault() -> None:
    seen = Observations()
    seen.record("validateOtp", 400, {}, negative_body=True, request_body={**VALIDATE, "otpValue": ""})
    assert seen.inferred_report()["network-type-visa-only"]["verdict"] == "not_exercised"
    seen.record("validateOtp", 400, {}, negative_body=True, request_body=VALIDATE)
    assert seen.inferred_report()["network-type-visa-only"]["verdict"] == "confirmed"
    seen.record("validateOtp", 200, {}, negative_body=True, request_body=VALIDATE)
    assert seen.inferred_report()["network-type-visa-only"]["verdict"] == "contradicted"


def test_success_fields_and_counter_casing_are_reported() -> None:
    seen = Observations()
    seen.record("triggerOtp", 200, SENT, negative_body=False)
    assert seen.inferred_report()["trigger-response-fields"]["verdict"] == "confirmed"
    assert "follows the decision" in seen.conflict_report()["otp-counters-casing"]["verdict"]
    table = {"MaxOTPVerificationAllowed": 3, "MaxOTPRequestsAllowed": 3, "CodeExpiration": 5}
    seen.record("triggerOtp", 200, {**SENT, "response": table}, negative_body=False)
    assert seen.inferred_report()["trigger-response-fields"]["verdict"] == "contradicted"
    casing = seen.conflict_report()["otp-counters-casing"]
    assert casing["observed"] == {"field-table casing": 1, "lowerCamel": 1} and "inconsistent" in casing["verdict"]
    seen.record("validateOtp", 200, {"status": "SUCCESS", "responseCode": None}, negative_body=False)
    assert seen.inferred_report()["validate-response-fields"]["verdict"] == "contradicted"


def test_refusal_codes_the_spec_does_not_know_are_listed_for_it_to_learn() -> None:
    seen = Observations()
    refusal = {"status": "FAILURE", "responseMessage": "x"}
    for code in ("OTP_NOT_YET_VALID", "OTP_NOT_YET_VALID", "INVALID_OTP"):
        seen.record("validateOtp", 400, {**refusal, "responseCode": code}, negative_body=False)
    assert seen.unknown_codes_report() == {"validateOtp": {"OTP_NOT_YET_VALID": 2}}
