"""Drift reports: drift.json (machines), drift.md (humans), drift-junit.xml (CI test views) and drift.sarif
(SARIF 2.1.0 for GitHub code scanning, each result placed on the spec line of the operation it concerns).

Every text passes through the redactor that learned the recording's secrets; console and Markdown text also
through `cli.printable`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from juspay_kit import __version__, spec
from juspay_kit.cli import printable
from juspay_kit.contract.report import save
from juspay_kit.redact import Redactor
from juspay_kit.traffic.drift import Drift, against

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULE_TEXT = {
    "undocumented": "The traffic calls an endpoint the spec does not document.",
    "journey_rule": "The recorded order breaks one of the journey's rules.",
    "inferred_part": "The traffic contradicts a part the spec only inferred (x-inferred).",
    "doc_conflict": "The traffic contradicts a decision taken where the pages disagree (x-doc-conflict).",
    "unknown_refusal_code": "A refusal code the spec's enum does not list.",
    "status_code_conformance": "A status the operation does not document.",
    "response_schema_conformance": "An answer that breaks the documented schema.",
    "request_schema": "A request that breaks the documented schema.",
}
_NOT_XML = re.compile("[^\t\n\r -\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # what XML 1.0 cannot carry


def rows(drift: Drift) -> list[dict[str, Any]]:
    """Every failure as one row: findings, then contradicted rules, inferences and decisions."""
    found = [finding.as_dict() for finding in drift.findings]
    for verdict in drift.rules:
        if verdict.verdict == "contradicted":
            found.append({"check": "journey_rule", "operation": verdict.rule.id, "direction": "order",
                          "where": "order", "message": verdict.detail, "inferred": verdict.rule.inferred,
                          "count": verdict.contradicted, "exchanges": verdict.refs})  # fmt: skip
    for marker, report in drift.inferred.items():
        if report["verdict"] == "contradicted":
            found.append({"check": "inferred_part", "operation": marker, "direction": "response",
                          "where": report.get("where", ""), "message": "; ".join(report.get("examples", []))[:300],
                          "inferred": marker, "count": report.get("contradicted", 0), "exchanges": []})  # fmt: skip
    for marker, report in drift.conflicts.items():
        if against(report):
            seen = ", ".join(f"{k}: {v}" for k, v in report["observed"].items())
            found.append({"check": "doc_conflict", "operation": marker, "direction": "response", "where": marker,
                          "message": f"{report['verdict']} (seen {seen})", "inferred": marker,
                          "count": sum(report["observed"].values()), "exchanges": []})  # fmt: skip
    return found


def console(drift: Drift) -> str:
    data = drift.as_dict()
    sources = ", ".join(f"{s['path']} ({s['format']}, {s['exchanges']})" for s in data["sources"])
    lines = [f"Drift: {data['verdict'].upper()}, {data['failures']} failure(s) in {drift.judged} judged "
             f"exchange(s) of {drift.exchanges}: {sources}"]  # fmt: skip
    failures = rows(drift)
    for row in failures[:20]:  # a server's field name may hold a line break: each row stays one line
        mark = "⚠" if row.get("level") == "warning" else "✗"
        line = f"  {mark} {row['operation']} {row['check']} at {row['where']}: {row['message']} ({row['count']}×)"
        lines.append(line.replace("\n", "\\n"))
    if len(failures) > 20:
        lines.append(f"  … {len(failures) - 20} more in drift.md")
    for verdict in drift.rules:
        if verdict.verdict != "contradicted":
            lines.append(f"  rule {verdict.rule.id}: {verdict.verdict}")
    confirmed = sorted(k for k, v in drift.inferred.items() if v["verdict"] == "confirmed")
    if confirmed:
        lines.append(f"  inferred parts confirmed: {', '.join(confirmed)}")
    lines.append(f"  coverage: {data['coverage'].get('operations', '0/0')} operations exercised")
    lines += [f"  note: {note}" for note in drift.notes]
    if drift.redocly is not None:
        side = drift.redocly
        counts = f"{len(side['both'])} reported here too, {len(side['explained'])} its false positives"
        lines.append(f"  Redocly: {side['redocly']} problem(s), {counts}, {len(side['unexplained'])} missed here")
    return printable("\n".join(lines))


def markdown(drift: Drift) -> str:
    data = drift.as_dict()
    mark = "✅" if data["verdict"] == "no drift" else "❌"
    lines = [f"# Drift: {mark} {data['verdict']}", "",
             f"{drift.judged} exchange(s) judged of {drift.exchanges} recorded; {data['failures']} failure(s).", "",
             "| recording | format | exchanges |", "|---|---|---|"]  # fmt: skip
    lines += [f"| {_cell(s['path'])} | {s['format']} | {s['exchanges']} |" for s in data["sources"]]
    lines += [
        "",
        "## Findings",
        "",
        "| | operation | check | where | what | seen | exchanges |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows(drift):
        icon = "⚠️" if row.get("level") == "warning" else "❌"
        lines.append(f"| {icon} | {_cell(row['operation'])} | {row['check']} | {_cell(row['where'])} | "
                     f"{_cell(row['message'])} | {row['count']} | {_cell(', '.join(row['exchanges']))} |")  # fmt: skip
    lines += ["", "## Journey rules", "", "| rule | verdict | detail |", "|---|---|---|"]
    for verdict in drift.rules:
        icon = {"contradicted": "❌ ", "confirmed": "✅ "}.get(verdict.verdict, "")
        lines.append(f"| {verdict.rule.id} | {icon}{verdict.verdict} | {_cell(verdict.detail)} |")
    lines += ["", "## Inferred parts the traffic touched", "", "| id | verdict | confirmed | contradicted |",
              "|---|---|---|---|"]  # fmt: skip
    for marker, report in sorted(drift.inferred.items()):
        icon = "❌ " if report["verdict"] == "contradicted" else "✅ "
        lines.append(f"| {marker} | {icon}{report['verdict']} | {report['confirmed']} | {report['contradicted']} |")
    lines += ["", "## Coverage", "", f"Operations exercised: {data['coverage'].get('operations', '0/0')}", "",
              "| operation | calls | statuses | documented statuses not seen | request fields | answer fields | "
              "refusal codes seen |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    for operation, item in data["coverage"].get("byOperation", {}).items():
        statuses = ", ".join(f"{s}×{n}" for s, n in item["statuses"].items())
        codes = ", ".join(item["refusalCodesSeen"])
        missing = ", ".join(str(s) for s in item["documentedStatusesMissing"])
        lines.append(f"| {operation} | {item['calls']} | {statuses} | {missing} | {item['requestFields']} | "
                     f"{item['responseFields']} | {_cell(codes)} |")  # fmt: skip
    if drift.notes:
        lines += ["", "## Notes", ""] + [f"- {_cell(note)}" for note in drift.notes]
    side = side_by_side(drift.redocly) if drift.redocly is not None else ""
    return printable("\n".join(lines) + "\n" + side)


def junit(drift: Drift, mask: Callable[[str], str] = str) -> bytes:
    """JUnit XML; every text through `mask`, and what XML cannot carry (a control character) shown escaped."""
    found = rows(drift)
    failures = [row for row in found if row.get("level", "error") == "error"]
    suite = ET.Element("testsuite", name="juspay-drift", tests="0", failures=str(len(failures)))
    tests = 0
    for row in found:  # a warning (the traffic extends the spec) passes, with what it found in its output
        case = ET.SubElement(suite, "testcase", classname=row["operation"], name=f"{row['check']} at {row['where']}")
        text = f"{row['message']} ({row['count']}×)"
        if row in failures:
            ET.SubElement(case, "failure", message=text).text = ", ".join(row["exchanges"])
        else:
            ET.SubElement(case, "system-out").text = f"warning: {text}: {', '.join(row['exchanges'])}"
        tests += 1
    failing = {row["operation"] for row in failures}
    for operation, item in drift.coverage.get("byOperation", {}).items():
        if item["calls"] and operation not in failing:
            ET.SubElement(suite, "testcase", classname=operation, name="conforms")
            tests += 1
    for verdict in drift.rules:
        if verdict.verdict != "contradicted":
            case = ET.SubElement(suite, "testcase", classname=verdict.rule.id, name="journey_rule")
            if verdict.verdict == "not_exercised":
                ET.SubElement(case, "skipped", message=verdict.detail)
            tests += 1
    suite.set("tests", str(tests))
    for element in suite.iter():  # every text of the recording masked and made XML; the counts as they are
        element.attrib = {k: v if k in ("tests", "failures") else _xml(mask(v)) for k, v in element.attrib.items()}
        element.text = _xml(mask(element.text)) if element.text else element.text
    document: bytes = ET.tostring(suite, encoding="utf-8", xml_declaration=True)
    return document


def sarif(drift: Drift, spec_uri: str = "spec/openapi.yaml", spec_path: Path | None = None) -> dict[str, Any]:
    """SARIF 2.1.0: one rule per check, one result per failure, located on the spec line of its operation."""
    lines = _operation_lines(spec_path or spec.SPEC_PATH)
    failures = rows(drift)
    checks = sorted({row["check"] for row in failures})
    results = []
    for row in failures:
        line = lines.get(row["operation"], 1)
        results.append({
            "ruleId": row["check"],
            "level": row.get("level", "error"),
            "message": {"text": f"{row['operation']}: {row['message']} at {row['where']} ({row['count']}×)"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": spec_uri}, "region": {"startLine": line}},
                           "logicalLocations": [{"fullyQualifiedName": ref} for ref in row["exchanges"]]}],
            "partialFingerprints": {"juspayDrift": f"{row['check']}|{row['operation']}|{row['where']}"},
        })  # fmt: skip
    rules = [{"id": c, "shortDescription": {"text": RULE_TEXT.get(c, c.replace("_", " "))}} for c in checks]
    driver = {"name": "juspay-drift", "version": __version__, "informationUri": "https://github.com", "rules": rules}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{"tool": {"driver": driver}, "results": results}]}


def write(drift: Drift, directory: Path, redactor: Redactor) -> None:
    """drift.json, drift.md, drift-junit.xml and drift.sarif, every text through the redactor (each string of the
    JSON and XML, not their serialised text: a learned "1000" would have masked a count into invalid JSON)."""
    directory.mkdir(parents=True, exist_ok=True)
    texts = {
        "drift.json": json.dumps(redactor.value(drift.as_dict()), indent=2, ensure_ascii=False) + "\n",
        "drift.md": redactor.text(markdown(drift)),
        "drift-junit.xml": junit(drift, redactor.text).decode(),
        "drift.sarif": json.dumps(redactor.value(sarif(drift)), indent=2, ensure_ascii=False) + "\n",
    }
    for name, text in texts.items():
        save(directory / name, text)


def _operation_lines(path: Path) -> dict[str, int]:
    """operationId -> the line of its `operationId:` in the spec (1 when not found)."""
    found: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return found
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("operationId:"):
            found[stripped.split(":", 1)[1].strip()] = number
    return found


def side_by_side(side: dict[str, Any]) -> str:
    """The Markdown section of a comparison with Redocly (compare.py); its texts as table cells."""
    lines = ["", "## Side by side with Redocly drift", "",
             f"Redocly reported {side['redocly']} problem(s): {len(side['both'])} reported here too, "
             f"{len(side['explained'])} explained as its false positives, {len(side['unexplained'])} missed here. "
             f"{len(side['oursOnly'])} finding(s) here that Redocly does not make.", "",
             "| Redocly | operation | where | here |", "|---|---|---|---|"]  # fmt: skip
    for row in side["both"]:
        lines.append(f"| {_cells(row)} | {_cell(', '.join(row['ours']))} |")
    for row in side["explained"]:
        lines.append(f"| {_cells(row)} | false positive: {_cell(row['why'])} |")
    for row in side["unexplained"]:
        lines.append(f"| {_cells(row)} | ❌ missed here |")
    return "\n".join(lines) + "\n"


def _cells(row: dict[str, Any]) -> str:
    return " | ".join(_cell(row[name]) for name in ("rule", "operation", "where"))


def _cell(text: str) -> str:
    """One Markdown table cell: no pipe, no line break, no `<` to open an HTML comment that hides what follows."""
    return str(text).replace("|", "\\|").replace("\n", " ").replace("\r", " ").replace("<", "&lt;")


def _xml(text: str) -> str:
    return _NOT_XML.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text)
