"""The facts of the Juspay API, read from the spec in one place.

Which operations exist, where each is served, what its success answer says, which envelope its refusals
use, the field that carries the refusal code and the message, the codes we know, and the inferred ids that
mark those parts: every user (the mock, the proxy, replay, the contract checks and observations, the
client's templates) asks this module. They come from the spec's own extensions:

    document root   x-juspay-error-envelope: {envelope: JuspayError, codePointer: /error_info/code}
    a property      x-juspay-secret: credential | otp   (a payment credential, or the OTP: masked wherever
                                                      the kit writes, an OTP as [masked-otp])
    each operation  x-juspay-success: {field: status, value: SUCCESS}
                    x-juspay-refusal: {envelope: TriggerOtpRefusal, codeField: errorCode,
                                       messageField: errorMessage}
                    x-juspay-requires: bound-card   (optional: what the journey needs before a call; one of
                                                     REQUIREMENTS, read by the contract run's priming)

so adding an operation is an edit to the spec, not to a Python map.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from juspay_kit import spec
from juspay_kit.errors import SpecError
from juspay_kit.schema import resolve


@dataclass(frozen=True)
class Refusal:
    """An operation's own envelope for a business refusal."""

    envelope: str  # component schema name
    code_field: str
    message_field: str
    codes: tuple[str, ...]  # the codes the spec knows (the enum of the code field)
    envelope_inferred: str | None  # x-inferred id of the envelope schema
    codes_inferred: str | None  # x-inferred id of the code list


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # upper case
    path: str
    summary: str  # the operation's name on Juspay's pages ("Trigger OTP")
    success_field: str
    success_value: str
    refusal: Refusal
    request_schema: str  # component schema name of the request body
    request_inferred: str | None  # x-inferred id of the request schema (its closedness)
    response_inferred: str | None  # x-inferred id of the 200 answer's schema (its fields)
    statuses: tuple[int, ...]  # documented statuses
    requires: str | None = None  # x-juspay-requires: what the journey needs before a call (REQUIREMENTS)

    def is_success(self, body: Any) -> bool:
        """Whether a parsed answer carries the success value in the success field."""
        return isinstance(body, dict) and body.get(self.success_field) == self.success_value


@dataclass(frozen=True)
class Api:
    operations: dict[str, Operation]  # by operationId, in document order
    error_envelope: str  # component schema of Juspay's general error envelope
    error_code_pointer: tuple[str, ...]  # where that envelope keeps its code
    error_inferred: str | None
    credential_fields: frozenset[str] = frozenset()  # field names marked x-juspay-secret: credential
    otp_fields: frozenset[str] = frozenset()  # field names marked x-juspay-secret: otp

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations.values())

    def get(self, operation_id: str | None) -> Operation | None:
        return self.operations.get(operation_id or "")

    def envelopes(self) -> dict[str, str]:
        """Inferred id -> component schema of every error and refusal envelope."""
        found = {self.error_inferred or self.error_envelope: self.error_envelope}
        for operation in self.operations.values():
            found[operation.refusal.envelope_inferred or operation.refusal.envelope] = operation.refusal.envelope
        return found

    @functools.cached_property
    def code_fields(self) -> tuple[str, ...]:
        """The fields the operations' refusal envelopes keep their code in, each once."""
        return tuple(dict.fromkeys(op.refusal.code_field for op in self.operations.values()))

    def refusal_code(self, body: Any) -> str | None:
        """The refusal code a parsed answer carries: an operation's code field, else the error envelope's code."""
        if not isinstance(body, dict):
            return None
        for field_name in self.code_fields:
            if isinstance(body.get(field_name), str):
                return str(body[field_name])
        node: Any = body
        for part in self.error_code_pointer:
            node = node.get(part) if isinstance(node, dict) else None
        return node if isinstance(node, str) else None


# The journey's preconditions an operation may name in x-juspay-requires: an OTP issued for the body's session
# (Trigger OTP, then the code), a card provisioned and bound, or a bound card with a payment instruction for the
# body's session.
REQUIREMENTS = ("otp", "bound-card", "instruction")
# What a field marked x-juspay-secret holds: a payment credential (masked "[masked]") or a one-time password
# (masked "[masked-otp]", which replay fills from the target's inbox).
SECRET_KINDS = ("credential", "otp")


def _inferred_id(node: Any) -> str | None:
    marker = node.get("x-inferred") if isinstance(node, dict) else None
    if isinstance(marker, list):
        marker = marker[0] if marker else None
    return str(marker["id"]) if isinstance(marker, dict) and "id" in marker else None


def _component(document: dict[str, Any], ref_or_name: str) -> tuple[str, dict[str, Any]]:
    name = ref_or_name.rsplit("/", 1)[-1]
    schema = document.get("components", {}).get("schemas", {}).get(name)
    if not isinstance(schema, dict):
        raise SpecError(f"the spec names the schema {name!r}, which components/schemas does not define")
    return name, schema


def _schema_ref(document: dict[str, Any], node: Any) -> str | None:
    """The component a request body or response's JSON schema refers to, following response $refs."""
    while isinstance(node, dict) and "$ref" in node and "/responses/" in node["$ref"]:
        node = spec.follow(document, node["$ref"])
    schema = node.get("content", {}).get("application/json", {}).get("schema", {}) if isinstance(node, dict) else {}
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    return str(ref) if ref else None


def _extension(where: dict[str, Any], name: str, keys: tuple[str, ...], label: str) -> dict[str, Any]:
    value = where.get(name)
    if not isinstance(value, dict) or not all(isinstance(value.get(key), str) for key in keys):
        raise SpecError(f"{label} needs {name} with the string fields {', '.join(keys)}")
    return value


def load(document: dict[str, Any]) -> Api:
    """The facts of `document`; SpecError naming what is missing."""
    error = _extension(document, "x-juspay-error-envelope", ("envelope", "codePointer"), "the document")
    error_name, error_schema = _component(document, error["envelope"])
    operations: dict[str, Operation] = {}
    for path, method, raw in spec.operations(document):
        operation_id = str(raw.get("operationId") or f"{method} {path}")
        label = f"operation {operation_id}"
        success = _extension(raw, "x-juspay-success", ("field", "value"), label)
        refusal = _extension(raw, "x-juspay-refusal", ("envelope", "codeField", "messageField"), label)
        envelope, envelope_schema = _component(document, refusal["envelope"])
        code = envelope_schema.get("properties", {}).get(refusal["codeField"], {})
        request_ref = _schema_ref(document, raw.get("requestBody", {}))
        if request_ref is None:
            raise SpecError(f"{label} needs a JSON request body that refers to a component schema")
        request_name, request_schema = _component(document, request_ref)
        ok_ref = _schema_ref(document, raw.get("responses", {}).get("200", {}))
        requires = raw.get("x-juspay-requires")
        if requires is not None and requires not in REQUIREMENTS:
            raise SpecError(f"{label} has x-juspay-requires {str(requires)[:40]!r}; one of {', '.join(REQUIREMENTS)}")
        operations[operation_id] = Operation(
            operation_id=operation_id,
            method=method,
            path=path,
            summary=str(raw.get("summary") or operation_id),
            success_field=success["field"],
            success_value=success["value"],
            refusal=Refusal(
                envelope=envelope,
                code_field=refusal["codeField"],
                message_field=refusal["messageField"],
                codes=tuple(str(c) for c in code.get("enum", [])),
                envelope_inferred=_inferred_id(envelope_schema),
                codes_inferred=_inferred_id(code),
            ),
            request_schema=request_name,
            request_inferred=_inferred_id(request_schema),
            response_inferred=_inferred_id(_component(document, ok_ref)[1]) if ok_ref else None,
            statuses=tuple(int(s) for s in raw.get("responses", {}) if str(s).isdigit()),
            requires=requires,
        )
    secrets = _secret_marks(document)
    return Api(
        operations=operations,
        error_envelope=error_name,
        error_code_pointer=tuple(p for p in error["codePointer"].split("/") if p),
        error_inferred=_inferred_id(error_schema),
        credential_fields=frozenset(name for name, kind in secrets.items() if kind == "credential"),
        otp_fields=frozenset(name for name, kind in secrets.items() if kind == "otp"),
    )


def _secret_marks(document: dict[str, Any]) -> dict[str, str]:
    """Field name -> its x-juspay-secret kind, over every component schema's properties; SpecError for a kind
    outside SECRET_KINDS, or a name marked with two kinds."""
    marks: dict[str, str] = {}
    for schema_name, schema in document.get("components", {}).get("schemas", {}).items():
        properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
        for name, prop in properties.items() if isinstance(properties, dict) else ():
            kind = prop.get("x-juspay-secret") if isinstance(prop, dict) else None
            if kind is None:
                continue
            if kind not in SECRET_KINDS or marks.get(str(name), kind) != kind:
                raise SpecError(
                    f"{schema_name}.{name} has x-juspay-secret {str(kind)[:40]!r}; one of {', '.join(SECRET_KINDS)},"
                    " the same wherever the name is marked"
                )
            marks[str(name)] = kind
    return marks


@functools.cache
def shared() -> Api:
    """The vendored spec's facts, read once per process."""
    return load(spec.load())


def path_of(operation_id: str) -> str:
    """Where the vendored spec serves an operation ("/initiateVerification" for triggerOtp)."""
    return shared().operations[operation_id].path


def example(document: dict[str, Any], operation_id: str, status: str = "200") -> Any:
    """The first example the spec gives for an operation's answer (Juspay's sample for 200)."""
    for _, _, raw in spec.operations(document):
        if raw.get("operationId") == operation_id:
            response = raw["responses"][status]
            while "$ref" in response:
                response = spec.follow(document, response["$ref"])
            examples = response["content"]["application/json"]["examples"]
            return next(iter(examples.values()))["value"]
    raise KeyError(operation_id)


def encode_basic(api_key: str) -> str:
    """The credential of the Basic Authorization the API takes for a key: base64 of `key:` (the key as the user
    name, an empty password). The one place the kit encodes it (wire.basic_authorization, the redactor)."""
    return base64.b64encode(f"{api_key}:".encode()).decode()


def open_answers(document: dict[str, Any]) -> dict[str, tuple[set[str], str]]:
    """operationId -> (the names its 200 answer documents, the answer's x-inferred id), for every operation
    whose 200 answer is an open object: a name beyond those is an extension the spec may learn."""
    found: dict[str, tuple[set[str], str]] = {}
    for _, _, raw in spec.operations(document):
        ok = resolve(document, raw.get("responses", {}).get("200", {}))
        answer = resolve(document, ok.get("content", {}).get("application/json", {}).get("schema", {}))
        if isinstance(answer, dict) and answer.get("type") == "object" and answer.get("additionalProperties", True):
            marker = answer.get("x-inferred")
            inferred = str(marker.get("id", "")) if isinstance(marker, dict) else ""
            found[raw["operationId"]] = (set(answer.get("properties", {})), inferred)
    return found
