"""The nightly job's bookkeeping (repository-only): one GitHub issue per violation fingerprint (this module),
one pull request per learned spec proposal (`prs.py`), both planned first and applied by `bookkeeping.run`.

    plan(summary, flow_failures, open_issues, run_url) -> actions      pure, tested on recorded summaries
    GitHub(...).apply(actions)                                          REST calls through `GitHub`

A violation's fingerprint is (operation, check, title), hashed; it is written into the issue body as a
marker, so the next night finds the issue again. Rules:
- a violation seen tonight: comment on its open issue, or open one (label `contract-violation`); a journey
  rule or inferred part the sandbox contradicts opens an issue that says the spec must learn (the sandbox is
  the authority on what the spec only inferred);
- an open violation issue not seen tonight is closed (with a comment) only after a complete run: no outage,
  no spent budget, no harness error. Anything less has not shown that the violation is gone;
- the sandbox unreachable (or the run cut short): comment on, or open, the one `sandbox-outage` issue;
  a later complete run closes it;
- a failing stateful-flow test is a violation like any other (operation `flow`, check = the test's name,
  fingerprint `f-...`); flow issues are closed only when tonight's flow report exists and is readable.
Text from the target (titles, messages) is escaped, so that it can never carry a marker of its own.
No summary means the check could not run (bad settings, missing secrets): nothing is changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx

from juspay_kit.errors import HarnessError

VIOLATION_LABEL = "contract-violation"
OUTAGE_LABEL = "sandbox-outage"
MARKER = re.compile(r"<!-- juspay-nightly: ([a-z0-9-]+) -->")
FLOW = "flow"  # the operation of a stateful-flow finding


def escape(text: str) -> str:
    """Text from the target, made unable to open or close an HTML comment (and so to forge a marker)."""
    return text.replace("<!--", "&lt;!--").replace("-->", "--&gt;")


def marker_of(body: str) -> str | None:
    """The issue's own marker: the last one in its body (ours is always written last)."""
    found = MARKER.findall(body)
    return found[-1] if found else None


@dataclass(frozen=True)
class Finding:
    operation: str
    check: str
    title: str
    detail: str = ""
    inferred: str = ""  # the x-inferred id the sandbox contradicted: the spec must learn (not in the fingerprint)

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(f"{self.operation}|{self.check}|{self.title}".encode()).hexdigest()
        return f"{'f' if self.operation == FLOW else 'v'}-{digest[:16]}"


@dataclass(frozen=True)
class Action:
    kind: str  # "open", "comment", "close"
    issue: int | None  # None for "open"
    title: str = ""
    body: str = ""
    label: str = ""


INFERENCE_CHECKS = ("journey_rule", "inferred_part")  # violations that are verdicts on the spec's inferences


def findings(summary: dict[str, Any]) -> list[Finding]:
    return [
        Finding(
            v["operation"],
            v["check"],
            v["title"],
            f"{v.get('message', '')}\n\n`{v.get('reproduce', '')}`",
            str(v.get("inferred") or "") if v["check"] in INFERENCE_CHECKS else "",
        )
        for v in summary.get("violations", [])
    ]


def _wording(finding: Finding) -> tuple[str, str]:
    """(issue title, opening of the body) of a finding."""
    if not finding.inferred:
        return f"Nightly contract: {finding.operation} {finding.check}: {finding.title}", (
            "The nightly run found a contract violation."
        )
    rule = f" (rule `{finding.title}`)" if finding.check == "journey_rule" else ""
    return f"Nightly contract: the spec must learn: `{finding.inferred}`{rule} is contradicted by the target", (
        f"The spec's inference `{finding.inferred}`{rule} is contradicted by the target: the spec must learn. "
        "Juspay's sandbox is the authority on what the spec only inferred: correct spec/ (a patch in "
        f"spec/patches/) to what the sandbox does, and drop or correct the `x-inferred` marker `{finding.inferred}`."
    )


def flow_failures(junit_path: Path) -> list[Finding] | None:
    """Failed or erroring test cases of the stateful flow's JUnit report, as findings; None when the flow did
    not report (no file), so that nothing about the flow is concluded."""
    if not junit_path.is_file():
        return None
    try:
        root = ElementTree.parse(junit_path).getroot()
    except ElementTree.ParseError:
        return [Finding(FLOW, "flow-report", "the flow's JUnit report is unreadable")]
    found = []
    for case in root.iter("testcase"):
        for kind in ("failure", "error"):
            node = case.find(kind)
            if node is not None:
                message = (node.get("message") or "").splitlines()[0][:200] if node.get("message") else kind
                found.append(Finding(FLOW, case.get("name", "?"), message, (node.text or "")[:1500]))
    return found


def plan(
    summary: dict[str, Any], flow: list[Finding] | None, open_issues: list[dict[str, Any]], run_url: str
) -> list[Action]:
    """What to do on GitHub after a night's run; `open_issues` as the REST API lists them; `flow` None when
    the flow did not report."""
    by_marker: dict[str, dict[str, Any]] = {}
    for issue in open_issues:
        marker = marker_of(issue.get("body") or "")
        if marker:
            by_marker[marker] = issue
    actions: list[Action] = []
    flow_read = flow is not None and not any(f.check == "flow-report" for f in flow)
    seen = {f.fingerprint: f for f in findings(summary) + (flow or [])}
    for fingerprint, finding in seen.items():
        known = by_marker.get(fingerprint)
        if known is not None:
            actions.append(Action("comment", known["number"], body=f"Seen again: {run_url}"))
        else:
            title, opening = _wording(finding)
            title = escape(title)[:200]
            body = (
                escape(
                    f"{opening}\n\n- operation: `{finding.operation}`\n"
                    f"- check: `{finding.check}`\n- title: {finding.title}\n\n{finding.detail}\n\nRun: {run_url}"
                )
                + f"\n\n<!-- juspay-nightly: {fingerprint} -->"
            )
            actions.append(Action("open", None, title=title, body=body, label=VIOLATION_LABEL))
    outage = summary.get("outage")
    complete = not outage and not summary.get("budget_exhausted") and not summary.get("errors")
    for fingerprint, issue in by_marker.items():
        judged = (fingerprint.startswith("v-") and complete) or (fingerprint.startswith("f-") and flow_read)
        if judged and fingerprint not in seen:
            actions.append(Action("comment", issue["number"], body=f"Not seen on {run_url}; closing."))
            actions.append(Action("close", issue["number"]))
    outage_issue = by_marker.get("outage")
    if outage:
        text = escape(f"The sandbox stopped answering: {outage}\n\nRun: {run_url}")
        if outage_issue is not None:
            actions.append(Action("comment", outage_issue["number"], body=text))
        else:
            body = f"{text}\n\n<!-- juspay-nightly: outage -->"
            actions.append(Action("open", None, "Nightly contract: Juspay sandbox unreachable", body, OUTAGE_LABEL))
    elif outage_issue is not None:
        actions.append(Action("comment", outage_issue["number"], body=f"The sandbox answered again: {run_url}"))
        actions.append(Action("close", outage_issue["number"]))
    return actions


class GitHub:
    """The few REST calls the bookkeeping needs."""

    def __init__(self, api_url: str, repository: str, token: str, transport: httpx.BaseTransport | None = None) -> None:
        self.http = httpx.Client(
            base_url=f"{api_url.rstrip('/')}/repos/{repository}",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"},
            timeout=30,
            transport=transport,  # a test's httpx.MockTransport; None: the network
        )

    def open_issues(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for label in (VIOLATION_LABEL, OUTAGE_LABEL):
            answer = self.http.get("/issues", params={"state": "open", "labels": label, "per_page": 100})
            answer.raise_for_status()
            found += answer.json()
        return found

    def apply(self, actions: list[Action]) -> None:
        for action in actions:
            if action.kind == "open":
                body = {"title": action.title, "body": action.body, "labels": [action.label]}
                self.http.post("/issues", json=body).raise_for_status()
            elif action.kind == "comment":
                self.http.post(f"/issues/{action.issue}/comments", json={"body": action.body}).raise_for_status()
            elif action.kind == "close":
                self.http.patch(f"/issues/{action.issue}", json={"state": "closed"}).raise_for_status()

    def open_pulls(self) -> list[dict[str, Any]]:
        answer = self.http.get("/pulls", params={"state": "open", "per_page": 100})
        answer.raise_for_status()
        found: list[dict[str, Any]] = answer.json()
        return found

    def open_pull(self, title: str, head: str, base: str, body: str, label: str) -> int:
        """Open a pull request from the pushed branch `head` and label it; its number."""
        answer = self.http.post("/pulls", json={"title": title, "head": head, "base": base, "body": body})
        answer.raise_for_status()
        number = int(answer.json()["number"])
        self.http.post(f"/issues/{number}/labels", json={"labels": [label]}).raise_for_status()
        return number

    def update_pull(self, number: int, body: str) -> None:
        self.http.patch(f"/pulls/{number}", json={"body": body}).raise_for_status()


def read_summary(reports: Path) -> dict[str, Any]:
    """The contract check's summary.json; HarnessError when it is missing or not JSON (nothing is changed)."""
    summary_path = reports / "summary.json"
    if not summary_path.is_file():
        raise HarnessError(f"{summary_path} is missing: the contract check did not run, so no issue was changed")
    try:
        summary: dict[str, Any] = json.loads(summary_path.read_text(encoding="utf-8"))
    except ValueError:
        raise HarnessError(f"{summary_path} is not JSON; no issue was changed") from None
    return summary
