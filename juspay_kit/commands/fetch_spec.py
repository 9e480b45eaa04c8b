"""Refresh the vendored spec from Juspay's published document (URL) or a local file.

Converts Swagger 2.0 when needed, normalises key order and formatting, applies the patch folder, validates,
then writes the spec and provenance.json beside it. Run `make regenerate` afterwards. Nothing is written
unless every step succeeded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from juspay_kit import refresh, spec
from juspay_kit.cli import EXIT_ERROR, EXIT_OK, command_parser, run


def main(argv: Sequence[str] | None = None) -> int:
    parser = command_parser(
        "juspay-fetch-spec",
        __doc__,
        {
            EXIT_OK: "written",
            EXIT_ERROR: "unreachable source, unparsable document, stale patch or invalid result (nothing written)",
        },  # fmt: skip
        {},
    )
    parser.add_argument("--from", dest="source", required=True, metavar="URL_OR_FILE", help="the published document")
    parser.add_argument(
        "--spec", type=Path, default=spec.WRITABLE_SPEC_PATH, help="where to write (default: %(default)s)"
    )
    parser.add_argument(
        "--patches", type=Path, default=refresh.PATCHES_PATH, help="patch folder (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    record = refresh.refresh(args.source, args.spec, args.patches)
    patches = len(record["patches"])
    if record.get("unchanged"):
        print(f"{args.spec} already holds this document ({patches} patch(es)); nothing was written")
        return EXIT_OK
    print(f"wrote {args.spec} from {args.source} (raw sha256 {record['raw_sha256'][:12]}, {patches} patch(es))")
    return EXIT_OK


def console() -> NoReturn:
    run(main)


if __name__ == "__main__":
    console()
