"""Learn: reviewed spec patches proposed from what the sandbox answered.

For each part of the spec that the recorded answers contradict or extend, one proposal: a JSON Patch in the
format of spec/patches/ (`{"reason", "patch"}`) plus `learned`: its fingerprint (what was learned, not how
often: a new night with the same lesson updates the same pull request), the x-inferred or x-doc-conflict ids
it changes, the evidence (counts, first and last seen, the exchanges) and the spec-diff verdict.

    refusal-codes   codes an operation's refusal enum lacks (with an example under the status that carried them)
    status          a status an operation answered that the spec does not document
    counters        the OTP counters' type and casing, when the sandbox goes the field table's way (x-doc-conflict)
    fields          names and types of fields an open (cut-page) answer carries that the spec does not name
    envelope        the fields of refusals that match no documented envelope

What the marks say: a part the patch changes is marked `observed` (source, date, count) beside its x-inferred
reason, not turned into a documented fact; a decision the traffic contradicts stays an x-doc-conflict, with
what was observed, for review. Only the sandbox teaches: a recording from anywhere else is refused unless
`trusted`. Only names, codes and types are learned, never values: a code or name must fit NAME or CODE, hold
no secret the recording carried and no run of digits (a card number), or it is dropped. A proposal learns at most
MAX_LEARNED codes or names (the most seen), of at most MAX_KEPT distinct ones held while reading.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

import jsonpatch

from juspay_kit import api, spec, specdiff
from juspay_kit.contract.observe import COUNTERS, TABLE_CASING, kind
from juspay_kit.contract.safety import SANDBOX_HOST
from juspay_kit.errors import UsageError
from juspay_kit.proxy.recordings import Recording
from juspay_kit.schema import Validators
from juspay_kit.traffic import evidence as ev
from juspay_kit.traffic.drift import Judge, ref_of
from juspay_kit.traffic.evidence import Seen

CODE = re.compile(r"[A-Z][A-Z0-9_]{1,63}")
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
DIGIT_RUN = re.compile(r"\d{6,}")
MAX_KEPT = 1_000  # distinct codes or names held per table while reading: a hostile recording may send millions
MAX_LEARNED = 50  # codes or names one proposal learns, the most seen: its file and pull request stay reviewable


class Learner:
    """Collects what the answers show, exchange by exchange, then proposes patches."""

    def __init__(self, document: dict[str, Any] | None = None, trusted: bool = False, server: str | None = None):
        self.document = document or spec.load()
        self.facts = api.load(self.document)
        self.schemas = Validators(self.document)
        self.trusted = trusted
        self.judge = Judge(self.document, server)  # drift's matching of paths and operations, and its redactor
        self.codes: dict[tuple[str, str, int], Seen] = defaultdict(Seen)  # (operation, code, status)
        self.statuses: dict[tuple[str, int], Seen] = defaultdict(Seen)
        self.shapes: dict[tuple[str, int], dict[str, Seen]] = defaultdict(lambda: defaultdict(Seen))
        self.counters: dict[str, Seen] = defaultdict(Seen)  # "string"/"integer" and "table"/"lowerCamel"
        self.fields: dict[tuple[str, str], Seen] = defaultdict(Seen)  # (operation, name) beyond an open answer
        self.envelopes: dict[tuple[str, int], dict[str, Seen]] = defaultdict(lambda: defaultdict(Seen))
        self.matched: dict[tuple[str, int], set[str]] = defaultdict(set)  # envelopes every undocumented answer matched
        self.hosts: set[str] = set()
        self._open = api.open_answers(self.document)

    def recording(self, recording: Recording) -> None:
        for exchange in recording.exchanges:
            self.exchange(exchange, ref_of(recording, exchange))

    def exchange(self, exchange: dict[str, Any], ref: str) -> None:
        origin = str(exchange.get("origin") or "")
        host = (urlsplit(origin).hostname or origin or "unknown").lower()
        if not self.trusted and origin.lower() != f"https://{SANDBOX_HOST}":  # its scheme, host and port
            raise UsageError(f"{ref}: recorded against {origin[:80]!r}, not https://{SANDBOX_HOST}: only the sandbox "
                             "teaches the spec (--trust-source marks other traffic as trusted, for tests)")  # fmt: skip
        self.hosts.add(host)
        self.judge.secrets(exchange)  # before anything is learned: no secret the recording carried may be taught
        request, response = exchange.get("request") or {}, exchange.get("response")
        path = self.judge.path_of(origin, str(request.get("path", "")))
        if response is None or path is None:
            return
        operation = self.judge.checker.operation_id(str(request.get("method", "")), path)
        facts = self.facts.get(operation)
        status, body = response.get("status"), response.get("body")
        if facts is None or not isinstance(status, int):
            return
        at = exchange.get("startedAt") if isinstance(exchange.get("startedAt"), str) else None
        if status not in facts.statuses:
            key = (facts.operation_id, status)
            envelopes = self._envelopes_matched(facts, body)
            self.matched[key] = envelopes if key not in self.statuses else self.matched[key] & envelopes
            self.statuses[key].add(at, ref)
            for name, value in body.items() if isinstance(body, dict) else ():
                if self._safe(name, NAME) and _room(self.shapes[key], name):
                    self.shapes[key][name].add(at, ref, ev.json_type(value))
        code = body.get(facts.refusal.code_field) if isinstance(body, dict) and status >= 400 else None
        if isinstance(code, str) and code not in facts.refusal.codes and self._safe(code, CODE):
            if _room(self.codes, (facts.operation_id, code, status)):
                self.codes[(facts.operation_id, code, status)].add(at, ref)
        if status == 200 and isinstance(body, dict):
            self._answer(facts, body, at, ref)
        elif 400 <= status < 500 and status in facts.statuses and isinstance(body, dict):
            if not self._envelopes_matched(facts, body):  # asked only of a documented refusal status
                for name, value in body.items():
                    if self._safe(name, NAME) and _room(self.envelopes[(facts.operation_id, status)], name):
                        self.envelopes[(facts.operation_id, status)][name].add(at, ref, ev.json_type(value))

    def _envelopes_matched(self, facts: api.Operation, body: Any) -> set[str]:
        """The documented envelopes an answer matches, its refusal code aside (a new code is learned apart)."""
        if isinstance(body, dict) and isinstance(body.get(facts.refusal.code_field), str) and facts.refusal.codes:
            body = {**body, facts.refusal.code_field: facts.refusal.codes[0]}
        return {name for name in self.facts.envelopes().values() if self.schemas.matches(name, body)}

    def _answer(self, facts: api.Operation, body: dict[str, Any], at: str | None, ref: str) -> None:
        limits = body.get("response")
        if facts.operation_id == "triggerOtp" and isinstance(limits, dict):
            for name, table in zip(COUNTERS, TABLE_CASING, strict=True):
                for spelled in (name, table):
                    if spelled in limits:
                        self.counters["table" if spelled == table else "lowerCamel"].add(at, ref)
                        self.counters[kind(limits[spelled])].add(at, ref)
        if facts.operation_id not in self._open:
            return
        names = self._open[facts.operation_id][0]
        for name, value in body.items():
            if name not in names and self._safe(name, NAME) and _room(self.fields, (facts.operation_id, name)):
                self.fields[(facts.operation_id, name)].add(at, ref, ev.json_type(value))

    def _safe(self, text: Any, pattern: re.Pattern[str]) -> bool:
        """A code or name fit to enter the spec: bounded, plain, and holding no secret the recording carried."""
        return (isinstance(text, str) and bool(pattern.fullmatch(text)) and not DIGIT_RUN.search(text)
                and self.judge.redactor.text(text) == text)  # fmt: skip

    # ---- proposals ------------------------------------------------------------------------------------------

    def proposals(self, date: str) -> list[dict[str, Any]]:
        """One proposal per lesson. Codes and names are judged again first: a secret the traffic showed only
        after a code or name was seen (a card number in a later answer) keeps it out too."""
        self.codes = defaultdict(Seen, {k: v for k, v in self.codes.items() if self._safe(k[1], CODE)})
        self.fields = defaultdict(Seen, {k: v for k, v in self.fields.items() if self._safe(k[1], NAME)})
        for table in (self.shapes, self.envelopes):
            for key, names in list(table.items()):
                safe = [(n, seen) for n, seen in names.items() if self._safe(n, NAME)]
                table[key] = defaultdict(Seen, dict(_most_seen(safe)))
        found: list[dict[str, Any]] = []
        by_operation: dict[str, list[tuple[str, int, Seen]]] = defaultdict(list)
        for (operation, code, status), seen in sorted(self.codes.items()):
            by_operation[operation].append((code, status, seen))
        for operation, codes in by_operation.items():
            found.append(self._codes(operation, _most_seen(codes), date))
        for (operation, status), seen in sorted(self.statuses.items()):
            found.append(self._status(operation, status, seen, date))
        counters = self._counters(date)
        if counters:
            found.append(counters)
        fields: dict[str, list[tuple[str, Seen]]] = defaultdict(list)
        for (operation, name), seen in sorted(self.fields.items()):
            fields[operation].append((name, seen))
        for operation, named in fields.items():
            found.append(self._fields(operation, _most_seen(named), date))
        for (operation, status), shape in sorted(self.envelopes.items()):
            if shape:
                found.append(self._envelope(operation, status, shape, date))
        return [self._finish(proposal) for proposal in found]

    def _observed(self, seen: Seen, date: str) -> dict[str, Any]:
        return {"source": ", ".join(sorted(self.hosts)) or "unknown", "on": (seen.last or date)[:10],
                "count": seen.count}  # fmt: skip

    def _codes(self, operation: str, codes: list[tuple[str, int, Seen]], date: str) -> dict[str, Any]:
        facts = self.facts.operations[operation]
        refusal = facts.refusal
        base = f"/components/schemas/{refusal.envelope}/properties/{refusal.code_field}"
        node = spec.follow(self.document, "#" + base)
        new = sorted({code for code, _, _ in codes})
        total = ev.merged([seen for _, _, seen in codes])
        patch = [{"op": "test", "path": base + "/enum", "value": node["enum"]},
                 {"op": "replace", "path": base + "/enum", "value": node["enum"] + new}]  # fmt: skip
        patch += ev.mark(node, base, self._observed(total, date), {"learned": new})
        for code, status, _ in codes:
            where = self._response_pointer(operation, status)
            if where is not None:
                learned = {refusal.code_field: code, refusal.message_field: "Learned from the sandbox's answers."}
                sample = {**ev.envelope_sample(self.document, where, refusal.envelope, refusal.code_field), **learned}
                patch += ev.example(self.document, where, f"learned-{code.lower().replace('_', '-')}", sample)
        return {"kind": "refusal-codes", "operation": operation, "inferred": [refusal.codes_inferred or ""],
                "title": f"{operation}: {len(new)} refusal code(s) the spec lacks: {', '.join(new)}", "patch": patch,
                "key": new, "evidence": [seen.evidence(f"{refusal.code_field} {code} on {operation} {status}")
                                         for code, status, seen in codes]}  # fmt: skip

    def _status(self, operation: str, status: int, seen: Seen, date: str) -> dict[str, Any]:
        facts = self.facts.operations[operation]
        marker = f"{ev.kebab(operation)}-status-{status}"
        shape = self.shapes.get((operation, status), {})
        schema = ev.shape(shape) if shape else {"type": "object"}
        matched = self.matched.get((operation, status), set())
        if matched:  # every answer matched a documented envelope: the status is learned, the shape is known
            schema = {"$ref": f"#/components/schemas/{sorted(matched)[0]}"}
        response = {"description": f"Answered by the sandbox ({seen.count}×); the pages do not document it.",
                    "x-inferred": {"id": marker, "reason": "Learned from the sandbox's answers: only the status and "
                                   "the types of the body's fields are known.", "observed": self._observed(seen, date)},
                    "content": {"application/json": {"schema": schema}}}  # fmt: skip
        pointer = f"/paths/{ev.escape(facts.path)}/{facts.method.lower()}/responses/{status}"
        return {"kind": "status", "operation": operation, "inferred": [marker], "key": [status],
                "title": f"{operation}: status {status} answered, not documented",
                "patch": [{"op": "add", "path": pointer, "value": response}],
                "evidence": [seen.evidence(f"{operation} answered {status}")]}  # fmt: skip

    def _counters(self, date: str) -> dict[str, Any] | None:
        """The counters' decisions the sandbox went against, each only when it always did (a sandbox that sends
        both forms teaches nothing: drift reports it as inconsistent)."""
        strings = self.counters.get("numeric_string") or self.counters.get("string")
        strings = strings if "integer" not in self.counters else None
        table = self.counters.get("table") if "lowerCamel" not in self.counters else None
        if not strings and not table:
            return None
        base = "/components/schemas/OtpLimits"
        old = spec.follow(self.document, "#" + base)
        new = copy.deepcopy(old)
        ids, evidence = [], []
        if table:
            ids.append("otp-counters-casing")
            evidence.append(table.evidence("the OTP counters in the field table's casing (PascalCase)"))
            names = dict(zip(COUNTERS, TABLE_CASING, strict=True))
            new["properties"] = {names.get(k, k): v for k, v in new["properties"].items()}
            new["required"] = [names.get(k, k) for k in new["required"]]
            new["x-doc-conflict"] = {**new["x-doc-conflict"], "decision": "PascalCase, as in the field table",
                                     "observed": self._observed(table, date)}  # fmt: skip
        if strings:
            ids.append("otp-counters-type")
            evidence.append(strings.evidence("the OTP counters sent as strings"))
            for prop in new["properties"].values():
                prop["type"] = "string"
                if "example" in prop:
                    prop["example"] = str(prop["example"])
                prop["x-doc-conflict"] = {**prop["x-doc-conflict"], "decision": "string, as in the field table",
                                          "observed": self._observed(strings, date)}  # fmt: skip
        return {"kind": "counters", "operation": "triggerOtp", "inferred": ids, "key": ids,
                "title": "triggerOtp: the sandbox sends the OTP counters as the field table says ("
                + " and ".join(i.removeprefix("otp-counters-") for i in ids) + ")",
                "patch": [{"op": "test", "path": base, "value": old}, {"op": "replace", "path": base, "value": new}],
                "evidence": evidence}  # fmt: skip

    def _fields(self, operation: str, named: list[tuple[str, Seen]], date: str) -> dict[str, Any]:
        _, inferred = self._open[operation]
        facts = self.facts.operations[operation]
        ok = ev.target(self.document, f"/paths/{ev.escape(facts.path)}/{facts.method.lower()}/responses/200")
        base = ev.target(self.document, f"{ok}/content/application~1json/schema") + "/properties"
        patch = []
        for name, seen in named:
            kinds = sorted(seen.kinds)
            patch.append({"op": "add", "path": f"{base}/{name}", "value": {
                "type": kinds[0] if len(kinds) == 1 else kinds,
                "x-inferred": {"id": f"{ev.kebab(operation)}-field-{ev.kebab(name)}", "reason": "Seen in the sandbox's "
                               "answers; the page is cut off before it. Only the name and the type are known.",
                               "observed": self._observed(seen, date)}}})  # fmt: skip
        return {"kind": "fields", "operation": operation, "inferred": [inferred], "key": [n for n, _ in named],
                "title": f"{operation}: {len(named)} answer field(s) the spec does not name: "
                + ", ".join(n for n, _ in named), "patch": patch,
                "evidence": [seen.evidence(f"{name} ({'/'.join(sorted(seen.kinds))}) in {operation} 200")
                             for name, seen in named]}  # fmt: skip

    def _envelope(self, operation: str, status: int, shape: dict[str, Seen], date: str) -> dict[str, Any]:
        facts = self.facts.operations[operation]
        marker = facts.refusal.envelope_inferred or facts.refusal.envelope
        learned = f"{facts.refusal.envelope}Observed"
        total = ev.merged(list(shape.values()))
        mark = {
            "id": f"{marker}-observed",
            "observed": self._observed(total, date),
            "reason": "Learned from refusals that matched no documented envelope: names and types only.",
        }
        schema = {**ev.shape(shape), "description": f"Refusals of {operation} as the sandbox sent them ({status}).",
                  "x-inferred": mark}  # fmt: skip
        pointer = self._response_pointer(operation, status)
        patch = [{"op": "add", "path": f"/components/schemas/{learned}", "value": schema}]
        if pointer is not None:
            where = f"{pointer}/content/application~1json/schema"
            old = spec.follow(self.document, "#" + where)
            patch += [{"op": "test", "path": where, "value": old},
                      {"op": "replace", "path": where,
                       "value": {"anyOf": [old, {"$ref": f"#/components/schemas/{learned}"}]}}]  # fmt: skip
        return {"kind": "envelope", "operation": operation, "inferred": [marker], "key": [status, *sorted(shape)],
                "title": f"{operation} {status}: refusals match no documented envelope",
                "patch": patch, "evidence": [total.evidence(f"{operation} {status} refusal with fields "
                                                            + ", ".join(sorted(shape)))]}  # fmt: skip

    def _response_pointer(self, operation: str, status: int) -> str | None:
        """The pointer of the response object an operation answers `status` with (following one $ref)."""
        facts = self.facts.operations[operation]
        pointer = f"/paths/{ev.escape(facts.path)}/{facts.method.lower()}/responses/{status}"
        try:
            node = spec.follow(self.document, "#" + pointer)
        except KeyError:  # an undocumented status has no response object
            return None
        if isinstance(node, dict) and "$ref" in node:
            return str(node["$ref"]).removeprefix("#")
        return pointer

    def _finish(self, proposal: dict[str, Any]) -> dict[str, Any]:
        """The proposal file: spec/patches/ format plus `learned`, every text through the redactor."""
        key = json.dumps([proposal["kind"], proposal["operation"], proposal["key"]], sort_keys=True)
        fingerprint = "l-" + hashlib.sha256(key.encode()).hexdigest()[:16]
        new_document = jsonpatch.JsonPatch(proposal["patch"]).apply(self.document)
        changes = specdiff.compare(self.document, new_document)
        verdict = "breaking" if any(c.breaking for c in changes) else "non-breaking" if changes else "no visible change"
        learned = {"fingerprint": fingerprint, "kind": proposal["kind"], "title": proposal["title"],
                   "inferred": [i for i in proposal["inferred"] if i], "evidence": proposal["evidence"],
                   "specDiff": {"verdict": verdict, "changes": [f"{'breaking' if c.breaking else 'safe'}: "
                                                                f"{c.operation}: {c.detail}" for c in changes]},
                   "source": {"host": ", ".join(sorted(self.hosts)), "trusted": self.trusted}}  # fmt: skip
        data = {"reason": proposal["title"], "patch": proposal["patch"], "learned": learned}
        return dict(self.judge.redactor.value(data))


def _room(table: dict[Any, Any], key: Any) -> bool:
    """Whether `key` is, or may become, one of the MAX_KEPT distinct keys of `table`."""
    return key in table or len(table) < MAX_KEPT


def _most_seen(items: list[Any]) -> list[Any]:
    """The MAX_LEARNED items (each ending with its Seen) seen most often, in their order."""
    kept = {id(item) for item in sorted(items, key=lambda item: -item[-1].count)[:MAX_LEARNED]}
    return [item for item in items if id(item) in kept]
