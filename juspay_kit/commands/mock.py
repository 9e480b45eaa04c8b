"""Run the embedded Juspay mock: every operation of the Visa agentic API in its spec (OPERATIONS) and the
/__mock__/ test controls with the OTP inbox page.

Prints `Juspay mock listening on URL` once it accepts requests. OTP codes are random unless --seed is given;
read them from GET /__mock__/inbox. It answers only requests whose Host is localhost, a loopback address,
the bound address or an --allow-host name (421 otherwise), and its controls only their own origin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

from juspay_kit import api
from juspay_kit.cli import EXIT_ERROR, EXIT_OK, command_parser, non_negative_int, run, whole_number
from juspay_kit.commands import add_connection_flags, allowed_host_option, connection_limits
from juspay_kit.contract.safety import bind_address, is_loopback_host
from juspay_kit.errors import UsageError
from juspay_kit.mock import READY_PREFIX
from juspay_kit.mock.app import DEFAULT_API_KEY, DEFAULT_MERCHANT_ID, MockSettings
from juspay_kit.mock.sessions import LIMIT_SETTINGS, Limits


def main(argv: Sequence[str] | None = None) -> int:
    parser = command_parser(
        "juspay-mock",
        (__doc__ or "").replace("OPERATIONS", ", ".join(operation.summary for operation in api.shared())),
        {EXIT_OK: "stopped (Ctrl-C)", EXIT_ERROR: "bad arguments, or the address cannot be bound"},
        {},
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one (default: %(default)s)")
    parser.add_argument(
        "--api-key", default=DEFAULT_API_KEY, help="API key accepted as Basic username (default: %(default)s)"
    )
    parser.add_argument(
        "--merchant-id", default=DEFAULT_MERCHANT_ID, help="accepted x-merchantid (default: %(default)s)"
    )
    parser.add_argument(
        "--seed", type=non_negative_int, help="make OTP codes reproducible, 0 or more (default: random)"
    )
    for setting in LIMIT_SETTINGS:
        parser.add_argument(setting.flag, type=whole_number(setting.low, setting.high), default=setting.default,
                            metavar="N", help=setting.describe())  # fmt: skip
    parser.add_argument("--access-log", action="store_true", help="log each request line (never headers)")
    parser.add_argument(
        "--no-controls", action="store_true", help="do not serve the /__mock__/ test controls (they answer 404)"
    )
    parser.add_argument(
        "--expose-controls", action="store_true",
        help="allow a non-loopback --host while the /__mock__/ controls are on: anyone who can reach the "
        "address can read OTPs, move the clock and reset sessions",
    )  # fmt: skip
    parser.add_argument("--allow-host", action="append", default=[], type=allowed_host_option, metavar="NAME",
                        help="a Host name to answer beyond localhost, loopback addresses and the bound address "
                        "(e.g. a container's service name); repeatable, \"*\" for any")  # fmt: skip
    add_connection_flags(parser)
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"argument --port: {args.port} is not a port number")
    if not 0 < args.body_timeout <= 3600:
        parser.error("argument --body-timeout: must be a number of seconds in (0, 3600]")
    if not args.no_controls and not args.expose_controls and not is_loopback_host(args.host):
        parser.error(
            f"--host {args.host} is not loopback: the /__mock__/ controls would be open to the network; "
            "pass --no-controls, or --expose-controls to accept that"
        )
    if not args.api_key or not args.merchant_id:
        parser.error("--api-key and --merchant-id must not be empty")
    settings = MockSettings(
        api_key=args.api_key,
        merchant_id=args.merchant_id,
        seed=args.seed,
        limits=Limits(**{setting.attribute: getattr(args, setting.option) for setting in LIMIT_SETTINGS}),
        body_timeout_seconds=args.body_timeout,
        controls=not args.no_controls,
        allowed_hosts=tuple(args.allow_host),
    )
    from juspay_kit.mock.server import serve

    try:
        serve(
            settings, bind_address(args.host), args.port, on_ready=lambda url: _announce(url, settings.controls),
            access_log=args.access_log,
            limits=connection_limits(args),
        )  # fmt: skip
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    return EXIT_OK


def _announce(url: str, controls: bool) -> None:
    print(f"{READY_PREFIX}{url}", flush=True)
    if controls:
        print(f"OTP inbox page: {url}/__mock__/ui", flush=True)


def console() -> NoReturn:
    run(main)


if __name__ == "__main__":
    console()
