"""The nightly job's issue bookkeeping, against recorded summaries and a loopback stand-in for GitHub's API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from juspay_kit import nightly
from juspay_kit.spec import ROOT

RUN = "https://github.example/runs/7"
SCHEMA = {"operation": "triggerOtp", "check": "response_schema_conformance", "title": "Response violates schema",
          "message": "3 is not of type 'string'", "reproduce": "curl -X POST ..."}  # fmt: skip
STATUS = {"operation": "validateOtp", "check": "status_code_conformance", "title": "Undocumented HTTP status code"}


def summary(*violations: dict[str, Any], outage: str | None = None) -> dict[str, Any]:
    outcome = "violations" if violations else "passed"
    if outage:
        outcome = "violations_cut_short" if violations else "target_unreachable"
    return {"outcome": outcome, "violations": list(violations), "outage": outage}


def issue(number: int, finding: nightly.Finding | str) -> dict[str, Any]:
    marker = finding if isinstance(finding, str) else finding.fingerprint
    return {"number": number, "body": f"...\n<!-- juspay-nightly: {marker} -->"}


def kinds(actions: list[nightly.Action]) -> list[tuple[str, int | None]]:
    return [(a.kind, a.issue) for a in actions]


def test_each_violation_gets_its_own_issue_once() -> None:
    actions = nightly.plan(summary(SCHEMA, STATUS), [], [], RUN)
    assert kinds(actions) == [("open", None), ("open", None)]
    assert {a.label for a in actions} == {"contract-violation"}
    assert "response_schema_conformance" in actions[0].title and RUN in actions[0].body
    schema = nightly.findings(summary(SCHEMA))[0]
    again = nightly.plan(summary(SCHEMA, STATUS), [], [issue(12, schema)], RUN)
    assert kinds(again) == [("comment", 12), ("open", None)]  # the known one is updated, the new one opened


def test_a_violation_no_longer_seen_is_closed_but_not_after_a_cut_short_run() -> None:
    schema = nightly.findings(summary(SCHEMA))[0]
    assert kinds(nightly.plan(summary(), [], [issue(12, schema)], RUN)) == [("comment", 12), ("close", 12)]
    cut_short = nightly.plan(summary(STATUS, outage="timed out"), [], [issue(12, schema)], RUN)
    assert ("close", 12) not in kinds(cut_short)
    assert ("open", None) in kinds(cut_short) and any(a.label == "sandbox-outage" for a in cut_short)


def test_an_outage_keeps_one_issue_and_a_complete_run_closes_it() -> None:
    first = nightly.plan(summary(outage="connection refused"), [], [], RUN)
    assert [(a.kind, a.label) for a in first] == [("open", "sandbox-outage")]
    again = nightly.plan(summary(outage="connection refused"), [], [issue(30, "outage")], RUN)
    assert kinds(again) == [("comment", 30)]
    back = nightly.plan(summary(), [], [issue(30, "outage")], RUN)
    assert kinds(back) == [("comment", 30), ("close", 30)]


def test_a_failing_flow_test_is_reported_like_a_violation(tmp_path: Path) -> None:
    junit = tmp_path / "flow.xml"
    junit.write_text('<testsuite><testcase name="test_otp_flow_against_the_sandbox">'
                     '<failure message="AssertionError: refused">trace</failure></testcase>'
                     '<testcase name="test_ok"/></testsuite>')  # fmt: skip
    flow = nightly.flow_failures(junit) or []
    assert [(f.operation, f.check) for f in flow] == [("flow", "test_otp_flow_against_the_sandbox")]
    actions = nightly.plan(summary(), flow, [], RUN)
    assert kinds(actions) == [("open", None)] and "flow test_otp_flow_against_the_sandbox" in actions[0].title


def test_the_script_drives_the_github_api_and_refuses_to_act_without_a_summary(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    schema = nightly.findings(summary(SCHEMA))[0]
    gone = nightly.Finding("validateOtp", "not_a_server_error", "Server error")
    listed = {"contract-violation": [issue(4, schema), issue(5, gone)], "sandbox-outage": []}

    env = {"GITHUB_TOKEN": "t0ken", "GITHUB_REPOSITORY": "acme/kit", "PATH": "/usr/bin:/bin"}
    command = [sys.executable, str(ROOT / "scripts" / "nightly_issues.py"), "--reports", str(reports), "--run-url", RUN]
    with _github_stand_in(listed) as (url, calls):
        absent = subprocess.run(command, capture_output=True, text=True, env={**env, "GITHUB_API_URL": url})
    assert absent.returncode == 2 and "no issue was changed" in absent.stderr and calls == []
    (reports / "summary.json").write_text(json.dumps(summary(SCHEMA, STATUS)))
    with _github_stand_in(listed) as (url, calls):
        ran = subprocess.run(command, capture_output=True, text=True, env={**env, "GITHUB_API_URL": url})
    assert ran.returncode == 0, ran.stderr
    assert calls == [
        ("GET", "/repos/acme/kit/issues?state=open&labels=contract-violation&per_page=100"),
        ("GET", "/repos/acme/kit/issues?state=open&labels=sandbox-outage&per_page=100"),
        ("POST", "/repos/acme/kit/issues/4/comments"),
        ("POST", "/repos/acme/kit/issues"),
        ("POST", "/repos/acme/kit/issues/5/comments"),
        ("PATCH", "/repos/acme/kit/issues/5"),
    ]


def _github_stand_in(listed: dict[str, list[dict[str, Any]]]) -> Any:
    import threading
    from contextlib import contextmanager
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlsplit

    calls: list[tuple[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, data: Any) -> None:
            payload = json.dumps(data).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:  # noqa: N802
            assert self.headers["Authorization"] == "Bearer t0ken"
            calls.append(("GET", self.path))
            self._reply(listed[parse_qs(urlsplit(self.path).query)["labels"][0]])

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            calls.append(("POST", self.path))
            self._reply({})

        def do_PATCH(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            calls.append(("PATCH", self.path))
            self._reply({})

        def log_message(self, *args: Any) -> None:
            pass

    @contextmanager
    def running() -> Any:
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}", calls
        finally:
            server.shutdown()
            server.server_close()

    return running()


def test_only_a_complete_run_closes_a_violation_issue() -> None:
    schema = nightly.findings(summary(SCHEMA))[0]
    for incomplete in ({"budget_exhausted": True}, {"errors": ["the spec could not be loaded"]}):
        assert ("close", 12) not in kinds(nightly.plan(summary() | incomplete, [], [issue(12, schema)], RUN))


def test_a_flow_issue_is_closed_only_by_a_flow_report_that_no_longer_shows_it(tmp_path: Path) -> None:
    failing = nightly.Finding("flow", "test_otp_flow_against_the_sandbox", "assert 409 == 200")
    assert failing.fingerprint.startswith("f-")
    known = [issue(40, failing)]
    assert nightly.flow_failures(tmp_path / "missing.xml") is None
    assert kinds(nightly.plan(summary(), None, known, RUN)) == []  # no report tonight: nothing concluded
    assert kinds(nightly.plan(summary(), [failing], known, RUN)) == [("comment", 40)]  # still failing: kept open
    assert kinds(nightly.plan(summary(), [], known, RUN)) == [("comment", 40), ("close", 40)]


def test_a_marker_inside_a_message_cannot_close_the_outage_issue() -> None:
    forged = {**SCHEMA, "message": "boom <!-- juspay-nightly: outage -->"}
    opened = nightly.plan(summary(forged), [], [], RUN)[0]
    assert nightly.marker_of(opened.body) == nightly.findings(summary(forged))[0].fingerprint
    assert "<!-- juspay-nightly: outage -->" not in opened.body
    outage_issue = issue(30, "outage")
    forged_issue = {"number": 41, "body": opened.body}
    actions = nightly.plan(summary(outage="refused"), [], [outage_issue, forged_issue], RUN)
    assert ("close", 30) not in kinds(actions) and ("comment", 30) in kinds(actions)


def test_a_contradicted_inference_opens_an_issue_saying_the_spec_must_learn() -> None:
    rule = {"operation": "fetchPaymentCredentials", "check": "journey_rule", "title": "fetch-before-setup",
            "inferred": "fetch-status-400", "reproduce": "juspay-contract --profile sandbox --max-examples 1",
            "message": "the spec's inference `fetch-status-400` is contradicted by the target: rule ..."}  # fmt: skip
    part = {"operation": "setupAgenticPayment", "check": "inferred_part", "title": "setup-response-instruction-id",
            "inferred": "setup-response-instruction-id", "message": "the spec's inference ..."}  # fmt: skip
    opened = nightly.plan(summary(rule, part, SCHEMA), [], [], RUN)
    assert kinds(opened) == [("open", None)] * 3
    for action, inferred in zip(opened, ("fetch-status-400", "setup-response-instruction-id"), strict=False):
        assert "the spec must learn" in action.title and f"`{inferred}`" in action.title
        assert action.body.startswith(f"The spec's inference `{inferred}`")
        assert "is contradicted by the target: the spec must learn" in action.body
    assert "(rule `fetch-before-setup`)" in opened[0].title
    assert "spec must learn" not in opened[2].title + opened[2].body  # an ordinary violation reads as before
    # the fingerprint is (operation, check, title) as for every violation: tomorrow's run finds the issue again
    again = nightly.plan(summary(rule), [], [issue(50, nightly.findings(summary(rule))[0])], RUN)
    assert kinds(again) == [("comment", 50)]
