"""What a run found: violations (one per distinct failure, with a replayable curl line), per-check tallies
of the cases each check judged, and the observations behind the verdicts on inferred parts."""

from __future__ import annotations

import json
import shlex
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from schemathesis.generation import GenerationMode

from juspay_kit.contract.checks import operation_id
from juspay_kit.contract.observe import Observations
from juspay_kit.redact import Redactor

MAX_EXAMPLES_PER_CHECK = 5


@dataclass
class Violation:
    operation: str
    check: str
    title: str
    message: str
    reproduce: str
    status: int | None
    occurrences: int = 1
    field: str = ""  # JSON pointer of the offending part of the body, for schema violations


@dataclass
class RunResult:
    target: str
    profile: str
    seed: int
    mode: str
    max_examples: int
    cases: int = 0
    requests: int = 0
    duration_s: float = 0.0
    violations: list[Violation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    outage: str | None = None
    credentials: str = ""  # how the credentials were chosen when not given
    budget_exhausted: bool = False
    checks: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (operation, check) -> [passed, failed]
    observations: Observations = field(default_factory=Observations)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)  # the rule probe's verdicts (probe.py)

    @property
    def outcome(self) -> str:
        if self.violations:  # an outage after violations keeps them: the run was cut short
            return "violations_cut_short" if self.outage is not None else "violations"
        if self.outage is not None:
            return "target_unreachable"
        if self.errors:
            return "errors"
        return "passed"


def _applies(check: str, case: Any, status: int | None) -> bool:
    """Whether a check that passed had anything to judge in this case: schemathesis records a pass for every
    check it ran, even those that return early because the case is not theirs (a negative case for
    positive_data_acceptance). Counting those would show "290/290" for a check that judged nothing."""
    mode = case.meta.generation.mode if case.meta is not None else None
    if check == "positive_data_acceptance":
        return mode is GenerationMode.POSITIVE
    if check == "negative_data_rejection":
        return mode is GenerationMode.NEGATIVE
    return True


def collect(recorder: Any, result: RunResult, redactor: Redactor) -> int:
    # Generated cases only: checks such as ignored_auth record extra child cases for their probes.
    generated = sum(1 for node in recorder.cases.values() if node.parent_id is None)
    result.cases += generated
    result.requests += len(recorder.interactions)
    for case_id, interaction in recorder.interactions.items():
        node = recorder.cases.get(case_id)
        if node is None or interaction.response is None:
            continue
        case = node.value
        headers = {str(k).lower(): v for k, v in (case.headers or {}).items()}
        merchant = headers.get("x-merchantid")
        result.observations.record(
            operation_id(case),
            interaction.response.status_code,
            _json(interaction.response.content),
            _negative_body(case),
            merchant_header=merchant if isinstance(merchant, str) else None,
            request_body=case.body if isinstance(case.body, dict) else None,
        )
    seen = {(v.operation, v.check, v.title, v.message): v for v in result.violations}
    per_check = Counter((v.operation, v.check) for v in result.violations)
    for case_id, nodes in recorder.checks.items():
        operation = operation_id(recorder.cases[case_id].value)
        case = recorder.cases[case_id].value
        interaction = recorder.interactions.get(case_id)
        status = interaction.response.status_code if interaction and interaction.response else None
        for node in nodes:
            if node.failure_info is None and not _applies(node.name, case, status):
                continue  # a check that had nothing to say about this case is not a pass
            tally = result.checks.setdefault((operation, node.name), [0, 0])
            if node.failure_info is None:
                tally[0] += 1
                continue
            tally[1] += 1
            failure = node.failure_info.failure
            message = redactor.text(str(failure.message))[:800]
            title = redactor.text(str(failure.title))
            path = getattr(failure, "instance_path", None)
            field = "/" + "/".join(str(p) for p in path) if path is not None else ""
            key = (operation, node.name, title, message)
            if key in seen:
                seen[key].occurrences += 1
                continue
            per_check[(operation, node.name)] += 1
            if per_check[(operation, node.name)] > MAX_EXAMPLES_PER_CHECK:
                continue
            failed = recorder.interactions.get(failure.case_id or case_id)
            failed_status = failed.response.status_code if failed and failed.response else None
            reproduce = curl(failed.request, redactor) if failed else ""
            seen[key] = Violation(operation, node.name, title, message, reproduce, failed_status, field=field)
            result.violations.append(seen[key])
    return generated


def _negative_body(case: Any) -> bool:
    meta = case.meta
    if meta is None or meta.generation.mode is not GenerationMode.NEGATIVE:
        return False
    for location, info in meta.components.items():
        if str(getattr(location, "value", location)) == "body" and info.mode is GenerationMode.NEGATIVE:
            return True
    return False


def _json(content: bytes | None) -> Any:
    try:
        return json.loads(content or b"")
    except ValueError:
        return None


def curl(request: Any, redactor: Redactor) -> str:
    """A replayable curl command: the API key comes from $JUSPAY_API_KEY, OTP values are masked."""
    parts = ["curl", "-X", request.method]
    expected = {f"basic {c}" for c in redactor.basic_credentials}
    for name, values in request.headers.items():
        lowered = name.lower()
        if lowered in (
            "user-agent",
            "accept-encoding",
            "accept",
            "connection",
            "content-length",
            "x-schemathesis-testcaseid",
        ):
            continue
        for value in values:
            if lowered == "authorization":
                if value.lower() in expected:
                    parts += ["-u", '"$JUSPAY_API_KEY:"']
                    continue
                value = "[masked]"
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    if request.body:
        parts += ["--data-binary", shlex.quote(redactor.json_body(request.body))]
    parts.append(shlex.quote(request.uri))
    return redactor.text(" ".join(parts))
