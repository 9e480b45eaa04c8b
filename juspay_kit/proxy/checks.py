"""The checks the proxy applies to each exchange, driven by the vendored spec (compiled once per process).

Request:  known_operation · basic_auth · required_header · request_content_type · request_schema
Response: not_a_server_error · status_code_conformance · content_type_conformance ·
          response_schema_conformance · success_envelope, and, when the request broke the contract but was answered 2xx:
          ignored_auth · missing_required_header · negative_data_rejection; a documented path answered
          with something else than 405 for an undocumented method: unsupported_method.

Messages name the rule and the field path, never the value: a value may be an OTP.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from juspay_kit import spec
from juspay_kit.schema import resolve, shared

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
    operation_id: str
    request: Any  # compiled request-body validator
    headers: tuple[tuple[str, int], ...]  # required header parameters: (lower-cased name, minLength)
    responses: dict[int, Any]  # status -> compiled response-body validator


def _pointer(parts: Any) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts) if parts else "/"


def describe(error: Any) -> tuple[str, str]:
    """(field path, message) of a jsonschema_rs error, without the offending value."""
    kind = error.kind
    path = _pointer(list(error.instance_path))
    rule = type(kind).__name__
    if rule == "Required":
        return (path.rstrip("/") + "/" + str(kind.property), "required field is missing")
    if rule == "AdditionalProperties":
        return (path, "undocumented field(s): " + ", ".join(sorted(str(u) for u in kind.unexpected))[:200])
    if rule == "Type":
        types = [str(t).split(".")[-1].lower() for t in kind.types]
        return (path, "expected type " + " or ".join(types))
    if rule == "Enum":
        return (path, "not one of the documented values")
    if rule in ("OneOfNotValid", "AnyOf"):
        return (path, "matches none of the documented shapes")
    return (path, f"violates {rule[:1].lower() + rule[1:]}")


def _json(raw: bytes) -> tuple[Any, str | None]:
    """(parsed body, None) or (None, why it is not JSON)."""
    try:
        return json.loads(raw.decode("utf-8")), None
    except UnicodeDecodeError:
        return None, "body is not UTF-8"
    except RecursionError:
        return None, "body nests too deeply to parse"
    except ValueError:
        return None, "body is not valid JSON"


def _is_json(content_type: str | None) -> bool:
    return content_type is not None and content_type.split(";")[0].strip().lower() == "application/json"


def _basic_problem(value: str | None) -> str | None:
    if value is None:
        return "no Authorization header"
    scheme, _, credential = value.strip().partition(" ")
    if scheme.lower() != "basic":
        return "Authorization does not use the Basic scheme"
    try:
        base64.b64decode(credential.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return "Basic credential is not base64 of key:password"
    return None


class ExchangeChecker:
    """Checks one request and its answer against the spec; each method returns the violations found."""

    def __init__(self) -> None:
        schemas = shared()  # the validators are the ones the rest of the kit compiled, once per process
        document = spec.load()
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
                int(status): schemas.response_validator(operation_id, int(status))
                for status in operation["responses"]
                if status.isdigit()
            }
            request = schemas.request_validator(operation_id)
            self._operations[(method, path)] = _Operation(operation_id, request, headers, responses)
            self.paths.add(path)

    def operation_id(self, method: str, path: str) -> str | None:
        found = self._operations.get((method.upper(), path))
        return found.operation_id if found else None

    def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> list[Violation]:
        operation = self._operations.get((method.upper(), path))
        if operation is None:
            where = "method" if path in self.paths else "path"
            return [Violation("known_operation", REQUEST, path, f"{method.upper()} {path}: undocumented {where}")]
        found: list[Violation] = []
        problem = _basic_problem(headers.get("authorization"))
        if problem:
            found.append(Violation("basic_auth", REQUEST, "Authorization", problem))
        for name, min_length in operation.headers:
            value = headers.get(name)
            if value is None:
                found.append(Violation("required_header", REQUEST, name, "required header is missing"))
            elif len(value) < min_length:
                found.append(Violation("required_header", REQUEST, name, "required header is empty"))
        if not _is_json(headers.get("content-type")):
            found.append(Violation("request_content_type", REQUEST, "Content-Type", "expected application/json"))
        payload, why = _json(body)
        if why:
            found.append(Violation("request_schema", REQUEST, "/", why))
        else:
            found += [
                Violation("request_schema", REQUEST, *describe(e)) for e in operation.request.iter_errors(payload)
            ]
        return found

    def response(
        self, method: str, path: str, status: int, headers: dict[str, str], body: bytes | None, sent: list[Violation]
    ) -> list[Violation]:
        """Checks of the answer; `sent` are the request's own violations (an invalid request must not get 2xx).
        A `body` of None (an encoding the proxy cannot undo) skips the body checks."""
        operation = self._operations.get((method.upper(), path))
        if operation is None:
            if path in self.paths and status != 405:
                return [Violation("unsupported_method", RESPONSE, "status", f"{status} for an undocumented method")]
            return []
        found: list[Violation] = []
        if 200 <= status < 300:
            broken = dict.fromkeys(v.check for v in sent)
            for check in broken:
                name = {"basic_auth": "ignored_auth", "required_header": "missing_required_header"}.get(
                    check, "negative_data_rejection"
                )
                found.append(Violation(name, RESPONSE, "status", f"{status} to a request that broke {check}"))
        if status >= 500:
            found.append(Violation("not_a_server_error", RESPONSE, "status", f"{status}: the server failed"))
        validator = operation.responses.get(status)
        if validator is None:
            found.append(Violation("status_code_conformance", RESPONSE, "status", f"{status} is not documented"))
        if not _is_json(headers.get("content-type")):
            found.append(Violation("content_type_conformance", RESPONSE, "Content-Type", "expected application/json"))
            return found
        if body is None:
            return found
        payload, why = _json(body)
        if why:
            found.append(Violation("response_schema_conformance", RESPONSE, "/", why))
            return found
        if validator is not None:
            found += [
                Violation("response_schema_conformance", RESPONSE, *describe(e)) for e in validator.iter_errors(payload)
            ]
        if status == 200 and isinstance(payload, dict) and payload.get("status") != "SUCCESS":
            found.append(Violation("success_envelope", RESPONSE, "/status", "a 200 answer whose status is not SUCCESS"))
        return found
