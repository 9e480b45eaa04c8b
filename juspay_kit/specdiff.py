"""What a spec change means for consumers of the generated client: breaking changes apart from safe ones.

Each rule is a small named function over one operation of the old and new documents (references
resolved); `RULES` registers them once. No maintained Python library reports OpenAPI 3.1 breaking changes
from the client's side (oasdiff is a Go binary), so the rules are kept small and tested one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import gt, lt
from typing import Any

from juspay_kit import spec
from juspay_kit.schema import resolve


@dataclass(frozen=True)
class Change:
    rule: str
    breaking: bool
    operation: str
    detail: str


Operation = dict[str, Any]
Rule = Callable[[str, Operation, Operation], Iterator[Change]]
RULES: list[Rule] = []


def rule(func: Rule) -> Rule:
    RULES.append(func)
    return func


def _json_body(operation: Operation, status: str | None = None) -> dict[str, Any]:
    if status is None:
        content = operation.get("requestBody", {}).get("content", {})
    else:
        content = operation.get("responses", {}).get(status, {}).get("content", {})
    schema: dict[str, Any] = content.get("application/json", {}).get("schema", {})
    return schema


def _types(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type")
    if declared is None:
        return set()
    return set(declared) if isinstance(declared, list) else {declared}


def _walk(
    old: dict[str, Any], new: dict[str, Any], path: str = ""
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Pairs of (property path, old schema, new schema) through object properties, arrays and anyOf/oneOf."""
    yield path or "(body)", old, new
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name in old_props:
        if name in new_props:
            yield from _walk(old_props[name], new_props[name], f"{path}.{name}" if path else name)
    if "items" in old and "items" in new:
        yield from _walk(old["items"], new["items"], f"{path}[]")
    for key in ("anyOf", "oneOf"):
        for index, (a, b) in enumerate(zip(old.get(key, []), new.get(key, []), strict=False)):
            yield from _walk(a, b, f"{path}<{key}{index}>")


@rule
def operation_removed(name: str, old: Operation, new: Operation) -> Iterator[Change]:
    if old and not new:
        yield Change("operation-removed", True, name, "the operation no longer exists")


@rule
def operation_added(name: str, old: Operation, new: Operation) -> Iterator[Change]:
    if new and not old:
        yield Change("operation-added", False, name, "new operation")


@rule
def status_code_removed(name: str, old: Operation, new: Operation) -> Iterator[Change]:
    for status in old.get("responses", {}):
        if status not in new.get("responses", {}):
            yield Change("status-code-removed", True, name, f"response {status} is no longer documented")
    for status in new.get("responses", {}):
        if status not in old.get("responses", {}):
            yield Change("status-code-added", False, name, f"new documented response {status}")


@rule
def response_field_removed(name: str, old: Operation, new: Operation) -> Iterator[Change]:
    for status in old.get("responses", {}):
        for path, a, b in _walk(_json_body(old, status), _json_body(new, status)):
            for prop in a.get("properties", {}):
                if prop not in b.get("properties", {}):
                    yield Change(
                        "response-field-removed", True, name, f"{status} {path}.{prop} removed".replace("(body).", "")
                    )
            for prop in b.get("properties", {}):
                if prop not in a.get("properties", {}):
                    yield Change(
                        "response-field-added", False, name, f"{status} {path}.{prop} added".replace("(body).", "")
                    )
            newly = set(a.get("required", [])) - set(b.get("required", []))
            for prop in sorted(newly & set(b.get("properties", {}))):
                yield Change(
                    "response-field-optional",
                    True,
                    name,
                    f"{status} {path}.{prop} may now be absent".replace("(body).", ""),
                )


@rule
def response_type_changed(name: str, old: Operation, new: Operation) -> Iterator[Change]:
    for status in old.get("responses", {}):
        for path, a, b in _walk(_json_body(old, status), _json_body(new, status)):
            if _types(a) and _types(b) and _types(a) != _types(b):
                yield Change(
                    "response-type-changed", True, name, f"{status} {path}: {sorted(_types(a))} -> {sorted(_types(b))}"
                )


@rule
def response_enum_widened(name: str, old: Operation, new: Operation) -> Iterator[Change]:
    for status in old.get("responses", {}):
        for path, a, b in _walk(_json_body(old, status), _json_body(new, status)):
            added = [v for v in b.get("enum", []) if v not in a.get("enum", [])]
            if "enum" in a and ("enum" not in b or added):
                what = ", ".join(map(str, added)) if added else "any value"
                yield Change("response-enum-widened", True, name, f"{status} {path} may now be {what}")


@rule
def request_field_newly_required(name: str, old: Operation, new: Operation) -> Iterator[Change]:
    for path, a, b in _walk(_json_body(old), _json_body(new)):
        for prop in sorted(set(b.get("required", [])) - set(a.get("required", []))):
            yield Change(
                "request-field-newly-required", True, name, f"{path}.{prop} is now required".replace("(body).", "")
            )
        for prop in b.get("properties", {}):
            if prop not in a.get("properties", {}) and prop not in b.get("required", []):
                yield Change(
                    "request-field-added-optional",
                    False,
                    name,
                    f"{path}.{prop} added (optional)".replace("(body).", ""),
                )
        for prop in a.get("properties", {}):
            if prop not in b.get("properties", {}) and b.get("additionalProperties") is False:
                yield Change(
                    "request-field-removed",
                    True,
                    name,
                    f"{path}.{prop} removed and would now be rejected".replace("(body).", ""),
                )


@rule
def request_field_narrowed(name: str, old: Operation, new: Operation) -> Iterator[Change]:
    for path, a, b in _walk(_json_body(old), _json_body(new)):
        reasons = []
        if _types(a) and _types(b) and not _types(b) >= _types(a):
            reasons.append(f"type {sorted(_types(a))} -> {sorted(_types(b))}")
        if "enum" in b and ("enum" not in a or set(map(str, a["enum"])) - set(map(str, b["enum"]))):
            reasons.append("fewer allowed values")
        for key, tighter in (("minLength", gt), ("minimum", gt), ("maxLength", lt), ("maximum", lt)):
            if key in b and (key not in a or tighter(b[key], a[key])):
                reasons.append(f"{key} {a.get(key, 'unset')} -> {b[key]}")
        if "pattern" in b and b.get("pattern") != a.get("pattern"):
            reasons.append("new pattern")
        if b.get("additionalProperties") is False and a.get("additionalProperties") is not False:
            reasons.append("unknown fields now rejected")
        if reasons:
            yield Change("request-field-narrowed", True, name, f"{path}: {'; '.join(reasons)}")


@rule
def security_changed(name: str, old: Operation, new: Operation) -> Iterator[Change]:
    if old.get("security") != new.get("security"):
        yield Change("security-changed", True, name, f"security {old.get('security')} -> {new.get('security')}")


@rule
def required_header_changed(name: str, old: Operation, new: Operation) -> Iterator[Change]:
    def headers(operation: Operation) -> dict[str, dict[str, Any]]:
        return {p["name"].lower(): p for p in operation.get("parameters", []) if p.get("in") == "header"}

    before, after = headers(old), headers(new)
    for header, parameter in after.items():
        was = before.get(header)
        if parameter.get("required") and not (was and was.get("required")):
            yield Change("required-header-changed", True, name, f"header {header} is now required")
    for header, parameter in before.items():
        if parameter.get("required") and header not in after:
            yield Change("required-header-changed", True, name, f"required header {header} was removed")


@rule
def docs_changed(name: str, old: Operation, new: Operation) -> Iterator[Change]:
    if old and new and old != new and _strip_docs(old) == _strip_docs(new):
        yield Change("docs-only", False, name, "descriptions, summaries or examples changed")


def _strip_docs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _strip_docs(v) for k, v in node.items() if k not in ("description", "summary", "example", "examples")
        }
    if isinstance(node, list):
        return [_strip_docs(v) for v in node]
    return node


@rule
def route_changed(name: str, old: Operation, new: Operation) -> Iterator[Change]:
    """The same operationId at another path or with another method: every existing call misses it."""
    for key, what in ((ROUTE_PATH, "path"), (ROUTE_METHOD, "method")):
        if old.get(key) != new.get(key):
            yield Change(f"{what}-changed", True, name, f"{what} {old.get(key)} -> {new.get(key)}")


ROUTE_PATH, ROUTE_METHOD = "x-specdiff-path", "x-specdiff-method"  # where an operation lives, for the rules


def operations(document: dict[str, Any]) -> dict[str, Operation]:
    """operationId (or "METHOD path") -> the operation, references resolved, with its path and method."""
    found = {}
    for path, item in document.get("paths", {}).items():
        for method in spec.HTTP_METHODS:
            if method in item:
                operation = {**resolve(document, item[method]), ROUTE_PATH: path, ROUTE_METHOD: method.upper()}
                found[operation.get("operationId") or f"{method.upper()} {path}"] = operation
    return found


def _renamed(old_ops: dict[str, Operation], new_ops: dict[str, Operation]) -> dict[str, str]:
    """old name -> new name for operations whose operationId changed at the same path and method."""
    by_route = {(o[ROUTE_PATH], o[ROUTE_METHOD]): n for n, o in new_ops.items() if n not in old_ops}
    return {
        name: by_route[(o[ROUTE_PATH], o[ROUTE_METHOD])]
        for name, o in old_ops.items()
        if name not in new_ops and (o[ROUTE_PATH], o[ROUTE_METHOD]) in by_route
    }


def compare(old_doc: dict[str, Any], new_doc: dict[str, Any]) -> list[Change]:
    old_ops, new_ops = operations(old_doc), operations(new_doc)
    renamed = _renamed(old_ops, new_ops)
    changes: list[Change] = []
    for old_name, new_name in renamed.items():
        detail = f"operationId {old_name} -> {new_name}: the generated functions and modules are renamed"
        changes.append(Change("operation-id-changed", True, old_name, detail))
        changes.extend(c for check in RULES for c in check(old_name, old_ops[old_name], new_ops[new_name]))
    for name in list(old_ops) + [n for n in new_ops if n not in old_ops]:
        if name in renamed or name in renamed.values():
            continue
        old, new = old_ops.get(name, {}), new_ops.get(name, {})
        # An operation that appears or disappears is one change, not one per field.
        rules = RULES if old and new else [operation_removed, operation_added]
        for check in rules:
            changes.extend(check(name, old, new))
    return changes


def markdown(changes: list[Change], old_label: str, new_label: str) -> str:
    breaking = [c for c in changes if c.breaking]
    safe = [c for c in changes if not c.breaking]
    lines = [f"## Spec change report: `{old_label}` → `{new_label}`", ""]
    lines.append(f"**{len(breaking)} breaking**, {len(safe)} safe change(s) for consumers of the generated client.")
    for title, group in (("Breaking", breaking), ("Safe", safe)):
        if group:
            lines += ["", f"### {title}", "", "| operation | rule | change |", "|---|---|---|"]
            lines += [f"| `{c.operation}` | `{c.rule}` | {c.detail} |" for c in group]
    if not changes:
        lines += ["", "No change visible to consumers."]
    return "\n".join(lines) + "\n"


def load(path: str) -> dict[str, Any]:
    from pathlib import Path

    return spec.load_valid(Path(path))
