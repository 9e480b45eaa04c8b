"""Verdicts on the spec's inferred parts, from answers fed straight to Observations (no server needed)."""

from __future__ import annotations

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
