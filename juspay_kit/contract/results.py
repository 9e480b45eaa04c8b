"""What a run found: violations (one per distinct failure, with a replayable curl line), per-check tallies
of the cases each check judged, and the observations behind the verdicts on inferred parts.

Every verdict counts: a journey rule or an `x-inferred` part the target contradicts is a violation like a
failed check (`verdicts`), one per rule or inferred id; not exercised is a note unless rules are required."""

from __future__ import annotations

import json
import shlex
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from schemathesis.generation import GenerationMode

from juspay_kit.contract.checks import operation_id
from juspay_kit.contract.observe import Observations
from juspay_kit.redact import Redactor

MAX_EXAMPLES_PER_CHECK = 5
RULE_CHECK = "journey_rule"  # the check of a violated rule of the probe (probe.py); its title is the rule id
INFERRED_CHECK = "inferred_part"  # the check of a contradicted x-inferred part; its title is the inferred id


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
    inferred: str = ""  # the x-inferred id a contradicted rule or inferred part is evidence against


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
    # x-inferred id -> (operation, status, curl) of the first fuzzed answer that contradicted it
    contradicted_at: dict[str, tuple[str, int, str]] = field(default_factory=dict)

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
        evidence = result.observations.evidence
        before = {marker: found.contradicted for marker, found in evidence.items()}
        status = interaction.response.status_code
        result.observations.record(
            operation_id(case),
            status,
            _json(interaction.response.content),
            _negative_body(case),
            merchant_header=merchant if isinstance(merchant, str) else None,
            request_body=case.body if isinstance(case.body, dict) else None,
        )
        for marker, found in evidence.items():
            if found.contradicted > before.get(marker, 0) and marker not in result.contradicted_at:
                result.contradicted_at[marker] = (operation_id(case), status, curl(interaction.request, redactor))
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


def verdicts(result: RunResult, *, sandbox: bool, required: Collection[str] = (), hint: str = "") -> None:
    """Turn the verdicts into violations: each contradicted rule (its inferred id folded in, so that nothing
    is counted twice), each other contradicted inferred part, and each rule in `required` not exercised.
    Against the sandbox the spec is what must learn, and the message says so. `hint` re-runs the probe."""
    evidence = result.observations.evidence
    covered: set[str] = set()
    for rule_id, info in result.rules.items():
        inferred = str(info["inferred"])
        operations = [str(name) for name in info.get("operations", [])]
        operation = operations[-1] if operations else "journey"  # the call the rule judges comes last
        reproduce = " ".join([hint, *(f"--operation {name}" for name in operations)]) if hint else ""
        if info["verdict"] == "contradicted":
            covered.add(inferred)
            found = evidence[inferred]
            others = [e for e in found.examples if not e.startswith(f"rule {rule_id}:")]
            also = f"; also seen: {'; '.join(others)}" if others else ""
            what = f"rule `{rule_id}` ({info['statement']}): {info['detail']}{also}"
            message = (
                f"the spec's inference `{inferred}` is contradicted by the target: {what}"
                if sandbox
                else f"the target contradicts the journey {what} (evidence against the spec's inference `{inferred}`)"
            )
            occurrences = max(1, found.contradicted)
            result.violations.append(
                Violation(operation, RULE_CHECK, rule_id, message, reproduce, None, occurrences, inferred=inferred)
            )
        elif info["verdict"] == "not_exercised" and rule_id in required:
            message = f"rule `{rule_id}` ({info['statement']}) was not exercised (--require-rules): {info['detail']}"
            violation = Violation(operation, RULE_CHECK, rule_id, message, reproduce, None, inferred=inferred)
            result.violations.append(violation)
    for marker, info in result.observations.inferred_report().items():
        if info["verdict"] != "contradicted" or marker in covered:
            continue
        at: tuple[str, int | None, str] = result.contradicted_at.get(marker, ("spec", None, ""))
        operation, status, reproduce = at
        examples = "; ".join(info["examples"])
        message = (
            f"the spec's inference `{marker}` is contradicted by the target: {examples}"
            if sandbox
            else f"the target contradicts the spec's inferred part `{marker}`: {examples}"
        )
        times = info["contradicted"]
        violation = Violation(operation, INFERRED_CHECK, marker, message, reproduce, status, times, inferred=marker)
        result.violations.append(violation)


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
