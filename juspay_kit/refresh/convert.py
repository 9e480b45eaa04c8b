"""Convert: the Swagger 2.0 subset Juspay-style documents use, to OpenAPI 3.1."""

from __future__ import annotations

from typing import Any

from juspay_kit import spec
from juspay_kit.errors import RefreshError


def swagger2_to_openapi3(doc: dict[str, Any]) -> dict[str, Any]:
    """Convert the Swagger 2.0 subset Juspay-style documents use (JSON bodies, headers, definitions)."""
    if str(doc.get("swagger")) != "2.0":
        raise RefreshError(f"unsupported Swagger version {doc.get('swagger')!r}")
    out: dict[str, Any] = {"openapi": "3.1.0", "info": doc.get("info", {})}
    host = doc.get("host")
    if host:
        schemes = doc.get("schemes") or ["https"]
        out["servers"] = [{"url": f"{scheme}://{host}{doc.get('basePath', '')}".rstrip("/")} for scheme in schemes]
    if "tags" in doc:
        out["tags"] = doc["tags"]
    if "security" in doc:
        out["security"] = doc["security"]
    consumes = doc.get("consumes") or ["application/json"]
    produces = doc.get("produces") or ["application/json"]
    out["paths"] = {}
    paths = doc.get("paths", {})
    if not isinstance(paths, dict):
        raise RefreshError("the document's paths must be a mapping")
    for path, item in paths.items():
        if not isinstance(item, dict):
            raise RefreshError(f"path {str(path)[:80]!r} must be a mapping")
        shared = item.get("parameters", [])  # path-level parameters apply to every operation of the path
        out["paths"][path] = {}
        for key, value in item.items():
            if key in spec.HTTP_METHODS:
                operation = {**value, "parameters": _merged(shared, value.get("parameters", []))}
                if not operation["parameters"]:
                    del operation["parameters"]
                out["paths"][path][key] = _convert_operation(operation, consumes, produces)
            elif str(key).startswith("x-"):
                out["paths"][path][key] = value
    components: dict[str, Any] = {}
    if doc.get("definitions"):
        components["schemas"] = _rewrite_refs(doc["definitions"])
    schemes_out = {}
    for name, scheme in doc.get("securityDefinitions", {}).items():
        if scheme.get("type") == "basic":
            schemes_out[name] = {"type": "http", "scheme": "basic", **_docs(scheme)}
        elif scheme.get("type") == "apiKey":
            schemes_out[name] = {"type": "apiKey", "name": scheme["name"], "in": scheme["in"], **_docs(scheme)}
        else:
            raise RefreshError(f"unsupported Swagger security scheme type {scheme.get('type')!r}")
    if schemes_out:
        components["securitySchemes"] = schemes_out
    if components:
        out["components"] = components
    return out


def _merged(shared: list[Any], own: list[Any]) -> list[Any]:
    """Path-level parameters overridden by the operation's own of the same name and location."""
    mine = {(p.get("name"), p.get("in")) for p in own}
    return [p for p in shared if (p.get("name"), p.get("in")) not in mine] + list(own)


def _docs(node: dict[str, Any]) -> dict[str, Any]:
    return {k: node[k] for k in ("description",) if k in node}


def _convert_operation(operation: dict[str, Any], consumes: list[str], produces: list[str]) -> dict[str, Any]:
    result = {k: v for k, v in operation.items() if k not in ("parameters", "responses", "consumes", "produces")}
    parameters = []
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "body":
            media = {"schema": _rewrite_refs(parameter.get("schema", {}))}
            if "x-examples" in parameter:
                media["examples"] = {k: {"value": v} for k, v in parameter["x-examples"].items()}
            body: dict[str, Any] = {"content": {ct: media for ct in operation.get("consumes", consumes)}}
            if parameter.get("required"):
                body["required"] = True
            result["requestBody"] = body
            continue
        converted = {k: parameter[k] for k in ("name", "in", "description", "required") if k in parameter}
        schema = {
            k: parameter[k] for k in ("type", "format", "enum", "minLength", "maxLength", "pattern") if k in parameter
        }
        converted["schema"] = schema
        parameters.append(converted)
    if parameters:
        result["parameters"] = parameters
    responses = {}
    for status, response in operation.get("responses", {}).items():
        converted = {"description": response.get("description", "")}
        if "schema" in response:
            media = {"schema": _rewrite_refs(response["schema"])}
            if "examples" in response:
                media["examples"] = {f"example-{i}": {"value": v} for i, v in enumerate(response["examples"].values())}
            converted["content"] = {ct: media for ct in operation.get("produces", produces)}
        responses[str(status)] = converted
    result["responses"] = responses
    return result


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        converted: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/definitions/"):
                converted[key] = "#/components/schemas/" + value[len("#/definitions/") :]
            elif key == "x-nullable" and value is True:
                continue
            else:
                converted[key] = _rewrite_refs(value)
        if node.get("x-nullable") is True and isinstance(converted.get("type"), str):
            converted["type"] = [converted["type"], "null"]
        return converted
    if isinstance(node, list):
        return [_rewrite_refs(value) for value in node]
    return node
