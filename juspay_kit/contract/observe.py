"""What the target answered, turned into verdicts on the spec's inferred parts and recorded contradictions.

The nightly run against the sandbox uses this to say, for each `x-inferred` id, whether Juspay's real
behaviour confirmed or contradicted our inference, and for `otp-counters-type` and `otp-counters-casing`
which way the sandbox went.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from juspay_kit import api, spec
from juspay_kit.schema import Validators, resolve, shared

COUNTERS = ("maxOTPVerificationAllowed", "maxOTPRequestsAllowed", "codeExpiration")
TABLE_CASING = ("MaxOTPVerificationAllowed", "MaxOTPRequestsAllowed", "CodeExpiration")
NOT_CHECKABLE = {"code-expiration-minutes": "the unit of codeExpiration is not visible on the wire"}


@dataclass
class Evidence:
    confirmed: int = 0
    contradicted: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, ok: bool, detail: str) -> None:
        if ok:
            self.confirmed += 1
        else:
            self.contradicted += 1
            if len(self.examples) < 3 and detail not in self.examples:
                self.examples.append(detail)

    @property
    def verdict(self) -> str:
        if self.contradicted:
            return "contradicted"
        return "confirmed" if self.confirmed else "not_exercised"


class Observations:
    def __init__(self, document: dict[str, Any] | None = None) -> None:
        self.document = document or spec.load()
        self.schemas = Validators(self.document) if document is not None else shared()
        self.api = api.load(self.document) if document is not None else api.shared()
        self.evidence: dict[str, Evidence] = defaultdict(Evidence)
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.counter_types: Counter[str] = Counter()
        self.counter_casing: Counter[str] = Counter()
        self.unknown_codes: dict[str, Counter[str]] = defaultdict(Counter)  # operation -> codes the spec lacks
        self._inferred_fields_cache: dict[str, dict[str, tuple[str, set[str]]]] = {}
        self._checked = False

    def counts(self) -> dict[str, Any]:
        """What was observed, as plain data (a process that observed part of the traffic hands it back)."""
        return {"evidence": dict(self.evidence), "statuses": self.statuses, "counter_types": self.counter_types,
                "counter_casing": self.counter_casing, "unknown_codes": dict(self.unknown_codes)}  # fmt: skip

    def absorb(self, counts: dict[str, Any]) -> None:
        """Add what another Observations saw (`counts`), after what this one saw."""
        for marker, theirs in counts["evidence"].items():
            mine = self.evidence[marker]
            mine.confirmed, mine.contradicted = (
                mine.confirmed + theirs.confirmed,
                mine.contradicted + theirs.contradicted,
            )
            mine.examples = list(dict.fromkeys(mine.examples + theirs.examples))[:3]
        self.statuses.update(counts["statuses"])
        self.counter_types.update(counts["counter_types"])
        self.counter_casing.update(counts["counter_casing"])
        for operation, codes in counts["unknown_codes"].items():
            self.unknown_codes[operation].update(codes)

    def record(
        self,
        operation_id: str,
        status: int,
        body: Any,
        negative_body: bool,
        merchant_header: str | None = None,
        request_body: Any = None,
        checked: bool = False,
    ) -> None:
        """One answer. `merchant_header` is the x-merchantid sent (None: not sent); `request_body` the JSON
        sent, when known; `checked`: `schema.hazard` found nothing in either body."""
        self._checked = checked
        self.statuses[(operation_id, status)] += 1
        accepted = 200 <= status < 300
        if merchant_header == "":
            self.evidence["merchant-header-non-empty"].add(
                not accepted, f"{operation_id}: an empty x-merchantid got {status}"
            )
        if operation_id == "validateOtp" and isinstance(request_body, dict):
            network = request_body.get("networkType")
            if isinstance(network, str) and network != "VISA" and self._only_network_type_wrong(request_body):
                self.evidence["network-type-visa-only"].add(
                    not accepted, f"validateOtp: networkType {network[:20]!r} got {status}"
                )
        operation = self.api.get(operation_id)
        if status == 200 and operation is not None and isinstance(body, dict):
            self._inferred_fields(operation, body)
        if status == 200 and operation is not None and operation.response_inferred:
            problems = self.schemas.errors(operation_id, status, body, self._checked)
            self.evidence[operation.response_inferred].add(
                not problems, f"{operation_id} 200: {'; '.join(problems)[:160]}"
            )
        inferred = self.schemas.inferred.get((operation_id, str(status)))
        if inferred is not None:
            problems = self.schemas.errors(operation_id, status, body, self._checked)
            self.evidence[inferred].add(not problems, f"{operation_id} {status}: {'; '.join(problems)[:160]}")
        if status >= 400:
            self._envelopes(operation_id, status, body)
        if negative_body and operation is not None and operation.request_inferred:
            self.evidence[operation.request_inferred].add(
                not accepted, f"{operation_id}: a request the spec calls invalid got {status}"
            )
        if operation_id == "triggerOtp" and status == 200 and isinstance(body, dict):
            limits = body.get("response")
            if isinstance(limits, dict):
                for name, table in zip(COUNTERS, TABLE_CASING, strict=True):
                    self.counter_types[kind(limits.get(name, limits.get(table)))] += 1
                if any(name in limits for name in TABLE_CASING):
                    self.counter_casing["field-table casing"] += 1
                if any(name in limits for name in COUNTERS):
                    self.counter_casing["lowerCamel"] += 1

    def _inferred_fields(self, operation: api.Operation, body: dict[str, Any]) -> None:
        """Each field of a 200 answer whose name is inferred: confirmed when the answer carries it with the
        inferred type, contradicted when it is missing (the real name is another) or of another type."""
        for name, (marker, kinds) in self._fields_of(operation.operation_id).items():
            if name not in body:
                self.evidence[marker].add(False, f"{operation.operation_id} 200: no {name} in the answer")
                continue
            found = kind(body[name])
            ok = found.replace("numeric_string", "string") in kinds
            self.evidence[marker].add(ok, "" if ok else f"{operation.operation_id} 200: {name} is {found}")

    def _fields_of(self, operation_id: str) -> dict[str, tuple[str, set[str]]]:
        """name -> (x-inferred id, JSON types) of the named, inferred fields of an operation's 200 answer."""
        if operation_id not in self._inferred_fields_cache:
            found: dict[str, tuple[str, set[str]]] = {}
            for _, _, raw in spec.operations(self.document):
                if raw.get("operationId") != operation_id:
                    continue
                ok = resolve(self.document, raw.get("responses", {}).get("200", {}))
                schema = resolve(self.document, ok.get("content", {}).get("application/json", {}).get("schema", {}))
                for name, prop in schema.get("properties", {}).items():
                    marker = prop.get("x-inferred") if isinstance(prop, dict) else None
                    if isinstance(marker, dict) and marker.get("id"):
                        kinds = prop.get("type", [])
                        found[name] = (str(marker["id"]), set([kinds] if isinstance(kinds, str) else kinds))
            self._inferred_fields_cache[operation_id] = found
        return self._inferred_fields_cache[operation_id]

    def _only_network_type_wrong(self, request_body: dict[str, Any]) -> bool:
        """Whether networkType is the only thing wrong with a Validate OTP body."""
        problems = self.schemas.request_errors("validateOtp", request_body, self._checked)
        return bool(problems) and all(path == "/networkType" for path in problems)

    def _refusal_code(self, operation: api.Operation, status: int, body: Any) -> None:
        refusal = operation.refusal
        code = body.get(refusal.code_field) if isinstance(body, dict) and not operation.is_success(body) else None
        if isinstance(code, str) and code not in refusal.codes:
            self.unknown_codes[operation.operation_id][code[:40]] += 1  # for the spec to learn
        if isinstance(code, str) and refusal.codes_inferred:
            self.evidence[refusal.codes_inferred].add(
                code in refusal.codes, f"{operation.operation_id} {status}: refusal code {code[:40]!r}"
            )

    def _envelopes(self, operation_id: str, status: int, body: Any) -> None:
        operation = self.api.get(operation_id)
        if operation is not None:
            self._refusal_code(operation, status, body)
        matched = [
            eid
            for eid, component in self.api.envelopes().items()
            if self.schemas.matches(component, body, self._checked)
        ]
        for eid in matched:
            self.evidence[eid].add(True, "")
        if matched or operation is None or not self.schemas.documented(operation_id, status):
            return
        error = self.api.error_inferred or self.api.error_envelope
        refusal = operation.refusal.envelope_inferred or operation.refusal.envelope
        expected = {401: [error], 500: [error], 400: [error, refusal]}
        for eid in expected.get(status, [refusal]):
            self.evidence[eid].add(False, f"{operation_id} {status}: body matches no documented envelope")

    def inferred_report(self) -> dict[str, dict[str, Any]]:
        report: dict[str, dict[str, Any]] = {}
        for marker in spec.markers(self.document):
            if marker.kind != "inferred" or marker.id in report:
                continue
            if marker.id in NOT_CHECKABLE:
                report[marker.id] = {
                    "verdict": "not_checkable",
                    "detail": NOT_CHECKABLE[marker.id],
                    "where": marker.pointer,
                }
                continue
            evidence = self.evidence.get(marker.id, Evidence())
            report[marker.id] = {
                "verdict": evidence.verdict,
                "confirmed": evidence.confirmed,
                "contradicted": evidence.contradicted,
                "examples": evidence.examples,
                "where": marker.pointer,
            }
        return report

    def unknown_codes_report(self) -> dict[str, dict[str, int]]:
        """operationId -> {refusal code the target answered that the spec does not know: times seen}."""
        return {operation: dict(sorted(codes.items())) for operation, codes in sorted(self.unknown_codes.items())}

    def conflict_report(self) -> dict[str, dict[str, Any]]:
        return {
            "otp-counters-type": _decided("integer", self.counter_types, "integer", "numeric_string",
                                          "it sends strings, as the field table says"),
            "otp-counters-casing": _decided("lowerCamel", self.counter_casing, "lowerCamel", "field-table casing",
                                            "it uses the field table's casing"),
        }  # fmt: skip


def _decided(decision: str, seen: Counter[str], follows: str, contradicts: str, how: str) -> dict[str, Any]:
    """The verdict on one recorded contradiction, from what the target was seen to send."""
    observed = dict(sorted(seen.items()))
    if not observed:
        verdict = "not_observed"
    elif set(observed) == {follows}:
        verdict = f"target follows the decision ({decision}, as in the wire sample)"
    elif set(observed) == {contradicts}:
        verdict = f"target contradicts the decision: {how}"
    else:
        verdict = "target is inconsistent: " + ", ".join(sorted(observed))
    return {"decision": decision, "observed": observed, "verdict": verdict}


def kind(value: Any) -> str:
    """What a value is, as the verdicts name it: boolean, integer, numeric_string, string, missing (None), or
    its Python type's name."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, str):
        return "numeric_string" if value.isdigit() else "string"
    return "missing" if value is None else type(value).__name__
