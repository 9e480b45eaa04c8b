"""Refreshing the vendored spec from Juspay's published document: fetch, convert, normalise, patch.

    raw document (URL or file) ──► Swagger 2.0 → OpenAPI 3 (when needed) ──► normalised
        ──► spec/patches/*.json applied in name order ──► spec/openapi.yaml + spec/provenance.json

A patch is a reviewed correction of one known vendor error: a JSON file `{"reason": ..., "patch": [RFC 6902
operations]}`. Every patch must still apply and still change the document; otherwise the refresh stops
and says which patch went stale, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jsonpatch
import yaml

from juspay_kit import spec
from juspay_kit.errors import HarnessError, SpecError

PATCHES_PATH = spec.WRITABLE_SPEC_PATH.parent / "patches"

# Conventional OpenAPI key order; keys not listed keep their source order after these.
KEY_ORDER = [
    "openapi", "info", "title", "version", "summary", "description", "servers", "tags", "security", "paths",
    "webhooks", "components", "operationId", "name", "in", "required", "deprecated", "parameters", "requestBody",
    "content", "schema", "type", "enum", "const", "format", "properties", "additionalProperties", "items",
    "responses", "example", "examples", "value", "externalDocs",
]  # fmt: skip
_RANK = {key: index for index, key in enumerate(KEY_ORDER)}


class RefreshError(HarnessError):
    """The refresh cannot proceed; nothing was written."""


def read_source(source: str, timeout: float = 20.0) -> bytes:
    """The raw document from an http(s) URL or a local file."""
    if urlsplit(source).scheme in ("http", "https"):
        try:
            answer = httpx.get(source, timeout=timeout, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise RefreshError(f"cannot fetch {source}: {type(exc).__name__}") from None
        if answer.status_code != 200:
            raise RefreshError(f"cannot fetch {source}: HTTP {answer.status_code}")
        return answer.content
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise RefreshError(f"cannot read {source}: {exc.strerror}") from None


def parse(raw: bytes, source: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        raise RefreshError(f"{source} is not a JSON or YAML document") from None
    if not isinstance(data, dict) or not ("openapi" in data or "swagger" in data):
        raise RefreshError(f"{source} is not an OpenAPI or Swagger document")
    return data


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
    for path, item in doc.get("paths", {}).items():
        out["paths"][path] = {}
        for method, operation in item.items():
            out["paths"][path][method] = _convert_operation(operation, consumes, produces)
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


def normalise(node: Any, parent: str = "") -> Any:
    """Stable key order: conventional OpenAPI keys first, then source order; name maps keep source order."""
    if isinstance(node, dict):
        name_map = parent in (
            "paths",
            "properties",
            "schemas",
            "responses",
            "securitySchemes",
            "examples",
            "parameters",
        )
        keys = list(node) if name_map else sorted(node, key=lambda k: (_RANK.get(k, len(_RANK)), list(node).index(k)))
        return {key: normalise(node[key], str(key)) for key in keys}
    if isinstance(node, list):
        return [normalise(value, parent) for value in node]
    return node


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110, indent=2)


def load_patches(directory: Path = PATCHES_PATH) -> list[tuple[str, str, jsonpatch.JsonPatch]]:
    patches = []
    for path in sorted(directory.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            reason, operations = data["reason"], data["patch"]
            if not reason or not isinstance(operations, list) or not operations:
                raise ValueError
            patch = jsonpatch.JsonPatch(operations)
        except (ValueError, KeyError, TypeError, jsonpatch.JsonPatchException):
            raise RefreshError(
                f'{path.name} is not a patch file ({{"reason": ..., "patch": [RFC 6902 operations]}})'
            ) from None
        patches.append((path.name, reason, patch))
    return patches


def apply_patches(document: dict[str, Any], patches: list[tuple[str, str, jsonpatch.JsonPatch]]) -> dict[str, Any]:
    for name, _, patch in patches:
        try:
            patched = patch.apply(document)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
            raise RefreshError(f"patch {name} no longer applies ({exc}); review it against the new document") from None
        if patched == document:
            raise RefreshError(f"patch {name} no longer changes anything (fixed upstream?); remove or update it")
        document = patched
    return document


def refresh(source: str, spec_path: Path = spec.SPEC_PATH, patches_dir: Path = PATCHES_PATH) -> dict[str, Any]:
    """Fetch, convert, normalise, patch, validate; then write the spec and provenance. Returns the record."""
    raw = read_source(source)
    document = parse(raw, source)
    converted = "swagger" in document
    if converted:
        document = swagger2_to_openapi3(document)
    patches = load_patches(patches_dir)
    document = normalise(apply_patches(normalise(document), patches))
    try:
        spec.validate(document, spec_path)
    except SpecError as exc:
        raise RefreshError(f"the refreshed document does not validate: {exc}") from None
    text = dump(document)
    record = {
        "kind": "fetched",
        "from": source,
        "retrieved_on": dt.date.today().isoformat(),
        "converted_from_swagger_2": converted,
        "raw_sha256": hashlib.sha256(raw).hexdigest(),
        "normalised_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "patches": [{"file": name, "reason": reason} for name, reason, _ in patches],
    }
    spec_path.write_text(text, encoding="utf-8")
    provenance_path = spec_path.parent / "provenance.json"
    existing = spec.read_provenance(provenance_path) if provenance_path.exists() else {}
    existing["source"] = record
    spec.write_provenance(existing, provenance_path)
    return record
