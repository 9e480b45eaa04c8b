"""The rule probe (contract/probe.py): every rule confirmed by a stand-in that keeps it, contradicted by one
that answers 200 to everything, and not exercised, with the reason, where the target or the budget stops it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from juspay_kit import api, spec
from juspay_kit.contract import probe, rules
from juspay_kit.contract.settings import Settings, resolve
from juspay_kit.redact import Redactor
from tests.broken_servers import API_KEY, MERCHANT, serve
from tests.contract_check import CREDENTIALS, contract_check, summary
from tests.loopback import serving

RULE_IDS = [rule.id for rule in rules.RULES]


def settings_for(url: str, **overrides: Any) -> Settings:
    env = {"JUSPAY_API_KEY": API_KEY, "JUSPAY_MERCHANT_ID": MERCHANT}
    base = resolve(base_url=url, mode="all", max_examples=1, seed=9, report_dir=Path("."), profile="standin",
                   rate_limit=None, budget=None, request_timeout=5, environ=env)  # fmt: skip
    return Settings(**{**base.__dict__, **overrides})


def verdicts(url: str, budget: int | None = None, **overrides: Any) -> tuple[dict[str, probe.Verdict], int]:
    found, sent = probe.run(settings_for(url, **overrides), url, Redactor(), budget)
    return {verdict.rule.id: verdict for verdict in found}, sent


@pytest.fixture(scope="module")
def kept() -> tuple[dict[str, probe.Verdict], int]:
    """The verdicts of a stand-in that keeps the rules: one probe run for the tests that read them."""
    with serve(lambda app: app, controls=False) as url:
        return verdicts(url)


def test_a_stand_in_that_keeps_the_rules_confirms_each_within_thirteen_requests(
    kept: tuple[dict[str, probe.Verdict], int],
) -> None:
    found, sent = kept
    assert {rule: v.verdict for rule, v in found.items()} == dict.fromkeys(RULE_IDS, "confirmed")
    assert "429 OTP_REQUEST_LIMIT_EXCEEDED" in found["trigger-request-limit"].detail
    assert "403 SESSION_LOCKED" in found["validate-lockout"].detail
    assert sent == sum(v.requests for v in found.values()) <= 13


def test_setup_before_binding_is_judged_on_the_token_provision_answered(
    kept: tuple[dict[str, probe.Verdict], int],
) -> None:
    """A token nobody provisioned is refused (TOKEN_NOT_FOUND, 400) whether bound or not: no evidence for the rule.
    The token Provision answered, not bound, is refused for that (DEVICE_NOT_BOUND, 409, setup-status-409)."""
    found, _ = kept
    assert found["setup-before-binding"].detail == "Setup on an unbound token: 409 DEVICE_NOT_BOUND"


def test_a_server_error_is_never_counted_as_a_refusal() -> None:
    down = json.dumps({"status": "FAILURE", "errorCode": "TOKEN_NOT_FOUND", "errorMessage": "down"}).encode()
    with serving(lambda path, headers, body: (503, "application/json", down)) as (url, _):
        found, _ = verdicts(url)
    assert {rule: v.verdict for rule, v in found.items()} == dict.fromkeys(RULE_IDS, "not_exercised"), found
    assert found["fetch-before-setup"].detail == "Fetch with no instruction was answered 503"
    assert found["setup-before-binding"].detail == "Setup on an unbound token was answered 503"


def test_a_stand_in_answering_200_to_everything_contradicts_every_rule() -> None:
    sample = json.dumps(api.example(spec.load(), "triggerOtp")).encode()
    with serving(lambda path, headers, body: (200, "application/json", sample)) as (url, seen):
        found, _ = verdicts(url)
    assert {rule: v.verdict for rule, v in found.items()} == dict.fromkeys(RULE_IDS, "contradicted"), found
    assert all(headers["x-merchantid"] == MERCHANT for _, headers, _ in seen)


def test_rules_the_target_or_the_budget_cannot_reach_are_not_exercised_with_the_reason() -> None:
    refusal = json.dumps({"status": "FAILURE", "errorCode": "TOKEN_NOT_PROVISIONED", "errorMessage": "no"}).encode()
    with serving(lambda path, headers, body: (400, "application/json", refusal)) as (url, _):
        found, _ = verdicts(url)
    assert found["trigger-request-limit"].verdict == "not_exercised"
    assert "first Trigger OTP of a fresh session was answered 400" in found["trigger-request-limit"].detail
    assert found["fetch-before-setup"].verdict == "confirmed"  # a refusal needs no session
    with serve(lambda app: app, controls=False) as url:
        budgeted, sent = verdicts(url, budget=3)
        limited, _ = verdicts(url, operations=("fetchPaymentCredentials",))
    assert sent == 3 and budgeted["validate-lockout"].detail == "the request budget was spent before this step"
    assert limited["fetch-before-setup"].verdict == "confirmed"
    assert limited["trigger-request-limit"].detail.endswith("(--operation)")


@pytest.mark.parametrize("limit", ["7", 7])
def test_a_limit_above_the_cap_is_not_probed(limit: Any) -> None:
    counters = {"maxOTPVerificationAllowed": limit, "maxOTPRequestsAllowed": limit, "codeExpiration": 5}
    sent = {"errorMessage": None, "status": "SUCCESS", "errorCode": None, "response": counters}
    with serving(lambda path, headers, body: (200, "application/json", json.dumps(sent).encode())) as (url, seen):
        found, _ = verdicts(url, operations=("triggerOtp",))
    assert found["trigger-request-limit"].detail == "maxOTPRequestsAllowed is 7, above the probe's 5" and len(seen) == 1


def test_the_contract_report_carries_the_verdicts_and_counts_them_as_evidence(tmp_path: Path) -> None:
    with serve(lambda app: app, controls=False) as url:
        result = contract_check(
            "--base-url", url, "--max-examples", "5", "--seed", "2", "--operation", "triggerOtp",
            "--operation", "validateOtp", "--report-dir", str(tmp_path), env=CREDENTIALS,
        )  # fmt: skip
    data = summary(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert data["rules"]["validate-lockout"]["verdict"] == "confirmed"
    assert data["rules"]["fetch-before-setup"]["verdict"] == "not_exercised"
    assert data["inferred"]["validate-status-403"]["verdict"] == "confirmed"
    assert "rule validate-lockout: confirmed" in result.stdout
    assert "| `validate-lockout`" in (tmp_path / "summary.md").read_text()
