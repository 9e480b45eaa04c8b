"""Propose spec patches from what the sandbox answered: one reviewed JSON Patch per inferred part (or recorded
contradiction) that the traffic contradicts or extends, with its evidence and the spec-diff verdict.

Reads the same recordings as juspay-drift (HAR, VCR.py cassettes, the kit's cassettes). Only traffic recorded
against the sandbox teaches; --trust-source accepts any (tests and stand-ins). Writes DIR/<fingerprint>.json
in the format of spec/patches/ (plus `learned`: fingerprint, ids, evidence, spec-diff) and nothing else;
apply one with `python -m juspay_kit.refresh apply FILE`, then `make regenerate`. Values are never learned:
only codes, names and types, and none that holds a secret the recording carried.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from juspay_kit.cli import EXIT_ERROR, EXIT_OK, EXIT_VIOLATION, command_parser, printable, run
from juspay_kit.commands import add_recording_arguments, recording_format
from juspay_kit.errors import UsageError


def main(argv: Sequence[str] | None = None) -> int:
    parser = command_parser(
        "juspay-learn",
        __doc__,
        {
            EXIT_OK: "nothing to learn: the traffic neither contradicts nor extends the spec",
            EXIT_VIOLATION: "proposals written: the spec has something to learn",
            EXIT_ERROR: "bad arguments, an unreadable recording, or traffic that is not the sandbox's",
        },
        {"JUSPAY_KIT_SPEC": "learn against this OpenAPI document instead of the kit's spec"},
    )
    add_recording_arguments(parser, "learned from")
    parser.add_argument("--out", type=Path, default=Path("reports/learned"), help="where proposals go (%(default)s)")
    parser.add_argument("--trust-source", action="store_true",
                        help="learn from traffic not recorded against the sandbox (stand-ins, tests)")  # fmt: skip
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date.today(),
                        help="the date a proposal marks as observed when the traffic has no timestamps")  # fmt: skip
    args = parser.parse_args(argv)
    from juspay_kit.proxy.recordings import read
    from juspay_kit.traffic.learn import Learner

    learner = Learner(trusted=args.trust_source, server=args.server)
    for path in args.recordings:
        learner.recording(read(path, recording_format(args)))
    proposals = learner.proposals(args.date.isoformat())
    written = [_write(args.out, proposal) for proposal in proposals]
    for proposal, path in zip(proposals, written, strict=True):
        learned = proposal["learned"]
        verdict = learned["specDiff"]["verdict"]
        print(printable(f"{learned['fingerprint']} {learned['kind']} ({verdict}): {learned['title']} -> {path}"))
    print(f"{len(proposals)} proposal(s)")
    return EXIT_VIOLATION if proposals else EXIT_OK


def _write(directory: Path, proposal: dict[str, object]) -> Path:
    """One proposal file, written whole (a temporary sibling, then renamed)."""
    learned = proposal["learned"]
    assert isinstance(learned, dict)
    target = directory / f"{learned['fingerprint']}.json"
    # a lone surrogate (a file name's undecodable byte in a ref) as the JSON escape it is read back from
    data = (json.dumps(proposal, indent=2, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".proposal.", dir=directory)
    except OSError as exc:
        raise UsageError(f"cannot write proposals to {directory}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(name, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise UsageError(f"cannot write proposals to {directory}: {exc.strerror or exc}") from None
    return target


def console() -> NoReturn:
    run(main)


if __name__ == "__main__":
    console()
