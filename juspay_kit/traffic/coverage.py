"""Coverage of recorded traffic: the operations, statuses (documented or not), fields and refusal codes it
exercised. Fields are counted once per body shape (the names of a body and of its objects one level down), at
most MAX_SHAPES shapes per operation and side."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from juspay_kit import api, spec
from juspay_kit.schema import resolve

MAX_SHAPES = 1024  # body shapes remembered per operation and side (past it, fields are not counted)
MAX_CODES = 1000  # distinct refusal codes counted per operation; the rest are counted under OTHER_CODES
OTHER_CODES = "(other codes)"


class Coverage:
    """What the traffic exercised: operations, statuses (documented or not), fields and refusal codes."""

    def __init__(self, document: dict[str, Any], facts: api.Api) -> None:
        self.facts = facts
        self.calls: Counter[str] = Counter()
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)
        self.codes: dict[str, Counter[str]] = defaultdict(Counter)
        self.fields: dict[str, set[str]] = {}  # "operation request|response" -> documented field pointers
        self.seen: dict[str, set[str]] = defaultdict(set)
        self.shapes: dict[str, set[Any]] = defaultdict(set)  # the key shapes of the bodies already counted
        for _, _, raw in spec.operations(document):
            operation = resolve(document, raw)
            op_id = raw["operationId"]
            body = resolve(document, operation.get("requestBody", {}))
            self.fields[f"{op_id} request"] = _pointers(document, body.get("content", {}).get("application/json", {})
                                                        .get("schema", {}))  # fmt: skip
            ok = resolve(document, operation.get("responses", {}).get("200", {}))
            schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
            self.fields[f"{op_id} response"] = _pointers(document, schema)

    def counts(self) -> dict[str, Any]:
        return {"calls": self.calls, "statuses": dict(self.statuses), "codes": dict(self.codes),
                "seen": dict(self.seen), "shapes": dict(self.shapes)}  # fmt: skip

    def absorb(self, counts: dict[str, Any]) -> None:
        self.calls.update(counts["calls"])
        for operation, counter in counts["statuses"].items():
            self.statuses[operation].update(counter)
        for operation, codes in counts["codes"].items():
            for code, count in codes.items():
                self._code(operation, code, count)
        for key, seen in counts["seen"].items():
            self.seen[key] |= seen
        for key, shapes in counts["shapes"].items():
            self.shapes[key] |= set(list(shapes)[: max(0, MAX_SHAPES - len(self.shapes[key]))])

    def add(self, operation: str, status: int, request: Any, answer: Any, code: str | None) -> None:
        self.calls[operation] += 1
        self.statuses[operation][status] += 1
        if code and not (200 <= status < 300):
            self._code(operation, code[:40])
        for side, body in (("request", request), ("response", answer if status == 200 else None)):
            key = f"{operation} {side}"
            shapes = self.shapes[key]
            shape = _shape(body)
            if shape in shapes or len(shapes) >= MAX_SHAPES:
                continue  # a body of a shape already counted adds no field (the common case, and it is cheap)
            shapes.add(shape)
            documented = self.fields.get(key, set())
            self.seen[key] |= {p for p in _present(body) if p in documented}

    def _code(self, operation: str, code: str, count: int = 1) -> None:
        codes = self.codes[operation]  # bounded: a hostile recording may send a new code in every answer
        codes[code if code in codes or len(codes) < MAX_CODES else OTHER_CODES] += count

    def report(self) -> dict[str, Any]:
        operations = {}
        for operation in self.facts:
            op = operation.operation_id
            statuses = self.statuses.get(op, Counter())
            request, response = self.fields[f"{op} request"], self.fields[f"{op} response"]
            operations[op] = {
                "calls": self.calls.get(op, 0),
                "statuses": {str(s): n for s, n in sorted(statuses.items())},
                "documentedStatusesSeen": sorted(s for s in statuses if s in operation.statuses),
                "documentedStatusesMissing": sorted(s for s in operation.statuses if s not in statuses),
                "undocumentedStatuses": sorted(s for s in statuses if s not in operation.statuses),
                "requestFields": f"{len(self.seen[f'{op} request'])}/{len(request)}",
                "responseFields": f"{len(self.seen[f'{op} response'])}/{len(response)}",
                "refusalCodesSeen": {code: n for code, n in sorted(self.codes.get(op, Counter()).items())},
                "refusalCodesMissing": [c for c in operation.refusal.codes if c not in self.codes.get(op, {})],
            }
        exercised = sum(1 for data in operations.values() if data["calls"])
        return {"operations": f"{exercised}/{len(operations)}", "byOperation": operations}


def _pointers(document: dict[str, Any], node: Any, prefix: str = "", depth: int = 0) -> set[str]:
    """JSON pointers of the properties a schema documents (objects and arrays, a few levels deep)."""
    node = resolve(document, node)
    if not isinstance(node, dict) or depth > 6:
        return set()
    found: set[str] = set()
    for key in ("allOf", "anyOf", "oneOf"):
        for part in node.get(key, []):
            found |= _pointers(document, part, prefix, depth + 1)
    for name, sub in (node.get("properties") or {}).items():
        found.add(f"{prefix}/{name}")
        found |= _pointers(document, sub, f"{prefix}/{name}", depth + 1)
    if isinstance(node.get("items"), dict):
        found |= _pointers(document, node["items"], f"{prefix}/*", depth + 1)
    return found


def _shape(body: Any) -> Any:
    """The names of a body and of its objects one level down: bodies of one shape present the same fields."""
    if not isinstance(body, dict):
        return type(body).__name__
    return tuple(body), tuple(tuple(v) if isinstance(v, dict) else type(v).__name__ for v in body.values())


def _present(body: Any, prefix: str = "", depth: int = 0) -> Iterable[str]:
    if depth > 6:
        return
    if isinstance(body, dict):
        for name, value in body.items():
            yield f"{prefix}/{name}"
            yield from _present(value, f"{prefix}/{name}", depth + 1)
    elif isinstance(body, list):
        for value in body[:50]:
            yield from _present(value, f"{prefix}/*", depth + 1)
