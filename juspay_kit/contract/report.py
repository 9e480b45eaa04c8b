"""Reports of a contract run: summary.json (machines), junit.xml (CI test views), summary.md (humans).

Everything written passes through the run's Redactor: no API key, Authorization value or OTP leaves here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from juspay_kit.cli import printable
from juspay_kit.errors import UsageError
from juspay_kit.redact import Redactor

if TYPE_CHECKING:  # results needs schemathesis; `prepare` serves juspay-replay in a slim install too
    from juspay_kit.contract.results import RunResult

CHECK_ORDER = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "positive_data_acceptance",
    "negative_data_rejection",
    "missing_required_header",
    "ignored_auth",
    "unsupported_method",
    "success_envelope",
    "positive_refusal_documented",
)


def summary(result: RunResult) -> dict[str, Any]:
    checks: dict[str, dict[str, dict[str, int]]] = {}
    for (operation, check), (passed, failed) in sorted(result.checks.items()):
        checks.setdefault(operation, {})[check] = {"passed": passed, "failed": failed}
    return {
        "outcome": result.outcome,
        "target": result.target,
        "profile": result.profile,
        "credentials": result.credentials or "given",
        "seed": result.seed,
        "mode": result.mode,
        "max_examples": result.max_examples,
        "cases": result.cases,
        "requests": result.requests,
        "failures": len(result.violations),
        "duration_s": result.duration_s,
        "cases_per_second": round(result.cases / result.duration_s, 1) if result.duration_s else None,
        "violations": [
            {
                "operation": v.operation,
                "check": v.check,
                "title": v.title,
                "message": v.message,
                "status": v.status,
                "field": v.field,
                "occurrences": v.occurrences,
                "reproduce": v.reproduce,
                "inferred": v.inferred,
            }
            for v in result.violations
        ],
        "errors": result.errors,
        "outage": result.outage,
        "budget_exhausted": result.budget_exhausted,
        "checks": checks,
        "inferred": result.observations.inferred_report(),
        "doc_conflicts": result.observations.conflict_report(),
        "unknown_refusal_codes": result.observations.unknown_codes_report(),
        "rules": result.rules,
        "statuses": {f"{op} {status}": n for (op, status), n in sorted(result.observations.statuses.items())},
    }


def junit(result: RunResult) -> bytes:
    """One test case per check that passed everywhere it applied, one failing test case per violation: the
    same failure count as the console, summary.json and summary.md."""
    failing = {(v.operation, v.check) for v in result.violations}
    passing = sorted(key for key in result.checks if key not in failing)
    # a confirmed rule is a passing case named like the failing one it would be (journey_rule: RULE-ID)
    passing += [(str((info.get("operations") or ["journey"])[-1]), f"journey_rule: {rule_id}")
                for rule_id, info in result.rules.items() if info["verdict"] == "confirmed"]  # fmt: skip
    suite = ET.Element(
        "testsuite",
        name="juspay-contract",
        tests=str(len(passing) + len(result.violations)),
        failures=str(len(result.violations)),
        errors=str(len(result.errors) + (1 if result.outage else 0)),
        time=f"{result.duration_s:.3f}",
    )
    for operation, check in passing:
        ET.SubElement(suite, "testcase", classname=operation, name=check)
    for v in result.violations:
        where = f" at {v.field}" if v.field else ""
        case = ET.SubElement(suite, "testcase", classname=v.operation, name=f"{v.check}: {v.title}{where}")
        failure = ET.SubElement(case, "failure", message=f"{v.title}{where} ({v.occurrences} case(s))")
        failure.text = f"{v.message}\nReproduce: {v.reproduce}"
    for error in result.errors + ([f"target unreachable: {result.outage}"] if result.outage else []):
        case = ET.SubElement(suite, "testcase", classname="harness", name="run")
        ET.SubElement(case, "error", message=error[:200]).text = error
    document: bytes = ET.tostring(suite, encoding="utf-8", xml_declaration=True)
    return document


def markdown(data: dict[str, Any]) -> str:
    icon = {"passed": "✅", "violations": "❌", "violations_cut_short": "❌", "target_unreachable": "⚠️",
            "errors": "⚠️"}[data["outcome"]]  # fmt: skip
    lines = [
        f"## {icon} Juspay contract check: {data['outcome'].replace('_', ' ')}",
        "",
        f"Target: `{data['target']}` · profile `{data['profile']}` · seed `{data['seed']}` · "
        f"{data['cases']} cases, {data['requests']} requests in {data['duration_s']} s · "
        f"**{data['failures']} violation(s)**",
        "",
        "The table counts, per check, the cases it judged (a check with nothing to say about a case, such as "
        "`positive_data_acceptance` on a negative case, is not counted).",
        "",
    ]
    if data["outage"] and data["violations"]:
        lines += [f"**Run cut short**: the target stopped answering after the violations below: {data['outage']}", ""]
    elif data["outage"]:
        lines += [f"**Target unreachable** (an outage, not a contract violation): {data['outage']}", ""]
    operations = sorted(data["checks"])
    names = [c for c in CHECK_ORDER if any(c in data["checks"][op] for op in operations)]
    names += sorted({c for op in operations for c in data["checks"][op]} - set(names))
    if operations:
        lines += ["| check | " + " | ".join(operations) + " |", "|---|" + "---|" * len(operations)]
        for name in names:
            cells = []
            for op in operations:
                tally = data["checks"][op].get(name)
                cells.append(
                    "–"
                    if tally is None
                    else ("❌ " if tally["failed"] else "✅ ")
                    + f"{tally['passed']}/{tally['passed'] + tally['failed']}"
                )
            lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
        lines.append("")
    if data["violations"]:
        lines += ["### Violations", ""]
        for v in data["violations"]:
            where = f" at `{v['field']}`" if v.get("field") else ""
            lines += [
                f"- **{v['operation']} · `{v['check']}`**{where} ({v['occurrences']}×"
                + (f", status {v['status']}" if v["status"] is not None else "")
                + "): "
                f"{v['title']}",
                "",
                "  ```",
                *[f"  {line}" for line in v["message"].splitlines()[:8]],
                "  ```",
                "",
                "  ```bash",
                f"  {v['reproduce']}",
                "  ```",
                "",
            ]
    if data["errors"]:
        lines += ["### Harness errors", "", *[f"- {e}" for e in data["errors"]], ""]
    lines += ["### Inferred parts of the spec", "", "| id | verdict | evidence |", "|---|---|---|"]
    failed = {(v["check"], v["title"]) for v in data["violations"]}
    for marker_id, info in data["inferred"].items():
        evidence = (
            info.get("detail") or f"{info.get('confirmed', 0)} confirming, {info.get('contradicted', 0)} contradicting"
        )
        verdict = _verdict(info["verdict"], ("inferred_part", marker_id) in failed)
        lines.append(f"| `{marker_id}` | {verdict} | {evidence} |")
    if data.get("rules"):
        lines += ["", "### Rules of the journey (a bounded probe)", "", "| rule | verdict | detail |", "|---|---|---|"]
        for rule_id, info in data["rules"].items():
            verdict = _verdict(info["verdict"], ("journey_rule", rule_id) in failed)
            lines.append(f"| `{rule_id}`: {info['statement']} | {verdict} | {info['detail']} |")
    if data["unknown_refusal_codes"]:
        lines += ["", "### Refusal codes the spec does not know (add them to the spec)", ""]
        for operation, codes in data["unknown_refusal_codes"].items():
            lines.append(f"- `{operation}`: " + ", ".join(f"`{code}` ({times}×)" for code, times in codes.items()))
    lines += ["", "### Recorded contradictions in Juspay's docs", ""]
    for conflict_id, info in data["doc_conflicts"].items():
        lines.append(f"- `{conflict_id}` (decided: {info['decision']}): {info['verdict']} {info['observed'] or ''}")
    return "\n".join(lines) + "\n"


def _verdict(verdict: str, failed: bool) -> str:
    """A verdict cell: ❌ for a violation (every contradiction, and a rule not exercised under --require-rules)."""
    return ("❌ " if failed or verdict == "contradicted" else "✅ " if verdict == "confirmed" else "") + verdict


def console(data: dict[str, Any]) -> str:
    outcome = data["outcome"].upper().replace("_", " ")
    lines = [
        "",
        f"Contract check {outcome}: {data['target']} (profile {data['profile']}, seed {data['seed']})",
        f"  {data['cases']} cases, {data['requests']} requests, {data['failures']} violation(s), "
        f"{data['duration_s']} s",
    ]
    if data.get("budget_exhausted"):
        lines.append("  stopped early: the request budget was spent (raise --budget to test more)")
    for v in data["violations"][:10]:
        where = f" at {v['field']}" if v.get("field") else ""
        lines.append(f"  ✗ {v['operation']} {v['check']}{where}: {v['title']} ({v['occurrences']}×)")
        lines.append(f"      {v['reproduce']}")
    if len(data["violations"]) > 10:
        lines.append(f"  … {len(data['violations']) - 10} more in summary.md")
    if data["outage"]:
        lines.append(f"  target unreachable: {data['outage']}")
    for error in data["errors"][:5]:
        lines.append(f"  error: {error[:200]}")
    for operation, codes in data["unknown_refusal_codes"].items():
        lines.append(f"  refusal codes of {operation} the spec does not know: {', '.join(codes)}")
    for rule_id, info in data.get("rules", {}).items():
        lines.append(f"  rule {rule_id}: {info['verdict']} ({info['detail']})")
    contradicted = [k for k, v in data["inferred"].items() if v["verdict"] == "contradicted"]
    if contradicted:
        lines.append(f"  inferred parts contradicted by the target: {', '.join(contradicted)}")
    return "\n".join(lines)


def prepare(directory: Path) -> None:
    """Create the report directory and prove it writable; UsageError (exit 2) before any request if not."""
    probe = directory / ".juspay-write-check"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe.write_text("ok\n")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"cannot write reports to {directory}: {exc.strerror or exc}") from None


def write(result: RunResult, directory: Path, redactor: Redactor) -> dict[str, Any]:
    directory.mkdir(parents=True, exist_ok=True)
    data = summary(result)
    # masked before it is serialised: a short secret equal to a number must not turn a count into "[masked]"
    text = json.dumps(redactor.value(data), indent=2, ensure_ascii=False) + "\n"  # a lone surrogate stays escaped
    save(directory / "summary.json", text)
    save(directory / "junit.xml", redactor.text(junit(result).decode()))
    save(directory / "summary.md", printable(redactor.text(markdown(data))))
    return data


def save(path: Path, text: str) -> None:
    """A report's text as UTF-8 (a lone surrogate escaped); a full disk or a lost folder is the user's one line."""
    try:
        path.write_text(text, encoding="utf-8", errors="backslashreplace")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or type(exc).__name__}") from None
