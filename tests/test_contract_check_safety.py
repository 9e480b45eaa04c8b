"""Harness self-tests of the safety rails: no traffic to refused targets, bad settings refused, budgets,
outages that are not violations, no environment proxy, and no secret in any report."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from juspay_kit import api
from tests.broken_servers import API_KEY, FAULTS, MERCHANT, conformant, serve
from tests.contract_check import CREDENTIALS, SCRIPT, all_reports, contract_check, summary

REFUSED = [
    "https://api.juspay.in",
    "https://api.juspay.in/initiateVerification",
    "http://api.juspay.in:80",
    "https://api-ns1.juspay.in",
    "https://sandbox.juspay.io",
    "https://example.com",
    "http://10.0.0.5:8080",
    "http://192.168.1.10",
    "http://8.8.8.8",
    "http://sandbox.juspay.in",
    "https://sandbox.juspay.in:8443",
    "https://sandbox.juspay.in.evil.example",
    "https://user:pw@127.0.0.1:9",
    "ftp://127.0.0.1",
    "http://127.0.0.1:9?x=1",
    "not a url",
]

NO_NETWORK = """
import socket, sys
def refuse(*args, **kwargs):
    print("NETWORK ATTEMPT", args, file=sys.stderr)
    raise SystemExit(99)
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
sys.argv = sys.argv[1:]
exec(compile(open(sys.argv[0]).read(), sys.argv[0], "exec"), {"__name__": "__main__", "__file__": sys.argv[0]})
"""


@pytest.mark.parametrize("url", REFUSED)
def test_refused_targets_get_exit_2_without_any_connection(url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", NO_NETWORK, str(SCRIPT), "--base-url", url],
        capture_output=True, text=True, timeout=60, env={**os.environ, **CREDENTIALS},
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "NETWORK ATTEMPT" not in result.stderr
    assert result.stderr.count("\n") == 1 and "refusing" in result.stderr


def test_the_sandbox_host_is_allowed_but_needs_credentials() -> None:
    result = subprocess.run(
        [sys.executable, "-c", NO_NETWORK, str(SCRIPT), "--base-url", "https://sandbox.juspay.in"],
        capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("JUSPAY_")},
    )  # fmt: skip
    assert result.returncode == 2 and "NETWORK ATTEMPT" not in result.stderr
    assert "JUSPAY_API_KEY and JUSPAY_MERCHANT_ID must be set" in result.stderr


@pytest.mark.parametrize(
    "args",
    [["--mode", "sideways"], ["--max-examples", "zero"], ["--max-examples", "0"], ["--seed", "-1"], ["--bogus"],
     ["--request-timeout", "0"], ["--profile", "prod"], ["--budget", "-5"], ["--rate-limit", "nan"],
     ["--rate-limit", "inf"], ["--rate-limit", "-1"], ["--request-timeout", "nan"], ["--request-timeout", "inf"],
     ["--base-url", "http://localhost..:9"], ["--base-url", "http://.localhost:9"], ["--operation", "chargeCard"],
     ["--operation"], ["--phases", "warp"], ["--phases", " , "], ["--max-answer-bytes", "10"]],
)  # fmt: skip
def test_bad_arguments_exit_2_with_one_line(args: list[str]) -> None:
    result = contract_check(*args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_missing_credentials_refuse_the_sandbox_and_default_to_the_mock_for_loopback() -> None:
    from juspay_kit.contract.settings import resolve
    from juspay_kit.errors import UsageError

    common: dict[str, Any] = {"mode": "all", "max_examples": None, "seed": 1, "report_dir": Path("r"),
                              "profile": None, "rate_limit": None, "budget": None, "request_timeout": 5.0}  # fmt: skip
    with pytest.raises(UsageError, match="JUSPAY_MERCHANT_ID must be set"):  # raised before any connection
        resolve(base_url="https://sandbox.juspay.in", environ={"JUSPAY_API_KEY": "k"}, **common)
    local = resolve(base_url="http://127.0.0.1:9", environ={"JUSPAY_API_KEY": "k"}, **common)
    assert (local.api_key, local.merchant_id) == ("k", "mock_merchant") and local.detect_profile
    assert "JUSPAY_MERCHANT_ID unset" in local.credentials_note
    given = resolve(base_url="http://127.0.0.1:9", environ={"JUSPAY_API_KEY": "k", "JUSPAY_MERCHANT_ID": "m"},
                    **common)  # fmt: skip
    assert given.credentials_note == "" and given.merchant_id == "m"


def test_unreachable_target_is_an_outage_not_a_violation(tmp_path: Path) -> None:
    result = contract_check("--base-url", "http://127.0.0.1:9", "--report-dir", str(tmp_path), env=CREDENTIALS)
    assert result.returncode == 2 and "unreachable" in result.stderr
    data = summary(tmp_path)
    assert data["outcome"] == "target_unreachable" and data["violations"] == []


def test_target_dying_mid_run_is_an_outage(tmp_path: Path) -> None:
    with _dies_after(requests=80) as (url, served):
        result = contract_check(
            "--base-url", url, "--max-examples", "400", "--seed", "2", "--report-dir", str(tmp_path), env=CREDENTIALS
        )
    assert served[0] >= 80, "the target died before the run started: not a mid-run outage"
    assert result.returncode == 2, result.stdout + result.stderr
    data = summary(tmp_path)
    assert data["outcome"] == "target_unreachable" and data["outage"]
    assert "violations" not in result.stderr


@contextmanager
def _dies_after(requests: int, middleware: Callable[..., Any] = conformant) -> Iterator[tuple[str, list[int]]]:
    """The mock (wrapped in `middleware`), which stops listening (connections refused) after `requests` API
    requests."""
    import uvicorn

    from juspay_kit.mock.app import MockApp, MockSettings
    from juspay_kit.mock.server import bind, url_of

    served = [0]
    sock = bind("127.0.0.1", 0)
    app = middleware(MockApp(MockSettings(api_key=API_KEY, merchant_id=MERCHANT)))

    async def dying(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/__mock__/"):
            served[0] += 1
            if served[0] == requests:
                server.should_exit = server.force_exit = True
                sock.close()
        await app(scope, receive, send)

    server = uvicorn.Server(uvicorn.Config(dying, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            thread.join(0.02)
        yield url_of(sock), served
    finally:
        server.should_exit = True
        thread.join(10)


def _counting_server() -> tuple[Callable[..., Any], list[tuple[float, str, str]]]:
    seen: list[tuple[float, str, str]] = []

    def middleware(app: Callable[..., Any]) -> Callable[..., Any]:
        async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                seen.append((time.monotonic(), scope["method"], scope["path"]))
            await app(scope, receive, send)

        return wrapped

    return middleware, seen


def test_sandbox_profile_honours_budget_and_rate_limit(tmp_path: Path) -> None:
    middleware, seen = _counting_server()
    with serve(middleware) as url:
        result = contract_check(
            "--base-url", url, "--profile", "sandbox", "--budget", "12", "--rate-limit", "10",
            "--seed", "6", "--report-dir", str(tmp_path), env=CREDENTIALS,
        )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    data = summary(tmp_path)
    assert data["budget_exhausted"] is True
    api_calls = [t for t, method, path in seen if path in {operation.path for operation in api.shared()}]
    triggers = [t for t, method, path in seen if path == "/initiateVerification" and method == "POST"]
    assert len(api_calls) <= 12 + 4, seen  # ignored_auth probes carry no valid credentials and send no OTP
    assert len(triggers) <= 12
    assert not [p for _, _, p in seen if p.startswith("/__mock__/")]  # the sandbox profile never uses test controls
    paced = len(api_calls) - 4  # up to 4 ignored_auth probes are not paced (see above)
    assert api_calls[-1] - api_calls[0] >= (paced - 1) // 10 * 0.8  # per-second buckets of 10


def test_an_explicit_mock_profile_needs_the_test_controls(tmp_path: Path) -> None:
    with serve(conformant, controls=False) as url:
        result = contract_check("--base-url", url, "--profile", "mock", env=CREDENTIALS)
    assert result.returncode == 2 and "--profile standin" in result.stderr and result.stderr.count("\n") == 1


# ---- hostile input (issue 10) ---------------------------------------------------------------------------


def test_a_nan_rate_limit_in_the_environment_is_refused() -> None:
    result = contract_check("--base-url", "http://127.0.0.1:9", env={**CREDENTIALS, "JUSPAY_RATE_LIMIT": "nan"})
    assert result.returncode == 2 and "rate limit" in result.stderr and result.stderr.count("\n") == 1


def test_loopback_traffic_never_goes_through_an_environment_proxy(tmp_path: Path) -> None:
    from tests.loopback import serving

    with serving(lambda path, headers, body: (502, "text/plain", b"proxy")) as (proxy, through_proxy):
        proxies = {name: proxy for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy")}
        with serve(conformant) as url:
            env = {**CREDENTIALS, **proxies, "NO_PROXY": ""}
            result = contract_check("--base-url", url, "--max-examples", "5", "--seed", "1", "--phases", "fuzzing",
                                    "--operation", "triggerOtp", "--report-dir", str(tmp_path), env=env)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert through_proxy == [], "the run sent requests (and their Authorization) to the proxy"


def test_loopback_names_with_a_trailing_dot_are_loopback_and_never_looked_up(tmp_path: Path) -> None:
    from juspay_kit.contract.safety import normalise

    assert normalise("http://LocalHost.:8765/") == "http://127.0.0.1:8765"
    assert normalise("http://127.0.0.1.:1") == "http://127.0.0.1:1"
    assert normalise("https://sandbox.juspay.in.") == "https://sandbox.juspay.in"
    with serve(conformant) as url:
        port = url.rsplit(":", 1)[1]
        result = contract_check("--base-url", f"http://localhost.:{port}", "--max-examples", "5", "--seed", "1",
                                "--phases", "fuzzing", "--operation", "triggerOtp", "--report-dir", str(tmp_path),
                                env=CREDENTIALS)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary(tmp_path)["target"] == f"http://127.0.0.1:{port}"


def test_an_unwritable_report_directory_is_refused_before_any_request(tmp_path: Path) -> None:
    middleware, seen = _counting_server()
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    with serve(middleware) as url:
        result = contract_check("--base-url", url, "--report-dir", str(blocked / "reports"), env=CREDENTIALS)
    assert result.returncode == 2 and "cannot write reports" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert seen == []


def _echo_credentials(app: Callable[..., Any]) -> Callable[..., Any]:
    """A target that echoes the request's Authorization (and the key in it) into a long undocumented field."""

    async def echoing(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__mock__/"):
            await app(scope, receive, send)
            return
        auth = dict(scope["headers"]).get(b"authorization", b"").decode()
        key = base64.b64decode(auth.partition(" ")[2] or "").decode(errors="replace") if auth else ""
        body = json.dumps({"status": "FAILURE", "echo": "x" * 200 + auth + " " + key + "y" * 200}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return echoing


def test_no_piece_of_the_key_survives_in_reports_even_when_values_are_shortened(tmp_path: Path) -> None:
    with serve(_echo_credentials) as url:
        result = contract_check("--base-url", url, "--max-examples", "5", "--seed", "3", "--report-dir", str(tmp_path),
                                env=CREDENTIALS)  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    text = all_reports(tmp_path) + result.stdout + result.stderr
    assert "xxxxxxxx" in text  # the echoed field did reach the reports
    encoded = base64.b64encode(f"{API_KEY}:".encode()).decode()
    for secret in (API_KEY + ":", encoded):
        pieces = [secret[i : i + 8] for i in range(len(secret) - 7)]
        assert not [p for p in pieces if p in text], "a piece of the key or its encoding leaked"


def test_violations_found_before_an_outage_are_kept(tmp_path: Path) -> None:
    with _dies_after(requests=120, middleware=FAULTS["counters-as-strings"][0]) as (url, served):
        result = contract_check(
            "--base-url", url, "--max-examples", "400", "--seed", "2", "--report-dir", str(tmp_path), env=CREDENTIALS
        )
    assert served[0] >= 120
    assert result.returncode == 1, result.stdout + result.stderr
    data = summary(tmp_path)
    assert data["outcome"] == "violations_cut_short" and data["outage"]
    assert "response_schema_conformance" in {v["check"] for v in data["violations"]}
    assert "Run cut short" in (tmp_path / "summary.md").read_text()


def test_an_internal_error_is_one_line_without_its_message(capsys: Any) -> None:
    from juspay_kit.cli import run

    def broken(argv: Any) -> int:
        raise KeyError("secret_value_123")

    with pytest.raises(SystemExit) as exited:
        run(broken, [])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and err.count("\n") == 1 and "internal error (KeyError)" in err
    assert "secret_value_123" not in err and "Traceback" not in err
