"""Apply a proposal that `juspay-learn` wrote: the reviewed way a learned change reaches the spec.

    python -m juspay_kit.refresh apply PROPOSAL [--spec PATH] [--base JUSPAY_DOCUMENT]

The proposal's patch is applied to the vendored spec like any file of spec/patches/ (it must still apply and
still change something), the result is normalised, its references checked and the document validated; only
then is the spec replaced. It may change only what juspay-learn changes (LEARNED_PARTS: a refusal code list,
appended; a mark's `observed`; a new example, status, field or envelope, each new part marked x-inferred; the
OTP counters; a response schema widened by anyOf), and must keep every x-juspay-secret, x-inferred and
x-doc-conflict mark: a proposal is reviewed as evidence, not read line by line. With a Juspay document
(`--base`; in a checkout, the fixture that rebuilds it by default) spec/patches/ is derived again, so that a
refresh from Juspay's document reproduces the new spec.
Next: `juspay-spec-diff OLD NEW` says what the change means for consumers, `make regenerate` updates the client.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import jsonpatch
from juspay_visa_agentic_client.limits import MAX_JSON_DEPTH, json_depth

from juspay_kit import spec
from juspay_kit.cli import printable
from juspay_kit.errors import RefreshError, SpecError, UsageError
from juspay_kit.proxy.recorded import read_regular
from juspay_kit.refresh import _write_together
from juspay_kit.refresh.normalise import dump, normalise
from juspay_kit.refresh.patch import PATCHES_PATH, apply_patches, write_derived_patches

FINGERPRINT = re.compile(r"l-[0-9a-f]{16}")
OPERATIONS = ("add", "replace", "test")  # what juspay-learn writes; a copy (or move) may double a node each time
DEFAULT_BASE = spec.ROOT / "tests" / "fixtures" / "juspay-trigger-otp.swagger.yaml"
# The parts of the spec juspay-learn changes (traffic/learn.py), as JSON pointers; an add or replace anywhere else
# (servers, info, a secret mark, a request schema's field) is no lesson of the sandbox's and is refused.
_SEG = r"[^/]+"
_RESPONSE = rf"(?:/paths/{_SEG}/{_SEG}/responses/[1-5][0-9][0-9]|/components/responses/{_SEG})"
_SCHEMA = rf"(?:/components/schemas/{_SEG}|{_RESPONSE}/content/application~1json/schema)"
LEARNED_PARTS = {
    "enum": re.compile(rf"/components/schemas/{_SEG}/properties/{_SEG}/enum"),  # refusal codes, appended
    "mark": re.compile(rf"/components/schemas/{_SEG}/properties/{_SEG}/x-inferred"),  # `observed` added
    "example": re.compile(rf"{_RESPONSE}/content/application~1json/examples(?:/{_SEG})?"),  # a learned code's
    "status": re.compile(rf"/paths/{_SEG}/{_SEG}/responses/[1-5][0-9][0-9]"),  # an undocumented status
    "counters": re.compile(r"/components/schemas/OtpLimits"),  # the OTP counters' type and casing
    "field": re.compile(rf"{_SCHEMA}/properties/{_SEG}"),  # a field of a cut page's answer
    "envelope": re.compile(rf"/components/schemas/{_SEG}"),  # refusals no documented envelope matched
    "anyOf": re.compile(rf"{_RESPONSE}/content/application~1json/schema"),  # ... and where they are answered
}
_ADDS = ("example", "status", "field", "envelope")  # each creates what was not there
_INFERRED = ("status", "field", "envelope")  # and a part it creates stays inferred: it carries x-inferred


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
        # what each operation may touch is judged by LEARNED_PARTS when it is applied
        if not all(isinstance(op, dict) and op.get("op") in OPERATIONS and str(op.get("path")).startswith("/")
                   for op in data["patch"]):  # fmt: skip
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
    problem = _outside_lessons(document, proposal["patch"]) or _marks_lost(document, patched)
    if problem is not None:
        raise UsageError(f"{path} is not a proposal juspay-learn wrote: {problem}; nothing was written")
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


def _outside_lessons(document: dict[str, Any], patch: list[dict[str, Any]]) -> str | None:
    """Why an operation of a proposal (which applies) changes what juspay-learn never changes, or None. Each is
    judged against the document as the operations before it left it."""
    current = copy.deepcopy(document)
    for op in patch:
        pointer = str(op["path"])
        shown = printable(pointer[:120])
        kinds = [kind for kind, shape in LEARNED_PARTS.items() if shape.fullmatch(pointer)]
        try:
            old: Any = spec.follow(current, "#" + pointer)
        except KeyError:
            old = _ABSENT
        if op["op"] == "add" and not any(kind in _ADDS and old is _ABSENT for kind in kinds):
            return f"add {shown} creates no part juspay-learn adds (or overwrites what is there)"
        if op["op"] == "add" and "example" not in kinds and not _inferred(op.get("value")):
            return f"add {shown} adds a part without its x-inferred mark"
        if op["op"] == "replace" and not any(_learned_replace(kind, old, op.get("value")) for kind in kinds):
            return f"replace {shown} changes a part juspay-learn does not change, or not as it changes it"
        current = jsonpatch.JsonPatch([op]).apply(current, in_place=True)
    return None


_ABSENT = object()


def _inferred(value: Any) -> bool:
    mark = value.get("x-inferred") if isinstance(value, dict) else None
    return isinstance(mark, dict) and isinstance(mark.get("id"), str)


def _learned_replace(kind: str, old: Any, new: Any) -> bool:
    """Whether replacing `old` by `new` is a change juspay-learn makes to a part of `kind`."""
    if kind == "enum":  # codes appended, none removed or reordered
        return isinstance(old, list) and isinstance(new, list) and new[: len(old)] == old and len(new) > len(old)
    if kind == "mark":  # `observed` beside the reason: the id, the reason and the rest kept
        kept = {k: v for k, v in old.items() if k != "observed"} if isinstance(old, dict) else None
        return isinstance(new, dict) and kept is not None and {k: v for k, v in new.items() if k != "observed"} == kept
    if kind == "anyOf":  # the documented schema kept, a learned envelope beside it
        others = new.get("anyOf") if isinstance(new, dict) and len(new) == 1 else None
        return isinstance(others, list) and len(others) == 2 and others[0] == old and _learned_ref(others[1])
    return kind == "counters"  # a type and a casing: its marks are checked on the whole (_marks_lost)


def _learned_ref(node: Any) -> bool:
    ref = node.get("$ref") if isinstance(node, dict) and len(node) == 1 else None
    return isinstance(ref, str) and re.fullmatch(r"#/components/schemas/[^/]+", ref) is not None


def _marks_lost(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """A mark of `old` the patched `new` lacks, or None: every x-juspay-secret (the field and its kind), every
    x-inferred mark (all but its `observed`) and every x-doc-conflict id stays, wherever the patch moved it."""
    before, after = _marks(old), _marks(new)
    lost = before - after
    return f"it removes or changes the mark {printable(min(lost)[:160])}" if lost else None


def _marks(document: Any) -> Counter[str]:
    found: Counter[str] = Counter()
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        name, node = stack.pop()
        if isinstance(node, list):
            stack.extend((name, item) for item in node)
            continue
        if not isinstance(node, dict):
            continue
        if "x-juspay-secret" in node:
            found[f"x-juspay-secret {json.dumps(node['x-juspay-secret'])} on {name}"] += 1
        inferred = node.get("x-inferred")
        for mark in inferred if isinstance(inferred, list) else [inferred] if inferred is not None else []:
            kept = {k: v for k, v in mark.items() if k != "observed"} if isinstance(mark, dict) else mark
            found[f"x-inferred {json.dumps(kept, sort_keys=True)}"] += 1
        conflict = node.get("x-doc-conflict")
        if conflict is not None:
            found[f"x-doc-conflict {json.dumps(conflict.get('id') if isinstance(conflict, dict) else conflict)}"] += 1
        stack.extend((str(key), value) for key, value in node.items() if key not in ("x-inferred", "x-doc-conflict"))
    return found
