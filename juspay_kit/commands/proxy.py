"""Put a validating proxy between your application and Juspay (or the embedded mock).

Point your application at the proxy instead of the API. Every request is forwarded unchanged to the
upstream and its answer returned unchanged; both are checked against the vendored spec, and each violation
is printed as one line (operation, direction, field path, message, check). With --record FILE, every
exchange is appended to FILE, masked (key, Authorization and OTP values): as HAR 1.2 when its name ends in
.har (any case; DevTools and other HAR tools open it), else as a JSON Lines cassette that `juspay-replay`
can replay (`juspay-convert` turns one into the other). The upstream is loopback or
https://sandbox.juspay.in, nothing else, and is never reached through an environment proxy. Stop with
Ctrl-C: the summary (exchanges, violations per check) is printed then.
"""

from __future__ import annotations

import signal
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from juspay_kit.cli import EXIT_ERROR, EXIT_OK, EXIT_VIOLATION, command_parser, positive, run
from juspay_kit.commands import add_connection_flags, allowed_host_option, connection_limits
from juspay_kit.errors import UsageError
from juspay_kit.proxy import MAX_BODY_BYTES, READY_PREFIX


def main(argv: Sequence[str] | None = None) -> int:
    parser = command_parser(
        "juspay-proxy",
        __doc__,
        {
            EXIT_OK: "stopped, and no exchange violated the spec",
            EXIT_VIOLATION: "stopped, and violations were seen",
            EXIT_ERROR: "bad arguments, a refused upstream, an unwritable cassette, or the address cannot be bound",
        },
        {},
    )
    parser.add_argument("--upstream", required=True, help="a loopback URL or https://sandbox.juspay.in")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8790, help="port; 0 picks a free one (default: %(default)s)")
    parser.add_argument("--record", type=Path, metavar="FILE",
                        help="append every exchange to FILE: HAR 1.2 when its name ends in .har, else a JSON Lines "
                        "cassette (a new segment per run)")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the upstream (default: 30)")
    parser.add_argument("--max-body-bytes", type=positive, default=MAX_BODY_BYTES,
                        help="request body size limit, 413 beyond, never forwarded (default: %(default)s)")  # fmt: skip
    add_connection_flags(parser)
    parser.add_argument("--no-controls", action="store_true", help="never forward the mock's /__mock__/ controls")
    parser.add_argument(
        "--allow-remote", action="store_true",
        help="allow a non-loopback --host: any machine that reaches the address can send traffic upstream "
        "through the proxy (the /__mock__/ controls are still only forwarded for loopback callers)",
    )  # fmt: skip
    parser.add_argument("--allow-host", action="append", default=[], type=allowed_host_option, metavar="NAME",
                        help="a Host name the /__mock__/ controls answer to beyond localhost, loopback addresses and "
                        "the bound address; repeatable, \"*\" for any")  # fmt: skip
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"argument --port: {args.port} is not a port number")
    if not 0 < args.timeout <= 3600:  # also refuses nan
        parser.error("argument --timeout: must be a number of seconds between 0 and 3600")
    from juspay_kit.contract.safety import bind_address, is_loopback_host, normalise

    if not args.allow_remote and not is_loopback_host(args.host):
        parser.error(f"--host {args.host} is not loopback: pass --allow-remote to accept traffic from the network")
    upstream = normalise(args.upstream)  # TargetRefused (exit 2) before anything listens
    from juspay_kit import __version__, spec
    from juspay_kit.mock.server import bind, run_guarded, url_of
    from juspay_kit.proxy.app import ProxyApp
    from juspay_kit.proxy.recordings import recorder_for
    from juspay_kit.redact import Redactor

    try:
        sock = bind(bind_address(args.host), args.port)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    redactor = Redactor()
    recorder = None
    try:
        if args.record is not None:  # opened once the address is ours: a failed start leaves the file as it was
            header = {
                "upstream": upstream,
                "recordedAt": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                "kit": __version__,
                "specSha256": spec.sha256_of(spec.SPEC_PATH),
            }
            recorder = recorder_for(args.record, header, redactor)
    except BaseException:
        sock.close()
        raise
    url = url_of(sock)
    app = ProxyApp(
        upstream,
        recorder=recorder,
        redactor=redactor,
        timeout=args.timeout,
        on_startup=lambda: print(f"{READY_PREFIX}{url} -> {upstream}", flush=True),
        max_body_bytes=args.max_body_bytes,
        controls=not args.no_controls,
        allowed_hosts=tuple(args.allow_host),
    )
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # uvicorn re-raises it once it has shut down
    try:
        run_guarded(app, sock, connection_limits(args, body_timeout=True))  # heads, bodies, idle time, a cap
    except KeyboardInterrupt:
        pass  # Ctrl-C or SIGTERM: the normal way to stop
    finally:
        sock.close()
        if app.recorder is not None:
            app.recorder.close()
        print(app.summary(), flush=True)
    return EXIT_VIOLATION if app.violations else EXIT_OK


def console() -> NoReturn:
    run(main)


if __name__ == "__main__":
    console()
