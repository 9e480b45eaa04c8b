"""The project's own named checks, registered once with schemathesis next to its built-in ones.

Each asserts one invariant the spec states but JSON Schema cannot: see `spec/README.md`.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from schemathesis.generation import GenerationMode

from juspay_kit import api, schema

_REFUSAL_STATUSES = {400, 403, 409, 429}


def _body(response: Any) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def operation_id(case: Any) -> str:
    """The spec's operationId of a schemathesis case (its label when the spec gives none)."""
    return str(case.operation.definition.raw.get("operationId") or case.operation.label)


@schemathesis.check
def success_envelope(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 200 answer is Juspay's "200 : Success": its success field (`status`) must hold the success value
    (SUCCESS). (True: not applicable, so schemathesis records no pass for answers this check does not judge.)"""
    operation = api.shared().get(operation_id(case))
    if response.status_code != 200 or operation is None:
        return True
    body = _body(response)
    if isinstance(body, dict) and not operation.is_success(body):
        raise AssertionError(
            f"200 answer with {operation.success_field} {body.get(operation.success_field)!r}; "
            f"the spec's 200 means {operation.success_value}"
        )
    return None


@schemathesis.check
def positive_refusal_documented(ctx: Any, response: Any, case: Any) -> bool | None:
    """Valid data may be refused only for session state, in the operation's own refusal envelope.

    Used where positive cases cannot be primed (the sandbox): a 4xx to valid data is accepted only when it
    is the documented refusal (OTP_REQUEST_LIMIT_EXCEEDED, SESSION_NOT_FOUND, ...), never a request error.
    """
    meta = case.meta
    if meta is None or meta.generation.mode is not GenerationMode.POSITIVE:
        return True  # not applicable
    if response.status_code not in _REFUSAL_STATUSES:
        return True
    operation = api.shared().get(operation_id(case))
    if operation is None:
        return True
    refusal = operation.refusal.envelope
    if schema.shared().matches(refusal, _body(response)):
        return None
    raise AssertionError(
        f"valid request refused with {response.status_code} outside the {refusal} envelope: "
        "the target rejected data the spec calls valid"
    )
