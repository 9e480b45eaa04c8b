"""JSON-schema helpers over the vendored document: inline local `$ref`s, compile the validators once."""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from juspay_kit import spec
from juspay_kit.spec import follow


def resolve(document: dict[str, Any], node: Any) -> Any:
    """A copy of `node` with every local `$ref` replaced by its target (the document has no cycles)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return resolve(document, follow(document, node["$ref"]))
        return {key: resolve(document, value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(document, value) for value in node]
    return node


class Validators:
    """The request-body schema of every operation and the response schema of every (operationId, status),
    compiled once."""

    def __init__(self, document: dict[str, Any]) -> None:
        import jsonschema_rs

        self._validators: dict[tuple[str, str], Any] = {}
        self._requests: dict[str, Any] = {}
        self.inferred: dict[tuple[str, str], str] = {}
        self._components = {
            name: jsonschema_rs.Draft202012Validator(resolve(document, schema))
            for name, schema in document["components"]["schemas"].items()
        }
        for _, _, raw in spec.operations(document):
            operation = resolve(document, raw)
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            self._requests[operation["operationId"]] = jsonschema_rs.Draft202012Validator(body)
            for status, response in operation["responses"].items():
                key = (operation["operationId"], status)
                schema = response["content"]["application/json"]["schema"]
                self._validators[key] = jsonschema_rs.Draft202012Validator(schema)
                if "x-inferred" in response:
                    self.inferred[key] = response["x-inferred"]["id"]

    def matches(self, component: str, body: Any, checked: bool = False) -> bool:
        """Whether `body` is valid against the named component schema (`checked`: `hazard` found nothing)."""
        return (checked or hazard(body) is None) and bool(self._components[component].is_valid(body))

    def documented(self, operation_id: str, status: int) -> bool:
        return (operation_id, str(status)) in self._validators

    def request_validator(self, operation_id: str) -> Any:
        """The compiled request-body validator of an operation."""
        return self._requests[operation_id]

    def response_validator(self, operation_id: str, status: int) -> Any:
        """The compiled validator of the documented answer, or None for an undocumented status."""
        return self._validators.get((operation_id, str(status)))

    def request_errors(self, operation_id: str, body: Any, checked: bool = False) -> list[str]:
        """JSON pointers of the places where a request body breaks the operation's request schema."""
        found = None if checked else hazard(body)
        if found is not None:
            return [found[0]]
        validator = self._requests[operation_id]
        if validator.is_valid(body):
            return []
        return ["/" + "/".join(str(p) for p in e.instance_path) for e in validator.iter_errors(body)]

    def errors(self, operation_id: str, status: int, body: Any, checked: bool = False) -> list[str]:
        """Schema errors of `body` for that status; ["undocumented status"] when the spec lacks it."""
        validator = self._validators.get((operation_id, str(status)))
        if validator is None:
            return [f"status {status} is not documented for {operation_id}"]
        found = None if checked else hazard(body)
        if found is not None:  # a value the validator cannot take: judged here (a hostile target sends them)
            return [f"{found[0]} holds {found[1]}"]
        if validator.is_valid(body):
            return []
        return [error.message for error in validator.iter_errors(body)]


@functools.cache
def shared() -> Validators:
    """The vendored spec's response schemas, compiled once per process."""
    return Validators(spec.load())


@dataclass(frozen=True)
class Problem:
    """One place where a JSON value breaks its schema, described without the value (it may be an OTP)."""

    rule: str  # the JSON Schema rule broken, lowerCamel ("required", "additionalProperties", "type", ...)
    parts: tuple[str, ...]  # where, as the keys and indexes from the root
    missing: str | None = None  # "required": the property that is missing
    detail: str = ""  # UNREPRESENTABLE: what the value is ("a lone surrogate", ...)
    unexpected: tuple[str, ...] = ()  # "additionalProperties": the undocumented names
    types: tuple[str, ...] = ()  # "type": the types allowed

    @property
    def pointer(self) -> str:
        return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in self.parts) if self.parts else "/"

    def describe(self) -> tuple[str, str]:
        """(field path, message)."""
        if self.rule == "required":
            return self.pointer.rstrip("/") + "/" + str(self.missing), "required field is missing"
        if self.rule == "additionalProperties":
            return self.pointer, "undocumented field(s): " + ", ".join(sorted(self.unexpected))[:200]
        if self.rule == "type":
            return self.pointer, "expected type " + " or ".join(self.types)
        if self.rule == "enum":
            return self.pointer, "not one of the documented values"
        if self.rule in ("oneOfNotValid", "anyOf"):
            return self.pointer, "matches none of the documented shapes"
        if self.rule == UNREPRESENTABLE:
            return self.pointer, "holds a value no validator takes (a lone surrogate, a non-finite or huge number)"
        return self.pointer, f"violates {self.rule}"


def problems(validator: Any, instance: Any, checked: bool = False) -> Iterator[Problem]:
    """The problems a compiled jsonschema_rs validator finds in `instance`, in its order; a value it cannot take
    (see `hazard`) is the one problem, never handed to it (`checked`: `hazard` already found nothing)."""
    found = None if checked else hazard(instance)
    if found is not None:
        pointer = found[0].strip("/")
        parts = tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")) if pointer else ()
        yield Problem(UNREPRESENTABLE, parts, detail=found[1])
        return
    if validator.is_valid(instance):
        return
    for error in validator.iter_errors(instance):
        kind = error.kind
        name = type(kind).__name__
        rule = name[:1].lower() + name[1:]
        parts = tuple(str(p) for p in error.instance_path)
        if rule == "required":
            yield Problem(rule, parts, missing=str(kind.property))
        elif rule == "additionalProperties":
            yield Problem(rule, parts, unexpected=tuple(str(u) for u in kind.unexpected))
        elif rule == "type":
            yield Problem(rule, parts, types=tuple(str(t).split(".")[-1].lower() for t in kind.types))
        else:
            yield Problem(rule, parts)


UNREPRESENTABLE = "unrepresentable"
FLOAT_MAX = 1.7976931348623157e308


def hazard(value: Any) -> tuple[str, str] | None:
    """(JSON pointer, what) of the first value no schema validator or float arithmetic can take: a lone
    surrogate in a string or a key, a number that is not finite, an integer beyond the float range. Walked
    without recursion; None when there is none. The common case (none) is proved at C speed first: the value
    serialises as strict UTF-8 JSON and holds no run of 309 digits (an integer past the float range has one)."""
    if _plainly_safe(value):
        return None
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        pointer, item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                name = str(key)
                if not _encodable(name):
                    return pointer + "/" + _escaped(
                        name.encode("utf-8", "backslashreplace").decode()
                    ), "a lone surrogate"
                stack.append((pointer + "/" + _escaped(name), child))
        elif isinstance(item, list):
            stack.extend((f"{pointer}/{index}", child) for index, child in enumerate(item))
        elif isinstance(item, str) and not _encodable(item):
            return pointer or "/", "a lone surrogate"
        elif isinstance(item, float) and not math.isfinite(item):
            return pointer or "/", "a number that is not finite"
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > FLOAT_MAX:
            return pointer or "/", "a number out of range"
    return None


_HUGE_INTEGER = re.compile(r"\d{309}")


_STRICT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False)  # built once: json.dumps
# with these options would build an encoder per call, which costs as much as the encoding


def _plainly_safe(value: Any) -> bool:
    try:
        text = _STRICT.encode(value)
        text.encode("utf-8")
    except (ValueError, TypeError, RecursionError):  # UnicodeEncodeError is a ValueError
        return False
    return _HUGE_INTEGER.search(text) is None


def _escaped(name: str) -> str:
    """A key as a JSON pointer token (RFC 6901)."""
    return name.replace("~", "~0").replace("/", "~1")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
