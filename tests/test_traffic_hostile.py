"""Hostile input to the traffic surfaces (recordings, juspay-drift, juspay-learn, refresh apply, the nightly's
proposals): each test is one defect a fresh-eyes review found, failing before its fix. In-process and cheap."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from juspay_kit import api, spec
from juspay_kit.commands import learn as learn_command
from juspay_kit.errors import HarnessError, UsageError
from juspay_kit.nightly import prs
from juspay_kit.proxy import cassette, har
from juspay_kit.proxy.recorded import Masker
from juspay_kit.proxy.recordings import Recording, convert, read
from juspay_kit.redact import Redactor
from juspay_kit.refresh.learned import apply_proposal, read_proposal
from juspay_kit.traffic import compare, drift, learn, report
from juspay_kit.traffic.compare import read_report
from juspay_kit.traffic.coverage import MAX_CODES, Coverage

KEY = "sk_hostile_Wq83jZp0"
SANDBOX = "https://sandbox.juspay.in"
IDS = {"tokenReference": "tr-1", "vProvisionedTokenId": "vp-1", "clientReferenceId": "c-1"}
FETCH = {"networkType": "VISA", **IDS, "nwTransactionId": "n-1", "transactionDetails": []}


def exchange(
    operation: str, status: int = 200, answer: Any = None, request: Any = None, **options: Any
) -> dict[str, Any]:
    headers = {"authorization": options.get("authorization", "Basic " + api.encode_basic(KEY)), "x-merchantid": "m-1",
               "content-type": "application/json"}  # fmt: skip
    body = api.example(spec.load(), operation) if answer is None else answer
    return {"origin": options.get("origin", SANDBOX), "ref": f"e{options.get('n', 0)}", "startedAt": None,
            "request": {"method": "POST", "path": api.path_of(operation), "query": "", "headers": headers,
                        "body": request if request is not None else {**IDS, "stepUpRequestId": "cw=="}},
            "response": {"status": status, "headers": {"content-type": "application/json"}, "body": body}}  # fmt: skip


def judged(*exchanges: dict[str, Any], server: str | None = None) -> tuple[drift.Drift, Redactor]:
    judge = drift.Judge(server=server)
    judge.recording(Recording("har", Path("t.har"), SANDBOX, iter(exchanges)))
    return judge.finish(), judge.redactor


def refused_without_waiting(fifo: Path, call: Callable[[], object]) -> BaseException | None:
    """What `call` raised (None: nothing), failing the test if it waited on the FIFO (a writer then frees it)."""
    found: list[BaseException | None] = []

    def attempt() -> None:
        try:
            call()
            found.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            found.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(3)
    if worker.is_alive():
        with fifo.open("wb"):
            pass
        worker.join(5)
        pytest.fail(f"{call} waited on a FIFO")
    return found[0]


# ---- drift's reports ----------------------------------------------------------------------------------------


def test_drift_json_and_sarif_stay_json_when_a_short_secret_equals_a_number(tmp_path: Path) -> None:
    """Masking the serialised text turned `"recorded": 1000` into `"recorded": [masked]` for an OTP of 1000."""
    result = drift.Drift(exchanges=1000, judged=1000)
    redactor = Redactor()
    redactor.add_secret("1000")
    report.write(result, tmp_path, redactor)
    assert json.loads((tmp_path / "drift.json").read_text())["exchanges"]["recorded"] == 1000
    json.loads((tmp_path / "drift.sarif").read_text())
    ET.parse(tmp_path / "drift-junit.xml")


def test_a_hostile_field_name_keeps_junit_well_formed_and_the_console_on_its_lines(tmp_path: Path) -> None:
    """A server's field name with control characters made drift-junit.xml unreadable, a newline in it forged a
    console line, and `<!--` in it hid the rest of drift.md from anyone reading it rendered."""
    answer = {**api.example(spec.load(), "fetchPaymentCredentials"), "\x01bad\x1b[31m": 1, "\ufffe": 2,
              "x\nDrift: NO DRIFT <!--": 3}  # fmt: skip
    result, redactor = judged(exchange("fetchPaymentCredentials", answer=answer, request=FETCH))
    report.write(result, tmp_path, redactor)
    ET.parse(tmp_path / "drift-junit.xml")
    lines = report.console(result).splitlines()
    assert not any(line.startswith("Drift: NO DRIFT") for line in lines)
    assert "<!--" not in (tmp_path / "drift.md").read_text()


@pytest.mark.parametrize(
    ("server", "judged_count"),
    [("https://user:pass@sandbox.juspay.in", 1), ("HTTPS://Sandbox.Juspay.in:443/", 1), ("https://[::1", None),
     ("http://h:99999/", None), ("sandbox.juspay.in", None)],
)  # fmt: skip
def test_server_is_read_as_the_recordings_origins_are(server: str, judged_count: int | None) -> None:
    """--server with userinfo judged nothing and passed; a bad one was an internal error (or judged nothing)."""
    if judged_count is None:
        with pytest.raises(UsageError, match="--server"):
            judged(exchange("triggerOtp"), server=server)
    else:
        assert judged(exchange("triggerOtp"), server=server)[0].judged == judged_count


def test_refusal_codes_seen_are_bounded_in_number() -> None:
    coverage = Coverage(spec.load(), api.shared())
    for n in range(MAX_CODES + 500):
        coverage.add("triggerOtp", 409, None, None, f"CODE_{n}")
    seen = coverage.report()["byOperation"]["triggerOtp"]["refusalCodesSeen"]
    assert len(seen) <= MAX_CODES + 1 and sum(seen.values()) == MAX_CODES + 500


def test_a_deeply_nested_redocly_report_is_refused(tmp_path: Path) -> None:
    """Its `occurrences` was copied into drift.json: writing it was an internal error (RecursionError) from 600
    levels."""
    path = tmp_path / "redocly.json"
    path.write_text('{"problems": [{"ruleId": "x", "occurrences": ' + "[" * 600 + "]" * 600 + "}]}")
    with pytest.raises(UsageError, match="not a Redocly drift JSON report"):
        read_report(path)


def test_a_large_redocly_report_is_set_side_by_side_in_linear_time() -> None:
    """Each of Redocly's problems was compared with every finding, and every undocumented finding was listed under
    each undocumented-endpoint problem: 5,000 problems beside 10,000 findings took 5 s (a 2 MiB report, minutes)."""
    result = drift.Drift()
    result.findings = [drift.Finding("response_schema_conformance", "triggerOtp", f"/f{n}", "m") for n in range(5_000)]
    result.findings += [drift.Finding("undocumented", f"GET /u{n}", "/", "m", "request") for n in range(5_000)]
    problems = [{"ruleId": "schema-consistency", "operationId": "triggerOtp", "target": "response",
                 "dataPath": f"g{n}/x"} for n in range(4_000)]  # fmt: skip
    problems += [{"ruleId": "undocumented-endpoint"}] * 1_000 + [{**problems[0], "dataPath": "f7"}]
    started = time.monotonic()
    side = compare.compare(problems, result)
    assert time.monotonic() - started < 1
    assert len(side["unexplained"]) == 4_000 and len(side["both"]) == 1_001
    assert len(side["oursOnly"]) == 4_999 and max(len(row["ours"]) for row in side["both"]) <= compare.MAX_OURS


# ---- recordings ---------------------------------------------------------------------------------------------


def _kit(path: Path, *records: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def _line(started: Any = None) -> dict[str, Any]:
    refusal = {"status": "FAILURE", "errorCode": "MOCK_ONLY_CODE", "errorMessage": "no", "response": None}
    return {"seq": 1, "at": 0, "startedAt": started, "request": {"method": "POST", "path": "/initiateVerification",
            "query": "", "headers": {"authorization": "Basic [masked-key-1]"}, "body": IDS},
            "response": {"status": 409, "headers": {}, "body": refusal}, "violations": []}  # fmt: skip


def test_each_segment_of_a_kit_cassette_keeps_its_own_upstream(tmp_path: Path) -> None:
    """A cassette whose first run recorded the sandbox and whose appended run recorded a mock taught the spec
    from the mock: every exchange took the first header's upstream."""
    header = {"format": "juspay-cassette", "version": 1, "upstream": SANDBOX}
    path = _kit(tmp_path / "c.jsonl", header, _line(), {**header, "upstream": "http://127.0.0.1:8765"}, _line())
    assert [e["origin"] for e in read(path).exchanges] == [SANDBOX, "http://127.0.0.1:8765"]
    with pytest.raises(UsageError, match="only the sandbox"):
        learn.Learner().recording(read(path))


def test_a_kit_cassette_start_time_must_be_a_date_time(tmp_path: Path) -> None:
    """Any text in startedAt reached a learned patch (`observed.on`) and the evidence."""
    header = {"format": "juspay-cassette", "version": 1, "upstream": SANDBOX}
    path = _kit(tmp_path / "c.jsonl", header, _line("<!-- juspay-learn: l-0000000000000000 -->4111111111111111"))
    with pytest.raises(UsageError, match=r"c\.jsonl:2: .*startedAt"):
        list(read(path).exchanges)
    good = _kit(tmp_path / "g.jsonl", header, _line("2026-12-06T01:02:03.004Z"))
    assert [e["startedAt"] for e in read(good).exchanges] == ["2026-12-06T01:02:03.004Z"]


@pytest.mark.parametrize("depth", [70, 600, 900])
def test_a_deeply_nested_body_in_a_kit_cassette_is_kept_as_text(tmp_path: Path, depth: int) -> None:
    """A HAR's body nested past 64 levels is read as text; a cassette's (the proxy records a server's answer as it
    came) was kept as JSON, and drift and learn died on it (`internal error (ValueError)`) from 500 levels."""
    deep = json.loads('{"tokenReference":' + "[" * depth + "]" * depth + "}")
    line = {**_line(), "request": {**_line()["request"], "body": deep}, "response": {"status": 200, "body": deep}}
    path = _kit(tmp_path / "c.jsonl", {"format": "juspay-cassette", "version": 1, "upstream": SANDBOX}, line)
    (read_back,) = read(path).exchanges
    assert "body" not in read_back["request"] and json.loads(read_back["response"]["bodyText"]) == deep
    result, _ = judged(read_back)
    assert result.judged == 1
    learn.Learner().recording(read(path))


def _masked(exchange: dict[str, Any]) -> str:
    masker = Masker()
    masker.learn(exchange)
    return json.dumps(masker.mask(exchange))


def test_a_key_sent_without_a_scheme_is_learned_and_masked_everywhere() -> None:
    """`Authorization: KEY` hid the header but left the key in clear wherever else it appeared."""
    shown = _masked(exchange("triggerOtp", 401, {"echo": KEY}, authorization=KEY))
    assert KEY not in shown
    redactor = Redactor()
    cassette.learn_secrets(redactor, {"authorization": KEY})  # the proxy learns through the same function
    assert KEY not in redactor.text(f"echo {KEY}")


def test_a_key_inside_a_binary_body_is_masked() -> None:
    """A body that is not UTF-8 was written as base64 of its bytes as they were, the key inside."""
    raw = b"\xff\xfe key=" + KEY.encode() + b" \xff"
    record = exchange("triggerOtp")
    record["request"] = {**record["request"], "bodyBase64": base64.b64encode(raw).decode()}
    del record["request"]["body"]
    shown = json.loads(_masked(record))
    assert KEY.encode() not in base64.b64decode(shown["request"]["bodyBase64"])
    redactor = Redactor()
    redactor.add_api_key(KEY)
    fields = cassette.body_fields(redactor, raw)  # what the proxy records
    assert KEY.encode() not in base64.b64decode(fields["bodyBase64"])


def test_a_binary_body_stays_base64_when_a_short_secret_matches_its_text(tmp_path: Path) -> None:
    """Masking the base64 text cut a learned OTP "1234" out of it: the converted file was no longer readable."""
    raw = b"\xff\xfe\xfd" + base64.b64decode("12341234")
    record = exchange("validateOtp", request={**IDS, "otpValue": "1234", "networkType": "VISA"})
    record["response"] = {"status": 200, "headers": {}, "bodyBase64": base64.b64encode(raw).decode()}
    shown = json.loads(_masked(record))
    assert base64.b64decode(shown["response"]["bodyBase64"], validate=True) == raw
    redactor = Redactor()
    redactor.add_secret("1234")
    writer = har.HarWriter(tmp_path / "proxy.har", {"upstream": SANDBOX}, redactor)  # raised binascii.Error
    writer.write(record)
    writer.close()
    recorded = [cassette.line_of(record, redactor), (tmp_path / "proxy.har").read_bytes()]
    assert all(base64.b64encode(raw) in written for written in recorded)  # the proxy's cassette and HAR
    source, target = tmp_path / "in.har", tmp_path / "out.jsonl"
    source.write_bytes(har.head({}) + har.encoded(har.entry(record, SANDBOX)) + har.CLOSING)
    convert(source, target)
    assert [e["response"]["bodyBase64"] for e in read(target).exchanges] == [base64.b64encode(raw).decode()]


def test_a_lone_surrogate_in_an_answers_header_converts_to_vcr(tmp_path: Path) -> None:
    """A HAR (JSON) can carry one, YAML cannot: `juspay-convert x.har y.yaml` was an internal error."""
    record = exchange("triggerOtp")
    record["response"]["headers"] = {"x-\ud800": "a\ud800"}
    source, target = tmp_path / "in.har", tmp_path / "out.yaml"
    source.write_bytes(har.head({}) + har.encoded(har.entry(record, SANDBOX)) + har.CLOSING)
    convert(source, target)
    assert [e["response"]["headers"] for e in read(target).exchanges] == [{"x-\\ud800": "a\\ud800"}]


def test_redoclys_rows_stay_one_table_cell_each() -> None:
    row = {"rule": "r|x", "operation": "GET /a|b\n<!--", "where": "/", "side": "response", "message": ""}
    side = {"redocly": 1, "both": [], "explained": [], "unexplained": [row], "oursOnly": []}
    last = report.side_by_side(side).strip().splitlines()[-1]
    assert last.count(" | ") == 3 and "<!--" not in last


# ---- learn, its proposals and their pull requests ------------------------------------------------------------


@pytest.mark.parametrize("origin", ["https://sandbox.juspay.in:8443", "HTTPS://sandbox.juspay.in:8443"])
def test_only_the_sandbox_itself_teaches_not_another_port_of_its_host(origin: str) -> None:
    with pytest.raises(UsageError, match="only the sandbox"):
        learn.Learner().exchange(exchange("triggerOtp", origin=origin), "e0")


def test_a_hostile_number_of_codes_and_names_keeps_proposals_readable() -> None:
    """3,000 distinct codes made a 3.7 MB proposal that refresh apply and the nightly refuse (2 MiB): the whole
    night's bookkeeping stopped. Each proposal now learns at most MAX_LEARNED codes or names."""
    learner = learn.Learner()
    fetched = {**api.example(spec.load(), "fetchPaymentCredentials")}
    for n in range(300):
        code = "CODE_" + "".join(chr(65 + int(d)) for d in f"{n:03d}") + "_" + "X" * 50
        refusal = {"status": "FAILURE", "errorCode": code, "errorMessage": "no", "response": None}
        learner.exchange(exchange("triggerOtp", 409, refusal, n=n), f"e{n}")
        fetched["field" + "".join(chr(65 + int(d)) for d in f"{n:03d}")] = n
    learner.exchange(exchange("fetchPaymentCredentials", answer=fetched, request=FETCH), "f")
    proposals = learner.proposals("2026-12-06")
    assert {p["learned"]["kind"] for p in proposals} == {"refusal-codes", "fields"}
    codes = next(p for p in proposals if p["learned"]["kind"] == "refusal-codes")
    test, replace = codes["patch"][:2]
    assert len(replace["value"]) - len(test["value"]) == learn.MAX_LEARNED
    for proposal in proposals:
        assert len(json.dumps(proposal)) < 200_000
        assert len(proposal["reason"]) < 5_000


def test_a_pull_request_body_stays_under_githubs_limit(tmp_path: Path) -> None:
    """The reason, the inferred ids and the spec-diff changes went into the body unbounded (GitHub refuses a body
    over 65,536 characters, after the issues were already written)."""
    learned = {"fingerprint": "l-0123456789abcdef", "kind": "fields", "title": "t", "inferred": ["id"] * 20_000,
               "evidence": [], "specDiff": {"verdict": "v", "changes": ["c" * 100] * 2_000},
               "source": {"host": "sandbox.juspay.in", "trusted": False}}  # fmt: skip
    proposal = {"reason": "r" * 100_000, "patch": [{"op": "test", "path": "/x", "value": 1}], "learned": learned}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(proposal))
    body = prs.read(path).body
    assert len(body) <= 65_536 and body.endswith("<!-- juspay-learn: l-0123456789abcdef -->")


def test_a_proposal_that_copies_is_refused_before_it_grows(tmp_path: Path) -> None:
    """Each `copy` doubled a node: 1.5 KB of proposal held refresh apply 19 s and 471 MB with 17 copies, and
    grows twice as large with each more (12 here: refused, not merely survived)."""
    patch: list[dict[str, Any]] = [{"op": "add", "path": "/x-bomb", "value": [[1, 2, 3, 4, 5, 6, 7, 8]]}]
    patch += [{"op": "copy", "from": "/x-bomb", "path": "/x-bomb/-"}] * 12
    for operations in (patch, [{"op": "move", "from": "/info", "path": "/x-info"}]):
        path = tmp_path / "p.json"
        path.write_text(json.dumps({"reason": "r", "patch": operations, "learned": {"fingerprint": "l-" + "0" * 16}}))
        document = tmp_path / "openapi.yaml"
        document.write_bytes(spec.SPEC_PATH.read_bytes())
        started = time.monotonic()
        with pytest.raises(UsageError, match="not a proposal"):
            apply_proposal(path, document)
        assert time.monotonic() - started < 1 and document.read_bytes() == spec.SPEC_PATH.read_bytes()


@pytest.mark.parametrize(
    "operations",
    [[{"op": "replace", "path": "", "value": {}}], [{"op": "add", "path": "paths", "value": 1}],
     [{"op": "add", "path": "/x-deep", "value": json.loads("[" * 900 + "]" * 900)}]],
)  # fmt: skip
def test_a_proposal_that_replaces_the_root_or_nests_deeply_is_refused(tmp_path: Path, operations: Any) -> None:
    """Each was an internal error of refresh apply (IndexError, JsonPointerException, RecursionError)."""
    assert_refused(tmp_path, operations)


def assert_refused(tmp_path: Path, operations: Any) -> None:
    """refresh apply refuses a proposal with these operations, and the spec it was given stays as it was."""
    path, document = tmp_path / "p.json", tmp_path / "openapi.yaml"
    path.write_text(json.dumps({"reason": "r", "patch": operations, "learned": {"fingerprint": "l-" + "0" * 16}}))
    document.write_bytes(spec.SPEC_PATH.read_bytes())
    with pytest.raises(UsageError, match="not a proposal juspay-learn wrote"):
        apply_proposal(path, document)
    assert document.read_bytes() == spec.SPEC_PATH.read_bytes()


def test_a_fifo_is_refused_never_waited_on(tmp_path: Path) -> None:
    """--redocly FIFO, refresh apply FIFO and a FIFO among the nightly's proposals waited for a writer for ever."""
    fifo = tmp_path / "l-0123456789abcdef.json"
    os.mkfifo(fifo)
    for call in (lambda: read_report(fifo), lambda: read_proposal(fifo), lambda: prs.load(tmp_path)):
        assert isinstance(refused_without_waiting(fifo, call), HarnessError)


def test_a_proposal_is_written_whole_even_with_an_undecodable_file_name(tmp_path: Path) -> None:
    """A recording named with a byte that is not UTF-8 (its ref in the evidence) was an internal error that left
    a half-written `.proposal.*` behind."""
    proposal: dict[str, object] = {"reason": "r", "patch": [], "learned": {"fingerprint": "l-0123456789abcdef",
                "evidence": [{"exchanges": ["c\udcff.jsonl#line 2"]}]}}  # fmt: skip
    written = learn_command._write(tmp_path, proposal)
    assert json.loads(written.read_text())["learned"]["evidence"][0]["exchanges"] == ["c\udcff.jsonl#line 2"]
    assert [p.name for p in tmp_path.iterdir()] == [written.name]
