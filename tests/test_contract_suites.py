"""The pytest contract suites (contract_tests/) can fail: run them against broken servers and a sandbox
stand-in, as the nightly job would run them against the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from juspay_kit.spec import ROOT
from tests.broken_servers import API_KEY, FAULTS, MERCHANT, conformant, rewrite, serve


def run_suite(url: str, *selection: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """pytest on `selection` in a subprocess (the suites read their target at import), with a JUnit report
    in the `junit` attribute: exit code 1 alone would also cover a fixture error."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUSPAY_")}
    env.update({"JUSPAY_BASE_URL": url, "JUSPAY_API_KEY": API_KEY, "JUSPAY_MERCHANT_ID": MERCHANT})
    env.update({"JUSPAY_RATE_LIMIT": "0", "JUSPAY_BUDGET": "0", **(extra_env or {})})
    with tempfile.TemporaryDirectory() as folder:
        junit = Path(folder) / "junit.xml"
        ran = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:randomly", f"--junitxml={junit}", *selection],
            capture_output=True, text=True, timeout=300, env=env, cwd=ROOT,
        )  # fmt: skip
        ran.junit = junit.read_text() if junit.exists() else ""  # type: ignore[attr-defined]
    return ran


def failed_tests(junit: str) -> dict[str, str]:
    """name -> "failure" or "error", for every test case of the report that did not pass."""
    outcome = {}
    for case in ElementTree.fromstring(junit).iter("testcase"):
        for kind in ("failure", "error"):
            if case.find(kind) is not None:
                outcome[case.get("name", "")] = kind
    return outcome


# The titles schemathesis 4.32.5's pytest integration prints for the checks these faults break.
FAILURE_TITLES = {
    "missing_required_header": "Missing required header accepted",
    "status_code_conformance": "Undocumented status code",
    "positive_data_acceptance": "Schema-valid request rejected",
}


@pytest.mark.parametrize(
    ("fault", "suite"),
    [
        ("missing-header-accepted", "contract_tests/test_fuzz.py"),
        ("everything-401", "contract_tests/test_fuzz.py"),
        ("counters-as-strings", "contract_tests/test_client_contract.py"),
        ("renamed-field", "contract_tests/test_otp_flow.py"),
        ("provision-status-not-success", "contract_tests/test_journey_flow.py"),
    ],
)
def test_contract_suites_fail_on_broken_servers(fault: str, suite: str) -> None:
    middleware, check = FAULTS[fault]
    only = ["-k", "trigger_otp"] if suite.endswith("test_fuzz.py") else []  # these faults break every operation
    with serve(middleware) as url:
        phases = {"JUSPAY_PHASES": "coverage"} if only else {}  # deterministic, and enough for these faults
        result = run_suite(url, suite, *only, extra_env={"HYPOTHESIS_PROFILE": "fail-fast", **phases})
    assert result.returncode == 1, result.stdout[-3000:]
    failed = failed_tests(result.junit)  # type: ignore[attr-defined]
    assert failed and set(failed.values()) == {"failure"}, failed  # assertions failed; no fixture broke
    if suite.endswith("test_fuzz.py"):
        assert FAILURE_TITLES[check] in result.stdout, result.stdout[-3000:]


def _undocumented_status_on_validate_otp(path: str, status: int, body: object) -> tuple[int, object]:
    return (422 if status == 400 and path == "/validateOtp" else status), body


def test_make_test_runs_the_fuzz_suite_for_every_operation() -> None:
    """Under xdist with `--dist loadgroup` (as make test runs), a fault in Validate OTP alone (an undocumented
    422) fails the fuzz suite: every operation's item runs, none shares another's node id."""
    with serve(rewrite(_undocumented_status_on_validate_otp)) as url:
        result = run_suite(url, "-n", "2", "--dist", "loadgroup", "contract_tests/test_fuzz.py",
                           extra_env={"HYPOTHESIS_PROFILE": "fail-fast", "JUSPAY_PHASES": "coverage"})  # fmt: skip
    assert result.returncode == 1, result.stdout[-3000:]
    assert failed_tests(result.junit) == {"test_validate_otp_conforms": "failure"}  # type: ignore[attr-defined]
    assert FAILURE_TITLES["status_code_conformance"] in result.stdout, result.stdout[-3000:]


def test_contract_suites_pass_against_a_sandbox_stand_in_and_skip_the_flow_without_fixtures() -> None:
    with serve(conformant) as url:
        result = run_suite(url, "contract_tests", extra_env={"JUSPAY_PROFILE": "sandbox", "JUSPAY_PHASES": "fuzzing"})
    assert result.returncode == 0, result.stdout[-3000:]
    assert "no fixture identifiers" in result.stdout


def test_sandbox_flow_runs_with_fixture_identifiers() -> None:
    fixtures = {
        "JUSPAY_FIXTURE_TOKEN_REFERENCE": "fixture-token",
        "JUSPAY_FIXTURE_PROVISIONED_TOKEN_ID": "fixture-token",
        "JUSPAY_FIXTURE_CLIENT_REFERENCE_ID": "fixture-session",
        "JUSPAY_FIXTURE_STEP_UP_REQUEST_ID": "c3RlcA==",
    }
    with serve(conformant) as url:
        result = run_suite(url, "contract_tests/test_otp_flow.py", extra_env={"JUSPAY_PROFILE": "sandbox", **fixtures})
    assert result.returncode == 0, result.stdout[-3000:]
    assert "1 passed" in result.stdout


def test_a_wrong_phase_name_is_one_usage_line() -> None:
    result = run_suite(
        "http://127.0.0.1:9", "--collect-only", "contract_tests", extra_env={"JUSPAY_PHASES": "fuzzing,nope"}
    )
    assert result.returncode == 4 and "Traceback" not in result.stdout + result.stderr
    assert "JUSPAY_PHASES: unknown phase 'nope'" in result.stderr and result.stderr.strip().count("\n") == 0
