#!/usr/bin/env python3
"""Regenerate generated/juspay-visa-agentic-client from spec/openapi.yaml, or --check it is current.

Exit codes: 0 up to date (or regenerated), 1 drift found by --check, 2 bad arguments or invalid spec.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from juspay_kit import regenerate, spec  # noqa: E402
from juspay_kit.cli import EXIT_OK, EXIT_VIOLATION, ArgumentParser, run  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    parser = ArgumentParser(prog="regenerate.py", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on drift")
    parser.add_argument("--spec", type=Path, default=spec.SPEC_PATH, help="OpenAPI document (default: %(default)s)")
    args = parser.parse_args(argv)
    if not args.check:
        regenerate.regenerate(args.spec)
        print(f"regenerated {regenerate.OUTPUT_PATH.relative_to(spec.ROOT)}")
        return EXIT_OK
    drift = regenerate.check(args.spec)
    if not drift:
        print("generated client is up to date with the spec")
        return EXIT_OK
    print("generated client differs from what the spec produces (run `make regenerate`):")
    for line in drift.lines():
        print(f"  {line}")
    return EXIT_VIOLATION


if __name__ == "__main__":
    run(main)
