"""Convert a traffic recording between HAR 1.2, VCR.py cassettes and the kit's cassettes, masking secrets.

IN's format is found from the file (--from forces it); OUT's from its name: .har is HAR 1.2, .yaml or .yml a
VCR.py cassette (YAML, as pytest-recording writes it), anything else (.jsonl, .cassette) the kit's JSON Lines
cassette that `juspay-replay` replays (--to forces it). Secrets are masked as `juspay-proxy --record` masks
them, whatever the source holds in clear: the API key in every encoding, Authorization, the OTP and the
payment credentials. OUT is written whole or not at all. An exchange that got no answer has no place in a
VCR.py cassette and is left out (the line printed says how many).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from juspay_kit.cli import EXIT_ERROR, EXIT_OK, command_parser, printable, run
from juspay_kit.commands import RECORDING_FORMATS


def main(argv: Sequence[str] | None = None) -> int:
    parser = command_parser(
        "juspay-convert",
        __doc__,
        {
            EXIT_OK: "converted",
            EXIT_ERROR: "bad arguments, a recording this command cannot read (named with the position of the "
            "fault), or OUT cannot be written (nothing is written then)",
        },
        {},
    )
    parser.add_argument("source", type=Path, metavar="IN", help="the recording to read")
    parser.add_argument("target", type=Path, metavar="OUT", help="the file to write (replaced if it exists)")
    parser.add_argument("--from", dest="source_format", choices=RECORDING_FORMATS, help="IN's format (default: found)")
    parser.add_argument(
        "--to", dest="target_format", choices=RECORDING_FORMATS, help="OUT's format (default: from its name)"
    )
    args = parser.parse_args(argv)
    from juspay_kit.proxy.recordings import convert

    done = convert(args.source, args.target, args.source_format, args.target_format)
    left_out = f" ({done.left_out} without an answer left out)" if done.left_out else ""
    formats = f"from {done.source_format} to {done.target_format}"
    print(f"converted {done.count} exchanges {formats}{left_out}: {printable(str(args.target))}")
    return EXIT_OK


def console() -> NoReturn:
    run(main)


if __name__ == "__main__":
    console()
