"""The `juspay_mock` fixture as a consumer's suite uses it (this suite loads the plugin with -p)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from juspay_visa_agentic_client import exceptions

from juspay_kit.pytest_plugin import JuspayMock
from juspay_kit.spec import ROOT

TOKEN, SESSION, STEP_UP = "plugin-token", "plugin-session", "c3RlcC11cA=="


def trigger_until_refused(juspay_mock: JuspayMock) -> int:
    sent = 0
    with juspay_mock.client() as client:
        for _ in range(10):
            try:
                client.trigger_otp(token_reference=TOKEN, v_provisioned_token_id=TOKEN, client_reference_id=SESSION,
                                   step_up_request_id=STEP_UP)  # fmt: skip
            except exceptions.OtpRequestLimitExceeded:
                return sent
            sent += 1
    raise AssertionError("the request limit was never reached")


# The same identifiers in two tests: each starts from a fresh session only because the fixture resets.
def test_reset_isolates_tests_first(juspay_mock: JuspayMock) -> None:
    assert trigger_until_refused(juspay_mock) == 3


def test_reset_isolates_tests_second(juspay_mock: JuspayMock) -> None:
    assert trigger_until_refused(juspay_mock) == 3


def test_inbox_clock_and_async_client(juspay_mock: JuspayMock) -> None:
    import asyncio

    async def flow() -> str:
        async with juspay_mock.async_client() as client:
            await client.trigger_otp(token_reference=TOKEN, v_provisioned_token_id=TOKEN, client_reference_id=SESSION,
                                     step_up_request_id=STEP_UP)  # fmt: skip
            code = juspay_mock.inbox(TOKEN, SESSION)
            juspay_mock.advance_clock(6 * 60)
            try:
                await client.validate_otp(token_reference=TOKEN, otp_value=code, client_reference_id=SESSION,
                                          v_provisioned_token_id=TOKEN)  # fmt: skip
            except exceptions.OtpExpired as expired:
                return str(expired.code)
        return "accepted"

    assert asyncio.run(flow()) == "OTP_EXPIRED"
    assert juspay_mock.api_key not in repr(juspay_mock)


def test_a_failing_control_fails_the_test_in_one_line(juspay_mock: JuspayMock) -> None:
    with pytest.raises(pytest.fail.Exception) as failed:
        juspay_mock.inbox("no-such-token", "no-such-session")
    assert "juspay_mock: GET /__mock__/inbox answered 404" in str(failed.value)


@pytest.mark.parametrize(
    ("ini", "option", "message"),
    [("juspay_mock_seed = abc", [], "juspay_mock_seed must be a whole number"),
     ("", ["--juspay-mock-max-requests", "0"], "juspay_mock_max_requests must be from 1 to 100")],
    ids=["ini", "command-line"],
)  # fmt: skip
def test_a_bad_option_value_is_one_usage_line(tmp_path: Path, ini: str, option: list[str], message: str) -> None:
    (tmp_path / "pytest.ini").write_text(f"[pytest]\n{ini}\n")
    (tmp_path / "test_x.py").write_text("def test_x(juspay_mock):\n    pass\n")
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "juspay_kit.pytest_plugin", "-p", "no:cacheprovider", *option],
        capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60,
    )  # fmt: skip
    assert ran.returncode == 4 and message in ran.stderr
    assert "Traceback" not in ran.stderr + ran.stdout
