"""Learned spec proposals become one pull request each: planned on data, applied through `GitHub` against an
httpx.MockTransport, and the script's dry run against a loopback stand-in for GitHub's API."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from juspay_kit import nightly
from juspay_kit.nightly import bookkeeping, prs
from juspay_kit.spec import ROOT

RUN = "https://github.example/runs/8"
FINGERPRINT = "l-0123456789abcdef"
FORGED = "<!-- juspay-learn: l-ffffffffffffffff -->"
PROPOSAL: dict[str, Any] = {
    "reason": "the sandbox answered 2 refusal codes the spec lacks",
    "patch": [
        {"op": "test", "path": "/components/schemas/TriggerOtpRefusal/properties/errorCode/enum/0",
         "value": "OTP_REQUEST_LIMIT_EXCEEDED"},
        {"op": "add", "path": "/components/schemas/TriggerOtpRefusal/properties/errorCode/enum/-",
         "value": "TOKEN_EXPIRED"},
    ],
    "learned": {
        "fingerprint": FINGERPRINT, "kind": "refusal-codes", "title": "triggerOtp: 2 refusal codes the spec lacks",
        "inferred": ["trigger-refusal-codes"],
        "evidence": [{"what": "errorCode TOKEN_EXPIRED on triggerOtp 400", "count": 3,
                      "firstSeen": "2026-12-06T01:02:03Z", "lastSeen": None,
                      "exchanges": ["night.har#log.entries[3]", "night.har#log.entries[9]"]}],
        "specDiff": {"verdict": "non-breaking", "changes": ["TriggerOtpRefusal.errorCode gains TOKEN_EXPIRED"]},
        "source": {"host": "sandbox.juspay.in", "trusted": False},
    },
}  # fmt: skip


def write(folder: Path, data: Any, name: str = "proposal.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def changed(**learned: Any) -> dict[str, Any]:
    data = copy.deepcopy(PROPOSAL)
    data["learned"].update(learned)
    return data


def kinds(actions: list[prs.PullAction]) -> list[tuple[str, int | None]]:
    return [(a.kind, a.number) for a in actions]


def summary_in(reports: Path) -> Path:
    write(reports, {"outcome": "passed", "violations": [], "outage": None}, "summary.json")
    return reports


# ---- the plan, on data --------------------------------------------------------------------------------------


def test_a_proposal_opens_one_pull_request_and_updates_it_only_when_it_changed(tmp_path: Path) -> None:
    write(tmp_path / "learned", PROPOSAL)
    proposal = prs.load(tmp_path / "learned")[0]
    opened = prs.plan([proposal], [], base="trunk")
    assert kinds(opened) == [("open-pr", None)]
    title = "triggerOtp: 2 refusal codes the spec lacks"
    assert (opened[0].branch, opened[0].base, opened[0].title) == (f"juspay-learn/{FINGERPRINT}", "trunk", title)
    assert opened[0].line() == f"open-pr juspay-learn/{FINGERPRINT} {title}"
    body = opened[0].body
    for part in ("the sandbox answered 2 refusal codes", "`trigger-refusal-codes`", "| what | count | first seen |",
                 "| errorCode TOKEN_EXPIRED on triggerOtp 400 | 3 | 2026-12-06T01:02:03Z | - |", "non-breaking",
                 "- TriggerOtpRefusal.errorCode gains TOKEN_EXPIRED", "```json\n[\n", '"value": "TOKEN_EXPIRED"',
                 f"git fetch origin juspay-learn/{FINGERPRINT}", "python -m juspay_kit.refresh apply"):  # fmt: skip
        assert part in body, part
    assert body.endswith(f"<!-- juspay-learn: {FINGERPRINT} -->") and prs.marker_of(body) == FINGERPRINT

    listed = [{"number": 7, "body": "a pull request of someone else"}, {"number": 12, "body": body}]
    assert prs.plan([proposal], listed) == []  # nothing new tonight: nothing planned
    assert prs.plan([proposal], [{"number": 12, "body": body.replace("\n", "\r\n")}]) == []  # as GitHub may keep it
    evidence = [{**PROPOSAL["learned"]["evidence"][0], "count": 4}]
    write(tmp_path / "learned", changed(evidence=evidence))
    update = prs.plan(prs.load(tmp_path / "learned"), listed)
    assert kinds(update) == [("update-pr", 12)] and "| 4 |" in update[0].body
    assert update[0].line().startswith("update-pr #12 triggerOtp")


def test_a_hostile_proposal_cannot_forge_a_marker_or_break_the_table(tmp_path: Path) -> None:
    hostile = f"a | b --> \n| forged | row |\n{FORGED}\r\n"
    data = changed(
        title=f"x --> {FORGED}\nsecond line", kind=hostile, inferred=[hostile],
        evidence=[{"what": hostile, "count": 1, "firstSeen": hostile, "lastSeen": None, "exchanges": [hostile] * 2},
                  {"what": "plain", "count": 2, "firstSeen": None, "lastSeen": None, "exchanges": []}],
        specDiff={"verdict": hostile, "changes": [hostile]}, source={"host": hostile, "trusted": False},
    )  # fmt: skip
    data["reason"] = hostile
    data["patch"][1]["value"] = hostile
    write(tmp_path / "learned", data)
    proposal = prs.load(tmp_path / "learned")[0]
    body = proposal.body
    assert prs.MARKER.findall(body) == [FINGERPRINT] and body.count("<!--") == 1 and body.count("-->") == 1
    assert "\n" not in proposal.title and "<!--" not in proposal.title
    lines = body.splitlines()
    head = lines.index("| what | count | first seen | last seen | exchanges |")
    rows = lines[head + 2 : lines.index("", head)]
    assert len(rows) == 2 and all(row.count("|") == 6 for row in rows), rows  # one row an item, five cells each
    assert rows[0].startswith("| a &#124; b --&gt; &#124; forged &#124; row &#124; &lt;!-- juspay-learn")
    # an open pull request carrying that body is still this proposal's, never l-ffffffffffffffff's
    forged = prs.read(write(tmp_path / "other", changed(fingerprint="l-ffffffffffffffff")))
    assert kinds(prs.plan([forged], [{"number": 3, "body": body}])) == [("open-pr", None)]
    assert prs.plan([proposal], [{"number": 3, "body": body}]) == []


class Recorder:
    """GitHub's REST API at the `GitHub` class's transport seam: open issues and pull requests as listed."""

    def __init__(self, pulls: list[dict[str, Any]] | None = None) -> None:
        self.calls: list[tuple[str, str, Any]] = []
        self.pulls = pulls or []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content) if request.content else None
        self.calls.append((request.method, request.url.path, sent))
        if request.method == "GET":
            return httpx.Response(200, json=self.pulls if request.url.path.endswith("/pulls") else [])
        return httpx.Response(201, json={"number": 77})

    def github(self) -> nightly.GitHub:
        return nightly.GitHub("https://api.github.example", "acme/kit", "t0ken", httpx.MockTransport(self))


@pytest.mark.parametrize(
    "content",
    [
        "not json {",
        "[1, 2]",
        '{"reason": "r", "patch": [], "learned": {"fingerprint": NaN}}',
        changed(fingerprint="l-0123456789ABCDEF"),
        changed(fingerprint="l-0123456789abcdef0"),
        changed(fingerprint="../../etc/passwd"),
        changed(evidence=[{"what": "w", "count": True, "firstSeen": None, "lastSeen": None, "exchanges": []}]),
        changed(specDiff={"verdict": "breaking"}),
        {**PROPOSAL, "patch": {"op": "add"}},
        {key: value for key, value in PROPOSAL.items() if key != "reason"},
    ],
)
def test_a_malformed_proposal_stops_the_night_before_any_call(tmp_path: Path, content: Any) -> None:
    folder = tmp_path / "learned"
    write(folder, PROPOSAL, "a-good.json")
    bad = write(folder, content, "b-bad.json")
    recorder = Recorder()
    with pytest.raises(prs.ProposalError, match=str(bad)):
        bookkeeping.run(summary_in(tmp_path / "reports"), tmp_path / "flow.xml", RUN, recorder.github(),
                        proposals=folder)  # fmt: skip
    assert recorder.calls == []


def test_the_night_opens_labels_and_updates_pull_requests_through_github(tmp_path: Path) -> None:
    folder = tmp_path / "learned"
    write(folder, PROPOSAL, "one.json")
    write(folder, changed(fingerprint="l-00000000000000ff", title="validateOtp: a field"), "two.json")
    stale = {"number": 12, "body": f"old\n\n<!-- juspay-learn: {FINGERPRINT} -->"}
    recorder = Recorder([stale])
    reports = summary_in(tmp_path / "reports")
    night = bookkeeping.run(reports, tmp_path / "flow.xml", RUN, recorder.github(), proposals=folder, base="trunk")
    assert kinds(night.pulls) == [("update-pr", 12), ("open-pr", None)]
    assert [(method, path) for method, path, _ in recorder.calls] == [
        ("GET", "/repos/acme/kit/issues"), ("GET", "/repos/acme/kit/issues"), ("GET", "/repos/acme/kit/pulls"),
        ("PATCH", "/repos/acme/kit/pulls/12"), ("POST", "/repos/acme/kit/pulls"),
        ("POST", "/repos/acme/kit/issues/77/labels"),
    ]  # fmt: skip
    assert recorder.calls[3][2] == {"body": night.pulls[0].body}
    assert recorder.calls[4][2] == {"title": "validateOtp: a field", "head": "juspay-learn/l-00000000000000ff",
                                    "base": "trunk", "body": night.pulls[1].body}  # fmt: skip
    assert recorder.calls[5][2] == {"labels": ["spec-learned"]}
    again = Recorder([{"number": 12, "body": night.pulls[0].body}, {"number": 77, "body": night.pulls[1].body}])
    rerun = bookkeeping.run(reports, tmp_path / "flow.xml", RUN, again.github(), proposals=folder)
    assert rerun.pulls == [] and {method for method, _, _ in again.calls} == {"GET"}  # nothing new: no write


# ---- the script's dry run, against a loopback stand-in ------------------------------------------------------


@contextmanager
def github_stand_in(pulls: list[dict[str, Any]]) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    calls: list[tuple[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            calls.append((self.command, self.path))
            listed = pulls if self.path.split("?")[0].endswith("/pulls") and self.command == "GET" else []
            payload = json.dumps(listed if self.command == "GET" else {"number": 77}).encode()
            self.send_response(200 if self.command == "GET" else 201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PATCH = _answer  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", calls
    finally:
        server.shutdown()
        server.server_close()


def test_the_dry_run_prints_the_plan_and_makes_no_write_call(tmp_path: Path) -> None:
    reports = summary_in(tmp_path / "reports")
    write(reports, {"outcome": "violations", "outage": None, "violations": [
        {"operation": "triggerOtp", "check": "status_code_conformance", "title": "Undocumented HTTP status code"}]},
        "summary.json")  # fmt: skip
    folder = tmp_path / "learned"
    write(folder, PROPOSAL, "one.json")
    write(folder, changed(fingerprint="l-00000000000000ff", title="validateOtp: a field"), "two.json")
    stale = {"number": 12, "body": f"old\n\n<!-- juspay-learn: {FINGERPRINT} -->"}
    command = [sys.executable, str(ROOT / "scripts" / "nightly_issues.py"), "--reports", str(reports),
               "--flow-junit", str(tmp_path / "none.xml"), "--proposals", str(folder), "--dry-run"]  # fmt: skip
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GITHUB_TOKEN": "t0ken", "GITHUB_REPOSITORY": "acme/kit"}
    with github_stand_in([stale]) as (url, calls):
        ran = subprocess.run(command, capture_output=True, text=True, env={**env, "GITHUB_API_URL": url}, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert calls and {method for method, _ in calls} == {"GET"}, calls
    assert "/repos/acme/kit/pulls?state=open&per_page=100" in {path for _, path in calls}
    lines = ran.stdout.splitlines()
    assert lines[0].startswith("open Nightly contract: triggerOtp status_code_conformance")
    assert lines[1:3] == ["update-pr #12 triggerOtp: 2 refusal codes the spec lacks",
                          "open-pr juspay-learn/l-00000000000000ff validateOtp: a field"]  # fmt: skip
    assert "dry run" in lines[-1]
    with github_stand_in([stale]) as (url, calls):  # no token: plans against nothing open, calls nothing
        alone = subprocess.run(command, capture_output=True, text=True, timeout=60,
                               env={"PATH": env["PATH"], "GITHUB_API_URL": url})  # fmt: skip
    assert alone.returncode == 0 and calls == [], alone.stderr
    assert f"open-pr juspay-learn/{FINGERPRINT} triggerOtp: 2 refusal codes the spec lacks" in alone.stdout
