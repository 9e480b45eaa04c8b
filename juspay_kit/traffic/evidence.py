"""The pieces a learned proposal is built from: what was seen (counts, first and last seen, where), the types
of values (never the values), and the JSON Patch operations that add an example or mark a part as observed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from juspay_kit import spec
from juspay_kit.contract.observe import kind

MAX_REFS = 10  # exchanges named per piece of evidence


@dataclass
class Seen:
    """How often something was seen, when first and last, and where."""

    count: int = 0
    first: str | None = None
    last: str | None = None
    refs: list[str] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)  # JSON types of the values, for fields

    def add(self, at: str | None, ref: str, kind: str = "") -> None:
        self.count += 1
        if at:
            self.first = min(self.first or at, at)
            self.last = max(self.last or at, at)
        if len(self.refs) < MAX_REFS:
            self.refs.append(ref)
        if kind:
            self.kinds.add(kind)

    def evidence(self, what: str) -> dict[str, Any]:
        return {"what": what, "count": self.count, "firstSeen": self.first, "lastSeen": self.last,
                "exchanges": list(self.refs)}  # fmt: skip


def target(document: dict[str, Any], pointer: str) -> str:
    """The pointer of the node at `pointer`, following `$ref`s (a few at most)."""
    for _ in range(8):
        node = spec.follow(document, "#" + pointer)
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            break
        pointer = node["$ref"].removeprefix("#")
    return pointer


def merged(seen: list[Seen]) -> Seen:
    total = Seen()
    for item in seen:
        total.count += item.count
        total.first = min(filter(None, (total.first, item.first)), default=None)
        total.last = max(filter(None, (total.last, item.last)), default=None)
        total.refs = (total.refs + item.refs)[:MAX_REFS]
    return total


def mark(node: dict[str, Any], base: str, observed: dict[str, Any], extra: dict[str, Any]) -> list[dict[str, Any]]:
    """Operations that mark a node's x-inferred as observed (keeping its id and reason)."""
    marker = node.get("x-inferred")
    if not isinstance(marker, dict):
        return []
    value = {**marker, "observed": {**observed, **extra}}
    return [{"op": "test", "path": base + "/x-inferred", "value": marker},
            {"op": "replace", "path": base + "/x-inferred", "value": value}]  # fmt: skip


def example(document: dict[str, Any], pointer: str, name: str, value: dict[str, Any]) -> list[dict[str, Any]]:
    node = spec.follow(document, "#" + pointer)
    content = node.get("content", {}).get("application/json") if isinstance(node, dict) else None
    if not isinstance(content, dict):
        return []
    where = f"{pointer}/content/application~1json/examples"
    if "examples" not in content:
        return [{"op": "add", "path": where, "value": {name: {"value": value}}}]
    return [{"op": "add", "path": f"{where}/{name}", "value": {"value": value}}]


def envelope_sample(document: dict[str, Any], pointer: str, envelope: str, code_field: str) -> dict[str, Any]:
    """A refusal body to build a learned example from: an example of the response at `pointer` that carries a
    code, else the envelope's required fields with their schema examples (values from the spec, never traffic)."""
    node = spec.follow(document, "#" + pointer)
    content = node.get("content", {}).get("application/json", {}) if isinstance(node, dict) else {}
    for item in (content.get("examples") or {}).values():
        value = item.get("value") if isinstance(item, dict) else None
        if isinstance(value, dict) and code_field in value:
            return dict(value)
    schema = spec.follow(document, f"#/components/schemas/{envelope}")
    properties = schema.get("properties", {})
    return {name: properties.get(name, {}).get("example") for name in schema.get("required", [])}


def shape(shape: dict[str, Seen]) -> dict[str, Any]:
    properties = {}
    for name, seen in sorted(shape.items()):
        kinds = sorted(seen.kinds)
        properties[name] = {"type": kinds[0] if len(kinds) == 1 else kinds}
    return {"type": "object", "properties": properties}


def json_type(value: Any) -> str:
    """The JSON type of a value (what a learned field's type is), from the verdicts' names of it."""
    named = kind(value)
    return {"numeric_string": "string", "missing": "null", "float": "number", "list": "array", "dict": "object"}.get(
        named, named
    )


def kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower().replace("_", "-")


def escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")
