"""Reading the vendored OpenAPI document: load, validate, hash, and list its inferred parts."""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from juspay_kit.errors import HarnessError, SpecError

ROOT = Path(__file__).resolve().parent.parent  # the repository, in a checkout
PACKAGED_SPEC_PATH = Path(__file__).resolve().parent / "openapi.yaml"  # the copy a wheel installs
IN_CHECKOUT = (ROOT / "spec" / "openapi.yaml").is_file()
VENDORED_SPEC_PATH = ROOT / "spec" / "openapi.yaml" if IN_CHECKOUT else PACKAGED_SPEC_PATH
# JUSPAY_KIT_SPEC: another document for every reader of the spec in this process (the mock, the contract run, the
# proxy, replay). A seam for testing a changed spec end to end (tests/test_toy_operation.py); never written to.
SPEC_PATH = Path(os.environ["JUSPAY_KIT_SPEC"]) if os.environ.get("JUSPAY_KIT_SPEC") else VENDORED_SPEC_PATH
WRITABLE_SPEC_PATH = VENDORED_SPEC_PATH if IN_CHECKOUT else Path("spec") / "openapi.yaml"  # fetch's default target
PROVENANCE_PATH = ROOT / "spec" / "provenance.json"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")  # operation keys of a path


MAX_EXPANDED = 4_000_000  # characters and nodes of a document with every alias expanded (the spec: ~40,000)


SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present (8x faster); never full


class _StrictLoader(SAFE_LOADER):  # type: ignore[misc]
    """SafeLoader that refuses duplicate mapping keys (PyYAML silently keeps the last one)."""


def load_yaml(text: str, loader: type[yaml.SafeLoader] | None = None) -> Any:
    """Parse YAML, refusing a document whose aliases would expand it beyond MAX_EXPANDED (an alias bomb:
    a few kilobytes that every later copy or dump turns into gigabytes). ValueError says why."""
    parser = (loader or _StrictLoader)(text)
    try:
        node = parser.get_single_node()
        if node is None:
            return None
        if expanded_size(node, MAX_EXPANDED) > MAX_EXPANDED:
            raise ValueError(f"its aliases expand it beyond {MAX_EXPANDED} nodes and characters")
        return parser.construct_document(node)
    finally:
        parser.dispose()


def expanded_size(root: Any, limit: int) -> int:
    """Nodes plus scalar characters of a composed YAML graph, each alias counted as a full copy, up to
    `limit + 1` (also for an alias to the node that holds it). No recursion."""
    sizes: dict[int, int] = {}
    started: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1 + len(node.value)
            continue
        children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
        if done:
            sizes[id(node)] = min(limit + 1, 1 + sum(sizes[id(child)] for child in children))
        elif id(node) in started:
            return limit + 1  # a node inside itself: endless
        else:
            started.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    loader.flatten_mapping(node)
    return dict(loader.construct_pairs(node))


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


_PARSED: dict[tuple[str, int, int], dict[str, Any]] = {}  # (path, mtime, size) -> document, parsed once


def load(path: Path = SPEC_PATH) -> dict[str, Any]:
    """Parse the document; SpecError if it is missing or is not a YAML/JSON mapping. A file is parsed once per
    process (until it changes); each caller gets its own copy to change as it likes."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror}") from None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _PARSED:
        _PARSED.clear()  # one document at a time is enough
        _PARSED[key] = _parse(path)
    return copy.deepcopy(_PARSED[key])


MAX_SPEC_BYTES = 2 * 1024 * 1024


def read_bounded(path: Path | str, error: type[HarnessError] = SpecError) -> bytes:
    """A spec file's bytes, at most MAX_SPEC_BYTES (a device such as /dev/zero is read in bounds too);
    `error` names the problem on one line."""
    try:
        with open(path, "rb") as file:  # noqa: PTH123 - bounded read: a device or a huge file is refused
            raw = file.read(MAX_SPEC_BYTES + 1)
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror or type(exc).__name__}") from None
    if len(raw) > MAX_SPEC_BYTES:
        raise error(f"{path} is larger than {MAX_SPEC_BYTES} bytes; not a spec this tool reads")
    return raw


def _parse(path: Path) -> dict[str, Any]:
    raw = read_bounded(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"{path} is not UTF-8 text") from None
    try:
        data = load_yaml(text)
    except RecursionError:
        raise SpecError(f"{path} nests too deeply to be an API document") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise SpecError(f"{path} is not valid YAML{where}: {problem}") from None
    except ValueError as exc:
        raise SpecError(f"{path} is refused: {exc}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path} does not hold an OpenAPI document (top level is not a mapping)")
    return data


def validate(document: dict[str, Any], path: Path = SPEC_PATH) -> None:
    """Validate against the OpenAPI 3.x meta-schema; SpecError with the first problem found."""
    from openapi_spec_validator import validate as _validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        _validate(document)
    except OpenAPIValidationError as exc:
        where = "/".join(str(p) for p in getattr(exc, "path", ()) or ())
        message = str(getattr(exc, "message", exc)).splitlines()[0]
        raise SpecError(
            f"{path} is not a valid OpenAPI document: {message}" + (f" (at {where})" if where else "")
        ) from None
    except Exception as exc:  # the validator raises assorted errors for documents it cannot even walk
        raise SpecError(f"{path} is not a valid OpenAPI document: {str(exc).splitlines()[0]}") from None


def load_valid(path: Path = SPEC_PATH) -> dict[str, Any]:
    document = load(path)
    check_refs(document, path)
    validate(document, path)
    return document


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


def check_refs(document: dict[str, Any], path: Path | str = "the document") -> None:
    """Every `$ref` local ("#/..."), resolvable, and free of cycles; SpecError naming the first that is not.
    The tools inline references, so an external, dangling or recursive one must stop them with a message."""
    targets: dict[str, Any] = {}

    def target(ref: str) -> Any:
        if ref not in targets:
            try:
                targets[ref] = follow(document, ref)
            except KeyError:
                raise SpecError(f"{path}: $ref {ref[:120]!r} points at nothing") from None
        return targets[ref]

    def walk(node: Any, chain: tuple[str, ...]) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref is not None:
                if not isinstance(ref, str) or not ref.startswith("#"):
                    raise SpecError(f"{path}: only local $refs (#/...) are supported, got {str(ref)[:120]!r}")
                if ref in chain:
                    raise SpecError(
                        f"{path}: $ref {ref[:120]!r} refers to itself (recursive schemas are not supported)"
                    )
                walk(target(ref), (*chain, ref))
            for key, value in node.items():
                if key != "$ref":
                    walk(value, chain)
        elif isinstance(node, list):
            for value in node:
                walk(value, chain)

    try:
        walk(document, ())
    except RecursionError:
        raise SpecError(f"{path} nests too deeply to be an API document") from None


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_provenance(path: Path = PROVENANCE_PATH) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def provenance_text(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_provenance(data: dict[str, Any], path: Path = PROVENANCE_PATH) -> None:
    path.write_text(provenance_text(data), encoding="utf-8")


@dataclass(frozen=True)
class Marker:
    """One `x-inferred` or `x-doc-conflict` marker and the JSON pointer of the element carrying it."""

    kind: str  # "inferred" or "doc-conflict"
    id: str
    pointer: str
    detail: dict[str, Any]


def markers(document: dict[str, Any]) -> Iterator[Marker]:
    """Every inferred part and every recorded contradiction, in document order."""

    def walk(node: Any, pointer: str) -> Iterator[Marker]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("x-inferred", "x-doc-conflict"):
                    for item in value if isinstance(value, list) else [value]:
                        yield Marker(key[2:], str(item.get("id", "")), pointer or "/", item)
                else:
                    yield from walk(value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{pointer}/{index}")

    yield from walk(document, "")


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, METHOD, operation) for every operation of the document."""
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method.upper(), operation
