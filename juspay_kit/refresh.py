"""Refreshing the vendored spec from Juspay's published document: fetch, convert, normalise, patch.

    raw document (URL or file) ──► Swagger 2.0 → OpenAPI 3 (when needed) ──► normalised
        ──► spec/patches/*.json applied in name order ──► spec/openapi.yaml + spec/provenance.json

A patch is a reviewed change to Juspay's document: a JSON file `{"reason": ..., "patch": [RFC 6902
operations]}`. Every patch must still apply and still change the document; otherwise the refresh stops
and says which patch went stale, and nothing is written. The patches carry everything this transcription
adds to what Juspay publishes (see spec/patches/README.md), so a refresh from Juspay's document reproduces
spec/openapi.yaml exactly, and a refresh from spec/openapi.yaml itself changes nothing (a fixed point).

Hostile or broken input ends in a RefreshError (one line, exit 2) and nothing written: sources are read up
to MAX_SOURCE_BYTES within SOURCE_DEADLINE seconds, YAML alias expansion is capped, references must be local,
resolvable and free of cycles, and the spec and provenance.json are replaced together, atomically, only
once everything has been checked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jsonpatch
import yaml

from juspay_kit import spec
from juspay_kit.errors import RefreshError, SpecError, UsageError

PATCHES_PATH = spec.WRITABLE_SPEC_PATH.parent / "patches"

# Key order of the normalised document: these keys first, in this order, at every level; any other key keeps
# its source order after them. Name maps (paths, properties, ...) keep their source order.
KEY_ORDER = [
    "openapi", "info", "servers", "tags", "security", "paths", "webhooks", "components",
    "title", "version", "name", "url", "operationId", "summary", "in", "required", "deprecated", "type", "scheme",
    "format", "enum", "const", "minLength", "maxLength", "pattern", "not", "description", "externalDocs",
    "x-inferred", "x-doc-conflict", "parameters", "requestBody", "content", "schema", "additionalProperties",
    "items", "properties", "responses", "schemas", "securitySchemes", "example", "examples", "value",
]  # fmt: skip
_RANK = {key: index for index, key in enumerate(KEY_ORDER)}
_NAME_MAPS = {"paths", "properties", "schemas", "responses", "securitySchemes", "examples", "parameters", "content"}

MAX_SOURCE_BYTES = spec.MAX_SPEC_BYTES  # the vendored document is about 30 KB
SOURCE_DEADLINE = 30.0  # seconds for the whole download, however slowly it trickles


def read_source(source: str, timeout: float = 20.0) -> bytes:
    """The raw document from an http(s) URL or a local file, at most MAX_SOURCE_BYTES within SOURCE_DEADLINE."""
    try:
        scheme = urlsplit(source).scheme
    except ValueError:
        raise RefreshError(f"{source!r} is not a valid URL or path") from None
    if scheme in ("http", "https"):
        return _download(source, timeout)
    return spec.read_bounded(source, RefreshError)


def _download(source: str, timeout: float) -> bytes:
    deadline = time.monotonic() + SOURCE_DEADLINE
    chunks: list[bytes] = []
    size = 0
    try:
        with httpx.stream("GET", source, timeout=timeout, follow_redirects=True, trust_env=False) as answer:
            if answer.status_code != 200:
                raise RefreshError(f"cannot fetch {source}: HTTP {answer.status_code}")
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > MAX_SOURCE_BYTES:
                    raise RefreshError(f"{source} sent more than {MAX_SOURCE_BYTES} bytes; not a spec this tool reads")
                if time.monotonic() > deadline:
                    raise RefreshError(f"{source} did not finish sending within {SOURCE_DEADLINE:g}s")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise RefreshError(f"cannot fetch {source}: {type(exc).__name__}") from None
    except (httpx.InvalidURL, ValueError):
        raise RefreshError(f"{source!r} is not a valid URL") from None
    return b"".join(chunks)


def parse(raw: bytes, source: str) -> dict[str, Any]:
    try:
        data = spec.load_yaml(raw.decode("utf-8"), yaml.SafeLoader)
    except RecursionError:
        raise RefreshError(f"{source} nests too deeply to be an API document") from None
    except (UnicodeDecodeError, yaml.YAMLError):
        raise RefreshError(f"{source} is not a JSON or YAML document") from None
    except ValueError as exc:
        raise RefreshError(f"{source} is refused: {exc}") from None
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


def normalise(node: Any, parent: str = "") -> Any:
    """Stable key order: KEY_ORDER first, then source order; name maps keep source order."""
    if isinstance(node, dict):
        if parent in _NAME_MAPS:
            keys = list(node)
        else:
            position = {key: index for index, key in enumerate(node)}
            keys = sorted(node, key=lambda k: (_RANK.get(k, len(_RANK)), position[k]))
        return {key: normalise(node[key], str(key)) for key in keys}
    if isinstance(node, list):
        return [normalise(value) for value in node]
    return node


class _Dumper(yaml.SafeDumper):
    """One readable form: block mappings, lists indented under their key, short scalar lists inline,
    multi-line text as literal blocks, long sentences folded at the line width, no anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> Any:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if len(value) > 100 and value == value.strip() and "  " not in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> Any:
    scalars = all(isinstance(v, str | int | float | bool) or v is None for v in value)
    inline = scalars and len(repr(value)) < 80 and not any("\n" in str(v) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=inline)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)


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
    """Fetch, convert, normalise, patch, validate; then write the spec and provenance together. Returns the
    source record, with `unchanged: True` when the spec already holds exactly this document."""
    raw = read_source(source)
    document = parse(raw, source)
    provenance_path = spec_path.parent / "provenance.json"
    existing = _read_provenance(provenance_path)  # a corrupt record stops the refresh before anything changes
    try:
        text, converted, patches = _build(document, spec_path, patches_dir)
    except RecursionError:
        raise RefreshError(f"{source} nests too deeply to be an API document") from None
    current = spec_path.read_text(encoding="utf-8") if spec_path.is_file() else None
    record = {
        "kind": "fetched",
        "from": source,
        "retrieved_on": dt.date.today().isoformat(),
        "converted_from_swagger_2": converted,
        "raw_sha256": hashlib.sha256(raw).hexdigest(),
        "normalised_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "patches": [{"file": name, "reason": reason} for name, reason, _ in patches],
    }
    if current == text:  # nothing changed: the repository stays byte for byte as it was
        return {**record, "unchanged": True}
    existing["source"] = record
    _write_together({spec_path: text, provenance_path: spec.provenance_text(existing)})
    return record


def _build(document: dict[str, Any], spec_path: Path, patches_dir: Path) -> tuple[str, bool, list[Any]]:
    converted = "swagger" in document
    try:
        if converted:
            document = swagger2_to_openapi3(document)
        document = normalise(document)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise RefreshError(f"the document has a structure this tool cannot read ({type(exc).__name__})") from None
    patches = load_patches(patches_dir)
    if spec_path.is_file() and _already_vendored(document, spec_path):
        patches_applied = document  # refreshing from the vendored spec itself: its patches are already in it
    else:
        patches_applied = apply_patches(document, patches)
    document = normalise(patches_applied)
    try:
        spec.check_refs(document)
        spec.validate(document, spec_path)
    except SpecError as exc:
        raise RefreshError(f"the refreshed document does not validate: {exc}") from None
    return dump(document), converted, patches


def _already_vendored(document: dict[str, Any], spec_path: Path) -> bool:
    try:
        return bool(document == normalise(spec.load(spec_path)))
    except SpecError:
        return False


def _read_provenance(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        raise RefreshError(
            f"{path} is not a readable JSON record; fix or remove it first (nothing was written)"
        ) from None
    if not isinstance(record, dict):
        raise RefreshError(f"{path} is not a JSON object; fix or remove it first (nothing was written)")
    return record


def _write_together(files: dict[Path, str]) -> None:
    """Write every file to a temporary sibling first, then move them all into place (os.replace is atomic)."""
    staged: list[tuple[Path, Path]] = []
    try:
        for target, text in files.items():
            handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            staged.append((Path(name), target))
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
    except OSError as exc:
        for staging, _ in staged:
            staging.unlink(missing_ok=True)
        raise RefreshError(f"cannot write the refreshed spec: {exc.strerror or exc}") from None
    for staging, target in staged:
        os.replace(staging, target)


def derive_patches(base: dict[str, Any], target: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The RFC 6902 operations that turn `base` (Juspay's document, normalised) into `target` (the vendored
    spec), grouped by PATCH_GROUPS. A maintenance tool: its output is reviewed and committed to spec/patches/."""
    operations: list[dict[str, Any]] = []
    _diff(base, target, "", operations)
    groups: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in PATCH_GROUPS}
    for operation in operations:
        name = next(name for name, _, belongs in PATCH_GROUPS if belongs(operation["path"]))
        groups[name].append(operation)
    return {name: ops for name, ops in groups.items() if ops}


def _pointer(path: str, key: Any) -> str:
    return f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"


def _diff(old: Any, new: Any, path: str, out: list[dict[str, Any]]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old:
            if key not in new:
                out += [{"op": "test", "path": _pointer(path, key), "value": old[key]},
                        {"op": "remove", "path": _pointer(path, key)}]  # fmt: skip
        for key, value in new.items():
            if key in old:
                _diff(old[key], value, _pointer(path, key), out)
            else:
                out.append({"op": "add", "path": _pointer(path, key), "value": value})
    elif old != new or type(old) is not type(new):
        out += [{"op": "test", "path": path, "value": old}, {"op": "replace", "path": path, "value": new}]


def _is_validate(path: str) -> bool:
    return path.startswith(("/paths/~1validateOtp", "/components/schemas/ValidateOtp", "/components/schemas/Network"))


def _is_error(path: str) -> bool:
    parts = path.split("/")
    in_responses = len(parts) > 5 and parts[1] == "paths" and parts[4] == "responses" and parts[5] != "200"
    return in_responses or path.startswith(
        ("/components/responses", "/components/schemas/JuspayError", "/components/schemas/TriggerOtpRefusal")
    )


_DECIDED = ("/components/schemas/OtpLimits", "/components/schemas/TriggerOtpResponse/properties/response")


def _is_decision(path: str) -> bool:
    return "x-doc-conflict" in path or path.startswith(_DECIDED)


def _is_inferred(path: str) -> bool:
    """Markers, and the constraints the pages do not give: lengths, closed objects, required lists and types
    added where the base had none."""
    last = path.rsplit("/", 1)[-1]
    if path.startswith(_DECIDED) and "x-inferred" not in path:
        return False  # the counters' shape is a decision, not an inference
    return "x-inferred" in path or last in ("minLength", "maxLength", "additionalProperties", "required", "type")


# (file name, reason, which operation paths belong to it); the first group that claims a path takes it.
PATCH_GROUPS: list[tuple[str, str, Any]] = [
    ("040-inferred-parts.json", "Parts the pages do not document, inferred and marked x-inferred (spec/README.md).",
     _is_inferred),
    ("030-contradictions-decided.json", "Where the pages contradict themselves, the decision taken (x-doc-conflict; "
     "the wire sample beats the field table).", _is_decision),
    ("020-error-responses.json", "Juspay documents only the 200 answers; the error and refusal answers are "
     "inferred from its error conventions.", _is_error),
    ("010-validate-otp.json", "Juspay serves one document per page and the refresh reads the Trigger OTP page's; "
     "Validate OTP is transcribed from its own page.", _is_validate),
    ("000-transcription.json", "The transcription's own wording and structure: descriptions in our words, "
     "the production server, the tag, operation ids and the shared x-merchantid parameter.", lambda path: True),
]  # fmt: skip


def write_derived_patches(
    base_source: Path, patches_dir: Path = PATCHES_PATH, spec_path: Path = spec.SPEC_PATH
) -> None:
    """Replace the patch folder's files with those derived from `base_source` (Juspay's document) to the spec."""
    base = parse(read_source(str(base_source)), str(base_source))
    base = normalise(swagger2_to_openapi3(base) if "swagger" in base else base)
    reasons = {name: reason for name, reason, _ in PATCH_GROUPS}
    for old in patches_dir.glob("*.json"):
        old.unlink()
    for name, operations in derive_patches(base, normalise(spec.load(spec_path))).items():
        text = json.dumps({"reason": reasons[name], "patch": operations}, indent=2, ensure_ascii=False) + "\n"
        (patches_dir / name).write_text(text, encoding="utf-8")


def _derive_main(argv: Any) -> int:
    if len(argv or []) != 2 or argv[0] != "derive":
        raise UsageError("usage: python -m juspay_kit.refresh derive JUSPAY_DOCUMENT")
    write_derived_patches(Path(argv[1]))
    return 0


if __name__ == "__main__":  # maintenance: python -m juspay_kit.refresh derive JUSPAY_DOCUMENT
    import sys

    from juspay_kit.cli import run

    run(_derive_main, sys.argv[1:])
