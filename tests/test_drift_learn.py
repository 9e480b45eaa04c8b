"""juspay-drift and juspay-learn on hand-built exchanges (in-process, no server): no false drift on a conformant
journey, recorded masking and filtering understood, --server prefixes, each journey rule read off the recorded
order, and learn's bounds on what a hostile answer may teach."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from juspay_kit import api, spec
from juspay_kit.errors import RefreshError, UsageError
from juspay_kit.proxy.recordings import Recording
from juspay_kit.redact import Redactor
from juspay_kit.refresh.learned import apply_proposal
from juspay_kit.traffic import drift, report
from juspay_kit.traffic.learn import Learner

KEY = "sk_drift_test_5e1f0a"
SANDBOX = "https://sandbox.juspay.in"
SAMPLES = {op.operation_id: api.example(spec.load(), op.operation_id) for op in api.shared()}
IDS = {"tokenReference": "tr-1", "vProvisionedTokenId": "vp-1", "clientReferenceId": "c-1"}
REQUESTS = {
    "provisionTokenAndCreatePasskey": {"customerId": "cu-1", "sessionContext": {"secureToken": "st"}},
    "triggerOtp": {**IDS, "stepUpRequestId": "cw=="},
    "validateOtp": {**IDS, "otpValue": "123456", "networkType": "VISA"},
    "setupAgenticPayment": {"cardNetwork": "VISA", "clientReferenceId": "c-1", "vProvisionedTokenId": "vp-1",
                            "customerId": "cu-1", "verificationData": {"verifyType": "PASSKEY"}},
    "fetchPaymentCredentials": {"networkType": "VISA", "vProvisionedTokenId": "vp-1", "clientReferenceId": "c-1",
                                "nwTransactionId": "n-1", "transactionDetails": []},
}  # fmt: skip
BASIC = "Basic " + api.encode_basic(KEY)


def exchange(
    operation: str, status: int = 200, answer: Any = None, request: Any = None, **options: Any
) -> dict[str, Any]:
    headers = {"authorization": options.get("authorization", BASIC), "x-merchantid": "m-1",
               "content-type": "application/json"}  # fmt: skip
    headers = {k: v for k, v in headers.items() if v is not None}
    return {
        "origin": options.get("origin", SANDBOX), "ref": f"e{options.get('n', 0)}", "startedAt": None,
        "request": {"method": "POST", "path": options.get("path", api.path_of(operation)), "query": "",
                    "headers": headers, "body": REQUESTS[operation] if request is None else request},
        "response": {"status": status, "headers": {"content-type": "application/json"},
                     "body": SAMPLES[operation] if answer is None else answer},
    }  # fmt: skip


def recording(*exchanges: dict[str, Any]) -> Recording:
    return Recording("har", Path("t.har"), SANDBOX, iter(exchanges))


def judged(*exchanges: dict[str, Any], server: str | None = None) -> drift.Drift:
    return drift.drift([recording(*exchanges)], server=server)


JOURNEY = ["provisionTokenAndCreatePasskey", "triggerOtp", "validateOtp", "setupAgenticPayment",
           "fetchPaymentCredentials"]  # fmt: skip


def provisioned() -> dict[str, Any]:
    return exchange("provisionTokenAndCreatePasskey", answer={**SAMPLES["provisionTokenAndCreatePasskey"], **IDS})


def test_a_conformant_journey_drifts_nowhere_and_every_report_says_so(tmp_path: Path) -> None:
    result = judged(provisioned(), *(exchange(op) for op in JOURNEY[1:]))
    assert result.failures == 0, [f.as_dict() for f in result.findings]
    assert result.coverage["operations"] == "5/5"
    report.write(result, tmp_path, Redactor())
    assert json.loads((tmp_path / "drift.sarif").read_text())["runs"][0]["results"] == []
    assert "✅ no drift" in (tmp_path / "drift.md").read_text()


@pytest.mark.parametrize(
    ("authorization", "found"),
    [("Basic [masked-key-1]", False), ("Bearer abcdefgh", True), ("Basic bm90IGEga2V5", False)],
    ids=["masked-on-record", "not-basic", "basic"],
)
def test_an_authorization_masked_on_record_counts_as_basic(authorization: str, found: bool) -> None:
    result = judged(exchange("triggerOtp", authorization=authorization))
    assert any(f.check == "basic_auth" for f in result.findings) is found


def test_a_recording_with_no_authorization_at_all_is_not_held_to_basic_auth() -> None:
    result = judged(exchange("triggerOtp", authorization=None), exchange("validateOtp", authorization=None))
    assert not [f for f in result.findings if f.check == "basic_auth"]
    assert any("Authorization" in note for note in result.notes)


def test_server_prefix_is_stripped_and_the_rest_is_outside_or_undocumented() -> None:
    result = judged(
        exchange("triggerOtp", path="/api/v2/initiateVerification"),
        exchange("triggerOtp", path="/api/v2/initiateVerification", origin="https://other.example"),
        exchange("triggerOtp", path="/elsewhere/initiateVerification"),
        exchange("triggerOtp", path="/api/v2/initiateVerificationV2"),
        server=SANDBOX + "/api/v2/",
    )
    assert (result.judged, result.outside) == (2, 2)
    assert [(f.check, f.operation) for f in result.findings] == [("undocumented", "POST /initiateVerificationV2")]


def _verdicts(*steps: dict[str, Any]) -> dict[str, str]:
    return {v.rule.id: v.verdict for v in judged(*steps).rules}


REFUSED_FETCH = {"status": "FAILURE", "errorCode": "INSTRUCTION_NOT_FOUND", "errorMessage": "none"}
LIMITS = {"maxOTPVerificationAllowed": 2, "maxOTPRequestsAllowed": 2, "codeExpiration": 5}
TRIGGERED = {**SAMPLES["triggerOtp"], "response": LIMITS}
WRONG = {"status": "FAILURE", "responseCode": "INVALID_OTP", "responseMessage": "wrong"}


@pytest.mark.parametrize(
    ("steps", "rule", "verdict"),
    [
        ([("fetchPaymentCredentials", 200, None)], "fetch-before-setup", "contradicted"),
        ([("fetchPaymentCredentials", 400, REFUSED_FETCH)], "fetch-before-setup", "confirmed"),
        (
            [("setupAgenticPayment", 200, None), ("fetchPaymentCredentials", 200, None)],
            "fetch-before-setup",
            "not_exercised",
        ),
        ([("triggerOtp", 200, TRIGGERED)] * 3, "trigger-request-limit", "contradicted"),
        ([("triggerOtp", 200, TRIGGERED)] * 2 + [("triggerOtp", 429, None)], "trigger-request-limit", "confirmed"),
        (
            [
                ("triggerOtp", 200, TRIGGERED),
                ("validateOtp", 400, WRONG),
                ("validateOtp", 400, WRONG),
                ("validateOtp", 200, None),
            ],
            "validate-lockout",
            "contradicted",
        ),
        ([("provision", 200, None), ("setupAgenticPayment", 200, None)], "setup-before-binding", "contradicted"),
        (
            [("provision", 200, None), ("validateOtp", 200, None), ("setupAgenticPayment", 200, None)],
            "setup-before-binding",
            "not_exercised",
        ),
    ],  # fmt: skip
    ids=[
        "fetch-first-accepted",
        "fetch-first-refused",
        "setup-then-fetch",
        "past-the-limit",
        "limit-kept",
        "accepted-after-lockout",
        "setup-unbound",
        "setup-bound",
    ],  # fmt: skip
)
def test_each_journey_rule_is_read_off_the_recorded_order(steps: list[Any], rule: str, verdict: str) -> None:
    built = []
    for operation, status, answer in steps:
        refusal = {
            "status": "FAILURE",
            "errorCode": "OTP_REQUEST_LIMIT_EXCEEDED",
            "errorMessage": "x",
            "response": None,
        }
        if operation == "provision":
            built.append(provisioned())
            continue
        built.append(exchange(operation, status, answer if answer is not None or status == 200 else refusal))
    assert _verdicts(*built)[rule] == verdict


CRYPTOGRAM = "ZXCVBNMQWERTYU"  # a credential the traffic shows only after a code that carries it
HOSTILE_CODES = ["lower_case", "A" * 65, KEY.upper(), "CARD_4000123412349876", "X", "OK\nCODE", "PLAIN_NEW_CODE",
                 "CARD_4000123412", "REF_987654321", CRYPTOGRAM]  # fmt: skip


def test_learn_teaches_only_bounded_plain_codes_and_names_never_a_value_or_a_secret() -> None:
    learner = Learner()
    steps = [exchange("triggerOtp", authorization="Basic " + api.encode_basic(KEY.upper()), n=0)]
    for n, code in enumerate(HOSTILE_CODES, 1):
        answer = {"status": "FAILURE", "errorCode": code, "errorMessage": "no", "response": None}
        steps.append(exchange("triggerOtp", 409, answer, n=n))
    fetched = {**SAMPLES["fetchPaymentCredentials"], "tokenNumber": "4000123412349876", "panRef": "PR-SECRET-VALUE-1",
               "cryptogram": CRYPTOGRAM,
               "x" * 65: 1, "field4000123412349876": 2, "<!--x-->": 3}  # fmt: skip
    steps.append(exchange("fetchPaymentCredentials", 200, fetched, n=99))
    for step in steps:
        learner.exchange(step, step["ref"])
    proposals = learner.proposals("2026-12-06")
    text = json.dumps(proposals)
    assert {p["learned"]["kind"] for p in proposals} == {"refusal-codes", "fields"}
    codes = next(p for p in proposals if p["learned"]["kind"] == "refusal-codes")
    test, replace = codes["patch"][:2]
    assert replace["value"][len(test["value"]) :] == ["PLAIN_NEW_CODE"]  # the one plain code, and nothing else
    fields = next(p for p in proposals if p["learned"]["kind"] == "fields")
    assert [op["path"].rsplit("/", 1)[-1] for op in fields["patch"]] == ["panRef"]
    for forbidden in ("PR-SECRET-VALUE-1", "4000123412349876", KEY, KEY.upper(), "lower_case", "<!--"):
        assert forbidden not in text


@pytest.mark.parametrize("origin", ["http://sandbox.juspay.in", "https://api.juspay.in", "http://127.0.0.1:8765", ""])
def test_only_the_sandbox_teaches(origin: str) -> None:
    with pytest.raises(UsageError, match="only the sandbox"):
        Learner().exchange(exchange("triggerOtp", origin=origin), "e0")
    Learner(trusted=True).exchange(exchange("triggerOtp", origin=origin), "e0")  # tests mark stand-ins trusted


def test_a_lesson_keeps_its_fingerprint_as_evidence_grows_and_applies_once(tmp_path: Path) -> None:
    refused = {"status": "FAILURE", "errorCode": "NEW_CODE_A", "errorMessage": "no", "response": None}
    found = []
    for times in (1, 3):
        learner = Learner()
        for n in range(times):
            learner.exchange(exchange("triggerOtp", 409, refused, n=n), f"e{n}")
        (lesson,) = learner.proposals("2026-12-06")
        found.append(lesson)
    assert found[0]["learned"]["fingerprint"] == found[1]["learned"]["fingerprint"]
    assert [p["learned"]["evidence"][0]["count"] for p in found] == [1, 3]
    assert found[1]["learned"]["inferred"] == ["trigger-refusal-codes"]
    observed = found[1]["patch"][3]["value"]["observed"]  # the code list's mark: observed, still inferred
    assert observed["count"] == 3 and observed["learned"] == ["NEW_CODE_A"]
    document, proposal = tmp_path / "openapi.yaml", tmp_path / "p.json"
    document.write_bytes(spec.SPEC_PATH.read_bytes())
    proposal.write_text(json.dumps(found[1]))
    apply_proposal(proposal, document)
    applied = document.read_bytes()
    with pytest.raises(RefreshError):  # a second time it no longer applies: nothing is written
        apply_proposal(proposal, document)
    assert document.read_bytes() == applied


def test_an_undocumented_status_and_a_refusal_no_envelope_matches_are_learned_as_names_and_types() -> None:
    learner = Learner()
    locked = {"status": "FAILURE", "errorCode": "SESSION_LOCKED", "errorMessage": "locked", "response": None}
    odd = {"result": "FAILURE", "reasonCode": 17, "detail": {"hint": "the value never reaches the spec"}}
    for n, (status, answer) in enumerate([(423, locked), (423, locked), (409, odd)]):
        learner.exchange(exchange("triggerOtp", status, answer, n=n), f"e{n}")
    proposals = {p["learned"]["kind"]: p for p in learner.proposals("2026-12-06")}
    assert set(proposals) == {"status", "envelope"}
    added = proposals["status"]["patch"][0]
    assert added["path"].endswith("/responses/423") and added["value"]["x-inferred"]["observed"]["count"] == 2
    assert added["value"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/TriggerOtpRefusal"}
    envelope = proposals["envelope"]["patch"][0]["value"]
    assert envelope["properties"] == {"detail": {"type": "object"}, "reasonCode": {"type": "integer"},
                                      "result": {"type": "string"}}  # fmt: skip
    assert "never reaches" not in json.dumps(proposals)


def test_a_recording_shared_between_processes_is_judged_as_one_process_judges_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from juspay_kit.bench.drift import SERVER, build_har
    from juspay_kit.proxy.recordings import read
    from juspay_kit.traffic import shares

    monkeypatch.setattr(shares, "PARALLEL_FROM", 100)  # shared, though small: the test stays cheap
    har = build_har(tmp_path / "t.har", 118)  # journeys of five, cut by the shares (41, 79); planted at 0 and 100
    alone, shared = drift.Judge(server=SERVER), drift.Judge(server=SERVER)
    alone.recording(read(har))
    shares.judge(shared, lambda: read(har), 3)
    one, three = alone.finish().as_dict(), shared.finish().as_dict()
    assert one["failures"] > 0 and one == three
    assert set(alone.redactor.learned()) == set(shared.redactor.learned())  # every share's secrets mask the reports


def test_the_key_and_the_newest_credentials_stay_masked_after_thousands_of_journeys() -> None:
    """A redactor keeps the newest 1,000 secrets: the key, learned at the first exchange, was forgotten once a
    recording's answers had carried 1,000 credentials more, and any report text holding it went out unmasked."""
    fetch = SAMPLES["fetchPaymentCredentials"]
    answers = [{**fetch, "tokenNumber": f"4{n:015d}", "cryptogram": f"cr{n:012d}"} for n in range(1100)]
    judge = drift.Judge()
    judge.recording(recording(*(exchange("fetchPaymentCredentials", answer=a, n=n) for n, a in enumerate(answers))))
    masked = judge.redactor.text(f"{KEY} {answers[-1]['tokenNumber']} {answers[-1]['cryptogram']}")
    assert KEY not in masked and "4000000000001099" not in masked and "cr000000001099" not in masked, masked


def test_a_workers_fault_or_bug_is_the_parents_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """A fault in an entry only a worker judges stops the run as the parent's own would; a bug in a worker is
    named on one line by the parent, and the worker prints no traceback."""
    from juspay_kit.bench.drift import SERVER, build_har
    from juspay_kit.proxy.recordings import read
    from juspay_kit.traffic import shares

    har = build_har(tmp_path / "t.har", shares.PARALLEL_FROM)
    document = json.loads(har.read_text())
    document["log"]["entries"][3990]["response"]["status"] = "x"
    (tmp_path / "bad.har").write_text(json.dumps(document))
    with pytest.raises(UsageError, match=r"log\.entries\[3990\]\.response\.status"):
        shares.judge(drift.Judge(server=SERVER), lambda: read(tmp_path / "bad.har"), 2)

    def bug(self: drift.Judge, exchange: dict[str, Any], ref: str) -> None:
        if "[3990]" in ref:
            raise ZeroDivisionError

    monkeypatch.setattr(drift.Judge, "exchange", bug)  # the worker forks with it
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        shares.judge(drift.Judge(server=SERVER), lambda: read(har), 2)
    assert "Traceback" not in capfd.readouterr().err


def test_a_file_that_cannot_hold_enough_entries_to_share_forks_no_process(tmp_path: Path) -> None:
    """Any file of 128 KiB forked a worker that parsed the whole of it for nothing (memory twice over for a few
    large bodies): a file is shared only when it may hold PARALLEL_FROM entries."""
    from juspay_kit.bench.drift import build_har
    from juspay_kit.traffic import shares

    few = build_har(tmp_path / "few.har", shares.PARALLEL_FROM - 1).read_bytes()
    assert len(few) > 1_000_000 and not shares.worth_sharing(few)
    assert shares.worth_sharing(build_har(tmp_path / "enough.har", shares.PARALLEL_FROM).read_bytes())


def test_counters_are_learned_only_when_the_sandbox_always_sends_the_field_tables_form() -> None:
    table = {"MaxOTPVerificationAllowed": "3", "MaxOTPRequestsAllowed": "3", "CodeExpiration": "5"}
    sample = SAMPLES["triggerOtp"]
    for answers, kinds in (([table, table], {"counters"}), ([table, sample["response"]], set())):
        learner = Learner()
        for n, limits in enumerate(answers):
            learner.exchange(exchange("triggerOtp", 200, {**sample, "response": limits}, n=n), f"e{n}")
        assert {p["learned"]["kind"] for p in learner.proposals("2026-12-06")} == kinds


def test_every_report_masks_what_the_redactor_learned_even_a_text_the_judge_left_alone(tmp_path: Path) -> None:
    result = judged(exchange("triggerOtp", authorization="Bearer x"))  # a basic_auth finding
    result.findings[0].message = f"the credential {KEY} was refused"  # as if a check had quoted a value
    redactor = Redactor()
    redactor.add_api_key(KEY)
    report.write(result, tmp_path, redactor)
    for name in ("drift.json", "drift.md", "drift-junit.xml", "drift.sarif"):
        text = (tmp_path / name).read_text()
        assert "the credential" in text and KEY not in text, name


def test_a_proposal_masks_what_the_recording_taught_even_in_where_its_evidence_points(tmp_path: Path) -> None:
    refused = {"status": "FAILURE", "errorCode": "NEW_CODE_B", "errorMessage": "no", "response": None}
    learner = Learner()
    learner.recording(Recording("har", Path(f"night-{KEY}.har"), SANDBOX, iter([exchange("triggerOtp", 409, refused)])))
    (proposal,) = learner.proposals("2026-12-06")
    assert "NEW_CODE_B" in json.dumps(proposal) and KEY not in json.dumps(proposal)


def test_how_deep_a_recording_may_nest_is_the_same_with_any_number_of_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python's parser recurses from where it is called: a worker parses several frames deeper than its parent, and
    the parent deeper than --jobs 1, so a HAR nesting nearly as deep as Python recurses (in a field no reader
    reads) was judged by --jobs 1 and refused, "nested too deeply", by --jobs 2."""
    import sys

    from juspay_kit.proxy import har
    from juspay_kit.proxy.recordings import read
    from juspay_kit.traffic import shares

    monkeypatch.setattr(shares, "PARALLEL_FROM", 2)
    path, text = tmp_path / "t.har", json.dumps({"log": {"entries": [har.entry(exchange("triggerOtp"), SANDBOX)] * 2}})

    def reads(depth: int) -> bool:
        path.write_text(f'{text[:-1]}, "_deep": {"[" * depth}{"]" * depth}}}')
        try:
            return read(path).size == 2
        except UsageError:
            return False

    assert next(depth for depth in range(sys.getrecursionlimit(), 0, -1) if reads(depth)) > 100
    shares.judge(judge := drift.Judge(), lambda: read(path), 2)
    assert judge.finish().exchanges == 2


def test_the_secrets_of_a_text_are_learned_a_pair_at_a_time() -> None:
    """Every `"otpValue": ...` and form pair of a body read as text, or of a query (which no cap bounds), was listed
    before the newest 1,000 were kept: a text of a million pairs took 14 times its size."""
    import tracemalloc

    sent = exchange("validateOtp", request={})
    del sent["request"]["body"]
    sent["request"]["bodyText"] = "".join(f'"otpValue": "{n:08d}",' for n in range(20_000))
    sent["request"]["query"] = "&".join(f"otpValue=q{n:07d}" for n in range(20_000))
    judge = drift.Judge()
    tracemalloc.start()
    judge.secrets(sent)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1_000_000 and judge.redactor.text("00019999") == "[masked]"  # the newest, of the text read last


def test_a_key_back_after_hundreds_of_others_is_masked_again() -> None:
    """Drift teaches each Authorization value once: 600 keys later the redactor had forgotten the first, its return
    taught nothing, and a finding naming it (an undocumented path) went out in clear."""
    first = [exchange("triggerOtp", authorization=f"Basic {api.encode_basic('sk_first_Kq27vXw9')}", path=p)
             for p in ("/", "/echo/sk_first_Kq27vXw9")]  # fmt: skip
    others = [exchange("triggerOtp", authorization=f"Basic {api.encode_basic(f'sk_{n:08d}')}") for n in range(600)]
    assert "Kq27vXw9" not in json.dumps(judged(first[0], *others, first[1]).as_dict())
