"""Patch: apply spec/patches/ to Juspay's document, and derive them again after an edit of the spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonpatch

from juspay_kit import spec
from juspay_kit.errors import RefreshError, UsageError
from juspay_kit.refresh.convert import swagger2_to_openapi3
from juspay_kit.refresh.fetch import parse, read_source
from juspay_kit.refresh.normalise import normalise

PATCHES_PATH = spec.WRITABLE_SPEC_PATH.parent / "patches"


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


_LIFECYCLE = ("/paths/~1provision-token-passkey", "/paths/~1cards~1", "/components/schemas/Provision",
              "/components/schemas/SessionContext", "/components/schemas/Setup", "/components/schemas/VerificationData",
              "/components/schemas/AmountLimit", "/components/schemas/Fetch", "/components/schemas/Transaction",
              "/components/schemas/ShippingAddress", "/components/responses/Provision", "/components/responses/Setup",
              "/components/responses/Fetch", "/tags/1")  # fmt: skip


def _is_lifecycle(path: str) -> bool:
    return path.startswith(_LIFECYCLE)


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
    ("050-lifecycle-operations.json", "Provision, Setup Agentic Payment and Fetch VIC Payment Credentials, "
     "transcribed from their own (cut) pages with their inferred parts marked.", _is_lifecycle),
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


def derive_main(argv: Any) -> int:
    if len(argv or []) != 2 or argv[0] != "derive":
        raise UsageError("usage: python -m juspay_kit.refresh derive JUSPAY_DOCUMENT")
    write_derived_patches(Path(argv[1]))
    return 0
