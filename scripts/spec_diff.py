#!/usr/bin/env python3
"""Report, per operation, which changes between two spec versions break consumers of the generated client.

Markdown on stdout. Exit codes: 0 report written (or no breaking change with --fail-on-breaking),
1 breaking changes found with --fail-on-breaking, 2 bad arguments or an unreadable/invalid spec.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import specdiff  # noqa: E402
from harness.cli import EXIT_OK, EXIT_VIOLATION, ArgumentParser, run  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    parser = ArgumentParser(prog="spec_diff.py", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("old", help="the spec consumers have now")
    parser.add_argument("new", help="the proposed spec")
    parser.add_argument("--fail-on-breaking", action="store_true", help="exit 1 when a change breaks consumers")
    args = parser.parse_args(argv)
    changes = specdiff.compare(specdiff.load(args.old), specdiff.load(args.new))
    sys.stdout.write(specdiff.markdown(changes, args.old, args.new))
    if args.fail_on_breaking and any(change.breaking for change in changes):
        return EXIT_VIOLATION
    return EXIT_OK


if __name__ == "__main__":
    run(main)
