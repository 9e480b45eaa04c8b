#!/usr/bin/env python3
"""Refresh spec/openapi.yaml from Juspay's published document (URL) or a local file.

Converts Swagger 2.0 when needed, normalises key order and formatting, applies spec/patches/, validates,
then writes spec/openapi.yaml and spec/provenance.json. Run `make regenerate` afterwards.
Exit codes: 0 written · 2 unreachable source, unparsable document, stale patch or invalid result
(nothing written).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import refresh, spec  # noqa: E402
from harness.cli import EXIT_OK, ArgumentParser, run  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    parser = ArgumentParser(prog="fetch_spec.py", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--from", dest="source", required=True, metavar="URL_OR_FILE", help="the published document")
    parser.add_argument("--spec", type=Path, default=spec.SPEC_PATH, help="where to write (default: %(default)s)")
    parser.add_argument(
        "--patches", type=Path, default=refresh.PATCHES_PATH, help="patch folder (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    record = refresh.refresh(args.source, args.spec, args.patches)
    patches = len(record["patches"])
    print(f"wrote {args.spec} from {args.source} (raw sha256 {record['raw_sha256'][:12]}, {patches} patch(es))")
    return EXIT_OK


if __name__ == "__main__":
    run(main)
