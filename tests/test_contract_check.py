"""Harness self-tests: every broken server is caught by name, the conformant mock passes, and the reports
count and name what they found."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from juspay_kit import api
from tests.broken_servers import API_KEY, FAULTS, SANDBOX_FAULTS, conformant, operation_args, serve
from tests.contract_check import CREDENTIALS, all_reports, contract_check, contract_check_process, summary


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_broken_server_is_caught_by_name(fault: str, tmp_path: Path) -> None:
    middleware, check = FAULTS[fault]
    with serve(middleware) as url:
        result = contract_check(
            "--base-url", url, "--max-examples", "10", "--seed", "3", "--report-dir", str(tmp_path),
            *operation_args(fault), env=CREDENTIALS,
        )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    data = summary(tmp_path)
    assert data["outcome"] == "violations"
    assert check in {v["check"] for v in data["violations"]}, data["violations"]
    assert check in result.stdout
    junit = (tmp_path / "junit.xml").read_text()
    assert f'name="{check}: ' in junit and "<failure" in junit
    assert f"`{check}`" in (tmp_path / "summary.md").read_text()


@pytest.mark.parametrize("fault", sorted(SANDBOX_FAULTS))
def test_sandbox_profile_catches_its_faults(fault: str, tmp_path: Path) -> None:
    middleware, check = SANDBOX_FAULTS[fault]
    with serve(middleware) as url:
        result = contract_check(
            "--base-url", url, "--profile", "sandbox", "--rate-limit", "0", "--budget", "0",
            "--max-examples", "10", "--seed", "4", "--report-dir", str(tmp_path), env=CREDENTIALS,
        )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    data = summary(tmp_path)
    assert check in {v["check"] for v in data["violations"]}, data["violations"]
    if fault == "counters-as-strings":
        assert "strings" in data["doc_conflicts"]["otp-counters-type"]["verdict"]
        assert data["doc_conflicts"]["otp-counters-type"]["observed"].get("numeric_string")


def test_conformant_mock_passes_in_both_profiles(tmp_path: Path) -> None:
    with serve(conformant) as url:
        mock = contract_check(
            "--base-url",
            url,
            "--max-examples",
            "25",
            "--seed",
            "3",
            "--report-dir",
            str(tmp_path / "m"),
            env=CREDENTIALS,
        )
        sandbox = contract_check(
            "--base-url", url, "--profile", "sandbox", "--rate-limit", "0", "--budget", "0",
            "--max-examples", "10", "--seed", "3", "--report-dir", str(tmp_path / "s"), env=CREDENTIALS,
        )  # fmt: skip
    assert mock.returncode == 0, mock.stdout + mock.stderr
    assert sandbox.returncode == 0, sandbox.stdout + sandbox.stderr
    data = summary(tmp_path / "m")
    assert data["outcome"] == "passed" and data["failures"] == 0 and data["cases"] > 100
    assert data["doc_conflicts"]["otp-counters-type"]["observed"] == {
        "integer": data["doc_conflicts"]["otp-counters-type"]["observed"]["integer"]
    }
    assert data["inferred"]["status-401"]["verdict"] == "confirmed"
    # positive data really was accepted with 2xx, not merely "not 5xx"
    assert data["statuses"]["validateOtp 200"] > 10 and data["statuses"]["triggerOtp 200"] > 10


def test_a_stand_in_without_controls_passes_with_no_profile_flag_or_credentials(tmp_path: Path) -> None:
    from juspay_kit.mock.app import DEFAULT_API_KEY, DEFAULT_MERCHANT_ID

    with serve(conformant, controls=False, credentials=(DEFAULT_API_KEY, DEFAULT_MERCHANT_ID)) as url:
        result = contract_check("--base-url", url, "--max-examples", "20", "--seed", "3", "--report-dir", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    data = summary(tmp_path)
    assert data["profile"] == "standin" and data["outcome"] == "passed" and data["cases"] > 50
    assert "default credentials" in data["credentials"] and "default credentials" in result.stdout
    assert data["statuses"]["triggerOtp 200"] > 0, "valid data never reached the stand-in's success path"


@pytest.mark.parametrize(
    "fault", ["counters-as-strings", "undocumented-status", "everything-401", "invalid-input-accepted"]
)
def test_a_stand_in_without_controls_fails_on_broken_servers(fault: str, tmp_path: Path) -> None:
    middleware, check = FAULTS[fault]
    with serve(middleware, controls=False) as url:
        result = contract_check(
            "--base-url", url, "--max-examples", "20", "--seed", "3", "--report-dir", str(tmp_path),
            *operation_args(fault), env=CREDENTIALS,
        )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    data = summary(tmp_path)
    assert data["profile"] == "standin" and check in {v["check"] for v in data["violations"]}, data["violations"]


def test_default_run_against_the_embedded_mock(tmp_path: Path) -> None:
    result = contract_check_process("--seed", "11", "--max-examples", "10", "--report-dir", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    data = summary(tmp_path)
    assert data["cases"] >= 400 and data["target"].startswith("embedded mock")
    assert {key.split()[0] for key in data["statuses"]} == {operation.operation_id for operation in api.shared()}
    for key in ("target", "cases", "failures", "duration_s", "violations"):
        assert key in data
    assert "examples" in result.stdout and "fuzzing" in result.stdout  # progress while running
    assert "Contract check PASSED" in result.stdout
    # every rule of the journey was exercised and confirmed: --require-rules passes the embedded mock too
    assert {rule: info["verdict"] for rule, info in data["rules"].items()} == dict.fromkeys(
        ("trigger-request-limit", "validate-lockout", "fetch-before-setup", "setup-before-binding"), "confirmed"
    )
    assert not [k for k, v in data["inferred"].items() if v["verdict"] == "contradicted"]


def test_same_seed_same_run(tmp_path: Path) -> None:
    chosen = ("--operation", "validateOtp", "--operation", "provisionTokenAndCreatePasskey")
    runs = [
        contract_check(
            "--seed",
            "21",
            "--max-examples",
            "20",
            "--phases",
            "fuzzing",
            *chosen,
            "--report-dir",
            str(tmp_path / str(i)),
        )  # random generation is what a seed must pin  # fmt: skip
        for i in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0]
    first, second = (summary(tmp_path / str(i)) for i in range(2))
    assert (first["cases"], first["statuses"]) == (second["cases"], second["statuses"])


def test_no_secret_reaches_any_report_or_output(tmp_path: Path) -> None:
    middleware, _ = FAULTS["renamed-field"]  # violations on primed Validate OTP cases: reports carry requests
    with serve(middleware) as url:
        result = contract_check(
            "--base-url", url, "--max-examples", "25", "--seed", "3", "--report-dir", str(tmp_path), env=CREDENTIALS
        )
    assert result.returncode == 1
    text = all_reports(tmp_path) + result.stdout + result.stderr
    encoded = base64.b64encode(f"{API_KEY}:".encode()).decode()
    for secret in (API_KEY, encoded, encoded.rstrip("=")):
        assert secret not in text
    assert not re.search(r"(?i)authorization: basic [a-z0-9+/=]{8,}", text)
    otp_values = re.findall(r'\\?"otpValue\\?":\s*\\?"([^"\\]*)', text)
    assert otp_values and set(otp_values) == {"[masked-otp]"}
    assert '-u "$JUSPAY_API_KEY:"' in text  # the reproduction still replays
    assert "tokenReference" in text and "[Filtered]" not in json.dumps(summary(tmp_path)["violations"])


def test_embedded_mock_key_stays_out_of_reports(tmp_path: Path) -> None:
    result = contract_check("--seed", "5", "--max-examples", "10", "--report-dir", str(tmp_path))
    assert result.returncode == 0
    assert "Basic " not in all_reports(tmp_path)


def test_every_report_gives_the_same_failure_count_and_names_the_field(tmp_path: Path) -> None:
    middleware, _ = FAULTS["counters-as-strings"]
    with serve(middleware) as url:
        result = contract_check("--base-url", url, "--max-examples", "10", "--seed", "3", "--report-dir", str(tmp_path),
                                env=CREDENTIALS)  # fmt: skip
    assert result.returncode == 1
    data = summary(tmp_path)
    count = data["failures"]
    assert count == len(data["violations"]) > 0
    assert f"{count} violation(s)" in result.stdout
    assert f'failures="{count}"' in (tmp_path / "junit.xml").read_text()
    assert (tmp_path / "junit.xml").read_text().count("<failure ") == count
    assert f"{count} violation" in (tmp_path / "summary.md").read_text()
    fields = {v["field"] for v in data["violations"] if v["check"] == "response_schema_conformance"}
    assert "/response/maxOTPVerificationAllowed" in fields
    assert "response_schema_conformance at /response/" in result.stdout
    curls = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("curl ")]
    assert curls and all(line.endswith("/initiateVerification") or line.endswith("/validateOtp") for line in curls)


def test_a_check_is_counted_only_where_it_applied(tmp_path: Path) -> None:
    with serve(conformant) as url:
        result = contract_check("--base-url", url, "--mode", "negative", "--max-examples", "10", "--seed", "3",
                                "--report-dir", str(tmp_path), env=CREDENTIALS)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    checks = summary(tmp_path)["checks"]
    for operation in checks.values():
        every_case = operation["content_type_conformance"]["passed"]
        # Only the few positive cases (the spec's own examples) are judged by the positive check; before, every
        # case of the run counted as a pass of it.
        assert operation.get("positive_data_acceptance", {"passed": 0})["passed"] * 5 < every_case, operation
        assert operation.get("success_envelope", {"passed": 0})["passed"] * 5 < every_case, operation
        assert operation["negative_data_rejection"]["passed"] > every_case // 2
