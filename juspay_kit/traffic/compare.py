"""Side by side with Redocly CLI's `drift` (2.x, JSON report) on the same traffic.

Every problem Redocly reports is placed in one of three groups:

    both          juspay-drift reports it too: same operation, same side, same field path
    explained     Redocly's false positive, with the reason (below)
    unexplained   neither: a finding juspay-drift misses (a test holds this list empty)

and every finding of juspay-drift that Redocly does not make is listed apart (`ours_only`): undocumented
statuses, refusal codes the spec lacks, the journey's rules, inferred verdicts, recorded contradictions.

Explained false positives: Redocly flattens `anyOf`. When an answer matches none of the alternatives, it also
lists what each alternative lacks ("missing required field error_code" of the general error envelope, for a
refusal that was never meant to be one); juspay-drift reports the one mismatch at the field holding the anyOf.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from juspay_visa_agentic_client.limits import MAX_JSON_DEPTH, json_depth

from juspay_kit.errors import UsageError
from juspay_kit.proxy.recorded import read_regular
from juspay_kit.traffic.drift import Drift
from juspay_kit.traffic.report import rows

ANY_OF = "matches none of the documented shapes"
VERDICTS = ("journey_rule", "inferred_part", "doc_conflict")  # the failures that are no finding of an exchange
SCHEMA_CHECKS = ("request_schema", "response_schema_conformance")  # what Redocly's schema-consistency covers
MAX_REPORT_BYTES = 2 * 1024 * 1024
MAX_OURS = 10  # findings named beside one of Redocly's problems


def read_report(path: Path) -> list[dict[str, Any]]:
    """The problems of a Redocly drift JSON report; UsageError when it is not one."""
    try:
        raw = read_regular(path, MAX_REPORT_BYTES, "Redocly report")
        if json_depth(raw) > MAX_JSON_DEPTH:  # what it holds is copied into drift.json, written recursively
            raise ValueError
        data = json.loads(raw)
        problems = data["problems"]
        if not isinstance(problems, list) or not all(isinstance(p, dict) for p in problems):
            raise TypeError
    except (ValueError, KeyError, TypeError, RecursionError):
        raise UsageError(f"{path} is not a Redocly drift JSON report (redocly drift --format json)") from None
    return problems


def compare(problems: list[dict[str, Any]], drift: Drift) -> dict[str, Any]:
    """Each problem looked up by its place, never compared with every finding: linear in problems and findings."""
    ours = [finding for finding in drift.findings]
    groups = {
        "undocumented-endpoint": [i for i, f in enumerate(ours) if f.check == "undocumented"],
        "security-baseline": [i for i, f in enumerate(ours) if f.check in ("basic_auth", "ignored_auth")],
    }
    places: dict[tuple[str, str, str], list[int]] = defaultdict(list)  # schema findings by operation, side, field
    any_of: dict[tuple[str, str, str], list[int]] = defaultdict(list)  # those that name an anyOf, by its field
    for i, f in enumerate(ours):
        if f.check in SCHEMA_CHECKS:
            places[(f.operation, f.direction, f.where)].append(i)
            if f.message == ANY_OF:
                any_of[(f.operation, f.direction, f.where.rstrip("/"))].append(i)
    longest = max((len(key[2]) for key in any_of), default=-1)
    matched: set[int] = set()
    matched_groups: set[str] = set()
    both, explained, unexplained = [], [], []
    for problem in problems:
        rule, operation = str(problem.get("ruleId", "")), str(problem.get("operationId") or "")
        side, where = str(problem.get("target", "")), "/" + str(problem.get("dataPath") or "").lstrip("/")
        row = {"rule": rule, "operation": operation or f"{problem.get('method', '')} {problem.get('path', '')}",
               "side": side, "where": where, "message": str(problem.get("message", ""))[:200],
               "occurrences": problem.get("occurrences", 1)}  # fmt: skip
        same = groups[rule] if rule in groups else places.get((operation, side, where), [])
        if same:
            if rule not in groups or rule not in matched_groups:  # a group's list is added once, not per problem
                matched.update(same)
                matched_groups.add(rule)
            both.append({**row, "ours": [f"{ours[i].check} at {ours[i].where}" for i in same[:MAX_OURS]]})
            continue
        cuts = [where[:at] for at, char in enumerate(where[: longest + 1]) if char == "/"]  # its parents' fields
        parent = sorted(i for cut in cuts for i in any_of.get((operation, side, cut), []))
        if parent:
            matched.update(parent)
            explained.append({**row, "why": f"an alternative of the anyOf at {ours[parent[0]].where}: the answer "
                              "matches none of them, which juspay-drift reports once there"})  # fmt: skip
        else:
            unexplained.append(row)
    ours_only = [f.as_dict() for i, f in enumerate(ours) if i not in matched]
    ours_only += [row for row in rows(drift) if row["check"] in VERDICTS]  # rules, inferences, decisions
    return {"redocly": len(problems), "both": both, "explained": explained, "unexplained": unexplained,
            "oursOnly": ours_only}  # fmt: skip
