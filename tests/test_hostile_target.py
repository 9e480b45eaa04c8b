"""No target or answer can hang, exhaust or crash the kit: a dripping, endless, 300 MB or 100,000-deep answer, or
absurd limits, end every reader (the client, the contract check with its probe and health probe, replay, the
proxy) within its deadline and size cap, with its documented outcome."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import traceback
import tracemalloc
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from juspay_visa_agentic_client import AsyncJuspayClient, JuspayClient, exceptions

from juspay_kit import api, spec
from juspay_kit.commands import contract, replay
from tests.broken_servers import conformant, serve
from tests.commands import run_command
from tests.hostile import hostile, selective
from tests.loopback import serving
from tests.test_journey import order
from tests.test_proxy_hostile import is_proxy_error, post, proxy
from tests.test_record_replay_hostile import HEADER, exchange, write

IDS = {"token_reference": "t", "v_provisioned_token_id": "v", "client_reference_id": "c", "step_up_request_id": "cw=="}
EXPECTED = {"drip": exceptions.JuspayTimeout, "headers": exceptions.JuspayTimeout,
            "gzip": exceptions.UnexpectedResponse, "endless": exceptions.AnswerTooLarge,
            "huge": exceptions.AnswerTooLarge, "deep": exceptions.AnswerTooDeep,
            "limits": exceptions.UnexpectedResponse}  # fmt: skip


@pytest.mark.parametrize("mode", list(EXPECTED))
def test_the_client_ends_every_hostile_answer_with_its_exception_within_the_deadline_and_cap(mode: str) -> None:
    with hostile(mode) as url, JuspayClient("key", "merchant", base_url=url, timeout=0.6) as client:
        tracemalloc.start()
        started = time.monotonic()
        with pytest.raises(EXPECTED[mode]) as raised:
            client.trigger_otp(**IDS)
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert elapsed < 1.5, elapsed  # the deadline is 0.6 s for the whole answer, however it drips
    assert peak < 8 * 1024 * 1024, peak  # the cap is 1 MiB: never the 300 MB, never an endless body
    assert type(raised.value) is EXPECTED[mode] and raised.value.__cause__ is raised.value.__context__ is None


def test_the_async_client_ends_a_dripping_answer_or_head_on_time() -> None:
    async def call(url: str) -> None:
        async with AsyncJuspayClient("key", "merchant", base_url=url, timeout=0.6) as client:
            await client.trigger_otp(**IDS)

    for mode in ("drip", "headers"):
        with hostile(mode) as url:
            started = time.monotonic()
            with pytest.raises(exceptions.JuspayTimeout):
                asyncio.run(call(url))
        assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(("mode", "limit"), [("drip", "deadline"), ("endless", "size"), ("deep", "depth")])
def test_the_contract_check_reports_a_hostile_target_as_unreachable_naming_the_limit(
    mode: str, limit: str, tmp_path: Path
) -> None:
    with hostile(mode) as url:
        started = time.monotonic()
        ran = run_command(contract.main, ["--base-url", url, "--request-timeout", "0.4", "--max-examples", "1",
                                          "--operation", "triggerOtp", "--report-dir", str(tmp_path)])  # fmt: skip
        elapsed = time.monotonic() - started
    assert ran.returncode == 2 and f"limit on its answer's {limit}" in ran.stderr, ran.stderr
    assert ran.stderr.count("\n") == 1 and "Traceback" not in ran.stderr and elapsed < 5, elapsed
    assert json.loads((tmp_path / "summary.json").read_text())["outcome"] == "target_unreachable"


def test_a_target_that_holds_only_schemathesis_requests_is_stopped_by_the_stall_watch(tmp_path: Path) -> None:
    """The health check and the rule probe pass (the target serves the kit's own client); schemathesis's first
    request gets headers that drip for ever, which no answer hook reaches: the run still ends, as an outage."""
    with serve(conformant) as upstream, selective(upstream) as url:
        started = time.monotonic()
        ran = run_command(contract.main, ["--base-url", url, "--request-timeout", "0.4", "--max-examples", "1",
                                          "--operation", "triggerOtp", "--report-dir", str(tmp_path)])  # fmt: skip
        elapsed = time.monotonic() - started
    assert ran.returncode == 2 and "held a request past every deadline" in ran.stdout, ran.stdout + ran.stderr
    assert elapsed < 2 * 0.4 + 2 + 3, elapsed  # the stall watch: 2 deadlines + 2 s of nothing, then the report
    assert json.loads((tmp_path / "summary.json").read_text())["outcome"] == "target_unreachable"


def test_absurd_limits_are_not_followed_and_never_an_internal_error(tmp_path: Path) -> None:
    with hostile("limits") as url:
        ran = run_command(contract.main, ["--base-url", url, "--max-examples", "1", "--operation", "triggerOtp",
                                          "--mode", "positive", "--report-dir", str(tmp_path)])  # fmt: skip
    assert ran.returncode == 1 and "internal error" not in ran.stderr + ran.stdout, ran.stderr
    assert "trigger-request-limit: not_exercised (the target announced maxOTPRequestsAllowed as '²'" in ran.stdout


@pytest.mark.parametrize(("mode", "limit"), [("drip", "deadline"), ("huge", "size")])
def test_replay_stops_at_a_hostile_target_naming_the_limit(mode: str, limit: str, tmp_path: Path) -> None:
    cassette = write(tmp_path / "c.jsonl", HEADER, exchange(1))
    with hostile(mode) as url:
        started = time.monotonic()
        ran = run_command(replay.main, [str(cassette), "--against", url, "--request-timeout", "0.4", "--report-dir",
                                        str(tmp_path)])  # fmt: skip
    assert ran.returncode == 2 and ("its cap" if limit == "size" else "its deadline") in ran.stderr, ran.stderr
    assert ran.stderr.count("\n") == 1 and time.monotonic() - started < 3


@pytest.mark.parametrize("mode", ["drip", "endless"])
def test_the_proxy_answers_a_hostile_upstream_with_a_502_of_its_own(mode: str) -> None:
    with hostile(mode) as upstream, proxy(upstream, timeout=0.5) as (url, app, _):
        started = time.monotonic()
        answer = post(url)
    assert is_proxy_error(answer, 502) and time.monotonic() - started < 2
    assert app.upstream_errors == 1


def test_a_guarded_client_refuses_an_encoded_answer_it_did_not_ask_for() -> None:
    from juspay_visa_agentic_client import guard

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-encoding": "gzip"}, content=b"\x1f\x8b")

    with httpx.Client(transport=guard.GuardedTransport(1.0, inner=httpx.MockTransport(handle))) as client:
        with pytest.raises(guard.Encoded):
            client.get("http://127.0.0.1:9/", headers={"accept-encoding": "identity"})


def test_no_client_exception_shows_a_secret_in_any_form_through_any_field() -> None:
    """A hostile server echoes every secret back, in every string an exception carries (message, code,
    request_id, refusal code): the key in its encodings, the Basic value, the OTP sent, the credential received,
    and 8-character pieces of each. None survives in str, repr, args or a formatted traceback."""
    key, otp = "sk_live_hostile_4f9a2c7e1b", "918273"
    basic = base64.b64encode(f"{key}:".encode()).decode()
    credential = "4111222233334444"
    fetched = {**api.example(spec.load(), "fetchPaymentCredentials"), "tokenNumber": credential}
    echo = f"{key} {basic} Basic {basic} {quote(key)} {key.encode().hex()} x{key[3:11]}x {otp} {credential[2:10]}"
    replies = iter([
        (200, fetched),  # Fetch: the client now holds a credential
        (400, {"status": "FAILURE", "responseCode": echo, "responseMessage": echo}),  # a refusal, code and all
        (401, {"error_code": echo, "error_message": echo, "error_info": {"request_id": echo, "code": echo}}),
        (418, {"status": "FAILURE", "responseCode": echo, "responseMessage": echo}),  # undocumented status
        (200, {"status": echo}),  # outside the contract
    ])  # fmt: skip

    def answer(path: str, headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        status, data = next(replies)
        return status, "application/json", json.dumps(data).encode()

    raised: list[exceptions.JuspayClientError] = []
    with serving(answer) as (url, _), JuspayClient(key, "m", base_url=url) as client:
        client.fetch_payment_credentials(
            v_provisioned_token_id="v", client_reference_id="c", nw_transaction_id="n", transaction_details=order(1)
        )
        for _ in range(4):
            with pytest.raises(exceptions.JuspayClientError) as caught:
                client.validate_otp(token_reference="t", otp_value=otp, client_reference_id="c",
                                    v_provisioned_token_id="v", network_type="VISA")  # fmt: skip
            raised.append(caught.value)
    assert [type(e).__name__ for e in raised] == ["OtpRefused", "AuthenticationError", "ApiError", "UnexpectedResponse"]
    forms = [key, basic, quote(key), key.encode().hex(), key[3:11], otp, credential, credential[2:10]]
    for error in raised:
        shown = [str(error), repr(error), str(error.args), "".join(traceback.format_exception(error))]
        shown += [error.message, error.code or "", error.request_id or ""]
        leaks = [form for form in forms for text in shown if form in text]
        assert not leaks, (type(error).__name__, leaks)
    assert raised[0].code is not None and "[masked]" in raised[0].code  # the code is kept, its secrets masked
