"""Report, per operation, which changes between two spec versions break consumers of the generated client.

Markdown on stdout.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NoReturn

from juspay_kit import specdiff
from juspay_kit.cli import EXIT_ERROR, EXIT_OK, EXIT_VIOLATION, command_parser, run
from juspay_kit.errors import SpecError


def main(argv: Sequence[str] | None = None) -> int:
    parser = command_parser(
        "juspay-spec-diff",
        __doc__,
        {
            EXIT_OK: "report written (and no breaking change, with --fail-on-breaking)",
            EXIT_VIOLATION: "breaking changes found, with --fail-on-breaking",
            EXIT_ERROR: "bad arguments, or an unreadable or invalid spec",
        },
        {},
    )
    parser.add_argument("old", help="the spec consumers have now")
    parser.add_argument("new", help="the proposed spec")
    parser.add_argument("--fail-on-breaking", action="store_true", help="exit 1 when a change breaks consumers")
    args = parser.parse_args(argv)
    old, new = specdiff.load(args.old), specdiff.load(args.new)
    try:
        changes = specdiff.compare(old, new)
    except (KeyError, TypeError, AttributeError, ValueError, RecursionError) as exc:
        raise SpecError(
            f"cannot compare the two documents: a structure this tool does not read ({type(exc).__name__})"
        ) from None
    sys.stdout.write(specdiff.markdown(changes, args.old, args.new))
    if args.fail_on_breaking and any(change.breaking for change in changes):
        return EXIT_VIOLATION
    return EXIT_OK


def console() -> NoReturn:
    run(main)


if __name__ == "__main__":
    console()
