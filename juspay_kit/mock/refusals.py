"""The refusals the spec documents, as a fault plays them: `{"operation": "triggerOtp", "code": "SESSION_LOCKED"}`.

An operation's refusal codes are the enum of its refusal envelope's code field (`x-juspay-refusal`, `api.py`).
For each code, read from the spec and from nothing else:

- the status: the documented status whose examples carry the code (the lowest, if several do); else the lowest
  documented 4xx status whose response schema refers to the operation's refusal envelope; else none (a fault
  must then give its own status);
- the body: the example that carries the code, as the spec gives it; else the envelope's own example, or its
  required fields (each from its `example`, `const`, `default` or first `enum` value), with the code in the
  code field and a short message in the message field: the journey's own message for that code where the
  mock's rules have one (`sessions.MESSAGES`), else one that names the code.

So a code added to an operation's enum plays with no Python edit. `shared()` reads the spec the mock serves
(`juspay_kit.spec`, honouring JUSPAY_KIT_SPEC) once per process; `Refusals(document, api.load(document))`
reads any other.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from typing import Any

from juspay_kit import api, spec
from juspay_kit.mock.sessions import MESSAGES

_JOURNEY_MESSAGES = {outcome.code: message for outcome, message in MESSAGES.items() if outcome.code}
_SAMPLE_KEYS = ("example", "const", "default")


@dataclass(frozen=True)
class Refused:
    """What a fault playing one refusal code answers."""

    status: int | None  # None: the spec gives the code no status (no example, no 4xx with the envelope)
    body: dict[str, Any]


class Refusals:
    """Every operation's refusal codes, each with its status and body, computed once from a document."""

    def __init__(self, document: dict[str, Any], facts: api.Api) -> None:
        self._played: dict[str, dict[str, Refused]] = {}
        raw = {str(op.get("operationId")): op for _, _, op in spec.operations(document)}
        for operation in facts:
            responses = _responses(document, raw.get(operation.operation_id, {}))
            self._played[operation.operation_id] = {
                code: _refused(document, operation.refusal, responses, code) for code in operation.refusal.codes
            }

    def codes(self, operation_id: str) -> tuple[str, ...]:
        """The refusal codes the spec knows for an operation, in its order (none for an unknown operation)."""
        return tuple(self._played.get(operation_id, {}))

    def refused(self, operation_id: str, code: str) -> Refused:
        """The status and a fresh copy of the body of one code of `codes(operation_id)`; KeyError otherwise."""
        found = self._played[operation_id][code]
        return Refused(found.status, copy.deepcopy(found.body))


@functools.cache
def shared() -> Refusals:
    """The refusals of the spec the mock serves, read once per process."""
    return Refusals(spec.load(), api.shared())


def _responses(document: dict[str, Any], operation: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(status, its JSON media object) of each documented status, lowest first, response $refs followed."""
    found = []
    for status, response in (operation.get("responses") or {}).items():
        while isinstance(response, dict) and "$ref" in response:
            response = spec.follow(document, response["$ref"])
        media = response.get("content", {}).get("application/json") if isinstance(response, dict) else None
        if str(status).isdigit() and isinstance(media, dict):
            found.append((int(status), media))
    return sorted(found, key=lambda pair: pair[0])


def _examples(document: dict[str, Any], media: dict[str, Any]) -> list[Any]:
    values = [media["example"]] if "example" in media else []
    for example in (media.get("examples") or {}).values():
        while isinstance(example, dict) and "$ref" in example:
            example = spec.follow(document, example["$ref"])
        if isinstance(example, dict) and "value" in example:
            values.append(example["value"])
    return values


def _refers_to(document: dict[str, Any], node: Any, target: str, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a schema refers to the component `target`, directly or through the components it refers to."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref == target:
                return True
            if ref not in seen and ref.startswith("#/components/schemas/"):
                return _refers_to(document, spec.follow(document, ref), target, seen | {ref})
        return any(_refers_to(document, value, target, seen) for key, value in node.items() if key != "$ref")
    if isinstance(node, list):
        return any(_refers_to(document, value, target, seen) for value in node)
    return False


def _refused(
    document: dict[str, Any], refusal: api.Refusal, responses: list[tuple[int, dict[str, Any]]], code: str
) -> Refused:
    for status, media in responses:
        for value in _examples(document, media):
            if isinstance(value, dict) and value.get(refusal.code_field) == code:
                return Refused(status, value)
    target = f"#/components/schemas/{refusal.envelope}"
    enveloped = [s for s, media in responses if 400 <= s < 500 and _refers_to(document, media.get("schema"), target)]
    return Refused(enveloped[0] if enveloped else None, _envelope(document, refusal, code))


def _envelope(document: dict[str, Any], refusal: api.Refusal, code: str) -> dict[str, Any]:
    """The refusal envelope carrying `code`: its own example, else its required fields, each from the spec."""
    schema = document["components"]["schemas"][refusal.envelope]
    examples = [schema["example"]] if "example" in schema else list(schema.get("examples") or [])
    if examples and isinstance(examples[0], dict):
        body = copy.deepcopy(examples[0])
    else:
        properties = schema.get("properties") or {}
        body = {name: _sample(document, properties.get(name, {})) for name in schema.get("required") or ()}
    message = _JOURNEY_MESSAGES.get(code, f"Refused: {code}.")
    return body | {refusal.code_field: code, refusal.message_field: message}


def _sample(document: dict[str, Any], node: Any) -> Any:
    """A value for a required field of the envelope, as its schema gives one (None when it gives none)."""
    while isinstance(node, dict) and "$ref" in node:
        node = spec.follow(document, node["$ref"])
    if not isinstance(node, dict):
        return None
    for key in _SAMPLE_KEYS:
        if key in node:
            return copy.deepcopy(node[key])
    for key in ("examples", "enum"):
        if isinstance(node.get(key), list) and node[key]:
            return copy.deepcopy(node[key][0])
    return None
