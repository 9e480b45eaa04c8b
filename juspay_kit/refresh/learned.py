"""Apply a proposal that `juspay-learn` wrote: the reviewed way a learned change reaches the spec.

    python -m juspay_kit.refresh apply PROPOSAL [--spec PATH] [--base JUSPAY_DOCUMENT]

The proposal's patch is applied to the vendored spec like any file of spec/patches/ (it must still apply and
still change something), the result is normalised, its references checked and the document validated; only
then is the spec replaced. With a Juspay document (`--base`; in a checkout, the fixture that rebuilds it by
default) spec/patches/ is derived again, so that a refresh from Juspay's document reproduces the new spec.
Next: `juspay-spec-diff OLD NEW` says what the change means for consumers, `make regenerate` updates the client.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonpatch
from juspay_visa_agentic_client.guard import MAX_JSON_DEPTH, json_depth

from juspay_kit import spec
from juspay_kit.errors import RefreshError, SpecError, UsageError
from juspay_kit.proxy.recorded import read_regular
from juspay_kit.refresh import _write_together
from juspay_kit.refresh.normalise import dump, normalise
from juspay_kit.refresh.patch import PATCHES_PATH, apply_patches, write_derived_patches

FINGERPRINT = re.compile(r"l-[0-9a-f]{16}")
OPERATIONS = ("add", "replace", "test")  # what juspay-learn writes; a copy (or move) may double a node each time
DEFAULT_BASE = spec.ROOT / "tests" / "fixtures" / "juspay-trigger-otp.swagger.yaml"


def read_proposal(path: Path) -> dict[str, Any]:
    try:
        raw = read_regular(path, spec.MAX_SPEC_BYTES, "proposal")  # never a FIFO: it would be waited on
        if json_depth(raw) > MAX_JSON_DEPTH:  # applying and normalising a patch recurse
            raise ValueError
        data = json.loads(raw)
        learned = data["learned"]
        if not (isinstance(data["reason"], str) and isinstance(data["patch"], list) and data["patch"]):
            raise ValueError
        if not FINGERPRINT.fullmatch(str(learned["fingerprint"])):
            raise ValueError
        # learn changes a schema, a response or something deeper: never the root, nor a whole section like /paths
        if not all(isinstance(op, dict) and op.get("op") in OPERATIONS and str(op.get("path")).startswith("/")
                   and str(op["path"]).count("/") >= 3 for op in data["patch"]):  # fmt: skip
            raise ValueError
        jsonpatch.JsonPatch(data["patch"])
    except (ValueError, KeyError, TypeError, RecursionError, jsonpatch.JsonPatchException):
        raise UsageError(f"{path} is not a proposal juspay-learn wrote ({{reason, patch, learned}})") from None
    return dict(data)


def apply_proposal(path: Path, spec_path: Path = spec.SPEC_PATH, base: Path | None = None,
                   patches_dir: Path = PATCHES_PATH) -> str:  # fmt: skip
    """Apply the proposal at `path` to the spec; derive the patches again from `base` when given. Returns the
    proposal's fingerprint."""
    proposal = read_proposal(path)
    document = spec.load(spec_path)
    name = f"{proposal['learned']['fingerprint']}.json"
    patched = normalise(apply_patches(document, [(name, proposal["reason"], jsonpatch.JsonPatch(proposal["patch"]))]))
    try:
        spec.check_refs(patched)
        spec.validate(patched, spec_path)
    except SpecError as exc:
        raise RefreshError(f"the spec with {name} applied does not validate: {exc}") from None
    _write_together({spec_path: dump(patched)})
    if base is not None:
        write_derived_patches(base, patches_dir, spec_path)
    return str(proposal["learned"]["fingerprint"])


def apply_main(argv: list[str]) -> int:
    import argparse

    from juspay_kit.cli import ArgumentParser

    parser = ArgumentParser(prog="python -m juspay_kit.refresh apply", description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("proposal", type=Path)
    parser.add_argument("--spec", type=Path, default=spec.WRITABLE_SPEC_PATH, help="the spec to change")
    parser.add_argument("--base", type=Path, help="Juspay's document, to derive spec/patches/ again")
    parser.add_argument("--patches", type=Path, default=PATCHES_PATH, help="the patch folder to derive into")
    args = parser.parse_args(argv)
    base = args.base or (DEFAULT_BASE if DEFAULT_BASE.is_file() and args.spec == spec.WRITABLE_SPEC_PATH else None)
    fingerprint = apply_proposal(args.proposal, args.spec, base, args.patches)
    derived = f"; {args.patches} derived again from {base}" if base else ""
    print(f"applied {fingerprint} to {args.spec}{derived}. Next: juspay-spec-diff, then make regenerate")
    return 0
