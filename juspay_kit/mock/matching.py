"""Faults that match requests: beside its operation, a fault may hold `match`, a JSON object the request body
must contain (subset semantics at any depth), and `after`, the number of matching calls to let through first.

    {"operation": "setupAgenticPayment", "match": {"customerId": "c-1"}, "after": 2, "status": 503}

Subset semantics: an object matches an object holding each of its keys with a matching value; a list matches a
list holding, for each of its items, some matching item (order ignored); any other value matches an equal value
of the same JSON type (true is not 1). A body that is not JSON matches no `match`.

Which fault plays when several match a call (ORDER, documented in the README): the most specific wins:
a fault whose `match` names more values beats one naming fewer (a body match beats none), then a named
operation beats "*", then the oldest (faults queue in order). Every matching fault still counting its `after`
counts the call, whichever fault (if any) answers it. `times` counts the calls a fault answered.

Bounds: at most MAX_FAULTS pending faults, holding at most MAX_FAULT_BYTES; a `match` of at most MAX_MATCH_BYTES
of JSON and MAX_MATCH_DEPTH levels; `after` from 0 to MAX_TIMES.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from juspay_kit.mock.double import MAX_FAULTS, MAX_TIMES, ControlError, Fault, parse_fault
from juspay_kit.mock.refusals import Refusals

MAX_FAULT_BYTES = 1024 * 1024
MAX_MATCH_BYTES = 8 * 1024
MAX_MATCH_DEPTH = 32
_MISSING = object()


def parse_matching_fault(data: Any, operations: set[str], known: Refusals | None = None) -> Fault:
    """A fault from a control body, with its `match` and `after`; ControlError naming the field otherwise.
    `known`: the refusal codes a `code` may name (double.parse_fault)."""
    if not isinstance(data, dict):
        return parse_fault(data, operations, known)
    fault = parse_fault({key: value for key, value in data.items() if key not in ("match", "after")}, operations,
                        known)  # fmt: skip
    match = data.get("match")
    if "match" in data:
        if not isinstance(match, dict) or not match:
            raise ControlError("match", "match must be a non-empty JSON object the request body must contain")
        if _depth(match) > MAX_MATCH_DEPTH or len(json.dumps(match)) > MAX_MATCH_BYTES:
            raise ControlError("match", f"match must be at most {MAX_MATCH_BYTES} bytes and {MAX_MATCH_DEPTH} levels")
        fault.match, fault.weight = match, _leaves(match)
    after = data.get("after", 0)
    if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= MAX_TIMES:
        raise ControlError("after", f"after must be a whole number from 0 to {MAX_TIMES}")
    fault.after = after
    if fault.has_body and not isinstance(fault.body, str):
        fault.body_text, fault.body = json.dumps(fault.body), None
    body = fault.body_text if fault.body_text is not None else str(fault.body or "")
    # a match is held parsed, to be compared on every call: counted as its text and 100 bytes an object or value
    fault.size = 256 + len(body) + (len(json.dumps(match)) + 100 * _nodes(match) if match is not None else 0)
    return fault


def contains(pattern: Any, value: Any) -> bool:
    """Whether `value` (parsed JSON) contains `pattern`, by the module's subset semantics."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            contains(item, value.get(key, _MISSING)) for key, item in pattern.items()
        )
    if isinstance(pattern, list):
        return isinstance(value, list) and all(any(contains(item, got) for got in value) for item in pattern)
    if value is _MISSING or isinstance(value, dict | list) or isinstance(pattern, bool) != isinstance(value, bool):
        return False
    return bool(pattern == value)


def choose(pending: list[Fault], operation_id: str, body: Callable[[], Any]) -> Fault | None:
    """The fault that plays on this call (ORDER), counting `after` on every matching fault; `body()` gives the
    parsed request body, asked for only when a fault has a `match`."""
    parsed: list[Any] = []

    def matches(fault: Fault) -> bool:
        if fault.operation not in (operation_id, "*"):
            return False
        if fault.match is None:
            return True
        if not parsed:
            parsed.append(body())
        return contains(fault.match, parsed[0])

    winner = None
    ranked = sorted(range(len(pending)), key=lambda i: (-pending[i].weight, pending[i].operation == "*", i))
    for index in ranked:
        fault = pending[index]
        if not matches(fault):
            continue
        if fault.seen < fault.after:
            fault.seen += 1
        elif winner is None:
            winner = fault
    return winner


def _leaves(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_leaves(item) for item in value.values()) or 1
    if isinstance(value, list):
        return sum(_leaves(item) for item in value) or 1
    return 1


def _nodes(value: Any) -> int:
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return 1 + sum(_nodes(item) for item in children)


def _depth(value: Any, level: int = 1) -> int:
    if level > MAX_MATCH_DEPTH:
        return level
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return max((_depth(item, level + 1) for item in children if isinstance(item, dict | list)), default=level)


class Faults:
    """Pending faults, in the order they were added: at most MAX_FAULTS of them, holding at most MAX_FAULT_BYTES
    (bodies and matches as JSON, and a fixed cost a fault)."""

    def __init__(self) -> None:
        self._pending: list[Fault] = []
        self.bytes = 0

    def add(self, fault: Fault) -> None:
        if len(self._pending) >= MAX_FAULTS:
            raise ControlError("operation", f"{MAX_FAULTS} faults are pending already; DELETE /__mock__/faults first")
        if self.bytes + fault.size > MAX_FAULT_BYTES:
            raise ControlError("body", f"pending faults would hold more than {MAX_FAULT_BYTES} bytes; "
                               "DELETE /__mock__/faults first")  # fmt: skip
        self.bytes += fault.size
        self._pending.append(fault)

    def take(self, operation_id: str, body: Callable[[], Any] = lambda: None) -> Fault | None:
        """The fault that plays on this call (ORDER), used once; `body()` gives the parsed request body."""
        fault = choose(self._pending, operation_id, body)
        if fault is not None:
            fault.times -= 1
            if fault.times <= 0:
                self._pending.remove(fault)
                self.bytes -= fault.size
        return fault

    def pending(self) -> list[dict[str, Any]]:
        return [fault.as_dict() for fault in self._pending]

    def clear(self) -> int:
        cleared = len(self._pending)
        self._pending.clear()
        self.bytes = 0
        return cleared
