"""juspay-proxy and juspay-replay: real servers on loopback sockets, the proxy in front of the real mock
(or of a deliberately broken one), cassettes written and replayed."""

from __future__ import annotations

import base64
import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from juspay_kit.cli import run
from juspay_kit.commands import proxy as proxy_command
from juspay_kit.commands import replay as replay_command
from juspay_kit.mock import drive
from juspay_kit.mock.app import DEFAULT_API_KEY, DEFAULT_MERCHANT_ID
from juspay_kit.proxy import READY_PREFIX, cassette
from juspay_kit.proxy.app import ProxyApp
from juspay_kit.redact import Redactor
from juspay_kit.spec import ROOT
from tests import broken_servers
from tests.broken_servers import serve, serve_app

KEY = "proxy_key_Q7zLw93kXv"  # distinctive, so any leak of it (or of a piece of its encoding) is found
MERCHANT = "proxy_merchant"
FIXTURE = ROOT / "tests" / "fixtures" / "mock-flow.cassette.jsonl"
STEP_UP = "Y2UyOWU0N2E1NGYzNGM2OTY4MjQxZTZhYzkxMTNkMDE="


@contextmanager
def proxying(upstream: str, record: Path | None = None, **options: Any) -> Iterator[tuple[str, ProxyApp, io.StringIO]]:
    """The proxy app under uvicorn in a thread, in front of `upstream`; yields (url, app, console)."""
    out = io.StringIO()
    redactor = Redactor()
    recorder = cassette.CassetteWriter(record, {"upstream": upstream}, redactor) if record else None
    app = ProxyApp(upstream, recorder=recorder, redactor=redactor, out=out, timeout=5, **options)
    try:
        with serve_app(app, lifespan="on") as url:
            yield url, app, out
    finally:
        if recorder is not None:
            recorder.close()


def headers(key: str = KEY, merchant: str | None = MERCHANT) -> dict[str, str]:
    sent = {
        "Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode(),
        "Content-Type": "application/json",
    }
    if merchant is not None:
        sent["x-merchantid"] = merchant
    return sent


def trigger_body(session: str) -> dict[str, str]:
    return {
        "tokenReference": "tok-1",
        "vProvisionedTokenId": "tok-1",
        "clientReferenceId": session,
        "stepUpRequestId": STEP_UP,
    }


def validate_body(session: str, otp: str) -> dict[str, str]:
    return {"tokenReference": "tok-1", "vProvisionedTokenId": "tok-1", "clientReferenceId": session, "otpValue": otp,
            "networkType": "VISA"}  # fmt: skip


def flow(base_url: str, inbox_url: str) -> tuple[list[tuple[int, str, bytes]], list[str]]:
    """A clean OTP flow: trigger, a wrong code, the right code, a second bind, a second session's
    trigger after time passes. Returns (status, content type, body) per call and the OTPs seen."""
    answers, otps = [], []
    with httpx.Client(base_url=base_url, timeout=10, trust_env=False) as http, httpx.Client(base_url=inbox_url) as box:

        def call(path: str, body: dict[str, Any]) -> None:
            got = http.post(path, json=body, headers=headers())
            answers.append((got.status_code, got.headers["content-type"], got.content))

        def code(session: str) -> str:
            otp: str = box.get(
                "/__mock__/inbox", params={"tokenReference": "tok-1", "clientReferenceId": session}
            ).json()["otpValue"]
            otps.append(otp)
            return otp

        call("/initiateVerification", trigger_body("s-1"))
        right = code("s-1")
        call("/validateOtp", validate_body("s-1", str((int(right) + 1) % 1_000_000).zfill(len(right))))
        call("/validateOtp", validate_body("s-1", right))
        call("/validateOtp", validate_body("s-1", right))
        call("/initiateVerification", trigger_body("s-2"))
        call("/initiateVerification", trigger_body("s-2"))
        call("/validateOtp", validate_body("s-2", code("s-2")))
    return answers, otps


def test_a_clean_flow_through_the_proxy_is_forwarded_unchanged_checked_recorded_and_replays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "flow.jsonl"
    with serve(broken_servers.conformant, seed=11, credentials=(KEY, MERCHANT)) as direct:
        expected, _ = flow(direct, direct)
    with serve(broken_servers.conformant, seed=11, credentials=(KEY, MERCHANT)) as upstream:
        with proxying(upstream, record) as (url, app, out):
            answers, otps = flow(url, upstream)
    assert answers == expected  # same statuses, content types and bytes as without the proxy
    assert app.exchanges == 7 and not app.violations, out.getvalue()
    assert "violation" not in out.getvalue()

    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert lines[0]["format"] == "juspay-cassette" and lines[0]["version"] == 1
    assert [e["response"]["status"] for e in lines[1:]] == [status for status, _, _ in answers]
    assert lines[2]["request"]["headers"]["authorization"] == "Basic [masked-key-1]"
    assert lines[2]["request"]["body"]["otpValue"] == "[masked-otp]"
    assert all(e["violations"] == [] and e["elapsedMs"] > 0 for e in lines[1:])

    written = record.read_text() + out.getvalue()
    encoded = base64.b64encode(f"{KEY}:".encode()).decode()
    for secret in [KEY, *otps, *(encoded[i : i + 8] for i in range(len(encoded) - 8))]:
        assert secret not in written

    # The recording replays clean against a fresh mock, and differs against a broken one.
    monkeypatch.setenv("JUSPAY_API_KEY", KEY)
    monkeypatch.setenv("JUSPAY_MERCHANT_ID", MERCHANT)
    with serve(broken_servers.conformant, seed=99, credentials=(KEY, MERCHANT)) as fresh:
        assert replay_command.main([str(record), "--against", fresh, "--report-dir", str(tmp_path / "same")]) == 0
    broken = broken_servers.FAULTS["renamed-field"][0]
    with serve(broken, seed=99, credentials=(KEY, MERCHANT)) as other:
        assert replay_command.main([str(record), "--against", other, "--report-dir", str(tmp_path / "diff")]) == 1
    same = json.loads((tmp_path / "same" / "replay.json").read_text())
    assert (same["outcome"], same["compared"], same["differing"]) == ("same", 7, 0)
    differs = json.loads((tmp_path / "diff" / "replay.json").read_text())
    assert differs["outcome"] == "differs"
    assert [r["seq"] for r in differs["results"] if r["differences"]] == [3, 7]  # the binds: responseMessage renamed
    assert "body valid -> invalid" in (tmp_path / "diff" / "replay.md").read_text()


def _valid_trigger(http: httpx.Client) -> httpx.Response:
    return http.post(
        "/initiateVerification",
        json=trigger_body("s-1"),
        headers=headers(broken_servers.API_KEY, broken_servers.MERCHANT),
    )


def _bind(http: httpx.Client) -> httpx.Response:
    _valid_trigger(http)
    otp = http.get("/__mock__/inbox", params={"tokenReference": "tok-1", "clientReferenceId": "s-1"}).json()["otpValue"]
    return http.post(
        "/validateOtp", json=validate_body("s-1", otp), headers=headers(broken_servers.API_KEY, broken_servers.MERCHANT)
    )


def _invalid_trigger(http: httpx.Client) -> httpx.Response:
    body = {**trigger_body("s-1"), "stepUpRequestId": ""}
    return http.post(
        "/initiateVerification", json=body, headers=headers(broken_servers.API_KEY, broken_servers.MERCHANT)
    )


def _non_ascii(http: httpx.Client) -> httpx.Response:
    body = {**trigger_body("s-1"), "clientReferenceId": "séance"}
    return http.post(
        "/initiateVerification", json=body, headers=headers(broken_servers.API_KEY, broken_servers.MERCHANT)
    )


def _no_auth(http: httpx.Client) -> httpx.Response:
    sent = {k: v for k, v in headers(broken_servers.API_KEY, broken_servers.MERCHANT).items() if k != "Authorization"}
    return http.post("/initiateVerification", json=trigger_body("s-1"), headers=sent)


def _no_merchant(http: httpx.Client) -> httpx.Response:
    return http.post("/initiateVerification", json=trigger_body("s-1"), headers=headers(broken_servers.API_KEY, None))


def _get(http: httpx.Client) -> httpx.Response:
    return http.get("/initiateVerification")


def _journey_headers() -> dict[str, str]:
    return headers(broken_servers.API_KEY, broken_servers.MERCHANT)


def _provision(http: httpx.Client) -> httpx.Response:
    body = {"customerId": "u1", "sessionContext": {"secureToken": "s"}}
    return http.post("/provision-token-passkey", json=body, headers=_journey_headers())


def _setup(http: httpx.Client) -> httpx.Response:
    http.headers.update(_journey_headers())
    token_id = drive.bound_card(http, "u1")["vProvisionedTokenId"]
    return http.post("/cards/setUpAgenticPaymentInstruction", json=drive.setup_body(token_id, "p1", "u1"))


def _invalid_fetch(http: httpx.Client) -> httpx.Response:
    body = {"networkType": "VISA", "vProvisionedTokenId": "v", "clientReferenceId": "c", "nwTransactionId": "n"}
    return http.post("/cards/fetchAgenticTransactCreds", json=body, headers=_journey_headers())


# fault -> (the traffic that shows it, the check the proxy must report). Faults in the answer to valid
# traffic, and faults that accept traffic the spec refuses. A well-formed 401 for the right key is invisible
# to a proxy, which cannot know the key is right: replay against the recording catches it (test below).
PROXY_FAULTS: dict[str, tuple[Callable[[httpx.Client], httpx.Response], str | None]] = {
    "counters-as-strings": (_valid_trigger, "response_schema_conformance"),
    "missing-field": (_valid_trigger, "response_schema_conformance"),
    "renamed-field": (_bind, "response_schema_conformance"),
    "undocumented-status": (_invalid_trigger, "status_code_conformance"),
    "wrong-content-type": (_valid_trigger, "content_type_conformance"),
    "server-error-on-some-inputs": (_non_ascii, "not_a_server_error"),
    "auth-ignored": (_no_auth, "ignored_auth"),
    "invalid-input-accepted": (_invalid_trigger, "negative_data_rejection"),
    "missing-header-accepted": (_no_merchant, "missing_required_header"),
    "no-405-for-other-methods": (_get, "unsupported_method"),
    "everything-401": (_valid_trigger, None),
    "success-status-not-success": (_valid_trigger, "success_envelope"),
    "provision-status-not-success": (_provision, "success_envelope"),
    "setup-instruction-id-not-string": (_setup, "response_schema_conformance"),
    "fetch-accepts-invalid-input": (_invalid_fetch, "negative_data_rejection"),
}


def test_every_broken_server_fault_is_listed() -> None:
    assert set(PROXY_FAULTS) == set(broken_servers.FAULTS)


@pytest.mark.parametrize("fault", sorted(PROXY_FAULTS))
def test_the_proxy_reports_each_broken_server_and_passes_its_answer_through(fault: str) -> None:
    send, check = PROXY_FAULTS[fault]
    with serve(broken_servers.FAULTS[fault][0]) as upstream, proxying(upstream) as (url, app, out):
        with httpx.Client(base_url=upstream, trust_env=False) as http:
            direct = send(http)
            http.post("/__mock__/reset", json={})
        with httpx.Client(base_url=url, trust_env=False) as http:
            proxied = send(http)
    assert (proxied.status_code, proxied.content) == (direct.status_code, direct.content)
    if check is None:
        assert not app.violations
        return
    assert check in app.violations, out.getvalue()
    line = next(line for line in out.getvalue().splitlines() if f"({check})" in line)
    assert line.startswith("violation: ") and " response " in line


def test_a_malformed_request_is_a_request_violation_and_is_still_forwarded() -> None:
    with (
        serve(broken_servers.conformant, credentials=(KEY, MERCHANT)) as upstream,
        proxying(upstream) as (url, app, out),
    ):
        with httpx.Client(base_url=url, trust_env=False) as http:
            body = {"tokenReference": "t", "vProvisionedTokenId": 7, "clientReferenceId": "c", "otpValue": "12", "x": 1}
            answer = http.post("/validateOtp", json=body, headers=headers())
            broken = http.post("/validateOtp", content=b"{not json", headers=headers())
            unreachable_before = app.upstream_errors
    assert answer.status_code == 400 and answer.json()["error_info"]["code"] in (
        "INVALID_INPUT",
        "MISSING_MANDATORY_PARAMETER",
    )
    assert broken.status_code == 400 and broken.json()["error_info"]["code"] == "INVALID_INPUT"  # the mock's answer
    lines = out.getvalue().splitlines()
    assert "violation: validateOtp request /vProvisionedTokenId: expected type string (request_schema)" in lines
    assert "violation: validateOtp request /networkType: required field is missing (request_schema)" in lines
    assert "violation: validateOtp request /: undocumented field(s): x (request_schema)" in lines
    assert "violation: validateOtp request /: body is not valid JSON (request_schema)" in lines
    assert not any(" response " in line for line in lines)  # the mock refused them as it should
    assert unreachable_before == 0


def test_an_unreachable_upstream_is_a_502_from_the_proxy_and_counted() -> None:
    with serve(broken_servers.conformant) as gone:
        pass  # the port is closed again
    with proxying(gone) as (url, app, out), httpx.Client(base_url=url, trust_env=False) as http:
        answer = http.post("/initiateVerification", json=trigger_body("s"), headers=headers())
    assert answer.status_code == 502 and answer.headers["x-juspay-proxy"] == "error"
    assert app.upstream_errors == 1 and "upstream error: POST /initiateVerification" in out.getvalue()


def test_the_committed_mock_cassette_replays_clean_against_the_embedded_mock(tmp_path: Path, capsys: Any) -> None:
    assert replay_command.main([str(FIXTURE), "--report-dir", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "replay.json").read_text())
    assert report["exchanges"] == report["compared"] >= 10 and report["differing"] == 0
    assert "the embedded mock" in capsys.readouterr().out


def test_replaying_the_committed_cassette_against_a_broken_server_lists_the_differences(tmp_path: Path) -> None:
    with serve(broken_servers.FAULTS["everything-401"][0], credentials=(DEFAULT_API_KEY, DEFAULT_MERCHANT_ID)) as url:
        assert replay_command.main([str(FIXTURE), "--against", url, "--report-dir", str(tmp_path)]) == 1
    report = json.loads((tmp_path / "replay.json").read_text())
    assert report["differing"] == report["exchanges"] - 1  # all but the recorded 401
    assert "| 1 | triggerOtp | 200  | 401 UNAUTHORIZED | status 200 -> 401;" in (tmp_path / "replay.md").read_text()


@pytest.mark.parametrize(
    ("command", "argv", "message"),
    [
        (proxy_command.main, ["--upstream", "https://api.juspay.in"], "Juspay production"),
        (proxy_command.main, ["--upstream", "http://127.0.0.1:1", "--timeout", "nan"], "--timeout"),
        (proxy_command.main, ["--upstream", "http://127.0.0.1:1", "--record", "/proc/no/such.jsonl"], "cannot write"),
        (replay_command.main, [str(ROOT / "spec" / "openapi.yaml")], "not a JSON line"),
        (replay_command.main, [str(ROOT / "tests" / "no-such.jsonl")], "cannot read"),
        (replay_command.main, [str(FIXTURE), "--against", "http://example.com"], "refusing example.com"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(command: Any, argv: list[str], message: str, capsys: Any) -> None:
    with pytest.raises(SystemExit) as exited:
        run(command, argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2 and message in err and len(err.strip().splitlines()) == 1, err


def test_the_proxy_command_ignores_proxy_variables_and_summarises_on_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, "HTTP_PROXY": "http://127.0.0.1:9", "ALL_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    with serve(broken_servers.FAULTS["counters-as-strings"][0]) as upstream:
        command = [sys.executable, "-m", "juspay_kit.commands.proxy", "--upstream", upstream, "--port", "0",
                   "--record", str(tmp_path / "c.jsonl")]  # fmt: skip
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
        )
        assert process.stdout is not None
        ready = process.stdout.readline()
        assert ready.startswith(READY_PREFIX), ready
        url = ready[len(READY_PREFIX) :].split()[0]
        with httpx.Client(base_url=url, trust_env=False) as http:
            assert _valid_trigger(http).status_code == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 1, err
    assert "violation: triggerOtp response /response/maxOTPVerificationAllowed: expected type integer" in out
    assert "juspay-proxy: 1 exchanges, 3 violations (response_schema_conformance 3), 0 upstream errors" in out
    assert "Traceback" not in err
    assert len((tmp_path / "c.jsonl").read_text().splitlines()) == 2


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"path": "http://evil.example/initiateVerification"}, "request.path"),
        ({"path": "//evil.example/x"}, "request.path"),
        ({"headers": {"x-merchantid": "a\r\nx-injected: 1"}}, "single-line"),
        ({"method": "POST /x HTTP/1.1\r\n"}, "HTTP method"),
    ],
)
def test_a_cassette_cannot_steer_a_replay_elsewhere(
    tmp_path: Path, change: dict[str, Any], problem: str, capsys: Any
) -> None:
    header, *lines = FIXTURE.read_text().splitlines()
    exchange = json.loads(lines[0])
    exchange["request"].update(change)
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_text("\n".join([header, json.dumps(exchange)]) + "\n")
    with pytest.raises(SystemExit) as exited:
        run(replay_command.main, [str(hostile), "--report-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and problem in err and not (tmp_path / "replay.json").exists()


def test_a_body_over_the_proxy_limit_is_refused_and_not_forwarded() -> None:
    with serve(broken_servers.conformant, credentials=(KEY, MERCHANT)) as upstream, proxying(upstream) as (url, app, _):
        with httpx.Client(base_url=url, trust_env=False) as http:
            answer = http.post("/validateOtp", content=b"x" * (2 * 1024 * 1024), headers=headers())
    assert answer.status_code == 413 and "not forwarded" in answer.json()["proxyError"]
    assert app.exchanges == 0
