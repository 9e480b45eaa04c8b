"""The console commands of the kit; each module has `main(argv) -> exit code` and `console()`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from juspay_kit.cli import positive, seconds

if TYPE_CHECKING:  # the mock's server pieces are imported by the commands that serve, not by every command
    from juspay_kit.mock.protocol import ConnectionLimits


RECORDING_FORMATS = ("har", "vcr", "kit")  # what juspay_kit.proxy.recordings reads (not imported: --help stays quick)


def add_recording_arguments(parser: argparse.ArgumentParser, done: str) -> None:
    """The recordings a command reads (juspay-drift, juspay-learn): the files, their format, and the server they
    were recorded against (`done`: what happens to the requests under it)."""
    parser.add_argument("recordings", type=Path, nargs="+", metavar="RECORDING", help="HAR, VCR or kit cassette")
    parser.add_argument("--format", choices=("auto", *RECORDING_FORMATS), default="auto",
                        help="the recordings' format (default: found)")  # fmt: skip
    parser.add_argument("--server", metavar="URL", help="the server URL the traffic was recorded against: only "
                        f"requests under it are {done}, with its path prefix stripped")  # fmt: skip


def recording_format(args: argparse.Namespace) -> str | None:
    """The --format to read the recordings in; None: found from each file."""
    return None if args.format == "auto" else str(args.format)


def allowed_host_option(text: str) -> str:
    """An --allow-host value (mock and proxy), normalised; a usage error when it is not a host name."""
    from juspay_kit.mock.callers import allowed_host

    try:
        return allowed_host(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_connection_flags(parser: argparse.ArgumentParser) -> None:
    """The guarded protocol's limits as flags (the mock and the proxy take the same ones)."""
    from juspay_kit.mock.protocol import ConnectionLimits

    limits = ConnectionLimits()
    parser.add_argument("--max-header-bytes", type=positive, default=limits.max_header_bytes,
                        help="request head size limit, 431 beyond (default: %(default)s)")  # fmt: skip
    parser.add_argument("--max-headers", type=positive, default=limits.max_headers,
                        help="header lines per request, 431 beyond (default: %(default)s)")  # fmt: skip
    parser.add_argument("--head-timeout", type=seconds, default=limits.head_timeout,
                        help="seconds for a started request head, 408 after (default: %(default)s)")  # fmt: skip
    parser.add_argument("--idle-timeout", type=seconds, default=limits.idle_timeout,
                        help="seconds a silent connection stays open (default: %(default)s)")  # fmt: skip
    parser.add_argument("--max-connections", type=positive, default=limits.max_connections,
                        help="open connections; new ones beyond are closed (default: %(default)s)")  # fmt: skip
    parser.add_argument("--body-timeout", type=seconds, default=10.0,
                        help="seconds to receive a request body (default: %(default)s)")  # fmt: skip


def connection_limits(args: argparse.Namespace, body_timeout: bool = False) -> ConnectionLimits:
    """The limits the flags give; with `body_timeout`, the protocol also answers a slow body with 408."""
    from juspay_kit.mock.protocol import ConnectionLimits

    return ConnectionLimits(
        args.max_header_bytes,
        args.max_headers,
        args.head_timeout,
        args.idle_timeout,
        args.max_connections,
        args.body_timeout if body_timeout else None,
    )
