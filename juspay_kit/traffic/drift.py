"""Drift: recorded traffic judged against the spec, whoever recorded it (HAR, VCR.py cassettes, the kit's own).

    recordings ──► each exchange matched to an operation (a server prefix stripped; the rest undocumented)
               ──► the proxy's registered checks on the request and on its answer (status, content type,
                   schema with the field path, Basic auth, x-merchantid, refusal codes the spec lacks)
               ──► the journey's rules over the recorded order (traffic/journey.py)
               ──► a verdict on every inferred part the answers touch, and on the recorded contradictions
               ──► coverage: operations, statuses, fields and refusal codes exercised

What a recording masked (the proxy's "Basic [masked-key-1]", "[masked-otp]") is not judged as sent: a masked
credential counts as Basic, a masked secret field as valid. A recording whose requests carry no Authorization
at all (VCR.py's filter_headers) is not held to the auth check; the report says so. Findings name the check,
the operation, the field path and where the exchange sits in its file, never a value; every text passes
through a redactor that learned the recording's key, OTPs and credentials first.
"""

from __future__ import annotations

import itertools
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any
from urllib.parse import SplitResult, urlsplit

from juspay_kit import api, spec
from juspay_kit.contract.observe import Observations
from juspay_kit.errors import UsageError
from juspay_kit.proxy.cassette import body_bytes, learn_secrets
from juspay_kit.proxy.checks import ExchangeChecker, Violation
from juspay_kit.proxy.recorded import origin_of
from juspay_kit.proxy.recordings import Recording
from juspay_kit.redact import MAX_SECRET_CHARS, MAX_SECRETS, Redactor, fields_in_text, form_secrets, secrets_in
from juspay_kit.traffic import journey
from juspay_kit.traffic.coverage import Coverage

MASKED_CREDENTIAL = re.compile(r"\s*\S+\s+\[masked(-key-\d+)?\]\s*")
MAX_REFS = 5  # exchanges named per finding
CHUNK = 32  # exchanges read before they are judged
MAX_FINDINGS = 10_000  # kinds of finding kept (a hostile recording could make each exchange its own)


@dataclass
class Finding:
    """One kind of drift, with how often it was seen and where (the first MAX_REFS exchanges)."""

    check: str
    operation: str  # operationId, or "METHOD /path" for an undocumented one
    where: str  # field path, header, or "status"
    message: str
    direction: str = "response"
    inferred: str = ""  # the x-inferred (or x-doc-conflict) id the finding is evidence against
    level: str = "error"  # "warning": the traffic extends the spec (a field an open answer does not name)
    count: int = 0
    refs: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "operation": self.operation, "direction": self.direction, "where": self.where,
                "message": self.message, "inferred": self.inferred, "level": self.level, "count": self.count,
                "exchanges": self.refs}  # fmt: skip


@dataclass
class Drift:
    sources: list[dict[str, Any]] = field(default_factory=list)  # path, format, exchanges
    exchanges: int = 0
    judged: int = 0
    unanswered: int = 0
    outside: int = 0  # exchanges not under --server
    findings: list[Finding] = field(default_factory=list)
    rules: list[journey.RuleVerdict] = field(default_factory=list)
    inferred: dict[str, dict[str, Any]] = field(default_factory=dict)
    conflicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    coverage: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    redocly: dict[str, Any] | None = None  # side by side with Redocly's drift on the same traffic (compare.py)

    @property
    def failures(self) -> int:
        """Every finding, contradicted rule, contradicted inference and contradicted decision counts once."""
        rules = sum(verdict.verdict == "contradicted" for verdict in self.rules)
        inferred = sum(bool(report["verdict"] == "contradicted") for report in self.inferred.values())
        conflicts = sum(against(report) for report in self.conflicts.values())
        return sum(f.level == "error" for f in self.findings) + rules + inferred + conflicts

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": "drift" if self.failures else "no drift" if self.judged else "nothing judged",
            "failures": self.failures,
            "sources": self.sources,
            "exchanges": {
                "recorded": self.exchanges,
                "judged": self.judged,
                "unanswered": self.unanswered,
                "outsideServer": self.outside,
            },  # fmt: skip
            "findings": [finding.as_dict() for finding in self.findings],
            "rules": {verdict.rule.id: verdict.as_dict() for verdict in self.rules},
            "inferred": self.inferred,
            "conflicts": self.conflicts,
            "coverage": self.coverage,
            "notes": self.notes,
            **({"redocly": self.redocly} if self.redocly is not None else {}),
        }


class Judge:
    """Judges exchanges one at a time (bounded memory: findings are grouped, coverage is counted)."""

    def __init__(self, document: dict[str, Any] | None = None, server: str | None = None) -> None:
        self.custom = document  # None: the kit's spec, its validators compiled once per process
        self.document = document or spec.load()
        self.facts = api.load(self.document) if document is not None else api.shared()
        self.checker = ExchangeChecker(document)
        self.observations = Observations(document)
        self._redactor = Redactor()
        self._queued: OrderedDict[str, None] = OrderedDict()  # secrets seen, newest last, not yet taught (`redactor`)
        self.result = Drift()
        self.steps: list[journey.Step] = []
        self._grouped: dict[tuple[str, str, str, str, str], Finding] = {}
        self.server = server
        self._server = _server(server)
        self._coverage = Coverage(self.document, self.facts)
        self._auth_seen = False
        self._dropped = 0
        self._keys_seen: set[str] = set()  # Authorization values already learned (each once, at most 1,000)
        self._forgotten = 0  # what the redactor had forgotten when _keys_seen was last trusted
        self._secret_fields = self.facts.otp_fields | self.facts.credential_fields
        self._open_fields = api.open_answers(self.document)
        self.workers: list[BaseProcess] = []  # forked by `shares.judge`, done, joined in `finish`
        self.parsed: Recording | None = None  # the recording `shares.judge` parsed here, kept as long

    def recording(self, recording: Recording) -> None:
        start = self.result.exchanges
        self.each(recording, recording.exchanges)
        self.judged_source(recording, start)

    def judged_source(self, recording: Recording, start: int) -> None:
        """Name a recording among the sources, with the exchanges judged since `start`."""
        self.result.sources.append(
            {"path": str(recording.path), "format": recording.format, "exchanges": self.result.exchanges - start}
        )

    def each(self, recording: Recording, exchanges: Iterable[dict[str, Any]]) -> None:
        """Judge these exchanges of `recording`, each named by its file and its place in it. They are read a few at
        a time, then judged (a sixth faster than reading and judging by turns: each loop stays warm)."""
        exchanges = iter(exchanges)
        while chunk := list(itertools.islice(exchanges, CHUNK)):
            for exchange in chunk:
                self.result.exchanges += 1
                self.exchange(exchange, ref_of(recording, exchange))

    @property
    def redactor(self) -> Redactor:
        """The redactor, taught every secret seen so far. A body's OTPs and credentials are queued as they come and
        taught here, the newest MAX_SECRETS of them (all a redactor keeps): a recording of many journeys holds
        thousands, and teaching each as it came cost more than judging. The keys are taught again last, so that
        they are the last a redactor would forget."""
        self._teach([])
        return self._redactor

    def _teach(self, learned: list[str]) -> None:
        """Teach the redactor what is queued, then these secrets ("secret:VALUE", "key:VALUE"), then every key it
        knows again: the keys stay the last it would forget, whatever a recording's (or a share's) credentials."""
        queued = ["secret:" + value for value in self._queued]
        self._queued.clear()
        if queued or learned:
            keys = [name for name in self._redactor.learned() if name.startswith("key:")]
            self._redactor.relearn(queued + learned + keys)

    def secrets(self, exchange: dict[str, Any]) -> dict[str, str]:
        """Learn the secrets an exchange carries (its key, OTPs, credentials in either body, parsed or not, or the
        query); its request headers, lower-cased, a credential masked on record standing as Basic (its value is not
        known, nor a secret)."""
        request, response = exchange.get("request") or {}, exchange.get("response")
        headers = {k.lower(): v for k, v in (request.get("headers") or {}).items()}
        if self._redactor.forgotten != self._forgotten:  # a key taught before may be gone: each is taught again
            self._keys_seen, self._forgotten = set(), self._redactor.forgotten
        if MASKED_CREDENTIAL.fullmatch(headers.get("authorization", "")):
            headers["authorization"] = "Basic " + api.encode_basic("masked")
        elif headers.get("authorization") not in self._keys_seen or "x-api-key" in headers or "api-key" in headers:
            learn_secrets(self._redactor, headers)
            if len(self._keys_seen) < 1000:
                self._keys_seen.add(headers.get("authorization", ""))
        queued = self._queued
        answered = response if isinstance(response, dict) else {}
        found: Iterable[str] = secrets_in(request.get("body")) + secrets_in(answered.get("body"))
        for text in (request.get("query"), request.get("bodyText"), answered.get("bodyText")):
            if text and isinstance(text, str):  # a form, or JSON no validator takes (read as text: `text_fields`),
                found = itertools.chain(found, fields_in_text(text), form_secrets(text))  # a pair at a time
        for value in found:
            value = value[:MAX_SECRET_CHARS]  # as the redactor would keep it: a hostile body holds no more
            queued[value] = None
            queued.move_to_end(value)
            if len(queued) > MAX_SECRETS:
                queued.popitem(last=False)
        return headers

    def exchange(self, exchange: dict[str, Any], ref: str) -> None:
        request, response = exchange.get("request") or {}, exchange.get("response")
        headers = self.secrets(exchange)
        path = self.path_of(str(exchange.get("origin") or ""), str(request.get("path", "")))
        if path is None:
            self.result.outside += 1
            return
        if response is None:
            self.result.unanswered += 1
            return
        self._auth_seen = self._auth_seen or "authorization" in headers
        method = str(request.get("method", "")).upper()
        sent_body, answer_body = request.get("body"), response.get("body")
        # a recording's `body` is JSON every validator takes (recorded.py): the checks take it as parsed (JSON null,
        # which `preparsed` reads as "not parsed", from its bytes)
        x = self.checker.exchange(method, path, headers, b"" if sent_body is not None else body_bytes(request))
        x.preparsed(sent_body, answer_body)
        sent = [v for v in self.checker.request(x) if not self._masked(v, request.get("body"))]
        x.sent = [v for v in x.sent if v in sent]
        answer_headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
        status = int(response.get("status", 0))
        answer_raw = b"" if answer_body is not None else body_bytes(response)
        found = sent + [
            v
            for v in self.checker.response(x, status, answer_headers, answer_raw)
            if not self._masked(v, response.get("body"))
        ]
        operation = x.operation.facts.operation_id if x.operation else f"{method} {path}"
        for violation in found:
            self._add(operation, violation, ref)
        open_answer = self._open_fields.get(operation) if x.operation is not None and status == 200 else None
        if open_answer is not None:
            for name in _extra(x.answer_json()[0], open_answer[0]):
                extra = Violation("undocumented_field", "response", "/" + name, "a field the spec does not name")
                self._add(operation, extra, ref, "warning", open_answer[1])
        self.result.judged += 1
        if x.operation is None:
            return
        payload, why = x.answer_json()
        answer = payload if why is None else None
        self.observations.record(operation, status, answer, negative_body=bool(sent), checked=True,
                                 merchant_header=headers.get("x-merchantid"), request_body=sent_body)  # fmt: skip
        success = x.operation.facts.success_field
        self.steps.append(journey.Step.slim(operation, sent_body, status, answer, ref, headers.get("x-merchantid", ""),
                                            success))  # fmt: skip
        self._coverage.add(operation, status, sent_body, answer, self.facts.refusal_code(answer))

    def state(self) -> dict[str, Any]:
        """What this judge has seen, as plain data."""
        return {"exchanges": self.result.exchanges, "judged": self.result.judged, "outside": self.result.outside,
                "unanswered": self.result.unanswered, "grouped": self._grouped,
                "steps": [step.as_tuple() for step in self.steps],  # tuples: handed over in half the time
                "observations": self.observations.counts(), "coverage": self._coverage.counts(),
                "secrets": self.redactor.learned(), "auth": self._auth_seen, "dropped": self._dropped}  # fmt: skip

    def absorb(self, state: dict[str, Any]) -> None:
        """Add a state another judge saw after everything this one saw."""
        for name in ("exchanges", "judged", "outside", "unanswered"):
            setattr(self.result, name, getattr(self.result, name) + state[name])
        for key, theirs in state["grouped"].items():
            mine = self._grouped.get(key)
            if mine is not None:
                mine.count += theirs.count
                mine.refs = (mine.refs + theirs.refs)[:MAX_REFS]
            elif len(self._grouped) < MAX_FINDINGS:
                self._grouped[key] = theirs
            else:
                self._dropped += theirs.count
        self.steps += [journey.Step(*step) for step in state["steps"]]
        self.observations.absorb(state["observations"])
        self._coverage.absorb(state["coverage"])
        self._teach(state["secrets"])  # after what this judge queued
        self._auth_seen = self._auth_seen or state["auth"]
        self._dropped += state["dropped"]

    def path_of(self, origin: str, path: str) -> str | None:
        """The API path of a recorded request: under --server with its prefix stripped (None: not under it)."""
        if self._server is None:
            return path
        server_origin, prefix = self._server
        if server_origin and origin and origin.lower() != server_origin:
            return None
        if prefix and not (path == prefix or path.startswith(prefix + "/")):
            return None
        return path[len(prefix) :] or "/"

    def _masked(self, violation: Violation, body: Any) -> bool:
        """A schema violation of a secret field the recording masked: the value sent is not known."""
        if violation.check not in ("request_schema", "response_schema_conformance") or not isinstance(body, dict):
            return False
        node: Any = body
        for part in violation.path.strip("/").split("/") if violation.path.strip("/") else []:
            node = node.get(part) if isinstance(node, dict) else None
        name = violation.path.rsplit("/", 1)[-1]
        return name in self._secret_fields and isinstance(node, str) and node.startswith("[masked")

    def _add(self, operation: str, violation: Violation, ref: str, level: str = "error", inferred: str = "") -> None:
        """Count a violation into its group; texts are masked in `finish`, once the redactor knows every secret."""
        key = (violation.check, operation, violation.direction, violation.path, violation.message)
        finding = self._grouped.get(key)
        if finding is None:
            if len(self._grouped) >= MAX_FINDINGS:
                self._dropped += 1
                return
            check = "undocumented" if violation.check == "known_operation" else violation.check
            inferred = inferred or self._inferred_of(operation, violation)
            finding = self._grouped[key] = Finding(check, operation, violation.path, violation.message,
                                                   violation.direction, inferred, level)  # fmt: skip
        finding.count += 1
        if len(finding.refs) < MAX_REFS:
            finding.refs.append(ref)

    def _inferred_of(self, operation: str, violation: Violation) -> str:
        facts = self.facts.get(operation)
        if facts is None:
            return ""
        if violation.check == "unknown_refusal_code":
            return facts.refusal.codes_inferred or ""
        return ""

    def finish(self) -> Drift:
        result = self.result
        if result.judged and not self._auth_seen:
            self._drop("basic_auth")
            self._drop("ignored_auth")
            result.notes.append("no request carries an Authorization header (filtered when recorded?): "
                                "Basic auth was not judged")  # fmt: skip
        for finding in self._grouped.values():
            text = self.redactor.text
            finding.operation, finding.where, finding.message = (
                text(finding.operation),
                text(finding.where),
                text(finding.message),
            )
        result.findings = sorted(self._grouped.values(), key=lambda f: (f.operation, f.check, f.where, f.message))
        if self._dropped:
            result.notes.append(
                f"{self._dropped} occurrence(s) of findings past the first {MAX_FINDINGS} kinds were not kept"
            )
        result.rules = journey.judge(self.steps, self.facts)
        report = self.observations.inferred_report()
        result.inferred = {k: v for k, v in report.items() if v["verdict"] in ("confirmed", "contradicted")}
        for report_item in result.inferred.values():
            report_item["examples"] = [self.redactor.text(e) for e in report_item.get("examples", [])]
        result.conflicts = self.observations.conflict_report()
        result.coverage = self._coverage.report()
        if not result.judged:
            result.notes.append("no exchange was judged (an empty recording, or none under --server): nothing passed")
        if result.outside:
            result.notes.append(f"{result.outside} exchange(s) not under --server were left out")
        if result.unanswered:
            result.notes.append(f"{result.unanswered} request(s) got no answer in the recording: not judged")
        for worker in self.workers:  # last: each was taking back its memory meanwhile
            worker.join()
        self.workers.clear()
        return result

    def _drop(self, check: str) -> None:
        self._grouped = {key: found for key, found in self._grouped.items() if found.check != check}


def ref_of(recording: Recording, exchange: dict[str, Any]) -> str:
    """Where an exchange sits: its file's name and its place in the file ("night.har#log.entries[3]")."""
    return f"{recording.path.name}#{exchange.get('ref', '')}"


def against(report: dict[str, Any]) -> bool:
    """Whether a recorded contradiction's verdict says the target went against the decision."""
    verdict = str(report["verdict"])
    return "contradicts" in verdict or "inconsistent" in verdict


def _extra(payload: Any, names: set[str]) -> list[str]:
    return sorted(str(k)[:64] for k in payload if k not in names)[:20] if isinstance(payload, dict) else []


def drift(recordings: Iterable[Recording], document: dict[str, Any] | None = None, server: str | None = None) -> Drift:
    judge = Judge(document, server)
    for recording in recordings:
        judge.recording(recording)
    return judge.finish()


def _server(url: str | None) -> tuple[str, str] | None:
    """(origin, path prefix) of --server, its origin read as a recording's are (`recorded.origin_of`: no userinfo,
    the host in lower case, no default port); origin "" when only a path prefix is given."""
    if url is None:
        return None
    try:
        parts: SplitResult | None = urlsplit(url)
        origin = origin_of(parts) if parts and parts.scheme.lower() in ("http", "https") and parts.hostname else ""
    except ValueError:  # a port out of range, a broken IPv6 address
        parts, origin = None, ""
    if parts is None or (not origin and (parts.netloc or not url.startswith("/"))):
        raise UsageError("--server must be an http(s) URL with a host, or a path prefix starting with /")
    return origin, parts.path.rstrip("/")
