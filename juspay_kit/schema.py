"""JSON-schema helpers over the vendored document: inline local `$ref`s."""

from __future__ import annotations

import functools
from typing import Any


def follow(document: Any, ref: str) -> Any:
    """The node a local `$ref` ("#/a/b") points at; ValueError for a non-local one, KeyError when it points
    at nothing."""
    if not ref.startswith("#"):
        raise ValueError(f"only local references are supported, got {ref!r}")
    node: Any = document
    for part in ref[2:].split("/") if ref not in ("#", "#/") else []:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            raise KeyError(ref)
    return node


def resolve(document: dict[str, Any], node: Any) -> Any:
    """A copy of `node` with every local `$ref` replaced by its target (the document has no cycles)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return resolve(document, follow(document, node["$ref"]))
        return {key: resolve(document, value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(document, value) for value in node]
    return node


class ResponseSchemas:
    """The documented response schema of every (operationId, status), compiled once."""

    def __init__(self, document: dict[str, Any]) -> None:
        import jsonschema_rs

        from juspay_kit import spec

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

    def matches(self, component: str, body: Any) -> bool:
        """Whether `body` is valid against the named component schema."""
        return bool(self._components[component].is_valid(body))

    def documented(self, operation_id: str, status: int) -> bool:
        return (operation_id, str(status)) in self._validators

    def request_validator(self, operation_id: str) -> Any:
        """The compiled request-body validator of an operation."""
        return self._requests[operation_id]

    def response_validator(self, operation_id: str, status: int) -> Any:
        """The compiled validator of the documented answer, or None for an undocumented status."""
        return self._validators.get((operation_id, str(status)))

    def request_errors(self, operation_id: str, body: Any) -> list[str]:
        """JSON pointers of the places where a request body breaks the operation's request schema."""
        return ["/" + "/".join(str(p) for p in e.instance_path) for e in self._requests[operation_id].iter_errors(body)]

    def errors(self, operation_id: str, status: int, body: Any) -> list[str]:
        """Schema errors of `body` for that status; ["undocumented status"] when the spec lacks it."""
        validator = self._validators.get((operation_id, str(status)))
        if validator is None:
            return [f"status {status} is not documented for {operation_id}"]
        return [error.message for error in validator.iter_errors(body)]


@functools.cache
def shared() -> ResponseSchemas:
    """The vendored spec's response schemas, compiled once per process."""
    from juspay_kit import spec

    return ResponseSchemas(spec.load())
