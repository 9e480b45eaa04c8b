"""Regenerate the typed client from the vendored spec, or check that the committed client is current.

The output depends only on: the spec, `generator/config.yaml`, `generator/templates/` (overrides of
openapi-python-client's own templates), `generator/package/` (modules the generator has no template for:
the high-level client, its exceptions and the embedded response contract, rendered here from the spec), and
the pinned openapi-python-client and ruff (both must be the versions below, run from this environment).
"""

from __future__ import annotations

import filecmp
import json
import os
import pprint
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import yaml

from juspay_kit import api, spec
from juspay_kit.errors import HarnessError, SpecError

GENERATOR_VERSION = "0.29.1"
RUFF_VERSION = "0.17.6"
PROJECT_NAME = "juspay-visa-agentic-client"
PACKAGE_NAME = "juspay_visa_agentic_client"
CONFIG_PATH = spec.ROOT / "generator" / "config.yaml"
TEMPLATES_PATH = spec.ROOT / "generator" / "templates"
PACKAGE_TEMPLATES_PATH = spec.ROOT / "generator" / "package"
CLIENT_PATH = spec.ROOT / "generator" / "client.yaml"  # how JuspayClient presents an operation (all optional)
OUTPUT_PATH = spec.ROOT / "generated" / PROJECT_NAME
IGNORED_NAMES = {".ruff_cache", "__pycache__", ".mypy_cache", "dist", "build"}


@dataclass
class Drift:
    added: list[str] = field(default_factory=list)  # in the fresh output, not committed
    missing: list[str] = field(default_factory=list)  # committed, no longer produced
    changed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.missing or self.changed)

    def lines(self) -> list[str]:
        return (
            [f"added:   {p}" for p in self.added]
            + [f"missing: {p}" for p in self.missing]
            + [f"changed: {p}" for p in self.changed]
        )


def _check_tools() -> Path:
    """The bin directory holding the pinned tools; HarnessError when a version is wrong."""
    for name, wanted in (("openapi-python-client", GENERATOR_VERSION), ("ruff", RUFF_VERSION)):
        try:
            found = version(name)
        except PackageNotFoundError:
            raise HarnessError(f"{name}=={wanted} is not installed in {sys.prefix}; run `make install`") from None
        if found != wanted:
            raise HarnessError(f"{name} {found} is installed but {wanted} is pinned; run `make install`")
    return Path(sys.executable).parent


def generate(output: Path, spec_path: Path = spec.SPEC_PATH) -> None:
    """Validate the spec and generate the client project into `output` (replaced if present)."""
    spec.load_valid(spec_path)
    bin_dir = _check_tools()
    if output.exists():
        shutil.rmtree(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", NO_COLOR="1")
    command = [
        str(bin_dir / "openapi-python-client"),
        "generate",
        "--path", str(spec_path),
        "--config", str(CONFIG_PATH),
        "--custom-template-path", str(TEMPLATES_PATH),
        "--meta", "uv",
        "--output-path", str(output),
        "--fail-on-warning",
    ]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=output.parent, check=False)
    if result.returncode != 0:
        detail = [
            line.strip()
            for line in (result.stderr + result.stdout).splitlines()
            if line.strip() and not line.startswith(("If you believe", "Generating "))
        ]
        raise SpecError(f"openapi-python-client failed: {' | '.join(detail[:3]) or 'no output'}")
    render_package_modules(output, spec.load(spec_path))
    _run_post_hooks(output, env)
    for leftover in output.rglob(".ruff_cache"):
        shutil.rmtree(leftover)


# Schema keywords that decide validity; everything else (descriptions, examples, x- markers) is left out of
# the contract embedded in the client.
CONTRACT_KEYWORDS = {"type", "required", "properties", "enum", "const", "not", "anyOf", "$ref", "minLength",
                     "additionalProperties"}  # fmt: skip
LENIENT_CONFLICT = "otp-counters-type"
OTP_TAG = "device-binding"  # counters may arrive as numeric strings (the field table's type)
DEFAULT_TIMEOUT = {"connect": 5.0, "read": 30.0}
DEFAULT_CONNECT_RETRIES = 2
RETRY_BACKOFF_SECONDS = 0.25


def _name_inferred(node: Any) -> bool:
    marker = node.get("x-inferred") if isinstance(node, dict) else None
    return isinstance(marker, dict) and "constrains" not in marker


def _contract_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [_contract_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    reduced = {key: _contract_schema(value) for key, value in node.items() if key in CONTRACT_KEYWORDS}
    if "properties" in node:
        # In an open object (a cut page), a field whose name is inferred is not held to its inferred type: a
        # wrong guess must not cost the caller an answer (Fetch's credentials). The nightly run judges it. A
        # marker that `constrains` a keyword (an inferred maxLength) infers a bound, not the name.
        guessed = node.get("additionalProperties") is True
        reduced["properties"] = {
            name: {} if guessed and _name_inferred(value) else _contract_schema(value)
            for name, value in node["properties"].items()
        }
    conflict = node.get("x-doc-conflict")
    if isinstance(conflict, dict) and conflict.get("id") == LENIENT_CONFLICT:
        reduced["x-lenient-integer"] = True
    return reduced


def _resolve_response(document: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return response


def package_context(document: dict[str, Any]) -> dict[str, Any]:
    """What the modules of generator/package/ are rendered from: all of it read from the spec."""
    responses: dict[str, dict[str, Any]] = {}
    for _, _, operation in spec.operations(document):
        documented = responses.setdefault(operation["operationId"], {})
        for status, response in operation.get("responses", {}).items():
            content = _resolve_response(document, response).get("content", {}).get("application/json", {})
            documented[str(status)] = _contract_schema(content.get("schema", {}))
    schemas = {name: _contract_schema(schema) for name, schema in document["components"]["schemas"].items()}
    facts = api.load(document)
    # The OTP operations' refusals keep their historical base class, OtpRefused; the others' is Refused.
    otp_ops = {raw["operationId"] for _, _, raw in spec.operations(document) if OTP_TAG in raw.get("tags", ())}
    bases = {op.operation_id: "OtpRefused" if op.operation_id in otp_ops else "Refused" for op in facts}
    codes: dict[str, list[str]] = {}
    code_bases: dict[str, str] = {}
    for facts_of in facts:
        for code in facts_of.refusal.codes:
            codes.setdefault(code, []).append(facts_of.summary)
            if code_bases.setdefault(code, bases[facts_of.operation_id]) != bases[facts_of.operation_id]:
                raise SpecError(f"refusal code {code} is used by OTP and non-OTP operations; give it one meaning")
    environments = {
        server["description"].split(".", 1)[0].strip().lower(): server["url"] for server in document["servers"]
    }
    return {
        "schemas": pprint.pformat(schemas, width=110, sort_dicts=False),
        "responses": pprint.pformat(responses, width=110, sort_dicts=False),
        "refusal_codes": [
            {
                "value": code,
                "class_name": code.title().replace("_", ""),
                "operations": " and ".join(ops),
                "base": code_bases[code],
            }
            for code, ops in codes.items()
        ],
        "refusal_bases": "{" + ", ".join(f"{op!r}: exceptions.{base}" for op, base in bases.items()) + "}",
        "refusal_fields": {op.operation_id: (op.refusal.code_field, op.refusal.message_field) for op in facts},
        "environments": pprint.pformat(environments, sort_dicts=False),
        "credential_fields": repr(tuple(sorted(facts.credential_fields))),
        "lenient_conflict": LENIENT_CONFLICT,
        "default_timeout": DEFAULT_TIMEOUT,
        "default_connect_retries": DEFAULT_CONNECT_RETRIES,
        "retry_backoff": RETRY_BACKOFF_SECONDS,
        **client_context(document),
    }


_PRIMITIVES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
_PRESENTATION_KEYS = {"doc", "defaults", "returns"}


def _python_type(node: dict[str, Any], owner: str) -> tuple[str, set[str]]:
    """The annotation openapi-python-client gives a property, and the model classes it names. An inline object
    or enum is the model it generates under `owner` (the schema's name and the property's)."""
    from openapi_python_client.strings import ClassName

    if "$ref" in node:
        name = str(ClassName(node["$ref"].rsplit("/", 1)[-1], ""))
        return name, {name}
    kind = node.get("type")
    if kind == "array":
        inner, models = _python_type(node.get("items", {}), f"{owner}_item")
        return f"list[{inner}]", models
    if kind == "object" or "enum" in node:
        name = str(ClassName(owner, ""))
        return name, {name}
    return _PRIMITIVES.get(kind, "Any") if isinstance(kind, str) else "Any", set()


def _component_name(document: dict[str, Any], node: Any) -> str:
    while isinstance(node, dict) and "$ref" in node and "/responses/" in node["$ref"]:
        node = spec.follow(document, node["$ref"])
    ref = node.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    if not ref:
        raise SpecError("every operation's request body and 200 answer must refer to a component schema")
    return str(ref).rsplit("/", 1)[-1]


def _presentation() -> dict[str, dict[str, Any]]:
    loaded = yaml.safe_load(CLIENT_PATH.read_text(encoding="utf-8")) if CLIENT_PATH.is_file() else None
    shown: dict[str, dict[str, Any]] = (loaded or {}).get("operations") or {}
    for operation_id, entry in shown.items():
        if not isinstance(entry, dict) or set(entry) - _PRESENTATION_KEYS:
            raise HarnessError(f"{CLIENT_PATH.name}: {operation_id} may set {', '.join(sorted(_PRESENTATION_KEYS))}")
    return shown


def _is_secret(prop: Any, kinds: tuple[Any, ...]) -> bool:
    return isinstance(prop, dict) and prop.get("x-juspay-secret") in kinds


def _parameters(body: dict[str, Any], request: str, defaults: dict[str, Any]) -> tuple[list[dict[str, Any]], set[str]]:
    """The keywords of an operation's method: the required fields in the spec's order, then those with a default,
    then the optional ones (None); and the model classes their types name."""
    from openapi_python_client.strings import snake_case

    params: list[dict[str, Any]] = []
    models: set[str] = set()
    for name, prop in body.get("properties", {}).items():
        annotation, named = _python_type(prop, f"{request}_{name}")
        models |= named
        python = snake_case(name)
        rank = 1 if name in defaults else 0 if name in body.get("required", []) else 2
        params.append({
            "name": python, "rank": rank, "value": f"list({python})" if annotation.startswith("list[") else python,
            "annotation": f"{annotation} | None" if rank == 2 else annotation,
            "default": json.dumps(defaults[name]) if rank == 1 else "None" if rank == 2 else None,
            "secret": annotation == "str" and _is_secret(prop, ("otp", "credential")),
        })  # fmt: skip
    params.sort(key=lambda p: p["rank"])  # stable: the spec's order within each rank
    return params, models


def client_context(document: dict[str, Any]) -> dict[str, Any]:
    """The methods of JuspayClient and AsyncJuspayClient, one per operation of the spec (generator/package/parts/),
    presented as generator/client.yaml says (a docstring, defaults, a field of the answer to return)."""
    from openapi_python_client.strings import snake_case

    shown, schemas = _presentation(), document["components"]["schemas"]
    operations: list[dict[str, Any]] = []
    models: set[str] = set()
    modules: list[str] = []
    for path, method, raw in spec.operations(document):
        operation_id, entry = str(raw["operationId"]), shown.get(raw["operationId"], {})
        request = _component_name(document, raw["requestBody"])
        response = _component_name(document, raw["responses"]["200"])
        body, answer = schemas[request], schemas[response].get("properties", {})
        params, named = _parameters(body, request, entry.get("defaults") or {})
        models |= named | {request, response}
        extra = ["extra: dict[str, Any] | None"] if body.get("additionalProperties") is True else []
        typed = [f"{p['name']}: {p['annotation']}" for p in params] + extra
        returns = entry.get("returns")
        if returns is not None and returns not in answer:
            raise HarnessError(f"{CLIENT_PATH.name}: {operation_id} returns {returns}, which its 200 answer lacks")
        returned = _python_type(answer[returns], f"{response}_{returns}") if returns else (response, set())
        models |= returned[1]
        tag = snake_case(raw["tags"][0]) if raw.get("tags") else "default"
        modules += [tag] * (tag not in modules)
        header = any(
            (spec.follow(document, p["$ref"]) if "$ref" in p else p).get("name") == "x-merchantid"
            for p in raw.get("parameters", [])
        )
        doc = entry.get("doc") or f"{raw.get('summary') or operation_id} ({method} {path}): the success answer."
        name = snake_case(operation_id)
        operations.append({
            "operation_id": operation_id, "method": name, "tag": tag, "alias": f"_{name}",
            "builder": f"_{name}_kwargs", "request": request, "response": response, "doc": str(doc).strip(),
            "signature": ", ".join([f"{t} = {p['default']}" if p["default"] else t
                                    for t, p in zip(typed[: len(params)], params, strict=True)]
                                   + [f"{e} = None" for e in extra]),
            "builder_signature": ", ".join(typed),
            "call": ", ".join([f"{p['name']}={p['name']}" for p in params] + ["extra=extra"] * bool(extra)),
            "required_call": ", ".join(f"{p['name']}={p['value']}" for p in params if p["rank"] < 2),
            "optional": [p["name"] for p in params if p["rank"] == 2], "extra": bool(extra),
            "header": ", x_merchantid=merchant_id" if header else "",
            "secret": next((p["name"] for p in params if p["secret"]), "None"),
            "remember": any(_is_secret(v, ("credential",)) for v in answer.values()),
            "returns": returned[0] if returns else response,
            "unwrap": f".{snake_case(returns)}" if returns else "",
        })  # fmt: skip
    return {"client_operations": operations, "client_models": sorted(models), "api_modules": modules}


def render_package_modules(project: Path, document: dict[str, Any]) -> None:
    """Render generator/package/*.py.jinja into the generated package."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PACKAGE_TEMPLATES_PATH),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    context = package_context(document)
    for template in sorted(PACKAGE_TEMPLATES_PATH.glob("*.py.jinja")):
        target = project / PACKAGE_NAME / template.name.removesuffix(".jinja")
        target.write_text(environment.get_template(template.name).render(**context), encoding="utf-8")


def _run_post_hooks(project: Path, env: dict[str, str]) -> None:
    """The config's post hooks again, now over the rendered modules too (ruff is idempotent)."""
    hooks = yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8")).get("post_hooks", [])
    for hook in hooks:
        result = subprocess.run(shlex.split(hook), cwd=project, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            detail = (result.stderr + result.stdout).strip().splitlines()[:3]
            raise SpecError(f"post hook {hook.split()[0]} failed on the rendered modules: {' | '.join(detail)}")


def _files(root: Path) -> set[str]:
    if not root.exists():
        return set()
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not IGNORED_NAMES.intersection(p.relative_to(root).parts)
    }


def compare(expected: Path, actual: Path) -> Drift:
    """How `actual` (committed) differs from `expected` (freshly generated)."""
    want, have = _files(expected), _files(actual)
    changed = [p for p in sorted(want & have) if not filecmp.cmp(expected / p, actual / p, shallow=False)]
    return Drift(added=sorted(want - have), missing=sorted(have - want), changed=changed)


def provenance_block(spec_path: Path = spec.SPEC_PATH) -> dict[str, str]:
    return {
        "spec_sha256": spec.sha256_of(spec_path),
        "openapi-python-client": GENERATOR_VERSION,
        "ruff": RUFF_VERSION,
        "output": OUTPUT_PATH.relative_to(spec.ROOT).as_posix(),
    }


def regenerate(spec_path: Path = spec.SPEC_PATH, output: Path = OUTPUT_PATH) -> None:
    """Rewrite the committed client and the generation record in spec/provenance.json."""
    with tempfile.TemporaryDirectory(prefix="regen-") as tmp:
        fresh = Path(tmp) / PROJECT_NAME
        generate(fresh, spec_path)
        if output.exists():
            shutil.rmtree(output)
        shutil.copytree(fresh, output)
    record = spec.read_provenance() if spec.PROVENANCE_PATH.exists() else {}
    record["generation"] = provenance_block(spec_path)
    spec.write_provenance(record)


def check(spec_path: Path = spec.SPEC_PATH, output: Path = OUTPUT_PATH) -> Drift:
    """Regenerate into a temporary folder and compare; also checks the recorded spec hash."""
    with tempfile.TemporaryDirectory(prefix="regen-check-") as tmp:
        fresh = Path(tmp) / PROJECT_NAME
        generate(fresh, spec_path)
        drift = compare(fresh, output)
    recorded = spec.read_provenance().get("generation", {}) if spec.PROVENANCE_PATH.exists() else {}
    if recorded != provenance_block(spec_path):
        drift.changed.append(spec.PROVENANCE_PATH.relative_to(spec.ROOT).as_posix() + " (generation record)")
    return drift
