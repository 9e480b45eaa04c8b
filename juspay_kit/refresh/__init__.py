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
from pathlib import Path
from typing import Any

from juspay_kit import spec
from juspay_kit.errors import RefreshError, SpecError
from juspay_kit.refresh.convert import swagger2_to_openapi3
from juspay_kit.refresh.fetch import MAX_SOURCE_BYTES, SOURCE_DEADLINE, parse, read_source
from juspay_kit.refresh.normalise import dump, normalise
from juspay_kit.refresh.patch import PATCHES_PATH, apply_patches, derive_patches, load_patches, write_derived_patches

__all__ = [
    "MAX_SOURCE_BYTES", "PATCHES_PATH", "SOURCE_DEADLINE", "apply_patches", "derive_patches", "dump", "load_patches",
    "normalise", "parse", "read_source", "refresh", "swagger2_to_openapi3", "write_derived_patches",
]  # fmt: skip


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
