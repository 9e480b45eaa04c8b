"""Replay a cassette recorded by `juspay-proxy --record` against another target and report where it differs.

The target is the embedded mock (default: started for the run, reset first) or any loopback URL given with
--against (reset first when it has the mock's controls); https://sandbox.juspay.in is allowed too. Per
exchange, the status, the refusal code and the validity of the body against the recorded status's schema
are compared. Reports: DIR/replay.json and DIR/replay.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from juspay_kit.cli import EXIT_ERROR, EXIT_OK, EXIT_VIOLATION, command_parser, run
from juspay_kit.errors import UsageError

ENVIRONMENT = {
    "JUSPAY_API_KEY": "the target's API key (default for loopback targets: the mock's)",
    "JUSPAY_MERCHANT_ID": "the target's merchant id (default for loopback targets: the mock's)",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = command_parser(
        "juspay-replay",
        __doc__,
        {
            EXIT_OK: "the target answered every compared exchange as recorded",
            EXIT_VIOLATION: "at least one exchange differs",
            EXIT_ERROR: "bad arguments, an unreadable cassette, a refused or unreachable target",
        },
        ENVIRONMENT,
    )
    parser.add_argument("cassette", type=Path, help="the JSON Lines file juspay-proxy --record wrote")
    parser.add_argument("--against", metavar="URL", help="target base URL (default: the embedded mock)")
    parser.add_argument(
        "--report-dir", type=Path, default=Path("reports"), help="where replay.json/.md go (default: %(default)s)"
    )
    parser.add_argument("--no-reset", action="store_true", help="do not reset a mock target first")
    parser.add_argument("--request-timeout", type=float, default=10.0, help="seconds (default: %(default)s)")
    args = parser.parse_args(argv)
    if not 0 < args.request_timeout <= 600:
        parser.error("argument --request-timeout: must be a number of seconds between 0 and 600")
    from juspay_kit.contract.redact import Redactor
    from juspay_kit.contract.safety import TargetKind, classify
    from juspay_kit.contract.settings import credentials
    from juspay_kit.mock.app import DEFAULT_API_KEY, DEFAULT_MERCHANT_ID
    from juspay_kit.proxy import cassette, replay

    cassette.read(args.cassette)  # a bad file is reported before any server starts
    api_key, merchant_id = credentials()
    if args.against is not None and classify(args.against) is TargetKind.SANDBOX and not (api_key and merchant_id):
        raise UsageError("replaying against the sandbox needs JUSPAY_API_KEY and JUSPAY_MERCHANT_ID")
    api_key, merchant_id = api_key or DEFAULT_API_KEY, merchant_id or DEFAULT_MERCHANT_ID
    redactor = Redactor()
    redactor.add_api_key(api_key)

    def compare(url: str) -> replay.ReplayResult:
        return replay.replay(
            args.cassette, url, api_key, merchant_id, reset=not args.no_reset, timeout=args.request_timeout,
            progress=lambda line: print(redactor.text(line), flush=True),
        )  # fmt: skip

    if args.against is None:
        from juspay_kit.mock.process import running_mock

        with running_mock(api_key, merchant_id) as mock:
            result = compare(mock.url)
        result.target = "the embedded mock"
    else:
        result = compare(args.against)
    replay.write_reports(result, args.report_dir, redactor)
    data = result.as_dict()
    print(
        f"Replay of {args.cassette} against {args.against or 'the embedded mock'}: {data['exchanges']} exchanges, "
        f"{data['compared']} compared, {data['differing']} differ, {data['skipped']} skipped"
    )
    print(f"  reports: {args.report_dir}/replay.json, replay.md")
    return EXIT_VIOLATION if result.differing else EXIT_OK


def console() -> NoReturn:
    run(main)


if __name__ == "__main__":
    console()
