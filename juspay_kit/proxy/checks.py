"""The checks the proxy applies to each exchange: small named functions, registered once, driven by the spec.

Request:  known_operation · basic_auth · required_header · request_content_type · request_schema
Response: ignored_auth · missing_required_header · negative_data_rejection (a request that broke the
          contract answered 2xx) · not_a_server_error · status_code_conformance · content_type_conformance ·
          response_schema_conformance · unknown_refusal_code · success_envelope; and unsupported_method (a
          documented path answered with something else than 405 for an undocumented method).

`REQUEST_CHECKS` and `RESPONSE_CHECKS` list them in the order they run. Messages name the rule and the field
path, never the value: a value may be an OTP.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from juspay_visa_agentic_client.limits import MAX_JSON_DEPTH, json_depth

from juspay_kit import api, schema, spec
from juspay_kit.schema import resolve
from juspay_kit.wire import basic_credential, decode_credential

REQUEST, RESPONSE = "request", "response"


@dataclass(frozen=True)
class Violation:
    check: str
    direction: str  # "request" or "response"
    path: str  # a JSON pointer into the body, or the header / status it concerns
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "direction": self.direction, "path": self.path, "message": self.message}


@dataclass(frozen=True)
class _Operation:
    facts: api.Operation
    request: Any  # compiled request-body validator
    headers: tuple[tuple[str, int], ...]  # required header parameters: (lower-cased name, minLength)
    responses: dict[int, Any]  # status -> compiled response-body validator


@dataclass
class Exchange:
    """What the checks of one exchange read. `body` of the answer is None when its encoding could not be undone."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    operation: _Operation | None
    documented_path: bool
    status: int = 0
    answer_headers: dict[str, str] = field(default_factory=dict)
    answer_body: bytes | None = None
    sent: list[Violation] = field(default_factory=list)  # the request's own violations
    _parsed: tuple[Any, str | None] | None = None
    _sent_parsed: tuple[Any, str | None] | None = None

    def preparsed(self, request: Any = None, answer: Any = None) -> None:
        """Bodies a reader already parsed and `schema.hazard` passed (drift reads recordings): not parsed again.
        None leaves that body to be parsed from its bytes."""
        if request is not None:
            self._sent_parsed = (request, None)
        if answer is not None:
            self._parsed = (answer, None)

    def request_json(self) -> tuple[Any, str | None]:
        """(parsed request, None), or (None, why it is not JSON), parsed once."""
        if self._sent_parsed is None:
            self._sent_parsed = _json(self.body)
        return self._sent_parsed

    def answer_json(self) -> tuple[Any, str | None]:
        """(parsed answer, None), or (None, why not) when it is not a JSON answer the body checks can read;
        parsed once for all the checks."""
        if not _is_json(self.answer_headers.get("content-type")):
            return None, "content type"  # whatever was parsed: a body that is not declared JSON is not read as JSON
        if self._parsed is None:
            if self.answer_body is None:
                self._parsed = (None, "encoding")
            else:
                self._parsed = _json(self.answer_body)
        return self._parsed


Check = Callable[[Exchange], Iterator[Violation]]
REQUEST_CHECKS: list[Check] = []
RESPONSE_CHECKS: list[Check] = []


def request_check(function: Check) -> Check:
    REQUEST_CHECKS.append(function)
    return function


def response_check(function: Check) -> Check:
    RESPONSE_CHECKS.append(function)
    return function


def _json(raw: bytes) -> tuple[Any, str | None]:
    """(parsed body, None) or (None, why it is not JSON)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "body is not UTF-8"
    if json_depth(raw) > MAX_JSON_DEPTH:  # the depth cap every reader shares, counted before parsing
        return None, "body nests too deeply to parse"
    try:
        parsed = json.loads(text)
    except ValueError:
        return None, "body is not valid JSON"
    found = schema.hazard(parsed)  # a value no validator takes: judged here, never handed to one
    return (None, f"body field {found[0]} holds {found[1]}") if found else (parsed, None)


def _is_json(content_type: str | None) -> bool:
    return content_type is not None and _json_type(content_type)


@functools.lru_cache(maxsize=256)  # a handful of distinct values in any traffic
def _json_type(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/json"


# ---- request ----------------------------------------------------------------------------------------------


@request_check
def known_operation(x: Exchange) -> Iterator[Violation]:
    if x.operation is None:
        where = "method" if x.documented_path else "path"
        yield Violation("known_operation", REQUEST, x.path, f"{x.method.upper()} {x.path}: undocumented {where}")


@request_check
def basic_auth(x: Exchange) -> Iterator[Violation]:
    problem = _basic_problem(x.headers.get("authorization"))
    if problem:
        yield Violation("basic_auth", REQUEST, "Authorization", problem)


@functools.lru_cache(maxsize=256)  # a client sends the same few values again and again; kept in memory only
def _basic_problem(value: str | None) -> str | None:
    credential = basic_credential(value)
    decoded = decode_credential(credential) if credential is not None else None
    if value is None:
        return "no Authorization header"
    if credential is None:
        return "Authorization does not use the Basic scheme"
    if decoded is None or not _utf8(decoded):
        return "Basic credential is not base64 of key:password"
    return None


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@request_check
def required_header(x: Exchange) -> Iterator[Violation]:
    for name, min_length in x.operation.headers if x.operation else ():
        value = x.headers.get(name)
        if value is None:
            yield Violation("required_header", REQUEST, name, "required header is missing")
        elif len(value) < min_length:
            yield Violation("required_header", REQUEST, name, "required header is empty")


@request_check
def request_content_type(x: Exchange) -> Iterator[Violation]:
    if not _is_json(x.headers.get("content-type")):
        yield Violation("request_content_type", REQUEST, "Content-Type", "expected application/json")


@request_check
def request_schema(x: Exchange) -> Iterator[Violation]:
    payload, why = x.request_json()
    if why:
        yield Violation("request_schema", REQUEST, "/", why)
    elif x.operation is not None:
        for problem in schema.problems(x.operation.request, payload, checked=True):
            yield Violation("request_schema", REQUEST, *problem.describe())


# ---- response ---------------------------------------------------------------------------------------------


@response_check
def refused_request_accepted(x: Exchange) -> Iterator[Violation]:
    """ignored_auth, missing_required_header, negative_data_rejection: a broken request answered 2xx, one
    violation per distinct request check it broke."""
    if not 200 <= x.status < 300:
        return
    names = {"basic_auth": "ignored_auth", "required_header": "missing_required_header"}
    for broken in dict.fromkeys(v.check for v in x.sent):
        check = names.get(broken, "negative_data_rejection")
        yield Violation(check, RESPONSE, "status", f"{x.status} to a request that broke {broken}")


@response_check
def not_a_server_error(x: Exchange) -> Iterator[Violation]:
    if x.status >= 500:
        yield Violation("not_a_server_error", RESPONSE, "status", f"{x.status}: the server failed")


@response_check
def status_code_conformance(x: Exchange) -> Iterator[Violation]:
    if x.operation is not None and x.status not in x.operation.responses:
        yield Violation("status_code_conformance", RESPONSE, "status", f"{x.status} is not documented")


@response_check
def content_type_conformance(x: Exchange) -> Iterator[Violation]:
    if not _is_json(x.answer_headers.get("content-type")):
        yield Violation("content_type_conformance", RESPONSE, "Content-Type", "expected application/json")


@response_check
def response_schema_conformance(x: Exchange) -> Iterator[Violation]:
    payload, why = x.answer_json()
    if why in ("content type", "encoding"):
        return
    if why:
        yield Violation("response_schema_conformance", RESPONSE, "/", why)
        return
    validator = x.operation.responses.get(x.status) if x.operation else None
    if validator is not None:
        for problem in schema.problems(validator, payload, checked=True):
            yield Violation("response_schema_conformance", RESPONSE, *problem.describe())


@response_check
def unknown_refusal_code(x: Exchange) -> Iterator[Violation]:
    """A refusal code the spec does not list (the codes are inferred): named, so that the spec can learn it."""
    payload, why = x.answer_json()
    facts = x.operation.facts if x.operation else None
    if why is None and facts is not None and 400 <= x.status < 500 and isinstance(payload, dict):
        code = payload.get(facts.refusal.code_field)
        if isinstance(code, str) and code not in facts.refusal.codes and not facts.is_success(payload):
            yield Violation("unknown_refusal_code", RESPONSE, "/" + facts.refusal.code_field,
                            f"refusal code {code[:40]!r} is not in the spec")  # fmt: skip


@response_check
def success_envelope(x: Exchange) -> Iterator[Violation]:
    payload, why = x.answer_json()
    facts = x.operation.facts if x.operation else None
    if x.status == 200 and why is None and facts is not None and isinstance(payload, dict):
        if not facts.is_success(payload):
            where = "/" + facts.success_field
            yield Violation(
                "success_envelope",
                RESPONSE,
                where,
                f"a 200 answer whose {facts.success_field} is not {facts.success_value}",
            )


class ExchangeChecker:
    """Runs the registered checks on one request and its answer."""

    def __init__(self, document: dict[str, Any] | None = None) -> None:
        # The validators are the ones the rest of the kit compiled, once per process (or this document's).
        validators = schema.shared() if document is None else schema.Validators(document)
        facts = api.shared() if document is None else api.load(document)
        document = document or spec.load()
        self._operations: dict[tuple[str, str], _Operation] = {}
        self.paths: set[str] = set()
        for path, method, raw in spec.operations(document):
            operation = resolve(document, raw)
            operation_id = raw["operationId"]
            headers = tuple(
                (p["name"].lower(), int(p.get("schema", {}).get("minLength", 0)))
                for p in operation.get("parameters", [])
                if p.get("in") == "header" and p.get("required")
            )
            responses = {
                int(status): validators.response_validator(operation_id, int(status))
                for status in operation["responses"]
                if status.isdigit()
            }
            request = validators.request_validator(operation_id)
            found = facts.get(operation_id)
            assert found is not None
            self._operations[(method, path)] = _Operation(found, request, headers, responses)
            self.paths.add(path)

    def operation_id(self, method: str, path: str) -> str | None:
        found = self._operations.get((method.upper(), path))
        return found.facts.operation_id if found else None

    def exchange(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Exchange:
        return Exchange(method, path, headers, body, self._operations.get((method.upper(), path)), path in self.paths)

    def request(self, x: Exchange) -> list[Violation]:
        if x.operation is None:  # nothing else can be judged against the spec
            return list(known_operation(x))
        found = [violation for check in REQUEST_CHECKS for violation in check(x)]
        x.sent = list(found)
        return found

    def response(self, x: Exchange, status: int, headers: dict[str, str], body: bytes | None) -> list[Violation]:
        """Checks of the answer (`body` None: an encoding the proxy cannot undo, so the body is not checked)."""
        x.status, x.answer_headers, x.answer_body = status, headers, body
        if x.operation is None:
            if x.documented_path and status != 405:
                return [Violation("unsupported_method", RESPONSE, "status", f"{status} for an undocumented method")]
            return []
        return [violation for check in RESPONSE_CHECKS for violation in check(x)]
