"""Which operations the mock answers by a rule of the journey, and how it answers the others: by their spec.

A rule is a method of `MockApp` registered for one operationId with `@rule(...)`; it decides the answer to a
request that passed every check. An operation the spec defines with no rule registered is served all the same:
its request is checked like any other (authentication, merchant, body, request schema), faults play and the
journal records it, and the answer is the spec's own success example (`spec_answer`). So an operation added to
the spec is served at once; a rule is written only when the journey needs one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from juspay_kit import api

RULES: dict[str, str] = {}  # operationId -> the name of the MockApp method holding its rules

_Method = TypeVar("_Method", bound=Callable[..., Any])


def rule(operation_id: str) -> Callable[[_Method], _Method]:
    """Register a MockApp method as the rules of `operation_id` (one method per operation)."""

    def register(method: _Method) -> _Method:
        if RULES.setdefault(operation_id, method.__name__) != method.__name__:
            raise ValueError(f"{operation_id} already has rules: {RULES[operation_id]}")
        return method

    return register


def spec_answer(document: dict[str, Any], facts: api.Operation) -> bytes:
    """The answer to an operation without rules: the first example the spec gives for its 200 answer, else a
    body of the success field alone."""
    try:
        body = api.example(document, facts.operation_id)
    except (KeyError, StopIteration, TypeError):
        body = {facts.success_field: facts.success_value}
    return json.dumps(body, allow_nan=False).encode()
