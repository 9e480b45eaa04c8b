"""Replay a cassette recorded by `juspay-proxy --record` against another target and report where it differs.

The target is the embedded mock (default: started for the run, reset first) or any loopback URL given with
--against (reset first when it has the mock's controls); https://sandbox.juspay.in is allowed too. Per
exchange, the status, the refusal code and the validity of the body against the recorded status's schema
are compared. Identifiers the target invents in place of the recorded ones (token ids at Provision, an
instructionId at Setup) are followed: every later request carries the target's value, and the reports list
each mapping. --seed makes the embedded mock's codes and identifiers reproducible; with --against it is
refused (the target's own seed, if any, is the target's to set). Reports: DIR/replay.json and DIR/replay.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from juspay_visa_agentic_client.guard import MAX_ANSWER_BYTES

from juspay_kit.cli import EXIT_ERROR, EXIT_OK, EXIT_VIOLATION, command_parser, non_negative_int, printable, run
from juspay_kit.contract.settings import SANDBOX_BUDGET, SANDBOX_RATE_LIMIT, credentials
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
            EXIT_VIOLATION: "at least one exchange differs, or the cassette holds nothing to replay",
            EXIT_ERROR: "bad arguments, an unreadable cassette, a refused or unreachable target",
        },
        ENVIRONMENT,
    )
    parser.add_argument("cassette", type=Path, help="the JSON Lines file juspay-proxy --record wrote")
    parser.add_argument("--against", metavar="URL", help="target base URL (default: the embedded mock)")
    parser.add_argument(
        "--report-dir", type=Path, default=Path("reports"), help="where replay.json/.md go (default: %(default)s)"
    )
    parser.add_argument(
        "--seed", type=non_negative_int, help="seed of the embedded mock's codes and identifiers (default: random)"
    )
    parser.add_argument("--no-reset", action="store_true", help="do not reset a mock target first")
    parser.add_argument("--request-timeout", type=float, default=10.0, help="seconds for a whole answer, from sending "
                        "to its last byte (a total deadline; default: %(default)s)")  # fmt: skip
    parser.add_argument("--max-answer-bytes", type=non_negative_int, default=MAX_ANSWER_BYTES,
                        help="an answer larger than this ends the replay (default: %(default)s, 1 MiB)")  # fmt: skip
    parser.add_argument("--rate-limit", type=float,
                        help=f"requests per second (default: none; sandbox {SANDBOX_RATE_LIMIT:g})")  # fmt: skip
    parser.add_argument("--budget", type=non_negative_int,
                        help=f"requests at most, then skip (default: none; sandbox {SANDBOX_BUDGET})")  # fmt: skip
    args = parser.parse_args(argv)
    if not 0 < args.request_timeout <= 600:
        parser.error("argument --request-timeout: must be a number of seconds between 0 and 600")
    if not 1024 <= args.max_answer_bytes <= 256 * 1024 * 1024:
        parser.error("argument --max-answer-bytes: must be between 1024 and 268435456")
    if args.seed is not None and args.against is not None:
        parser.error("argument --seed: seeds the embedded mock only; drop it, or start the target with its own seed")
    if args.rate_limit is not None and not 0 <= args.rate_limit <= 10_000:  # also refuses nan
        parser.error("argument --rate-limit: must be a number of requests per second between 0 and 10000")
    from juspay_kit.contract.report import prepare
    from juspay_kit.contract.safety import TargetKind, classify
    from juspay_kit.mock.app import DEFAULT_API_KEY, DEFAULT_MERCHANT_ID
    from juspay_kit.proxy import cassette, replay
    from juspay_kit.redact import Redactor

    cassette.read(args.cassette)  # a bad file is reported before any server starts
    prepare(args.report_dir)  # and an unwritable report folder before any request
    api_key, merchant_id = credentials()
    sandbox = args.against is not None and classify(args.against) is TargetKind.SANDBOX
    if sandbox and not (api_key and merchant_id):
        raise UsageError("replaying against the sandbox needs JUSPAY_API_KEY and JUSPAY_MERCHANT_ID")
    rate_limit = args.rate_limit if args.rate_limit is not None else (SANDBOX_RATE_LIMIT if sandbox else 0.0)
    budget = args.budget if args.budget is not None else (SANDBOX_BUDGET if sandbox else 0)
    if sandbox and (not 0 < rate_limit <= 10 or budget <= 0):
        raise UsageError("against the sandbox --rate-limit must be in (0, 10] requests/s and --budget positive")
    api_key, merchant_id = api_key or DEFAULT_API_KEY, merchant_id or DEFAULT_MERCHANT_ID
    redactor = Redactor()
    redactor.add_api_key(api_key)

    def compare(url: str) -> replay.ReplayResult:
        return replay.replay(
            args.cassette, url, api_key, merchant_id, reset=not args.no_reset, timeout=args.request_timeout,
            max_answer_bytes=args.max_answer_bytes, rate_limit=rate_limit, budget=budget,
            progress=lambda line: print(printable(redactor.text(line)), flush=True),
        )  # fmt: skip

    if args.against is None:
        from juspay_kit.mock.process import running_mock

        seed = ["--seed", str(args.seed)] if args.seed is not None else []
        with running_mock(api_key, merchant_id, extra_args=seed) as mock:
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
    if result.mappings:
        print(f"  {len(result.mappings)} identifiers the target invented were followed (listed in the reports)")
    print(f"  reports: {args.report_dir}/replay.json, replay.md")
    if not result.exchanges:
        print("nothing to replay: the cassette holds no exchange", flush=True)
        return EXIT_VIOLATION
    return EXIT_VIOLATION if result.differing else EXIT_OK


def console() -> NoReturn:
    run(main)


if __name__ == "__main__":
    console()
